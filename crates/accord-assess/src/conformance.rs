//! Conformance cases as data: `rulepacks/<pack>/tests/*.yaml`.
//!
//! Each case is a profile (a base, a file, and/or a JSON merge patch), an
//! `as_of` date and the statuses it expects. One harness runs every file, for
//! `cargo test` and for `accord rules test DIR`. Coverage is checked too:
//! every classification a pack produces is expected by some case, and every
//! date a pack's rules apply from is tested on the day before and the day of.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::Value;

use accord_model::doc::{Diagnostic, Document};
use accord_model::facts::parse_date;
use accord_model::{Assessment, Status};
use accord_rules::{RuleKind, RuleSet};

use crate::{Assessor, Options, ProfileInput};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestFile {
    #[serde(default)]
    base: Option<Value>,
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    #[serde(default)]
    profile: Option<Value>,
    #[serde(default)]
    patch: Option<Value>,
    as_of: String,
    #[serde(default)]
    expect: Expect,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expect {
    #[serde(default)]
    classifications: BTreeMap<String, String>,
    #[serde(default)]
    obligations: BTreeMap<String, String>,
    #[serde(default)]
    exemptions: BTreeMap<String, String>,
    #[serde(default)]
    asks: Vec<String>,
    #[serde(default)]
    does_not_ask: Vec<String>,
    /// The profile answers every fact that matters: no question at all.
    #[serde(default)]
    asks_nothing: bool,
}

/// The outcome of one case.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub file: String,
    pub name: String,
    pub line: usize,
    pub failures: Vec<String>,
    /// The `expect:` block that describes what actually happened, for the ids the
    /// case names (for `accord rules test --bless`, to review — never written silently).
    pub observed: Option<String>,
}

impl CaseResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// The outcome of a pack's test files.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub cases: Vec<CaseResult>,
    /// Classifications and date boundaries no case covers, and unreadable files.
    pub problems: Vec<String>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.cases.len() - self.passed()
    }

    pub fn ok(&self) -> bool {
        self.failed() == 0 && self.problems.is_empty()
    }
}

/// Reads a file named in a test (a base profile), relative to the workspace or pack.
pub type Resolver<'a> = &'a dyn Fn(&str) -> Result<String, String>;

