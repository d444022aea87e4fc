//! Issue 5: the registry's JSON API, tested without a socket.
//!
//! Every test runs on every backend `accord_store::testing::all()` gives:
//! SQLite always, PostgreSQL when `ACCORD_TEST_POSTGRES` is set (CI sets it
//! with `ACCORD_REQUIRE_POSTGRES=1`, so a missing PostgreSQL fails the run).
//! Requests go through `accord_server::router` with `tower::ServiceExt::oneshot`;
//! tokens are made with `Store::create_token`, as `accord token create` does.
//!
//! Covered: authorisation (a provider cannot approve its own filing or read
//! another organisation's drafts; the public sees only published fields; a
//! revoked token is refused), JSON errors with stable codes, pagination,
//! request size limits, per-token rate limits, CORS off by default, OpenAPI
//! listing every route, assessments identical to the CLI's, law-change
//! impact, attestations verified on upload, content-addressed evidence and
//! the filing workflow.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use accord_assess::{Assessor, Options, ProfileInput};
use accord_attest::statement::{self, CertifyInput, Issuer};
use accord_attest::{Agreement, SecretKey, sign_statement};
use accord_rules::{Catalogue, PackSource, RuleSet, load_pack};
use accord_server::{AppState, router};
use accord_store::testing::TestDatabase;
use accord_store::{NewToken, Role, Store};

// ---- fixtures ---------------------------------------------------------------------------

/// The built-in packs and catalogue, compiled once per test binary.
fn builtin_rules() -> RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES
        .get_or_init(|| compile(accord_builtin::packs()))
        .clone()
}

/// Compiles packs over the built-in catalogue, as `accord` does (crates/accord-cli/src/input.rs).
fn compile(sources: Vec<PackSource>) -> RuleSet {
    let (path, text) = accord_builtin::catalogue();
    let catalogue = Catalogue::parse(text, path).expect("built-in catalogue");
    let packs = sources
        .iter()
        .map(load_pack)
        .collect::<Result<Vec<_>, _>>()
        .expect("packs load");
    RuleSet::compile(packs, catalogue).expect("packs compile")
}

fn example(name: &str) -> &'static str {
    accord_builtin::file(&format!("examples/{name}.yaml"))
        .unwrap_or_else(|| panic!("examples/{name}.yaml is embedded"))
}

fn example_names() -> Vec<String> {
    accord_builtin::files()
        .iter()
        .filter_map(|(p, _)| p.strip_prefix("examples/"))
        .filter_map(|p| p.strip_suffix(".yaml"))
        .filter(|p| !p.contains('/'))
        .map(str::to_string)
        .collect()
}

/// HireRank with a tool that only assists decisions: not an AEDT under the built-in NYC pack.
fn assisting_cv_screener() -> String {
    let text = example("cv-screening")
        .replace("name: HireRank\n", "name: HireHint\n")
        .replace("decision_role: decides", "decision_role: assists");
    assert!(text.contains("decision_role: assists") && text.contains("name: HireHint"));
    text
}

const EVIDENCE: &str = r#"{
  "accord": "evidence/v1",
  "kind": "fairness-audit",
  "produced_at": "2026-11-01T09:00:00Z",
  "tool": {"name": "api-test", "version": "0"},
  "controls": ["bias-testing", "data-governance"],
  "metrics": {"impact_ratio_min": 0.86},
  "passed": true
}
"#;

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---- the app, per backend ---------------------------------------------------------------

/// One backend's registry and the router over it. Fields drop in order: the
/// database (a PostgreSQL one is dropped) goes last.
struct Ctx {
    label: &'static str,
    store: Store,
    state: AppState,
    app: Router,
    _db: TestDatabase,
}

/// A registry on every configured backend.
async fn backends() -> Vec<Ctx> {
    backends_with(0).await
}

async fn backends_with(rate_limit: u32) -> Vec<Ctx> {
    let mut out = Vec::new();
    for db in accord_store::testing::all().await {
        let store = Store::open(&db.url)
            .await
            .unwrap_or_else(|e| panic!("open {} ({}): {e}", db.label, db.url));
        let state = AppState::new(store.clone(), builtin_rules(), Vec::new(), rate_limit);
        let app = router(state.clone(), &[]);
        eprintln!("--- backend: {}", db.label);
        out.push(Ctx {
            label: db.label,
            store,
            state,
            app,
            _db: db,
        });
    }
    out
}

impl Ctx {
    async fn finish(self) {
        self.store.close().await;
    }

    async fn token(
        &self,
        role: Role,
        name: &str,
        organisation: Option<&str>,
        jurisdiction: Option<&str>,
    ) -> String {
        self.store
            .create_token(&NewToken {
                name: name.into(),
                role,
                organisation: organisation.map(str::to_string),
                jurisdiction: jurisdiction.map(str::to_string),
            })
            .await
            .unwrap_or_else(|e| panic!("[{}] create token {name}: {e}", self.label))
            .1
    }

    async fn provider(&self, name: &str, organisation: &str) -> String {
        self.token(Role::Provider, name, Some(organisation), None)
            .await
    }

    async fn reviewer(&self, name: &str, jurisdiction: &str) -> String {
        self.token(Role::Reviewer, name, None, Some(jurisdiction))
            .await
    }

    async fn admin(&self, name: &str) -> String {
        self.token(Role::Admin, name, None, None).await
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Reply {
        send(&self.app, Method::GET, uri, token, None, Body::empty()).await
    }

    async fn post_json(&self, uri: &str, token: Option<&str>, body: &Value) -> Reply {
        send(
            &self.app,
            Method::POST,
            uri,
            token,
            Some("application/json"),
            Body::from(body.to_string()),
        )
        .await
    }

    async fn post_text(
        &self,
        uri: &str,
        token: Option<&str>,
        content_type: &str,
        text: impl Into<Body>,
    ) -> Reply {
        send(
            &self.app,
            Method::POST,
            uri,
            token,
            Some(content_type),
            text.into(),
        )
        .await
    }

    /// Registers a system (YAML body) and returns its id.
    async fn register(&self, token: &str, profile: &str) -> i64 {
        let reply = self
            .post_text(
                "/api/v1/systems",
                Some(token),
                "application/yaml",
                profile.to_string(),
            )
            .await;
        reply.expect(StatusCode::CREATED, self.label);
        let id = reply.json()["id"].as_i64().expect("id");
        assert_eq!(reply.json()["version"], json!(1));
        id
    }

    async fn file(&self, token: &str, system: i64, jurisdiction: &str) -> Reply {
        self.post_json(
            &format!("/api/v1/systems/{system}/filings"),
            Some(token),
            &json!({"jurisdiction": jurisdiction}),
        )
        .await
    }

    /// Files a system and returns the filing's id.
    async fn filed(&self, token: &str, system: i64, jurisdiction: &str) -> i64 {
        let reply = self.file(token, system, jurisdiction).await;
        reply.expect(StatusCode::CREATED, self.label);
        reply.json()["id"].as_i64().expect("filing id")
    }

    async fn transition(&self, token: &str, filing: i64, to: &str, comment: &str) -> Reply {
        self.post_json(
            &format!("/api/v1/filings/{filing}/transitions"),
            Some(token),
            &json!({"to": to, "comment": comment}),
        )
        .await
    }
}

/// A response, its body read.
struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} body is not JSON ({e}): {:?}",
                self.status,
                self.text().chars().take(300).collect::<String>()
            )
        })
    }

    #[track_caller]
    fn expect(&self, status: StatusCode, label: &str) {
        assert_eq!(
            self.status,
            status,
            "[{label}] unexpected status; body: {}",
            self.text().chars().take(600).collect::<String>()
        );
    }

    /// Asserts the status and that the body is the API's JSON error with this code.
    #[track_caller]
    fn expect_error(&self, status: StatusCode, code: &str, label: &str) -> String {
        self.expect(status, label);
        let problem = self.error_shape_problem(code);
        assert!(
            problem.is_none(),
            "[{label}] {}",
            problem.unwrap_or_default()
        );
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Why the body is not `{"error": {"code": CODE, "message": "..."}}` as
    /// `application/json`, or `None` when it is.
    fn error_shape_problem(&self, code: &str) -> Option<String> {
        let content_type = self
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("(none)");
        let body = self.text().chars().take(200).collect::<String>();
        if !content_type.starts_with("application/json") {
            return Some(format!(
                "{}: content-type {content_type}, not application/json; body {body:?}",
                self.status
            ));
        }
        let Ok(value) = serde_json::from_slice::<Value>(&self.body) else {
            return Some(format!("{}: body is not JSON: {body:?}", self.status));
        };
        if value["error"]["code"] != json!(code) {
            return Some(format!(
                "{}: error.code is {}, expected {code:?}; body {body:?}",
                self.status, value["error"]["code"]
            ));
        }
        if value["error"]["message"].as_str().is_none_or(str::is_empty) {
            return Some(format!("{}: no error.message; body {body:?}", self.status));
        }
        None
    }
}

