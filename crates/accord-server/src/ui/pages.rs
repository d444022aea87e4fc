//! The page handlers. Reads and writes go through the API's handlers and
//! helpers ([`crate::api`]) with the cookie's caller, so the UI refuses and
//! allows exactly what the API does.

use axum::Form;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

use accord_model::{Assessment, markets};
use accord_store::{FilingFilter, FilingStatus, Page, Role, System};

use super::view::{self, Text, Titles};
use super::{Ctx, ProblemView, clear_token_cookie};
use crate::AppState;
use crate::api::{self, FilingQuery, PageQuery};
use crate::auth::{COOKIE, Caller};
use crate::engine;
use crate::error::ApiError;

/// Reads a JSON body an API handler answered with.
async fn body_json(response: Response) -> Result<serde_json::Value, ApiError> {
    let bytes = axum::body::to_bytes(response.into_body(), crate::MAX_BODY_BYTES)
        .await
        .map_err(|e| internal(format!("reading an API answer: {e}")))?;
    serde_json::from_slice(&bytes).map_err(|e| internal(format!("reading an API answer: {e}")))
}

fn internal(message: String) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
}

fn created_id(value: &serde_json::Value) -> Result<i64, ApiError> {
    value
        .get("id")
        .and_then(serde_json::Value::as_i64)
        .ok_or_else(|| internal("an API answer had no id".into()))
}

fn parse_id(text: &str, what: &str) -> Result<i64, ApiError> {
    text.parse::<i64>()
        .map_err(|_| ApiError::not_found(format!("{what} {text}")))
}

/// What only a provider with an organisation may do (the API's rule for
/// registering systems).
fn require_provider(caller: &Caller) -> Result<(), ApiError> {
    api::provider_org(caller.user()?).map(|_| ())
}

fn cursor(before: Option<String>) -> Option<i64> {
    before.and_then(|b| b.trim().parse().ok())
}

fn empty_to_none(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// The loaded jurisdictions for selects: code and the title of its first pack.
#[derive(Serialize)]
struct JurisdictionOption {
    code: String,
    name: Option<String>,
}

fn jurisdiction_options(state: &AppState, ctx: &Ctx) -> Vec<JurisdictionOption> {
    let rules = &state.engine.rules;
    rules
        .jurisdictions
        .iter()
        .map(|code| {
            let pack = rules.packs.iter().find(|p| &p.jurisdiction == code);
            JurisdictionOption {
                code: code.clone(),
                name: pack.map(|p| match (ctx.lang, &p.title_zh) {
                    (super::Lang::Zh, Some(zh)) => zh.clone(),
                    _ => p.title.clone(),
                }),
            }
        })
        .collect()
}

// ---- dashboard ----------------------------------------------------------------------

#[derive(Serialize)]
struct Count {
    status: &'static str,
    count: usize,
    capped: bool,
}

#[derive(Serialize)]
struct Published {
    total: usize,
    capped: bool,
    by_jurisdiction: Vec<(String, usize)>,
}

#[derive(Serialize)]
struct PackRow {
    id: String,
    version: String,
    jurisdiction: String,
    title: Text,
}

pub async fn dashboard(ctx: Ctx, State(state): State<AppState>) -> Response {
    ctx.page(dashboard_page(&ctx, &state).await)
}

async fn dashboard_page(ctx: &Ctx, state: &AppState) -> Result<Response, ApiError> {
    let mut systems: Option<Vec<System>> = None;
    let mut counts: Option<Vec<Count>> = None;
    let mut impacts: Option<Vec<accord_store::Impact>> = None;
    let mut published: Option<Published> = None;
    let mut latest = Vec::new();
    let mut packs = Vec::new();
    let mut organisation: Option<String> = None;
    match ctx.user() {
        Some(user) => {
            if matches!(user.role, Role::Provider | Role::Admin) {
                let page = api::list_systems(
                    State(state.clone()),
                    ctx.caller.clone(),
                    Query(PageQuery {
                        limit: Some(20),
                        before: None,
                    }),
                )
                .await?;
                systems = Some(page.0.items);
            }
            if let Some(org) = user.organisation_id {
                organisation = Some(state.store.organisation_name(org).await?);
            }
            let mut tally = Vec::new();
            for status in FilingStatus::ALL {
                let page = api::list_filings(
                    State(state.clone()),
                    ctx.caller.clone(),
                    Query(FilingQuery {
                        jurisdiction: None,
                        status: Some(status.as_str().to_string()),
                        system: None,
                        limit: Some(Page::MAX_LIMIT),
                        before: None,
                    }),
                )
                .await?;
                let count = page.0.items.len();
                tally.push(Count {
                    status: status.as_str(),
                    count,
                    capped: page.0.next.is_some(),
                });
            }
            counts = Some(tally);
            let recent = api::list_impacts(
                State(state.clone()),
                ctx.caller.clone(),
                Query(PageQuery {
                    limit: Some(5),
                    before: None,
                }),
            )
            .await?;
            impacts = Some(recent.0.items);
        }
        None => {
            let page = Page {
                limit: Some(Page::MAX_LIMIT),
                before: None,
            };
            let filings = state
                .store
                .filings(
                    &FilingFilter {
                        published_only: true,
                        ..FilingFilter::default()
                    },
                    page,
                )
                .await?;
            published = Some(Published {
                total: filings.len(),
                capped: filings.len() as i64 >= page.limit(),
                by_jurisdiction: view::tally(filings.iter().map(|f| f.jurisdiction.as_str())),
            });
            for f in filings.iter().take(5) {
                latest.push(api::register_entry(state, f).await?);
            }
            packs = state
                .engine
                .rules
                .packs
                .iter()
                .map(|p| PackRow {
                    id: p.id.clone(),
                    version: p.version.clone(),
                    jurisdiction: p.jurisdiction.clone(),
                    title: view::bilingual(ctx.lang, &p.title, p.title_zh.as_deref()),
                })
                .collect();
        }
    }
    Ok(ctx.render(
        StatusCode::OK,
        "dashboard.html",
        context! { systems, counts, impacts, published, latest, packs, organisation },
    ))
}

// ---- login and logout -----------------------------------------------------------------

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
}