/// Applies a JSON merge patch (RFC 7396): `null` removes a key, making the fact unknown.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    if let Value::Object(patch_map) = patch {
        if !target.is_object() {
            *target = Value::Object(serde_json::Map::new());
        }
        if let Value::Object(map) = target {
            for (key, value) in patch_map {
                if value.is_null() {
                    map.remove(key);
                } else {
                    merge_patch(map.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
    } else {
        *target = patch.clone();
    }
}

fn join(dir: &str, relative: &str) -> String {
    let mut parts: Vec<&str> = if dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for part in relative.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if dir.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

fn load_profile(value: &Value, dir: &str, resolve: Resolver<'_>) -> Result<Value, String> {
    match value {
        Value::String(path) => {
            let full = join(dir, path);
            let text = resolve(&full)?;
            let doc = Document::parse(&text, &full).map_err(|d| d.to_string())?;
            Ok(doc.value)
        }
        Value::Object(_) => Ok(value.clone()),
        _ => Err("`profile` and `base` take a mapping or a path".to_string()),
    }
}

/// A case that ran: its date, its assessment, and the classifications it expects to hold.
pub type CaseRun = (Date, Assessment, Vec<String>);

/// Runs one test file.
pub fn run_file(
    rules: &RuleSet,
    path: &str,
    text: &str,
    resolve: Resolver<'_>,
) -> Result<(Vec<CaseResult>, Vec<CaseRun>), Diagnostic> {
    let document = Document::parse(text, path)?;
    let file: TestFile = document.deserialize()?;
    let dir = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    let mut results = Vec::new();
    let mut seen = Vec::new();
    for (i, case) in file.cases.iter().enumerate() {
        let line = document
            .position(&format!("/cases/{i}"))
            .map(|p| p.line)
            .unwrap_or(0);
        let mut failures = Vec::new();
        let run = || -> Result<(Date, Assessment), String> {
            let as_of = parse_date(&case.as_of)?;
            let mut profile = match (&case.profile, &file.base) {
                (Some(p), _) | (None, Some(p)) => load_profile(p, dir, resolve)?,
                (None, None) => {
                    return Err("the case has no profile and the file no base".to_string());
                }
            };
            if let Some(patch) = &case.patch {
                merge_patch(&mut profile, patch);
            }
            let label = format!("{path} (case `{}`)", case.name);
            let text = serde_json::to_string_pretty(&profile).map_err(|e| e.to_string())?;
            let input = ProfileInput::parse(&text, &label, rules).map_err(|problems| {
                problems
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            })?;
            let assessor = Assessor {
                rules,
                evidence: &[],
                options: Options {
                    as_of,
                    jurisdictions: Vec::new(),
                },
            };
            Ok((as_of, assessor.assess(&input)))
        };
        let mut observed = None;
        match run() {
            Err(message) => failures.push(message),
            Ok((as_of, assessment)) => {
                check(&case.expect, &assessment, &mut failures);
                observed = Some(observe(&case.expect, &assessment));
                let expected: Vec<String> = case
                    .expect
                    .classifications
                    .iter()
                    .filter(|(_, s)| matches!(s.as_str(), "applies" | "upcoming"))
                    .map(|(id, _)| id.clone())
                    .collect();
                seen.push((as_of, assessment, expected));
            }
        }
        results.push(CaseResult {
            file: path.to_string(),
            name: case.name.clone(),
            line,
            failures,
            observed,
        });
    }
    Ok((results, seen))
}

fn status_of(assessment: &Assessment, kind: &str, id: &str) -> Status {
    for j in &assessment.jurisdictions {
        let found = match kind {
            "classification" => j
                .classifications
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.status),
            "obligation" => j.obligations.iter().find(|o| o.id == id).map(|o| o.status),
            _ => j.exemptions.iter().find(|e| e.id == id).map(|e| e.status),
        };
        if let Some(status) = found {
            return status;
        }
    }
    Status::NotApplicable
}

/// The `expect:` block matching the assessment, for the ids and facts the case names.
fn observe(expect: &Expect, assessment: &Assessment) -> String {
    let mut out = String::from("expect:\n");
    for (kind, section, map) in [
        ("classification", "classifications", &expect.classifications),
        ("obligation", "obligations", &expect.obligations),
        ("exemption", "exemptions", &expect.exemptions),
    ] {
        if map.is_empty() {
            continue;
        }
        out.push_str(&format!("  {section}:\n"));
        for id in map.keys() {
            out.push_str(&format!(
                "    {id}: {}\n",
                status_of(assessment, kind, id).as_str()
            ));
        }
    }
    let asked: BTreeSet<&str> = assessment
        .jurisdictions
        .iter()
        .flat_map(|j| j.questions.iter().map(|q| q.fact.as_str()))
        .collect();
    if !expect.asks.is_empty() || expect.asks_nothing {
        out.push_str(&format!(
            "  asks: [{}]\n",
            asked.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    out
}

fn check(expect: &Expect, assessment: &Assessment, failures: &mut Vec<String>) {
    for (kind, map) in [
        ("classification", &expect.classifications),
        ("obligation", &expect.obligations),
        ("exemption", &expect.exemptions),
    ] {
        for (id, want) in map {
            let Some(want_status) = Status::parse(want) else {
                failures.push(format!("unknown status `{want}` for {kind} `{id}` (applies, upcoming, undetermined, not-applicable)"));
                continue;
            };
            let got = status_of(assessment, kind, id);
            if got != want_status {
                let because = assessment
                    .jurisdictions
                    .iter()
                    .flat_map(|j| {
                        j.classifications
                            .iter()
                            .filter(|c| c.id == *id)
                            .map(|c| c.because.join("; "))
                            .chain(
                                j.obligations
                                    .iter()
                                    .filter(|o| o.id == *id)
                                    .map(|o| o.because.join("; ")),
                            )
                    })
                    .next()
                    .unwrap_or_default();
                let why = if because.is_empty() {
                    String::new()
                } else {
                    format!(" (because: {because})")
                };
                failures.push(format!(
                    "{kind} `{id}`: expected {want}, got {}{why}",
                    got.as_str()
                ));
            }
        }
    }
    let asked: BTreeSet<&str> = assessment
        .jurisdictions
        .iter()
        .flat_map(|j| j.questions.iter().map(|q| q.fact.as_str()))
        .collect();
    for fact in &expect.asks {
        if !asked.contains(fact.as_str()) {
            failures.push(format!(
                "expected a question on `{fact}`; asked: {}",
                asked.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    if expect.asks_nothing && !asked.is_empty() {
        failures.push(format!(
            "expected no questions; asked: {}",
            asked.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    for fact in &expect.does_not_ask {
        if asked.contains(fact.as_str()) {
            failures.push(format!("did not expect a question on `{fact}`"));
        }
    }
}

/// Runs all test files of one pack and checks its coverage.
pub fn run_pack(
    rules: &RuleSet,
    pack_id: &str,
    files: &[(String, String)],
    resolve: Resolver<'_>,
) -> Report {
    let mut report = Report::default();
    let mut expected_classes = BTreeSet::new();
    let mut dates_tested = BTreeSet::new();
    if files.is_empty() {
        report
            .problems
            .push(format!("rulepack `{pack_id}` has no tests/*.yaml"));
    }
    for (path, text) in files {
        match run_file(rules, path, text, resolve) {
            Ok((cases, seen)) => {
                report.cases.extend(cases);
                for (as_of, _, expected) in seen {
                    dates_tested.insert(as_of);
                    expected_classes.extend(expected);
                }
            }
            Err(d) => report.problems.push(d.to_string()),
        }
    }
    let Some(pack) = rules.packs.iter().position(|p| p.id == pack_id) else {
        return report;
    };
    let mut classes = BTreeSet::new();
    let mut dates = BTreeSet::new();
    for rule in rules.rules.iter().filter(|r| r.pack == pack) {
        if let Some(c) = &rule.classification
            && (rule.kind != RuleKind::Exemption || !rule.exempts.is_empty())
        {
            classes.insert(c.clone());
        }
        dates.extend(rule.applies_from);
        dates.extend(rule.applies_until);
        dates.extend(rule.transitional.iter().map(|t| t.applies_from));
    }
    for class in classes.difference(&expected_classes.iter().cloned().collect()) {
        report.problems.push(format!(
            "rulepack `{pack_id}`: no case expects classification `{class}` to apply"
        ));
    }
    for date in dates {
        let before = date.yesterday().ok();
        let missing: Vec<String> = [Some(date), before]
            .into_iter()
            .flatten()
            .filter(|d| !dates_tested.contains(d))
            .map(|d| d.to_string())
            .collect();
        if !missing.is_empty() {
            report.problems.push(format!(
                "rulepack `{pack_id}`: date boundary {date} is not tested on {}",
                missing.join(" and ")
            ));
        }
    }
    report
}
