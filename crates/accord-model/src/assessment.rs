//! The assessment, `assessment/v1` (docs/outputs.md), and evidence, `evidence/v1` (docs/evidence.md).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where an outcome stands on the assessment date.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In force on `as_of`.
    Applies,
    /// Will apply later; `applies_from` says when.
    Upcoming,
    /// Depends on unknown facts; `questions` says which.
    Undetermined,
    NotApplicable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Applies => "applies",
            Status::Upcoming => "upcoming",
            Status::Undetermined => "undetermined",
            Status::NotApplicable => "not-applicable",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        match text {
            "applies" => Some(Status::Applies),
            "upcoming" => Some(Status::Upcoming),
            "undetermined" => Some(Status::Undetermined),
            "not-applicable" => Some(Status::NotApplicable),
            _ => None,
        }
    }
}

/// What evidence there is for an obligation or control.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceStatus {
    /// Counted evidence covers it and meets every threshold and age limit.
    Satisfied,
    /// Counted evidence failed: a test's own threshold, or the rule's, was not met.
    Failed,
    /// Some evidence, but not enough: a control or a metric is missing.
    Partial,
    /// No counted evidence names any of its controls.
    Missing,
    /// The only evidence is older than the rule accepts.
    Stale,
    NotRequired,
}

impl EvidenceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EvidenceStatus::Satisfied => "satisfied",
            EvidenceStatus::Failed => "failed",
            EvidenceStatus::Partial => "partial",
            EvidenceStatus::Missing => "missing",
            EvidenceStatus::Stale => "stale",
            EvidenceStatus::NotRequired => "not-required",
        }
    }
}

/// NIST IR 8477 set-theory relationship of an obligation (focal) to a control (reference).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Relation {
    Equal,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
}

impl Relation {
    /// Whether implementing the control fully satisfies the obligation.
    pub fn covers(self) -> bool {
        matches!(self, Relation::Equal | Relation::SubsetOf)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Equal => "equal",
            Relation::SubsetOf => "subset-of",
            Relation::SupersetOf => "superset-of",
            Relation::IntersectsWith => "intersects-with",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Assessment {
    /// Always `assessment/v1`.
    pub accord: String,
    pub as_of: String,
    pub profile: ProfileRef,
    pub rulepacks: Vec<PackRef>,
    pub jurisdictions: Vec<JurisdictionResult>,
    /// The consolidated control plan: the fewest controls that cover every
    /// applicable or upcoming obligation, each with the obligations it satisfies.
    pub controls: Vec<PlannedControl>,
    /// Evidence files read with `--evidence`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<EvidenceRef>,
    pub summary: Summary,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ProfileRef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sha256:` of the profile file's bytes.
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PackRef {
    pub id: String,
    pub version: String,
    /// `sha256:` over the pack's files (path and bytes, sorted by path).
    pub digest: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub builtin: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct JurisdictionResult {
    pub jurisdiction: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub classifications: Vec<ClassificationResult>,
    pub obligations: Vec<ObligationResult>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<ExemptionResult>,
    pub questions: Vec<Question>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ClassificationResult {
    pub id: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    pub citation: String,
    pub because: Vec<String>,
    /// The rules that produced this classification.
    pub rules: Vec<String>,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_zh: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
    pub source: String,
    pub verification: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObligationResult {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_zh: Option<String>,
    pub citation: String,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_until: Option<String>,
    pub controls: Vec<String>,
    pub evidence: EvidenceStatus,
    pub binds: Vec<String>,
    pub because: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<String>,
    pub source: String,
    pub verification: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
    /// False for duties from guidance (voluntary frameworks such as NIST AI RMF):
    /// listed and planned for, but not counted as gaps.
    #[serde(default = "yes")]
    pub binding: bool,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ExemptionResult {
    pub id: String,
    pub title: String,
    pub citation: String,
    pub status: Status,
    pub because: Vec<String>,
    /// Rules turned off (applies) or put in doubt (undetermined) by this exemption.
    pub exempts: Vec<String>,
    pub source: String,
    pub verification: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Question {
    pub fact: String,
    pub question: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question_zh: Option<String>,
    /// Classification and rule ids whose outcome depends on the answer.
    pub decides: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PlannedControl {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_zh: Option<String>,
    /// Obligation ids this control satisfies in full (relation equal or subset-of).
    pub satisfies: Vec<String>,
    /// Obligation ids this control contributes to in part (superset-of, intersects-with).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contributes_to: Vec<String>,
    pub jurisdictions: Vec<String>,
    pub evidence: EvidenceStatus,
    /// The earliest date an obligation it serves applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needed_from: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceRef {
    pub path: String,
    pub kind: String,
    pub sha256: String,
    /// The file's result as judged from what it says: `false` when the file
    /// or any of its thresholds did not pass, whatever its own `passed` flag;
    /// `None` for a file that states no result (a `document`).
    pub passed: Option<bool>,
    pub controls: Vec<String>,
    /// What the file says it is about (`subject`), when it says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<EvidenceSubject>,
    /// Whether it was counted for this profile: `false` for evidence about
    /// another system (the reason is in `notes`).
    #[serde(default = "yes")]
    pub counted: bool,
    /// Why it failed (each threshold missed, with its number), why it was not
    /// counted, or that it is not bound to a system.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    pub prohibited: bool,
    pub obligations_applicable: usize,
    pub obligations_upcoming: usize,
    pub obligations_undetermined: usize,
    pub controls: usize,
    pub questions: usize,
    /// Binding obligations that apply and lack satisfying evidence.
    pub gaps: usize,
    /// Applicable or upcoming obligations whose evidence failed.
    #[serde(default)]
    pub evidence_failed: usize,
}

/// An evidence file, `evidence/v1` (docs/evidence.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Evidence {
    /// Always `evidence/v1`.
    pub accord: String,
    /// fairness-audit | pii-scan | keyword-scan | llm-safety-eval | provenance-check | document
    pub kind: String,
    /// RFC 3339 timestamp.
    pub produced_at: String,
    #[serde(default)]
    pub tool: Option<serde_json::Value>,
    #[serde(default)]
    pub inputs: Vec<serde_json::Value>,
    /// Control ids this evidence is for.
    #[serde(default)]
    pub controls: Vec<String>,
    #[serde(default)]
    pub metrics: serde_json::Value,
    #[serde(default)]
    pub thresholds: Vec<serde_json::Value>,
    pub passed: Option<bool>,
    /// The system this evidence is about (`--subject PROFILE`); `None` when
    /// it was produced without naming one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<EvidenceSubject>,
}

/// What an evidence file is about (docs/evidence.md, "What a file is about"): a system, by its
/// profile's name, version and digest, and optionally the model and dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EvidenceSubject {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `sha256:` of the profile file's bytes, as in an assessment's `profile.digest`.
    pub profile_digest: String,
    /// `sha256:` of the model artefact tested, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_digest: Option<String>,
    /// `sha256:` of the dataset tested, when stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_digest: Option<String>,
}
