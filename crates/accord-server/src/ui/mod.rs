//! The web UI: server-rendered pages, English and Chinese, no JavaScript.
//!
//! Pages call the same functions as the JSON API ([`crate::api`]) with the
//! caller taken from the `accord_token` cookie, so what a page shows or lets
//! its viewer do is exactly what the API allows that token. Templates are
//! minijinja files embedded at build time (`templates/`), auto-escaped; every
//! fixed string goes through `t(key)` ([`i18n`]), which fails the render for a
//! key missing in either language.
//!
//! Forms are protected against cross-site requests: the login cookie is
//! `SameSite=Strict`, and every UI `POST` must carry an `Origin` (or, failing
//! that, a `Referer`) naming this server's host; anything else gets 403.
//!
//! | page | who |
//! |---|---|
//! | `/` | everyone: the register summary (public), own systems (provider), review queue (reviewer) |
//! | `/login`, `/logout` | everyone |
//! | `/systems/new`, `POST /systems` | providers |
//! | `/systems/{id}` (+ `POST …/filings`) | whoever may read the system through the API |
//! | `/filings`, `/filings/{id}` (+ `POST …/transitions`) | signed-in users, as the API allows |
//! | `/register`, `/crosswalk` | everyone |
//! | `/impact` | signed-in users |

mod i18n;
mod pages;
mod view;

use std::sync::LazyLock;

use axum::Router;
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::value::Kwargs;
use minijinja::{Environment, Error as TemplateError, ErrorKind, State as TemplateState, Value};
use serde::Serialize;

use accord_store::{Role, User};

use crate::AppState;
use crate::auth::{self, Caller};
use crate::error::{ApiError, Problem};

pub use i18n::Lang;

/// The cookie holding the chosen language (`en` or `zh`).
pub const LANG_COOKIE: &str = "accord_lang";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::dashboard))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", get(pages::logout_form).post(pages::logout))
        .route("/systems", post(pages::create_system))
        .route("/systems/new", get(pages::new_system))
        .route("/systems/{id}", get(pages::system))
        .route("/systems/{id}/filings", post(pages::file_system))
        .route("/filings", get(pages::filings))
        .route("/filings/{id}", get(pages::filing))
        .route("/filings/{id}/transitions", post(pages::transition))
        .route("/register", get(pages::register))
        .route("/crosswalk", get(pages::crosswalk))
        .route("/impact", get(pages::impact))
        .fallback(pages::not_found)
        .layer(middleware::from_fn(guard))
}

// ---- cross-site request refusal and response headers ------------------------------------

/// Whether a state-changing request comes from a page of this server: its
/// `Origin` (else `Referer`) names the `Host` it was sent to, and the browser
/// does not call it cross-site.
pub fn same_origin(headers: &HeaderMap) -> bool {
    let text = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok())
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    // The Host the browser sent to, or the one a reverse proxy says it did
    // (a cross-site form cannot set either).
    let mut hosts: Vec<String> = text(header::HOST)
        .into_iter()
        .chain(
            text(header::HeaderName::from_static("x-forwarded-host"))
                .and_then(|h| h.split(',').next()),
        )
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    hosts.retain(|h| !h.is_empty());
    if hosts.is_empty() {
        return false;
    }
    let authority = |url: &str| -> Option<String> {
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"))?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        Some(rest[..end].to_ascii_lowercase())
    };
    let claimed = match text(header::ORIGIN) {
        Some(origin) => authority(origin),
        None => text(header::REFERER).and_then(authority),
    };
    claimed.is_some_and(|a| hosts.contains(&a))
}

async fn guard(request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD);
    if writes && !same_origin(request.headers()) {
        let (lang, _) = i18n::negotiate(request.uri(), request.headers());
        let ctx = Ctx::anonymous(lang, request.uri());
        return ctx.fail(ApiError::forbidden(
            "this form was not sent from a page of this registry (cross-site requests are refused)",
        ));
    }
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        headers
            .entry(name)
            .or_insert(HeaderValue::from_static(value));
    }
    response
}

// ---- the request context ------------------------------------------------------------

/// Who is looking, in which language, at which page.
pub struct Ctx {
    pub caller: Caller,
    pub lang: Lang,
    /// The language came from `?lang=`: remember it in a cookie.
    set_lang: bool,
    /// The token cookie names no valid token: clear it.
    clear_token: bool,
    path: String,
    query: Option<String>,
}

impl Ctx {
    fn anonymous(lang: Lang, uri: &Uri) -> Ctx {
        Ctx {
            caller: Caller(None),
            lang,
            set_lang: false,
            clear_token: false,
            path: uri.path().to_string(),
            query: uri.query().map(str::to_string),
        }
    }

