//! The router driven in-process with `oneshot`, as a client would meet it: every endpoint and
//! every way a request is refused.

mod support;

use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use support::{batch, conversion, exposure, pageview, VISITOR};
use tailor_server::config::{DatabaseUrl, ServeConfig};
use tailor_server::store::sqlite::SqliteStore;
use tailor_server::{app, AppState};
use tower::ServiceExt;

const KEY: &str = "test-admin-key-0123456789";

struct Site {
    dir: PathBuf,
    state: AppState,
    router: axum::Router,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A stand-in for the engine script (the wasm as base64 on its script element).
const CORE: &str = "(document.currentScript||{}).tailorWasm=\"AGFzbQEAAAA=\";";

fn site_with(name: &str, adjust: impl FnOnce(&mut ServeConfig)) -> Site {
    let dir = std::env::temp_dir().join(format!("tailor-router-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("site")).unwrap();
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(dir.join("site/index.html"), "<h1>Pet store</h1>").unwrap();
    std::fs::write(dir.join("dist/tailor_core.js"), CORE).unwrap();
    let mut config = ServeConfig::defaults();
    config.database = DatabaseUrl::Sqlite(dir.join("t.db"));
    config.site_dir = dir.join("site");
    config.dist_dir = dir.join("dist");
    config.admin_key = Some(KEY.into());
    config.allowed_origins = vec!["https://shop.example".into()];
    config.rate_limit_per_s = 0.0;
    adjust(&mut config);
    let store = SqliteStore::open(&dir.join("t.db")).unwrap();
    let state = AppState::new(config, Arc::new(store));
    let router = app(state.clone());
    Site { dir, state, router }
}

fn site(name: &str) -> Site {
    site_with(name, |_| {})
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl Answer {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// Asserts the one error shape: status, stable code, a message, nothing else.
    fn refused(&self, status: StatusCode, code: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        let json = self.json();
        assert_eq!(json["error"]["code"], code, "{}", self.body);
        assert!(json["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()));
        assert_eq!(json.as_object().unwrap().len(), 1);
    }
}

async fn send(router: &axum::Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

async fn get(router: &axum::Router, uri: &str) -> Answer {
    send(router, Request::get(uri).body(Body::empty()).unwrap()).await
}

async fn admin_get(router: &axum::Router, uri: &str) -> Answer {
    let request = Request::get(uri)
        .header(header::AUTHORIZATION, format!("Bearer {KEY}"))
        .body(Body::empty())
        .unwrap();
    send(router, request).await
}

fn post_request(body: impl Into<String>, content_type: &str) -> Request<Body> {
    let body = body.into();
    Request::post("/v1/events")
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CONTENT_LENGTH, body.len())
        .body(Body::from(body))
        .unwrap()
}

async fn post(router: &axum::Router, body: impl Into<String>) -> Answer {
    send(router, post_request(body, "application/json")).await
}

fn three_events() -> String {
    batch(
        VISITOR,
        &[
            exposure("e1", 1_767_225_600_000, "cat-hero", "exposed"),
            pageview("e2", 1_767_225_600_001, "/cats"),
            conversion("e3", 1_767_225_600_002, "cta", Some("cat-hero")),
        ],
    )
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let site = site("health");
    let answer = get(&site.router, "/healthz").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let json = answer.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    assert_eq!(json["backend"], "sqlite");
    assert!(
        site.dir.join("t.db").exists(),
        "database file created at start"
    );
}

#[tokio::test]
async fn serves_the_site_and_the_sdk_as_scripts() {
    let site = site("static");
    let answer = get(&site.router, "/").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer.body.contains("Pet store"));
    // The loader asks for the engine with its version in the query.
    let answer = get(&site.router, "/dist/tailor_core.js?v=0123456789abcdef").await;
    assert_eq!(answer.status, StatusCode::OK);
    let kind = answer.header("content-type").unwrap_or_default();
    assert!(kind.contains("javascript"), "{kind}");
    assert_eq!(answer.body, CORE);
    assert_eq!(
        get(&site.router, "/dist/missing.js").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn dotfiles_and_overlong_names_are_not_found_in_the_site_and_the_sdk() {
    let site = site("hidden");
    std::fs::write(site.dir.join("site/.env"), "SECRET=1").unwrap();
    std::fs::create_dir_all(site.dir.join("site/.git")).unwrap();
    std::fs::write(site.dir.join("site/.git/config"), "[core]").unwrap();
    std::fs::write(site.dir.join("dist/.env"), "SECRET=1").unwrap();
    let long = "a".repeat(256);
    for uri in [
        "/.env".to_owned(),
        "/%2eenv".to_owned(),
        "/.git/config".to_owned(),
        "/dist/.env".to_owned(),
        format!("/{long}"),
        format!("/{long}/index.html"),
        format!("/dist/{long}"),
    ] {
        let answer = get(&site.router, &uri).await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{uri}: {}",
            answer.body
        );
        assert!(!answer.body.contains("SECRET"), "{uri}");
    }
    assert_eq!(
        get(&site.router, "/index.html").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_sdk_goes_out_precompressed_when_the_browser_accepts_it() {
    let site = site("precompressed");
    let core = site.dir.join("dist/tailor_core.js");
    std::fs::write(core.with_extension("js.gz"), b"gzip bytes").unwrap();
    let request = |encoding: &str| {
        Request::get("/dist/tailor_core.js?v=0123456789abcdef")
            .header("accept-encoding", encoding)
            .body(Body::empty())
            .unwrap()
    };
    let answer = send(&site.router, request("gzip, deflate")).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    assert!(answer
        .header("content-type")
        .unwrap_or_default()
        .contains("javascript"));
    assert_eq!(answer.header("vary"), Some("accept-encoding"));
    assert_eq!(answer.body, "gzip bytes");
    let plain = send(&site.router, request("identity")).await;
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.body, CORE);
}

#[tokio::test]
async fn ingest_stores_each_event_id_once() {
    let site = site("ingest");
    let answer = post(&site.router, three_events()).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.json(),
        serde_json::json!({"accepted": 3, "duplicates": 0})
    );
    // The same batch again (a retry after a lost response) stores nothing new.
    let answer = post(&site.router, three_events()).await;
    assert_eq!(
        answer.json(),
        serde_json::json!({"accepted": 0, "duplicates": 3})
    );
    // A beacon sends text/plain.
    let beacon = batch(VISITOR, &[pageview("e4", 1_767_225_600_003, "/dogs")]);
    let answer = send(
        &site.router,
        post_request(beacon, "text/plain;charset=UTF-8"),
    )
    .await;
    assert_eq!(
        answer.json(),
        serde_json::json!({"accepted": 1, "duplicates": 0})
    );
    let export = admin_get(&site.router, &format!("/v1/visitors/{VISITOR}")).await;
    assert_eq!(export.status, StatusCode::OK);
    let json = export.json();
    assert_eq!(json["events"].as_array().unwrap().len(), 4);
    assert_eq!(json["profile"]["pet"], "cat");
    assert_eq!(json["consent"]["sync"], true);
    assert_eq!(export.header("cache-control"), Some("no-store"));
}

#[tokio::test]
async fn malformed_or_unconsented_batches_are_refused_with_their_code() {
    let site = site("refusals");
    let r = &site.router;
    let no_consent = three_events().replace(r#""sync":true"#, r#""sync":false"#);
    post(r, no_consent)
        .await
        .refused(StatusCode::FORBIDDEN, "consent_required");
    let unknown = three_events().replace(r#""country":"JP""#, r#""country":"JP","email":"a@b.c""#);
    post(r, unknown)
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_json");
    post(r, "{not json")
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_json");
    let wrong_type = three_events().replace(r#""sent_at":1767225600000"#, r#""sent_at":"now""#);
    post(r, wrong_type)
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_json");
    let v2 = three_events().replace(r#""v":1"#, r#""v":2"#);
    post(r, v2)
        .await
        .refused(StatusCode::BAD_REQUEST, "unsupported_version");
    let bad_visitor = three_events().replace(VISITOR, "not-a-visitor");
    post(r, bad_visitor)
        .await
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_batch");
    let named = three_events().replace(r#""pet":"cat""#, r#""pet":"cat","name":"Ann""#);
    post(r, named)
        .await
        .refused(StatusCode::UNPROCESSABLE_ENTITY, "field_not_allowed");
    let form = post_request(three_events(), "application/x-www-form-urlencoded");
    send(r, form)
        .await
        .refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let missing_type = Request::post("/v1/events")
        .body(Body::from(three_events()))
        .unwrap();
    send(r, missing_type)
        .await
        .refused(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    // Nothing of any of them was stored.
    admin_get(r, &format!("/v1/visitors/{VISITOR}"))
        .await
        .refused(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test]
async fn positional_arrays_are_refused_where_objects_are_expected() {
    // Serde's derived structs also read sequences, field by field in declaration order: the
    // protocol is objects only, so each of these is malformed.
    let site = site("arrays");
    let r = &site.router;
    let consent = r#""consent":{"sync":true,"personalization":true}"#;
    let event = r#"{"id":"e1","type":"pageview","at":1767225600000,"path":"/"}"#;
    let whole = format!(r#"[1,"{VISITOR}",[true],1767225600000,0,null,[{event}]]"#);
    let positional_consent = three_events().replace(consent, r#""consent":[true]"#);
    let positional_event = batch(VISITOR, &[r#"["e1","pageview",1767225600000]"#.to_owned()]);
    let positional_profile = three_events().replace(
        r#""profile":{"country":"JP","region":"JP-01","pet":"cat","topics":{"cat-food":2.5},"stage":"interest"}"#,
        r#""profile":["JP",null,"cat"]"#,
    );
    assert!(three_events().contains(consent));
    assert!(positional_profile.contains(r#""profile":["JP""#));
    assert_eq!(
        post(r, batch(VISITOR, &[event.to_owned()])).await.status,
        StatusCode::OK
    );
    for body in [
        whole,
        positional_consent,
        positional_event,
        positional_profile,
    ] {
        assert_ne!(body, three_events());
        post(r, body.clone())
            .await
            .refused(StatusCode::BAD_REQUEST, "invalid_json");
    }
}

#[tokio::test]
async fn size_limits_answer_413() {
    let site = site_with("sizes", |c| {
        c.max_body_bytes = 4096;
        c.max_batch_events = 5;
    });
    let r = &site.router;
    let events: Vec<String> = (0..6)
        .map(|i| pageview(&format!("p{i}"), 1_767_225_600_000, "/"))
        .collect();
    post(r, batch(VISITOR, &events))
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "too_many_events");
    let huge = batch(
        VISITOR,
        &[pageview("big", 1, &format!("/{}", "a".repeat(5000)))],
    );
    post(r, huge.clone())
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
    // Without a Content-Length (chunked), the limit still holds while reading.
    let chunked = Request::post("/v1/events")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::new(chunked(huge)))
        .unwrap();
    send(r, chunked)
        .await
        .refused(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");
}

/// A body with no declared length, delivered in pieces of 1000 bytes.
struct Chunked(Vec<axum::body::Bytes>);

fn chunked(text: String) -> Chunked {
    let bytes = text.into_bytes();
    Chunked(
        bytes
            .chunks(1000)
            .rev()
            .map(axum::body::Bytes::copy_from_slice)
            .collect(),
    )
}

impl http_body::Body for Chunked {
    type Data = axum::body::Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(self.0.pop().map(|b| Ok(http_body::Frame::data(b))))
    }
}

#[tokio::test]
async fn origins_outside_the_allow_list_are_refused_and_cors_answers_the_listed_ones() {
    let site = site("cors");
    let r = &site.router;
    let from = |origin: &str| {
        let mut request = post_request(three_events(), "text/plain;charset=UTF-8");
        request
            .headers_mut()
            .insert(header::ORIGIN, origin.parse().unwrap());
        request
    };
    let answer = send(r, from("https://evil.example")).await;
    answer.refused(StatusCode::FORBIDDEN, "origin_not_allowed");
    let answer = send(r, from("https://shop.example")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    // The server's own pages (Origin = Host) may call without being listed.
    let mut own = from("http://tailor.local:8080");
    own.headers_mut()
        .insert(header::HOST, "tailor.local:8080".parse().unwrap());
    assert_eq!(send(r, own).await.status, StatusCode::OK);
    // Preflight for a DELETE (an erase from the browser when consent is withdrawn).
    let preflight = |origin: &str| {
        Request::options(format!("/v1/visitors/{VISITOR}"))
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "DELETE")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
            .body(Body::empty())
            .unwrap()
    };
    let answer = send(r, preflight("https://shop.example")).await;
    assert!(answer.status.is_success(), "{}", answer.status);
    assert_eq!(
        answer.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert!(answer
        .header("access-control-allow-methods")
        .unwrap()
        .contains("DELETE"));
    let answer = send(r, preflight("https://evil.example")).await;
    assert_eq!(answer.header("access-control-allow-origin"), None);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_per_address() {
    let site = site_with("rate", |c| {
        c.rate_limit_per_s = 0.5;
        c.rate_burst = 2;
    });
    let from = |ip: [u8; 4]| {
        site.router
            .clone()
            .layer(MockConnectInfo(SocketAddr::from((ip, 40000))))
    };
    let a = from([192, 0, 2, 1]);
    for _ in 0..2 {
        assert_eq!(post(&a, three_events()).await.status, StatusCode::OK);
    }
    let answer = post(&a, three_events()).await;
    answer.refused(StatusCode::TOO_MANY_REQUESTS, "rate_limited");
    assert_eq!(answer.header("retry-after"), Some("2"));
    let b = from([192, 0, 2, 2]);
    assert_eq!(
        post(&b, three_events()).await.status,
        StatusCode::OK,
        "another address is not limited"
    );
    // Health, metrics and the site are not rate limited.
    assert_eq!(get(&a, "/healthz").await.status, StatusCode::OK);
}

#[tokio::test]
async fn erase_deletes_everything_of_a_visitor_without_the_admin_key() {
    let site = site("erase");
    let r = &site.router;
    post(r, three_events()).await;
    let other = support::visitor(7);
    post(r, batch(&other, &[pageview("x", 1_767_225_600_000, "/")])).await;
    let delete = || {
        Request::delete(format!("/v1/visitors/{VISITOR}"))
            .body(Body::empty())
            .unwrap()
    };
    let answer = send(r, delete()).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(
        answer.json(),
        serde_json::json!({"erased": true, "visitors": 1, "events": 3})
    );
    // Idempotent.
    let answer = send(r, delete()).await;
    assert_eq!(
        answer.json(),
        serde_json::json!({"erased": true, "visitors": 0, "events": 0})
    );
    admin_get(r, &format!("/v1/visitors/{VISITOR}"))
        .await
        .refused(StatusCode::NOT_FOUND, "not_found");
    assert_eq!(
        admin_get(r, &format!("/v1/visitors/{other}")).await.status,
        StatusCode::OK,
        "others kept"
    );
    let bad = Request::delete("/v1/visitors/..%2f..%2fetc")
        .body(Body::empty())
        .unwrap();
    send(r, bad)
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_visitor_id");
    // Storing again after an erase starts from nothing: the ids are new again.
    assert_eq!(post(r, three_events()).await.json()["accepted"], 3);
}

#[tokio::test]
async fn admin_endpoints_need_the_key_and_are_off_without_one() {
    let site = site("admin");
    let r = &site.router;
    post(r, three_events()).await;
    let path = format!("/v1/visitors/{VISITOR}");
    get(r, &path)
        .await
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(get(r, &path)
        .await
        .header("www-authenticate")
        .unwrap()
        .starts_with("Bearer"));
    let wrong = Request::get(&path)
        .header(header::AUTHORIZATION, "Bearer not-the-key-0000000000")
        .body(Body::empty())
        .unwrap();
    send(r, wrong)
        .await
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    get(r, "/v1/report")
        .await
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    get(r, "/report")
        .await
        .refused(StatusCode::UNAUTHORIZED, "unauthorized");
    admin_get(r, &format!("/v1/visitors/{}", "f".repeat(32)))
        .await
        .refused(StatusCode::NOT_FOUND, "not_found");
    admin_get(r, "/v1/visitors/ABC")
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_visitor_id");

    let off = site_with("admin-off", |c| c.admin_key = None);
    admin_get(&off.router, &path)
        .await
        .refused(StatusCode::FORBIDDEN, "admin_disabled");
    admin_get(&off.router, "/v1/report")
        .await
        .refused(StatusCode::FORBIDDEN, "admin_disabled");
    get(&off.router, &format!("/report?key={KEY}"))
        .await
        .refused(StatusCode::FORBIDDEN, "admin_disabled");
}

/// 10 exposed visitors of whom 4 convert, 10 in the holdout of whom 1 converts.
async fn seed_report(r: &axum::Router) {
    for n in 0..20u64 {
        let variant = if n < 10 { "exposed" } else { "holdout" };
        let mut events = vec![exposure(
            &format!("x{n}"),
            1_767_225_600_000,
            "cat-hero",
            variant,
        )];
        if n < 4 || n == 10 {
            events.push(conversion(
                &format!("c{n}"),
                1_767_225_700_000,
                "purchase",
                None,
            ));
        }
        assert_eq!(
            post(r, batch(&support::visitor(1000 + n), &events))
                .await
                .status,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn the_report_compares_exposed_with_holdout() {
    let site = site("report");
    let r = &site.router;
    seed_report(r).await;
    let answer = admin_get(r, "/v1/report").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let json = answer.json();
    let rule = &json["rules"][0];
    assert_eq!(rule["rule"], "cat-hero");
    assert_eq!(rule["exposed"]["visitors"], 10);
    assert_eq!(rule["exposed"]["conversions"], 4);
    assert_eq!(rule["holdout"]["conversions"], 1);
    assert!((rule["lift"]["absolute"].as_f64().unwrap() - 0.3).abs() < 1e-9);
    assert!((rule["lift"]["relative"].as_f64().unwrap() - 3.0).abs() < 1e-9);
    assert_eq!(rule["lift"]["absolute_ci95"].as_array().unwrap().len(), 2);
    assert!(json["method"]
        .as_str()
        .unwrap()
        .contains("normal approximation"));
    // A goal filter: no conversion is named "signup".
    let json = admin_get(r, "/v1/report?goal=signup").await.json();
    assert_eq!(json["rules"][0]["exposed"]["conversions"], 0);
    admin_get(r, "/v1/report?colour=red")
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_query");
    admin_get(r, &format!("/v1/report?key={KEY}"))
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_query");

    let page = get(r, &format!("/report?key={KEY}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page
        .header("content-type")
        .unwrap()
        .starts_with("text/html"));
    assert!(page
        .header("content-security-policy")
        .unwrap()
        .contains("default-src 'none'"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    assert!(page.body.contains("<svg") && page.body.contains("cat-hero"));
    assert!(page.body.contains("40.00%") && page.body.contains("10.00%"));
    assert!(page.body.contains("95% CI") && page.body.contains("normal approximation"));
    assert_eq!(
        admin_get(r, "/report").await.status,
        StatusCode::OK,
        "the header works too"
    );

    // The preview form: a GET back to the page, answered with the link `tailor preview` makes.
    assert!(page
        .body
        .contains("<form method=\"get\" action=\"/report\">"));
    let query = "preview_url=https%3A%2F%2Fshop.example%2F&pet=cat&name=&region=JP-47&stage=purchase&visits=";
    let page = get(r, &format!("/report?key={KEY}&{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let link = tailor_server::preview_link::link(
        "https://shop.example/",
        &[
            ("pet", "cat"),
            ("geo.region", "JP-47"),
            ("stage", "purchase"),
        ],
    )
    .unwrap();
    assert!(
        page.body.contains(&format!("href=\"{link}\"")),
        "{}",
        page.body
    );
    let page = get(
        r,
        &format!("/report?key={KEY}&preview_url=%2F&stage=buying"),
    )
    .await;
    assert!(
        page.body
            .contains("No link: &quot;stage&quot;: one of awareness"),
        "{}",
        page.body
    );
    admin_get(r, "/v1/report?pet=cat")
        .await
        .refused(StatusCode::BAD_REQUEST, "invalid_query");
}

#[tokio::test]
async fn metrics_count_requests_events_duplicates_and_rejections() {
    let site = site("metrics");
    let r = &site.router;
    post(r, three_events()).await;
    post(r, three_events()).await;
    post(
        r,
        three_events().replace(r#""sync":true"#, r#""sync":false"#),
    )
    .await;
    let answer = get(r, "/metrics").await;
    assert_eq!(answer.status, StatusCode::OK);
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = answer.body;
    assert!(
        text.contains(
            r#"tailor_http_requests_total{route="/v1/events",method="POST",status="200"} 2"#
        ),
        "{text}"
    );
    assert!(text.contains(
        r#"tailor_http_requests_total{route="/v1/events",method="POST",status="403"} 1"#
    ));
    assert!(text.contains("\ntailor_events_stored_total 3\n"));
    assert!(text.contains("\ntailor_events_duplicate_total 3\n"));
    assert!(text.contains(r#"tailor_rejections_total{reason="consent_required"} 1"#));
    assert!(text.contains(r#"tailor_storage_info{backend="sqlite"} 1"#));
}

#[tokio::test]
async fn retention_deletes_visitors_inactive_beyond_the_configured_days() {
    let site = site("retention");
    let r = &site.router;
    post(r, three_events()).await;
    let store = site.state.store().as_ref();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let day = 86_400_000;
    let kept = tailor_server::retention::run_once(store, 180, now + 179 * day)
        .await
        .unwrap();
    assert_eq!(kept.visitors, 0);
    let gone = tailor_server::retention::run_once(store, 180, now + 181 * day)
        .await
        .unwrap();
    assert_eq!((gone.visitors, gone.events), (1, 3));
    admin_get(r, &format!("/v1/visitors/{VISITOR}"))
        .await
        .refused(StatusCode::NOT_FOUND, "not_found");
    let off = tailor_server::retention::run_once(store, 0, now + 10_000 * day)
        .await
        .unwrap();
    assert_eq!(off.visitors, 0);
}

#[tokio::test]
async fn unknown_api_paths_and_methods_are_refused() {
    let site = site("unknown");
    let r = &site.router;
    let answer = send(r, Request::put("/v1/events").body(Body::empty()).unwrap()).await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        get(r, "/v1/nothing-here").await.status,
        StatusCode::NOT_FOUND
    );
}

/// Every route the router declares (read from app.rs, so a new route cannot be forgotten) is
/// described in openapi.json with each of its methods, and the document is what /openapi.json
/// serves.
#[tokio::test]
async fn openapi_describes_every_route() {
    let site = site("openapi");
    let answer = get(&site.router, "/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let source = include_str!("../src/app.rs");
    let mut routes = 0;
    for piece in source.split(".route(").skip(1) {
        let path = piece.split('"').nth(1).unwrap();
        let end = piece
            .find(".route(")
            .unwrap_or(piece.len())
            .min(piece.find(".layer(").unwrap_or(piece.len()));
        let call = &piece[..end];
        let item = &doc["paths"][path];
        assert!(
            item.is_object(),
            "route {path} is missing from openapi.json"
        );
        for method in ["get", "post", "delete", "put", "patch"] {
            let declared = call.contains(&format!("{method}(api::"))
                || call.contains(&format!(".{method}(api::"));
            assert_eq!(
                item[method].is_object(),
                declared,
                "{method} {path}: router and openapi.json disagree"
            );
        }
        routes += 1;
    }
    assert!(routes >= 7, "found {routes} routes in app.rs");
    assert!(doc["components"]["schemas"]["Batch"].is_object());
}
