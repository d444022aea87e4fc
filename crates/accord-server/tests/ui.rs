//! The web UI through the router, without a socket: every page for the public,
//! a provider and a reviewer, in English and Chinese; the login cookie; the
//! refusal of cross-site form posts; and a system filed, reviewed and
//! published through the forms alone.
//!
//! With `ACCORD_UI_DUMP=DIR` the pages rendered are also written to DIR (to
//! look at them in a browser).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;

use accord_rules::{Catalogue, RuleSet};
use accord_server::AppState;
use accord_store::{NewToken, Role, Store};

const HOST: &str = "registry.test";
const ORIGIN: &str = "http://registry.test";

fn rules() -> RuleSet {
    let packs = accord_builtin::packs()
        .iter()
        .map(|p| accord_rules::load_pack(p).unwrap())
        .collect();
    let (path, text) = accord_builtin::catalogue();
    RuleSet::compile(packs, Catalogue::parse(text, path).unwrap()).unwrap()
}

struct App {
    router: Router,
    store: Store,
    state: AppState,
    _db: accord_store::testing::TestDatabase,
}

async fn app() -> App {
    app_with_limit(0).await
}

async fn app_with_limit(per_minute: u32) -> App {
    let db = accord_store::testing::sqlite();
    let store = Store::open(&db.url).await.unwrap();
    let state = AppState::new(store.clone(), rules(), Vec::new(), per_minute);
    App {
        router: accord_server::router(state.clone(), &[]),
        store,
        state,
        _db: db,
    }
}

/// Token → user name, to name dumped pages.
static NAMES: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

fn who(token: Option<&str>) -> String {
    let Some(token) = token else {
        return "public".into();
    };
    let names = NAMES.lock().unwrap();
    names
        .iter()
        .find(|(t, _)| t == token)
        .map_or_else(|| "unknown".into(), |(_, n)| n.clone())
}

async fn token(app: &App, role: Role, name: &str, org: Option<&str>, j: Option<&str>) -> String {
    let token = app
        .store
        .create_token(&NewToken {
            name: name.into(),
            role,
            organisation: org.map(str::to_string),
            jurisdiction: j.map(str::to_string),
        })
        .await
        .unwrap()
        .1;
    NAMES
        .lock()
        .unwrap()
        .push((token.clone(), format!("{}-{name}", role.as_str())));
    token
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect()
    }

    #[track_caller]
    fn has(&self, text: &str) -> &Page {
        assert!(
            self.body.contains(text),
            "expected `{text}` in the page ({}):\n{}",
            self.status,
            self.body
        );
        self
    }

    #[track_caller]
    fn lacks(&self, text: &str) -> &Page {
        assert!(!self.body.contains(text), "did not expect `{text}`");
        self
    }
}

fn dump(name: &str, body: &str) {
    if let Some(dir) = std::env::var_os("ACCORD_UI_DUMP") {
        let dir = std::path::PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        std::fs::write(dir.join(format!("{file}.html")), body).unwrap();
    }
}

