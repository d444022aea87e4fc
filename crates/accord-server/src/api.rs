//! The JSON API, `/api/v1/...` (docs/registry.md; the fixed routes and what the UI needs).
//!
//! Who may do what:
//!
//! | caller | may |
//! |---|---|
//! | public (no token) | read the register, crosswalks, `/openapi.json` |
//! | provider | register its organisation's systems, new profile versions, evidence, attestations; file them; read its own systems, filings and impacts |
//! | reviewer (one jurisdiction) | read filings for that jurisdiction and the systems behind them; move them through review |
//! | admin | everything, and the audit log |
//!
//! A provider never reviews, so it cannot approve its own filing.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use accord_assess::LoadedEvidence;
use accord_model::markets;
use accord_store::{
    Filing, FilingFilter, FilingStatus, NewAssessment, NewAttestation, NewEvidence, Page, Role,
    System, User,
};

use crate::AppState;
use crate::auth::Caller;
use crate::engine::{self, Engine};
use crate::error::{ApiError, ErrorBody};

/// Evidence files larger than this are refused.
pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// At most this many items (1–200, default 50).
    pub limit: Option<i64>,
    /// Items older than this id (the `next` of the previous page).
    pub before: Option<i64>,
}

impl PageQuery {
    pub fn page(&self) -> Page {
        Page {
            limit: self.limit,
            before: self.before,
        }
    }
}

/// A page of items and the cursor to the next one.
#[derive(Serialize, ToSchema)]
pub struct Paged<T> {
    pub items: Vec<T>,
    /// Pass as `before` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<i64>,
}

fn paged<T>(items: Vec<T>, page: Page, id: impl Fn(&T) -> i64) -> Paged<T> {
    let next = (items.len() as i64 >= page.limit())
        .then(|| items.last().map(&id))
        .flatten();
    Paged { items, next }
}

#[derive(Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

fn json_response(status: StatusCode, text: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// A stored profile (JSON or YAML, as submitted) as JSON.
pub fn document_json(text: &str) -> serde_json::Value {
    accord_model::doc::Document::parse(text, "stored profile")
        .map(|d| d.value)
        .unwrap_or(serde_json::Value::Null)
}

// ---- authorisation ------------------------------------------------------------------

pub fn provider_org(user: &User) -> Result<i64, ApiError> {
    match (user.role, user.organisation_id) {
        (Role::Provider, Some(org)) => Ok(org),
        (Role::Provider, None) => Err(ApiError::forbidden(
            "this provider belongs to no organisation",
        )),
        _ => Err(ApiError::forbidden(
            "only a provider registers and files systems",
        )),
    }
}

/// Loads a system the caller may read.
pub async fn readable_system(
    state: &AppState,
    caller: &Caller,
    id: i64,
) -> Result<System, ApiError> {
    let user = caller.user()?;
    let system = state
        .store
        .system(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("system {id}")))?;
    let allowed = match user.role {
        Role::Admin => true,
        Role::Provider => user.organisation_id == Some(system.organisation_id),
        Role::Reviewer => {
            let filings = state
                .store
                .filings(
                    &FilingFilter {
                        system: Some(id),
                        ..FilingFilter::default()
                    },
                    Page {
                        limit: Some(Page::MAX_LIMIT),
                        before: None,
                    },
                )
                .await?;
            filings.iter().any(|f| reviews(user, &f.jurisdiction))
        }
    };
    if allowed {
        Ok(system)
    } else {
        // Do not tell outsiders what exists.
        Err(ApiError::not_found(format!("system {id}")))
    }
}

async fn own_system(state: &AppState, caller: &Caller, id: i64) -> Result<(System, i64), ApiError> {
    let user = caller.user()?;
    let org = provider_org(user)?;
    let system = readable_system(state, caller, id).await?;
    if system.organisation_id != org {
        return Err(ApiError::not_found(format!("system {id}")));
    }
    Ok((system, org))
}

