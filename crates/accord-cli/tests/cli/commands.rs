//! The commands on the shipped examples: formats, dates, questions, exit codes.

use serde_json::Value;

use crate::{accord, assert_code, stderr, stdout};

fn assess_json(args: &[&str]) -> Value {
    let mut all = vec!["assess"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json", "--fail-on", "never"]);
    let o = accord(&all);
    assert_code(&o, 0);
    serde_json::from_str(&stdout(&o)).expect("valid JSON")
}

fn status(a: &Value, id: &str) -> String {
    for j in a["jurisdictions"].as_array().expect("jurisdictions") {
        for list in ["classifications", "obligations", "exemptions"] {
            for item in j[list].as_array().into_iter().flatten() {
                if item["id"] == id {
                    return item["status"].as_str().unwrap_or_default().to_string();
                }
            }
        }
    }
    "not-applicable".to_string()
}

#[test]
fn json_follows_the_contract() {
    let a = assess_json(&["examples/cv-screening.yaml", "--as-of", "2027-12-02"]);
    assert_eq!(a["accord"], "assessment/v1");
    assert_eq!(a["as_of"], "2027-12-02");
    assert_eq!(a["profile"]["name"], "HireRank");
    assert!(
        a["profile"]["digest"]
            .as_str()
            .expect("digest")
            .starts_with("sha256:")
    );
    for pack in a["rulepacks"].as_array().expect("rulepacks") {
        assert!(
            pack["digest"]
                .as_str()
                .expect("digest")
                .starts_with("sha256:")
        );
    }
    for j in a["jurisdictions"].as_array().expect("jurisdictions") {
        for key in [
            "jurisdiction",
            "classifications",
            "obligations",
            "questions",
        ] {
            assert!(j.get(key).is_some(), "{key} missing in {j}");
        }
        let mut ids: Vec<&str> = j["classifications"]
            .as_array()
            .expect("list")
            .iter()
            .map(|c| c["id"].as_str().expect("id"))
            .collect();
        let before = ids.len();
        ids.dedup();
        assert_eq!(
            before,
            ids.len(),
            "a classification appears twice in {}",
            j["jurisdiction"]
        );
    }
    assert!(a["controls"].as_array().is_some_and(|c| !c.is_empty()));
}

#[test]
fn as_of_moves_obligations_between_upcoming_and_applies() {
    let before = assess_json(&["examples/cv-screening.yaml", "--as-of", "2026-12-31"]);
    let after = assess_json(&["examples/cv-screening.yaml", "--as-of", "2027-01-01"]);
    assert_eq!(status(&before, "us-co.covered-admt"), "upcoming");
    assert_eq!(status(&after, "us-co.covered-admt"), "applies");
    assert_eq!(
        status(&before, "us-co/adverse-outcome-explanation"),
        "upcoming"
    );
    assert_eq!(
        status(&after, "us-co/adverse-outcome-explanation"),
        "applies"
    );
}

#[test]
fn an_unknown_fact_is_asked_not_guessed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.yaml");
    std::fs::write(&path, "accord: profile/v1\nname: Unsure\nmarkets: [EU]\nai_system: true\noperator: {roles: [provider]}\npurposes: [employment.recruitment]\n").expect("write");
    let a = assess_json(&[path.to_str().expect("utf-8"), "--as-of", "2028-01-01"]);
    assert_eq!(status(&a, "eu.high-risk"), "undetermined");
    let facts: Vec<&str> = a["jurisdictions"][0]["questions"]
        .as_array()
        .expect("questions")
        .iter()
        .map(|q| q["fact"].as_str().expect("fact"))
        .collect();
    assert!(facts.contains(&"profiling"), "{facts:?}");
    let o = accord(&[
        "questions",
        path.to_str().expect("utf-8"),
        "--as-of",
        "2028-01-01",
        "--zh",
    ]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("profiling") && stdout(&o).contains("画像"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn several_profiles_make_an_array_and_jsonl_a_line_each() {
    let a = assess_json(&["examples/cv-screening.yaml", "examples/credit-scoring.yaml"]);
    assert_eq!(a.as_array().map(Vec::len), Some(2));
    let dir = assess_json(&["examples"]);
    let count = std::fs::read_dir(crate::root().join("examples"))
        .expect("examples")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        })
        .count();
    assert_eq!(dir.as_array().map(Vec::len), Some(count));
    let o = accord(&[
        "assess",
        "examples",
        "--format",
        "jsonl",
        "--fail-on",
        "never",
    ]);
    assert_code(&o, 0);
    let lines: Vec<Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), count);
}