pub async fn login_form(ctx: Ctx) -> Response {
    ctx.render(StatusCode::OK, "login.html", context! { failed => false })
}

pub async fn login(
    ctx: Ctx,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let token = form.token.trim();
    // Tokens are `accord_` and hex; anything else cannot be one (nor go in a header).
    let plausible = !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    let user = if plausible {
        match state.store.authenticate(token).await {
            Ok(user) => user,
            Err(e) => return ctx.fail(e.into()),
        }
    } else {
        None
    };
    if user.is_none() {
        return ctx.render(
            StatusCode::UNAUTHORIZED,
            "login.html",
            context! { failed => true },
        );
    }
    // Secure when the form was sent from an https page.
    let secure = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .is_some_and(|o| o.starts_with("https://"));
    let cookie = format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    let mut response = ctx.see_other("/");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn logout_form(ctx: Ctx) -> Response {
    ctx.render(StatusCode::OK, "logout.html", context! {})
}

pub async fn logout(ctx: Ctx) -> Response {
    let mut response = ctx.see_other("/");
    let headers = response.headers_mut();
    // `finish` may already clear a stale cookie; one header is enough.
    let already = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(b"accord_token="));
    if !already {
        headers.append(header::SET_COOKIE, clear_token_cookie());
    }
    response
}

// ---- registering a system -------------------------------------------------------------

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    profile: String,
}

pub async fn new_system(ctx: Ctx) -> Response {
    let result = require_provider(&ctx.caller).map(|()| {
        ctx.render(
            StatusCode::OK,
            "system_new.html",
            context! { profile => "", message => Value::from(()), problems => Vec::<ProblemView>::new() },
        )
    });
    ctx.page(result)
}

pub async fn create_system(
    ctx: Ctx,
    State(state): State<AppState>,
    Form(form): Form<ProfileForm>,
) -> Response {
    // Browsers send CR LF; keep what was pasted otherwise as it was.
    let text = form.profile.replace("\r\n", "\n");
    match api::create_system(State(state), ctx.caller.clone(), text.clone()).await {
        Ok(response) => {
            let result = async {
                let id = created_id(&body_json(response).await?)?;
                Ok(ctx.see_other(&format!("/systems/{id}")))
            }
            .await;
            ctx.page(result)
        }
        Err(e) if e.status == StatusCode::UNPROCESSABLE_ENTITY => {
            let problems: Vec<ProblemView> = e
                .problems
                .iter()
                .map(|p| ProblemView::new(p, Some(&text)))
                .collect();
            ctx.render(
                e.status,
                "system_new.html",
                context! { profile => text, message => e.message, problems },
            )
        }
        Err(e) => ctx.fail(e),
    }
}

