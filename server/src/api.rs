//! Handlers of the API: ingest, erase, export, report, health, metrics and the OpenAPI
//! document. Each turns a request into a call on the store and the store's answer into JSON (or
//! HTML, or text); refusals are [`AppError`]s with stable codes. Who may call (origins, rate,
//! admin key) is checked here for the admin key and in `app` for the rest.

use crate::app::AppState;
use crate::error::AppError;
use crate::metrics::Metrics;
use crate::protocol::{is_visitor_id, Batch, BatchError};
use crate::{report, report_page};
use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::json;

/// The OpenAPI 3.1 description of every route, written by hand.
pub const OPENAPI: &str = include_str!("../openapi.json");

pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// `POST /v1/events`: stores a batch; answers only after it is committed.
pub async fn ingest(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<serde_json::Value>, AppError> {
    let inner = &state.inner;
    check_content_type(&headers)?;
    let limit = inner.config.max_body_bytes;
    let too_large = || {
        AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body exceeds {limit} bytes; send smaller batches"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            return Err(if over {
                too_large()
            } else {
                AppError::bad_request("body_unreadable", "the request body could not be read")
            });
        }
    };
    let batch = Batch::parse(&bytes, &inner.limits).map_err(batch_error)?;
    let dropped = u64::from(batch.dropped);
    let outcome = inner
        .store
        .ingest(batch, now_ms())
        .await
        .map_err(|e| AppError::Internal(format!("ingest: {e}")))?;
    let m = &inner.metrics;
    Metrics::add(&m.batches_stored, 1);
    Metrics::add(&m.events_stored, outcome.accepted);
    Metrics::add(&m.duplicates_dropped, outcome.duplicates);
    Metrics::add(&m.outbox_dropped, dropped);
    Ok(Json(
        json!({ "accepted": outcome.accepted, "duplicates": outcome.duplicates }),
    ))
}

/// JSON as `application/json`, or as `text/plain` because `navigator.sendBeacon` can only send
/// that type without a CORS preflight. Any charset other than UTF-8 is refused.
fn check_content_type(headers: &HeaderMap) -> Result<(), AppError> {
    let refuse = || {
        AppError::client(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the batch as application/json or text/plain;charset=UTF-8",
        )
    };
    let value = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refuse)?
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let essence = parts.next().unwrap_or_default();
    if essence != "application/json" && essence != "text/plain" {
        return Err(refuse());
    }
    for param in parts {
        if let Some(charset) = param.strip_prefix("charset=") {
            if charset.trim_matches('"') != "utf-8" {
                return Err(refuse());
            }
        }
    }
    Ok(())
}

fn batch_error(e: BatchError) -> AppError {
    match e {
        BatchError::Malformed(m) => AppError::bad_request("invalid_json", m),
        BatchError::Version(v) => AppError::bad_request(
            "unsupported_version",
            format!("protocol version {v} is not supported; this server speaks version 1"),
        ),
        BatchError::NoConsent => AppError::client(
            StatusCode::FORBIDDEN,
            "consent_required",
            "the batch does not carry consent for sync (`consent.sync` must be true); nothing was stored",
        ),
        BatchError::TooManyEvents { max } => AppError::client(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!("a batch holds at most {max} events"),
        ),
        BatchError::FieldNotAllowed(field) => AppError::client(
            StatusCode::UNPROCESSABLE_ENTITY,
            "field_not_allowed",
            format!("`{field}` is not accepted by this server"),
        ),
        BatchError::Invalid(m) => {
            AppError::client(StatusCode::UNPROCESSABLE_ENTITY, "invalid_batch", m)
        }
    }
}

fn visitor_id(id: &str) -> Result<String, AppError> {
    if is_visitor_id(id) {
        Ok(id.to_owned())
    } else {
        Err(AppError::bad_request(
            "invalid_visitor_id",
            "a visitor id is 32 lower-case hex digits",
        ))
    }
}

