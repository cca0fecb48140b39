//! One error type for every handler. It becomes a JSON body `{"error":{"code","message"}}` with
//! the right status; internal details are logged on the server, never sent to clients.
//!
//! The response carries its code as an extension ([`Rejection`]) so the metrics layer counts
//! rejections by reason without parsing bodies.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub enum AppError {
    /// The client sent something this server refuses. `code` is stable (clients and metrics key
    /// on it); `message` says what to fix and never holds server internals.
    Client {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
    /// Too many requests from this client: 429 with `Retry-After` (whole seconds).
    RateLimited { retry_after_s: u64 },
    /// Something failed inside the server; the message is logged, not returned.
    Internal(String),
    /// A dependency (the database) is not available right now.
    Unavailable(&'static str),
}

/// The error code of a refused request, attached to its response for the metrics layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rejection(pub &'static str);

impl AppError {
    pub fn client(status: StatusCode, code: &'static str, message: impl Into<String>) -> AppError {
        AppError::Client {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::client(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(message: impl Into<String>) -> AppError {
        AppError::client(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::Client { code, .. } => code,
            AppError::RateLimited { .. } => "rate_limited",
            AppError::Internal(_) => "internal",
            AppError::Unavailable(_) => "unavailable",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code();
        let mut retry_after = None;
        let (status, message) = match self {
            AppError::Client {
                status, message, ..
            } => (status, message),
            AppError::RateLimited { retry_after_s } => {
                retry_after = Some(retry_after_s.max(1));
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "too many requests from this address; retry after {} s",
                        retry_after_s.max(1)
                    ),
                )
            }
            AppError::Internal(detail) => {
                eprintln!("tailor: internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal server error".to_owned(),
                )
            }
            AppError::Unavailable(what) => (StatusCode::SERVICE_UNAVAILABLE, what.to_owned()),
        };
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"tailor\""),
            );
        }
        response.extensions_mut().insert(Rejection(code));
        response
    }
}
