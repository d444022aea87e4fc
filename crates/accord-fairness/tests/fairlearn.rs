//! Accord's metrics against Fairlearn's, to 1e-9, on a generated table.
//!
//! Runs `tests/fairlearn_compare.py` with the Python interpreter named by
//! `ACCORD_PYTHON` (a virtual environment with `fairlearn` and `pandas`).
//! Without it the test says loudly that it was skipped and passes — unless
//! `ACCORD_REQUIRE_PYTHON=1`, when it fails (CI sets both).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use accord_data::TableOptions;
use accord_fairness::engine::{AuditSpec, run};
use accord_fairness::metrics::{AuditOptions, audit};
use serde_json::Value;

const TOLERANCE: f64 = 1e-9;

fn python() -> Option<PathBuf> {
    let required = std::env::var("ACCORD_REQUIRE_PYTHON").is_ok_and(|v| v == "1");
    match std::env::var_os("ACCORD_PYTHON").filter(|p| !p.is_empty()) {
        Some(path) => Some(PathBuf::from(path)),
        None if required => {
            panic!(
                "ACCORD_REQUIRE_PYTHON=1 but ACCORD_PYTHON is not set: cannot compare with Fairlearn"
            )
        }
        None => {
            // Written to the stream itself, not through `eprintln!`, so that the
            // test harness does not capture it: a skip must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "\n==========================================================================\n\
                 skipped: set ACCORD_PYTHON to a Python with fairlearn and pandas to compare\n\
                 Accord's fairness metrics with Fairlearn's (pip install fairlearn pandas)\n\
                 ==========================================================================\n"
            );
            None
        }
    }
}

/// A deterministic table: three sexes, five races (one of them, `Z`, only
/// with label 0, so its true positive rate is undefined), labels and
/// predictions that depend on the groups.
fn generate(path: &Path, rows: usize) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let sexes = ["F", "M", "X"];
    let races = ["Asian", "Black", "Hispanic", "White", "Z"];
    let mut text = String::from("sex,race,label,pred,score\n");
    for _ in 0..rows {
        let sex = sexes[(next() % 100) as usize * 3 / 100 % 3];
        let race_pick = next() % 1000;
        let race = match race_pick {
            0..=149 => "Asian",
            150..=349 => "Black",
            350..=549 => "Hispanic",
            550..=989 => "White",
            _ => "Z",
        };
        let race_index = races.iter().position(|r| *r == race).unwrap_or(0) as u64;
        let label = if race == "Z" {
            0
        } else {
            u64::from(next() % 100 < 40 + race_index * 5)
        };
        let bias = if sex == "F" { 8 } else { 0 } + race_index * 3;
        let pred = u64::from(next() % 100 + bias < if label == 1 { 80 } else { 30 });
        let score = (next() % 10_000) as f64 / 100.0;
        text.push_str(&format!("{sex},{race},{label},{pred},{score}\n"));
    }
    std::fs::write(path, text).unwrap();
}

fn close(path: &str, ours: &Value, theirs: &Value, problems: &mut Vec<String>) {
    match (ours.as_f64(), theirs.as_f64()) {
        (Some(a), Some(b)) if (a - b).abs() <= TOLERANCE => {}
        (None, None) if ours.is_null() && theirs.is_null() => {}
        _ => problems.push(format!("{path}: Accord {ours}, Fairlearn {theirs}")),
    }
}