async fn send(app: &App, request: Request<Body>) -> Page {
    let response = app.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn with_token(
    builder: axum::http::request::Builder,
    token: Option<&str>,
) -> axum::http::request::Builder {
    match token {
        Some(t) => builder.header(header::COOKIE, format!("accord_token={t}")),
        None => builder,
    }
}

async fn get(app: &App, path: &str, token: Option<&str>) -> Page {
    let request = with_token(Request::get(path).header(header::HOST, HOST), token)
        .body(Body::empty())
        .unwrap();
    let page = send(app, request).await;
    dump(
        &format!("{}-{path}-{}", who(token), page.status.as_u16()),
        &page.body,
    );
    page
}

fn encode(pairs: &[(&str, &str)]) -> String {
    fn percent(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent(k), percent(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// A form post; `origin` is the `Origin` header (none when `None`).
async fn post_from(
    app: &App,
    path: &str,
    token: Option<&str>,
    origin: Option<&str>,
    form: &[(&str, &str)],
) -> Page {
    let mut builder = Request::post(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(o) = origin {
        builder = builder.header(header::ORIGIN, o);
    }
    let request = with_token(builder, token)
        .body(Body::from(encode(form)))
        .unwrap();
    let page = send(app, request).await;
    if !page.body.is_empty() {
        dump(
            &format!("{}-POST-{path}-{}", who(token), page.status.as_u16()),
            &page.body,
        );
    }
    page
}

async fn post(app: &App, path: &str, token: Option<&str>, form: &[(&str, &str)]) -> Page {
    post_from(app, path, token, Some(ORIGIN), form).await
}

// ---- accessibility checks on the markup -------------------------------------------------

/// The value of `name="…"` in a tag's text.
fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let end = tag[start..].find('"')? + start;
    Some(&tag[start..end])
}

/// Every opening tag `<name …>` in the page.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let boundary = after.chars().next().is_some_and(|c| c == ' ' || c == '>');
        let end = after.find('>').unwrap_or(after.len());
        if boundary {
            out.push(&rest[i..i + open.len() + end + 1]);
        }
        rest = &after[end..];
    }
    out
}

/// Headings in order from one h1, no level skipped; labels for every control;
/// scope on every table header; a language on the document.
#[track_caller]
fn accessible(page: &Page) {
    let html = &page.body;
    assert!(
        html.starts_with("<!doctype html>\n<html lang=\""),
        "no lang on <html>"
    );
    let mut levels = Vec::new();
    let bytes = html.as_bytes();
    for (i, _) in html.match_indices("<h") {
        if let Some(d) = bytes.get(i + 2).filter(|b| (b'1'..=b'6').contains(b))
            && matches!(bytes.get(i + 3), Some(b' ' | b'>'))
        {
            levels.push(d - b'0');
        }
    }
    assert_eq!(
        levels.first(),
        Some(&1),
        "the first heading is h1: {levels:?}"
    );
    assert_eq!(levels.iter().filter(|l| **l == 1).count(), 1, "one h1");
    for w in levels.windows(2) {
        assert!(w[1] <= w[0] + 1, "heading level skipped: {levels:?}");
    }
    for kind in ["input", "select", "textarea"] {
        for tag in tags(html, kind) {
            if attribute(tag, "type") == Some("hidden") {
                continue;
            }
            let id = attribute(tag, "id").unwrap_or_else(|| panic!("no id on {tag}"));
            assert!(
                html.contains(&format!("<label for=\"{id}\"")),
                "no label for {tag}"
            );
        }
    }
    for tag in tags(html, "th") {
        assert!(attribute(tag, "scope").is_some(), "no scope on {tag}");
    }
    let mut ids: Vec<&str> = html
        .match_indices(" id=\"")
        .filter_map(|(i, _)| {
            let rest = &html[i + 5..];
            rest.find('"').map(|end| &rest[..end])
        })
        .collect();
    ids.sort_unstable();
    for w in ids.windows(2) {
        assert_ne!(w[0], w[1], "duplicate id");
    }
    assert!(!html.contains("<script"), "no scripts");
}

fn example(name: &str) -> &'static str {
    accord_builtin::file(&format!("examples/{name}")).unwrap()
}

// ---- tests ----------------------------------------------------------------------------

#[tokio::test]
async fn public_pages_render_and_private_ones_ask_for_a_token() {
    let app = app().await;
    for path in [
        "/",
        "/register",
        "/crosswalk",
        "/crosswalk?left=EU&right=CN",
        "/login",
        "/logout",
        "/register?before=not-a-number",
    ] {
        let page = get(&app, path, None).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        page.has("<html lang=\"en\">").has("Sign in");
        accessible(&page);
        let csp = page.headers.get(header::CONTENT_SECURITY_POLICY).unwrap();
        assert!(csp.to_str().unwrap().contains("default-src 'none'"));
    }
    get(&app, "/", None)
        .await
        .has("Rulepacks in force")
        .has("eu-ai-act")
        .has("href=\"/register\"");
    get(&app, "/login", None)
        .await
        .has("<form id=\"login\" method=\"post\" action=\"/login\"")
        .has("name=\"token\"");
    for path in [
        "/filings",
        "/filings/1",
        "/impact",
        "/systems/new",
        "/systems/1",
    ] {
        let page = get(&app, path, None).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED, "{path}");
        page.has("Please sign in").has("href=\"/login\"");
        accessible(&page);
    }
    let missing = get(&app, "/no-such-page", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    missing.has("Not found");
    let not_a_number = get(&app, "/systems/abc", None).await;
    assert_eq!(not_a_number.status, StatusCode::NOT_FOUND);
    // The API keeps its JSON errors.
    let api = get(&app, "/api/v1/no-such-route", None).await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.starts_with("{\"error\""), "{}", api.body);
}

