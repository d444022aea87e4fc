//! The registry server: `accord serve`.
//!
//! Providers file their systems and dossiers once; reviewers for each
//! jurisdiction review them; the public sees what is published; when a
//! rulepack changes, every registered system is re-assessed and the impact
//! recorded. The server calls the same library as the CLI ([`engine`]) and
//! stores everything in [`accord_store`] — SQLite by default, PostgreSQL at
//! scale. The JSON API is [`api`] (OpenAPI at `/openapi.json`), the web UI
//! [`ui`] (English and Chinese, server-rendered).

#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::print_stdout
    )
)]

pub mod api;
pub mod auth;
pub mod engine;
pub mod error;
pub mod impact;
pub mod openapi;
pub mod ui;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};

use accord_attest::Agreement;
use accord_rules::RuleSet;
use accord_store::Store;

pub use engine::Engine;

/// JSON bodies larger than this are refused (evidence has its own limit).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Shared by every request.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub engine: Arc<Engine>,
    /// Agreements whose issuers' attestations are accepted on upload.
    pub agreements: Arc<Vec<Agreement>>,
    pub limiter: Arc<auth::RateLimiter>,
    /// Register entries by (filing, last change): immutable for that key, so
    /// safe to share even between server instances on one PostgreSQL.
    pub register_cache:
        Arc<std::sync::Mutex<std::collections::HashMap<(i64, String), api::RegisterEntry>>>,
    /// Serialised register pages, served for at most [`api::REGISTER_PAGE_TTL`].
    pub register_pages: Arc<std::sync::Mutex<api::RegisterPages>>,
}

/// How to run the server.
pub struct Config {
    pub bind: SocketAddr,
    /// Requests a minute per token (0: no limit).
    pub rate_limit: u32,
    /// Origins allowed to call the API from a browser (CORS); none by default.
    pub cors_origins: Vec<String>,
}

impl AppState {
    pub fn new(
        store: Store,
        rules: RuleSet,
        agreements: Vec<Agreement>,
        rate_limit: u32,
    ) -> AppState {
        AppState {
            store,
            engine: Arc::new(Engine::new(rules)),
            agreements: Arc::new(agreements),
            limiter: Arc::new(auth::RateLimiter::new(rate_limit)),
            register_cache: Arc::default(),
            register_pages: Arc::default(),
        }
    }
}

/// Every route: the API, `/openapi.json`, health, and the web UI.
pub fn router(state: AppState, cors_origins: &[String]) -> Router {
    let api = Router::new()
        .route("/systems", post(api::create_system).get(api::list_systems))
        .route("/systems/{id}", get(api::get_system))
        .route("/systems/{id}/profile", put(api::put_profile))
        .route("/systems/{id}/assessment", get(api::get_assessment))
        .route(
            "/systems/{id}/evidence",
            post(api::upload_evidence)
                .get(api::list_evidence)
                .layer(DefaultBodyLimit::max(api::MAX_EVIDENCE_BYTES)),
        )
        .route(
            "/systems/{id}/attestations",
            post(api::upload_attestation).get(api::list_attestations),
        )
        .route("/systems/{id}/filings", post(api::create_filing))
        .route("/filings", get(api::list_filings))
        .route("/filings/{id}", get(api::get_filing))
        .route("/filings/{id}/transitions", post(api::transition_filing))
        .route("/register", get(api::register))
        .route("/impacts", get(api::list_impacts))
        .route("/admin/reassess", post(api::reassess))
        .route("/crosswalk", get(api::crosswalk))
        .route("/audit-log", get(api::audit_log))
        .route("/me", get(api::me))
        .fallback(|| async { error::ApiError::not_found("this API route") })
        .layer(axum::middleware::map_response(error::json_errors));
    let mut app = Router::new()
        .nest("/api/v1", api)
        .route("/openapi.json", get(openapi_json))
        .route("/healthz", get(|| async { "ok" }))
        .merge(ui::routes())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state);
    if !cors_origins.is_empty() {
        let origins: Vec<HeaderValue> = cors_origins
            .iter()
            .filter_map(|o| HeaderValue::from_str(o).ok())
            .collect();
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(origins)
                .allow_methods([Method::GET, Method::POST, Method::PUT])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
        );
    }
    app
}

async fn openapi_json() -> impl IntoResponse {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        openapi::document(),
    )
}

/// Runs until Ctrl-C or SIGTERM. `ready` is told the bound address once listening.
pub async fn serve(
    state: AppState,
    config: Config,
    ready: impl FnOnce(SocketAddr),
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind).await?;
    let addr = listener.local_addr()?;
    let app = router(state, &config.cors_origins);
    ready(addr);
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
