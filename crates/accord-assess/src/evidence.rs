//! Evidence files (`evidence/v1`) and how they mark obligations and controls.
//!
//! An evidence file names the controls it is for. For an obligation mapped to
//! one of them, the file counts when it passed, is not older than the
//! obligation's `max_age_days`, and its metrics meet the obligation's
//! thresholds; otherwise the obligation is `partial` and the reason becomes a
//! finding.

use jiff::civil::Date;

use accord_model::EvidenceStatus;
use accord_model::assessment::{Evidence, EvidenceRef};
use accord_model::doc::{Diagnostic, Document};
use accord_rules::Rule;
use accord_rules::pack::EvidenceExpectation;

/// An evidence file, read and checked.
#[derive(Clone, Debug)]
pub struct LoadedEvidence {
    pub path: String,
    pub sha256: String,
    pub evidence: Evidence,
    pub produced: Date,
}

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
        let digest = super::sha256_digest(text.as_bytes());
        Ok(LoadedEvidence {
            path: path.to_string(),
            sha256: digest.trim_start_matches("sha256:").to_string(),
            evidence,
            produced,
        })
    }

    pub fn reference(&self) -> EvidenceRef {
        EvidenceRef {
            path: self.path.clone(),
            kind: self.evidence.kind.clone(),
            sha256: self.sha256.clone(),
            passed: self.evidence.passed,
            controls: self.evidence.controls.clone(),
        }
    }

    fn metric(&self, name: &str) -> Option<f64> {
        let metrics = &self.evidence.metrics;
        metrics
            .get(name)
            .and_then(serde_json::Value::as_f64)
            .or_else(|| metrics.pointer(name).and_then(serde_json::Value::as_f64))
    }
}

/// Checks one evidence file against one expectation (age and thresholds); the problems found.
fn problems(
    rule: &Rule,
    expectation: &EvidenceExpectation,
    file: &LoadedEvidence,
    as_of: Date,
) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(max) = expectation.max_age_days {
        let age = (as_of - file.produced).get_days();
        if age > i32::try_from(max).unwrap_or(i32::MAX) {
            out.push(format!(
                "{} was produced on {}, {age} days before {as_of}; {} accepts at most {max} days",
                file.path, file.produced, rule.id
            ));
        }
    }
    for threshold in &expectation.thresholds {
        match file.metric(&threshold.name) {
            Some(actual) if threshold.op.holds(actual, threshold.value) => {}
            Some(actual) => out.push(format!(
                "{}: {} = {actual}, {} requires {} {}",
                file.path,
                threshold.name,
                rule.id,
                threshold.op.symbol(),
                threshold.value
            )),
            None => out.push(format!(
                "{}: metric `{}` is missing; {} requires {} {}",
                file.path,
                threshold.name,
                rule.id,
                threshold.op.symbol(),
                threshold.value
            )),
        }
    }
    out
}

/// The evidence status of an applicable obligation, with findings.
///
/// Files count for an obligation when they name one of its controls. The
/// rule's own expectations decide: an expectation with thresholds or a
/// maximum age is met by a file of its kind that meets them, whatever the
/// file's overall verdict (LL144 sets no pass/fail level, so an audit that
/// fails the four-fifths screen still evidences the NYC audit); an
/// expectation without them needs a file of its kind that passed. The
/// obligation is satisfied when the counted files cover it (a control that
/// covers it alone, or all of its partial controls) and every expectation is
/// met; anything less is partial, with the reasons as findings.
pub fn obligation_status(
    rule: &Rule,
    evidence: &[LoadedEvidence],
    as_of: Date,
) -> (EvidenceStatus, Vec<String>) {
    let relevant: Vec<&LoadedEvidence> = evidence
        .iter()
        .filter(|e| {
            e.evidence
                .controls
                .iter()
                .any(|c| rule.controls.iter().any(|m| &m.id == c))
        })
        .collect();
    if relevant.is_empty() {
        return (EvidenceStatus::Missing, Vec::new());
    }
    let mut findings = Vec::new();
    let mut counted: Vec<&LoadedEvidence> = Vec::new();
    let mut expectations_met = true;
    for expectation in &rule.evidence {
        let judged_by_rule =
            expectation.max_age_days.is_some() || !expectation.thresholds.is_empty();
        let candidates: Vec<&LoadedEvidence> = relevant
            .iter()
            .copied()
            .filter(|f| f.evidence.kind == expectation.kind)
            .collect();
        let mut problems_seen = Vec::new();
        let mut met = false;
        for file in &candidates {
            let mut found = problems(rule, expectation, file, as_of);
            if !judged_by_rule && file.evidence.passed == Some(false) {
                found.push(format!(
                    "{} ({}) did not pass",
                    file.path, file.evidence.kind
                ));
            }
            if found.is_empty() {
                met = true;
                counted.push(file);
            } else {
                problems_seen.extend(found);
            }
        }
        if candidates.is_empty() {
            findings.push(format!(
                "no {} evidence: {}",
                expectation.kind, expectation.description
            ));
        }
        if !met {
            expectations_met = false;
            findings.extend(problems_seen);
        }
    }
    // Files of kinds the rule does not describe count when they passed.
    for file in &relevant {
        if !rule.evidence.iter().any(|e| e.kind == file.evidence.kind) {
            if file.evidence.passed == Some(false) {
                findings.push(format!(
                    "{} ({}) did not pass",
                    file.path, file.evidence.kind
                ));
            } else {
                counted.push(file);
            }
        }
    }
    let covers = |control: &str| {
        counted
            .iter()
            .any(|f| f.evidence.controls.iter().any(|c| c == control))
    };
    let covered = rule
        .controls
        .iter()
        .any(|m| m.relation.covers() && covers(&m.id))
        || (!rule.controls.iter().any(|m| m.relation.covers())
            && rule.controls.iter().all(|m| covers(&m.id)));
    if covered && expectations_met {
        (EvidenceStatus::Satisfied, findings)
    } else {
        if !covered {
            let missing: Vec<&str> = rule
                .controls
                .iter()
                .filter(|m| !covers(&m.id))
                .map(|m| m.id.as_str())
                .collect();
            findings.push(format!(
                "no counted evidence names the control{} {}",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
        findings.dedup();
        (EvidenceStatus::Partial, findings)
    }
}

/// The evidence status of a control: satisfied when a passing file names it.
pub fn control_status(control: &str, evidence: &[LoadedEvidence]) -> EvidenceStatus {
    let files: Vec<&LoadedEvidence> = evidence
        .iter()
        .filter(|e| e.evidence.controls.iter().any(|c| c == control))
        .collect();
    if files.is_empty() {
        EvidenceStatus::Missing
    } else if files.iter().any(|f| f.evidence.passed != Some(false)) {
        EvidenceStatus::Satisfied
    } else {
        EvidenceStatus::Partial
    }
}
