//! One storage suite, run against both stores: SQLite always, PostgreSQL when
//! `TAILOR_TEST_POSTGRES_URL` names a server (`scripts/postgres.sh` starts one; `npm test` does).
//! Each PostgreSQL test works in its own schema, dropped first, so tests run in parallel and a
//! rerun starts clean.

mod support;

use std::sync::Arc;
use support::{batch, conversion, exposure, pageview};
use tailor_server::protocol::{Batch, BatchLimits};
use tailor_server::store::postgres::PostgresStore;
use tailor_server::store::sqlite::SqliteStore;
use tailor_server::store::{Erased, IngestOutcome, Storage};

const LIMITS: BatchLimits = BatchLimits {
    max_events: 1000,
    accept_name: true,
};
const T0: u64 = 1_767_225_600_000;
const HOUR: i64 = 3_600_000;

fn parse(text: &str) -> Batch {
    Batch::parse(text.as_bytes(), &LIMITS).unwrap_or_else(|e| panic!("{e:?}: {text}"))
}

struct SqliteFixture {
    dir: std::path::PathBuf,
}

impl Drop for SqliteFixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn sqlite(name: &str) -> (SqliteFixture, Arc<dyn Storage>) {
    let dir = std::env::temp_dir().join(format!("tailor-storage-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = SqliteStore::open(&dir.join("t.db")).unwrap();
    (SqliteFixture { dir }, Arc::new(store))
}

async fn postgres(name: &str) -> Option<Arc<dyn Storage>> {
    let url = std::env::var("TAILOR_TEST_POSTGRES_URL").ok()?;
    let schema = format!("test_{name}");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .expect("TAILOR_TEST_POSTGRES_URL is set but the server cannot be reached");
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
    let store = PostgresStore::open_in_schema(&url, Some(&schema))
        .await
        .unwrap();
    Some(Arc::new(store))
}

/// Defines each named test twice: `sqlite::name` and `postgres::name`.
macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (_fixture, store) = super::sqlite(stringify!($name));
                    super::$name(store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    match super::postgres(stringify!($name)).await {
                        Some(store) => super::$name(store).await,
                        None => eprintln!("skipped: TAILOR_TEST_POSTGRES_URL is not set"),
                    }
                }
            )*
        }
    };
}

suite!(
    opens_and_answers_ping,
    stores_each_id_once_per_visitor,
    export_holds_everything_sent,
    erase_removes_one_visitor_idempotently,
    inactive_visitors_are_deleted_by_last_seen,
    retention_past_one_chunk_deletes_every_inactive_visitor,
    report_counts_visitors_and_attributes_conversions,
    concurrent_batches_are_all_stored_exactly_once,
);

async fn opens_and_answers_ping(store: Arc<dyn Storage>) {
    store.ping().await.unwrap();
    assert!(["sqlite", "postgres"].contains(&store.backend()));
}

async fn stores_each_id_once_per_visitor(store: Arc<dyn Storage>) {
    let a = support::visitor(1);
    let b = support::visitor(2);
    let events = [pageview("p1", T0, "/"), pageview("p2", T0 + 1, "/cats")];
    let first = store
        .ingest(parse(&batch(&a, &events)), 1000)
        .await
        .unwrap();
    assert_eq!(
        first,
        IngestOutcome {
            accepted: 2,
            duplicates: 0
        }
    );
    let again = store
        .ingest(parse(&batch(&a, &events)), 2000)
        .await
        .unwrap();
    assert_eq!(
        again,
        IngestOutcome {
            accepted: 0,
            duplicates: 2
        }
    );
    // The same ids for another visitor are other events.
    let other = store
        .ingest(parse(&batch(&b, &events)), 2000)
        .await
        .unwrap();
    assert_eq!(other.accepted, 2);
    // A duplicate inside one batch is stored once.
    let twice = [pageview("p3", T0, "/"), pageview("p3", T0, "/")];
    let inner = store.ingest(parse(&batch(&a, &twice)), 3000).await.unwrap();
    assert_eq!(
        inner,
        IngestOutcome {
            accepted: 1,
            duplicates: 1
        }
    );
    // A batch with no events still records the visitor.
    let c = support::visitor(3);
    let empty = store.ingest(parse(&batch(&c, &[])), 3000).await.unwrap();
    assert_eq!(empty, IngestOutcome::default());
    assert!(store.export_visitor(c).await.unwrap().is_some());
}