    pub fn user(&self) -> Option<&User> {
        self.caller.0.as_ref()
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, Response> {
        let (lang, set_lang) = i18n::negotiate(&parts.uri, &parts.headers);
        let mut ctx = Ctx::anonymous(lang, &parts.uri);
        ctx.set_lang = set_lang;
        let Some(token) = auth::token_of(parts) else {
            return Ok(ctx);
        };
        match state.store.authenticate(&token).await {
            Ok(Some(user)) => {
                // The API's limit, per token.
                if !state.limiter.allow(&token) {
                    let mut e = ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate-limited",
                        format!(
                            "more than {} requests a minute with this token; slow down",
                            state.limiter.per_minute
                        ),
                    );
                    e.retry_after = Some(state.limiter.seconds_per_request());
                    return Err(ctx.fail(e));
                }
                ctx.caller = Caller(Some(user));
            }
            // A revoked or unknown token: the page is shown to the public and
            // the stale cookie cleared.
            Ok(None) => ctx.clear_token = auth::cookie(parts, auth::COOKIE).is_some(),
            Err(e) => return Err(ctx.fail(ApiError::from(e))),
        }
        Ok(ctx)
    }
}

// ---- rendering ----------------------------------------------------------------------

static CSS: &str = include_str!("../../templates/style.css");

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../../templates/base.html")),
    ("macros.html", include_str!("../../templates/macros.html")),
    ("error.html", include_str!("../../templates/error.html")),
    ("login.html", include_str!("../../templates/login.html")),
    ("logout.html", include_str!("../../templates/logout.html")),
    (
        "dashboard.html",
        include_str!("../../templates/dashboard.html"),
    ),
    (
        "system_new.html",
        include_str!("../../templates/system_new.html"),
    ),
    ("system.html", include_str!("../../templates/system.html")),
    ("filings.html", include_str!("../../templates/filings.html")),
    ("filing.html", include_str!("../../templates/filing.html")),
    (
        "register.html",
        include_str!("../../templates/register.html"),
    ),
    (
        "crosswalk.html",
        include_str!("../../templates/crosswalk.html"),
    ),
    ("impact.html", include_str!("../../templates/impact.html")),
];

static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> = LazyLock::new(environment);

fn environment() -> Result<Environment<'static>, String> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("{name}: {e:#}"))?;
    }
    env.set_formatter(format_value);
    env.add_function("t", translate);
    env.add_function("glyph", |kind: &str| glyph(kind));
    env.add_filter("when", |value: &str| when(value));
    env.add_filter("short", |value: &str| short_digest(value));
    Ok(env)
}

/// Escapes strings for HTML as minijinja does, but leaves `/` alone (it needs
/// no escaping in text or quoted attributes, and URLs stay readable).
fn format_value(
    out: &mut minijinja::Output,
    state: &TemplateState,
    value: &Value,
) -> Result<(), TemplateError> {
    match value.as_str() {
        Some(text) if state.auto_escape() == minijinja::AutoEscape::Html && !value.is_safe() => {
            let mut last = 0;
            for (i, c) in text.char_indices() {
                let entity = match c {
                    '&' => "&amp;",
                    '<' => "&lt;",
                    '>' => "&gt;",
                    '"' => "&quot;",
                    '\'' => "&#x27;",
                    _ => continue,
                };
                out.write_str(&text[last..i])
                    .and_then(|()| out.write_str(entity))
                    .map_err(|_| TemplateError::new(ErrorKind::WriteFailure, "writing a page"))?;
                last = i + 1;
            }
            out.write_str(&text[last..])
                .map_err(|_| TemplateError::new(ErrorKind::WriteFailure, "writing a page"))
        }
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// `t("key", name=value, …)`: the page language's string, `{name}` filled in.
fn translate(state: &TemplateState, key: &str, args: Kwargs) -> Result<String, TemplateError> {
    let lang = state
        .lookup("lang")
        .and_then(|v| v.as_str().and_then(Lang::parse))
        .unwrap_or(Lang::En);
    let mut text = i18n::text(lang, key)
        .ok_or_else(|| {
            TemplateError::new(
                ErrorKind::InvalidOperation,
                format!("no string `{key}` in the UI's table"),
            )
        })?
        .to_string();
    for name in args.args() {
        let value: Value = args.get(name)?;
        text = text.replace(&format!("{{{name}}}"), &value.to_string());
    }
    Ok(text)
}

/// A shape that tells a status apart without colour.
pub fn glyph(kind: &str) -> &'static str {
    match kind {
        "status.applies" | "recognition.full" => "●",
        "status.upcoming" | "filing.under-review" => "◔",
        "status.undetermined" => "?",
        "status.not-applicable" | "recognition.not-covered" => "○",
        "recognition.partial" | "evidence.partial" => "◐",
        "filing.submitted" => "•",
        "filing.approved" | "evidence.satisfied" => "✓",
        "filing.rejected" | "evidence.missing" => "✕",
        "filing.changes-requested" => "↺",
        "evidence.not-required" => "–",
        "evidence.failed" => "✗",
        "evidence.stale" => "⌛",
        _ => "",
    }
}

/// `2026-11-29T00:47:03.123456Z` → `2026-11-29 00:47 UTC`; dates stay as they are.
fn when(value: &str) -> String {
    match (value.get(..10), value.get(11..16)) {
        (Some(date), Some(time)) if value.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time} UTC")
        }
        _ => value.to_string(),
    }
}

