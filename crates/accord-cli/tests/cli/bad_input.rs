//! Bad input: a clear message with file:line:column, exit code 2, nothing half-written.

use std::fs;

use crate::{accord, assert_code, stderr, stdout};

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("mkdir");
    }
    fs::write(&path, text).expect("write");
    path.display().to_string()
}

const GOOD: &str = "accord: profile/v1\nname: T\nmarkets: [EU]\nai_system: true\n";

/// Runs `accord assess` on a profile text; expects exit 2 and returns stderr.
fn refused(profile: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = write(&dir, "p.yaml", profile);
    let out_path = dir.path().join("out.json");
    let o = accord(&[
        "assess",
        &path,
        "--format",
        "json",
        "--output",
        out_path.to_str().expect("utf-8"),
    ]);
    assert_code(&o, 2);
    assert!(
        !out_path.exists(),
        "an output file was written despite the error"
    );
    assert!(
        stdout(&o).is_empty(),
        "stdout should be empty on error: {}",
        stdout(&o)
    );
    stderr(&o).replace(&path, "p.yaml")
}

#[test]
fn malformed_yaml_is_located() {
    let e = refused("accord: profile/v1\nname: [unclosed\nmarkets: [EU]\n");
    assert!(e.contains("p.yaml:"), "{e}");
    assert!(e.contains("Invalid YAML"), "{e}");
}

#[test]
fn wrong_types_are_located() {
    let e = refused(&format!("{GOOD}profiling: maybe\n"));
    assert!(
        e.contains("p.yaml:5:12: `profiling` must be true or false, found the string `maybe`"),
        "{e}"
    );
    let e = refused(&format!("{GOOD}monthly_users: lots\n"));
    assert!(e.contains("p.yaml:5:16"), "{e}");
}

#[test]
fn unknown_keys_suggest_the_right_one() {
    let e = refused(&format!("{GOOD}purpose: [employment.recruitment]\n"));
    assert!(e.contains("p.yaml:5:1: Unknown key `purpose`"), "{e}");
    assert!(e.contains("did you mean `purposes`?"), "{e}");
    let e = refused(&format!("{GOOD}operator:\n  role: [provider]\n"));
    assert!(e.contains("p.yaml:6:3: Unknown key `role`"), "{e}");
    assert!(e.contains("did you mean `roles`?"), "{e}");
}

#[test]
fn unknown_purposes_markets_and_dates_are_refused() {
    let e = refused(&format!("{GOOD}purposes: [employment.recruiting]\n"));
    assert!(
        e.contains("p.yaml:5:12: Unknown purpose `employment.recruiting`"),
        "{e}"
    );
    assert!(e.contains("did you mean `employment.recruitment`?"), "{e}");
    let e = refused("accord: profile/v1\nname: T\nmarkets: [EU, USA]\n");
    assert!(e.contains("p.yaml:3:15: Unknown market code `USA`"), "{e}");
    let e = refused(&format!("{GOOD}placed_on_market: 2025-02-30\n"));
    assert!(e.contains("`2025-02-30` is not a real date"), "{e}");
    let e = refused(&format!(
        "{GOOD}facts:\n  eu.exploit_vulnerabilities: false\n"
    ));
    assert!(
        e.contains("Unknown fact `eu.exploit_vulnerabilities`"),
        "{e}"
    );
}

#[test]
fn several_problems_are_all_reported() {
    let e = refused("accord: profile/v1\nname: T\nmarkets: [XX]\npurposes: [nope]\nprofiling: 3\n");
    assert!(
        e.contains(":3:") && e.contains(":4:") && e.contains(":5:"),
        "{e}"
    );
    assert!(e.contains("3 problems found; nothing was written"), "{e}");
}