async fn export_holds_everything_sent(store: Arc<dyn Storage>) {
    let v = support::visitor(10);
    let text = batch(
        &v,
        &[
            exposure("e1", T0, "cat-hero", "holdout"),
            r#"{"id":"c1","type":"conversion","at":1767225600500,"name":"purchase","rule":"cat-hero","variant":"holdout","value":42.5}"#.to_owned(),
            r#"{"id":"n1","type":"event","at":1767225600600,"name":"add_to_cart"}"#.to_owned(),
        ],
    )
    .replace(r#""sent_at":1767225600000"#, r#""sent_at":1767225600000,"dropped":3"#);
    store.ingest(parse(&text), 5 * HOUR).await.unwrap();
    // A later batch without a profile keeps the stored one; the drop counters add up.
    let later = format!(
        r#"{{"v":1,"visitor":"{v}","consent":{{"sync":true}},"sent_at":{},"dropped":2,"events":[{}]}}"#,
        T0 + 10,
        pageview("p1", T0 + 10, "/dogs")
    );
    store.ingest(parse(&later), 9 * HOUR).await.unwrap();
    let record = store.export_visitor(v.clone()).await.unwrap().unwrap();
    assert_eq!(record.visitor, v);
    assert_eq!((record.first_seen, record.last_seen), (5 * HOUR, 9 * HOUR));
    assert_eq!(record.dropped, 5);
    assert_eq!(record.consent, serde_json::json!({"sync": true}));
    let profile = record.profile.unwrap();
    assert_eq!(profile["pet"], "cat");
    assert_eq!(profile["topics"]["cat-food"], 2.5);
    let ids: Vec<&str> = record.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "p1", "c1", "n1"], "ordered by time");
    let c1 = &record.events[2];
    assert_eq!(c1.kind, "conversion");
    assert_eq!(c1.value, Some(42.5));
    assert_eq!(c1.variant.as_deref(), Some("holdout"));
    assert_eq!(c1.received_at, 5 * HOUR);
    assert_eq!(record.events[1].path.as_deref(), Some("/dogs"));
    assert!(store
        .export_visitor(support::visitor(11))
        .await
        .unwrap()
        .is_none());
}

async fn erase_removes_one_visitor_idempotently(store: Arc<dyn Storage>) {
    let a = support::visitor(20);
    let b = support::visitor(21);
    let events = [pageview("p1", T0, "/"), exposure("e1", T0, "r", "exposed")];
    store.ingest(parse(&batch(&a, &events)), 1).await.unwrap();
    store.ingest(parse(&batch(&b, &events)), 1).await.unwrap();
    let erased = store.erase_visitor(a.clone()).await.unwrap();
    assert_eq!(
        erased,
        Erased {
            visitors: 1,
            events: 2
        }
    );
    assert_eq!(
        store.erase_visitor(a.clone()).await.unwrap(),
        Erased::default()
    );
    assert!(store.export_visitor(a).await.unwrap().is_none());
    assert_eq!(
        store.export_visitor(b).await.unwrap().unwrap().events.len(),
        2
    );
    let report = store.report(None).await.unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].visitors, 1, "the erased visitor no longer counts");
}

