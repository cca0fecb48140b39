//! The Tailor server: serves the site and the SDK files, and (as the sync work lands) receives
//! consented data, stores it, erases and exports it, and reports lift.
//!
//! The router is built by [`app`] from explicit state so tests drive it with
//! `tower::ServiceExt::oneshot`, with no socket.

pub mod app;
pub mod config;
pub mod db;
pub mod error;

pub use app::{app, AppState};

use std::net::SocketAddr;

/// Opens (creating and migrating) the database, binds, prints the address and serves until
/// Ctrl-C or SIGTERM.
pub async fn serve(config: config::ServeConfig) -> Result<(), String> {
    let database = db::Database::open(&config.database)
        .map_err(|e| format!("cannot open the database {}: {e}", config.database))?;
    let state = AppState::new(config.clone(), database);
    let addr = SocketAddr::new(config.host, config.port);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    println!(
        "Tailor server listening on http://{local}/ (site: {}, SDK: {}, database: {})",
        config.site_dir.display(),
        config.dist_dir.display(),
        config.database
    );
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .map_err(|e| e.to_string())
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
