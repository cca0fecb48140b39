//! The Tailor server: serves the site and the SDK files, receives consented data
//! (`POST /v1/events`), stores it (SQLite or PostgreSQL), erases and exports it per visitor,
//! deletes it after the retention period and reports each rule's lift.
//!
//! The router is built by [`app`] from explicit state so tests drive it with
//! `tower::ServiceExt::oneshot`, with no socket.

pub mod api;
pub mod app;
pub mod cli_args;
pub mod config;
pub mod conn;
pub mod error;
pub mod metrics;
pub mod preview_link;
pub mod protocol;
pub mod rate_limit;
pub mod report;
pub mod report_page;
pub mod retention;
pub mod static_guard;
pub mod store;

pub use app::{app, AppState};

use axum::serve::ListenerExt;
use std::future::IntoFuture;
use std::net::SocketAddr;

/// Opens (creating and migrating) the database, starts the retention job, binds, prints the
/// address and serves until Ctrl-C or SIGTERM.
pub async fn serve(config: config::ServeConfig) -> Result<(), String> {
    let store = store::open(&config.database)
        .await
        .map_err(|e| format!("cannot open the database {}: {e}", config.database))?;
    let state = AppState::new(config.clone(), store);
    let retention = retention::spawn(state.clone());
    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "Tailor server listening on http://{local}/ (site: {}, SDK: {}, database: {}, admin: {})",
        config.site_dir.display(),
        config.dist_dir.display(),
        config.database,
        if config.admin_key.is_some() {
            "on"
        } else {
            "off"
        },
    );
    // `tap_io` with nothing to do: axum gives the peer address to a tapped listener of any kind.
    let listener = conn::StallingListener::new(listener, conn::STALL).tap_io(|_| {});
    let (stopping, mut stop) = tokio::sync::watch::channel(false);
    let server = axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    // The graceful stop waits for requests in flight, but at most GRACE after the signal.
    let grace = async move {
        if stop.wait_for(|s| *s).await.is_ok() {
            tokio::time::sleep(conn::GRACE).await;
        } else {
            std::future::pending::<()>().await;
        }
    };
    let result = tokio::select! {
        result = server.into_future() => result.map_err(|e| e.to_string()),
        () = grace => {
            eprintln!("tailor serve: requests still open after {:?}; stopping", conn::GRACE);
            Ok(())
        }
    };
    retention.abort();
    result
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
