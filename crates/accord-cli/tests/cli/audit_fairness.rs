//! `accord audit fairness`: formats, audits with and without a label,
//! evidence judged by its result, evidence into `accord assess`, bad input,
//! and every row read or the audit fails (issue 9).

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
    // Issue 9: the file's `passed` is its thresholds' (and the data's), never
    // `true` beside a failed threshold.
    assert_eq!(v["passed"], false);
    assert_eq!(m["rows_read"], 20);
    assert_eq!(m["rows_rejected"], 0);
    assert_eq!(m["rows_audited"], 20);
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

    // A four-fifths failure never satisfies the federal screen, and the
    // finding names the number.
    let failing = audit("fail", &failing_table(), &independent);
    let screen = find(&failing, "us-federal/ugesp-4d-four-fifths-screen");
    assert_ne!(screen["evidence"], "satisfied", "{screen}");
    assert!(
        screen["findings"]
            .to_string()
            .contains("impact_ratio_min = 0.6"),
        "{screen}"
    );

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

/// Issue 9: every row is read or the audit fails. Malformed rows stop it with
/// exit 2, naming them, with nothing written — unless `--max-bad-rows` allows
/// them, and then the evidence records them.
#[test]
fn malformed_rows_stop_the_audit_unless_allowed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = passing_table();
    text.push_str("F,1\nM,1,1,extra\n");
    let path = write(dir.path(), "t.csv", &text);
    let evidence = dir.path().join("e.json");
    let report = dir.path().join("r.txt");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "audit",
            "fairness",
            &path,
            "-g",
            "sex",
            "--label",
            "hired",
            "--pred",
            "pred",
            "-f",
            "json",
            "--evidence",
            evidence.to_str().unwrap(),
        ];
        args.extend(extra);
        accord(&args)
    };

    // 22 rows read, 2 malformed: lines 22 and 23 (the header is line 1).
    // (--max-bad-rows, exit code)
    let cases: [(&[&str], i32); 7] = [
        (&[], 2),
        (&["--max-bad-rows", "0"], 2),
        (&["--max-bad-rows", "1"], 2),
        (&["--max-bad-rows", "5%"], 2), // 1.1 rows: 1 allowed
        (&["--max-bad-rows", "2"], 0),
        (&["--max-bad-rows", "10%"], 0), // 2.2 rows: 2 allowed
        (&["--max-bad-rows", "100%"], 0),
    ];
    for (extra, code) in cases {
        let _ = fs::remove_file(&evidence);
        let mut with_output = extra.to_vec();
        with_output.extend(["-o", report.to_str().unwrap()]);
        let _ = fs::remove_file(&report);
        let o = run(&with_output);
        assert_code(&o, code);
        let err = stderr(&o);
        assert!(
            err.contains(":22:") && err.contains(":23:"),
            "{extra:?}: the rows are named: {err}"
        );
        if code == 2 {
            assert!(err.contains("2 of the 22 rows read are malformed"), "{err}");
            assert!(err.contains("nothing was written"), "{err}");
            assert!(err.contains("hint: "), "{err}");
            assert!(
                !evidence.exists() && !report.exists(),
                "{extra:?}: nothing written"
            );
            assert!(stdout(&o).is_empty());
        } else {
            assert!(err.contains("2 malformed rows left out"), "{err}");
            let v: Value = serde_json::from_str(&fs::read_to_string(&evidence).unwrap()).unwrap();
            let m = &v["metrics"];
            assert_eq!(m["rows_read"], 22);
            assert_eq!(m["rows_rejected"], 2);
            assert_eq!(m["rows_audited"], 20);
            assert_eq!(m["data"]["max_bad_rows"]["given"], extra[1]);
            assert!(m["data"]["max_bad_rows"]["allowed"].as_u64().unwrap() >= 2);
            let lines: Vec<u64> = m["data"]["rejected_examples"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["line"].as_u64().unwrap())
                .collect();
            assert_eq!(lines, [22, 23]);
            // Allowed, the rejected rows do not fail the evidence: the screen passes.
            assert_eq!(v["passed"], true, "{}", v["thresholds"]);
            assert_eq!(
                fs::read_to_string(&report).unwrap(),
                fs::read_to_string(&evidence).unwrap()
            );
        }
    }
    let o = run(&["--max-bad-rows", "lots"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("not a number of rows"),
        "{}",
        stderr(&o)
    );
    let o = run(&["--max-bad-rows", "120%"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("`120%` is over 100%"), "{}", stderr(&o));
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

/// Issue 9: an input that cannot be read fails the audit; it is not skipped.
#[test]
fn an_unreadable_input_fails_the_audit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sub = dir.path().join("parts");
    fs::create_dir(&sub).unwrap();
    write(&sub, "a.csv", &failing_table());
    fs::write(sub.join("b.csv.gz"), b"\x1f\x8b\x08\x00garbage, not gzip").unwrap();
    let evidence = dir.path().join("e.json");
    let o = accord(&[
        "audit",
        "fairness",
        sub.to_str().unwrap(),
        "-g",
        "sex",
        "--pred",
        "pred",
        "-f",
        "json",
        "--evidence",
        evidence.to_str().unwrap(),
    ]);
    assert_code(&o, 2);
    let err = stderr(&o);
    assert!(err.contains("b.csv.gz"), "{err}");
    assert!(stdout(&o).is_empty(), "no report");
    assert!(!evidence.exists(), "no evidence");
}

/// Issue 9: groups and selections are enough. Without a label the audit has
/// selection rates, impact ratios, the four-fifths screen and the LL144
/// selection-rate tables, and leaves error rates out (no zeros, no nulls).
#[test]
fn groups_and_predictions_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut table = String::from("sex,race,pred\n");
    for (sex, race, selected, of) in [("F", "A", 3, 10), ("M", "B", 5, 10), ("F", "B", 4, 8)] {
        for i in 0..of {
            table.push_str(&format!("{sex},{race},{}\n", u8::from(i < selected)));
        }
    }
    let path = write(dir.path(), "t.csv", &table);
    let v = json(&[
        "audit", "fairness", &path, "-g", "sex", "-g", "race", "--pred", "pred", "-f", "json",
    ]);
    let m = &v["metrics"];
    assert!(m.get("label").is_none());
    assert_eq!(m["prediction"], "pred");
    for key in [
        "equalized_odds_difference",
        "true_positive_rate_difference",
        "false_positive_rate_difference",
    ] {
        assert!(m.get(key).is_none(), "{key}: {m}");
    }
    let groups = m["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    for g in groups {
        for key in [
            "true_positive_rate",
            "false_positive_rate",
            "precision",
            "true_positives",
        ] {
            assert!(g.get(key).is_none(), "{key}: {g}");
        }
    }
    // F·A 0.3, F·B 0.5, M·B 0.5.
    assert_eq!(
        groups[0]["group"],
        serde_json::json!({"sex": "F", "race": "A"})
    );
    assert_eq!(groups[0]["selection_rate"], 0.3);
    assert_eq!(groups[0]["impact_ratio"], 0.6);
    assert_eq!(m["impact_ratio_min"], 0.6);
    assert_eq!(m["demographic_parity_ratio"], 0.6);
    assert_eq!(m["four_fifths"]["flagged"], true);
    assert_eq!(v["thresholds"][0]["passed"], false);
    assert_eq!(v["passed"], false);
    let sex = &m["ll144"]["tables"][0];
    assert_eq!(sex["dimension"], "sex");
    // F: 7 of 18; M: 5 of 10.
    assert_eq!(sex["categories"][0]["selected"], 7);
    assert_eq!(sex["categories"][0]["count"], 18);
    assert!(sex["categories"][0].get("scoring_rate").is_none());

    let o = accord(&["audit", "fairness", &path, "-g", "sex", "--pred", "pred"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains("no label (error rates and equalized odds need one)"),
        "{text}"
    );
    assert!(!text.contains("TPR"), "{text}");
    assert!(text.contains("Four-fifths screen"), "{text}");
}

/// Issue 9: scores alone give the LL144 scoring-rate tables; the scoring-rate
/// line prints the rate (the share above the median), not the median.
#[test]
fn scores_alone_give_the_scoring_rate_tables() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Median of 1..=8 is 4.5: F scores 1, 2, 3, 7 (1 of 4 above), M 4, 5, 6, 8 (3 of 4), one empty.
    let path = write(
        dir.path(),
        "t.csv",
        "sex,score\nF,1\nF,2\nF,3\nF,7\nM,4\nM,5\nM,6\nM,8\nM,\n",
    );
    let v = json(&[
        "audit", "fairness", &path, "-g", "sex", "--score", "score", "-f", "json",
    ]);
    assert_eq!(v["thresholds"], serde_json::json!([]));
    assert_eq!(
        v["passed"], true,
        "LL144 sets no pass/fail level; every row was read"
    );
    let m = &v["metrics"];
    for key in [
        "prediction",
        "impact_ratio_min",
        "four_fifths",
        "demographic_parity_ratio",
    ] {
        assert!(m.get(key).is_none(), "{key}: {m}");
    }
    assert_eq!(m["ll144"]["score_median"], 4.5);
    let categories = &m["ll144"]["tables"][0]["categories"];
    assert_eq!(categories[0]["scoring_rate"], 0.25);
    assert_eq!(categories[0]["scoring_impact_ratio"], 1.0 / 3.0);
    assert_eq!(categories[1]["scoring_rate"], 0.75);
    assert_eq!(categories[1]["scores_missing"], 1);
    assert!(categories[0].get("selection_rate").is_none());

    let o = accord(&["audit", "fairness", &path, "-g", "sex", "--score", "score"]);
    assert_code(&o, 0);
    let text = stdout(&o);
    assert!(
        text.contains(
            "above the sample median score (median 4.5 of 8 scores); all scored individuals: 0.5000"
        ),
        "{text}"
    );
    assert!(!text.contains("Four-fifths"), "{text}");

    // A score that is not a number stops the audit with its row.
    let bad = write(dir.path(), "bad.csv", "sex,score\nF,1\nM,high\n");
    let o = accord(&["audit", "fairness", &bad, "-g", "sex", "--score", "score"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("`high`"), "{}", stderr(&o));
    assert!(stdout(&o).is_empty());
}

/// The columns must make an audit: a prediction or a score; a label only with predictions.
#[test]
fn an_audit_needs_predictions_or_scores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(dir.path(), "t.csv", &failing_table());
    for (args, message) in [
        (
            &["-g", "sex"][..],
            "name the system's selections (--pred COL) or its scores (--score COL)",
        ),
        (
            &["-g", "sex", "--label", "hired"][..],
            "name the system's selections",
        ),
        (
            &["-g", "sex", "--label", "hired", "--score", "hired"][..],
            "--label needs --pred",
        ),
        (
            &["-g", "sex", "--score", "hired", "--fail-on", "four-fifths"][..],
            "`--fail-on four-fifths` needs --pred",
        ),
    ] {
        let mut all = vec!["audit", "fairness", &path];
        all.extend(args);
        let o = accord(&all);
        assert_code(&o, 2);
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
}

/// Issue 9: evidence is judged by its result. Audits with and without
/// disparity: the four-fifths threshold, the file's `passed` and the exit
/// code under `--fail-on four-fifths` agree.
#[test]
fn evidence_passes_only_when_the_screen_passes() {
    let dir = tempfile::tempdir().expect("tempdir");
    // (name, table, extra arguments, threshold passed, exit code with --fail-on four-fifths)
    let cases: [(&str, String, &[&str], bool, i32); 5] = [
        (
            "disparity",
            failing_table(),
            &["--label", "hired"],
            false,
            1,
        ),
        ("disparity-no-label", failing_table(), &[], false, 1),
        ("parity", passing_table(), &["--label", "hired"], true, 0),
        ("parity-no-label", passing_table(), &[], true, 0),
        (
            "disparity-by-race",
            failing_table(),
            &["-g", "race"],
            false,
            1,
        ),
    ];
    for (name, table, extra, passed, fail_on_code) in cases {
        let data = write(dir.path(), &format!("{name}.csv"), &table);
        let evidence = dir.path().join(format!("{name}.json"));
        let mut args = vec![
            "audit",
            "fairness",
            &data,
            "-g",
            "sex",
            "--pred",
            "pred",
            "--evidence",
            evidence.to_str().unwrap(),
        ];
        args.extend(extra);
        assert_code(&accord(&args), 0);
        let v: Value = serde_json::from_str(&fs::read_to_string(&evidence).unwrap()).unwrap();
        assert_eq!(v["thresholds"][0]["passed"], passed, "{name}");
        assert_eq!(
            v["passed"], passed,
            "{name}: `passed` is the thresholds' conjunction"
        );
        args.extend(["--fail-on", "four-fifths"]);
        assert_code(&accord(&args), fail_on_code);
    }
}

/// The auditor's choice under 6 RCNY § 5-301(d): small categories are reported
/// either way, and excluded from the impact ratios only when asked.
#[test]
fn small_categories_are_excluded_only_at_the_auditors_choice() {
    let base = [
        "audit",
        "fairness",
        SAMPLE,
        "-g",
        "race_ethnicity",
        "--pred",
        "selected",
        "-f",
        "json",
    ];
    let small = |v: &Value| -> Value {
        v["metrics"]["ll144"]["tables"][0]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["excludable"] == true)
            .cloned()
            .expect("a category under 2%")
    };
    let kept = json(&base);
    let category = small(&kept);
    assert_eq!(category["excluded"], false);
    assert!(category["impact_ratio"].is_number(), "{category}");
    assert!(category.get("exclusion_reason").is_none());

    let mut args = base.to_vec();
    args.extend([
        "--exclude-small-categories",
        "--exclusion-reason",
        "three applicants",
    ]);
    let excluded = json(&args);
    assert_eq!(excluded["metrics"]["ll144"]["exclude_small"], true);
    let category = small(&excluded);
    assert_eq!(category["excluded"], true);
    assert!(category["impact_ratio"].is_null(), "{category}");
    assert!(category["count"].as_u64().unwrap() > 0);
    assert!(category["selection_rate"].is_number());
    let reason = category["exclusion_reason"].as_str().unwrap();
    assert!(
        reason.contains("6 RCNY § 5-301(d)") && reason.ends_with("three applicants"),
        "{reason}"
    );

    let o = accord(&[
        "audit",
        "fairness",
        SAMPLE,
        "-g",
        "sex",
        "--pred",
        "selected",
        "--exclusion-reason",
        "x",
    ]);
    assert_code(&o, 2);
}