async fn inactive_visitors_are_deleted_by_last_seen(store: Arc<dyn Storage>) {
    let old = support::visitor(30);
    let touched = support::visitor(31);
    let fresh = support::visitor(32);
    let same_hour = support::visitor(33);
    let put = |v: &str, id: &str, now: i64| {
        let store = Arc::clone(&store);
        let text = batch(v, &[pageview(id, T0, "/")]);
        async move { store.ingest(parse(&text), now).await.unwrap() }
    };
    put(&old, "a", HOUR).await;
    put(&touched, "a", HOUR).await;
    put(&touched, "b", 6 * HOUR).await;
    put(&fresh, "a", 7 * HOUR).await;
    // last_seen moves by whole hours: a batch 59 minutes later does not rewrite the row.
    put(&same_hour, "a", HOUR).await;
    put(&same_hour, "b", 2 * HOUR - 60_000).await;
    let record = store
        .export_visitor(same_hour.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.last_seen, HOUR);
    let deleted = store.delete_inactive(5 * HOUR).await.unwrap();
    assert_eq!(
        deleted,
        Erased {
            visitors: 2,
            events: 3
        }
    );
    assert!(store.export_visitor(old).await.unwrap().is_none());
    assert!(store.export_visitor(same_hour).await.unwrap().is_none());
    assert_eq!(
        store
            .export_visitor(touched)
            .await
            .unwrap()
            .unwrap()
            .events
            .len(),
        2
    );
    assert!(store.export_visitor(fresh).await.unwrap().is_some());
    assert_eq!(
        store.delete_inactive(5 * HOUR).await.unwrap(),
        Erased::default()
    );
}

/// Retention deletes in chunks of 500 visitors: across the chunk boundary nothing is left
/// behind, nothing active is taken, and the totals add up.
async fn retention_past_one_chunk_deletes_every_inactive_visitor(store: Arc<dyn Storage>) {
    let inactive = 1001u64;
    let ingests: Vec<_> = (0..inactive + 1)
        .map(|n| {
            let store = Arc::clone(&store);
            let text = batch(&support::visitor(1000 + n), &[pageview("a", T0, "/")]);
            let now = if n == inactive { 9 * HOUR } else { HOUR };
            tokio::spawn(async move { store.ingest(parse(&text), now).await.unwrap() })
        })
        .collect();
    for ingest in ingests {
        ingest.await.unwrap();
    }
    let deleted = store.delete_inactive(5 * HOUR).await.unwrap();
    assert_eq!(
        deleted,
        Erased {
            visitors: inactive,
            events: inactive
        }
    );
    let kept = support::visitor(1000 + inactive);
    assert!(store.export_visitor(kept).await.unwrap().is_some());
}

