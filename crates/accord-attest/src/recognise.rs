//! Recognition: which of one jurisdiction's obligations a verified
//! attestation meets.
//!
//! The attested profile is assessed under the target jurisdiction's rules.
//! Each applicable obligation maps to shared controls with a NIST IR 8477
//! relation ("obligation REL control"). An obligation is
//!
//! * **recognised** when a control the issuer attests as satisfied — and is
//!   trusted for, with evidence of a trusted kind that meets the agreement's
//!   conditions — is `equal` to it or a superset of it (relation `equal` or
//!   `subset-of`);
//! * **partly recognised** when such a control only `intersects-with` it or
//!   covers part of it (`superset-of`): the rationale says what to add;
//! * **not covered** otherwise, with the reasons and the controls that would.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;

use accord_assess::crosswalk::Recognition;
use accord_assess::{Assessor, Options, ProfileInput};
use accord_model::facts::FactValue;
use accord_model::{Relation, Status, markets};
use accord_rules::RuleSet;

use crate::agreement::{Conditions, Scope};
use crate::statement::{AttestedEvidence, Predicate};

/// What the verifier trusts the issuer for; `None` parts trust everything.
#[derive(Clone, Copy, Debug, Default)]
pub struct Trusted<'a> {
    pub scope: Option<&'a Scope>,
    pub conditions: Option<&'a Conditions>,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecognitionReport {
    pub jurisdiction: String,
    pub name: Option<String>,
    /// The date the target jurisdiction's law is applied as of.
    pub as_of: String,
    /// True when the profile does not list the jurisdiction among its markets
    /// and was assessed as if placed on it.
    pub market_added: bool,
    pub classifications: Vec<TargetClassification>,
    pub obligations: Vec<RecognisedObligation>,
    pub summary: RecognitionSummary,
    /// Rulepacks the issuer used that differ from the verifier's.
    pub rulepack_differences: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TargetClassification {
    pub id: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub status: Status,
    pub citation: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct RecognitionSummary {
    pub obligations: usize,
    pub recognised: usize,
    pub partly_recognised: usize,
    pub not_covered: usize,
    /// Of the above, obligations that depend on unknown facts.
    pub undetermined: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecognisedObligation {
    pub id: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub citation: String,
    pub source: String,
    pub status: Status,
    pub applies_from: Option<String>,
    pub binding: bool,
    pub recognition: Recognition,
    /// The attested controls that count, and how.
    pub via: Vec<ViaControl>,
    /// What to add when recognition is partial or missing.
    pub supplement: Vec<String>,
    /// Why attested controls did not count.
    pub reasons: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ViaControl {
    pub control: String,
    pub title: String,
    pub title_zh: Option<String>,
    /// The obligation's relation to the control.
    pub relation: Relation,
    pub recognition: Recognition,
    /// Evidence files behind the control (names as certified).
    pub evidence: Vec<String>,
}

/// Assesses the attested profile under `jurisdiction` and marks each
/// obligation recognised, partly recognised or not covered.
pub fn recognise(
    rules: &RuleSet,
    profile: &ProfileInput,
    predicate: &Predicate,
    jurisdiction: &str,
    as_of: Date,
    now: Timestamp,
    trusted: Trusted<'_>,
) -> RecognitionReport {
    let assessor = Assessor {
        rules,
        evidence: &[],
        options: Options {
            as_of,
            jurisdictions: vec![jurisdiction.to_string()],
        },
    };
    // Recognition asks what the jurisdiction would require of this system on
    // its market: assess it as placed there even if the profile does not list it.
    let mut placed = None;
    let market_added = match rules.registry.index_of("markets") {
        Some(i) => match profile.values.get(i) {
            Some(Some(FactValue::Set(markets)))
                if !markets.iter().any(|m| {
                    markets::is_within(jurisdiction, m) || markets::is_within(m, jurisdiction)
                }) =>
            {
                let mut copy = profile.clone();
                let mut list = markets.clone();
                list.push(jurisdiction.to_string());
                copy.values[i] = Some(FactValue::Set(list));
                placed = Some(copy);
                true
            }
            _ => false,
        },
        None => false,
    };
    let assessment = assessor.assess(placed.as_ref().unwrap_or(profile));
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let mut classifications = Vec::new();
    let mut obligations = Vec::new();
    let mut name = None;
    for j in &assessment.jurisdictions {
        if name.is_none() && j.jurisdiction == jurisdiction {
            name.clone_from(&j.name);
        }
        for c in &j.classifications {
            if c.status == Status::NotApplicable {
                continue;
            }
            classifications.push(TargetClassification {
                id: c.id.clone(),
                title: c.title.clone(),
                title_zh: c.title_zh.clone(),
                status: c.status,
                citation: c.citation.clone(),
            });
        }
        for o in &j.obligations {
            if o.status == Status::NotApplicable {
                continue;
            }
            let Some(rule) = rules.rule(&o.id) else {
                continue;
            };
            let mut via = Vec::new();
            let mut supplement = Vec::new();
            let mut reasons = Vec::new();
            for mapping in &rule.controls {
                let title = control_title(rules, &mapping.id);
                let Some(control) = predicate.controls.iter().find(|c| c.id == mapping.id) else {
                    continue;
                };
                if matches!(
                    control.evidence,
                    accord_model::EvidenceStatus::Partial
                        | accord_model::EvidenceStatus::Failed
                        | accord_model::EvidenceStatus::Stale
                ) {
                    reasons.push(format!(
                        "control `{}` is attested as {}, not satisfied",
                        mapping.id,
                        evidence_word(control.evidence)
                    ));
                }
                if control.evidence != accord_model::EvidenceStatus::Satisfied {
                    continue;
                }
                if let Some(scope) = trusted.scope
                    && !scope.allows_control(&mapping.id)
                {
                    reasons.push(format!(
                        "the issuer is not trusted for control `{}`",
                        mapping.id
                    ));
                    continue;
                }
                let files: Vec<&AttestedEvidence> = control
                    .evidence_files
                    .iter()
                    .filter_map(|f| predicate.evidence_by_sha256(f))
                    .collect();
                let mut usable = Vec::new();
                for e in files {
                    match evidence_problem(e, rule, trusted, today) {
                        None => usable.push(e.name.clone()),
                        Some(problem) => {
                            reasons.push(format!("control `{}`: {problem}", mapping.id))
                        }
                    }
                }
                if usable.is_empty() {
                    if control.evidence_files.is_empty() {
                        reasons.push(format!(
                            "control `{}` has no evidence behind it",
                            mapping.id
                        ));
                    }
                    continue;
                }
                let recognition = if mapping.relation.covers() {
                    Recognition::Full
                } else {
                    supplement.push(format!(
                        "{} ({}, {}): {}",
                        title.0,
                        mapping.id,
                        mapping.relation.as_str(),
                        mapping.rationale
                    ));
                    Recognition::Partial
                };
                via.push(ViaControl {
                    control: mapping.id.clone(),
                    title: title.0,
                    title_zh: title.1,
                    relation: mapping.relation,
                    recognition,
                    evidence: usable,
                });
            }
            let recognition = via
                .iter()
                .map(|v| v.recognition)
                .min()
                .unwrap_or(Recognition::NotCovered);
            if recognition == Recognition::Full {
                supplement.clear();
            } else {
                let covering: Vec<String> = rule
                    .controls
                    .iter()
                    .filter(|m| m.relation.covers())
                    .map(|m| format!("`{}` ({})", m.id, control_title(rules, &m.id).0))
                    .collect();
                if rule.controls.is_empty() {
                    supplement
                        .push("no shared control maps to this obligation: meet it directly".into());
                } else if !covering.is_empty() {
                    supplement.push(format!(
                        "evidence for {} would meet it in full",
                        covering.join(" or ")
                    ));
                } else if recognition == Recognition::NotCovered {
                    // Only partial controls map to it: name them, with what each leaves out.
                    for m in &rule.controls {
                        supplement.push(format!(
                            "evidence for `{}` ({}) would meet it in part ({}): {}",
                            m.id,
                            control_title(rules, &m.id).0,
                            m.relation.as_str(),
                            m.rationale
                        ));
                    }
                }
            }
            obligations.push(RecognisedObligation {
                id: o.id.clone(),
                title: o.title.clone(),
                title_zh: o.title_zh.clone(),
                citation: o.citation.clone(),
                source: o.source.clone(),
                status: o.status,
                applies_from: o.applies_from.clone(),
                binding: o.binding,
                recognition,
                via,
                supplement,
                reasons,
            });
        }
    }
    obligations.sort_by(|a, b| {
        a.recognition
            .cmp(&b.recognition)
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut summary = RecognitionSummary {
        obligations: obligations.len(),
        ..RecognitionSummary::default()
    };
    for o in &obligations {
        match o.recognition {
            Recognition::Full => summary.recognised += 1,
            Recognition::Partial => summary.partly_recognised += 1,
            Recognition::NotCovered => summary.not_covered += 1,
        }
        if o.status == Status::Undetermined {
            summary.undetermined += 1;
        }
    }
    let mut rulepack_differences = Vec::new();
    for p in &predicate.rulepacks {
        match rules.packs.iter().find(|q| q.id == p.id) {
            Some(q) if q.digest == p.digest => {}
            Some(q) => rulepack_differences.push(format!(
                "the issuer assessed with {} {}; this verifier has {} {}",
                p.id, p.version, q.id, q.version
            )),
            None => rulepack_differences.push(format!(
                "the issuer used rulepack {} {}, which this verifier does not have",
                p.id, p.version
            )),
        }
    }
    RecognitionReport {
        jurisdiction: jurisdiction.to_string(),
        name,
        as_of: as_of.to_string(),
        classifications,
        obligations,
        market_added,
        summary,
        rulepack_differences,
    }
}

fn control_title(rules: &RuleSet, id: &str) -> (String, Option<String>) {
    rules
        .catalogue
        .controls
        .iter()
        .find(|c| c.id == id)
        .map(|c| (c.title.clone(), c.title_zh.clone()))
        .unwrap_or_else(|| (id.to_string(), None))
}

fn evidence_word(status: accord_model::EvidenceStatus) -> &'static str {
    match status {
        accord_model::EvidenceStatus::NotRequired => "not required",
        other => other.as_str(),
    }
}

/// Why a piece of evidence does not count here, if it does not.
fn evidence_problem(
    e: &AttestedEvidence,
    rule: &accord_rules::Rule,
    trusted: Trusted<'_>,
    today: Date,
) -> Option<String> {
    if let Some(scope) = trusted.scope
        && !scope.allows_evidence_kind(&e.kind)
    {
        return Some(format!(
            "evidence `{}` is a {}, which the issuer is not trusted to produce",
            e.name, e.kind
        ));
    }
    let conditions = trusted.conditions;
    // A failed test never counts, whatever the agreement says.
    if e.passed == Some(false) {
        return Some(format!("evidence `{}` did not pass", e.name));
    }
    if conditions.is_some_and(|c| c.evidence_must_pass) && e.passed != Some(true) {
        return Some(format!(
            "evidence `{}` did not pass its own thresholds",
            e.name
        ));
    }
    let produced = e
        .produced_at
        .get(..10)
        .and_then(|d| accord_model::facts::parse_date(d).ok());
    let Some(produced) = produced else {
        return Some(format!(
            "evidence `{}` has no readable production date",
            e.name
        ));
    };
    let age = (today - produced).get_days();
    if let Some(max) = conditions.and_then(|c| c.evidence_max_age_days)
        && age > i32::try_from(max).unwrap_or(i32::MAX)
    {
        return Some(format!(
            "evidence `{}` was produced on {produced}, {age} days ago; the agreement accepts at most {max}",
            e.name
        ));
    }
    for expectation in rule.evidence.iter().filter(|x| x.kind == e.kind) {
        if let Some(max) = expectation.max_age_days
            && age > i32::try_from(max).unwrap_or(i32::MAX)
        {
            return Some(format!(
                "evidence `{}` is {age} days old; {} ({}) accepts {} at most {max} days old",
                e.name, rule.id, rule.citation, e.kind
            ));
        }
    }
    None
}