/// Whether a reviewer reviews filings for this jurisdiction.
pub fn reviews(user: &User, jurisdiction: &str) -> bool {
    user.role == Role::Reviewer
        && user
            .jurisdiction
            .as_deref()
            .is_some_and(|j| markets::is_within(jurisdiction, j))
}

fn may_read_filing(user: &User, filing: &Filing) -> bool {
    match user.role {
        Role::Admin => true,
        Role::Provider => user.organisation_id == Some(filing.organisation_id),
        Role::Reviewer => reviews(user, &filing.jurisdiction),
    }
}

// ---- systems ------------------------------------------------------------------------

/// The stored system and its latest profile.
#[derive(Serialize, ToSchema)]
pub struct SystemView {
    pub id: i64,
    pub name: String,
    pub organisation: String,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
    /// The latest profile/v1, as submitted.
    #[schema(value_type = Object)]
    pub profile: serde_json::Value,
    pub profile_digest: String,
}

/// Registers a system: the body is a `profile/v1` (JSON, or YAML).
#[utoipa::path(post, path = "/api/v1/systems", tag = "systems",
    request_body(content = Object, description = "profile/v1", content_type = "application/json"),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
pub async fn create_system(
    State(state): State<AppState>,
    caller: Caller,
    body: String,
) -> Result<Response, ApiError> {
    let user = caller.user()?;
    let org = provider_org(user)?;
    let profile = state.engine.profile(&body, "request body")?;
    let id = state
        .store
        .create_system(user, org, &profile.name, &body)
        .await?;
    store_assessment(&state, id, 1, &profile, engine::today()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            version: Some(1),
        }),
    )
        .into_response())
}

