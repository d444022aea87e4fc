//! Issue 9, end to end through the binary: a failing audit can no longer make
//! any control or obligation read satisfied — in the assessment (JSON, text,
//! HTML), in the attestation, or in recognition — and evidence about another
//! system is not counted and cannot be certified.

use std::path::Path;

use serde_json::Value;

use super::{accord, assert_code, stderr, stdout};

/// Group F selected 3 of 20, group M 14 of 20: impact ratio 0.214.
fn disparity_csv() -> String {
    let mut text = String::from("sex,selected\r\n");
    for i in 0..20 {
        text.push_str(&format!("F,{}\r\n", u8::from(i < 3)));
        text.push_str(&format!("M,{}\r\n", u8::from(i < 14)));
    }
    text
}

/// Group F selected 9 of 20, group M 10 of 20: impact ratio 0.9.
fn fair_csv() -> String {
    let mut text = String::from("sex,selected\n");
    for i in 0..20 {
        text.push_str(&format!("F,{}\n", u8::from(i < 9)));
        text.push_str(&format!("M,{}\n", u8::from(i < 10)));
    }
    text
}

fn path(dir: &Path, name: &str) -> String {
    dir.join(name).display().to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = path(dir, name);
    std::fs::write(&p, text).expect("write");
    p
}

/// `accord audit fairness DATA -g sex --pred selected --subject PROFILE --evidence OUT`.
fn audit(data: &str, subject: &str, out: &str) {
    let o = accord(&[
        "audit",
        "fairness",
        data,
        "-g",
        "sex",
        "--pred",
        "selected",
        "--subject",
        subject,
        "--evidence",
        out,
    ]);
    assert_code(&o, 0);
}

fn assess(profile: &str, evidence: &[&str], extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        "assess",
        profile,
        "--as-of",
        "2026-12-07",
        "--format",
        "json",
        "--fail-on",
        "never",
    ];
    for e in evidence {
        args.extend(["--evidence", e]);
    }
    args.extend(extra);
    let o = accord(&args);
    assert_code(&o, 0);
    (
        serde_json::from_str(&stdout(&o)).expect("assessment JSON"),
        stderr(&o),
    )
}

fn statuses(a: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = a["controls"]
        .as_array()
        .expect("controls")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap_or("").to_string(),
                c["evidence"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for j in a["jurisdictions"].as_array().expect("jurisdictions") {
        for o in j["obligations"].as_array().expect("obligations") {
            out.push((
                o["id"].as_str().unwrap_or("").to_string(),
                o["evidence"].as_str().unwrap_or("").to_string(),
            ));
        }
    }
    out
}

fn status(a: &Value, id: &str) -> String {
    statuses(a)
        .into_iter()
        .find(|(i, _)| i == id)
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("{id} not in the assessment"))
}

