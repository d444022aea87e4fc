//! Profile + rulepacks + evidence → [`Assessment`].
//!
//! [`Assessor`] evaluates a [`RuleSet`] for one profile and assembles the
//! `assessment/v1` object: per jurisdiction the classifications, obligations,
//! exemptions and open questions; across jurisdictions the consolidated
//! control plan ([`plan`]). [`crosswalk`] compares two jurisdictions through
//! the shared controls; [`conformance`] runs the rulepacks' YAML test cases.

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod conformance;
pub mod crosswalk;
pub mod evidence;
pub mod plan;

use std::collections::HashMap;

use jiff::civil::Date;
use sha2::{Digest, Sha256};

use accord_model::assessment::{
    ClassificationResult, EvidenceStatus, ExemptionResult, JurisdictionResult, ObligationResult,
    PackRef, ProfileRef, Question, Summary,
};
use accord_model::doc::{Diagnostic, Document};
use accord_model::facts::FactValue;
use accord_model::{Assessment, Status, markets};
use accord_rules::{RuleKind, RuleSet, Truth};

pub use evidence::{Binding, LoadedEvidence, ProfileIdentity, Verdict};

/// A profile read and checked against the fact registry.
#[derive(Clone, Debug)]
pub struct ProfileInput {
    pub name: String,
    pub version: Option<String>,
    pub path: Option<String>,
    /// `sha256:` of the file's bytes.
    pub digest: String,
    /// Fact values in registry order; `None` is unknown.
    pub values: Vec<Option<FactValue>>,
    pub document: Document,
}

impl ProfileInput {
    /// Parses and checks a profile. `path` is used in messages and reports.
    pub fn parse(text: &str, path: &str, rules: &RuleSet) -> Result<ProfileInput, Vec<Diagnostic>> {
        let document = Document::parse(text, path).map_err(|d| vec![d])?;
        Self::from_document(document, text.as_bytes(), rules)
    }

    pub fn from_document(
        document: Document,
        bytes: &[u8],
        rules: &RuleSet,
    ) -> Result<ProfileInput, Vec<Diagnostic>> {
        let (profile, values) = rules.registry.read_profile(&document)?;
        Ok(ProfileInput {
            name: profile.name,
            version: profile.version,
            path: Some(document.file.clone()),
            digest: sha256_digest(bytes),
            values,
            document,
        })
    }

    /// Name, version and digest, as evidence subjects are matched against them.
    pub fn identity(&self) -> ProfileIdentity<'_> {
        ProfileIdentity {
            name: &self.name,
            version: self.version.as_deref(),
            digest: &self.digest,
        }
    }

    /// The value of a fact by id.
    pub fn fact(&self, rules: &RuleSet, id: &str) -> Option<&FactValue> {
        rules
            .registry
            .index_of(id)
            .and_then(|i| self.values.get(i))
            .and_then(Option::as_ref)
    }
}

pub fn sha256_digest(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("sha256:{}", accord_rules::pack::hex(&digest))
}

/// What to assess and how.
#[derive(Clone, Debug)]
pub struct Options {
    pub as_of: Date,
    /// Keep only jurisdictions within these (`US` keeps `US-CA`); empty keeps all.
    pub jurisdictions: Vec<String>,
}

/// Assesses profiles against one rule set.
pub struct Assessor<'a> {
    pub rules: &'a RuleSet,
    pub evidence: &'a [LoadedEvidence],
    pub options: Options,
}

fn rank(status: Status) -> u8 {
    match status {
        Status::Applies => 0,
        Status::Upcoming => 1,
        Status::Undetermined => 2,
        Status::NotApplicable => 3,
    }
}

