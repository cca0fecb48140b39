//! Storage of synced data behind one trait, [`Storage`], with two implementations: an embedded
//! SQLite file ([`sqlite`], the default) and a PostgreSQL server ([`postgres`], for several
//! server instances behind a load balancer). Both pass the same test suite
//! (`server/tests/storage.rs`).
//!
//! A store owns durability: `ingest` resolves only after the batch is committed, so a handler
//! that answers 2xx after it never acknowledges an event a crash could lose. A store never sees
//! HTTP, never validates a batch (the protocol module did) and never logs visitor data.

pub mod postgres;
pub mod sqlite;

use crate::config::DatabaseUrl;
use crate::protocol::Batch;
use serde::Serialize;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A failure inside the store. Its text is for the server's log, never for clients.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreError(pub String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// What one ingested batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct IngestOutcome {
    /// Events stored now.
    pub accepted: u64,
    /// Events whose id was already stored for this visitor (a retry), not stored again.
    pub duplicates: u64,
}

/// What an erasure or a retention run deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Erased {
    pub visitors: u64,
    pub events: u64,
}

/// One stored event, as exported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: i64,
    pub received_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Everything stored for one visitor: the export a visitor is entitled to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VisitorRecord {
    pub visitor: String,
    /// Server time (ms) of the first and the latest batch.
    pub first_seen: i64,
    pub last_seen: i64,
    /// The consent sent with the latest batch.
    pub consent: serde_json::Value,
    /// The latest profile sent, if any.
    pub profile: Option<serde_json::Value>,
    /// Sum of the outbox drop counters reported.
    pub dropped: i64,
    /// Ordered by `at`, then `id`.
    pub events: Vec<StoredEvent>,
}

/// Per rule and variant: how many visitors were exposed and how many of them converted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VariantCounts {
    pub rule: String,
    pub variant: String,
    /// Distinct visitors with an exposure of this rule and variant.
    pub visitors: i64,
    /// Exposure events.
    pub exposures: i64,
    /// Of those visitors, how many converted: a conversion attributed to this rule (and
    /// variant, when the conversion names one), or a conversion attributed to no rule at or
    /// after the visitor's first exposure.
    pub converters: i64,
}

/// The storage contract. Times are milliseconds since the epoch, passed in by the caller, so
/// tests control them.
pub trait Storage: Send + Sync {
    /// `sqlite` or `postgres`, for health and metrics.
    fn backend(&self) -> &'static str;
    /// Answers whether the database can be reached.
    fn ping(&self) -> StoreFuture<'_, ()>;
    /// Stores a validated batch atomically: the visitor's row (created or touched, with the
    /// latest consent and profile) and each event whose id is new for this visitor. Resolves
    /// once the batch is durably committed.
    fn ingest(&self, batch: Batch, now_ms: i64) -> StoreFuture<'_, IngestOutcome>;
    /// Deletes everything stored for `visitor`; deleting an unknown visitor is not an error.
    fn erase_visitor(&self, visitor: String) -> StoreFuture<'_, Erased>;
    /// Everything stored for `visitor`, or `None` when nothing is.
    fn export_visitor(&self, visitor: String) -> StoreFuture<'_, Option<VisitorRecord>>;
    /// Counts per rule and variant, ordered by rule then variant. With `goal`, only conversions
    /// of that name count.
    fn report(&self, goal: Option<String>) -> StoreFuture<'_, Vec<VariantCounts>>;
    /// Deletes every visitor last seen before `cutoff_ms`, with their events.
    fn delete_inactive(&self, cutoff_ms: i64) -> StoreFuture<'_, Erased>;
}

/// Opens the store a URL names, creating and migrating its schema.
pub async fn open(url: &DatabaseUrl) -> Result<Arc<dyn Storage>, StoreError> {
    match url {
        DatabaseUrl::Sqlite(path) => {
            let path = path.clone();
            let store = tokio::task::spawn_blocking(move || sqlite::SqliteStore::open(&path))
                .await
                .map_err(|e| StoreError(format!("opening the database failed: {e}")))??;
            Ok(Arc::new(store))
        }
        DatabaseUrl::Postgres(url) => Ok(Arc::new(postgres::PostgresStore::open(url).await?)),
    }
}

/// `last_seen` is kept to this resolution: a batch moves it only when it is this much older than
/// the batch. Retention counts in days, and skipping the write when nothing changed spares a
/// page write (and an index update) per batch.
pub const LAST_SEEN_RESOLUTION_MS: i64 = 60 * 60 * 1000;

/// The visitor upsert of an ingest, for both databases (placeholder prefix, "is distinct"
/// operator and max function differ). Parameters: id, now, consent, profile, dropped. The row is
/// rewritten only when something in it changes.
pub(crate) fn upsert_visitor_sql(p: &str, distinct: &str, greatest: &str) -> String {
    format!(
        "INSERT INTO visitors (id, first_seen, last_seen, consent, profile, dropped)
         VALUES ({p}1, {p}2, {p}2, {p}3, {p}4, {p}5)
         ON CONFLICT (id) DO UPDATE SET
            last_seen = {greatest}(visitors.last_seen, excluded.last_seen),
            consent = excluded.consent,
            profile = COALESCE(excluded.profile, visitors.profile),
            dropped = visitors.dropped + excluded.dropped
         WHERE excluded.last_seen >= visitors.last_seen + {LAST_SEEN_RESOLUTION_MS}
            OR excluded.consent {distinct} visitors.consent
            OR (excluded.profile IS NOT NULL AND excluded.profile {distinct} visitors.profile)
            OR excluded.dropped > 0"
    )
}

/// The SQL of the report, shared by both databases. `?1`/`$1` is the goal filter (NULL for
/// any conversion); the caller substitutes its placeholder syntax.
pub(crate) fn report_sql(placeholder: &str) -> String {
    format!(
        "WITH exp AS (
            SELECT visitor, rule, variant, MIN(at) AS first_at, COUNT(*) AS n
            FROM events WHERE type = 'exposure' GROUP BY visitor, rule, variant
        )
        SELECT e.rule, e.variant, COUNT(*) AS visitors, CAST(SUM(e.n) AS BIGINT) AS exposures,
            CAST(SUM(CASE WHEN EXISTS (
                SELECT 1 FROM events c
                WHERE c.visitor = e.visitor AND c.type = 'conversion'
                  AND ({p} IS NULL OR c.name = {p})
                  AND ((c.rule = e.rule AND (c.variant IS NULL OR c.variant = e.variant))
                       OR (c.rule IS NULL AND c.at >= e.first_at))
            ) THEN 1 ELSE 0 END) AS BIGINT) AS converters
        FROM exp e GROUP BY e.rule, e.variant ORDER BY e.rule, e.variant",
        p = placeholder
    )
}