/// Stores a new profile version of a system.
#[utoipa::path(put, path = "/api/v1/systems/{id}/profile", tag = "systems",
    params(("id" = i64, Path)),
    request_body(content = Object, description = "profile/v1", content_type = "application/json"),
    responses((status = 201, body = Created), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn put_profile(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    body: String,
) -> Result<Response, ApiError> {
    own_system(&state, &caller, id).await?;
    let user = caller.user()?;
    let profile = state.engine.profile(&body, "request body")?;
    let version = state
        .store
        .add_profile(user, id, &profile.name, &body)
        .await?;
    store_assessment(&state, id, version, &profile, engine::today()).await?;
    Ok((
        StatusCode::CREATED,
        Json(Created {
            id,
            version: Some(version),
        }),
    )
        .into_response())
}

/// Systems the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/systems", tag = "systems", params(PageQuery),
    responses((status = 200, body = Paged<System>), (status = 401, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_systems(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Paged<System>>, ApiError> {
    let user = caller.user()?;
    let org = match user.role {
        Role::Provider => Some(provider_org(user)?),
        Role::Admin => None,
        Role::Reviewer => {
            return Err(ApiError::forbidden(
                "reviewers see systems through their filings: GET /api/v1/filings",
            ));
        }
    };
    let page = q.page();
    let items = state.store.systems(org, page).await?;
    Ok(Json(paged(items, page, |s| s.id)))
}

/// The stored system and its latest profile.
#[utoipa::path(get, path = "/api/v1/systems/{id}", tag = "systems", params(("id" = i64, Path)),
    responses((status = 200, body = SystemView), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_system(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SystemView>, ApiError> {
    let system = readable_system(&state, &caller, id).await?;
    let profile = state
        .store
        .profile(id, system.latest_version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("profile of system {id}")))?;
    Ok(Json(SystemView {
        id: system.id,
        name: system.name,
        organisation: system.organisation,
        version: system.latest_version,
        created_at: system.created_at,
        updated_at: system.updated_at,
        profile: document_json(&profile.document),
        profile_digest: profile.digest,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AssessmentQuery {
    /// Assess as of this date (YYYY-MM-DD); default today.
    pub as_of: Option<String>,
    /// A profile version; default the latest.
    pub version: Option<i64>,
}

/// Computes and stores an assessment with the rulepack versions that made it.
async fn store_assessment(
    state: &AppState,
    system_id: i64,
    version: i64,
    profile: &accord_assess::ProfileInput,
    as_of: jiff::civil::Date,
) -> Result<String, ApiError> {
    let assessment = state.engine.assess(profile, as_of);
    save_assessment(state, system_id, version, as_of, &assessment).await
}

/// Stores an assessment as `accord assess --format json` writes it, with the
/// rulepack versions that made it; returns that text.
pub(crate) async fn save_assessment(
    state: &AppState,
    system_id: i64,
    version: i64,
    as_of: jiff::civil::Date,
    assessment: &accord_model::Assessment,
) -> Result<String, ApiError> {
    let mut text =
        serde_json::to_string_pretty(assessment).map_err(|e| ApiError::invalid(e.to_string()))?;
    text.push('\n');
    state
        .store
        .save_assessment(&NewAssessment {
            system_id,
            profile_version: version,
            as_of: &as_of.to_string(),
            rules_digest: &state.engine.rules_digest,
            rulepacks: &state.engine.rulepacks_json,
            result: &text,
        })
        .await?;
    Ok(text)
}

/// An `assessment/v1`, identical to `accord assess --format json` of the same profile.
#[utoipa::path(get, path = "/api/v1/systems/{id}/assessment", tag = "systems",
    params(("id" = i64, Path), AssessmentQuery),
    responses((status = 200, description = "assessment/v1", body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get_assessment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<AssessmentQuery>,
) -> Result<Response, ApiError> {
    let system = readable_system(&state, &caller, id).await?;
    let as_of = match &q.as_of {
        Some(d) => accord_model::facts::parse_date(d)
            .map_err(|m| ApiError::invalid(format!("as_of: {m}")))?,
        None => engine::today(),
    };
    let version = q.version.unwrap_or(system.latest_version);
    if let Some(stored) = state.store.latest_assessment(id, version).await?
        && stored.rules_digest == state.engine.rules_digest
        && stored.as_of == as_of.to_string()
    {
        return Ok(json_response(StatusCode::OK, stored.result));
    }
    let profile = state
        .store
        .profile(id, version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("version {version} of system {id}")))?;
    let input = state.engine.profile(&profile.document, "stored profile")?;
    let text = store_assessment(&state, id, version, &input, as_of).await?;
    Ok(json_response(StatusCode::OK, text))
}

// ---- evidence and attestations ------------------------------------------------------

#[derive(Debug, Deserialize, IntoParams)]
pub struct EvidenceQuery {
    /// The file's name, as it should be shown.
    pub name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EvidenceCreated {
    pub sha256: String,
    pub kind: String,
    pub size: usize,
    /// The file's result as judged from what it says: `false` when it or any
    /// of its thresholds did not pass; `null` when it states no result.
    pub passed: Option<bool>,
    /// Why it failed, and whether it is bound to a system.
    pub notes: Vec<String>,
}

/// Uploads an `evidence/v1` file for a system (content-addressed, at most 10 MiB).
#[utoipa::path(post, path = "/api/v1/systems/{id}/evidence", tag = "evidence",
    params(("id" = i64, Path), EvidenceQuery),
    request_body(content = Object, description = "evidence/v1", content_type = "application/json"),
    responses((status = 201, body = EvidenceCreated), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<EvidenceQuery>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (_, org) = own_system(&state, &caller, id).await?;
    let user = caller.user()?;
    let name = q.name.unwrap_or_else(|| "evidence.json".into());
    let text =
        std::str::from_utf8(&body).map_err(|_| ApiError::invalid("evidence must be UTF-8 JSON"))?;
    let loaded = LoadedEvidence::parse(text, &name).map_err(|d| ApiError::from(vec![d]))?;
    // Evidence about another system is refused: it names a profile this
    // system never had.
    let mut notes = Vec::new();
    if let Some(subject) = &loaded.evidence.subject {
        let digests = state.store.profile_digests(id).await?;
        if !digests.iter().any(|(_, d)| d == &subject.profile_digest) {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "evidence-subject",
                format!(
                    "this evidence is about `{}` (profile {}), which is not a profile of system {id}",
                    subject.name, subject.profile_digest
                ),
            ));
        }
    } else {
        notes.push(accord_assess::evidence::UNBOUND_NOTE.to_string());
    }
    if let accord_assess::Verdict::Failed(reasons) = &loaded.verdict {
        notes.extend(reasons.iter().map(|r| format!("failed: {r}")));
    }
    let sha256 = state
        .store
        .put_evidence(
            user,
            &NewEvidence {
                organisation_id: org,
                system_id: Some(id),
                name: &name,
                kind: &loaded.evidence.kind,
                content: &body,
                passed: loaded.verdict.passed(),
                subject_digest: loaded
                    .evidence
                    .subject
                    .as_ref()
                    .map(|s| s.profile_digest.as_str()),
                notes: &notes,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(EvidenceCreated {
            sha256,
            kind: loaded.evidence.kind,
            size: body.len(),
            passed: loaded.verdict.passed(),
            notes,
        }),
    )
        .into_response())
}

/// Evidence attached to a system (metadata).
#[utoipa::path(get, path = "/api/v1/systems/{id}/evidence", tag = "evidence", params(("id" = i64, Path)),
    responses((status = 200, body = [accord_store::StoredEvidence])), security(("token" = [])))]
pub async fn list_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<accord_store::StoredEvidence>>, ApiError> {
    readable_system(&state, &caller, id).await?;
    Ok(Json(state.store.system_evidence(id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct AttestationUpload {
    /// The DSSE envelope written by `accord certify`.
    #[schema(value_type = Object)]
    pub envelope: serde_json::Value,
    /// The issuer's public key (SPKI PEM), when the server has no agreement trusting it.
    pub public_key: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AttestationCreated {
    pub id: i64,
    pub key_id: String,
    pub issuer: String,
    /// How it was verified: `agreement:ID` or `key`.
    pub trusted_by: String,
}

/// Uploads an attestation; it is verified (signature, validity, trust) before it is stored.
#[utoipa::path(post, path = "/api/v1/systems/{id}/attestations", tag = "attestations",
    params(("id" = i64, Path)), request_body = AttestationUpload,
    responses((status = 201, body = AttestationCreated), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn upload_attestation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(upload): Json<AttestationUpload>,
) -> Result<Response, ApiError> {
    own_system(&state, &caller, id).await?;
    let user = caller.user()?;
    let bytes =
        serde_json::to_vec(&upload.envelope).map_err(|e| ApiError::invalid(e.to_string()))?;
    let now = jiff::Timestamp::now();
    let mut attempts: Vec<(String, accord_attest::Outcome)> = Vec::new();
    let key;
    if let Some(pem) = &upload.public_key {
        key = accord_attest::PublicKey::from_pem(pem)
            .map_err(|m| ApiError::invalid(format!("public_key: {m}")))?;
        let request = accord_attest::Request {
            trust: accord_attest::Trust::Key(&key),
            at: now,
            files: &[],
            recognise_as: None,
        };
        attempts.push(("key".into(), accord_attest::verify(&bytes, &request)));
    }
    for agreement in state.agreements.iter() {
        let request = accord_attest::Request {
            trust: accord_attest::Trust::Agreement(agreement),
            at: now,
            files: &[],
            recognise_as: None,
        };
        attempts.push((
            format!("agreement:{}", agreement.file.id),
            accord_attest::verify(&bytes, &request),
        ));
    }
    if attempts.is_empty() {
        return Err(ApiError::invalid(
            "the server trusts no agreement (accord serve --trust AGREEMENT): include the issuer's `public_key`",
        ));
    }
    let accepted = attempts.iter().find(|(_, o)| o.result.is_ok());
    let Some((trusted_by, outcome)) = accepted else {
        let reasons: Vec<String> = attempts
            .iter()
            .filter_map(|(how, o)| {
                o.result
                    .as_ref()
                    .err()
                    .map(|r| format!("{how}: {} [{}]", r.message, r.code))
            })
            .collect();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "attestation-rejected",
            format!("the attestation does not verify: {}", reasons.join("; ")),
        ));
    };
    let Ok(verified) = &outcome.result else {
        return Err(ApiError::invalid("the attestation does not verify"));
    };
    let attested = &verified.statement.predicate.profile.digest;
    let digests = state.store.profile_digests(id).await?;
    if !digests.iter().any(|(_, d)| d == attested) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "attestation-mismatch",
            format!(
                "the attestation is about the profile {attested}, which is none of system {id}'s {} profile version(s); upload that profile first (PUT /api/v1/systems/{id}/profile with the same bytes)",
                digests.len()
            ),
        ));
    }
    let checks = serde_json::to_string(&outcome.checks).unwrap_or_default();
    let envelope_text = String::from_utf8_lossy(&bytes).into_owned();
    let issuer = verified.statement.predicate.issuer.name.clone();
    let stored = state
        .store
        .add_attestation(
            user,
            &NewAttestation {
                system_id: id,
                envelope: &envelope_text,
                key_id: &verified.key_id,
                issuer: &issuer,
                verification: &checks,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttestationCreated {
            id: stored,
            key_id: verified.key_id.clone(),
            issuer,
            trusted_by: trusted_by.clone(),
        }),
    )
        .into_response())
}

/// Attestations of a system, verified on upload.
#[utoipa::path(get, path = "/api/v1/systems/{id}/attestations", tag = "attestations", params(("id" = i64, Path)),
    responses((status = 200, body = [accord_store::StoredAttestation])), security(("token" = [])))]
pub async fn list_attestations(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<accord_store::StoredAttestation>>, ApiError> {
    readable_system(&state, &caller, id).await?;
    Ok(Json(state.store.attestations(id).await?))
}

// ---- filings ------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
pub struct FilingRequest {
    /// The jurisdiction whose reviewers receive it (EU, CN, US-NY-NYC, …).
    pub jurisdiction: String,
}

/// Files a system's latest profile with a jurisdiction's reviewers.
#[utoipa::path(post, path = "/api/v1/systems/{id}/filings", tag = "filings",
    params(("id" = i64, Path)), request_body = FilingRequest,
    responses((status = 201, body = Filing), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn create_filing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<FilingRequest>,
) -> Result<Response, ApiError> {
    own_system(&state, &caller, id).await?;
    let user = caller.user()?;
    markets::validate(&request.jurisdiction)
        .map_err(|e| ApiError::invalid(format!("jurisdiction: {}", e.message)))?;
    let filing = state
        .store
        .create_filing(user, id, &request.jurisdiction)
        .await?;
    Ok((StatusCode::CREATED, Json(filing)).into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct FilingQuery {
    pub jurisdiction: Option<String>,
    pub status: Option<String>,
    pub system: Option<i64>,
    pub limit: Option<i64>,
    pub before: Option<i64>,
}

/// Filings the caller may see: a provider its own, a reviewer its jurisdiction's, an admin all.
#[utoipa::path(get, path = "/api/v1/filings", tag = "filings", params(FilingQuery),
    responses((status = 200, body = Paged<Filing>)), security(("token" = [])))]
pub async fn list_filings(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<FilingQuery>,
) -> Result<Json<Paged<Filing>>, ApiError> {
    let user = caller.user()?;
    let status = q
        .status
        .as_deref()
        .map(str::parse::<FilingStatus>)
        .transpose()
        .map_err(ApiError::invalid)?;
    let mut filter = FilingFilter {
        jurisdiction: q.jurisdiction.clone(),
        status,
        system: q.system,
        ..FilingFilter::default()
    };
    match user.role {
        Role::Provider => filter.organisation = Some(provider_org(user)?),
        Role::Reviewer => {
            let own = user.jurisdiction.clone().unwrap_or_default();
            match &q.jurisdiction {
                Some(j) if !reviews(user, j) => {
                    return Err(ApiError::forbidden(format!("you review {own}, not {j}")));
                }
                Some(_) => {}
                None => filter.jurisdiction = Some(own),
            }
        }
        Role::Admin => {}
    }
    let page = Page {
        limit: q.limit,
        before: q.before,
    };
    let items = state.store.filings(&filter, page).await?;
    Ok(Json(paged(items, page, |f| f.id)))
}

#[derive(Serialize, ToSchema)]
pub struct FilingView {
    #[serde(flatten)]
    pub filing: Filing,
    pub events: Vec<accord_store::FilingEvent>,
    /// What the caller may move it to.
    pub transitions: Vec<FilingStatus>,
}

/// A filing with its history.
#[utoipa::path(get, path = "/api/v1/filings/{id}", tag = "filings", params(("id" = i64, Path)),
    responses((status = 200, body = FilingView), (status = 404, body = ErrorBody)), security(("token" = [])))]
pub async fn get_filing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<FilingView>, ApiError> {
    let user = caller.user()?;
    let filing = state
        .store
        .filing(id)
        .await?
        .filter(|f| may_read_filing(user, f))
        .ok_or_else(|| ApiError::not_found(format!("filing {id}")))?;
    let events = state.store.filing_events(id).await?;
    let transitions = allowed_transitions(user, &filing);
    Ok(Json(FilingView {
        filing,
        events,
        transitions,
    }))
}

/// Whether a user may review a filing at all: a reviewer of its
/// jurisdiction, or an admin outside the filing organisation.
pub fn may_review(user: &User, filing: &Filing) -> bool {
    match user.role {
        Role::Admin => user.organisation_id != Some(filing.organisation_id),
        Role::Reviewer => reviews(user, &filing.jurisdiction),
        Role::Provider => false,
    }
}

/// The moves a user may make on a filing now.
pub fn allowed_transitions(user: &User, filing: &Filing) -> Vec<FilingStatus> {
    if !may_review(user, filing) {
        return Vec::new();
    }
    FilingStatus::ALL
        .into_iter()
        .filter(|to| filing.status.can_move_to(*to))
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct TransitionRequest {
    /// under-review, approved, rejected or changes-requested.
    pub to: String,
    /// Required for rejected and changes-requested.
    #[serde(default)]
    pub comment: String,
}

/// Moves a filing through review (reviewers of its jurisdiction, or an admin).
#[utoipa::path(post, path = "/api/v1/filings/{id}/transitions", tag = "filings",
    params(("id" = i64, Path)), request_body = TransitionRequest,
    responses((status = 200, body = Filing), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn transition_filing(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Json(request): Json<TransitionRequest>,
) -> Result<Json<Filing>, ApiError> {
    let user = caller.user()?;
    let to: FilingStatus = request.to.parse().map_err(ApiError::invalid)?;
    let filing = state
        .store
        .filing(id)
        .await?
        .filter(|f| may_read_filing(user, f))
        .ok_or_else(|| ApiError::not_found(format!("filing {id}")))?;
    let allowed = allowed_transitions(user, &filing);
    if !may_review(user, &filing) {
        return Err(ApiError::forbidden(match user.role {
            Role::Provider => "a provider cannot review filings, its own included".to_string(),
            _ => format!("you cannot review filings for {}", filing.jurisdiction),
        }));
    }
    if !allowed.contains(&to) {
        return Err(ApiError::conflict(format!(
            "filing {id} is {}; it can move to {}",
            filing.status.as_str(),
            allowed
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let comment = request.comment.trim();
    if matches!(to, FilingStatus::Rejected | FilingStatus::ChangesRequested) && comment.is_empty() {
        return Err(ApiError::invalid(
            "say why: a comment is required to reject or ask for changes",
        ));
    }
    let moved = state
        .store
        .transition_filing(user, id, filing.status, to, comment)
        .await?;
    // What is published changed here: no register page may be served from before.
    if let Ok(mut pages) = state.register_pages.lock() {
        pages.clear();
    }
    Ok(Json(moved))
}

// ---- the public register ------------------------------------------------------------

/// A published filing: only the fields meant for the public.
#[derive(Clone, Serialize, ToSchema)]
pub struct RegisterEntry {
    pub filing: i64,
    pub system: String,
    pub organisation: String,
    pub jurisdiction: String,
    pub status: FilingStatus,
    /// When the filing was approved.
    pub approved_at: String,
    pub profile_version: i64,
    pub description: Option<String>,
    pub purposes: Vec<String>,
    /// The classifications that hold in the filing's jurisdiction.
    pub classifications: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterQuery {
    pub jurisdiction: Option<String>,
    pub limit: Option<i64>,
    pub before: Option<i64>,
}

/// The public register: approved filings, published fields only. No token needed.
#[utoipa::path(get, path = "/api/v1/register", tag = "register", params(RegisterQuery),
    responses((status = 200, body = Paged<RegisterEntry>)))]
pub async fn register(
    State(state): State<AppState>,
    Query(q): Query<RegisterQuery>,
) -> Result<Response, ApiError> {
    // The public register is the most read page: a page is served from memory
    // for up to a second, so a burst of readers costs one query.
    let key = (q.jurisdiction.clone(), q.limit, q.before);
    if let Some(text) = state.register_pages.lock().ok().and_then(|pages| {
        pages
            .get(&key)
            .filter(|(at, _)| at.elapsed() < REGISTER_PAGE_TTL)
            .map(|(_, text)| text.clone())
    }) {
        return Ok(json_response(StatusCode::OK, text));
    }
    let Json(page) = register_page(&state, &q).await?;
    let text = serde_json::to_string(&page).map_err(|e| ApiError::invalid(e.to_string()))?;
    if let Ok(mut pages) = state.register_pages.lock() {
        if pages.len() >= 1024 {
            pages.clear();
        }
        pages.insert(key, (std::time::Instant::now(), text.clone()));
    }
    Ok(json_response(StatusCode::OK, text))
}

/// How long a served register page may be reused.
pub const REGISTER_PAGE_TTL: std::time::Duration = std::time::Duration::from_secs(1);

/// Register pages by (jurisdiction, limit, before): when made, and the JSON.
pub type RegisterPages = std::collections::HashMap<
    (Option<String>, Option<i64>, Option<i64>),
    (std::time::Instant, String),
>;

/// One page of the register, straight from the store.
pub async fn register_page(
    state: &AppState,
    q: &RegisterQuery,
) -> Result<Json<Paged<RegisterEntry>>, ApiError> {
    let page = Page {
        limit: q.limit,
        before: q.before,
    };
    let filings = state
        .store
        .filings(
            &FilingFilter {
                jurisdiction: q.jurisdiction.clone(),
                published_only: true,
                ..FilingFilter::default()
            },
            page,
        )
        .await?;
    let mut items = Vec::with_capacity(filings.len());
    for f in &filings {
        items.push(register_entry(state, f).await?);
    }
    let next = (items.len() as i64 >= page.limit())
        .then(|| filings.last().map(|f| f.id))
        .flatten();
    Ok(Json(Paged { items, next }))
}

/// Entries kept in memory at most; the cache starts over when full.
const REGISTER_CACHE_ENTRIES: usize = 20_000;

pub async fn register_entry(state: &AppState, f: &Filing) -> Result<RegisterEntry, ApiError> {
    let key = (f.id, f.updated_at.clone());
    if let Some(entry) = state
        .register_cache
        .lock()
        .ok()
        .and_then(|cache| cache.get(&key).cloned())
    {
        return Ok(entry);
    }
    let entry = build_register_entry(state, f).await?;
    if let Ok(mut cache) = state.register_cache.lock() {
        if cache.len() >= REGISTER_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, entry.clone());
    }
    Ok(entry)
}

async fn build_register_entry(state: &AppState, f: &Filing) -> Result<RegisterEntry, ApiError> {
    let profile = state.store.profile(f.system_id, f.profile_version).await?;
    let document = profile
        .as_ref()
        .map_or(serde_json::Value::Null, |p| document_json(&p.document));
    let classifications = match state
        .store
        .latest_assessment(f.system_id, f.profile_version)
        .await?
    {
        Some(stored) => serde_json::from_str::<accord_model::Assessment>(&stored.result)
            .map(|a| Engine::classifications_in(&a, &f.jurisdiction))
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(RegisterEntry {
        filing: f.id,
        system: f.system_name.clone(),
        organisation: f.organisation.clone(),
        jurisdiction: f.jurisdiction.clone(),
        status: f.status,
        approved_at: f.updated_at.clone(),
        profile_version: f.profile_version,
        description: document
            .get("description")
            .and_then(|d| d.as_str())
            .map(str::to_string),
        purposes: document
            .get("purposes")
            .and_then(|p| p.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        classifications,
    })
}

// ---- impacts, crosswalks, audit -----------------------------------------------------

/// What changed for systems when rulepacks changed, newest first.
#[utoipa::path(get, path = "/api/v1/impacts", tag = "law-change", params(PageQuery),
    responses((status = 200, body = Paged<accord_store::Impact>)), security(("token" = [])))]
pub async fn list_impacts(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Paged<accord_store::Impact>>, ApiError> {
    let user = caller.user()?;
    let page = q.page();
    let items = match user.role {
        Role::Provider => state.store.impacts(Some(provider_org(user)?), page).await?,
        Role::Admin => state.store.impacts(None, page).await?,
        // A reviewer sees the systems filed in its jurisdiction, as everywhere else.
        Role::Reviewer => {
            let within: Vec<String> = state
                .store
                .filing_jurisdictions()
                .await?
                .into_iter()
                .filter(|j| reviews(user, j))
                .collect();
            if within.is_empty() {
                Vec::new()
            } else {
                state.store.impacts_filed_in(&within, page).await?
            }
        }
    };
    Ok(Json(paged(items, page, |i| i.id)))
}

/// Re-assesses every stored system under the loaded rulepacks (admin).
#[utoipa::path(post, path = "/api/v1/admin/reassess", tag = "law-change",
    responses((status = 200, body = crate::impact::ReassessSummary)), security(("token" = [])))]
pub async fn reassess(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<crate::impact::ReassessSummary>, ApiError> {
    if !caller.is_admin() {
        caller.user()?;
        return Err(ApiError::forbidden(
            "only an admin re-assesses the registry",
        ));
    }
    Ok(Json(crate::impact::reassess(&state, true).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CrosswalkQuery {
    pub left: String,
    pub right: String,
}

/// How two jurisdictions' obligations meet on shared controls (as `accord crosswalk --format json`).
#[utoipa::path(get, path = "/api/v1/crosswalk", tag = "crosswalk", params(CrosswalkQuery),
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)))]
pub async fn crosswalk(
    State(state): State<AppState>,
    Query(q): Query<CrosswalkQuery>,
) -> Result<Response, ApiError> {
    for j in [&q.left, &q.right] {
        markets::validate(j).map_err(|e| ApiError::invalid(format!("{j}: {}", e.message)))?;
    }
    let c = accord_assess::crosswalk::crosswalk(&state.engine.rules, &q.left, &q.right);
    let text = serde_json::to_string_pretty(&c).map_err(|e| ApiError::invalid(e.to_string()))?;
    Ok(json_response(StatusCode::OK, text))
}

/// The newest audit-log entries (admin).
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit", params(PageQuery),
    responses((status = 200, body = Paged<accord_store::audit::Entry>)), security(("token" = [])))]
pub async fn audit_log(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<PageQuery>,
) -> Result<Json<Paged<accord_store::audit::Entry>>, ApiError> {
    if !caller.is_admin() {
        caller.user()?;
        return Err(ApiError::forbidden("only an admin reads the audit log"));
    }
    let page = q.page();
    let items = state.store.audit_entries(page).await?;
    Ok(Json(paged(items, page, |e| e.seq)))
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)), security(("token" = [])))]
pub async fn me(caller: Caller) -> Result<Json<User>, ApiError> {
    Ok(Json(caller.user()?.clone()))
}