/// `DELETE /v1/visitors/{id}`: erases everything of one visitor. No admin key: knowing the
/// random id is what lets the visitor's own browser erase its data, and it can only delete.
pub async fn erase_visitor(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, AppError> {
    let id = visitor_id(&id)?;
    let erased = state
        .inner
        .store
        .erase_visitor(id)
        .await
        .map_err(|e| AppError::Internal(format!("erase: {e}")))?;
    Metrics::add(&state.inner.metrics.visitors_erased, erased.visitors);
    Ok(Json(
        json!({ "erased": true, "visitors": erased.visitors, "events": erased.events }),
    ))
}

/// `GET /v1/visitors/{id}`: everything stored for one visitor (admin key).
pub async fn export_visitor(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    require_admin(&state, &headers, None)?;
    let id = visitor_id(&id)?;
    let record = state
        .inner
        .store
        .export_visitor(id)
        .await
        .map_err(|e| AppError::Internal(format!("export: {e}")))?
        .ok_or_else(|| AppError::not_found("nothing is stored for this visitor"))?;
    Ok(no_store(Json(record).into_response()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    /// Count only conversions of this name.
    goal: Option<String>,
    /// The admin key, accepted by the HTML page only (a link cannot send a header).
    key: Option<String>,
    /// The HTML page's preview form (`report_page::PreviewForm`); ignored by the JSON report.
    preview_url: Option<String>,
    pet: Option<String>,
    name: Option<String>,
    region: Option<String>,
    stage: Option<String>,
    visits: Option<String>,
}

fn report_query(raw: Option<String>) -> Result<ReportQuery, AppError> {
    let query: ReportQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|e| AppError::bad_request("invalid_query", format!("invalid query: {e}")))?;
    if query
        .goal
        .as_deref()
        .is_some_and(|g| g.is_empty() || g.chars().count() > crate::protocol::MAX_NAME_CHARS)
    {
        return Err(AppError::bad_request(
            "invalid_query",
            "`goal` is a conversion name of 1 to 64 characters",
        ));
    }
    Ok(query)
}

async fn build_report(
    state: &AppState,
    goal: Option<String>,
) -> Result<Vec<report::RuleReport>, AppError> {
    let counts = state
        .inner
        .store
        .report(goal)
        .await
        .map_err(|e| AppError::Internal(format!("report: {e}")))?;
    Ok(report::build(&counts))
}

/// `GET /v1/report`: the lift report as JSON (admin key in the `Authorization` header).
pub async fn report_json(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    require_admin(&state, &headers, None)?;
    let query = report_query(raw)?;
    if query.key.is_some() {
        return Err(AppError::bad_request(
            "invalid_query",
            "send the admin key in the Authorization header, not the URL",
        ));
    }
    let form = [
        &query.preview_url,
        &query.pet,
        &query.name,
        &query.region,
        &query.stage,
        &query.visits,
    ];
    if form.iter().any(|f| f.is_some()) {
        return Err(AppError::bad_request(
            "invalid_query",
            "preview links are made by the report page (GET /report) or `tailor preview`",
        ));
    }
    let rules = build_report(&state, query.goal.clone()).await?;
    let body = json!({
        "generated_at": now_ms(),
        "goal": query.goal,
        "method": report::METHOD,
        "rules": rules,
    });
    Ok(no_store(Json(body).into_response()))
}

/// `GET /report`: the lift report as an HTML page with SVG charts (admin key in the
/// `Authorization` header or `?key=`).
pub async fn report_html(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let query = report_query(raw)?;
    require_admin(&state, &headers, query.key.as_deref())?;
    let rules = build_report(&state, query.goal.clone()).await?;
    let generated = format!("at {}", report_page::utc_timestamp(now_ms()));
    let form = report_page::PreviewForm {
        key: query.key.clone(),
        url: query.preview_url.clone(),
        pet: query.pet.clone(),
        name: query.name.clone(),
        region: query.region.clone(),
        stage: query.stage.clone(),
        visits: query.visits.clone(),
    };
    let mut response = Html(report_page::render(
        &rules,
        query.goal.as_deref(),
        &generated,
        &form,
    ))
    .into_response();
    let h = response.headers_mut();
    // No script at all; and the key in the URL must not leak through the Referer header.
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    Ok(no_store(response))
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Admin endpoints need the configured key, as `Authorization: Bearer <key>` (or, where
/// `query_key` is offered, `?key=`). With no key configured they are off.
fn require_admin(
    state: &AppState,
    headers: &HeaderMap,
    query_key: Option<&str>,
) -> Result<(), AppError> {
    let Some(expected) = state.inner.config.admin_key.as_deref() else {
        return Err(AppError::client(
            StatusCode::FORBIDDEN,
            "admin_disabled",
            "admin endpoints are off: start the server with --admin-key or TAILOR_ADMIN_KEY",
        ));
    };
    let from_header = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match from_header.or(query_key) {
        Some(given) if constant_time_eq(given.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(AppError::client(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "wrong admin key",
        )),
        None => Err(AppError::client(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this endpoint needs the admin key: Authorization: Bearer <key>",
        )),
    }
}

/// Compares without an early exit, so response time does not reveal how much of a guess is
/// right (the length may leak; keys are long and random).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `GET /healthz`
pub async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    let store = &state.inner.store;
    store.ping().await.map_err(|e| {
        eprintln!("tailor: health check failed: {e}");
        AppError::Unavailable("database unavailable")
    })?;
    Ok(Json(json!({
        "status": "ok",
        "database": "ok",
        "backend": store.backend(),
        "version": env!("CARGO_PKG_VERSION"),
    })))
}

/// `GET /metrics`: Prometheus text format. Counts only; nothing identifies a visitor.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let text = state.inner.metrics.render(state.inner.store.backend());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}

/// `GET /openapi.json`
pub async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_type(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn content_types_of_fetch_and_beacon_pass() {
        for ok in [
            "application/json",
            "text/plain;charset=UTF-8",
            "Application/JSON; charset=utf-8",
        ] {
            assert!(check_content_type(&with_type(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "application/x-www-form-urlencoded",
            "text/plain;charset=latin1",
            "multipart/form-data",
        ] {
            assert!(check_content_type(&with_type(bad)).is_err(), "{bad}");
        }
        assert!(check_content_type(&HeaderMap::new()).is_err());
    }

    #[test]
    fn key_comparison() {
        assert!(constant_time_eq(b"abcdef", b"abcdef"));
        assert!(!constant_time_eq(b"abcdef", b"abcdeg"));
        assert!(!constant_time_eq(b"abc", b"abcdef"));
    }
}
