//! Evidence files (`evidence/v1`) and how they mark obligations and controls.
//!
//! One judgement, used by `assess`, `certify`, `verify` and the registry:
//!
//! 1. **A file is judged by what it says** ([`Verdict`]). It failed when its
//!    `passed` is `false` *or* any of its thresholds did not pass — a
//!    threshold's own `passed: false`, or its `actual` value on the wrong side
//!    of its `value` — whatever the file's top-level flag says.
//! 2. **A file is about a subject** ([`Binding`]). Evidence that names
//!    another profile (by digest) is not counted; evidence that names none
//!    is counted with a warning.
//! 3. **Obligations** ([`obligation_status`]) read `failed` when a counted
//!    file for one of their controls failed, or a file's metric misses the
//!    rule's own threshold; `stale` when the only evidence is older than the
//!    rule accepts; `partial` when evidence covers only part; `satisfied`
//!    only when the counted files cover the obligation and meet every
//!    expectation of the rule.
//! 4. **Controls** ([`control_status`]) read `failed` when a file naming them
//!    failed (on its own or against a rule they serve), `stale` when every
//!    file naming them is too old for a rule they serve, `missing` without
//!    files, `satisfied` otherwise.

use jiff::civil::Date;

use accord_model::EvidenceStatus;
use accord_model::assessment::{Evidence, EvidenceRef, EvidenceSubject};
use accord_model::doc::{Diagnostic, Document};
use accord_rules::Rule;
use accord_rules::pack::{EvidenceExpectation, ThresholdOp};

/// What an evidence file's own result is, judged from everything it says.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    /// It states a result, and every part of it passed.
    Passed,
    /// It failed: the reasons, each with the number and the threshold where known.
    Failed(Vec<String>),
    /// It states no result (no `passed`, no thresholds): a `document`, or a
    /// test that did not say how it went.
    NoResult,
}

impl Verdict {
    pub fn failed(&self) -> bool {
        matches!(self, Verdict::Failed(_))
    }

    /// `passed` as an assessment records it.
    pub fn passed(&self) -> Option<bool> {
        match self {
            Verdict::Passed => Some(true),
            Verdict::Failed(_) => Some(false),
            Verdict::NoResult => None,
        }
    }
}

/// Whether an evidence file is about the profile being assessed.
#[derive(Clone, Debug, PartialEq)]
pub enum Binding {
    /// Its subject's profile digest is this profile's.
    Bound,
    /// It names no subject: counted, with a warning.
    Unbound,
    /// It is about another system, or another version of this profile: not counted.
    Other(String),
}

/// An evidence file, read and judged.
#[derive(Clone, Debug)]
pub struct LoadedEvidence {
    pub path: String,
    pub sha256: String,
    pub evidence: Evidence,
    pub produced: Date,
    pub verdict: Verdict,
}

/// The profile an assessment is about, as evidence is matched against it.
#[derive(Clone, Copy, Debug)]
pub struct ProfileIdentity<'a> {
    pub name: &'a str,
    pub version: Option<&'a str>,
    /// `sha256:` of the profile file's bytes.
    pub digest: &'a str,
}

/// The warning attached to evidence that names no system.
pub const UNBOUND_NOTE: &str = "not bound to a system: it names no subject, so nothing shows it was made for this one (produce it with --subject PROFILE)";

