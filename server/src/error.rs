//! One error type for every handler. It becomes a JSON body `{"error":{"code","message"}}` with
//! the right status; internal details are logged on the server, never sent to clients.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

#[derive(Debug)]
pub enum AppError {
    /// Something failed inside the server; the message is logged, not returned.
    Internal(String),
    /// A dependency (the database) is not available right now.
    Unavailable(&'static str),
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code, message) = match self {
            AppError::Internal(detail) => {
                eprintln!("tailor: internal error: {detail}");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal server error",
                )
            }
            AppError::Unavailable(what) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", what),
        };
        let body = serde_json::json!({ "error": { "code": code, "message": message } });
        (status, Json(body)).into_response()
    }
}