#[test]
fn fail_on_sets_the_exit_code() {
    // Emotion recognition at the workplace is prohibited in the EU.
    assert_code(
        &accord(&[
            "assess",
            "examples/workplace-emotion.yaml",
            "--as-of",
            "2026-11-28",
        ]),
        1,
    );
    assert_code(
        &accord(&[
            "assess",
            "examples/workplace-emotion.yaml",
            "--as-of",
            "2026-11-28",
            "--fail-on",
            "never",
        ]),
        0,
    );
    assert_code(
        &accord(&[
            "assess",
            "examples/cv-screening.yaml",
            "--as-of",
            "2026-11-28",
            "--fail-on",
            "gap",
        ]),
        1,
    );
}

#[test]
fn reports_render_in_every_format() {
    let o = accord(&[
        "assess",
        "examples/cv-screening.yaml",
        "--format",
        "text",
        "--as-of",
        "2026-11-28",
    ]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("Control plan") && !stdout(&o).contains("\x1b["),
        "text output has colour with NO_COLOR"
    );
    let o = accord(&[
        "assess",
        "examples/cv-screening.yaml",
        "--format",
        "markdown",
        "--as-of",
        "2026-11-28",
    ]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("## Consolidated control plan"));
    let dir = tempfile::tempdir().expect("tempdir");
    let html = dir.path().join("r.html");
    let o = accord(&[
        "assess",
        "examples/china-public-chatbot.yaml",
        "--format",
        "html",
        "--as-of",
        "2026-11-28",
        "--output",
        html.to_str().expect("utf-8"),
        "--fail-on",
        "never",
    ]);
    assert_code(&o, 0);
    let page = std::fs::read_to_string(&html).expect("html written");
    assert!(
        page.starts_with("<!doctype html>")
            && page.contains("<svg")
            && page.contains("生成式人工智能"),
        "html lacks parts"
    );
    assert!(
        !page.contains("<script") && !page.contains("src=\"http"),
        "html is not self-contained"
    );
    // A <style> element is raw text: an escaped `/` would break the CSS.
    let css = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    assert!(
        !css.contains("&#x2f;") && css.contains("px/"),
        "stylesheet escaped"
    );
}

