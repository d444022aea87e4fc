//! Issue 9: evidence is judged by what it says and counted only for its own
//! system. Every `cases/*.yaml` file is a list of cases: a built-in example
//! profile, an assessment date, evidence files written inline (shaped as
//! Accord's scanners and audits write them), and what the assessment must
//! then say of controls, obligations, findings and the files themselves.
//!
//! `about:` binds a file to a subject: `this` (the profile assessed), `other`
//! (another system), `revision` (the same name and version, other bytes) or
//! nothing (no subject).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

use accord_assess::{Assessor, LoadedEvidence, Options, ProfileInput};
use accord_model::{Assessment, Document};
use accord_rules::{Catalogue, RuleSet, load_pack};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    profile: String,
    as_of: String,
    #[serde(default)]
    evidence: Vec<File>,
    expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    file: String,
    #[serde(default)]
    about: Option<String>,
    content: Value,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    controls: BTreeMap<String, String>,
    #[serde(default)]
    obligations: BTreeMap<String, String>,
    /// Obligation id → substrings its findings must contain.
    #[serde(default)]
    findings: BTreeMap<String, Vec<String>>,
    /// File → `passed` and `counted` as the assessment lists it, and note substrings.
    #[serde(default)]
    evidence: BTreeMap<String, FileExpect>,
    /// No control or obligation may read this status (e.g. `satisfied`).
    #[serde(default)]
    nothing_reads: Option<String>,
    #[serde(default)]
    evidence_failed: Option<usize>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileExpect {
    #[serde(default)]
    passed: Option<Value>,
    #[serde(default)]
    counted: Option<bool>,
    #[serde(default)]
    notes: Vec<String>,
    #[serde(default)]
    no_notes: bool,
}

fn rules() -> RuleSet {
    let (path, text) = accord_builtin::catalogue();
    let catalogue = Catalogue::parse(text, path).expect("built-in catalogue");
    let packs = accord_builtin::packs()
        .iter()
        .map(load_pack)
        .collect::<Result<Vec<_>, _>>()
        .expect("built-in packs");
    RuleSet::compile(packs, catalogue).expect("built-in rules compile")
}

fn subject(about: Option<&str>, profile: &ProfileInput) -> Option<Value> {
    match about? {
        "this" => Some(json!({
            "name": profile.name, "version": profile.version, "profile_digest": profile.digest,
        })),
        "revision" => Some(json!({
            "name": profile.name, "version": profile.version,
            "profile_digest": format!("sha256:{}", "0".repeat(64)),
        })),
        "other" => Some(json!({
            "name": "Another System", "version": "1.0",
            "profile_digest": format!("sha256:{}", "1".repeat(64)),
        })),
        other => panic!("about: `{other}` is not this, revision or other"),
    }
}

fn status_of<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn check(case: &Case, a: &Assessment, failures: &mut Vec<String>) {
    let expect = &case.expect;
    let obligations: Vec<_> = a
        .jurisdictions
        .iter()
        .flat_map(|j| &j.obligations)
        .collect();
    for (id, want) in &expect.controls {
        match a.controls.iter().find(|c| &c.id == id) {
            Some(c) if &status_of(&c.evidence) == want => {}
            Some(c) => failures.push(format!(
                "control {id}: {} (want {want})",
                status_of(&c.evidence)
            )),
            None => failures.push(format!("control {id} is not in the plan")),
        }
    }
    for (id, want) in &expect.obligations {
        match obligations.iter().find(|o| &o.id == id) {
            Some(o) if &status_of(&o.evidence) == want => {}
            Some(o) => failures.push(format!(
                "obligation {id}: {} (want {want}); findings: {:?}",
                status_of(&o.evidence),
                o.findings
            )),
            None => failures.push(format!("obligation {id} is not in the assessment")),
        }
    }
    for (id, needles) in &expect.findings {
        let Some(o) = obligations.iter().find(|o| &o.id == id) else {
            failures.push(format!("obligation {id} is not in the assessment"));
            continue;
        };
        for needle in needles {
            if !o.findings.iter().any(|f| f.contains(needle.as_str())) {
                failures.push(format!(
                    "obligation {id}: no finding contains `{needle}`: {:?}",
                    o.findings
                ));
            }
        }
    }
    for (file, want) in &expect.evidence {
        let Some(e) = a.evidence.iter().find(|e| &e.path == file) else {
            failures.push(format!("evidence {file} is not listed"));
            continue;
        };
        if let Some(passed) = &want.passed {
            let got = serde_json::to_value(e.passed).unwrap_or(Value::Null);
            if &got != passed {
                failures.push(format!("evidence {file}: passed {got} (want {passed})"));
            }
        }
        if let Some(counted) = want.counted
            && e.counted != counted
        {
            failures.push(format!(
                "evidence {file}: counted {} (want {counted})",
                e.counted
            ));
        }
        for needle in &want.notes {
            if !e.notes.iter().any(|n| n.contains(needle.as_str())) {
                failures.push(format!(
                    "evidence {file}: no note contains `{needle}`: {:?}",
                    e.notes
                ));
            }
        }
        if want.no_notes && !e.notes.is_empty() {
            failures.push(format!("evidence {file}: unexpected notes {:?}", e.notes));
        }
    }
    if let Some(forbidden) = &expect.nothing_reads {
        for c in &a.controls {
            if &status_of(&c.evidence) == forbidden {
                failures.push(format!("control {} reads {forbidden}", c.id));
            }
        }
        for o in &obligations {
            if &status_of(&o.evidence) == forbidden {
                failures.push(format!("obligation {} reads {forbidden}", o.id));
            }
        }
    }
    if let Some(n) = expect.evidence_failed
        && a.summary.evidence_failed != n
    {
        failures.push(format!(
            "summary.evidence_failed {} (want {n})",
            a.summary.evidence_failed
        ));
    }
}

#[test]
fn evidence_cases() {
    let rules = rules();
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/evidence/cases");
    let mut files: Vec<_> = std::fs::read_dir(&folder)
        .expect("cases folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", folder.display());
    let mut failures = Vec::new();
    let mut count = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("case file");
        let document = Document::parse(&text, &path.display().to_string()).expect("case YAML");
        let file: CaseFile = document.deserialize().expect("case file format");
        for case in &file.cases {
            count += 1;
            let profile_text = accord_builtin::file(&case.profile)
                .unwrap_or_else(|| panic!("{}: no built-in file {}", case.name, case.profile));
            let profile = ProfileInput::parse(profile_text, &case.profile, &rules)
                .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
            let evidence: Vec<LoadedEvidence> = case
                .evidence
                .iter()
                .map(|f| {
                    let mut content = f.content.clone();
                    if let Some(subject) = subject(f.about.as_deref(), &profile) {
                        content["subject"] = subject;
                    }
                    let text = serde_json::to_string_pretty(&content).expect("JSON");
                    LoadedEvidence::parse(&text, &f.file)
                        .unwrap_or_else(|e| panic!("{}: {}: {e}", case.name, f.file))
                })
                .collect();
            let as_of = accord_model::facts::parse_date(&case.as_of).expect("as_of");
            let assessment = Assessor {
                rules: &rules,
                evidence: &evidence,
                options: Options {
                    as_of,
                    jurisdictions: Vec::new(),
                },
            }
            .assess(&profile);
            let mut problems = Vec::new();
            check(case, &assessment, &mut problems);
            for p in problems {
                failures.push(format!(
                    "{} — {}: {p}",
                    path.file_name().unwrap().to_string_lossy(),
                    case.name
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{count} evidence cases passed");
}
