//! The HTTP surface: routes and shared state. Built by [`app`] so tests can call it directly.

use crate::config::ServeConfig;
use crate::db::Database;
use crate::error::AppError;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::routing::get;
use axum::{Json, Router};
use std::sync::Arc;
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: ServeConfig,
    db: Database,
}

impl AppState {
    pub fn new(config: ServeConfig, db: Database) -> AppState {
        AppState {
            inner: Arc::new(Inner { config, db }),
        }
    }
}

pub fn app(state: AppState) -> Router {
    let config = &state.inner.config;
    // The SDK files are revalidated on every load (no-cache, with ETag/Last-Modified) so a new
    // build is picked up at once; versioned, immutable URLs can come with a release process.
    let sdk = Router::new()
        .fallback_service(ServeDir::new(&config.dist_dir))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/dist", sdk)
        .fallback_service(ServeDir::new(&config.site_dir))
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, AppError> {
    state.inner.db.ping().await.map_err(|e| {
        eprintln!("tailor: health check failed: {e}");
        AppError::Unavailable("database unavailable")
    })?;
    Ok(Json(
        serde_json::json!({ "status": "ok", "database": "ok", "version": env!("CARGO_PKG_VERSION") }),
    ))
}