async fn send(
    app: &Router,
    method: Method,
    uri: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Body,
) -> Reply {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    if let Some(content_type) = content_type {
        request = request.header(header::CONTENT_TYPE, content_type);
    }
    send_request(app, request.body(body).expect("request")).await
}

async fn send_request(app: &Router, request: Request<Body>) -> Reply {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    Reply {
        status,
        headers,
        body,
    }
}

// ---- authorisation ----------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_cannot_approve_its_own_filing() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let filing = t.filed(&acme, system, "EU").await;

        for to in ["approved", "under-review", "rejected", "changes-requested"] {
            let reply = t.transition(&acme, filing, to, "looks fine to me").await;
            let message = reply.expect_error(StatusCode::FORBIDDEN, "forbidden", t.label);
            assert!(message.contains("provider"), "{message}");
        }
        // The filing view offers the provider no move.
        let view = t
            .get(&format!("/api/v1/filings/{filing}"), Some(&acme))
            .await;
        view.expect(StatusCode::OK, t.label);
        assert_eq!(view.json()["transitions"], json!([]));
        assert_eq!(view.json()["status"], "submitted");

        // An admin of the same organisation cannot approve it either …
        let own_admin = t.token(Role::Admin, "acme-admin", Some("Acme"), None).await;
        t.transition(&own_admin, filing, "approved", "")
            .await
            .expect_error(StatusCode::FORBIDDEN, "forbidden", t.label);
        // … nor a reviewer of another jurisdiction (who cannot even see it).
        let cn = t.reviewer("chen", "CN").await;
        t.transition(&cn, filing, "approved", "")
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);

        // Still submitted, and off the public register.
        let view = t
            .get(&format!("/api/v1/filings/{filing}"), Some(&acme))
            .await;
        assert_eq!(view.json()["status"], "submitted");
        assert_eq!(view.json()["published"], false);
        let register = t.get("/api/v1/register", None).await;
        assert_eq!(register.json()["items"], json!([]));

        // The EU reviewer can.
        let eu = t.reviewer("eva", "EU").await;
        let view = t.get(&format!("/api/v1/filings/{filing}"), Some(&eu)).await;
        assert_eq!(
            view.json()["transitions"],
            json!(["under-review", "approved", "rejected", "changes-requested"])
        );
        let reply = t.transition(&eu, filing, "approved", "").await;
        reply.expect(StatusCode::OK, t.label);
        assert_eq!(reply.json()["status"], "approved");
        assert_eq!(reply.json()["published"], true);
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_cannot_read_another_organisations_drafts() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let globex = t.provider("bob", "Globex").await;
        let draft = t.register(&acme, example("cv-screening")).await;
        let filed = t.register(&acme, example("shop-support-chatbot")).await;
        let filing = t.filed(&acme, filed, "EU").await;
        let mine = t.register(&globex, example("face-swap-app")).await;

        for system in [draft, filed] {
            for path in ["", "/assessment", "/evidence", "/attestations"] {
                let uri = format!("/api/v1/systems/{system}{path}");
                t.get(&uri, Some(&globex)).await.expect_error(
                    StatusCode::NOT_FOUND,
                    "not-found",
                    t.label,
                );
                // The owner reads it.
                t.get(&uri, Some(&acme))
                    .await
                    .expect(StatusCode::OK, t.label);
            }
            // Nor may it write to it.
            let put = send(
                &t.app,
                Method::PUT,
                &format!("/api/v1/systems/{system}/profile"),
                Some(&globex),
                Some("application/yaml"),
                Body::from(example("face-swap-app")),
            )
            .await;
            put.expect_error(StatusCode::NOT_FOUND, "not-found", t.label);
            t.post_text(
                &format!("/api/v1/systems/{system}/evidence"),
                Some(&globex),
                "application/json",
                EVIDENCE,
            )
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);
            t.file(&globex, system, "CN").await.expect_error(
                StatusCode::NOT_FOUND,
                "not-found",
                t.label,
            );
        }
        t.get(&format!("/api/v1/filings/{filing}"), Some(&globex))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);

        // Lists hold only its own.
        let systems = t.get("/api/v1/systems", Some(&globex)).await;
        systems.expect(StatusCode::OK, t.label);
        let ids: Vec<i64> = systems.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|s| s["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(ids, [mine]);
        let filings = t
            .get(&format!("/api/v1/filings?system={filed}"), Some(&globex))
            .await;
        assert_eq!(filings.json()["items"], json!([]));
        let impacts = t.get("/api/v1/impacts", Some(&globex)).await;
        impacts.expect(StatusCode::OK, t.label);

        // A reviewer sees a system only once it is filed in its jurisdiction.
        let eu = t.reviewer("eva", "EU").await;
        t.get(&format!("/api/v1/systems/{draft}"), Some(&eu))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);
        t.get(&format!("/api/v1/systems/{filed}"), Some(&eu))
            .await
            .expect(StatusCode::OK, t.label);
        let cn = t.reviewer("chen", "CN").await;
        t.get(&format!("/api/v1/systems/{filed}"), Some(&cn))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);
        t.get("/api/v1/systems", Some(&eu)).await.expect_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            t.label,
        );
        t.get("/api/v1/filings?jurisdiction=CN", Some(&eu))
            .await
            .expect_error(StatusCode::FORBIDDEN, "forbidden", t.label);
        // A reviewer registers nothing.
        t.post_text(
            "/api/v1/systems",
            Some(&eu),
            "application/yaml",
            example("cv-screening"),
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden", t.label);
        t.finish().await;
    }
}