/// The first 12 hex digits of a digest, without its `sha256:` prefix.
fn short_digest(value: &str) -> String {
    let hex = value.strip_prefix("sha256:").unwrap_or(value);
    hex.chars().take(12).collect()
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    key: &'static str,
    current: bool,
}

#[derive(Serialize)]
struct Switch {
    href: String,
    lang: &'static str,
    label: &'static str,
}

impl Ctx {
    fn nav(&self) -> Vec<NavItem> {
        let role = self.caller.role();
        let mut items = vec![("/", "nav.dashboard"), ("/register", "nav.register")];
        if role.is_some() {
            items.push(("/filings", "nav.filings"));
        }
        if role == Some(Role::Provider) {
            items.push(("/systems/new", "nav.new_system"));
        }
        items.push(("/crosswalk", "nav.crosswalk"));
        if role.is_some() {
            items.push(("/impact", "nav.impact"));
        }
        items
            .into_iter()
            .map(|(href, key)| NavItem {
                href,
                key,
                current: if href == "/" {
                    self.path == "/"
                } else {
                    self.path == href || self.path.starts_with(&format!("{href}/"))
                },
            })
            .collect()
    }

    /// A link to this page in the other language.
    fn switch(&self) -> Switch {
        let other = match self.lang {
            Lang::En => Lang::Zh,
            Lang::Zh => Lang::En,
        };
        let mut pairs: Vec<&str> = self
            .query
            .as_deref()
            .unwrap_or("")
            .split('&')
            .filter(|p| !p.is_empty() && !p.starts_with("lang=") && *p != "lang")
            .collect();
        let lang_pair = format!("lang={}", other.code());
        pairs.push(&lang_pair);
        Switch {
            href: format!("{}?{}", self.path, pairs.join("&")),
            lang: other.tag(),
            label: match other {
                Lang::En => "English",
                Lang::Zh => "中文",
            },
        }
    }

    /// Renders a template with the layout's context and `data`.
    fn render(&self, status: StatusCode, template: &str, data: Value) -> Response {
        let context = minijinja::context! {
            lang => self.lang.code(),
            html_lang => self.lang.tag(),
            user => self.user(),
            nav => self.nav(),
            switch => self.switch(),
            css => CSS,
            version => env!("CARGO_PKG_VERSION"),
            ..data
        };
        let rendered = match &*ENVIRONMENT {
            Ok(env) => env
                .get_template(template)
                .and_then(|t| t.render(context))
                .map_err(|e| format!("{template}: {e:#}")),
            Err(e) => Err(e.clone()),
        };
        match rendered {
            Ok(body) => self.finish((status, Html(body)).into_response()),
            Err(cause) => {
                // The cause goes to the log; the page says only that it failed.
                eprintln!("accord serve: the web UI could not render a page: {cause}");
                self.finish(
                    (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        Html("<!doctype html><html lang=\"en\"><title>Error</title><h1>The page could not be shown</h1><p>The server failed; the cause is in its log.</p></html>"),
                    )
                        .into_response(),
                )
            }
        }
    }

    /// Adds the cookies and caching headers every page response carries.
    fn finish(&self, mut response: Response) -> Response {
        let headers = response.headers_mut();
        if self.set_lang {
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
                self.lang.code()
            );
            if let Ok(v) = HeaderValue::from_str(&cookie) {
                headers.append(header::SET_COOKIE, v);
            }
        }
        if self.clear_token {
            headers.append(header::SET_COOKIE, clear_token_cookie());
        }
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static(if self.user().is_some() {
                "no-store"
            } else {
                "no-cache"
            }),
        );
        headers.insert(
            header::VARY,
            HeaderValue::from_static("Cookie, Accept-Language"),
        );
        response
    }

    /// `303 See Other` to `location`.
    fn see_other(&self, location: &str) -> Response {
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(v) = HeaderValue::from_str(location) {
            response.headers_mut().insert(header::LOCATION, v);
        }
        self.finish(response)
    }

    /// An error page for an API error, with its status.
    fn fail(&self, error: ApiError) -> Response {
        let status = error.status;
        let known = [401, 403, 404, 409, 413, 422, 429];
        let code = if known.contains(&status.as_u16()) {
            status.as_u16()
        } else {
            500
        };
        let message = if code == 500 {
            eprintln!("accord serve: a web UI page failed: {}", error.message);
            "The server failed; the cause is in its log.".to_string()
        } else {
            error.message.clone()
        };
        let problems: Vec<ProblemView> = error
            .problems
            .iter()
            .map(|p| ProblemView::new(p, None))
            .collect();
        let mut response = self.render(
            status,
            "error.html",
            minijinja::context! { status => code, message, problems },
        );
        if let Some(seconds) = error.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }

    /// The page, or the error page when building it failed.
    fn page(&self, result: Result<Response, ApiError>) -> Response {
        result.unwrap_or_else(|e| self.fail(e))
    }
}

