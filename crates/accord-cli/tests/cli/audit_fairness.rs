//! `accord audit fairness`: formats, evidence into `accord assess`, bad input.

use std::fs;
use std::path::Path;

use serde_json::Value;
use sha2::Digest as _;

use crate::{accord, assert_code, stderr, stdout};

const SAMPLE: &str = "crates/accord-fairness/tests/data/hiring.csv";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    fs::write(&path, text).expect("write");
    path.display().to_string()
}

/// Two groups: F selected 3 of 10, M 5 of 10; impact ratio of F = 0.6.
fn failing_table() -> String {
    let mut text = String::from("id,sex,race,hired,pred\n");
    for i in 0..10 {
        text.push_str(&format!(
            "f{i},F,A,{},{}\n",
            u8::from(i < 4),
            u8::from(i < 3)
        ));
        text.push_str(&format!(
            "m{i},M,B,{},{}\n",
            u8::from(i < 6),
            u8::from(i < 5)
        ));
    }
    text
}

/// F selected 4 of 10, M 5 of 10: impact ratio 0.8, which passes.
fn passing_table() -> String {
    let mut text = String::from("sex,hired,pred\n");
    for i in 0..10 {
        text.push_str(&format!(
            "F,{},{}\n",
            u8::from(i < 5),
            if i < 4 { "yes" } else { "no" }
        ));
        text.push_str(&format!(
            "M,{},{}\n",
            u8::from(i < 5),
            if i < 5 { "true" } else { "false" }
        ));
    }
    text
}

fn json(args: &[&str]) -> Value {
    let o = accord(args);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&o)))
}