impl Assessor<'_> {
    pub fn assess(&self, input: &ProfileInput) -> Assessment {
        let rules = self.rules;
        let as_of = self.options.as_of;
        let facts = rules.facts(&input.values);
        let evaluation = rules.evaluate(&facts, as_of);

        // Status of every rule, with the unknown facts behind undetermined ones.
        let mut statuses = Vec::with_capacity(rules.rules.len());
        for r in 0..rules.rules.len() {
            let (status, from, date_unknowns) = rules.status(r, &facts, &evaluation, as_of);
            let unknowns = match status {
                Status::Undetermined if evaluation.truth(r) == Truth::Unknown => {
                    rules.unknown_facts(r, &facts, &evaluation)
                }
                Status::Undetermined => date_unknowns,
                _ => Vec::new(),
            };
            statuses.push((status, from, unknowns));
        }

        // Evidence about another system is not counted (docs/evidence.md, `subject`).
        let identity = input.identity();
        let bindings: Vec<Binding> = self.evidence.iter().map(|e| e.binding(identity)).collect();
        let counted: Vec<&LoadedEvidence> = self
            .evidence
            .iter()
            .zip(&bindings)
            .filter(|(_, b)| !matches!(b, Binding::Other(_)))
            .map(|(e, _)| e)
            .collect();
        let mut judgements: HashMap<String, evidence::Judgement> = HashMap::new();

        let market_list = match input.fact(rules, "markets") {
            Some(FactValue::Set(list)) => Some(list.clone()),
            _ => None,
        };
        let mut jurisdictions = Vec::new();
        for (j, jurisdiction) in rules.jurisdictions.iter().enumerate() {
            let relevant = match &market_list {
                None => true,
                Some(list) => list.iter().any(|m| markets::is_within(m, jurisdiction)),
            };
            let wanted = self.options.jurisdictions.is_empty()
                || self
                    .options
                    .jurisdictions
                    .iter()
                    .any(|j| markets::is_within(jurisdiction, j));
            if !relevant || !wanted {
                continue;
            }
            let result =
                self.jurisdiction(j, &facts, &evaluation, &statuses, &counted, &mut judgements);
            // A jurisdiction where nothing applies, is upcoming or is in doubt has nothing to say.
            if !(result.classifications.is_empty()
                && result.obligations.is_empty()
                && result.exemptions.is_empty()
                && result.questions.is_empty())
            {
                jurisdictions.push(result);
            }
        }

        evidence::fail_dependents(rules, &mut jurisdictions, &counted, &mut judgements);
        let obligations: Vec<&ObligationResult> = jurisdictions
            .iter()
            .flat_map(|j| j.obligations.iter())
            .collect();
        let controls = plan::plan(rules, &jurisdictions, &counted, &judgements);
        let summary = Summary {
            prohibited: jurisdictions
                .iter()
                .flat_map(|j| &j.classifications)
                .any(|c| c.effect.as_deref() == Some("prohibited") && c.status == Status::Applies),
            obligations_applicable: obligations
                .iter()
                .filter(|o| o.status == Status::Applies)
                .count(),
            obligations_upcoming: obligations
                .iter()
                .filter(|o| o.status == Status::Upcoming)
                .count(),
            obligations_undetermined: obligations
                .iter()
                .filter(|o| o.status == Status::Undetermined)
                .count(),
            controls: controls.len(),
            questions: {
                let mut facts: Vec<&str> = jurisdictions
                    .iter()
                    .flat_map(|j| j.questions.iter().map(|q| q.fact.as_str()))
                    .collect();
                facts.sort_unstable();
                facts.dedup();
                facts.len()
            },
            gaps: obligations
                .iter()
                .filter(|o| {
                    o.binding
                        && o.status == Status::Applies
                        && o.evidence != EvidenceStatus::Satisfied
                })
                .count(),
            evidence_failed: obligations
                .iter()
                .filter(|o| o.evidence == EvidenceStatus::Failed)
                .count(),
        };
        Assessment {
            accord: "assessment/v1".to_string(),
            as_of: as_of.to_string(),
            profile: ProfileRef {
                name: input.name.clone(),
                version: input.version.clone(),
                digest: input.digest.clone(),
                path: input.path.clone(),
            },
            rulepacks: rules
                .packs
                .iter()
                .map(|p| PackRef {
                    id: p.id.clone(),
                    version: p.version.clone(),
                    digest: p.digest.clone(),
                    builtin: Some(p.builtin),
                })
                .collect(),
            jurisdictions,
            controls,
            evidence: self
                .evidence
                .iter()
                .zip(&bindings)
                .map(|(e, b)| e.reference(b))
                .collect(),
            summary,
        }
    }

    fn because(
        &self,
        r: usize,
        facts: &accord_rules::Facts,
        evaluation: &accord_rules::Evaluation,
        status: Status,
    ) -> Vec<String> {
        let rule = &self.rules.rules[r];
        let mut out = Vec::new();
        if let Some(text) = &rule.because {
            out.push(text.clone());
        }
        match status {
            Status::Applies | Status::Upcoming => {
                out.extend(self.rules.explain(r, facts, evaluation, true))
            }
            Status::NotApplicable => out.extend(self.rules.explain(r, facts, evaluation, false)),
            Status::Undetermined => {}
        }
        out
    }

    fn jurisdiction(
        &self,
        j: usize,
        facts: &accord_rules::Facts,
        evaluation: &accord_rules::Evaluation,
        statuses: &[(Status, Option<Date>, Vec<usize>)],
        counted: &[&LoadedEvidence],
        judgements: &mut HashMap<String, evidence::Judgement>,
    ) -> JurisdictionResult {
        let rules = self.rules;
        let group = &rules.by_jurisdiction[j];
        let jurisdiction = rules.jurisdictions[j].as_str();
        let mut classifications: Vec<ClassificationResult> = Vec::new();
        let mut obligations = Vec::new();
        let mut exemptions = Vec::new();
        let mut questions: Vec<Question> = Vec::new();
        let mut ask = |unknowns: &[usize], decides: &str| {
            for &fact in unknowns {
                let def = &rules.registry.facts()[fact];
                match questions.iter_mut().find(|q| q.fact == def.id) {
                    Some(q) => {
                        if !q.decides.iter().any(|d| d == decides) {
                            q.decides.push(decides.to_string());
                        }
                    }
                    None => questions.push(Question {
                        fact: def.id.clone(),
                        question: def.question.clone(),
                        question_zh: def.question_zh.clone(),
                        decides: vec![decides.to_string()],
                    }),
                }
            }
        };

        // Classifications, merged over the rules that produce each id.
        for (class, producers) in &group.classifications {
            let best = producers
                .iter()
                .map(|&p| statuses[p].0)
                .min_by_key(|s| rank(*s))
                .unwrap_or(Status::NotApplicable);
            if best == Status::NotApplicable {
                continue;
            }
            if best == Status::Undetermined {
                for &p in producers {
                    if statuses[p].0 == Status::Undetermined {
                        ask(&statuses[p].2, class);
                    }
                }
            }
            let winners: Vec<usize> = producers
                .iter()
                .copied()
                .filter(|&p| statuses[p].0 == best)
                .collect();
            let first = &rules.rules[winners[0]];
            let mut because = Vec::new();
            for &w in &winners {
                for line in self.because(w, facts, evaluation, best) {
                    if !because.contains(&line) {
                        because.push(line);
                    }
                }
            }
            let applies_from = winners.iter().filter_map(|&w| statuses[w].1).min();
            let mut citations: Vec<&str> = winners
                .iter()
                .map(|&w| rules.rules[w].citation.as_str())
                .collect();
            citations.dedup();
            classifications.push(ClassificationResult {
                id: class.clone(),
                status: best,
                applies_from: applies_from.map(|d| d.to_string()),
                citation: citations.join("; "),
                because,
                rules: winners.iter().map(|&w| rules.rules[w].id.clone()).collect(),
                title: first.title.clone(),
                title_zh: first.title_zh.clone(),
                effect: winners.iter().find_map(|&w| rules.rules[w].effect.clone()),
                source: first.source.clone(),
                verification: if winners.iter().all(|&w| {
                    rules.rules[w].verification == accord_rules::pack::Verification::Verified
                }) {
                    "verified".into()
                } else {
                    "to-verify".into()
                },
            });
        }

        for &r in &group.rules {
            let rule = &rules.rules[r];
            let (status, from, unknowns) = &statuses[r];
            match rule.kind {
                RuleKind::Obligation if *status != Status::NotApplicable => {
                    if *status == Status::Undetermined {
                        ask(unknowns, &rule.id);
                    }
                    let (evidence, findings) =
                        if matches!(status, Status::Applies | Status::Upcoming) {
                            let judgement =
                                evidence::obligation_status(rule, counted, self.options.as_of);
                            let out = (judgement.status, judgement.findings.clone());
                            judgements.insert(rule.id.clone(), judgement);
                            out
                        } else {
                            (EvidenceStatus::NotRequired, Vec::new())
                        };
                    obligations.push(ObligationResult {
                        id: rule.id.clone(),
                        title: rule.title.clone(),
                        title_zh: rule.title_zh.clone(),
                        citation: rule.citation.clone(),
                        status: *status,
                        applies_from: from.map(|d| d.to_string()),
                        applies_until: rule.applies_until.map(|d| d.to_string()),
                        controls: rule.controls.iter().map(|c| c.id.clone()).collect(),
                        evidence,
                        binds: rule.binds.clone(),
                        because: self.because(r, facts, evaluation, *status),
                        deadline: rule.deadline.clone(),
                        source: rule.source.clone(),
                        verification: rule.verification.as_str().to_string(),
                        findings,
                        binding: rule.instrument.status
                            != accord_rules::pack::InstrumentStatus::Guidance,
                    });
                }
                RuleKind::Exemption if *status != Status::NotApplicable => {
                    if *status == Status::Undetermined {
                        ask(unknowns, &rule.id);
                    }
                    exemptions.push(ExemptionResult {
                        id: rule.id.clone(),
                        title: rule.title.clone(),
                        citation: rule.citation.clone(),
                        status: *status,
                        because: self.because(r, facts, evaluation, *status),
                        exempts: rule
                            .exempts
                            .iter()
                            .map(|&t| rules.rules[t].id.clone())
                            .collect(),
                        source: rule.source.clone(),
                        verification: rule.verification.as_str().to_string(),
                    });
                }
                _ => {}
            }
        }
        JurisdictionResult {
            jurisdiction: jurisdiction.to_string(),
            name: group.name.clone(),
            classifications,
            obligations,
            exemptions,
            questions,
        }
    }
}

/// Counts of outcomes across several assessments, for summaries.
pub fn status_counts(assessment: &Assessment) -> HashMap<Status, usize> {
    let mut counts = HashMap::new();
    for j in &assessment.jurisdictions {
        for o in &j.obligations {
            *counts.entry(o.status).or_default() += 1;
        }
    }
    counts
}