async fn report_counts_visitors_and_attributes_conversions(store: Arc<dyn Storage>) {
    let put = |n: u64, events: Vec<String>| {
        let store = Arc::clone(&store);
        async move {
            store
                .ingest(parse(&batch(&support::visitor(100 + n), &events)), 1)
                .await
                .unwrap();
        }
    };
    // Exposed twice, converts on the rule: one visitor, two exposures, one converter.
    put(
        0,
        vec![
            exposure("e1", T0, "hero", "exposed"),
            exposure("e2", T0 + 5, "hero", "exposed"),
            conversion("c", T0 + 9, "cta", Some("hero")),
        ],
    )
    .await;
    // Exposed, converts without a rule after the exposure: counts.
    put(
        1,
        vec![
            exposure("e1", T0, "hero", "exposed"),
            conversion("c", T0 + 1, "purchase", None),
        ],
    )
    .await;
    // Exposed, converted without a rule only before the exposure: does not count.
    put(
        2,
        vec![
            conversion("c", T0 - 1, "purchase", None),
            exposure("e1", T0, "hero", "exposed"),
        ],
    )
    .await;
    // Holdout, converts on another rule only: does not count for `hero`.
    put(
        3,
        vec![
            exposure("e1", T0, "hero", "holdout"),
            conversion("c", T0 + 1, "cta", Some("other")),
        ],
    )
    .await;
    // Holdout, converts without a rule: counts.
    put(
        4,
        vec![
            exposure("e1", T0, "hero", "holdout"),
            conversion("c", T0 + 1, "purchase", None),
        ],
    )
    .await;
    // Another rule, exposed only.
    put(5, vec![exposure("e1", T0, "banner", "exposed")]).await;

    let report = store.report(None).await.unwrap();
    let rows: Vec<(&str, &str, i64, i64, i64)> = report
        .iter()
        .map(|r| {
            (
                r.rule.as_str(),
                r.variant.as_str(),
                r.visitors,
                r.exposures,
                r.converters,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("banner", "exposed", 1, 1, 0),
            ("hero", "exposed", 3, 4, 2),
            ("hero", "holdout", 2, 2, 1),
        ]
    );
    let purchases = store.report(Some("purchase".into())).await.unwrap();
    let hero: Vec<i64> = purchases
        .iter()
        .filter(|r| r.rule == "hero")
        .map(|r| r.converters)
        .collect();
    assert_eq!(hero, [1, 1], "only conversions named purchase");
}

async fn concurrent_batches_are_all_stored_exactly_once(store: Arc<dyn Storage>) {
    const TASKS: u64 = 8;
    const BATCHES: u64 = 10;
    const EVENTS: u64 = 20;
    let mut handles = Vec::new();
    for task in 0..TASKS {
        let store = Arc::clone(&store);
        handles.push(tokio::spawn(async move {
            let visitor = support::visitor(1000 + task);
            let mut outcome = IngestOutcome::default();
            for b in 0..BATCHES {
                // Each batch repeats the previous batch's last event: one duplicate per batch
                // after the first.
                let first = if b == 0 { 0 } else { b * EVENTS - 1 };
                let events: Vec<String> = (first..(b + 1) * EVENTS)
                    .map(|i| pageview(&format!("ev{i}"), T0 + i, "/"))
                    .collect();
                let o = store
                    .ingest(parse(&batch(&visitor, &events)), 1)
                    .await
                    .unwrap();
                outcome.accepted += o.accepted;
                outcome.duplicates += o.duplicates;
            }
            outcome
        }));
    }
    let mut accepted = 0;
    let mut duplicates = 0;
    for handle in handles {
        let o = handle.await.unwrap();
        accepted += o.accepted;
        duplicates += o.duplicates;
    }
    assert_eq!(accepted, TASKS * BATCHES * EVENTS);
    assert_eq!(duplicates, TASKS * (BATCHES - 1));
    let mut stored = 0;
    for task in 0..TASKS {
        stored += store
            .export_visitor(support::visitor(1000 + task))
            .await
            .unwrap()
            .unwrap()
            .events
            .len() as u64;
    }
    assert_eq!(stored, TASKS * BATCHES * EVENTS);
}

/// An erased visitor's id is gone from the bytes on disk, not only from queries: deleted cells
/// and freed pages are zeroed (`secure_delete`) and the WAL, which still holds the pages as they
/// were written, is checkpointed and truncated.
#[tokio::test]
async fn sqlite_erase_leaves_no_trace_of_the_visitor_in_the_files() {
    let (fixture, store) = sqlite("erase_bytes");
    let gone = support::visitor(0xdead_beef);
    let kept = support::visitor(0xcafe);
    let events: Vec<String> = (0..50)
        .map(|i| pageview(&format!("p{i}"), T0 + i, "/cats"))
        .collect();
    store
        .ingest(parse(&batch(&gone, &events)), T0 as i64)
        .await
        .unwrap();
    store
        .ingest(parse(&batch(&kept, &events)), T0 as i64)
        .await
        .unwrap();
    let erased = store.erase_visitor(gone.clone()).await.unwrap();
    assert_eq!(erased.visitors, 1);
    let files = ["t.db", "t.db-wal"].map(|f| fixture.dir.join(f));
    let contains = |needle: &str| {
        files.iter().any(|f| {
            let bytes = std::fs::read(f).unwrap_or_default();
            bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
    };
    assert!(contains(&kept), "the scan finds a visitor that was kept");
    assert!(!contains(&gone), "the erased visitor's id is still on disk");
}