/// Law-change impacts name systems and what changed for them: a reviewer may
/// read the systems filed in its jurisdiction, not other organisations' drafts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_sees_impacts_only_of_systems_filed_with_it() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let admin = t.admin("root").await;
        let draft = t.register(&acme, example("cv-screening")).await;
        accord_server::impact::reassess(&t.state, false)
            .await
            .expect("first load");
        let changed = AppState::new(t.store.clone(), law_change_rules(), Vec::new(), 0);
        let app = router(changed, &[]);
        send(
            &app,
            Method::POST,
            "/api/v1/admin/reassess",
            Some(&admin),
            None,
            Body::empty(),
        )
        .await
        .expect(StatusCode::OK, t.label);
        let mine = t.get("/api/v1/impacts", Some(&acme)).await;
        assert_eq!(mine.json()["items"][0]["system_id"], json!(draft));

        let eu = t.reviewer("eva", "EU").await;
        let seen = t.get("/api/v1/impacts", Some(&eu)).await;
        seen.expect(StatusCode::OK, t.label);
        assert_eq!(
            seen.json()["items"],
            json!([]),
            "[{}] a reviewer reads the impact on system {draft}, a draft filed nowhere",
            t.label
        );
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_sees_only_published_fields() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let eu = t.reviewer("eva", "EU").await;
        let nyc = t.reviewer("nora", "US-NY-NYC").await;
        let approved_system = t.register(&acme, example("cv-screening")).await;
        let approved = t.filed(&acme, approved_system, "EU").await;
        t.transition(&eu, approved, "approved", "")
            .await
            .expect(StatusCode::OK, t.label);
        // Filed but pending, rejected, and never filed: none is published.
        let pending = t.filed(&acme, approved_system, "US-NY-NYC").await;
        let rejected_system = t.register(&acme, example("shop-support-chatbot")).await;
        let rejected = t.filed(&acme, rejected_system, "EU").await;
        t.transition(&eu, rejected, "rejected", "incomplete dossier")
            .await
            .expect(StatusCode::OK, t.label);
        let _draft = t.register(&acme, example("frontier-model")).await;

        let reply = t.get("/api/v1/register", None).await;
        reply.expect(StatusCode::OK, t.label);
        let body = reply.json();
        let items = body["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{body}");
        let entry = items[0].as_object().expect("entry");
        let keys: BTreeSet<&str> = entry.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            BTreeSet::from([
                "approved_at",
                "classifications",
                "description",
                "filing",
                "jurisdiction",
                "organisation",
                "profile_version",
                "purposes",
                "status",
                "system",
            ])
        );
        assert_eq!(entry["filing"], json!(approved));
        assert_eq!(entry["system"], "HireRank");
        assert_eq!(entry["organisation"], "Acme");
        assert_eq!(entry["jurisdiction"], "EU");
        assert_eq!(entry["status"], "approved");
        assert_eq!(entry["purposes"], json!(["employment.recruitment"]));
        assert!(
            entry["classifications"]
                .as_array()
                .expect("classifications")
                .iter()
                .any(|c| c == "eu.high-risk"),
            "{entry:?}"
        );
        // Nothing else of the profile, the filing or the review leaks.
        let text = reply.text();
        for secret in [
            "HireRank Ltd",
            "annual_revenue",
            "40000000",
            "eu.significant_design_change",
            "incomplete dossier",
            "Fern & Co",
            "submitted_by",
            "operator",
        ] {
            assert!(
                !text.contains(secret),
                "the register shows {secret:?}: {text}"
            );
        }
        // A token changes nothing: the register is the register.
        let with_token = t.get("/api/v1/register", Some(&acme)).await;
        assert_eq!(with_token.json(), body);
        // Under review is not published either.
        t.transition(&nyc, pending, "under-review", "")
            .await
            .expect(StatusCode::OK, t.label);
        let nyc_register = t.get("/api/v1/register?jurisdiction=US-NY-NYC", None).await;
        assert_eq!(nyc_register.json()["items"], json!([]));

        // Everything else needs a token.
        for uri in [
            format!("/api/v1/systems/{approved_system}"),
            format!("/api/v1/systems/{approved_system}/assessment"),
            format!("/api/v1/systems/{approved_system}/evidence"),
            format!("/api/v1/systems/{approved_system}/attestations"),
            "/api/v1/systems".to_string(),
            "/api/v1/filings".to_string(),
            format!("/api/v1/filings/{approved}"),
            "/api/v1/impacts".to_string(),
            "/api/v1/audit-log".to_string(),
            "/api/v1/me".to_string(),
        ] {
            t.get(&uri, None)
                .await
                .expect_error(StatusCode::UNAUTHORIZED, "unauthorized", t.label);
        }
        t.post_text(
            "/api/v1/systems",
            None,
            "application/yaml",
            example("cv-screening"),
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized", t.label);
        // Public reads: the register, crosswalks, the OpenAPI document.
        t.get("/api/v1/crosswalk?left=EU&right=CN", None)
            .await
            .expect(StatusCode::OK, t.label);
        t.get("/openapi.json", None)
            .await
            .expect(StatusCode::OK, t.label);
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_is_refused() {
    for t in backends().await {
        let alice = t.provider("alice", "Acme").await;
        let second = t.provider("alice", "Acme").await;
        let bob = t.provider("bob", "Acme").await;
        let me = t.get("/api/v1/me", Some(&alice)).await;
        me.expect(StatusCode::OK, t.label);
        assert_eq!(me.json()["name"], "alice");
        assert_eq!(me.json()["role"], "provider");

        assert_eq!(t.store.revoke_tokens(&alice).await.expect("revoke"), 1);
        for reply in [
            t.get("/api/v1/me", Some(&alice)).await,
            t.get("/api/v1/systems", Some(&alice)).await,
            t.post_text(
                "/api/v1/systems",
                Some(&alice),
                "application/yaml",
                example("cv-screening"),
            )
            .await,
        ] {
            let message = reply.expect_error(StatusCode::UNAUTHORIZED, "unauthorized", t.label);
            assert!(message.contains("revoked"), "{message}");
        }
        // The UI's cookie is refused the same way.
        let cookie = Request::builder()
            .uri("/api/v1/me")
            .header(header::COOKIE, format!("accord_token={alice}"))
            .body(Body::empty())
            .expect("request");
        send_request(&t.app, cookie).await.expect_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            t.label,
        );
        // Nothing was registered with it.
        let listed = t.get("/api/v1/systems", Some(&bob)).await;
        assert_eq!(listed.json()["items"], json!([]));
        // Alice's other token and Bob's still work; revoking by name ends all of Alice's.
        t.get("/api/v1/me", Some(&second))
            .await
            .expect(StatusCode::OK, t.label);
        t.get("/api/v1/me", Some(&bob))
            .await
            .expect(StatusCode::OK, t.label);
        assert_eq!(t.store.revoke_tokens("alice").await.expect("revoke"), 1);
        t.get("/api/v1/me", Some(&second)).await.expect_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            t.label,
        );
        // Unknown and malformed tokens are refused too, not treated as the public.
        for bad in ["accord_0000", "not-a-token", &"accord_".repeat(40)] {
            t.get("/api/v1/me", Some(bad)).await.expect_error(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                t.label,
            );
        }
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_admin_reads_the_audit_log_and_every_write_is_in_it() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let eu = t.reviewer("eva", "EU").await;
        let admin = t.admin("root").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let filing = t.filed(&acme, system, "EU").await;
        t.transition(&eu, filing, "approved", "")
            .await
            .expect(StatusCode::OK, t.label);
        for token in [&acme, &eu] {
            t.get("/api/v1/audit-log", Some(token)).await.expect_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                t.label,
            );
            t.post_text(
                "/api/v1/admin/reassess",
                Some(token),
                "application/json",
                "",
            )
            .await
            .expect_error(StatusCode::FORBIDDEN, "forbidden", t.label);
        }
        let log = t.get("/api/v1/audit-log", Some(&admin)).await;
        log.expect(StatusCode::OK, t.label);
        let actions: Vec<(String, String)> = log.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| {
                (
                    e["actor"].as_str().unwrap_or_default().to_string(),
                    e["action"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        for expected in [
            ("alice", "system.create"),
            ("alice", "filing.submit"),
            ("eva", "filing.approved"),
        ] {
            assert!(
                actions
                    .iter()
                    .any(|(a, b)| a == expected.0 && b == expected.1),
                "[{}] {expected:?} not in {actions:?}",
                t.label
            );
        }
        assert!(t.store.verify_audit_log().await.expect("verify").entries >= 6);
        t.finish().await;
    }
}

// ---- errors, pagination, limits, CORS, OpenAPI ------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_json_with_stable_codes() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        t.get("/api/v1/no-such-route", Some(&acme))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);
        t.get("/api/v1/systems/999999", Some(&acme))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);
        t.get("/api/v1/filings/999999", Some(&acme))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not-found", t.label);

        // A profile with mistakes: located problems, with hints.
        let bad = example("cv-screening")
            .replace("decision_role: decides", "decision_role: decidez")
            .replace(
                "purposes: [employment.recruitment]",
                "purposes: [employment.recruitmnt]",
            );
        let reply = t
            .post_text("/api/v1/systems", Some(&acme), "application/yaml", bad)
            .await;
        reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        let problems = reply.json()["error"]["problems"].clone();
        let problems = problems.as_array().expect("problems");
        assert!(problems.len() >= 2, "{problems:?}");
        for p in problems {
            let at = p["at"].as_str().unwrap_or_else(|| panic!("unlocated: {p}"));
            let (line, column) = at.split_once(':').expect("line:column");
            assert!(
                line.parse::<u32>().is_ok() && column.parse::<u32>().is_ok(),
                "{at}"
            );
        }
        let text = reply.text();
        assert!(
            text.contains("decidez") && text.contains("employment.recruitmnt"),
            "{text}"
        );
        // Not a profile at all.
        t.post_text("/api/v1/systems", Some(&acme), "application/json", "[1, 2")
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        // Bad query values the handlers check.
        let system = t.register(&acme, example("cv-screening")).await;
        t.get(
            &format!("/api/v1/systems/{system}/assessment?as_of=2026-13-45"),
            Some(&acme),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        t.get("/api/v1/filings?status=pending", Some(&acme))
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        t.get("/api/v1/crosswalk?left=EU&right=Atlantis", None)
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        t.file(&acme, system, "Atlantis").await.expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            t.label,
        );
        t.finish().await;
    }
}