#[test]
fn json_is_evidence_of_kind_fairness_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", &failing_table());
    let v = json(&[
        "audit", "fairness", &path, "--group", "sex", "--group", "race", "--label", "hired",
        "--pred", "pred", "--format", "json",
    ]);
    assert_eq!(v["accord"], "evidence/v1");
    assert_eq!(v["kind"], "fairness-audit");
    assert_eq!(v["tool"]["name"], "accord");
    assert_eq!(v["controls"], serde_json::json!(["bias-testing"]));
    let produced = v["produced_at"].as_str().unwrap();
    assert!(
        produced.ends_with('Z') && produced.len() == 20,
        "{produced}"
    );
    assert_eq!(
        v["metrics"]["audit_date"].as_str().unwrap(),
        &produced[..10]
    );
    let digest: String = sha2::Sha256::digest(fs::read(&path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(v["inputs"][0]["sha256"], digest.as_str());

    let m = &v["metrics"];
    let groups = m["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    // Intersectional: each group names every column.
    assert_eq!(
        groups[0]["group"],
        serde_json::json!({"sex": "F", "race": "A"})
    );
    assert_eq!(groups[0]["count"], 10);
    assert_eq!(groups[0]["selection_rate"], 0.3);
    assert_eq!(groups[0]["impact_ratio"], 0.6);
    assert_eq!(groups[0]["true_positive_rate"], 0.75);
    assert_eq!(groups[0]["false_positive_rate"], 0.0);
    assert_eq!(groups[1]["impact_ratio"], 1.0);
    assert_eq!(m["impact_ratio_min"], 0.6);
    assert_eq!(m["demographic_parity_ratio"], 0.6);
    assert!((m["demographic_parity_difference"].as_f64().unwrap() - 0.2).abs() < 1e-12);
    assert!(m["equalized_odds_difference"].as_f64().is_some());
    assert_eq!(m["four_fifths"]["flagged"], true);
    let tables = m["ll144"]["tables"].as_array().unwrap();
    let dimensions: Vec<&str> = tables
        .iter()
        .map(|t| t["dimension"].as_str().unwrap())
        .collect();
    assert_eq!(dimensions, ["sex", "race", "intersectional"]);
    assert_eq!(v["thresholds"][0]["name"], "impact_ratio_min");
    assert_eq!(v["thresholds"][0]["value"], 0.8);
    assert_eq!(v["thresholds"][0]["source"], "29 CFR 1607.4(D)");
    assert_eq!(v["thresholds"][0]["passed"], false);
    // The file's `passed`: the audit is complete. The screen's result is the threshold's.
    assert_eq!(v["passed"], true);
}

#[test]
fn text_report_and_the_fail_on_switch() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", &failing_table());
    let args = [
        "audit", "fairness", &path, "-g", "sex", "--label", "hired", "--pred", "pred",
    ];
    let o = accord(&args);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("FLAGGED, 1 group below 0.8: sex=F (0.6000)"),
        "{text}"
    );
    assert!(text.contains("NYC LL144 bias audit"), "{text}");
    let mut failing = args.to_vec();
    failing.extend(["--fail-on", "four-fifths"]);
    assert_code(&accord(&failing), 1);

    let passing = write(dir.path(), "p.csv", &passing_table());
    let o = accord(&[
        "audit",
        "fairness",
        &passing,
        "-g",
        "sex",
        "--label",
        "hired",
        "--pred",
        "pred",
        "--fail-on",
        "four-fifths",
    ]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("passed, every impact ratio is at least 0.8"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn html_page_with_chart_and_the_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("audit.html");
    let o = accord(&[
        "audit",
        "fairness",
        SAMPLE,
        "-g",
        "sex,race_ethnicity",
        "--label",
        "qualified",
        "--pred",
        "selected",
        "--score",
        "score",
        "--format",
        "html",
        "--output",
        out.to_str().unwrap(),
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).is_empty());
    let page = fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(
        page.contains("<svg") && page.contains("class=\"line\""),
        "bar chart with the 0.8 line"
    );
    assert!(page.contains("Scoring rate"));
    assert!(page.contains("Intersectional (sex × race_ethnicity)"));
    assert!(
        !page.contains("<script") && !page.contains("src=\"http"),
        "self-contained, no scripts"
    );
}

#[test]
fn sample_with_score_filter_and_evidence_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let evidence = dir.path().join("fairness.json");
    let o = accord(&[
        "audit",
        "fairness",
        SAMPLE,
        "-g",
        "sex",
        "-g",
        "race_ethnicity",
        "--label",
        "qualified",
        "--pred",
        "selected",
        "--score",
        "score",
        "--where",
        "region = 'US' or year >= 2025",
        "--evidence",
        evidence.to_str().unwrap(),
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("Fairness audit"));
    let v: Value = serde_json::from_str(&fs::read_to_string(&evidence).unwrap()).unwrap();
    let m = &v["metrics"];
    assert_eq!(m["rows_read"], 600);
    let audited = m["rows_audited"].as_u64().unwrap();
    assert!(audited > 100 && audited < 600, "{audited}");
    assert_eq!(m["filter"], "region = 'US' or year >= 2025");
    assert!(m["ll144"]["score_median"].as_f64().is_some());
    let race = &m["ll144"]["tables"][1];
    assert_eq!(race["dimension"], "race_ethnicity");
    assert!(
        race["unknown"].as_u64().unwrap() > 0,
        "the `Unknown` category is counted"
    );
    assert!(
        race["categories"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["excludable"] == true),
        "a category under 2% is marked"
    );
    assert!(m["groups"][0]["scoring_rate"].as_f64().is_some());
}

/// The evidence file changes what `accord assess` says: the four-fifths obligation
/// by its threshold, the LL144 audit by its age and the auditor's stated independence.
#[test]
fn evidence_feeds_assess() {
    let dir = tempfile::tempdir().expect("tempdir");
    let find = |evidence: &str, id: &str| -> Value {
        let o = accord(&[
            "assess",
            "examples/cv-screening.yaml",
            "--evidence",
            evidence,
            "--format",
            "json",
        ]);
        assert!(
            o.status.code() == Some(0) || o.status.code() == Some(1),
            "{}",
            stderr(&o)
        );
        let a: Value = serde_json::from_str(&stdout(&o)).unwrap();
        a["jurisdictions"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|j| j["obligations"].as_array().unwrap().iter())
            .find(|o| o["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} applies to the CV-screening example"))
    };
    let audit = |name: &str, table: &str, auditor: &[&str]| -> String {
        let data = write(dir.path(), &format!("{name}.csv"), table);
        let evidence = dir
            .path()
            .join(format!("{name}.json"))
            .display()
            .to_string();
        let mut args = vec![
            "audit",
            "fairness",
            &data,
            "-g",
            "sex",
            "--label",
            "hired",
            "--pred",
            "pred",
            "--evidence",
            &evidence,
        ];
        args.extend(auditor);
        assert_code(&accord(&args), 0);
        evidence
    };
    let independent = ["--auditor", "Example Audit LLP", "--independent"];

    // A four-fifths failure is a finding of the federal screen; LL144 sets no
    // pass/fail level, so the same recent, independent audit satisfies NYC.
    let failing = audit("fail", &failing_table(), &independent);
    let screen = find(&failing, "us-federal/ugesp-4d-four-fifths-screen");
    assert_eq!(screen["evidence"], "partial", "{screen}");
    assert!(
        screen["findings"]
            .to_string()
            .contains("impact_ratio_min = 0.6"),
        "{screen}"
    );
    let nyc = find(&failing, "us-nyc-ll144/bias-audit");
    assert_eq!(nyc["evidence"], "satisfied", "{nyc}");

    let passing = audit("pass", &passing_table(), &independent);
    assert_eq!(
        find(&passing, "us-federal/ugesp-4d-four-fifths-screen")["evidence"],
        "satisfied"
    );
    let v: Value = serde_json::from_str(&fs::read_to_string(&passing).unwrap()).unwrap();
    assert_eq!(
        v["controls"],
        serde_json::json!(["bias-testing", "independent-audit"])
    );
    assert_eq!(v["metrics"]["auditor"]["name"], "Example Audit LLP");

    // Without the auditor's statement, the NYC audit is only partly evidenced.
    let own = audit("own", &passing_table(), &[]);
    assert_eq!(
        find(&own, "us-federal/ugesp-4d-four-fifths-screen")["evidence"],
        "satisfied"
    );
    assert_eq!(find(&own, "us-nyc-ll144/bias-audit")["evidence"], "partial");
}

#[test]
fn jsonl_gz_and_folders() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("parts");
    fs::create_dir(&sub).unwrap();
    let table = failing_table();
    let (header, body) = table.split_once('\n').unwrap();
    let lines: Vec<&str> = body.lines().collect();
    write(
        &sub,
        "a.csv",
        &format!("{header}\n{}\n", lines[..7].join("\n")),
    );
    write(
        &sub,
        "b.csv",
        &format!("{header}\n{}\n", lines[7..].join("\n")),
    );
    let whole = json(&[
        "audit",
        "fairness",
        sub.to_str().unwrap(),
        "-g",
        "sex",
        "--label",
        "hired",
        "--pred",
        "pred",
        "-f",
        "json",
    ]);
    assert_eq!(whole["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(whole["metrics"]["rows_audited"], 20);
    assert_eq!(whole["metrics"]["impact_ratio_min"], 0.6);

    let jsonl: String = lines
        .iter()
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!(
                "{{\"sex\":\"{}\",\"hired\":{},\"pred\":{}}}\n",
                f[1],
                f[3] == "1",
                f[4]
            )
        })
        .collect();
    let path = write(dir.path(), "t.jsonl", &jsonl);
    let v = json(&[
        "audit", "fairness", &path, "-g", "sex", "--label", "hired", "--pred", "pred", "-f", "json",
    ]);
    assert_eq!(v["metrics"]["impact_ratio_min"], 0.6);
}

#[test]
fn missing_column_names_the_columns_that_exist() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", &failing_table());
    let o = accord(&[
        "audit", "fairness", &path, "-g", "gender", "--label", "hired", "--pred", "pred", "-f",
        "json",
    ]);
    assert_code(&o, 2);
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    assert!(err.contains("no column `gender`"), "{err}");
    assert!(
        err.contains("`id`, `sex`, `race`, `hired`, `pred`"),
        "{err}"
    );
}