fn clear_token_cookie() -> HeaderValue {
    HeaderValue::from_static("accord_token=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
}

/// A located problem, with the offending line of the submitted text when known.
#[derive(Serialize)]
struct ProblemView {
    at: Option<String>,
    message: String,
    hint: Option<String>,
    line: Option<String>,
    caret: Option<String>,
}

impl ProblemView {
    fn new(p: &Problem, source: Option<&str>) -> ProblemView {
        let position = p.at.as_deref().and_then(|at| {
            let (line, column) = at.split_once(':')?;
            Some((line.parse::<usize>().ok()?, column.parse::<usize>().ok()?))
        });
        let excerpt = source.zip(position).and_then(|(text, (line, column))| {
            let text_line = text.lines().nth(line.checked_sub(1)?)?;
            let indent: String = text_line
                .chars()
                .take(column.saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            Some((text_line.to_string(), format!("{indent}^")))
        });
        ProblemView {
            at: p.at.clone(),
            message: p.message.clone(),
            hint: p.hint.clone(),
            line: excerpt.as_ref().map(|(l, _)| l.clone()),
            caret: excerpt.map(|(_, c)| c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_needs_a_matching_origin_or_referer() {
        let mut h = HeaderMap::new();
        h.insert(
            header::HOST,
            HeaderValue::from_static("registry.example:8080"),
        );
        assert!(!same_origin(&h), "no Origin and no Referer");
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://registry.example:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
        h.remove(header::ORIGIN);
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://registry.example:8080/systems/1?x=y"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://registry.example:8080.evil.example/"),
        );
        assert!(!same_origin(&h));
        h.insert(
            header::REFERER,
            HeaderValue::from_static("http://registry.example:8080/"),
        );
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!same_origin(&h), "the browser says cross-site");
        // Behind a proxy that rewrites Host.
        let mut p = HeaderMap::new();
        p.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        p.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://registry.example"),
        );
        assert!(!same_origin(&p));
        p.insert(
            "x-forwarded-host",
            HeaderValue::from_static("registry.example"),
        );
        assert!(same_origin(&p));
    }

    #[test]
    fn every_template_compiles_and_every_glyph_kind_is_translated() {
        let env = environment().unwrap();
        for (name, _) in TEMPLATES {
            env.get_template(name).unwrap();
        }
        for kind in [
            "status.applies",
            "status.upcoming",
            "status.undetermined",
            "status.not-applicable",
            "recognition.full",
            "recognition.partial",
            "recognition.not-covered",
            "evidence.satisfied",
            "evidence.partial",
            "evidence.missing",
            "evidence.not-required",
            "evidence.failed",
            "evidence.stale",
        ]
        .into_iter()
        .chain(
            accord_store::FilingStatus::ALL
                .iter()
                .map(|s| match s.as_str() {
                    "submitted" => "filing.submitted",
                    "under-review" => "filing.under-review",
                    "approved" => "filing.approved",
                    "rejected" => "filing.rejected",
                    _ => "filing.changes-requested",
                }),
        ) {
            assert!(!glyph(kind).is_empty(), "{kind} has no glyph");
            assert!(i18n::text(Lang::En, kind).is_some(), "{kind} in English");
            assert!(i18n::text(Lang::Zh, kind).is_some(), "{kind} in Chinese");
        }
    }

    #[test]
    fn times_and_digests_are_shortened() {
        assert_eq!(when("2026-11-29T00:47:03.123456Z"), "2026-11-29 00:47 UTC");
        assert_eq!(when("2026-11-29"), "2026-11-29");
        assert_eq!(short_digest("sha256:0123456789abcdef"), "0123456789ab");
    }

    #[test]
    fn problems_point_at_the_line_and_column() {
        let p = Problem {
            at: Some("2:7".into()),
            message: "bad".into(),
            hint: None,
        };
        let v = ProblemView::new(&p, Some("a: 1\nname: [oops\n"));
        assert_eq!(v.line.as_deref(), Some("name: [oops"));
        assert_eq!(v.caret.as_deref(), Some("      ^"));
        let outside = Problem {
            at: Some("9:1".into()),
            ..p
        };
        assert!(ProblemView::new(&outside, Some("x")).line.is_none());
    }
}