/// Requests that axum's extractors refuse before a handler runs must still get
/// the API's JSON error body (issue 5: "errors as JSON with stable codes").
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_refused_by_extractors_get_the_json_error_shape() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let eu = t.reviewer("eva", "EU").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let filing = t.filed(&acme, system, "EU").await;
        let cases: Vec<(&str, StatusCode, &str, Reply)> = vec![
            (
                "malformed JSON body",
                StatusCode::BAD_REQUEST,
                "invalid",
                t.post_text(
                    &format!("/api/v1/filings/{filing}/transitions"),
                    Some(&eu),
                    "application/json",
                    "{\"to\": ",
                )
                .await,
            ),
            (
                "JSON body missing a field",
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                t.post_json(
                    &format!("/api/v1/systems/{system}/filings"),
                    Some(&acme),
                    &json!({}),
                )
                .await,
            ),
            (
                "JSON body without a content type",
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                send(
                    &t.app,
                    Method::POST,
                    &format!("/api/v1/systems/{system}/filings"),
                    Some(&acme),
                    None,
                    Body::from(r#"{"jurisdiction": "CN"}"#),
                )
                .await,
            ),
            (
                "non-numeric id in the path",
                StatusCode::BAD_REQUEST,
                "invalid",
                t.get("/api/v1/systems/abc", Some(&acme)).await,
            ),
            (
                "non-numeric limit in the query",
                StatusCode::BAD_REQUEST,
                "invalid",
                t.get("/api/v1/systems?limit=ten", Some(&acme)).await,
            ),
            (
                "crosswalk without its parameters",
                StatusCode::BAD_REQUEST,
                "invalid",
                t.get("/api/v1/crosswalk", None).await,
            ),
            (
                "a method the route does not have",
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                send(
                    &t.app,
                    Method::DELETE,
                    &format!("/api/v1/systems/{system}"),
                    Some(&acme),
                    None,
                    Body::empty(),
                )
                .await,
            ),
        ];
        let mut failures = Vec::new();
        for (what, status, code, reply) in &cases {
            if reply.status != *status {
                failures.push(format!(
                    "{what}: status {}, expected {status}; body {:?}",
                    reply.status,
                    reply.text()
                ));
            } else if let Some(problem) = reply.error_shape_problem(code) {
                failures.push(format!("{what}: {problem}"));
            }
        }
        assert!(
            failures.is_empty(),
            "[{}] not the JSON error shape:\n  {}",
            t.label,
            failures.join("\n  ")
        );
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_are_paginated_with_limit_and_before() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let eu = t.reviewer("eva", "EU").await;
        let mut ids = Vec::new();
        for i in 0..5 {
            let profile = example("shop-support-chatbot").replace(
                "name: Fern & Co. Help Assistant",
                &format!("name: Assistant {i}"),
            );
            ids.push(t.register(&acme, &profile).await);
        }
        ids.reverse(); // newest first
        for &id in &ids {
            let filing = t.filed(&acme, id, "EU").await;
            t.transition(&eu, filing, "approved", "")
                .await
                .expect(StatusCode::OK, t.label);
        }

        for (base, id_field) in [
            ("/api/v1/systems?", "id"),
            ("/api/v1/filings?", "id"),
            ("/api/v1/register?jurisdiction=EU&", "filing"),
        ] {
            let mut seen = Vec::new();
            let mut pages = Vec::new();
            let mut uri = format!("{base}limit=2");
            loop {
                let reply = t.get(&uri, Some(&acme)).await;
                reply.expect(StatusCode::OK, t.label);
                let body = reply.json();
                let items = body["items"].as_array().expect("items").clone();
                assert!(items.len() <= 2, "{uri}: {body}");
                pages.push(items.len());
                seen.extend(items.iter().map(|i| i[id_field].as_i64().expect("id")));
                match body["next"].as_i64() {
                    Some(next) => {
                        assert_eq!(Some(&next), seen.last(), "{uri}: next is the last id");
                        uri = format!("{base}limit=2&before={next}");
                    }
                    None => break,
                }
                assert!(pages.len() < 10, "{base}: pagination does not end");
            }
            assert_eq!(pages, [2, 2, 1], "[{}] {base}", t.label);
            let mut sorted = seen.clone();
            sorted.sort_unstable_by(|a, b| b.cmp(a));
            sorted.dedup();
            assert_eq!(seen, sorted, "{base}: newest first, each once");
            assert_eq!(seen.len(), 5, "{base}");
            if id_field == "id" && base.contains("systems") {
                assert_eq!(seen, ids);
            }
        }
        // Default and clamped limits.
        let all = t.get("/api/v1/systems", Some(&acme)).await;
        assert_eq!(all.json()["items"].as_array().map(Vec::len), Some(5));
        assert!(all.json().get("next").is_none(), "{}", all.json());
        let one = t.get("/api/v1/systems?limit=0", Some(&acme)).await;
        assert_eq!(one.json()["items"].as_array().map(Vec::len), Some(1));
        let many = t.get("/api/v1/systems?limit=100000", Some(&acme)).await;
        assert_eq!(many.json()["items"].as_array().map(Vec::len), Some(5));
        let none = t
            .get(&format!("/api/v1/systems?before={}", ids[4]), Some(&acme))
            .await;
        assert_eq!(none.json()["items"], json!([]));
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_bodies_over_one_mebibyte_are_refused_with_413_too_large() {
    assert_eq!(accord_server::MAX_BODY_BYTES, 1024 * 1024);
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        // Just under the limit: accepted (a YAML comment pads the profile).
        let profile = example("cv-screening");
        let pad = accord_server::MAX_BODY_BYTES - profile.len() - 64;
        let under = format!("{profile}\n# {}\n", "x".repeat(pad));
        assert!(under.len() < accord_server::MAX_BODY_BYTES);
        t.post_text("/api/v1/systems", Some(&acme), "application/yaml", under)
            .await
            .expect(StatusCode::CREATED, t.label);
        // One byte over: refused, before the handler stores anything.
        let pad = accord_server::MAX_BODY_BYTES - profile.len() - 3;
        let over = format!("{profile}\n# {}\n", "x".repeat(pad));
        assert_eq!(over.len(), accord_server::MAX_BODY_BYTES + 1);
        let reply = t
            .post_text(
                "/api/v1/systems",
                Some(&acme),
                "application/yaml",
                over.clone(),
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            reply.text()
        );
        let systems = t.get("/api/v1/systems", Some(&acme)).await;
        assert_eq!(systems.json()["items"].as_array().map(Vec::len), Some(1));
        // A JSON route too.
        let big = json!({"jurisdiction": "EU", "pad": "x".repeat(accord_server::MAX_BODY_BYTES)});
        let filing = t
            .post_json("/api/v1/systems/1/filings", Some(&acme), &big)
            .await;
        assert_eq!(
            filing.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            filing.text()
        );
        // And in the API's error shape.
        reply.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "too-large", t.label);
        filing.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "too-large", t.label);
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_token_has_its_own_rate_limit() {
    for t in backends_with(3).await {
        let alice = t.provider("alice", "Acme").await;
        let bob = t.provider("bob", "Acme").await;
        for _ in 0..3 {
            t.get("/api/v1/me", Some(&alice))
                .await
                .expect(StatusCode::OK, t.label);
        }
        let message = t.get("/api/v1/me", Some(&alice)).await.expect_error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate-limited",
            t.label,
        );
        assert!(message.contains('3'), "{message}");
        // Writes count too, and are refused without effect.
        t.post_text(
            "/api/v1/systems",
            Some(&alice),
            "application/yaml",
            example("cv-screening"),
        )
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "rate-limited", t.label);
        // Another token is not slowed down.
        let listed = t.get("/api/v1/systems", Some(&bob)).await;
        listed.expect(StatusCode::OK, t.label);
        assert_eq!(listed.json()["items"], json!([]));
        // The public, reading the register, is not limited per token.
        for _ in 0..5 {
            t.get("/api/v1/register", None)
                .await
                .expect(StatusCode::OK, t.label);
        }
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_off_unless_an_origin_is_configured() {
    for t in backends().await {
        let preflight = |origin: &str| {
            Request::builder()
                .method(Method::OPTIONS)
                .uri("/api/v1/systems")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(
                    header::ACCESS_CONTROL_REQUEST_HEADERS,
                    "authorization, content-type",
                )
                .body(Body::empty())
                .expect("request")
        };
        let simple = |origin: &str| {
            Request::builder()
                .uri("/api/v1/register")
                .header(header::ORIGIN, origin)
                .body(Body::empty())
                .expect("request")
        };
        let allow = |r: &Reply| {
            r.headers
                .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
                .map(|v| v.to_str().unwrap_or("?").to_string())
        };

        // Default: no CORS headers at all.
        let reply = send_request(&t.app, simple("https://ui.example")).await;
        reply.expect(StatusCode::OK, t.label);
        assert_eq!(allow(&reply), None);
        let reply = send_request(&t.app, preflight("https://ui.example")).await;
        assert_eq!(
            allow(&reply),
            None,
            "preflight answered: {:?}",
            reply.headers
        );
        assert!(
            reply
                .headers
                .get(header::ACCESS_CONTROL_ALLOW_METHODS)
                .is_none()
        );

        // Configured: that origin only.
        let app = router(t.state.clone(), &["https://ui.example".to_string()]);
        let reply = send_request(&app, simple("https://ui.example")).await;
        assert_eq!(allow(&reply).as_deref(), Some("https://ui.example"));
        let reply = send_request(&app, preflight("https://ui.example")).await;
        assert!(reply.status.is_success(), "{}", reply.status);
        assert_eq!(allow(&reply).as_deref(), Some("https://ui.example"));
        let methods = reply
            .headers
            .get(header::ACCESS_CONTROL_ALLOW_METHODS)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_uppercase();
        assert!(methods.contains("POST"), "{methods}");
        let reply = send_request(&app, simple("https://evil.example")).await;
        assert_eq!(allow(&reply), None);
        let reply = send_request(&app, preflight("https://evil.example")).await;
        assert_eq!(allow(&reply), None);
        t.finish().await;
    }
}

