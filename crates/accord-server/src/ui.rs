//! The web UI (being built): server-rendered pages.

use axum::Router;
use axum::response::Html;
use axum::routing::get;

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/",
        get(|| async {
            Html("<!doctype html><title>Accord registry</title><p><a href=\"/api/v1/register\">Register</a> · <a href=\"/openapi.json\">OpenAPI</a></p>")
        }),
    )
}
