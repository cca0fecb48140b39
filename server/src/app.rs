//! The HTTP surface: routes, shared state and the layers every request crosses (metrics, CORS,
//! origin check, rate limit). Built by [`app`] so tests drive it with `oneshot`, with no socket.
//! Handlers live in `api`; this file decides who may reach them.

use crate::api;
use crate::config::ServeConfig;
use crate::error::{AppError, Rejection};
use crate::metrics::Metrics;
use crate::protocol::BatchLimits;
use crate::rate_limit::RateLimiter;
use crate::static_guard;
use crate::store::Storage;
use axum::extract::connect_info::MockConnectInfo;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(Clone)]
pub struct AppState {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub config: ServeConfig,
    pub store: Arc<dyn Storage>,
    pub metrics: Metrics,
    pub limiter: RateLimiter,
    pub limits: BatchLimits,
}

impl AppState {
    pub fn new(config: ServeConfig, store: Arc<dyn Storage>) -> AppState {
        let limiter = RateLimiter::new(config.rate_limit_per_s, config.rate_burst);
        let limits = BatchLimits {
            max_events: config.max_batch_events,
            accept_name: config.accept_name,
        };
        AppState {
            inner: Arc::new(Inner {
                config,
                store,
                metrics: Metrics::default(),
                limiter,
                limits,
            }),
        }
    }

    pub fn store(&self) -> &Arc<dyn Storage> {
        &self.inner.store
    }

    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub fn config(&self) -> &ServeConfig {
        &self.inner.config
    }
}

pub fn app(state: AppState) -> Router {
    let config = &state.inner.config;
    // The SDK files may be cached for 5 minutes, then revalidated (ETag/Last-Modified): a
    // returning visitor starts Tailor without the network, and a new build is live within 5
    // minutes. Versioned, immutable URLs can come with a release process.
    let sdk = Router::new()
        // The build writes .br and .gz beside each file: a visitor downloads about half the
        // bytes (the wasm 92 KB gzip instead of 200 KB) and the server compresses nothing.
        .fallback_service(
            ServeDir::new(&config.dist_dir)
                .precompressed_br()
                .precompressed_gzip(),
        )
        // Before each file service: no dotfile, no name the file system refuses with a 500.
        .layer(middleware::from_fn(static_guard::only_plain_files))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ))
        // One URL, several encodings: caches must key on what the browser accepts.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::VARY,
            HeaderValue::from_static("accept-encoding"),
        ));
    // Called from site pages (other origins): CORS, origin check and rate limit apply.
    let browser_api = Router::new()
        .route("/v1/events", post(api::ingest))
        .route(
            "/v1/visitors/{id}",
            get(api::export_visitor).delete(api::erase_visitor),
        )
        .route("/v1/report", get(api::report_json))
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        .layer(cors(&config.allowed_origins));
    Router::new()
        .merge(browser_api)
        .route("/report", get(api::report_html))
        .route("/healthz", get(api::healthz))
        .route("/metrics", get(api::metrics))
        .route("/openapi.json", get(api::openapi))
        .nest("/dist", sdk)
        .fallback_service(
            Router::new()
                .fallback_service(ServeDir::new(&config.site_dir))
                .layer(middleware::from_fn(static_guard::only_plain_files)),
        )
        .layer(middleware::from_fn_with_state(
            state.clone(),
            count_requests,
        ))
        .with_state(state)
}

fn cors(origins: &[String]) -> CorsLayer {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::POST, Method::DELETE])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(600))
}

/// Refuses API calls from pages of origins not on the allow-list (CORS alone would not stop a
/// `sendBeacon`, which needs no preflight), then applies the per-IP rate limit.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let inner = &state.inner;
    if let Some(origin) = request.headers().get(header::ORIGIN) {
        if !origin_allowed(origin, request.headers(), &inner.config.allowed_origins) {
            return axum::response::IntoResponse::into_response(AppError::client(
                axum::http::StatusCode::FORBIDDEN,
                "origin_not_allowed",
                "this origin may not call the Tailor API; add it with --allow-origin",
            ));
        }
    }
    let ip = client_ip(&request, inner.config.trust_proxy);
    if let Err(wait) = inner.limiter.check(ip, Instant::now()) {
        return axum::response::IntoResponse::into_response(AppError::RateLimited {
            retry_after_s: wait.as_secs_f64().ceil() as u64,
        });
    }
    next.run(request).await
}

/// An origin may call when it is listed, or when it is the server's own (same host).
fn origin_allowed(origin: &HeaderValue, headers: &HeaderMap, allowed: &[String]) -> bool {
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let origin = origin.to_ascii_lowercase();
    if allowed.contains(&origin) {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_ascii_lowercase);
    match (host, origin.split_once("://")) {
        (Some(host), Some((_, origin_host))) => origin_host == host,
        _ => false,
    }
}

fn client_ip(request: &Request, trust_proxy: bool) -> IpAddr {
    const FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
    if trust_proxy {
        // The last entry is the one the trusted proxy added; earlier ones are client-supplied.
        let forwarded = request
            .headers()
            .get(FORWARDED_FOR)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok());
        if let Some(ip) = forwarded {
            return ip;
        }
    }
    let extensions = request.extensions();
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .or_else(|| {
            // What tests install in place of a socket.
            extensions
                .get::<MockConnectInfo<SocketAddr>>()
                .map(|MockConnectInfo(addr)| addr.ip())
        })
        .unwrap_or(IpAddr::from([0, 0, 0, 0]))
}

/// Counts every answered request by route template and status, and refusals by code.
async fn count_requests(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = if request.uri().path().starts_with("/dist/") {
        "/dist/*".to_owned()
    } else {
        request
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| "static".to_owned())
    };
    let method = request.method().clone();
    let response = next.run(request).await;
    let metrics = &state.inner.metrics;
    metrics.record_request(&route, method.as_str(), response.status().as_u16());
    if let Some(Rejection(code)) = response.extensions().get::<Rejection>() {
        metrics.record_rejection(code);
    }
    response
}