// ---- the system page ------------------------------------------------------------------

#[derive(Serialize)]
struct AttestationRow {
    issuer: String,
    key_id: String,
    created_at: String,
    passed: usize,
    checks: Vec<view::StoredCheck>,
}

pub async fn system(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let id = parse_id(&id, "system")?;
        system_page(&ctx, &state, id, None).await
    }
    .await;
    ctx.page(result)
}

/// The system page; `file_error` is shown at the filing form (with its status).
async fn system_page(
    ctx: &Ctx,
    state: &AppState,
    id: i64,
    file_error: Option<ApiError>,
) -> Result<Response, ApiError> {
    let system = api::readable_system(state, &ctx.caller, id).await?;
    let stored = state
        .store
        .latest_assessment(id, system.latest_version)
        .await?;
    let assessment_text = match stored {
        Some(s) => s.result,
        None => {
            // No stored assessment (not expected): the API computes and stores one.
            let response = api::get_assessment(
                State(state.clone()),
                ctx.caller.clone(),
                Path(id),
                Query(api::AssessmentQuery {
                    as_of: None,
                    version: None,
                }),
            )
            .await?;
            body_json(response).await?.to_string()
        }
    };
    let assessment: Option<Assessment> = serde_json::from_str(&assessment_text).ok();
    let system_view = assessment
        .as_ref()
        .map(|a| view::system_view(a, ctx.lang, engine::today()));
    let filings = api::list_filings(
        State(state.clone()),
        ctx.caller.clone(),
        Query(FilingQuery {
            jurisdiction: None,
            status: None,
            system: Some(id),
            limit: Some(Page::MAX_LIMIT),
            before: None,
        }),
    )
    .await?
    .0
    .items;
    let evidence = api::list_evidence(State(state.clone()), ctx.caller.clone(), Path(id))
        .await?
        .0;
    let attestations: Vec<AttestationRow> =
        api::list_attestations(State(state.clone()), ctx.caller.clone(), Path(id))
            .await?
            .0
            .into_iter()
            .map(|a| {
                let checks = view::checks(&a.verification);
                AttestationRow {
                    issuer: a.issuer,
                    key_id: a.key_id,
                    created_at: a.created_at,
                    passed: checks.iter().filter(|c| c.passed).count(),
                    checks,
                }
            })
            .collect();
    let may_file = ctx.user().is_some_and(|u| {
        u.role == Role::Provider && u.organisation_id == Some(system.organisation_id)
    });
    // Suggest the first jurisdiction where something applies.
    let suggested = assessment
        .as_ref()
        .and_then(|a| {
            a.jurisdictions.iter().find(|j| {
                j.obligations.iter().any(|o| {
                    matches!(
                        o.status,
                        accord_model::Status::Applies | accord_model::Status::Upcoming
                    )
                })
            })
        })
        .map(|j| j.jurisdiction.clone())
        .unwrap_or_default();
    let status = file_error.as_ref().map_or(StatusCode::OK, |e| e.status);
    let file_error = file_error.map(|e| e.message);
    Ok(ctx.render(
        status,
        "system.html",
        context! {
            system,
            view => system_view,
            filings,
            evidence,
            attestations,
            may_file,
            suggested,
            file_error,
            jurisdictions => jurisdiction_options(state, ctx),
        },
    ))
}

#[derive(Deserialize)]
pub struct FileForm {
    #[serde(default)]
    jurisdiction: String,
}