/// `(METHOD, /api/v1/PATH)` for every API route `router()` declares, read from
/// its source so that a route added there without an OpenAPI entry is caught.
fn declared_api_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../src/lib.rs");
    let start = source
        .find("let api = Router::new()")
        .expect("router() builds `let api = Router::new()`");
    let end = start
        + source[start..]
            .find(".fallback(")
            .expect("the API router has a fallback");
    let block = &source[start..end];
    let mut routes = BTreeSet::new();
    for chunk in block.split(".route(").skip(1) {
        let path = chunk
            .split('"')
            .nth(1)
            .expect("a route's path is a string literal");
        for method in ["get", "post", "put", "patch", "delete"] {
            let needle = format!("{method}(api::");
            let mut from = 0;
            while let Some(i) = chunk[from..].find(&needle) {
                let at = from + i;
                let before = chunk[..at].chars().last();
                if !before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                    routes.insert((method.to_uppercase(), format!("/api/v1{path}")));
                }
                from = at + needle.len();
            }
        }
    }
    routes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_3_lists_every_route() {
    let declared = declared_api_routes();
    assert!(declared.len() >= 19, "parsed only {declared:?}");
    for fixed in [
        ("POST", "/api/v1/systems"),
        ("GET", "/api/v1/systems/{id}"),
        ("GET", "/api/v1/systems/{id}/assessment"),
        ("POST", "/api/v1/systems/{id}/filings"),
        ("GET", "/api/v1/register"),
    ] {
        assert!(
            declared.contains(&(fixed.0.to_string(), fixed.1.to_string())),
            "CONTRACT.md §9 route {fixed:?} missing from router()"
        );
    }
    for t in backends().await {
        let reply = t.get("/openapi.json", None).await;
        reply.expect(StatusCode::OK, t.label);
        assert!(
            reply
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/json"))
        );
        let doc = reply.json();
        let version = doc["openapi"].as_str().expect("openapi field");
        assert!(version.starts_with("3."), "{version}");
        assert!(doc["info"]["title"].is_string());
        let mut documented = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                    documented.insert((method.to_uppercase(), path.clone()));
                }
            }
        }
        let missing: Vec<_> = declared.difference(&documented).collect();
        let extra: Vec<_> = documented.difference(&declared).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "routes without OpenAPI: {missing:?}; OpenAPI paths not routed: {extra:?}"
        );
        // Every declared route is really served (not the fallback, not 405).
        for (method, path) in &declared {
            let uri = path.replace("{id}", "1");
            let reply = send(
                &t.app,
                method.parse().expect("method"),
                &uri,
                None,
                Some("application/json"),
                Body::from("{}"),
            )
            .await;
            assert_ne!(
                reply.status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {uri}"
            );
            assert!(
                !reply.text().contains("this API route"),
                "{method} {uri} hit the fallback"
            );
        }
        // Security scheme and error schema are declared.
        assert_eq!(
            doc["components"]["securitySchemes"]["token"]["scheme"],
            "bearer"
        );
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
        // Every error code the API answers with is documented.
        let documented_codes =
            doc["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["description"]
                .as_str()
                .unwrap_or_default();
        for code in [
            "unauthorized",
            "forbidden",
            "not-found",
            "invalid",
            "conflict",
            "too-large",
            "rate-limited",
            "attestation-rejected",
            "method-not-allowed",
            "unsupported-media-type",
            "internal",
        ] {
            assert!(
                documented_codes.contains(&format!("`{code}`")),
                "error code {code} is not documented in OpenAPI: {documented_codes:?}"
            );
        }
        t.finish().await;
    }
}

// ---- assessments ------------------------------------------------------------------------

/// `accord assess PROFILE --format json --as-of DATE` as the CLI computes it
/// (crates/accord-cli/src/commands.rs), through the same library.
fn cli_assessment(rules: &RuleSet, text: &str, path: &str, as_of: jiff::civil::Date) -> Value {
    let input = ProfileInput::parse(text, path, rules).expect("valid example");
    let assessment = Assessor {
        rules,
        evidence: &[],
        options: Options {
            as_of,
            jurisdictions: Vec::new(),
        },
    }
    .assess(&input);
    serde_json::to_value(&assessment).expect("serialise")
}

fn cli_json(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("serialise");
    text.push('\n');
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assessment_route_is_identical_to_the_cli() {
    let rules = builtin_rules();
    let as_of = jiff::civil::date(2026, 11, 28);
    let names = example_names();
    assert!(names.len() >= 9, "{names:?}");
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        for name in &names {
            let text = example(name);
            let system = t.register(&acme, text).await;
            let reply = t
                .get(
                    &format!("/api/v1/systems/{system}/assessment?as_of={as_of}"),
                    Some(&acme),
                )
                .await;
            reply.expect(StatusCode::OK, t.label);
            let mut expected =
                cli_assessment(&rules, text, &format!("examples/{name}.yaml"), as_of);
            // The CLI records the file it read; a profile POSTed to the server has no path.
            let path = expected["profile"]
                .as_object_mut()
                .and_then(|p| p.remove("path"));
            assert_eq!(path, Some(json!(format!("examples/{name}.yaml"))));
            assert_eq!(
                reply.text(),
                cli_json(&expected),
                "[{}] {name}: the server's assessment differs from the CLI's",
                t.label
            );
            // Asked again (now stored), the same bytes.
            let again = t
                .get(
                    &format!("/api/v1/systems/{system}/assessment?as_of={as_of}"),
                    Some(&acme),
                )
                .await;
            assert_eq!(again.body, reply.body);
        }

        // Without as_of: today, as the CLI does by default.
        let text = example("cv-screening");
        let system = t.register(&acme, text).await;
        let reply = t
            .get(&format!("/api/v1/systems/{system}/assessment"), Some(&acme))
            .await;
        let today = accord_server::engine::today();
        let mut expected = cli_assessment(&rules, text, "request body", today);
        expected["profile"]
            .as_object_mut()
            .and_then(|p| p.remove("path"));
        assert_eq!(reply.text(), cli_json(&expected));

        // A profile POSTed as JSON: assessed as the CLI assesses that JSON file.
        let as_json = serde_json::to_string_pretty(
            &accord_model::doc::Document::parse(text, "cv.yaml")
                .expect("parse")
                .value,
        )
        .expect("json");
        let reply = t
            .post_text(
                "/api/v1/systems",
                Some(&acme),
                "application/json",
                as_json.clone(),
            )
            .await;
        reply.expect(StatusCode::CREATED, t.label);
        let json_system = reply.json()["id"].as_i64().expect("id");
        let reply = t
            .get(
                &format!("/api/v1/systems/{json_system}/assessment?as_of={as_of}"),
                Some(&acme),
            )
            .await;
        let mut expected = cli_assessment(&rules, &as_json, "cv.json", as_of);
        expected["profile"]
            .as_object_mut()
            .and_then(|p| p.remove("path"));
        assert_eq!(reply.text(), cli_json(&expected));

        // Versions: a new profile version is assessed on its own; the old one stays.
        let v2 = assisting_cv_screener();
        let put = send(
            &t.app,
            Method::PUT,
            &format!("/api/v1/systems/{system}/profile"),
            Some(&acme),
            Some("application/yaml"),
            Body::from(v2.clone()),
        )
        .await;
        put.expect(StatusCode::CREATED, t.label);
        assert_eq!(put.json()["version"], json!(2));
        let latest = t
            .get(
                &format!("/api/v1/systems/{system}/assessment?as_of={as_of}"),
                Some(&acme),
            )
            .await;
        let mut expected = cli_assessment(&rules, &v2, "v2.yaml", as_of);
        expected["profile"]
            .as_object_mut()
            .and_then(|p| p.remove("path"));
        assert_eq!(latest.text(), cli_json(&expected));
        let first = t
            .get(
                &format!("/api/v1/systems/{system}/assessment?as_of={as_of}&version=1"),
                Some(&acme),
            )
            .await;
        assert_eq!(first.json()["profile"]["name"], "HireRank");
        assert_eq!(latest.json()["profile"]["name"], "HireHint");
        let view = t
            .get(&format!("/api/v1/systems/{system}"), Some(&acme))
            .await;
        assert_eq!(view.json()["version"], json!(2));
        assert_eq!(view.json()["name"], "HireHint");
        assert_eq!(
            view.json()["profile_digest"],
            json!(format!("sha256:{}", sha256_hex(v2.as_bytes())))
        );
        // The same digest the assessment records for the profile.
        assert_eq!(
            latest.json()["profile"]["digest"],
            view.json()["profile_digest"]
        );
        t.finish().await;
    }
}

// ---- law-change impact ------------------------------------------------------------------

