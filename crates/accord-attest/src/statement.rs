//! The in-toto Statement v1 that Accord signs, and its predicate.
//!
//! `predicateType` is [`PREDICATE_TYPE`]; the predicate is documented in
//! `docs/attestations.md` and its JSON Schema is `accord schema attestation`.
//! It carries what another party needs to recognise the assessment offline:
//! who issued it and for how long it holds, the profile assessed, the
//! rulepack versions, per jurisdiction the classifications and obligation
//! statuses, and the controls satisfied with the evidence behind each.
//! Subjects bind every input by SHA-256: the profile, the assessment file,
//! every evidence file and every rulepack.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use accord_model::{Assessment, EvidenceStatus, Status};

pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";

/// The predicate type of an Accord assessment attestation.
pub const PREDICATE_TYPE: &str = "https://accord-ai.github.io/attestation/assessment/v1";

/// An in-toto Statement v1 with an Accord predicate.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub type_: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: Predicate,
}

/// An in-toto ResourceDescriptor, as far as Accord uses it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Subject {
    pub name: String,
    /// Algorithm → lowercase hex; Accord writes and checks `sha256`.
    #[serde(deserialize_with = "crate::dsse::unique_string_map")]
    pub digest: BTreeMap<String, String>,
}

impl Subject {
    pub fn sha256(&self) -> Option<&str> {
        self.digest.get("sha256").map(String::as_str)
    }
}

