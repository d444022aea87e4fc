//! Who is calling: a bearer token (API) or the `accord_token` cookie (web
//! UI), checked against the store; and per-token rate limits.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;

use accord_store::{Role, User};

use crate::AppState;
use crate::error::ApiError;

/// The caller: `None` is the public.
#[derive(Clone, Debug)]
pub struct Caller(pub Option<User>);

impl Caller {
    /// The user, or 401.
    pub fn user(&self) -> Result<&User, ApiError> {
        self.0.as_ref().ok_or_else(ApiError::unauthorized)
    }

    pub fn role(&self) -> Option<Role> {
        self.0.as_ref().map(|u| u.role)
    }

    pub fn is_admin(&self) -> bool {
        self.role() == Some(Role::Admin)
    }
}

pub const COOKIE: &str = "accord_token";

/// The token in `Authorization: Bearer …`, else in the UI's cookie.
pub fn token_of(parts: &Parts) -> Option<String> {
    if let Some(value) = parts.headers.get(axum::http::header::AUTHORIZATION) {
        let text = value.to_str().ok()?;
        let token = text
            .strip_prefix("Bearer ")
            .or_else(|| text.strip_prefix("bearer "))?;
        return Some(token.trim().to_string());
    }
    cookie(parts, COOKIE)
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    for header in parts.headers.get_all(axum::http::header::COOKIE) {
        let Ok(text) = header.to_str() else { continue };
        for pair in text.split(';') {
            if let Some((k, v)) = pair.trim().split_once('=')
                && k == name
            {
                return Some(v.to_string());
            }
        }
    }
    None
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, ApiError> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        // A cookie rides along with any request the browser makes, so a write
        // authenticated by the cookie alone must come from our own pages.
        let from_cookie = !parts
            .headers
            .contains_key(axum::http::header::AUTHORIZATION);
        let writes = !matches!(
            parts.method,
            axum::http::Method::GET | axum::http::Method::HEAD
        );
        let caller = match token_of(parts) {
            None => Caller(None),
            Some(_) if from_cookie && writes && !crate::ui::same_origin(&parts.headers) => {
                return Err(ApiError::forbidden(
                    "a write authenticated by the browser cookie must come from the registry's own pages; \
                     API clients send `Authorization: Bearer TOKEN`",
                ));
            }
            Some(token) => {
                let user = state.store.authenticate(&token).await?.ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "this token is unknown or revoked",
                    )
                })?;
                // Limits are per token: a user's tokens each have their own.
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
                    return Err(e);
                }
                Caller(Some(user))
            }
        };
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

/// A token bucket per user: `per_minute` requests a minute, bursts up to that.
pub struct RateLimiter {
    pub per_minute: u32,
    buckets: Mutex<HashMap<u64, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// How long one request's worth of budget takes to come back, in whole seconds.
    pub fn seconds_per_request(&self) -> u64 {
        (60 / u64::from(self.per_minute.max(1))).max(1)
    }

    /// Takes one request from `key`'s bucket (a token), if there is one left.
    pub fn allow(&self, key: impl std::hash::Hash) -> bool {
        let key = {
            use std::hash::Hasher;
            let mut h = std::collections::hash_map::DefaultHasher::new();
            key.hash(&mut h);
            h.finish()
        };
        if self.per_minute == 0 {
            return true;
        }
        let capacity = f64::from(self.per_minute);
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let (tokens, last) = buckets.entry(key).or_insert((capacity, now));
        let refill = now.duration_since(*last).as_secs_f64() * capacity / 60.0;
        *tokens = (*tokens + refill).min(capacity);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