/// The built-in packs with a new version of the NYC pack: the bias audit now
/// applies from 2099-01-01, and a tool that only assists decisions is an AEDT.
fn law_change_rules() -> RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES
        .get_or_init(|| {
            let mut packs = accord_builtin::packs();
            let pack = packs
                .iter_mut()
                .find(|p| p.root == "rulepacks/us-nyc-ll144")
                .expect("the NYC pack is built in");
            let mut changed = 0;
            for file in &mut pack.files {
                if file.relative == "pack.yaml" {
                    let line = file
                        .text
                        .lines()
                        .find(|l| l.starts_with("version: "))
                        .expect("the pack has a version")
                        .to_string();
                    file.text = file.text.replace(&line, "version: 2099.1.0");
                    changed += 1;
                }
                if file.relative == "rules/01-aedt.yaml" {
                    let condition =
                        "{fact: decision_role, in: [substantially-assists, materially-influences, decides]}";
                    assert!(file.text.contains(condition));
                    file.text = file.text.replace(
                        condition,
                        "{fact: decision_role, in: [assists, substantially-assists, materially-influences, decides]}",
                    );
                    let rule = file
                        .text
                        .find("id: us-nyc-ll144/bias-audit")
                        .expect("bias-audit rule");
                    let date = rule
                        + file.text[rule..]
                            .find("applies_from: 2023-07-05")
                            .expect("its date");
                    file.text.replace_range(
                        date..date + "applies_from: 2023-07-05".len(),
                        "applies_from: 2099-01-01",
                    );
                    changed += 1;
                }
            }
            assert_eq!(changed, 2);
            compile(packs)
        })
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_law_change_records_what_newly_applies_and_what_moved() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let globex = t.provider("bob", "Globex").await;
        let admin = t.admin("root").await;
        let decides = t.register(&acme, example("cv-screening")).await;
        let assists = t.register(&acme, &assisting_cv_screener()).await;
        let elsewhere = t.register(&globex, example("china-public-chatbot")).await;

        // The registry starts with the built-in packs.
        let first = accord_server::impact::reassess(&t.state, false)
            .await
            .expect("first load");
        assert_eq!(first.from, None);
        assert_eq!(first.to, t.state.engine.rules_digest);
        assert_eq!(first.changed, 0);
        let again = accord_server::impact::reassess(&t.state, false)
            .await
            .expect("same packs");
        assert_eq!(again.systems, 0, "unchanged packs re-assess nothing");

        // A new NYC pack is loaded.
        let changed = AppState::new(t.store.clone(), law_change_rules(), Vec::new(), 0);
        assert_ne!(changed.engine.rules_digest, t.state.engine.rules_digest);
        let app = router(changed.clone(), &[]);
        let reply = send(
            &app,
            Method::POST,
            "/api/v1/admin/reassess",
            Some(&admin),
            None,
            Body::empty(),
        )
        .await;
        reply.expect(StatusCode::OK, t.label);
        let summary = reply.json();
        assert_eq!(summary["from"], json!(t.state.engine.rules_digest));
        assert_eq!(summary["to"], json!(changed.engine.rules_digest));
        assert_eq!(summary["systems"], json!(3));
        assert_eq!(summary["changed"], json!(2), "{summary}");
        assert_eq!(summary["without_baseline"], json!(0), "{summary}");

        let impacts = send(
            &app,
            Method::GET,
            "/api/v1/impacts",
            Some(&acme),
            None,
            Body::empty(),
        )
        .await;
        impacts.expect(StatusCode::OK, t.label);
        let items = impacts.json()["items"].as_array().expect("items").clone();
        let by_system: BTreeMap<i64, Value> = items
            .iter()
            .map(|i| {
                let changes: Value =
                    serde_json::from_str(i["changes"].as_str().expect("changes JSON"))
                        .expect("changes");
                assert_eq!(i["from_digest"], json!(t.state.engine.rules_digest));
                assert_eq!(i["to_digest"], json!(changed.engine.rules_digest));
                (i["system_id"].as_i64().expect("system"), changes)
            })
            .collect();
        assert_eq!(
            by_system.keys().copied().collect::<Vec<_>>(),
            [decides, assists],
            "a provider sees its own systems' impacts only"
        );

        // HireRank decides: the bias audit still holds, its date moved.
        let moved = &by_system[&decides];
        assert_eq!(moved["newly_applies"], json!([]), "{moved}");
        assert_eq!(moved["no_longer_applies"], json!([]), "{moved}");
        assert_eq!(moved["classifications"], json!([]), "{moved}");
        let moved = moved["moved"].as_array().expect("moved");
        assert_eq!(moved.len(), 1, "{moved:?}");
        assert_eq!(moved[0]["id"], "us-nyc-ll144/bias-audit");
        assert_eq!(moved[0]["jurisdiction"], "US-NY-NYC");
        assert_eq!(moved[0]["before"], "2023-07-05");
        assert_eq!(moved[0]["after"], "2099-01-01");

        // HireHint only assists: now an AEDT, and the NYC obligations newly apply.
        let newly = &by_system[&assists];
        assert_eq!(newly["classifications"], json!(["+us-nyc.aedt"]), "{newly}");
        assert_eq!(newly["no_longer_applies"], json!([]), "{newly}");
        let ids: Vec<&str> = newly["newly_applies"]
            .as_array()
            .expect("newly_applies")
            .iter()
            .map(|c| {
                assert_eq!(c["jurisdiction"], "US-NY-NYC", "{c}");
                c["id"].as_str().expect("id")
            })
            .collect();
        assert!(ids.contains(&"us-nyc-ll144/bias-audit"), "{ids:?}");
        assert!(
            ids.iter().all(|id| id.starts_with("us-nyc-ll144/")),
            "{ids:?}"
        );
        let audit = newly["newly_applies"]
            .as_array()
            .expect("newly_applies")
            .iter()
            .find(|c| c["id"] == "us-nyc-ll144/bias-audit")
            .expect("bias audit");
        assert_eq!(audit["after"], "upcoming", "applies from 2099: {audit}");

        // The other organisation's unaffected system: recorded, nothing changed.
        let theirs = send(
            &app,
            Method::GET,
            "/api/v1/impacts",
            Some(&globex),
            None,
            Body::empty(),
        )
        .await;
        let theirs = theirs.json()["items"].as_array().expect("items").clone();
        assert_eq!(theirs.len(), 1);
        assert_eq!(theirs[0]["system_id"], json!(elsewhere));
        assert_eq!(theirs[0]["change_count"], json!(0));

        // The stored assessment is now the new packs'.
        let today = accord_server::engine::today();
        let reply = send(
            &app,
            Method::GET,
            &format!("/api/v1/systems/{decides}/assessment?as_of={today}"),
            Some(&acme),
            None,
            Body::empty(),
        )
        .await;
        let nyc = reply.json()["rulepacks"]
            .as_array()
            .expect("rulepacks")
            .iter()
            .find(|p| p["id"] == "us-nyc-ll144")
            .cloned()
            .expect("nyc pack");
        assert_eq!(nyc["version"], "2099.1.0");

        // Loading the same packs again changes nothing more.
        let summary = accord_server::impact::reassess(&changed, false)
            .await
            .expect("no change");
        assert_eq!(summary.systems, 0);
        let count = send(
            &app,
            Method::GET,
            "/api/v1/impacts",
            Some(&acme),
            None,
            Body::empty(),
        )
        .await;
        assert_eq!(count.json()["items"].as_array().map(Vec::len), Some(2));
        t.finish().await;
    }
}

// ---- evidence ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_content_addressed_and_size_limited() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let globex = t.provider("bob", "Globex").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let other = t.register(&globex, example("cv-screening")).await;
        let uri = format!("/api/v1/systems/{system}/evidence?name=audit.json");

        let reply = t
            .post_text(&uri, Some(&acme), "application/json", EVIDENCE)
            .await;
        reply.expect(StatusCode::CREATED, t.label);
        let body = reply.json();
        assert_eq!(body["sha256"], json!(sha256_hex(EVIDENCE.as_bytes())));
        assert_eq!(body["kind"], "fairness-audit");
        assert_eq!(body["size"], json!(EVIDENCE.len()));
        // The same bytes again: the same address, stored once.
        let again = t
            .post_text(&uri, Some(&acme), "application/json", EVIDENCE)
            .await;
        again.expect(StatusCode::CREATED, t.label);
        assert_eq!(again.json()["sha256"], body["sha256"]);
        // Other bytes: another address.
        let edited = EVIDENCE.replace("0.86", "0.91");
        let third = t
            .post_text(&uri, Some(&acme), "application/json", edited.clone())
            .await;
        assert_eq!(third.json()["sha256"], json!(sha256_hex(edited.as_bytes())));
        let list = t
            .get(&format!("/api/v1/systems/{system}/evidence"), Some(&acme))
            .await;
        list.expect(StatusCode::OK, t.label);
        let listed: BTreeSet<String> = list
            .json()
            .as_array()
            .expect("list")
            .iter()
            .map(|e| {
                assert_eq!(e["name"], "audit.json");
                assert!(e.get("content").is_none(), "metadata only");
                e["sha256"].as_str().expect("sha").to_string()
            })
            .collect();
        assert_eq!(
            listed,
            BTreeSet::from([
                sha256_hex(EVIDENCE.as_bytes()),
                sha256_hex(edited.as_bytes())
            ])
        );
        // Another organisation's copy of the same bytes is its own.
        let theirs = t
            .post_text(
                &format!("/api/v1/systems/{other}/evidence"),
                Some(&globex),
                "application/json",
                EVIDENCE,
            )
            .await;
        theirs.expect(StatusCode::CREATED, t.label);
        let theirs = t
            .get(&format!("/api/v1/systems/{other}/evidence"), Some(&globex))
            .await;
        assert_eq!(theirs.json().as_array().map(Vec::len), Some(1));

        // Not evidence/v1: refused, located.
        let bad = EVIDENCE.replace("evidence/v1", "evidence/v9");
        t.post_text(&uri, Some(&acme), "application/json", bad)
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        t.post_text(
            &uri,
            Some(&acme),
            "application/json",
            vec![0xff, 0xfe, 0x00],
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);

        // Evidence may exceed the 1 MiB JSON limit, up to 10 MiB.
        let limit = accord_server::api::MAX_EVIDENCE_BYTES;
        assert_eq!(limit, 10 * 1024 * 1024);
        let padded = |size: usize| {
            let mut text = EVIDENCE.trim_end().to_string();
            text.push_str(&" ".repeat(size - text.len()));
            text
        };
        let two_mib = padded(2 * 1024 * 1024);
        let reply = t
            .post_text(&uri, Some(&acme), "application/json", two_mib.clone())
            .await;
        reply.expect(StatusCode::CREATED, t.label);
        assert_eq!(reply.json()["size"], json!(two_mib.len()));
        let at_limit = padded(limit);
        t.post_text(&uri, Some(&acme), "application/json", at_limit)
            .await
            .expect(StatusCode::CREATED, t.label);
        let over = padded(limit + 1);
        let reply = t
            .post_text(&uri, Some(&acme), "application/json", over)
            .await;
        assert_eq!(
            reply.status,
            StatusCode::PAYLOAD_TOO_LARGE,
            "{}",
            reply.text()
        );
        let list = t
            .get(&format!("/api/v1/systems/{system}/evidence"), Some(&acme))
            .await;
        assert_eq!(list.json().as_array().map(Vec::len), Some(4));
        reply.expect_error(StatusCode::PAYLOAD_TOO_LARGE, "too-large", t.label);
        t.finish().await;
    }
}