#[test]
fn a_failing_audit_never_reads_satisfied_from_audit_to_recognition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let profile = write(
        d,
        "hirerank.yaml",
        &std::fs::read_to_string(super::root().join("examples/cv-screening.yaml"))
            .expect("example"),
    );
    // A CSV with CRLF line ends, as Python's csv module writes it.
    let data = write(d, "outcomes.csv", &disparity_csv());
    let evidence = path(d, "audit.json");
    audit(&data, &profile, &evidence);
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&evidence).expect("evidence")).expect("JSON");
    assert_eq!(
        written["passed"], false,
        "a failed four-fifths screen is a failed audit: {written}"
    );
    assert_eq!(written["subject"]["name"], "HireRank");

    // The assessment: bias testing failed, and every duty relying on it.
    let (a, warnings) = assess(&profile, &[&evidence], &[]);
    assert!(!warnings.contains("not bound"), "{warnings}");
    assert_eq!(status(&a, "bias-testing"), "failed");
    for id in [
        "us-il/no-discriminatory-effect",
        "us-nyc-ll144/bias-audit",
        "us-federal/ugesp-4d-four-fifths-screen",
    ] {
        assert_eq!(status(&a, id), "failed", "{id}");
    }
    assert!(
        statuses(&a).iter().all(|(_, s)| s != "satisfied"),
        "nothing reads satisfied: {:?}",
        statuses(&a)
    );
    assert!(a["summary"]["evidence_failed"].as_u64().unwrap_or(0) >= 3);
    let illinois = a["jurisdictions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|j| j["obligations"].as_array().unwrap())
        .find(|o| o["id"] == "us-il/no-discriminatory-effect")
        .unwrap()
        .clone();
    assert!(
        illinois["findings"]
            .to_string()
            .contains("impact_ratio_min = 0.214"),
        "{illinois}"
    );

    // The text and HTML reports say it too.
    let o = accord(&[
        "assess",
        &profile,
        "--as-of",
        "2026-12-07",
        "--evidence",
        &evidence,
        "--fail-on",
        "never",
    ]);
    let text = stdout(&o);
    assert!(text.contains("evidence: FAILED"), "{text}");
    assert!(!text.contains("evidence: satisfied"), "{text}");
    let html = path(d, "report.html");
    assert_code(
        &accord(&[
            "assess",
            &profile,
            "--as-of",
            "2026-12-07",
            "--evidence",
            &evidence,
            "--format",
            "html",
            "-o",
            &html,
            "--fail-on",
            "never",
        ]),
        0,
    );
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(
        page.contains("s-failed"),
        "the report marks failed evidence"
    );
    assert!(
        !page.contains(">satisfied<"),
        "nothing satisfied in the report"
    );
    // --fail-on evidence-failed exits 1.
    let o = accord(&[
        "assess",
        &profile,
        "--as-of",
        "2026-12-07",
        "--evidence",
        &evidence,
        "--fail-on",
        "evidence-failed",
    ]);
    assert_code(&o, 1);

    // Certify records the failure; verify shows it and recognition never counts it.
    let keys = path(d, "keys");
    assert_code(&accord(&["keygen", "--out", &keys]), 0);
    let assessment = write(
        d,
        "assessment.json",
        &serde_json::to_string_pretty(&a).expect("json"),
    );
    let attestation = path(d, "attestation.json");
    let key = format!("{keys}/accord.key");
    let o = accord(&[
        "certify",
        &assessment,
        "--key",
        &key,
        "--evidence",
        &evidence,
        "--out",
        &attestation,
        "--profile",
        &profile,
    ]);
    assert_code(&o, 0);
    assert!(
        stderr(&o).contains("0 control(s) satisfied, 1 FAILED"),
        "{}",
        stderr(&o)
    );
    let envelope: Value =
        serde_json::from_str(&std::fs::read_to_string(&attestation).expect("attestation"))
            .expect("json");
    let payload = base64_decode(envelope["payload"].as_str().expect("payload"));
    let statement: Value = serde_json::from_slice(&payload).expect("statement");
    let controls = statement["predicate"]["controls"]
        .as_array()
        .expect("controls");
    let bias = controls
        .iter()
        .find(|c| c["id"] == "bias-testing")
        .expect("bias-testing attested");
    assert_eq!(bias["evidence"], "failed");
    assert_eq!(statement["predicate"]["evidence"][0]["passed"], false);
    let public = format!("{keys}/accord.pub");
    let o = accord(&[
        "verify",
        &attestation,
        "--key",
        &public,
        "--evidence",
        &evidence,
        "--as",
        "US-IL",
        "--format",
        "json",
    ]);
    assert_code(&o, 0);
    let v: Value = serde_json::from_str(&stdout(&o)).expect("verification JSON");
    assert_eq!(
        v["recognition"]["summary"]["recognised"], 0,
        "{}",
        v["recognition"]["summary"]
    );

    // A hand-edited assessment that calls the failed evidence satisfied is refused.
    let forged = assessment_text_forged(&a);
    let forged = write(d, "forged.json", &forged);
    let o = accord(&[
        "certify",
        &forged,
        "--key",
        &key,
        "--evidence",
        &evidence,
        "--out",
        &path(d, "forged.intoto.json"),
        "--profile",
        &profile,
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o)
            .contains("the assessment says evidence satisfied, the evidence judged now is failed"),
        "{}",
        stderr(&o)
    );
    assert!(!d.join("forged.intoto.json").exists(), "nothing written");
}

