//! The router driven in-process with `oneshot`, as a client would meet it.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use std::path::PathBuf;
use tailor_server::config::{DatabaseUrl, ServeConfig};
use tailor_server::db::Database;
use tailor_server::{app, AppState};
use tower::ServiceExt;

struct Site {
    dir: PathBuf,
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn site(name: &str) -> (Site, axum::Router) {
    let dir = std::env::temp_dir().join(format!("tailor-router-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("site")).unwrap();
    std::fs::create_dir_all(dir.join("dist")).unwrap();
    std::fs::write(dir.join("site/index.html"), "<h1>Pet store</h1>").unwrap();
    std::fs::write(dir.join("dist/tailor_core_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let config = ServeConfig {
        host: [127, 0, 0, 1].into(),
        port: 0,
        database: DatabaseUrl::Sqlite(dir.join("t.db")),
        site_dir: dir.join("site"),
        dist_dir: dir.join("dist"),
    };
    let db = Database::open(&config.database).unwrap();
    (Site { dir }, app(AppState::new(config, db)))
}

async fn get(router: axum::Router, uri: &str) -> (StatusCode, String, String) {
    let response = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test]
async fn healthz_reports_the_database() {
    let (site, router) = site("health");
    let (status, content_type, body) = get(router, "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["database"], "ok");
    assert!(
        site.dir.join("t.db").exists(),
        "database file created at start"
    );
}

#[tokio::test]
async fn serves_the_site_and_the_sdk_with_the_wasm_type() {
    let (_site, router) = site("static");
    let (status, _, body) = get(router.clone(), "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Pet store"));
    let (status, content_type, _) = get(router.clone(), "/dist/tailor_core_bg.wasm").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/wasm");
    let (status, _, _) = get(router, "/dist/missing.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