#[test]
fn where_errors_point_at_the_filter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", &failing_table());
    let base = [
        "audit", "fairness", &path, "-g", "sex", "--label", "hired", "--pred", "pred", "--where",
    ];
    let mut args = base.to_vec();
    args.push("sex = F");
    let o = accord(&args);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("column 7") && err.contains("quote text: 'F'"),
        "{err}"
    );
    assert!(err.contains("  sex = F\n        ^"), "{err}");

    let mut args = base.to_vec();
    args.push("sex = 'F' and rase = 'A'");
    let o = accord(&args);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(
        err.contains("no column `rase` (did you mean `race`?)"),
        "{err}"
    );
    assert!(
        err.contains("the columns are: `id`, `sex`, `race`, `hired`, `pred`"),
        "{err}"
    );

    let mut args = base.to_vec();
    args.push("sex = 'nobody'");
    let o = accord(&args);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("kept none of the 20 rows"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_outcomes_stop_with_the_row() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(
        dir.path(),
        "t.csv",
        "sex,hired,pred\nF,1,yes\nM,0,no\nM,1,maybe\n",
    );
    let o = accord(&[
        "audit", "fairness", &path, "-g", "sex", "--label", "hired", "--pred", "pred",
    ]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("Row 3: column `pred` holds `maybe`"), "{err}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn malformed_rows_are_counted_and_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = passing_table();
    text.push_str("F,1\nM,1,1,extra\n");
    let path = write(dir.path(), "t.csv", &text);
    let o = accord(&[
        "audit", "fairness", &path, "-g", "sex", "--label", "hired", "--pred", "pred", "-f", "json",
    ]);
    assert_code(&o, 0);
    let err = stderr(&o);
    assert!(err.contains("2 malformed rows skipped"), "{err}");
    assert!(
        err.contains(":22:") && err.contains(":23:"),
        "line numbers: {err}"
    );
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["metrics"]["data"]["malformed_rows"], 2);
    assert_eq!(v["metrics"]["rows_audited"], 20);
}