#[test]
fn hostile_input_is_refused_without_a_panic() {
    let deep = format!(
        "accord: profile/v1\nname: T\ndescription: {}{}\n",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let e = refused(&deep);
    assert!(
        e.contains("Nesting deeper than") || e.contains("recursion limit exceeded"),
        "{e}"
    );
    let e = refused("a: &x [1]\nb: *x\n");
    assert!(e.contains("Anchors and aliases are not supported"), "{e}");
    let e = refused("- just\n- a list\n");
    assert!(e.contains("A profile must be a mapping"), "{e}");
    let e = refused("");
    assert!(e.contains("A profile must be a mapping"), "{e}");
}

#[test]
fn missing_files_and_bad_flags_exit_2() {
    let o = accord(&["assess", "no/such/profile.yaml"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("does not exist"), "{}", stderr(&o));
    let o = accord(&[
        "assess",
        "examples/cv-screening.yaml",
        "--as-of",
        "2027-13-01",
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("`2027-13-01` is not a real date"),
        "{}",
        stderr(&o)
    );
    let o = accord(&[
        "assess",
        "examples/cv-screening.yaml",
        "--jurisdiction",
        "EUU",
    ]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("did you mean `EU`?"), "{}", stderr(&o));
}

fn broken_pack(rules: &str) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    write(
        &dir,
        "mine/pack.yaml",
        "accord: rulepack/v1\nid: mine\nversion: 1.0.0\njurisdiction: EU\ntitle: Mine\ninstruments:\n  - {id: policy, title: Our policy, status: guidance, source: https://example.org/policy}\n",
    );
    write(&dir, "mine/rules/a.yaml", rules);
    let o = accord(&[
        "rules",
        "check",
        dir.path().join("mine").to_str().expect("utf-8"),
    ]);
    assert_code(&o, 2);
    stderr(&o).replace(&dir.path().display().to_string(), "")
}

const RULE: &str = "rules:\n  - id: mine/a\n    kind: obligation\n    title: A\n    binds: [provider]\n    instrument: policy\n    citation: Policy 1\n    source: https://example.org/policy\n    verification: verified\n";

#[test]
fn broken_rulepacks_are_located() {
    let e = broken_pack(&format!(
        "{RULE}    when: {{fact: purpose, contains: x}}\n    controls: [{{id: risk-management, relation: equal, rationale: r}}]\n"
    ));
    assert!(
        e.contains("/mine/rules/a.yaml:10:18: Unknown fact `purpose`"),
        "{e}"
    );
    assert!(e.contains("did you mean `purposes`?"), "{e}");
    let e = broken_pack(&format!(
        "{RULE}    when: {{fact: purposes, contains: employment.recruiting}}\n    controls: [{{id: risk-managment, relation: equal, rationale: r}}]\n"
    ));
    assert!(
        e.contains("`employment.recruiting` is not a value of `purposes`"),
        "{e}"
    );
    assert!(
        e.contains("Unknown control `risk-managment`")
            && e.contains("did you mean `risk-management`?"),
        "{e}"
    );
    let e = broken_pack(&format!(
        "{RULE}    when: {{classification: eu.high-risky}}\n    controls: [{{id: risk-management, relation: equal, rationale: r}}]\n"
    ));
    assert!(
        e.contains("No rule produces classification `eu.high-risky`")
            && e.contains("did you mean `eu.high-risk`?"),
        "{e}"
    );
    let dup = format!(
        "{RULE}    when: {{fact: ai_system, equals: true}}\n    controls: [{{id: risk-management, relation: equal, rationale: r}}]\n"
    );
    let e = broken_pack(&format!("{dup}{}", dup.trim_start_matches("rules:\n")));
    assert!(
        e.contains("Duplicate rule id `mine/a`") && e.contains("first defined at"),
        "{e}"
    );
    let e = broken_pack(&format!(
        "{RULE}    when: {{rule: mine/a}}\n    controls: [{{id: risk-management, relation: equal, rationale: r}}]\n"
    ));
    assert!(e.contains("cycle"), "{e}");
    let e = broken_pack(&format!(
        "{RULE}    when: {{fact: profiling, contains: true}}\n    controls: [{{id: risk-management, relation: equal, rationale: r}}]\n"
    ));
    assert!(
        e.contains("`contains` does not apply to `profiling`, a bool"),
        "{e}"
    );
    let e = broken_pack(&format!(
        "{RULE}    applies_from: 2026-02-30\n    when: {{fact: ai_system, equals: true}}\n    controls: [{{id: risk-management, relation: equal, rationale: r}}]\n"
    ));
    assert!(e.contains("is not a real date"), "{e}");
}