impl LoadedEvidence {
    pub fn parse(text: &str, path: &str) -> Result<LoadedEvidence, Diagnostic> {
        let document = Document::parse(text, path)?;
        let evidence: Evidence = document.deserialize()?;
        if evidence.accord != "evidence/v1" {
            return Err(document
                .error_at_value(
                    "/accord",
                    format!("Unsupported evidence format `{}`", evidence.accord),
                )
                .with_hint("expected `evidence/v1`"));
        }
        if !accord_rules::pack::EVIDENCE_KINDS.contains(&evidence.kind.as_str()) {
            return Err(document.error_at_value(
                "/kind",
                format!("Unknown evidence kind `{}`", evidence.kind),
            ));
        }
        let produced = evidence
            .produced_at
            .get(..10)
            .and_then(|d| accord_model::facts::parse_date(d).ok())
            .ok_or_else(|| {
                document.error_at_value(
                    "/produced_at",
                    format!("`{}` is not an RFC 3339 timestamp", evidence.produced_at),
                )
            })?;
        if let Some(subject) = &evidence.subject
            && !is_sha256(&subject.profile_digest)
        {
            return Err(document
                .error_at_value(
                    "/subject/profile_digest",
                    format!(
                        "`{}` is not a profile digest",
                        subject.profile_digest
                    ),
                )
                .with_hint("expected `sha256:` and 64 lowercase hex digits, as `accord assess --format json` writes in `profile.digest`"));
        }
        let digest = super::sha256_digest(text.as_bytes());
        let verdict = judge(&evidence);
        Ok(LoadedEvidence {
            path: path.to_string(),
            sha256: digest.trim_start_matches("sha256:").to_string(),
            evidence,
            produced,
            verdict,
        })
    }

    /// Whether this file is about `profile`.
    pub fn binding(&self, profile: ProfileIdentity<'_>) -> Binding {
        let Some(subject) = &self.evidence.subject else {
            return Binding::Unbound;
        };
        if subject.profile_digest == profile.digest {
            return Binding::Bound;
        }
        let same_system =
            subject.name == profile.name && subject.version.as_deref() == profile.version;
        Binding::Other(if same_system {
            format!(
                "not counted: it was made for another revision of this profile ({}), not this one ({}); produce it again with --subject",
                subject.profile_digest, profile.digest
            )
        } else {
            format!(
                "not counted: it is about {} ({}), not {} ({})",
                describe(subject),
                subject.profile_digest,
                match profile.version {
                    Some(v) => format!("`{}` {v}", profile.name),
                    None => format!("`{}`", profile.name),
                },
                profile.digest
            )
        })
    }

    /// The file as an assessment lists it, with its verdict and binding.
    pub fn reference(&self, binding: &Binding) -> EvidenceRef {
        let mut notes = Vec::new();
        match binding {
            Binding::Bound => {}
            Binding::Unbound => notes.push(UNBOUND_NOTE.to_string()),
            Binding::Other(reason) => notes.push(reason.clone()),
        }
        if let Verdict::Failed(reasons) = &self.verdict {
            notes.extend(reasons.iter().map(|r| format!("failed: {r}")));
        }
        EvidenceRef {
            path: self.path.clone(),
            kind: self.evidence.kind.clone(),
            sha256: self.sha256.clone(),
            passed: self.verdict.passed(),
            controls: self.evidence.controls.clone(),
            subject: self.evidence.subject.clone(),
            counted: !matches!(binding, Binding::Other(_)),
            notes,
        }
    }

    fn metric(&self, name: &str) -> Option<f64> {
        metric(&self.evidence.metrics, name)
    }

    fn names(&self, control: &str) -> bool {
        self.evidence.controls.iter().any(|c| c == control)
    }
}

fn describe(subject: &EvidenceSubject) -> String {
    match &subject.version {
        Some(v) => format!("`{}` {v}", subject.name),
        None => format!("`{}`", subject.name),
    }
}