#[test]
fn explain_rules_and_crosswalk() {
    for id in [
        "eu.high-risk",
        "risk-management",
        "profiling",
        "eu-ai-act",
        "us-nyc-ll144/bias-audit",
    ] {
        let o = accord(&["explain", id]);
        assert_code(&o, 0);
        assert!(!stdout(&o).is_empty(), "explain {id} printed nothing");
    }
    let o = accord(&["explain", "eu.high-rsk"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("did you mean `eu.high-risk`?"),
        "{}",
        stderr(&o)
    );
    let o = accord(&[
        "rules",
        "show",
        "us-nyc-ll144/bias-audit",
        "--format",
        "json",
    ]);
    assert_code(&o, 0);
    let rule: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(rule["jurisdiction"], "US-NY-NYC");
    let o = accord(&["crosswalk", "EU", "CN", "--format", "json"]);
    assert_code(&o, 0);
    let c: Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert!(
        c["summary"]["shared_controls"]
            .as_u64()
            .is_some_and(|n| n > 5),
        "{}",
        c["summary"]
    );
    let o = accord(&["crosswalk", "EU", "CN", "--format", "html"]);
    assert_code(&o, 0);
    assert!(stdout(&o).contains("What CN recognises from EU evidence"));
    let page = stdout(&o);
    let css = &page[page.find("<style>").unwrap()..page.find("</style>").unwrap()];
    assert!(!css.contains("&#x2f;"), "stylesheet escaped");
}

#[test]
fn schemas_are_json() {
    for name in [
        "profile",
        "assessment",
        "evidence",
        "rulepack",
        "rules",
        "controls",
        "agreement",
        "attestation",
    ] {
        let o = accord(&["schema", name]);
        assert_code(&o, 0);
        let schema: Value = serde_json::from_str(&stdout(&o)).expect("schema is JSON");
        assert!(schema.get("$schema").is_some(), "{name}");
    }
}

#[test]
fn a_closed_pipe_exits_quietly() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args([
            "assess",
            "examples",
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .current_dir(crate::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    // Dropping the read end closes the pipe while accord is still writing.
    let status = child.wait().expect("wait");
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    assert!(!err.contains("panicked"), "{err}");
    assert!(status.code() == Some(0), "exit {status:?}: {err}");
}

#[test]
fn user_rulepacks_load_without_recompiling() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pack = dir.path().join("acme");
    std::fs::create_dir_all(pack.join("rules")).expect("mkdir");
    std::fs::write(pack.join("pack.yaml"), "accord: rulepack/v1\nid: acme-policy\nversion: 1.0.0\njurisdiction: EU\ntitle: ACME internal AI policy\ninstruments:\n  - {id: policy, title: ACME AI policy v3, status: guidance, source: https://acme.example/ai-policy}\n").expect("write");
    std::fs::write(pack.join("rules/hr.yaml"), "rules:\n  - id: acme-policy/hr-review\n    kind: obligation\n    title: HR models need a second reviewer\n    binds: [any]\n    instrument: policy\n    citation: ACME AI policy v3, section 4.2\n    source: https://acme.example/ai-policy#4.2\n    verification: verified\n    when: {classification: eu.high-risk}\n    controls: [{id: human-oversight, relation: subset-of, rationale: a second reviewer is one form of oversight}]\n").expect("write");
    let a = assess_json(&[
        "examples/cv-screening.yaml",
        "--as-of",
        "2028-01-01",
        "--rules",
        pack.to_str().expect("utf-8"),
    ]);
    assert!(
        a["rulepacks"]
            .as_array()
            .expect("packs")
            .iter()
            .any(|p| p["id"] == "acme-policy")
    );
    let o = accord(&["rules", "check", pack.to_str().expect("utf-8")]);
    assert_code(&o, 0);
    assert!(
        stdout(&o).contains("ok: acme-policy 1.0.0"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn interactive_needs_a_terminal() {
    let o = accord(&["assess", "examples/cv-screening.yaml", "--interactive"]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("--interactive needs a terminal"),
        "{}",
        stderr(&o)
    );
}

/// Drives `--interactive` through a pseudo-terminal (util-linux `script`), answering
/// every question with the default ("I don't know") or an empty choice.
#[test]
fn interactive_asks_and_writes_the_completed_profile() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = dir.path().join("quiz.yaml");
    std::fs::write(&profile, "accord: profile/v1\nname: Quiz\nmarkets: [EU]\nai_system: true\noperator: {roles: [provider]}\npurposes: [employment.recruitment]\n").expect("write");
    let command = format!(
        "{} assess {} --interactive --as-of 2028-01-01 --fail-on never --format json",
        env!("CARGO_BIN_EXE_accord"),
        profile.display()
    );
    let mut child = Command::new("script")
        .args(["-qfec", &command, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("`script` (util-linux) is needed for this test: apt-get install bsdutils");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&[b'\r'; 80])
        .expect("keys");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("open questions for Quiz"), "{text}");
    let completed = dir.path().join("quiz.completed.yaml");
    let written = std::fs::read_to_string(&completed).expect("completed profile written");
    assert!(
        written.starts_with("# Completed by `accord assess --interactive`"),
        "{written}"
    );
    // The empty answers to set questions are now known, and the file is a valid profile.
    assert!(written.contains("exclusions: []"), "{written}");
    assert_code(
        &accord(&[
            "assess",
            completed.to_str().expect("utf-8"),
            "--fail-on",
            "never",
        ]),
        0,
    );
}

fn obligation<'a>(a: &'a Value, id: &str) -> &'a Value {
    a["jurisdictions"]
        .as_array()
        .expect("jurisdictions")
        .iter()
        .flat_map(|j| j["obligations"].as_array().expect("obligations"))
        .find(|o| o["id"] == id)
        .unwrap_or_else(|| panic!("no obligation {id}"))
}

#[test]
fn evidence_marks_obligations_by_the_rules_own_thresholds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, produced: &str, ratio: f64| {
        let path = dir.path().join(name);
        let evidence = serde_json::json!({
            "accord": "evidence/v1", "kind": "fairness-audit", "produced_at": produced,
            "tool": {"name": "test", "version": "0"}, "inputs": [], "controls": ["bias-testing", "independent-audit"],
            "metrics": {"impact_ratio_min": ratio}, "thresholds": [], "passed": true
        });
        std::fs::write(&path, evidence.to_string()).expect("write");
        path.display().to_string()
    };
    let fresh = write("fresh.json", "2026-06-01T00:00:00Z", 0.85);
    let stale = write("stale.json", "2025-06-01T00:00:00Z", 0.85);
    let failing = write("failing.json", "2026-06-01T00:00:00Z", 0.72);

    let a = assess_json(&[
        "examples/cv-screening.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        &fresh,
    ]);
    assert_eq!(
        obligation(&a, "us-nyc-ll144/bias-audit")["evidence"],
        "satisfied"
    );
    assert_eq!(
        obligation(&a, "us-federal/ugesp-4d-four-fifths-screen")["evidence"],
        "satisfied"
    );
    assert_eq!(obligation(&a, "us-il/ai-use-notice")["evidence"], "missing");

    // An LL144 audit more than a year old does not satisfy NYC: it is stale (issue 9).
    let a = assess_json(&[
        "examples/cv-screening.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        &stale,
    ]);
    let audit = obligation(&a, "us-nyc-ll144/bias-audit");
    assert_eq!(audit["evidence"], "stale");
    assert!(
        audit["findings"]
            .to_string()
            .contains("accepts evidence at most 365 days old"),
        "{audit}"
    );

    // A four-fifths failure fails the screen, with the number and the rule's threshold (issue 9).
    let a = assess_json(&[
        "examples/cv-screening.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        &failing,
    ]);
    let screen = obligation(&a, "us-federal/ugesp-4d-four-fifths-screen");
    assert_eq!(screen["evidence"], "failed");
    assert!(
        screen["findings"].to_string().contains(
            "impact_ratio_min = 0.72; us-federal/ugesp-4d-four-fifths-screen requires ≥ 0.8"
        ),
        "{screen}"
    );
    // …and every duty relying on bias testing: never satisfied.
    assert_eq!(
        obligation(&a, "us-nyc-ll144/bias-audit")["evidence"],
        "failed"
    );
    assert_eq!(
        obligation(&a, "us-il/no-discriminatory-effect")["evidence"],
        "failed"
    );

    // A broken evidence file is refused with its location.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"accord\": \"evidence/v1\", \"kind\": \"fairness-audt\", \"produced_at\": \"2026-06-01\"}").expect("write");
    let o = accord(&[
        "assess",
        "examples/cv-screening.yaml",
        "--evidence",
        bad.to_str().expect("utf-8"),
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("Unknown evidence kind `fairness-audt`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn tc260_keyword_library_size_is_checked_from_evidence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |name: &str, keywords: u64| {
        let path = dir.path().join(name);
        let evidence = serde_json::json!({
            "accord": "evidence/v1", "kind": "keyword-scan", "produced_at": "2026-11-01T00:00:00Z",
            "controls": ["content-safety-testing"],
            "metrics": {"keyword_count": keywords, "technical_sample_fraction": 1.0,
                        "technical_sample_pass_rate": 0.99, "max_source_harmful_ratio": 0.01},
            "passed": true
        });
        std::fs::write(&path, evidence.to_string()).expect("write");
        path.display().to_string()
    };
    let big = write("big.json", 12_000);
    let small = write("small.json", 5_000);
    let a = assess_json(&[
        "examples/china-public-chatbot.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        &big,
    ]);
    assert_eq!(
        obligation(&a, "cn-ai/gbt45654-keyword-library")["evidence"],
        "satisfied"
    );
    // Other TC260 duties need other kinds of evidence too: partial, saying what is missing.
    let corpus = obligation(&a, "cn-ai/gbt45654-corpus-assessment");
    assert_eq!(corpus["evidence"], "partial", "{corpus}");
    assert!(
        corpus["findings"]
            .to_string()
            .contains("no document evidence"),
        "{corpus}"
    );
    let a = assess_json(&[
        "examples/china-public-chatbot.yaml",
        "--as-of",
        "2026-11-28",
        "--evidence",
        &small,
    ]);
    let library = obligation(&a, "cn-ai/gbt45654-keyword-library");
    assert_eq!(library["evidence"], "failed");
    assert!(
        library["findings"]
            .to_string()
            .contains("keyword_count = 5000"),
        "{library}"
    );
}