pub async fn file_system(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<FileForm>,
) -> Response {
    let result = async {
        let id = parse_id(&id, "system")?;
        let request = api::FilingRequest {
            jurisdiction: form.jurisdiction.trim().to_string(),
        };
        match api::create_filing(
            State(state.clone()),
            ctx.caller.clone(),
            Path(id),
            Json(request),
        )
        .await
        {
            Ok(response) => {
                let filing = created_id(&body_json(response).await?)?;
                Ok(ctx.see_other(&format!("/filings/{filing}")))
            }
            // Refusals the provider can act on are shown at the form.
            Err(e)
                if matches!(
                    e.status,
                    StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
                ) =>
            {
                system_page(&ctx, &state, id, Some(e)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    ctx.page(result)
}

// ---- filings --------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct FilingsQuery {
    status: Option<String>,
    /// Text, not a number: a mangled cursor shows the first page, not an error.
    before: Option<String>,
}

pub async fn filings(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<FilingsQuery>,
) -> Response {
    let result = async {
        let user = ctx.caller.user()?;
        let status = empty_to_none(q.status);
        let page = api::list_filings(
            State(state.clone()),
            ctx.caller.clone(),
            Query(FilingQuery {
                jurisdiction: None,
                status: status.clone(),
                system: None,
                limit: Some(50),
                before: cursor(q.before),
            }),
        )
        .await?
        .0;
        let heading_key = match user.role {
            Role::Reviewer => "filings.reviewer_title",
            Role::Provider => "filings.provider_title",
            Role::Admin => "filings.admin_title",
        };
        let heading = super::i18n::text(ctx.lang, heading_key)
            .unwrap_or(heading_key)
            .replace("{jurisdiction}", user.jurisdiction.as_deref().unwrap_or(""));
        let pager_base = match &status {
            Some(s) => format!("/filings?status={s}"),
            None => "/filings".to_string(),
        };
        Ok(ctx.render(
            StatusCode::OK,
            "filings.html",
            context! {
                heading,
                filings => page.items,
                next => page.next,
                pager_base,
                status,
                statuses => FilingStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            },
        ))
    }
    .await;
    ctx.page(result)
}

pub async fn filing(ctx: Ctx, State(state): State<AppState>, Path(id): Path<String>) -> Response {
    let result = async {
        let id = parse_id(&id, "filing")?;
        filing_page(&ctx, &state, id, None).await
    }
    .await;
    ctx.page(result)
}

/// A refused move, shown above the review forms.
struct MoveError {
    error: ApiError,
    to: String,
    comment: String,
}

async fn filing_page(
    ctx: &Ctx,
    state: &AppState,
    id: i64,
    move_error: Option<MoveError>,
) -> Result<Response, ApiError> {
    let filing_view = api::get_filing(State(state.clone()), ctx.caller.clone(), Path(id))
        .await?
        .0;
    let filing = &filing_view.filing;
    // The classifications that hold in the filing's jurisdiction, titled as
    // the stored assessment titles them.
    let classifications: Vec<Text> = match state
        .store
        .latest_assessment(filing.system_id, filing.profile_version)
        .await?
    {
        Some(stored) => serde_json::from_str::<Assessment>(&stored.result)
            .map(|a| {
                // As `Engine::classifications_in` selects them, with their titles.
                a.jurisdictions
                    .iter()
                    .filter(|j| markets::is_within(&j.jurisdiction, &filing.jurisdiction))
                    .flat_map(|j| j.classifications.iter())
                    .filter(|c| {
                        matches!(
                            c.status,
                            accord_model::Status::Applies | accord_model::Status::Upcoming
                        )
                    })
                    .map(|c| view::bilingual(ctx.lang, &c.title, c.title_zh.as_deref()))
                    .collect()
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    let status = move_error
        .as_ref()
        .map_or(StatusCode::OK, |m| m.error.status);
    let (error, error_to, comment) = match move_error {
        Some(m) => (Some(m.error.message), Some(m.to), m.comment),
        None => (None, None, String::new()),
    };
    Ok(ctx.render(
        status,
        "filing.html",
        context! {
            filing,
            events => &filing_view.events,
            transitions => filing_view.transitions.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            classifications,
            error,
            error_to,
            comment,
        },
    ))
}

#[derive(Deserialize)]
pub struct TransitionForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    comment: String,
}

pub async fn transition(
    ctx: Ctx,
    State(state): State<AppState>,
    Path(id): Path<String>,
    Form(form): Form<TransitionForm>,
) -> Response {
    let result = async {
        let id = parse_id(&id, "filing")?;
        let request = api::TransitionRequest {
            to: form.to.clone(),
            comment: form.comment.clone(),
        };
        match api::transition_filing(
            State(state.clone()),
            ctx.caller.clone(),
            Path(id),
            Json(request),
        )
        .await
        {
            Ok(_) => Ok(ctx.see_other(&format!("/filings/{id}"))),
            Err(e)
                if matches!(
                    e.status,
                    StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
                ) =>
            {
                let move_error = MoveError {
                    error: e,
                    to: form.to,
                    comment: form.comment,
                };
                filing_page(&ctx, &state, id, Some(move_error)).await
            }
            Err(e) => Err(e),
        }
    }
    .await;
    ctx.page(result)
}

// ---- the public register --------------------------------------------------------------

#[derive(Deserialize)]
pub struct RegisterQuery {
    jurisdiction: Option<String>,
    /// Text, not a number: a mangled cursor shows the first page, not an error.
    before: Option<String>,
}

#[derive(Serialize)]
struct RegisterRow {
    system: String,
    organisation: String,
    jurisdiction: String,
    description: Option<String>,
    purposes: Vec<String>,
    classifications: Vec<Text>,
    approved_at: String,
    profile_version: i64,
}

pub async fn register(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<RegisterQuery>,
) -> Response {
    let result = async {
        let selected = empty_to_none(q.jurisdiction);
        if let Some(j) = &selected {
            markets::validate(j)
                .map_err(|e| ApiError::invalid(format!("jurisdiction: {}", e.message)))?;
        }
        let page = api::register_page(
            &state,
            &api::RegisterQuery {
                jurisdiction: selected.clone(),
                limit: Some(50),
                before: cursor(q.before),
            },
        )
        .await?
        .0;
        let titles = Titles::new(&state.engine.rules);
        let entries: Vec<RegisterRow> = page
            .items
            .into_iter()
            .map(|e| RegisterRow {
                classifications: e
                    .classifications
                    .iter()
                    .map(|c| titles.classification(ctx.lang, c))
                    .collect(),
                system: e.system,
                organisation: e.organisation,
                jurisdiction: e.jurisdiction,
                description: e.description,
                purposes: e.purposes,
                approved_at: e.approved_at,
                profile_version: e.profile_version,
            })
            .collect();
        let pager_base = match &selected {
            Some(j) => format!("/register?jurisdiction={j}"),
            None => "/register".to_string(),
        };
        Ok(ctx.render(
            StatusCode::OK,
            "register.html",
            context! {
                entries,
                next => page.next,
                pager_base,
                selected => selected.unwrap_or_default(),
                jurisdictions => jurisdiction_options(&state, &ctx),
            },
        ))
    }
    .await;
    ctx.page(result)
}

// ---- the crosswalk explorer -----------------------------------------------------------

#[derive(Deserialize)]
pub struct CrosswalkQuery {
    left: Option<String>,
    right: Option<String>,
}

pub async fn crosswalk(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<CrosswalkQuery>,
) -> Response {
    let rules = &state.engine.rules;
    let default = |preferred: &str, index: usize| -> String {
        if rules.jurisdictions.iter().any(|j| j == preferred) {
            preferred.to_string()
        } else {
            rules.jurisdictions.get(index).cloned().unwrap_or_default()
        }
    };
    let left = empty_to_none(q.left).unwrap_or_else(|| default("EU", 0));
    let right = empty_to_none(q.right).unwrap_or_else(|| default("CN", 1));
    let mut problems = Vec::new();
    for j in [&left, &right] {
        if let Err(e) = markets::validate(j) {
            problems.push(format!("{j}: {}", e.message));
        }
    }
    let (status, c, error) = if problems.is_empty() {
        let c = accord_assess::crosswalk::crosswalk(rules, &left, &right);
        let titles = Titles::new(rules);
        (
            StatusCode::OK,
            Some(view::crosswalk_view(&c, ctx.lang, &titles)),
            None,
        )
    } else {
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(problems.join("; ")),
        )
    };
    ctx.render(
        status,
        "crosswalk.html",
        context! {
            c,
            error,
            left,
            right,
            jurisdictions => jurisdiction_options(&state, &ctx),
        },
    )
}

// ---- law-change impact ----------------------------------------------------------------

#[derive(Deserialize)]
pub struct ImpactQuery {
    /// Text, not a number: a mangled cursor shows the first page, not an error.
    before: Option<String>,
}

pub async fn impact(
    ctx: Ctx,
    State(state): State<AppState>,
    Query(q): Query<ImpactQuery>,
) -> Response {
    let result = async {
        let page = api::list_impacts(
            State(state.clone()),
            ctx.caller.clone(),
            Query(PageQuery {
                limit: Some(20),
                before: cursor(q.before),
            }),
        )
        .await?
        .0;
        let titles = Titles::new(&state.engine.rules);
        let impacts: Vec<view::ImpactView> = page
            .items
            .iter()
            .map(|i| view::impact_view(i, ctx.lang, &titles))
            .collect();
        Ok(ctx.render(
            StatusCode::OK,
            "impact.html",
            context! { impacts, next => page.next },
        ))
    }
    .await;
    ctx.page(result)
}

pub async fn not_found(ctx: Ctx) -> Response {
    ctx.fail(ApiError::not_found("this page"))
}