#[tokio::test]
async fn crosswalk_explorer_shows_both_directions_and_refuses_bad_codes() {
    let app = app().await;
    let page = get(&app, "/crosswalk?left=EU&right=CN", None).await;
    page.has("<select id=\"left\" name=\"left\">")
        .has("<option value=\"CN\" selected>")
        .has("What CN recognises from EU evidence")
        .has("What EU recognises from CN evidence")
        .has("Shared controls")
        // A control's Chinese title beside the English one.
        .has("<span class=\"alt\" lang=\"zh-Hans\">人工监督</span>");
    let bad = get(&app, "/crosswalk?left=EU&right=XX", None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    bad.has("XX").lacks("What XX recognises");
    accessible(&bad);
}

#[tokio::test]
async fn chinese_by_query_cookie_or_accept_language() {
    let app = app().await;
    let page = get(&app, "/?lang=zh", None).await;
    assert_eq!(page.status, StatusCode::OK);
    page.has("<html lang=\"zh-Hans\">")
        .has("公开登记册")
        .has("当前规则包")
        .has("href=\"/?lang=en\"")
        .lacks("Rulepacks in force");
    assert!(
        page.cookies()
            .iter()
            .any(|c| c.starts_with("accord_lang=zh;")),
        "{:?}",
        page.cookies()
    );
    accessible(&page);

    let request = Request::get("/register")
        .header(header::HOST, HOST)
        .header(header::COOKIE, "accord_lang=zh")
        .body(Body::empty())
        .unwrap();
    send(&app, request)
        .await
        .has("尚无公开内容")
        .has("<html lang=\"zh-Hans\">");

    let request = Request::get("/crosswalk?left=EU&right=CN")
        .header(header::HOST, HOST)
        .header(header::ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.8")
        .body(Body::empty())
        .unwrap();
    let page = send(&app, request).await;
    // Chinese titles first, the English beside them.
    page.has("<span lang=\"zh-Hans\">人工监督</span> <span class=\"alt\" lang=\"en\">Human oversight</span>")
        .has("对照");
    // The switch keeps the rest of the query.
    page.has("href=\"/crosswalk?left=EU&amp;right=CN&amp;lang=en\"");
    // A language is never a string missing from the table: every page renders in Chinese.
    for path in [
        "/register?lang=zh",
        "/login?lang=zh",
        "/logout?lang=zh",
        "/filings?lang=zh",
    ] {
        let page = get(&app, path, None).await;
        page.has("<html lang=\"zh-Hans\">");
        accessible(&page);
    }
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_logout_clears_it() {
    let app = app().await;
    let provider = token(&app, Role::Provider, "pat", Some("Acme"), None).await;

    let wrong = post(&app, "/login", None, &[("token", "accord_000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    wrong
        .has("unknown or has been revoked")
        .has("aria-invalid=\"true\"");
    assert!(
        wrong
            .cookies()
            .iter()
            .all(|c| !c.starts_with("accord_token=accord"))
    );

    let ok = post(&app, "/login", None, &[("token", &provider)]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/");
    let cookie = ok
        .cookies()
        .into_iter()
        .find(|c| c.starts_with("accord_token="))
        .unwrap();
    assert_eq!(
        cookie,
        format!("accord_token={provider}; Path=/; HttpOnly; SameSite=Strict")
    );

    let home = get(&app, "/", Some(&provider)).await;
    home.has("Signed in as <b>pat</b>")
        .has("Acme")
        .has("action=\"/logout\"")
        .has("href=\"/systems/new\"");
    assert_eq!(home.headers.get(header::CACHE_CONTROL).unwrap(), "no-store");

    let out = post(&app, "/logout", Some(&provider), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let cleared = out.cookies();
    assert_eq!(cleared.len(), 1, "{cleared:?}");
    assert!(cleared[0].starts_with("accord_token=;") && cleared[0].contains("Max-Age=0"));

    // A revoked token's cookie shows the public page and is cleared.
    app.store.revoke_tokens(&provider).await.unwrap();
    let stale = get(&app, "/", Some(&provider)).await;
    assert_eq!(stale.status, StatusCode::OK);
    stale.has("Rulepacks in force").lacks("Signed in as");
    assert!(
        stale
            .cookies()
            .iter()
            .any(|c| c.starts_with("accord_token=;"))
    );
}

#[tokio::test]
async fn cross_site_form_posts_are_refused() {
    let app = app().await;
    let provider = token(&app, Role::Provider, "pat", Some("Acme"), None).await;
    let profile = example("credit-scoring.yaml");
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let page = post_from(
            &app,
            "/systems",
            Some(&provider),
            origin,
            &[("profile", profile)],
        )
        .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{origin:?}");
        page.has("cross-site");
        accessible(&page);
        let login = post_from(&app, "/login", None, origin, &[("token", &provider)]).await;
        assert_eq!(login.status, StatusCode::FORBIDDEN);
        assert!(
            login
                .cookies()
                .iter()
                .all(|c| !c.starts_with("accord_token=accord"))
        );
    }
    // Nothing was registered.
    assert!(
        app.store
            .systems(None, accord_store::Page::default())
            .await
            .unwrap()
            .is_empty()
    );
    // A same-origin Referer is accepted when there is no Origin.
    let request = Request::post("/systems")
        .header(header::HOST, HOST)
        .header(header::REFERER, format!("{ORIGIN}/systems/new"))
        .header(header::COOKIE, format!("accord_token={provider}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(encode(&[("profile", profile)])))
        .unwrap();
    assert_eq!(send(&app, request).await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn profile_errors_are_shown_with_line_and_column() {
    let app = app().await;
    let provider = token(&app, Role::Provider, "pat", Some("Acme"), None).await;
    let form = get(&app, "/systems/new", Some(&provider)).await;
    form.has("<form id=\"new-system\" method=\"post\" action=\"/systems\"")
        .has("<textarea id=\"profile\" name=\"profile\"");
    accessible(&form);

    let broken = example("credit-scoring.yaml").replace("ai_system: true", "ai_system: maybe");
    let page = post(&app, "/systems", Some(&provider), &[("profile", &broken)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    let line = broken
        .lines()
        .position(|l| l.starts_with("ai_system:"))
        .unwrap()
        + 1;
    page.has(&format!("<b>Line:column {line}:"))
        .has("<pre class=\"excerpt\"><code>ai_system: maybe")
        .has("aria-invalid=\"true\"")
        // What was pasted is kept.
        .has("ai_system: maybe\n");
    accessible(&page);

    let syntax = post(
        &app,
        "/systems",
        Some(&provider),
        &[("profile", "accord: profile/v1\nname: [unclosed\n")],
    )
    .await;
    assert_eq!(syntax.status, StatusCode::UNPROCESSABLE_ENTITY);
    syntax.has("Line:column 3:1").has("Invalid YAML");

    // Reviewers do not register systems, through the page or the form.
    let reviewer = token(&app, Role::Reviewer, "rae", None, Some("EU")).await;
    let refused = get(&app, "/systems/new", Some(&reviewer)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    refused.has("only a provider");
    let refused = post(
        &app,
        "/systems",
        Some(&reviewer),
        &[("profile", example("credit-scoring.yaml"))],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn file_review_and_publish_through_the_forms() {
    let app = app().await;
    let provider = token(&app, Role::Provider, "pat", Some("Meridian"), None).await;
    let other = token(&app, Role::Provider, "oz", Some("Other Org"), None).await;
    let eu = token(&app, Role::Reviewer, "rae", None, Some("EU")).await;
    let cn = token(&app, Role::Reviewer, "chen", None, Some("CN")).await;

    // Register: the profile's name carries markup, which must come out escaped.
    let profile = example("credit-scoring.yaml").replace(
        "name: Meridian Credit Score",
        "name: Meridian <b>Credit</b> Score",
    );
    let created = post(&app, "/systems", Some(&provider), &[("profile", &profile)]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let system_path = created.location().to_string();
    assert!(system_path.starts_with("/systems/"), "{system_path}");
    let system_id = system_path.trim_start_matches("/systems/").to_string();

    let page = get(&app, &system_path, Some(&provider)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.has("<h1>Meridian &lt;b&gt;Credit&lt;/b&gt; Score</h1>")
        .lacks("<b>Credit</b>")
        .has("Jurisdiction × control matrix")
        .has("<table class=\"matrix\"")
        .has("<th scope=\"col\">EU</th>")
        .has("<th scope=\"col\">KR</th>")
        .has("Human oversight")
        .has("<span class=\"alt\" lang=\"zh-Hans\">人工监督</span>")
        .has("href=\"#ob-eu-ai-act-art-14-human-oversight\"")
        .has("id=\"ob-eu-ai-act-art-14-human-oversight\"")
        .has("<li class=\"today\">")
        .has("Obligation timeline")
        .has("Classifications by jurisdiction")
        .has(&format!(
            "<form id=\"file\" method=\"post\" action=\"/systems/{system_id}/filings\""
        ))
        .has("<select id=\"jurisdiction\" name=\"jurisdiction\"")
        .has("No evidence uploaded")
        .has("No attestations uploaded");
    accessible(&page);
    // Every matrix link has its target on the page.
    for (i, _) in page.body.match_indices("href=\"#ob-") {
        let target = &page.body[i + 7..];
        let id = &target[..target.find('"').unwrap()];
        assert!(
            page.body.contains(&format!("id=\"{id}\"")),
            "no target for #{id}"
        );
    }
    // In Chinese the system page leads with Chinese titles.
    let zh = get(&app, &format!("{system_path}?lang=zh"), Some(&provider)).await;
    zh.has("法域 × 控制措施矩阵")
        .has("<span lang=\"zh-Hans\">人工监督</span>")
        .has("义务时间线");
    accessible(&zh);

    // Other organisations and reviewers see nothing before it is filed.
    assert_eq!(
        get(&app, &system_path, Some(&other)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &system_path, Some(&eu)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &system_path, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // Only the owner may file it.
    let refused = post(
        &app,
        &format!("{system_path}/filings"),
        Some(&other),
        &[("jurisdiction", "EU")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND);

    // File with the EU.
    let filed = post(
        &app,
        &format!("{system_path}/filings"),
        Some(&provider),
        &[("jurisdiction", "EU")],
    )
    .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.body);
    let filing_path = filed.location().to_string();
    assert!(filing_path.starts_with("/filings/"));
    let filing_id = filing_path.trim_start_matches("/filings/").to_string();
    // Filing again while it is open: refused at the form, with the reason.
    let again = post(
        &app,
        &format!("{system_path}/filings"),
        Some(&provider),
        &[("jurisdiction", "EU")],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    again.has("still open").has("<form id=\"file\"");
    accessible(&again);
    let bad = post(
        &app,
        &format!("{system_path}/filings"),
        Some(&provider),
        &[("jurisdiction", "ZZ")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // The provider sees the filing, with no review forms, and cannot move it.
    let mine = get(&app, "/filings", Some(&provider)).await;
    mine.has("Your filings")
        .has(&format!("href=\"{filing_path}\""));
    accessible(&mine);
    let view = get(&app, &filing_path, Some(&provider)).await;
    view.has("Waiting for a reviewer for EU")
        .lacks("class=\"transition\"");
    accessible(&view);
    let self_approve = post(
        &app,
        &format!("{filing_path}/transitions"),
        Some(&provider),
        &[("to", "approved"), ("comment", "")],
    )
    .await;
    assert_eq!(self_approve.status, StatusCode::FORBIDDEN);
    self_approve.has("cannot review");

    // A reviewer for another jurisdiction sees neither the filing nor the system.
    assert_eq!(
        get(&app, &filing_path, Some(&cn)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &system_path, Some(&cn)).await.status,
        StatusCode::NOT_FOUND
    );
    get(&app, "/filings", Some(&cn)).await.has("No filings.");

    // The EU reviewer: queue, filing, system page, then the review forms.
    let queue = get(&app, "/filings", Some(&eu)).await;
    queue
        .has("Review queue — EU")
        .has(&format!("href=\"{filing_path}\""));
    accessible(&queue);
    let dashboard = get(&app, "/", Some(&eu)).await;
    dashboard.has("Review queue").has("<td>1</td>");
    accessible(&dashboard);
    let system_for_reviewer = get(&app, &system_path, Some(&eu)).await;
    assert_eq!(system_for_reviewer.status, StatusCode::OK);
    system_for_reviewer.lacks("<form id=\"file\"");
    let review = get(&app, &filing_path, Some(&eu)).await;
    for to in ["under-review", "approved", "rejected", "changes-requested"] {
        review
            .has(&format!(
                "<input type=\"hidden\" name=\"to\" value=\"{to}\">"
            ))
            .has(&format!("data-to=\"{to}\""));
    }
    review
        .has("Classifications in EU")
        .has("Creditworthiness")
        .has(&format!(
            "<form class=\"transition\" method=\"post\" action=\"{filing_path}/transitions\">"
        ))
        .has("<textarea id=\"comment-approved\" name=\"comment\"");
    accessible(&review);

    // A cross-site post cannot move it.
    let forged = post_from(
        &app,
        &format!("{filing_path}/transitions"),
        Some(&eu),
        Some("https://evil.example"),
        &[("to", "approved")],
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // Rejecting needs a reason: refused at the form, what was typed kept.
    let no_reason = post(
        &app,
        &format!("{filing_path}/transitions"),
        Some(&eu),
        &[("to", "changes-requested"), ("comment", "  ")],
    )
    .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    no_reason.has("a comment is required");
    accessible(&no_reason);

    let started = post(
        &app,
        &format!("{filing_path}/transitions"),
        Some(&eu),
        &[("to", "under-review"), ("comment", "")],
    )
    .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert_eq!(started.location(), filing_path);
    let approved = post(
        &app,
        &format!("{filing_path}/transitions"),
        Some(&eu),
        &[
            ("to", "approved"),
            ("comment", "Checked <all> documents & approved"),
        ],
    )
    .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    let after = get(&app, &filing_path, Some(&eu)).await;
    after
        .has("Checked &lt;all&gt; documents &amp; approved")
        .has("filing-approved")
        .lacks("class=\"transition\"");
    // A decided filing offers no moves, and a forced post is refused.
    let twice = post(
        &app,
        &format!("{filing_path}/transitions"),
        Some(&eu),
        &[("to", "rejected"), ("comment", "no")],
    )
    .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    twice.has("is approved").lacks("class=\"transition\"");

    // The provider sees the decision and its comment in Chinese too.
    get(&app, &format!("{filing_path}?lang=zh"), Some(&provider))
        .await
        .has("已批准")
        .has("处理记录")
        .has("Checked &lt;all&gt; documents");

    // The public register: the entry, published fields only.
    let register = get(&app, "/register", None).await;
    register
        .has("<table id=\"register\">")
        .has("Meridian &lt;b&gt;Credit&lt;/b&gt; Score")
        .has("Meridian")
        .has("<td>EU</td>")
        .has("High-risk AI system")
        .lacks("2500000000")
        .lacks("Checked &lt;all&gt;");
    accessible(&register);
    let filtered = get(&app, "/register?jurisdiction=CN", None).await;
    filtered
        .lacks("<table id=\"register\">")
        .has("Nothing has been published yet");
    get(&app, "/", None)
        .await
        .has("Approved filings on the public register: 1.")
        .has("Latest approvals");
    let _ = filing_id;
}

#[tokio::test]
async fn every_page_renders_for_each_role() {
    let app = app().await;
    let provider = token(&app, Role::Provider, "pat", Some("Acme"), None).await;
    let reviewer = token(&app, Role::Reviewer, "rae", None, Some("CN")).await;
    let admin = token(&app, Role::Admin, "ada", None, None).await;
    let created = post(
        &app,
        "/systems",
        Some(&provider),
        &[("profile", example("china-public-chatbot.yaml"))],
    )
    .await;
    let system_path = created.location().to_string();
    let filed = post(
        &app,
        &format!("{system_path}/filings"),
        Some(&provider),
        &[("jurisdiction", "CN")],
    )
    .await;
    let filing_path = filed.location().to_string();
    assert!(filing_path.starts_with("/filings/"), "{}", filed.body);
    let pages = [
        "/",
        "/register",
        "/crosswalk?left=CN&right=EU",
        "/filings",
        "/impact",
        "/login",
        "/logout",
        system_path.as_str(),
        filing_path.as_str(),
    ];
    for (who, token) in [
        ("provider", &provider),
        ("reviewer", &reviewer),
        ("admin", &admin),
    ] {
        for lang in ["en", "zh"] {
            for path in pages {
                let sep = if path.contains('?') { '&' } else { '?' };
                let page = get(&app, &format!("{path}{sep}lang={lang}"), Some(token)).await;
                assert_eq!(
                    page.status,
                    StatusCode::OK,
                    "{who} {path} {lang}:\n{}",
                    page.body
                );
                accessible(&page);
            }
        }
    }
    // Only providers get the new-system form.
    assert_eq!(
        get(&app, "/systems/new", Some(&provider)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(&app, "/systems/new", Some(&admin)).await.status,
        StatusCode::FORBIDDEN
    );
    // The Chinese system's page is in Chinese on a Chinese page, with
    // classifications for CN.
    get(&app, &format!("{system_path}?lang=zh"), Some(&reviewer))
        .await
        .has("各法域分类")
        .has("<th scope=\"row\" rowspan=");
    // Admins see every system on the dashboard; reviewers none.
    get(&app, "/", Some(&admin)).await.has("小智助手");
    get(&app, "/", Some(&reviewer))
        .await
        .lacks("href=\"/systems/");
}

#[tokio::test]
async fn impact_page_lists_what_changed_per_system() {
    let app = app().await;
    let provider = token(&app, Role::Provider, "pat", Some("Acme"), None).await;
    let other = token(&app, Role::Provider, "oz", Some("Other"), None).await;
    let created = post(
        &app,
        "/systems",
        Some(&provider),
        &[("profile", example("china-public-chatbot.yaml"))],
    )
    .await;
    let system_id: i64 = created
        .location()
        .trim_start_matches("/systems/")
        .parse()
        .unwrap();

    // An obligation with a Chinese title, from the loaded rules.
    let rule = app
        .state
        .engine
        .rules
        .rules
        .iter()
        .find(|r| r.kind == accord_rules::RuleKind::Obligation && r.title_zh.is_some())
        .unwrap();
    let changes = serde_json::json!({
        "newly_applies": [{"id": rule.id, "jurisdiction": rule.jurisdiction, "title": rule.title,
                           "citation": rule.citation, "before": null, "after": "applies"}],
        "no_longer_applies": [],
        "moved": [{"id": "cn/old-date", "jurisdiction": "CN", "title": "A duty whose date moved",
                   "citation": "Art. 9", "before": "2026-01-01", "after": "2026-09-01"}],
        "classifications": ["+cn.public-opinion"]
    });
    app.store
        .record_impact(&accord_store::NewImpact {
            system_id,
            from_digest: "sha256:aaaaaaaaaaaaaaaaaaaa",
            to_digest: "sha256:bbbbbbbbbbbbbbbbbbbb",
            changes: &changes.to_string(),
            change_count: 3,
        })
        .await
        .unwrap();

    let page = get(&app, "/impact", Some(&provider)).await;
    assert_eq!(page.status, StatusCode::OK);
    page.has("Newly applies (1)")
        .has("Moved dates (1)")
        .lacks("No longer applies (")
        .has(&rule.title.replace('&', "&amp;").replace('\'', "&#x27;"))
        .has("<time datetime=\"2026-09-01\">2026-09-01</time>")
        .has("Rules aaaaaaaaaaaa → bbbbbbbbbbbb")
        .has("gained");
    accessible(&page);
    let zh = get(&app, "/impact?lang=zh", Some(&provider)).await;
    zh.has("新适用").has(rule.title_zh.as_deref().unwrap());
    // Another organisation does not see this system's impact.
    get(&app, "/impact", Some(&other))
        .await
        .has("No law-change impact recorded yet");
    get(&app, "/", Some(&provider))
        .await
        .has("href=\"/impact#impact-");
}

#[tokio::test]
async fn pages_share_the_api_rate_limit_per_token() {
    let app = app_with_limit(2).await;
    let provider = token(&app, Role::Provider, "pat", Some("Acme"), None).await;
    assert_eq!(get(&app, "/", Some(&provider)).await.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/register", Some(&provider)).await.status,
        StatusCode::OK
    );
    let limited = get(&app, "/filings", Some(&provider)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    limited.has("Too many requests").has("slow down");
    assert_eq!(limited.headers.get(header::RETRY_AFTER).unwrap(), "30");
    accessible(&limited);
    // The API counts against the same budget.
    let request = Request::get("/api/v1/me")
        .header(header::HOST, HOST)
        .header(header::AUTHORIZATION, format!("Bearer {provider}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        send(&app, request).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The public is not limited.
    assert_eq!(get(&app, "/register", None).await.status, StatusCode::OK);
}