fn assessment_text_forged(a: &Value) -> String {
    let mut forged = a.clone();
    for c in forged["controls"].as_array_mut().unwrap() {
        if c["evidence"] == "failed" {
            c["evidence"] = "satisfied".into();
        }
    }
    for j in forged["jurisdictions"].as_array_mut().unwrap() {
        for o in j["obligations"].as_array_mut().unwrap() {
            if o["evidence"] == "failed" {
                o["evidence"] = "satisfied".into();
            }
        }
    }
    serde_json::to_string_pretty(&forged).unwrap()
}

fn base64_decode(text: &str) -> Vec<u8> {
    let output = std::process::Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())?;
            child.wait_with_output()
        })
        .expect("base64 -d");
    output.stdout
}

#[test]
fn evidence_about_another_system_is_not_counted_and_cannot_be_certified() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let data = write(d, "fair.csv", &fair_csv());
    // A passing audit, but of the Chinese chatbot.
    let evidence = path(d, "chatbot-audit.json");
    audit(&data, "examples/china-public-chatbot.yaml", &evidence);
    let (a, warnings) = assess("examples/cv-screening.yaml", &[&evidence], &[]);
    assert_eq!(status(&a, "bias-testing"), "missing");
    assert_eq!(status(&a, "us-il/no-discriminatory-effect"), "missing");
    let listed = &a["evidence"][0];
    assert_eq!(listed["counted"], false);
    assert!(
        listed["notes"]
            .to_string()
            .contains("not counted: it is about `小智助手 XiaoZhi Assistant` 4.1"),
        "{listed}"
    );
    assert!(warnings.contains("not counted"), "{warnings}");

    // The same audit bound to HireRank counts.
    let bound = path(d, "hirerank-audit.json");
    audit(&data, "examples/cv-screening.yaml", &bound);
    let (a, _) = assess("examples/cv-screening.yaml", &[&bound], &[]);
    assert_eq!(status(&a, "bias-testing"), "satisfied");
    assert_eq!(status(&a, "us-il/no-discriminatory-effect"), "satisfied");

    // Unbound evidence counts, with a visible warning.
    let unbound = path(d, "unbound.json");
    assert_code(
        &accord(&[
            "audit",
            "fairness",
            &data,
            "-g",
            "sex",
            "--pred",
            "selected",
            "--evidence",
            &unbound,
        ]),
        0,
    );
    let (a, warnings) = assess("examples/cv-screening.yaml", &[&unbound], &[]);
    assert_eq!(status(&a, "bias-testing"), "satisfied");
    assert!(warnings.contains("not bound to a system"), "{warnings}");

    // Certify refuses the other system's evidence.
    let (a, _) = assess("examples/cv-screening.yaml", &[&evidence], &[]);
    let assessment = write(
        d,
        "assessment.json",
        &serde_json::to_string_pretty(&a).unwrap(),
    );
    let keys = path(d, "keys");
    assert_code(&accord(&["keygen", "--out", &keys]), 0);
    let o = accord(&[
        "certify",
        &assessment,
        "--key",
        &format!("{keys}/accord.key"),
        "--evidence",
        &evidence,
        "--out",
        &path(d, "x.json"),
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("evidence about another system cannot be certified"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_profile_with_a_byte_order_mark_is_read_and_bound_by_its_bytes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let text =
        std::fs::read_to_string(super::root().join("examples/cv-screening.yaml")).expect("example");
    let profile = write(
        d,
        "bom.yaml",
        &format!("\u{feff}{}", text.replace('\n', "\r\n")),
    );
    let o = accord(&[
        "assess",
        &profile,
        "--as-of",
        "2026-12-07",
        "--fail-on",
        "never",
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("HireRank"), "{}", stderr(&o));
    let data = write(d, "fair.csv", &format!("\u{feff}{}", fair_csv()));
    let evidence = path(d, "audit.json");
    audit(&data, &profile, &evidence);
    let (a, _) = assess(&profile, &[&evidence], &[]);
    assert_eq!(a["evidence"][0]["counted"], true);
    assert_eq!(status(&a, "bias-testing"), "satisfied");
}