fn is_sha256(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

fn metric(metrics: &serde_json::Value, name: &str) -> Option<f64> {
    metrics
        .get(name)
        .and_then(serde_json::Value::as_f64)
        .or_else(|| {
            name.starts_with('/')
                .then(|| metrics.pointer(name))
                .flatten()
                .and_then(serde_json::Value::as_f64)
        })
}

/// A threshold's operator as evidence files write it (`ge`, `>=`, `≥`, ...).
fn parse_op(text: &str) -> Option<ThresholdOp> {
    match text {
        "ge" | ">=" | "≥" => Some(ThresholdOp::Ge),
        "le" | "<=" | "≤" => Some(ThresholdOp::Le),
        "gt" | ">" => Some(ThresholdOp::Gt),
        "lt" | "<" => Some(ThresholdOp::Lt),
        "eq" | "==" | "=" => Some(ThresholdOp::Eq),
        _ => None,
    }
}

fn number(value: f64) -> String {
    // Short and exact enough for a reader: 0.43, 0.8, 250000.
    let text = format!("{value:.6}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text.is_empty() || text == "-" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

/// Judges an evidence file by everything it says: its `passed` and each threshold.
pub fn judge(evidence: &Evidence) -> Verdict {
    let mut reasons = Vec::new();
    let mut stated = evidence.passed.is_some();
    for threshold in &evidence.thresholds {
        stated = true;
        let name = threshold
            .get("name")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("threshold");
        let value = threshold.get("value").and_then(serde_json::Value::as_f64);
        let op = threshold
            .get("op")
            .and_then(serde_json::Value::as_str)
            .and_then(parse_op);
        let actual = threshold
            .get("actual")
            .and_then(serde_json::Value::as_f64)
            .or_else(|| metric(&evidence.metrics, name));
        let said = threshold.get("passed").and_then(serde_json::Value::as_bool);
        let computed = match (op, value, actual) {
            (Some(op), Some(value), Some(actual)) => Some(op.holds(actual, value)),
            _ => None,
        };
        let source = threshold
            .get("source")
            .and_then(serde_json::Value::as_str)
            .map(|s| format!(" ({s})"))
            .unwrap_or_default();
        if said == Some(false) || computed == Some(false) {
            let detail = match (op, value, actual) {
                (Some(op), Some(value), Some(actual)) => format!(
                    "{name} = {}, the threshold is {} {}{source}",
                    number(actual),
                    op.symbol(),
                    number(value)
                ),
                (_, Some(value), Some(actual)) => format!(
                    "{name} = {}, threshold {}{source} not met",
                    number(actual),
                    number(value)
                ),
                (_, Some(value), None) => {
                    format!("{name}: threshold {}{source} not met", number(value))
                }
                _ => format!("{name}: threshold{source} not met"),
            };
            if said == Some(true) {
                reasons.push(format!("{detail}, although the file marks it passed"));
            } else {
                reasons.push(detail);
            }
        }
    }
    if evidence.passed == Some(false) && reasons.is_empty() {
        reasons.push(format!(
            "the {} reports that it did not pass",
            evidence.kind
        ));
    }
    if !reasons.is_empty() {
        Verdict::Failed(reasons)
    } else if stated {
        Verdict::Passed
    } else {
        Verdict::NoResult
    }
}

/// How one obligation stands with the evidence counted for its profile.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    pub status: EvidenceStatus,
    pub findings: Vec<String>,
    /// Files (by sha256) that failed for this obligation: on their own, or
    /// against the rule's thresholds.
    pub failed_files: Vec<String>,
    /// Files (by sha256) too old for this obligation.
    pub stale_files: Vec<String>,
}

/// Checks one evidence file against one expectation: too old, thresholds missed, metrics absent.
struct Problems {
    stale: Option<String>,
    missed: Vec<String>,
    absent: Vec<String>,
}

fn problems(
    rule: &Rule,
    expectation: &EvidenceExpectation,
    file: &LoadedEvidence,
    as_of: Date,
) -> Problems {
    let mut out = Problems {
        stale: None,
        missed: Vec::new(),
        absent: Vec::new(),
    };
    if let Some(max) = expectation.max_age_days {
        let age = (as_of - file.produced).get_days();
        if age > i32::try_from(max).unwrap_or(i32::MAX) {
            out.stale = Some(format!(
                "{} was produced on {}, {age} days before {as_of}; {} accepts evidence at most {max} days old",
                file.path, file.produced, rule.id
            ));
        }
    }
    for threshold in &expectation.thresholds {
        match file.metric(&threshold.name) {
            Some(actual) if threshold.op.holds(actual, threshold.value) => {}
            Some(actual) => out.missed.push(format!(
                "{}: {} = {}; {} requires {} {}",
                file.path,
                threshold.name,
                number(actual),
                rule.id,
                threshold.op.symbol(),
                number(threshold.value)
            )),
            None => out.absent.push(format!(
                "{}: metric `{}` is missing; {} requires {} {}",
                file.path,
                threshold.name,
                rule.id,
                threshold.op.symbol(),
                number(threshold.value)
            )),
        }
    }
    out
}

/// The evidence status of an applicable obligation, with findings.
///
/// `evidence` is the evidence counted for this profile (see [`Binding`]).
/// Files count for an obligation when they name one of its controls. A file
/// that failed, or whose metric misses one of the rule's thresholds, makes
/// the obligation `failed` (with the number and the threshold). Otherwise,
/// for each of the rule's expectations, a file of its kind must be recent
/// enough and carry the metrics the rule checks; when the only files of a
/// kind are too old, the obligation is `stale`. It is `satisfied` when the
/// files cover it (a control that covers it alone, or all of its partial
/// controls) and every expectation is met; anything less is `partial`.
pub fn obligation_status(rule: &Rule, evidence: &[&LoadedEvidence], as_of: Date) -> Judgement {
    let relevant: Vec<&LoadedEvidence> = evidence
        .iter()
        .copied()
        .filter(|e| rule.controls.iter().any(|m| e.names(&m.id)))
        .collect();
    let mut judgement = Judgement {
        status: EvidenceStatus::Missing,
        findings: Vec::new(),
        failed_files: Vec::new(),
        stale_files: Vec::new(),
    };
    if relevant.is_empty() {
        return judgement;
    }
    let mut failed = false;
    for file in &relevant {
        if let Verdict::Failed(reasons) = &file.verdict {
            failed = true;
            judgement.failed_files.push(file.sha256.clone());
            for reason in reasons {
                judgement.findings.push(format!(
                    "{} ({}) failed: {reason}",
                    file.path, file.evidence.kind
                ));
            }
        }
    }
    // Files that meet what the rule expects of their kind.
    let mut counted: Vec<&LoadedEvidence> = Vec::new();
    let mut expectations_met = true;
    let mut only_stale = false;
    let mut incomplete = Vec::new();
    for expectation in &rule.evidence {
        let candidates: Vec<&LoadedEvidence> = relevant
            .iter()
            .copied()
            .filter(|f| f.evidence.kind == expectation.kind)
            .collect();
        if candidates.is_empty() {
            expectations_met = false;
            incomplete.push(format!(
                "no {} evidence: {}",
                expectation.kind, expectation.description
            ));
            continue;
        }
        let mut met = false;
        let mut stale_here = Vec::new();
        let mut absent_here = Vec::new();
        for file in &candidates {
            let found = problems(rule, expectation, file, as_of);
            if !found.missed.is_empty() {
                failed = true;
                if !judgement.failed_files.contains(&file.sha256) {
                    judgement.failed_files.push(file.sha256.clone());
                }
                judgement.findings.extend(found.missed);
            }
            if let Some(stale) = found.stale {
                judgement.stale_files.push(file.sha256.clone());
                stale_here.push(stale);
                continue;
            }
            if !found.absent.is_empty() {
                absent_here.extend(found.absent);
                continue;
            }
            if file.verdict == Verdict::NoResult && file.evidence.kind != "document" {
                absent_here.push(format!(
                    "{} ({}) states no result",
                    file.path, file.evidence.kind
                ));
                continue;
            }
            if !file.verdict.failed() {
                met = true;
                counted.push(file);
            }
        }
        if !met {
            expectations_met = false;
            if !stale_here.is_empty() && absent_here.is_empty() {
                only_stale = true;
            }
            incomplete.extend(stale_here);
            incomplete.extend(absent_here);
        }
    }
    // Files of kinds the rule does not describe count when they did not fail.
    for file in &relevant {
        if !rule.evidence.iter().any(|e| e.kind == file.evidence.kind) && !file.verdict.failed() {
            counted.push(file);
        }
    }
    let covers = |control: &str| counted.iter().any(|f| f.names(control));
    let covered = rule
        .controls
        .iter()
        .any(|m| m.relation.covers() && covers(&m.id))
        || (!rule.controls.iter().any(|m| m.relation.covers())
            && rule.controls.iter().all(|m| covers(&m.id)));
    judgement.status = if failed {
        EvidenceStatus::Failed
    } else if covered && expectations_met {
        EvidenceStatus::Satisfied
    } else if only_stale {
        EvidenceStatus::Stale
    } else {
        EvidenceStatus::Partial
    };
    if judgement.status != EvidenceStatus::Satisfied {
        judgement.findings.extend(incomplete);
        if !covered && !failed {
            let missing: Vec<&str> = rule
                .controls
                .iter()
                .filter(|m| !covers(&m.id))
                .map(|m| m.id.as_str())
                .collect();
            judgement.findings.push(format!(
                "no counted evidence names the control{} {}",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
    }
    let mut seen = std::collections::HashSet::new();
    judgement.findings.retain(|f| seen.insert(f.clone()));
    judgement
}

/// The evidence status of a control in the plan.
///
/// `served` are the judgements of the obligations the control serves. A
/// control is `failed` when a counted file naming it failed, on its own or
/// against one of those obligations' thresholds; `stale` when every such
/// file is too old for one of them; `missing` without files; `partial` when
/// its only files state no result; `satisfied` otherwise.
pub fn control_status(
    control: &str,
    evidence: &[&LoadedEvidence],
    served: &[&Judgement],
) -> EvidenceStatus {
    let files: Vec<&LoadedEvidence> = evidence
        .iter()
        .copied()
        .filter(|e| e.names(control))
        .collect();
    if files.is_empty() {
        return EvidenceStatus::Missing;
    }
    let failed = files.iter().any(|f| {
        f.verdict.failed()
            || served
                .iter()
                .any(|j| j.failed_files.iter().any(|s| s == &f.sha256))
    });
    if failed {
        return EvidenceStatus::Failed;
    }
    let stale = files.iter().all(|f| {
        served
            .iter()
            .any(|j| j.stale_files.iter().any(|s| s == &f.sha256))
    });
    if stale {
        return EvidenceStatus::Stale;
    }
    if files
        .iter()
        .all(|f| f.verdict == Verdict::NoResult && f.evidence.kind != "document")
    {
        return EvidenceStatus::Partial;
    }
    EvidenceStatus::Satisfied
}

/// Where an assessment file's evidence statuses differ from the same
/// assessment made again (same profile, evidence, rulepacks and date):
/// one line per obligation or control, empty when they agree.
///
/// `certify` signs only what this judgement reproduces, so that a hand-edited
/// or out-of-date assessment cannot turn failed evidence into "satisfied".
pub fn disagreements(
    recorded: &accord_model::Assessment,
    recomputed: &accord_model::Assessment,
) -> Vec<String> {
    let mut out = Vec::new();
    for j in &recorded.jurisdictions {
        let again = recomputed
            .jurisdictions
            .iter()
            .find(|k| k.jurisdiction == j.jurisdiction);
        for o in &j.obligations {
            let now = again
                .and_then(|k| k.obligations.iter().find(|p| p.id == o.id))
                .map(|p| p.evidence);
            match now {
                Some(now) if now == o.evidence => {}
                Some(now) => out.push(format!(
                    "obligation `{}` ({}): the assessment says evidence {}, the evidence judged now is {}",
                    o.id,
                    j.jurisdiction,
                    o.evidence.as_str(),
                    now.as_str()
                )),
                None => out.push(format!(
                    "obligation `{}` ({}) is not in the assessment made now",
                    o.id, j.jurisdiction
                )),
            }
        }
    }
    for c in &recorded.controls {
        match recomputed.controls.iter().find(|d| d.id == c.id) {
            Some(d) if d.evidence == c.evidence => {}
            Some(d) => out.push(format!(
                "control `{}`: the assessment says evidence {}, the evidence judged now is {}",
                c.id,
                c.evidence.as_str(),
                d.evidence.as_str()
            )),
            None => out.push(format!(
                "control `{}` is not in the control plan made now",
                c.id
            )),
        }
    }
    out
}

/// A file that failed anywhere fails everything that relies on it: every
/// applicable or upcoming obligation whose controls a failed file names reads
/// `failed`, with the reason. (A file can pass its own checks and still miss
/// one rule's threshold — a corpus source above 5% harmful content — and the
/// control it evidences then failed for every duty built on it.)
pub fn fail_dependents(
    rules: &accord_rules::RuleSet,
    jurisdictions: &mut [accord_model::assessment::JurisdictionResult],
    evidence: &[&LoadedEvidence],
    judgements: &mut std::collections::HashMap<String, Judgement>,
) {
    // sha256 → why it failed (its own reasons, or the first rule it misses).
    let mut failed: Vec<(String, String)> = Vec::new();
    for j in jurisdictions.iter() {
        for o in &j.obligations {
            let Some(judgement) = judgements.get(&o.id) else {
                continue;
            };
            for sha in &judgement.failed_files {
                if failed.iter().any(|(s, _)| s == sha) {
                    continue;
                }
                let Some(file) = evidence.iter().find(|e| &e.sha256 == sha) else {
                    continue;
                };
                let reason = match &file.verdict {
                    Verdict::Failed(reasons) => reasons.join("; "),
                    _ => judgement
                        .findings
                        .iter()
                        .find(|f| f.starts_with(&format!("{}: ", file.path)))
                        .map(|f| f[file.path.len() + 2..].to_string())
                        .unwrap_or_else(|| format!("it misses a threshold of {}", o.id)),
                };
                failed.push((sha.clone(), reason));
            }
        }
    }
    if failed.is_empty() {
        return;
    }
    for j in jurisdictions.iter_mut() {
        for o in &mut j.obligations {
            if o.evidence == EvidenceStatus::Failed || o.evidence == EvidenceStatus::NotRequired {
                continue;
            }
            let Some(rule) = rules.rule(&o.id) else {
                continue;
            };
            let mut hit = Vec::new();
            for (sha, reason) in &failed {
                let Some(file) = evidence.iter().find(|e| &e.sha256 == sha) else {
                    continue;
                };
                if let Some(control) = rule.controls.iter().find(|m| file.names(&m.id)) {
                    hit.push((
                        sha.clone(),
                        format!(
                            "{} ({}) failed elsewhere, so control `{}` failed: {reason}",
                            file.path, file.evidence.kind, control.id
                        ),
                    ));
                }
            }
            if hit.is_empty() {
                continue;
            }
            o.evidence = EvidenceStatus::Failed;
            let judgement = judgements.entry(o.id.clone()).or_insert_with(|| Judgement {
                status: EvidenceStatus::Failed,
                findings: Vec::new(),
                failed_files: Vec::new(),
                stale_files: Vec::new(),
            });
            judgement.status = EvidenceStatus::Failed;
            for (sha, finding) in hit {
                if !judgement.failed_files.contains(&sha) {
                    judgement.failed_files.push(sha);
                }
                o.findings.insert(0, finding.clone());
                judgement.findings.insert(0, finding);
            }
        }
    }
}