/// What the issuer attests (`predicateType` [`PREDICATE_TYPE`]).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Predicate {
    pub issuer: Issuer,
    /// RFC 3339, UTC.
    pub issued_at: String,
    /// RFC 3339, UTC: the attestation holds from here…
    pub valid_from: String,
    /// …until here.
    pub valid_until: String,
    /// The date the law was applied as of (YYYY-MM-DD).
    pub as_of: String,
    pub profile: AttestedProfile,
    /// `sha256:` of the assessment file (assessment/v1) that was certified.
    pub assessment_digest: String,
    pub rulepacks: Vec<AttestedPack>,
    pub jurisdictions: Vec<AttestedJurisdiction>,
    /// Every control of the plan with its evidence status.
    pub controls: Vec<AttestedControl>,
    pub evidence: Vec<AttestedEvidence>,
    pub summary: accord_model::assessment::Summary,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Issuer {
    /// Who signs: an organisation, an auditor, a conformity-assessment body.
    pub name: String,
    /// The signing key's id (lowercase hex SHA-256 of its DER SPKI).
    pub key_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttestedProfile {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sha256:` of the profile file's bytes (also a subject).
    pub digest: String,
    /// The profile's content, so that a verifier can assess it under another
    /// jurisdiction offline.
    #[serde(deserialize_with = "crate::dsse::unique_value")]
    pub document: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct AttestedPack {
    pub id: String,
    pub version: String,
    pub digest: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttestedJurisdiction {
    pub jurisdiction: String,
    pub classifications: Vec<AttestedClassification>,
    pub obligations: Vec<AttestedObligation>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttestedClassification {
    pub id: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    pub citation: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttestedObligation {
    pub id: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    pub evidence: EvidenceStatus,
    pub citation: String,
    pub controls: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttestedControl {
    pub id: String,
    pub evidence: EvidenceStatus,
    /// SHA-256 (hex) of the evidence files behind this control.
    pub evidence_files: Vec<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct AttestedEvidence {
    /// The file's name when certified.
    pub name: String,
    pub sha256: String,
    pub kind: String,
    /// RFC 3339, from the evidence file.
    pub produced_at: String,
    /// The file's result as judged when certified: `false` when it or any of
    /// its thresholds did not pass; `None` when it states no result.
    pub passed: Option<bool>,
    pub controls: Vec<String>,
    /// What the evidence says it is about; `None` when it names no system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<accord_model::assessment::EvidenceSubject>,
}

/// An evidence file handed to `certify`: its bytes' digest and content.
#[derive(Clone, Debug)]
pub struct EvidenceInput {
    pub name: String,
    pub sha256: String,
    pub kind: String,
    pub produced_at: String,
    /// The judged result ([`accord_assess::Verdict::passed`]).
    pub passed: Option<bool>,
    pub controls: Vec<String>,
    pub subject: Option<accord_model::assessment::EvidenceSubject>,
}

impl EvidenceInput {
    /// An evidence file as read and judged, under the name it is certified as.
    pub fn from_loaded(name: String, loaded: &accord_assess::LoadedEvidence) -> EvidenceInput {
        EvidenceInput {
            name,
            sha256: loaded.sha256.clone(),
            kind: loaded.evidence.kind.clone(),
            produced_at: loaded.evidence.produced_at.clone(),
            // The file's result as judged from its thresholds, not its own flag.
            passed: loaded.verdict.passed(),
            controls: loaded.evidence.controls.clone(),
            subject: loaded.evidence.subject.clone(),
        }
    }
}

/// Everything `certify` puts into a statement besides the assessment.
#[derive(Clone, Debug)]
pub struct CertifyInput<'a> {
    pub assessment: &'a Assessment,
    /// `sha256:` of the assessment file's bytes.
    pub assessment_digest: String,
    pub assessment_name: String,
    pub profile_document: serde_json::Value,
    pub evidence: Vec<EvidenceInput>,
    pub issuer: Issuer,
    pub issued_at: jiff::Timestamp,
    pub valid_until: jiff::Timestamp,
}

fn bare(digest: &str) -> String {
    digest.trim_start_matches("sha256:").to_string()
}

fn subject(name: String, sha256: &str) -> Subject {
    Subject {
        name,
        digest: BTreeMap::from([("sha256".to_string(), bare(sha256))]),
    }
}

/// Builds the statement for an assessment. The caller has checked that the
/// evidence given is exactly the evidence the assessment used.
pub fn build(input: CertifyInput<'_>) -> Statement {
    let a = input.assessment;
    let mut subjects = Vec::new();
    let profile_name = a
        .profile
        .path
        .as_deref()
        .map(file_name)
        .unwrap_or_else(|| a.profile.name.clone());
    subjects.push(subject(
        format!("profile:{profile_name}"),
        &a.profile.digest,
    ));
    subjects.push(subject(
        format!("assessment:{}", input.assessment_name),
        &input.assessment_digest,
    ));
    for e in &input.evidence {
        subjects.push(subject(format!("evidence:{}", e.name), &e.sha256));
    }
    for p in &a.rulepacks {
        subjects.push(subject(
            format!("rulepack:{}@{}", p.id, p.version),
            &p.digest,
        ));
    }

    let controls = a
        .controls
        .iter()
        .map(|c| AttestedControl {
            id: c.id.clone(),
            evidence: c.evidence,
            evidence_files: input
                .evidence
                .iter()
                .filter(|e| e.controls.contains(&c.id))
                .map(|e| e.sha256.clone())
                .collect(),
        })
        .collect();
    let jurisdictions = a
        .jurisdictions
        .iter()
        .map(|j| AttestedJurisdiction {
            jurisdiction: j.jurisdiction.clone(),
            classifications: j
                .classifications
                .iter()
                .map(|c| AttestedClassification {
                    id: c.id.clone(),
                    status: c.status,
                    applies_from: c.applies_from.clone(),
                    citation: c.citation.clone(),
                })
                .collect(),
            obligations: j
                .obligations
                .iter()
                .filter(|o| o.status != Status::NotApplicable)
                .map(|o| AttestedObligation {
                    id: o.id.clone(),
                    status: o.status,
                    applies_from: o.applies_from.clone(),
                    evidence: o.evidence,
                    citation: o.citation.clone(),
                    controls: o.controls.clone(),
                })
                .collect(),
        })
        .collect();
    let predicate = Predicate {
        issuer: input.issuer,
        issued_at: input.issued_at.to_string(),
        valid_from: input.issued_at.to_string(),
        valid_until: input.valid_until.to_string(),
        as_of: a.as_of.clone(),
        profile: AttestedProfile {
            name: a.profile.name.clone(),
            version: a.profile.version.clone(),
            digest: a.profile.digest.clone(),
            document: input.profile_document,
        },
        assessment_digest: input.assessment_digest.clone(),
        rulepacks: a
            .rulepacks
            .iter()
            .map(|p| AttestedPack {
                id: p.id.clone(),
                version: p.version.clone(),
                digest: p.digest.clone(),
            })
            .collect(),
        jurisdictions,
        controls,
        evidence: input
            .evidence
            .iter()
            .map(|e| AttestedEvidence {
                name: e.name.clone(),
                sha256: e.sha256.clone(),
                kind: e.kind.clone(),
                produced_at: e.produced_at.clone(),
                passed: e.passed,
                controls: e.controls.clone(),
                subject: e.subject.clone(),
            })
            .collect(),
        summary: a.summary.clone(),
    };
    Statement {
        type_: STATEMENT_TYPE.to_string(),
        subject: subjects,
        predicate_type: PREDICATE_TYPE.to_string(),
        predicate,
    }
}

fn file_name(path: &str) -> String {
    path.rsplit(['/', '\\']).next().unwrap_or(path).to_string()
}

impl Predicate {
    /// Controls whose evidence the issuer attests as satisfied.
    pub fn satisfied_controls(&self) -> impl Iterator<Item = &AttestedControl> {
        self.controls
            .iter()
            .filter(|c| c.evidence == EvidenceStatus::Satisfied)
    }

    pub fn evidence_by_sha256(&self, sha256: &str) -> Option<&AttestedEvidence> {
        self.evidence.iter().find(|e| e.sha256 == sha256)
    }
}