fn compare(groups: &[&str], table: &Path, python: &Path, directory: &Path) -> Vec<String> {
    let input = accord_data::discover(&[table.to_path_buf()])
        .unwrap()
        .remove(0);
    let spec = AuditSpec {
        groups: groups.iter().map(|g| g.to_string()).collect(),
        label: Some("label".into()),
        prediction: Some("pred".into()),
        score: None,
        filter: None,
    };
    let mut reader = accord_data::table(
        &input,
        &TableOptions {
            columns: spec.columns(),
            batch_rows: 4096,
            ..TableOptions::default()
        },
    )
    .unwrap();
    let tally = run(&mut reader, &spec, 2, |_, _| {}).unwrap();
    assert_eq!(reader.report().malformed, 0);
    let ours = serde_json::to_value(audit(&tally, &AuditOptions::default())).unwrap();

    let out = directory.join(format!("fairlearn-{}.json", groups.join("-")));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fairlearn_compare.py");
    let status = Command::new(python)
        .arg(&script)
        .arg(table)
        .arg(&out)
        .args(["label", "pred"])
        .args(groups)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        status.success(),
        "{} {} failed",
        python.display(),
        script.display()
    );
    let theirs: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();

    let mut problems = Vec::new();
    let our_groups = ours["groups"].as_array().unwrap();
    let their_groups = theirs["groups"].as_array().unwrap();
    if our_groups.len() != their_groups.len() {
        problems.push(format!(
            "{} groups, Fairlearn {}",
            our_groups.len(),
            their_groups.len()
        ));
    }
    for theirs_group in their_groups {
        let key = &theirs_group["group"];
        let Some(ours_group) = our_groups.iter().find(|g| {
            groups
                .iter()
                .all(|c| g["group"][c].as_str() == key[c].as_str())
        }) else {
            problems.push(format!("group {key} is missing from Accord's"));
            continue;
        };
        close(
            &format!("{key}/count"),
            &ours_group["count"],
            &theirs_group["count"],
            &mut problems,
        );
        close(
            &format!("{key}/selection_rate"),
            &ours_group["selection_rate"],
            &theirs_group["selection_rate"],
            &mut problems,
        );
        // An undefined rate is null in Accord's groups and 0 in Fairlearn's
        // (scikit-learn's normalised confusion matrix turns 0/0 into 0).
        for (rate, denominator) in [
            ("true_positive_rate", "positives"),
            ("false_positive_rate", "negatives"),
            ("precision", "selected"),
        ] {
            let mut value = ours_group[rate].clone();
            if value.is_null() {
                assert_eq!(
                    ours_group[denominator], 0,
                    "{key}: {rate} is null with a denominator"
                );
                value = Value::from(0.0);
            }
            close(
                &format!("{key}/{rate}"),
                &value,
                &theirs_group[rate],
                &mut problems,
            );
        }
    }
    for rate in [
        "selection_rate",
        "true_positive_rate",
        "false_positive_rate",
        "precision",
    ] {
        close(
            &format!("overall/{rate}"),
            &ours["overall"][rate],
            &theirs["overall"][rate],
            &mut problems,
        );
    }
    for name in [
        "demographic_parity_difference",
        "demographic_parity_ratio",
        "equalized_odds_difference",
    ] {
        close(name, &ours[name], &theirs[name], &mut problems);
    }
    // The four-fifths figure is the demographic parity ratio by definition.
    close(
        "impact_ratio_min",
        &ours["impact_ratio_min"],
        &theirs["demographic_parity_ratio"],
        &mut problems,
    );
    eprintln!(
        "compared {} groups ({}) with Fairlearn {}: {} differences",
        their_groups.len(),
        groups.join(" × "),
        theirs["fairlearn"],
        problems.len()
    );
    problems
}

#[test]
fn metrics_equal_fairlearns() {
    let Some(python) = python() else { return };
    let directory = tempfile::tempdir().unwrap();
    let table = directory.path().join("table.csv");
    generate(&table, 50_000);
    let mut problems = Vec::new();
    for groups in [&["sex", "race"][..], &["race"][..], &["sex"][..]] {
        problems.extend(compare(groups, &table, &python, directory.path()));
    }
    assert!(
        problems.is_empty(),
        "Accord and Fairlearn differ:\n{}",
        problems.join("\n")
    );
}

/// The table of [`generate`] without its label column.
fn without_label(table: &Path, out: &Path) {
    let text = std::fs::read_to_string(table).unwrap();
    let kept: String = text
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            assert_eq!(
                fields[2],
                if line.starts_with("sex,") {
                    "label"
                } else {
                    fields[2]
                }
            );
            format!("{},{},{},{}\n", fields[0], fields[1], fields[3], fields[4])
        })
        .collect();
    std::fs::write(out, kept).unwrap();
}