/// Issue 9: the registry judges evidence by what it says and keeps it with
/// the system it is about.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_is_judged_on_upload_and_must_be_about_the_system() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let other = t.register(&acme, example("china-public-chatbot")).await;
        let digest_of = |id: i64| {
            let t = &t;
            let acme = &acme;
            async move {
                let reply = t
                    .get(&format!("/api/v1/systems/{id}/assessment"), Some(acme))
                    .await;
                reply.json()["profile"]["digest"]
                    .as_str()
                    .expect("digest")
                    .to_string()
            }
        };
        let this = digest_of(system).await;
        let theirs = digest_of(other).await;
        assert_ne!(this, theirs);
        let uri = format!("/api/v1/systems/{system}/evidence?name=audit.json");
        let about = |digest: &str, name: &str| {
            EVIDENCE.replace(
                "\"passed\": true",
                &format!(
                    "\"thresholds\": [{{\"name\": \"impact_ratio_min\", \"value\": 0.8, \"passed\": false}}],\n  \"passed\": true,\n  \"subject\": {{\"name\": \"{name}\", \"profile_digest\": \"{digest}\"}}"
                ),
            )
        };

        // A failing audit about this system: stored, judged failed whatever its own flag says.
        let failing = about(&this, "HireRank");
        let reply = t
            .post_text(&uri, Some(&acme), "application/json", failing.clone())
            .await;
        reply.expect(StatusCode::CREATED, t.label);
        assert_eq!(reply.json()["passed"], json!(false), "{}", t.label);
        assert!(
            reply.json()["notes"]
                .to_string()
                .contains("failed: impact_ratio_min"),
            "{}",
            reply.text()
        );
        // About another system (even of the same organisation): refused.
        t.post_text(
            &uri,
            Some(&acme),
            "application/json",
            about(&theirs, "XiaoZhi"),
        )
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "evidence-subject",
            t.label,
        );
        // Unbound: accepted, with the warning.
        let reply = t
            .post_text(&uri, Some(&acme), "application/json", EVIDENCE)
            .await;
        reply.expect(StatusCode::CREATED, t.label);
        assert_eq!(reply.json()["passed"], json!(true));
        assert!(
            reply.json()["notes"]
                .to_string()
                .contains("not bound to a system")
        );

        let list = t
            .get(&format!("/api/v1/systems/{system}/evidence"), Some(&acme))
            .await;
        let list = list.json();
        let entries = list.as_array().expect("list");
        assert_eq!(entries.len(), 2, "{}", t.label);
        let failed = entries
            .iter()
            .find(|e| e["sha256"] == json!(sha256_hex(failing.as_bytes())))
            .expect("the failing audit is listed");
        assert_eq!(failed["passed"], json!(false));
        assert_eq!(failed["subject_digest"], json!(this));
        t.finish().await;
    }
}

// ---- attestations -----------------------------------------------------------------------

const ISSUER_SEED: [u8; 32] = [0x11; 32];
const OTHER_SEED: [u8; 32] = [0x22; 32];

/// An attestation of a system's stored assessment, as `accord certify` makes
/// one, signed by `key`, valid from an hour ago for 30 days.
async fn attestation(t: &Ctx, token: &str, system: i64, key: &SecretKey, issuer: &str) -> Value {
    let as_of = "2026-11-28";
    let reply = t
        .get(
            &format!("/api/v1/systems/{system}/assessment?as_of={as_of}"),
            Some(token),
        )
        .await;
    reply.expect(StatusCode::OK, t.label);
    let assessment_text = reply.text();
    let assessment: accord_model::Assessment =
        serde_json::from_str(&assessment_text).expect("assessment/v1");
    let view = t
        .get(&format!("/api/v1/systems/{system}"), Some(token))
        .await;
    let now = jiff::Timestamp::now().as_second();
    let statement = statement::build(CertifyInput {
        assessment: &assessment,
        assessment_digest: accord_assess::sha256_digest(assessment_text.as_bytes()),
        assessment_name: "assessment.json".into(),
        profile_document: view.json()["profile"].clone(),
        evidence: Vec::new(),
        issuer: Issuer {
            name: issuer.into(),
            key_id: key.public().id().to_string(),
        },
        issued_at: jiff::Timestamp::from_second(now - 3600).expect("time"),
        valid_until: jiff::Timestamp::from_second(now + 30 * 86_400).expect("time"),
    });
    let envelope = sign_statement(&statement, key).expect("sign").to_json();
    serde_json::from_str(&envelope).expect("envelope JSON")
}

fn public_pem(key: &SecretKey) -> String {
    key.public().to_pem().expect("PEM")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attestations_are_verified_on_upload() {
    let issuer = SecretKey::from_seed(&ISSUER_SEED);
    let other = SecretKey::from_seed(&OTHER_SEED);
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let uri = format!("/api/v1/systems/{system}/attestations");
        let envelope = attestation(&t, &acme, system, &issuer, "Test Assessment Body").await;

        // Signed by the key given: stored.
        let reply = t
            .post_json(
                &uri,
                Some(&acme),
                &json!({"envelope": envelope, "public_key": public_pem(&issuer)}),
            )
            .await;
        reply.expect(StatusCode::CREATED, t.label);
        assert_eq!(reply.json()["key_id"], json!(issuer.public().id()));
        assert_eq!(reply.json()["issuer"], "Test Assessment Body");
        assert_eq!(reply.json()["trusted_by"], "key");

        // The payload of another statement under this signature: refused.
        let forged = attestation(&t, &acme, system, &issuer, "Someone Else").await;
        let mut tampered = envelope.clone();
        tampered["payload"] = forged["payload"].clone();
        assert_ne!(tampered["payload"], envelope["payload"]);
        let reply = t
            .post_json(
                &uri,
                Some(&acme),
                &json!({"envelope": tampered, "public_key": public_pem(&issuer)}),
            )
            .await;
        let message = reply.expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "attestation-rejected",
            t.label,
        );
        assert!(message.contains("bad-signature"), "{message}");

        // A signature byte changed: refused.
        let mut flipped = envelope.clone();
        let sig = flipped["signatures"][0]["sig"]
            .as_str()
            .expect("sig")
            .to_string();
        let first = if sig.starts_with('A') { "B" } else { "A" };
        flipped["signatures"][0]["sig"] = json!(format!("{first}{}", &sig[1..]));
        t.post_json(
            &uri,
            Some(&acme),
            &json!({"envelope": flipped, "public_key": public_pem(&issuer)}),
        )
        .await
        .expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "attestation-rejected",
            t.label,
        );

        // Checked against another key: refused.
        let message = t
            .post_json(
                &uri,
                Some(&acme),
                &json!({"envelope": envelope, "public_key": public_pem(&other)}),
            )
            .await
            .expect_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "attestation-rejected",
                t.label,
            );
        assert!(message.contains("key"), "{message}");

        // No key and no agreement: nothing to verify against.
        t.post_json(&uri, Some(&acme), &json!({"envelope": envelope}))
            .await
            .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        // A key that is not a key.
        t.post_json(
            &uri,
            Some(&acme),
            &json!({"envelope": envelope, "public_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}),
        )
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);

        // Only the verified one was stored.
        let list = t.get(&uri, Some(&acme)).await;
        list.expect(StatusCode::OK, t.label);
        let list = list.json();
        let list = list.as_array().expect("list");
        assert_eq!(list.len(), 1, "{list:?}");
        assert_eq!(list[0]["key_id"], json!(issuer.public().id()));
        let checks: Value =
            serde_json::from_str(list[0]["verification"].as_str().expect("verification"))
                .expect("checks JSON");
        assert!(
            checks.as_array().is_some_and(
                |c| !c.is_empty() && c.iter().all(|check| check["passed"] == json!(true))
            ),
            "{checks}"
        );

        // Trusted through a recognition agreement the server was started with.
        let today = accord_server::engine::today();
        let agreement_text = format!(
            "accord: agreement/v1
id: test-pilot
title: Test pilot
parties:
  - {{id: eu, name: EU office, jurisdiction: EU}}
  - {{id: cn, name: CN office, jurisdiction: CN}}
valid_from: {from}
valid_until: {until}
issuers:
  - id: test-body
    name: Test Assessment Body
    accredited_by: eu
    keys:
      - public_key: |
{pem}
    scope: {{}}
",
            from = today.yesterday().expect("date"),
            until = today.tomorrow().expect("date"),
            pem = public_pem(&issuer)
                .lines()
                .map(|l| format!("          {l}"))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let rules = builtin_rules();
        let controls: Vec<&str> = rules
            .catalogue
            .controls
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        let agreement = Agreement::parse(
            &agreement_text,
            "test-pilot.yaml",
            &controls,
            accord_rules::pack::EVIDENCE_KINDS,
        )
        .unwrap_or_else(|d| panic!("agreement: {d:?}"));
        let trusted = AppState::new(t.store.clone(), builtin_rules(), vec![agreement], 0);
        let app = router(trusted, &[]);
        let upload = |body: Value| {
            send(
                &app,
                Method::POST,
                &uri,
                Some(&acme),
                Some("application/json"),
                Body::from(body.to_string()),
            )
        };
        let reply = upload(json!({"envelope": envelope})).await;
        reply.expect(StatusCode::CREATED, t.label);
        assert_eq!(reply.json()["trusted_by"], "agreement:test-pilot");
        let stranger = attestation(&t, &acme, system, &other, "Unknown Body").await;
        let message = upload(json!({"envelope": stranger})).await.expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "attestation-rejected",
            t.label,
        );
        assert!(message.contains("untrusted-issuer"), "{message}");
        t.finish().await;
    }
}

