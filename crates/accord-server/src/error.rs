//! Errors as JSON with stable codes: `{"error": {"code": "...", "message": "..."}}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use accord_store::StoreError;

/// An API error. `code` is stable; `message` is for people.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Located problems in a submitted document (profile, evidence).
    pub problems: Vec<Problem>,
    /// Seconds to wait before retrying (429).
    pub retry_after: Option<u64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Problem {
    /// `line:column` in the submitted document, when known.
    pub at: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `unauthorized`, `forbidden`, `not-found`, `invalid`, `conflict`,
    /// `too-large`, `rate-limited`, `attestation-rejected`, `attestation-mismatch`, `method-not-allowed`,
    /// `unsupported-media-type`, `internal`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: Vec::new(),
            retry_after: None,
        }
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this needs a token: `Authorization: Bearer TOKEN` (create one with `accord token create`)",
        )
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(what: impl std::fmt::Display) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found",
            format!("{what} not found"),
        )
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn with_problems(mut self, problems: Vec<Problem>) -> ApiError {
        self.problems = problems;
        self
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                problems: self.problems.clone(),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Conflict(m) => ApiError::conflict(m),
            StoreError::Invalid(m) => ApiError::invalid(m),
            other => {
                // The detail goes to the server's log, not to the caller.
                eprintln!("error: {other}");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "the registry failed to complete the request; the server log has the detail",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = axum::http::HeaderValue::from_str(&seconds.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<Vec<accord_model::Diagnostic>> for ApiError {
    fn from(diagnostics: Vec<accord_model::Diagnostic>) -> ApiError {
        let problems: Vec<Problem> = diagnostics
            .into_iter()
            .map(|d| Problem {
                at: d.position.map(|p| format!("{}:{}", p.line, p.column)),
                message: d.message,
                hint: d.hint,
            })
            .collect();
        let message = match problems.first() {
            Some(p) if problems.len() == 1 => p.message.clone(),
            _ => format!("{} problems in the document", problems.len()),
        };
        ApiError::invalid(message).with_problems(problems)
    }
}

/// Turns the plain-text rejections of axum's extractors (body too large, not
/// JSON, bad path or query) into the API's JSON errors with stable codes.
pub async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too-large",
        StatusCode::UNAUTHORIZED => "unauthorized",
        StatusCode::FORBIDDEN => "forbidden",
        StatusCode::NOT_FOUND => "not-found",
        StatusCode::METHOD_NOT_ALLOWED => "method-not-allowed",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported-media-type",
        StatusCode::TOO_MANY_REQUESTS => "rate-limited",
        s if s.is_server_error() => "internal",
        _ => "invalid",
    };
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = match (status, body.trim()) {
        (StatusCode::PAYLOAD_TOO_LARGE, _) => {
            "the request body is too large (JSON at most 1 MiB, evidence at most 10 MiB)"
                .to_string()
        }
        (_, "") => status.canonical_reason().unwrap_or("error").to_string(),
        (_, text) => text.to_string(),
    };
    ApiError::new(status, code, message).into_response()
}
