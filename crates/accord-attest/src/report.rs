//! `verification/v1`: what `accord verify --format json` prints, and what the
//! text and HTML views render.

use serde::Serialize;

use crate::Rejection;
use crate::recognise::RecognitionReport;
use crate::statement::{AttestedControl, AttestedEvidence, AttestedJurisdiction, Subject};
use crate::verify::{Check, Outcome, Trust};

#[derive(Clone, Debug, Serialize)]
pub struct VerificationReport {
    /// Always `verification/v1`.
    pub accord: &'static str,
    /// The attestation file verified.
    pub file: String,
    pub verified: bool,
    /// RFC 3339: the moment the validity window was checked against.
    pub verified_at: String,
    pub rejection: Option<Rejection>,
    pub checks: Vec<Check>,
    pub trust: TrustSummary,
    /// Present once the signature verified.
    pub attestation: Option<AttestationSummary>,
    /// Present with `--as` when the attestation verified.
    pub recognition: Option<RecognitionReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TrustSummary {
    /// `key` or `agreement`.
    pub kind: &'static str,
    /// With `--key`: the key's id.
    pub key_id: Option<String>,
    pub agreement: Option<AgreementSummary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AgreementSummary {
    pub id: String,
    pub title: String,
    pub title_zh: Option<String>,
    pub path: String,
    pub valid_from: String,
    pub valid_until: String,
    pub parties: Vec<PartySummary>,
}

#[derive(Clone, Debug, Serialize)]
pub struct PartySummary {
    pub id: String,
    pub name: String,
    pub name_zh: Option<String>,
    pub jurisdiction: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct AttestationSummary {
    pub issuer: String,
    pub key_id: String,
    /// The agreement's entry for the issuer, when verified under one.
    pub agreement_issuer: Option<IssuerSummary>,
    pub profile: String,
    pub profile_version: Option<String>,
    pub profile_digest: String,
    pub as_of: String,
    pub issued_at: String,
    pub valid_from: String,
    pub valid_until: String,
    pub subjects: Vec<Subject>,
    pub jurisdictions: Vec<AttestedJurisdiction>,
    pub controls: Vec<AttestedControl>,
    pub evidence: Vec<AttestedEvidence>,
    pub summary: accord_model::assessment::Summary,
}

#[derive(Clone, Debug, Serialize)]
pub struct IssuerSummary {
    pub id: String,
    pub name: String,
    pub name_zh: Option<String>,
    pub accredited_by: Option<String>,
    pub scope_jurisdictions: Vec<String>,
    pub scope_controls: Vec<String>,
    pub scope_evidence_kinds: Vec<String>,
}

impl VerificationReport {
    /// Assembles the report of one verification.
    pub fn new(
        file: &str,
        trust: Trust<'_>,
        at: jiff::Timestamp,
        outcome: &Outcome,
        recognition: Option<RecognitionReport>,
    ) -> VerificationReport {
        let trust = match trust {
            Trust::Key(key) => TrustSummary {
                kind: "key",
                key_id: Some(key.id().to_string()),
                agreement: None,
            },
            Trust::Agreement(a) => TrustSummary {
                kind: "agreement",
                key_id: None,
                agreement: Some(AgreementSummary {
                    id: a.file.id.clone(),
                    title: a.file.title.clone(),
                    title_zh: a.file.title_zh.clone(),
                    path: a.path.clone(),
                    valid_from: a.valid_from.to_string(),
                    valid_until: a.valid_until.to_string(),
                    parties: a
                        .file
                        .parties
                        .iter()
                        .map(|p| PartySummary {
                            id: p.id.clone(),
                            name: p.name.clone(),
                            name_zh: p.name_zh.clone(),
                            jurisdiction: p.jurisdiction.clone(),
                        })
                        .collect(),
                }),
            },
        };
        let attestation = outcome.result.as_ref().ok().map(|v| {
            let p = &v.statement.predicate;
            AttestationSummary {
                issuer: p.issuer.name.clone(),
                key_id: v.key_id.clone(),
                agreement_issuer: v.issuer.as_ref().map(|i| IssuerSummary {
                    id: i.id.clone(),
                    name: i.name.clone(),
                    name_zh: i.name_zh.clone(),
                    accredited_by: i.accredited_by.clone(),
                    scope_jurisdictions: i.scope.jurisdictions.clone(),
                    scope_controls: i.scope.controls.clone(),
                    scope_evidence_kinds: i.scope.evidence_kinds.clone(),
                }),
                profile: p.profile.name.clone(),
                profile_version: p.profile.version.clone(),
                profile_digest: p.profile.digest.clone(),
                as_of: p.as_of.clone(),
                issued_at: p.issued_at.clone(),
                valid_from: p.valid_from.clone(),
                valid_until: p.valid_until.clone(),
                subjects: v.statement.subject.clone(),
                jurisdictions: p.jurisdictions.clone(),
                controls: p.controls.clone(),
                evidence: p.evidence.clone(),
                summary: p.summary.clone(),
            }
        });
        VerificationReport {
            accord: "verification/v1",
            file: file.to_string(),
            verified: outcome.result.is_ok(),
            verified_at: at.to_string(),
            rejection: outcome.result.as_ref().err().cloned(),
            checks: outcome.checks.clone(),
            trust,
            attestation,
            recognition,
        }
    }
}