/// Issue 9: an audit from groups and predictions alone (no label column in
/// the data) gives Fairlearn's `selection_rate` per group and its
/// `demographic_parity_difference` / `demographic_parity_ratio` with
/// `sensitive_features`, to 1e-9.
#[test]
fn selection_without_a_label_equals_fairlearns() {
    let Some(python) = python() else { return };
    let directory = tempfile::tempdir().unwrap();
    let full = directory.path().join("full.csv");
    generate(&full, 50_000);
    let table = directory.path().join("no-label.csv");
    without_label(&full, &table);
    let input = accord_data::discover(std::slice::from_ref(&table))
        .unwrap()
        .remove(0);
    let mut problems = Vec::new();
    for groups in [&["sex", "race"][..], &["race"][..], &["sex"][..]] {
        let spec = AuditSpec {
            groups: groups.iter().map(|g| g.to_string()).collect(),
            label: None,
            prediction: Some("pred".into()),
            score: None,
            filter: None,
        };
        let mut reader = accord_data::table(
            &input,
            &TableOptions {
                columns: spec.columns(),
                batch_rows: 4096,
                // As `accord audit fairness` reads CSV: every column as text.
                text: true,
            },
        )
        .unwrap();
        let tally = run(&mut reader, &spec, 2, |_, _| {}).unwrap();
        assert_eq!(reader.report().malformed, 0);
        let options = AuditOptions {
            label: None,
            prediction: Some("pred".into()),
            ..AuditOptions::default()
        };
        let ours = serde_json::to_value(audit(&tally, &options)).unwrap();
        assert!(
            ours.get("equalized_odds_difference").is_none(),
            "no label, no error rates"
        );

        let out = directory
            .path()
            .join(format!("fairlearn-no-label-{}.json", groups.join("-")));
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fairlearn_compare.py");
        let status = Command::new(&python)
            .arg(&script)
            .arg(&table)
            .arg(&out)
            .args(["-", "pred"])
            .args(groups)
            .status()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        assert!(
            status.success(),
            "{} {} failed",
            python.display(),
            script.display()
        );
        let theirs: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();

        let our_groups = ours["groups"].as_array().unwrap();
        let their_groups = theirs["groups"].as_array().unwrap();
        if our_groups.len() != their_groups.len() {
            problems.push(format!(
                "{} groups, Fairlearn {}",
                our_groups.len(),
                their_groups.len()
            ));
        }
        for theirs_group in their_groups {
            let key = &theirs_group["group"];
            let Some(ours_group) = our_groups.iter().find(|g| {
                groups
                    .iter()
                    .all(|c| g["group"][c].as_str() == key[c].as_str())
            }) else {
                problems.push(format!("group {key} is missing from Accord's"));
                continue;
            };
            for name in ["count", "selection_rate"] {
                close(
                    &format!("{key}/{name}"),
                    &ours_group[name],
                    &theirs_group[name],
                    &mut problems,
                );
            }
        }
        close(
            "overall/selection_rate",
            &ours["overall"]["selection_rate"],
            &theirs["overall"]["selection_rate"],
            &mut problems,
        );
        for name in ["demographic_parity_difference", "demographic_parity_ratio"] {
            close(name, &ours[name], &theirs[name], &mut problems);
        }
        close(
            "impact_ratio_min",
            &ours["impact_ratio_min"],
            &theirs["demographic_parity_ratio"],
            &mut problems,
        );
        eprintln!(
            "compared selection rates of {} groups ({}) without a label with Fairlearn {}",
            their_groups.len(),
            groups.join(" × "),
            theirs["fairlearn"]
        );
    }
    assert!(
        problems.is_empty(),
        "Accord and Fairlearn differ:\n{}",
        problems.join("\n")
    );
}
