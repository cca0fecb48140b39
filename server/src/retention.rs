//! The retention job: deletes visitors (and their events) not seen for the configured number of
//! days. It runs once at start and then every [`INTERVAL`]; a failed run is logged and retried at
//! the next tick, never fatal. "Seen" is the server's receive time of the visitor's latest batch,
//! so a browser with a wrong clock can neither keep data forever nor have it deleted early.

use crate::app::AppState;
use crate::metrics::Metrics;
use crate::store::{Erased, Storage, StoreError};
use std::time::Duration;

pub const INTERVAL: Duration = Duration::from_secs(3600);
const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Deletes visitors last seen more than `days` days before `now_ms`. `days == 0` keeps all.
pub async fn run_once(store: &dyn Storage, days: u32, now_ms: i64) -> Result<Erased, StoreError> {
    if days == 0 {
        return Ok(Erased::default());
    }
    store
        .delete_inactive(now_ms.saturating_sub(i64::from(days) * DAY_MS))
        .await
}

/// Starts the periodic job on the current runtime.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let days = state.config().retention_days;
        if days == 0 {
            return;
        }
        let mut ticks = tokio::time::interval(INTERVAL);
        loop {
            ticks.tick().await;
            match run_once(state.store().as_ref(), days, crate::api::now_ms()).await {
                Ok(erased) => {
                    Metrics::add(&state.metrics().retention_visitors_deleted, erased.visitors);
                    if erased.visitors > 0 {
                        println!(
                            "tailor: retention deleted {} visitor(s) inactive for over {days} days ({} events)",
                            erased.visitors, erased.events
                        );
                    }
                }
                Err(e) => eprintln!("tailor: retention run failed (retried in an hour): {e}"),
            }
        }
    })
}