#[test]
fn empty_inputs_are_refused_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let empty = write(dir.path(), "empty.csv", "");
    let o = accord(&[
        "audit", "fairness", &empty, "-g", "sex", "--label", "hired", "--pred", "pred",
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("empty"), "{}", stderr(&o));

    let header = write(dir.path(), "header.csv", "sex,hired,pred\n");
    let o = accord(&[
        "audit", "fairness", &header, "-g", "sex", "--label", "hired", "--pred", "pred",
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("has no rows to audit"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_unreadable_input_is_skipped_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("parts");
    fs::create_dir(&sub).unwrap();
    write(&sub, "a.csv", &failing_table());
    fs::write(sub.join("b.csv.gz"), b"\x1f\x8b\x08\x00garbage, not gzip").unwrap();
    let o = accord(&[
        "audit",
        "fairness",
        sub.to_str().unwrap(),
        "-g",
        "sex",
        "--label",
        "hired",
        "--pred",
        "pred",
        "-f",
        "json",
    ]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("b.csv.gz") && err.contains("skipped"), "{err}");
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["metrics"]["rows_audited"], 20);
    assert_eq!(v["inputs"].as_array().unwrap().len(), 1);
    assert!(
        v["metrics"]["data"]["inputs_skipped"][0]["path"]
            .as_str()
            .unwrap()
            .contains("b.csv.gz")
    );
}