// ---- the filing workflow ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filing_workflow_refuses_conflicts_and_wants_reasons() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let eu = t.reviewer("eva", "EU").await;
        let de = t.reviewer("dieter", "DE").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let reply = t.file(&acme, system, "EU").await;
        reply.expect(StatusCode::CREATED, t.label);
        let filing = reply.json();
        let id = filing["id"].as_i64().expect("id");
        assert_eq!(filing["status"], "submitted");
        assert_eq!(filing["jurisdiction"], "EU");
        assert_eq!(filing["profile_version"], json!(1));
        assert_eq!(filing["published"], false);

        // One open filing per system and jurisdiction.
        t.file(&acme, system, "EU")
            .await
            .expect_error(StatusCode::CONFLICT, "conflict", t.label);
        // Another jurisdiction is another filing.
        let cn_filing = t.filed(&acme, system, "CN").await;
        assert_ne!(cn_filing, id);

        // The EU reviewer's queue has it; a reviewer of a member state does not review the EU's.
        let queue = t.get("/api/v1/filings", Some(&eu)).await;
        let queued: Vec<i64> = queue.json()["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|f| f["id"].as_i64().expect("id"))
            .collect();
        assert_eq!(queued, [id]);
        t.transition(&de, id, "approved", "").await.expect_error(
            StatusCode::NOT_FOUND,
            "not-found",
            t.label,
        );

        // Unknown states and moves that do not exist.
        t.transition(&eu, id, "published", "").await.expect_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            t.label,
        );
        t.transition(&eu, id, "submitted", "").await.expect_error(
            StatusCode::CONFLICT,
            "conflict",
            t.label,
        );
        let reply = t.transition(&eu, id, "under-review", "").await;
        reply.expect(StatusCode::OK, t.label);
        assert_eq!(reply.json()["status"], "under-review");
        t.transition(&eu, id, "under-review", "")
            .await
            .expect_error(StatusCode::CONFLICT, "conflict", t.label);
        // Still open: no second filing.
        t.file(&acme, system, "EU")
            .await
            .expect_error(StatusCode::CONFLICT, "conflict", t.label);

        // A comment is required to reject or ask for changes.
        for to in ["rejected", "changes-requested"] {
            for comment in ["", "   \n\t "] {
                let message = t.transition(&eu, id, to, comment).await.expect_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid",
                    t.label,
                );
                assert!(message.contains("comment"), "{message}");
            }
        }
        let reply = t
            .post_json(
                &format!("/api/v1/filings/{id}/transitions"),
                Some(&eu),
                &json!({"to": "rejected"}),
            )
            .await;
        reply.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid", t.label);
        let view = t.get(&format!("/api/v1/filings/{id}"), Some(&acme)).await;
        assert_eq!(view.json()["status"], "under-review");

        let reply = t
            .transition(&eu, id, "changes-requested", "  Add the bias audit.  ")
            .await;
        reply.expect(StatusCode::OK, t.label);
        assert_eq!(reply.json()["status"], "changes-requested");
        assert_eq!(reply.json()["published"], false);
        let view = t.get(&format!("/api/v1/filings/{id}"), Some(&acme)).await;
        let events = view.json()["events"].clone();
        let events = events.as_array().expect("events");
        let moves: Vec<(Value, Value, Value)> = events
            .iter()
            .map(|e| {
                (
                    e["from_status"].clone(),
                    e["to_status"].clone(),
                    e["comment"].clone(),
                )
            })
            .collect();
        assert_eq!(
            moves,
            [
                (Value::Null, json!("submitted"), json!("")),
                (json!("submitted"), json!("under-review"), json!("")),
                (
                    json!("under-review"),
                    json!("changes-requested"),
                    json!("Add the bias audit.")
                ),
            ]
        );
        assert_eq!(events[2]["actor"], "eva");
        assert_eq!(events[2]["actor_role"], "reviewer");

        // Closed: the provider may file again, the new profile version.
        let put = send(
            &t.app,
            Method::PUT,
            &format!("/api/v1/systems/{system}/profile"),
            Some(&acme),
            Some("application/yaml"),
            Body::from(example("cv-screening").replace("version: \"2.3\"", "version: \"2.4\"")),
        )
        .await;
        put.expect(StatusCode::CREATED, t.label);
        let reply = t.file(&acme, system, "EU").await;
        reply.expect(StatusCode::CREATED, t.label);
        assert_eq!(reply.json()["profile_version"], json!(2));
        let refiled = reply.json()["id"].as_i64().expect("id");
        let reply = t.transition(&eu, refiled, "approved", "").await;
        reply.expect(StatusCode::OK, t.label);
        assert_eq!(reply.json()["published"], true);
        let register = t.get("/api/v1/register", None).await;
        let entries = register.json()["items"].clone();
        assert_eq!(entries.as_array().map(Vec::len), Some(1));
        assert_eq!(entries[0]["filing"], json!(refiled));
        assert_eq!(entries[0]["profile_version"], json!(2));
        // An admin outside the organisation may review too.
        let admin = t.admin("root").await;
        t.transition(&admin, cn_filing, "rejected", "out of scope")
            .await
            .expect(StatusCode::OK, t.label);
        t.finish().await;
    }
}

/// Once decided, a filing cannot move again: that is a conflict with its
/// state (409), not a lack of permission — the same reviewer approved it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decided_filing_cannot_move_again_409() {
    for t in backends().await {
        let acme = t.provider("alice", "Acme").await;
        let eu = t.reviewer("eva", "EU").await;
        let system = t.register(&acme, example("cv-screening")).await;
        let approved = t.filed(&acme, system, "EU").await;
        t.transition(&eu, approved, "approved", "")
            .await
            .expect(StatusCode::OK, t.label);
        let other = t.register(&acme, example("shop-support-chatbot")).await;
        let rejected = t.filed(&acme, other, "EU").await;
        t.transition(&eu, rejected, "rejected", "no")
            .await
            .expect(StatusCode::OK, t.label);
        for (id, to) in [
            (approved, "approved"),
            (approved, "rejected"),
            (rejected, "approved"),
            (rejected, "under-review"),
        ] {
            t.transition(&eu, id, to, "again").await.expect_error(
                StatusCode::CONFLICT,
                "conflict",
                t.label,
            );
        }
        let view = t
            .get(&format!("/api/v1/filings/{approved}"), Some(&eu))
            .await;
        assert_eq!(view.json()["status"], "approved");
        assert_eq!(view.json()["transitions"], json!([]));
        t.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cookie_authenticated_write_must_come_from_the_registrys_own_pages() {
    for t in backends().await {
        let token = t.provider("acme", "Acme").await;
        let post = |origin: Option<&str>| {
            let mut request = Request::builder()
                .method(Method::POST)
                .uri("/api/v1/systems")
                .header(header::HOST, "registry.example")
                .header(header::COOKIE, format!("accord_token={token}"))
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(origin) = origin {
                request = request.header(header::ORIGIN, origin);
            }
            request
                .body(Body::from(example("shop-support-chatbot")))
                .expect("request")
        };
        // Another site (or a sibling subdomain) riding on the browser's cookie: refused.
        let reply = send_request(&t.app, post(Some("https://evil.example"))).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "[{}]", t.label);
        let reply = send_request(&t.app, post(None)).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "[{}] no origin at all",
            t.label
        );
        // The registry's own page: allowed.
        let reply = send_request(&t.app, post(Some("http://registry.example"))).await;
        assert_eq!(reply.status, StatusCode::CREATED, "[{}]", t.label);
        // A bearer token is not a cookie: no origin needed.
        let reply = t
            .post_json("/api/v1/me", Some(&token), &serde_json::json!({}))
            .await;
        assert_ne!(reply.status, StatusCode::FORBIDDEN, "[{}]", t.label);
        t.finish().await;
    }
}
