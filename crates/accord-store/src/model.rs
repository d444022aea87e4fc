//! Rows and requests.

use std::str::FromStr;

use serde::Serialize;
use utoipa::ToSchema;

/// What a token lets its holder do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Registers its organisation's systems and files them.
    Provider,
    /// Reviews filings for one jurisdiction.
    Reviewer,
    /// Everything, including the audit log.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Provider => "provider",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        match s {
            "provider" => Ok(Role::Provider),
            "reviewer" => Ok(Role::Reviewer),
            "admin" => Ok(Role::Admin),
            _ => Err(format!("unknown role `{s}` (provider, reviewer or admin)")),
        }
    }
}

/// A user, as authenticated by a token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub organisation_id: Option<i64>,
    pub role: Role,
    /// For reviewers: the jurisdiction they review.
    pub jurisdiction: Option<String>,
}

#[derive(Clone, Debug)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub organisation: Option<String>,
    pub jurisdiction: Option<String>,
}

/// Keyset pagination: items with ids below `before`, at most `limit`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Page {
    pub limit: Option<i64>,
    pub before: Option<i64>,
}

impl Page {
    pub const DEFAULT_LIMIT: i64 = 50;
    pub const MAX_LIMIT: i64 = 200;

    pub fn limit(self) -> i64 {
        self.limit
            .unwrap_or(Self::DEFAULT_LIMIT)
            .clamp(1, Self::MAX_LIMIT)
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct System {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation: String,
    pub name: String,
    pub latest_version: i64,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProfileVersion {
    pub system_id: i64,
    pub version: i64,
    /// The profile/v1 JSON as stored.
    pub document: String,
    pub digest: String,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct NewAssessment<'a> {
    pub system_id: i64,
    pub profile_version: i64,
    pub as_of: &'a str,
    pub rules_digest: &'a str,
    pub rulepacks: &'a str,
    pub result: &'a str,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StoredAssessment {
    pub id: i64,
    pub system_id: i64,
    pub profile_version: i64,
    pub as_of: String,
    pub rules_digest: String,
    pub rulepacks: String,
    pub result: String,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct NewEvidence<'a> {
    pub organisation_id: i64,
    pub system_id: Option<i64>,
    pub name: &'a str,
    pub kind: &'a str,
    pub content: &'a [u8],
    /// The file's result as judged on upload; `None`: it states none.
    pub passed: Option<bool>,
    /// The profile digest it names as its subject.
    pub subject_digest: Option<&'a str>,
    /// Why it failed.
    pub notes: &'a [String],
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StoredEvidence {
    pub sha256: String,
    pub system_id: Option<i64>,
    pub name: String,
    pub kind: String,
    pub size: i64,
    #[serde(skip)]
    pub content: Vec<u8>,
    pub created_at: String,
    /// The file's result as judged on upload: `false` when it or any of its
    /// thresholds did not pass, whatever its own flag; `null`: no result stated.
    pub passed: Option<bool>,
    /// The profile digest (`sha256:…`) the evidence says it is about; `null`
    /// when it is not bound to a system.
    pub subject_digest: Option<String>,
    /// Why it failed, each threshold missed with its number.
    pub notes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct NewAttestation<'a> {
    pub system_id: i64,
    pub envelope: &'a str,
    pub key_id: &'a str,
    pub issuer: &'a str,
    /// verification/v1 JSON made on upload.
    pub verification: &'a str,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct StoredAttestation {
    pub id: i64,
    pub system_id: i64,
    pub key_id: String,
    pub issuer: String,
    pub verification: String,
    pub created_at: String,
}

/// Where a filing stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FilingStatus {
    Submitted,
    UnderReview,
    Approved,
    Rejected,
    ChangesRequested,
}

impl FilingStatus {
    pub const ALL: [FilingStatus; 5] = [
        FilingStatus::Submitted,
        FilingStatus::UnderReview,
        FilingStatus::Approved,
        FilingStatus::Rejected,
        FilingStatus::ChangesRequested,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FilingStatus::Submitted => "submitted",
            FilingStatus::UnderReview => "under-review",
            FilingStatus::Approved => "approved",
            FilingStatus::Rejected => "rejected",
            FilingStatus::ChangesRequested => "changes-requested",
        }
    }

    /// The workflow: submitted → under review → approved / rejected / changes
    /// requested; a reviewer may also decide straight from submitted.
    pub fn can_move_to(self, to: FilingStatus) -> bool {
        use FilingStatus::*;
        matches!(
            (self, to),
            (Submitted, UnderReview)
                | (
                    Submitted | UnderReview,
                    Approved | Rejected | ChangesRequested
                )
        )
    }

    pub fn is_open(self) -> bool {
        matches!(self, FilingStatus::Submitted | FilingStatus::UnderReview)
    }
}

impl FromStr for FilingStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<FilingStatus, String> {
        FilingStatus::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown filing status `{s}` (submitted, under-review, approved, rejected, changes-requested)"
                )
            })
    }
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Filing {
    pub id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub organisation_id: i64,
    pub organisation: String,
    pub jurisdiction: String,
    pub profile_version: i64,
    pub status: FilingStatus,
    pub submitted_by: i64,
    /// On the public register (approved filings).
    pub published: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Clone, Debug, Default)]
pub struct FilingFilter {
    pub organisation: Option<i64>,
    pub jurisdiction: Option<String>,
    pub status: Option<FilingStatus>,
    pub system: Option<i64>,
    pub published_only: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FilingEvent {
    pub id: i64,
    pub filing_id: i64,
    pub actor: String,
    pub actor_role: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub comment: String,
    pub created_at: String,
}

#[derive(Clone, Debug)]
pub struct NewImpact<'a> {
    pub system_id: i64,
    pub from_digest: &'a str,
    pub to_digest: &'a str,
    /// JSON: what newly applies, no longer applies, moved dates.
    pub changes: &'a str,
    pub change_count: i64,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Impact {
    pub id: i64,
    pub system_id: i64,
    pub system_name: String,
    pub from_digest: String,
    pub to_digest: String,
    pub changes: String,
    pub change_count: i64,
    pub created_at: String,
}
