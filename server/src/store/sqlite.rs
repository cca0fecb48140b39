//! The SQLite store: one file, WAL, created and migrated at start.
//!
//! All writes go through one writer thread that owns the write connection and commits in groups:
//! it takes every job waiting in its queue, runs each in its own savepoint inside one
//! transaction, commits once (one fsync, `synchronous=FULL`) and only then answers each job. So
//! concurrent batches share the cost of durability, and no job is answered before its data is on
//! disk. Reads (export, report) use a separate connection on tokio's blocking pool; WAL lets them
//! run beside the writer.
//!
//! Migrations are numbered and recorded in `user_version`, so a server never runs one twice and
//! refuses a database written by a newer version instead of damaging it.

use super::{
    report_sql, Erased, IngestOutcome, Storage, StoreError, StoreFuture, StoredEvent,
    VariantCounts, VisitorRecord,
};
use crate::protocol::Batch;
use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use tokio::sync::oneshot;

/// Schema migrations, in order; `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    "CREATE TABLE tailor_meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    INSERT INTO tailor_meta (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));",
    // Sync v1. Both tables are clustered by visitor (WITHOUT ROWID), so erasing or exporting a
    // visitor reads one contiguous range, and (visitor, id) is what makes an event id stored once.
    "CREATE TABLE visitors (
        id         TEXT PRIMARY KEY NOT NULL,
        first_seen INTEGER NOT NULL,
        last_seen  INTEGER NOT NULL,
        consent    TEXT NOT NULL,
        profile    TEXT,
        dropped    INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX visitors_last_seen ON visitors (last_seen);
    CREATE TABLE events (
        visitor     TEXT NOT NULL,
        id          TEXT NOT NULL,
        type        TEXT NOT NULL,
        at          INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        rule        TEXT,
        variant     TEXT,
        name        TEXT,
        value       REAL,
        path        TEXT,
        PRIMARY KEY (visitor, id)
    ) WITHOUT ROWID;",
];

static UPSERT_VISITOR: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| super::upsert_visitor_sql("?", "IS NOT", "MAX"));

/// Upper bound of jobs committed together, so one commit stays short.
const MAX_GROUP: usize = 64;

enum Job {
    // Boxed: a batch is large next to the other jobs, and jobs wait in a queue.
    Ingest(
        Box<Batch>,
        i64,
        oneshot::Sender<Result<IngestOutcome, StoreError>>,
    ),
    Erase(String, oneshot::Sender<Result<Erased, StoreError>>),
    /// Up to `usize` of the visitors last seen before the cutoff, with their events.
    DeleteInactive(i64, usize, oneshot::Sender<Result<Erased, StoreError>>),
}

pub struct SqliteStore {
    jobs: mpsc::Sender<Job>,
    reader: Arc<Mutex<Connection>>,
    /// `/healthz` has its own connection: a lift report can hold the reader for seconds, and a
    /// health check that waits behind it makes a load balancer drop a healthy server.
    health: Arc<Mutex<Connection>>,
    /// How many visitors one retention transaction deletes at most.
    retention_chunk: usize,
}

/// Visitors per retention transaction: small enough that a batch waits milliseconds behind one.
const RETENTION_CHUNK: usize = 500;

fn db_err(e: rusqlite::Error) -> StoreError {
    StoreError(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating and migrating) the file and starts the writer thread. Blocking.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| StoreError(format!("cannot create {}: {e}", parent.display())))?;
        }
        let writer = Connection::open(path).map_err(db_err)?;
        configure(&writer)?;
        migrate(&writer)?;
        let reader = Connection::open(path).map_err(db_err)?;
        configure(&reader)?;
        let health = Connection::open(path).map_err(db_err)?;
        configure(&health)?;
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("tailor-sqlite-writer".into())
            .spawn(move || write_loop(writer, queue))
            .map_err(|e| StoreError(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteStore {
            jobs,
            reader: Arc::new(Mutex::new(reader)),
            health: Arc::new(Mutex::new(health)),
            retention_chunk: RETENTION_CHUNK,
        })
    }

    async fn write<T>(
        &self,
        job: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Job,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send(job(tx))
            .map_err(|_| StoreError("the writer thread has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError("the writer thread dropped a job".into()))?
    }

    async fn read<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        Self::read_on(&self.reader, work).await
    }

    async fn read_on<T, F>(connection: &Arc<Mutex<Connection>>, work: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, rusqlite::Error> + Send + 'static,
    {
        let reader = Arc::clone(connection);
        tokio::task::spawn_blocking(move || {
            let conn = reader
                .lock()
                .map_err(|_| StoreError("reader lock poisoned".into()))?;
            work(&conn).map_err(db_err)
        })
        .await
        .map_err(|e| StoreError(format!("database task failed: {e}")))?
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    // WAL lets readers run beside the writer; FULL makes a commit durable before the server
    // acknowledges it (NORMAL would survive a process kill but not a power cut).
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db_err)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(db_err)?;
    // An erased visitor must not stay readable in the file: deleted cells and freed pages are
    // overwritten with zeros, not only unlinked (the WAL is dealt with after each erase).
    conn.pragma_update(None, "secure_delete", "ON")
        .map_err(db_err)?;
    Ok(())
}

pub(crate) fn migrate(conn: &Connection) -> Result<(), StoreError> {
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(db_err)?;
    let latest = MIGRATIONS.len() as i64;
    if version > latest {
        return Err(StoreError(format!(
            "the database has schema version {version}, newer than this server's {latest}; \
             upgrade the server"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction().map_err(db_err)?;
        tx.execute_batch(sql).map_err(db_err)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)
            .map_err(db_err)?;
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

fn write_loop(mut conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        commit_group(&mut conn, group);
    }
}

/// Runs each job in a savepoint (one bad job cannot undo the others), commits once, then
/// answers: results go out only after the commit succeeded.
fn commit_group(conn: &mut Connection, group: Vec<Job>) {
    enum Done {
        Ingest(
            oneshot::Sender<Result<IngestOutcome, StoreError>>,
            Result<IngestOutcome, StoreError>,
        ),
        Erased(
            oneshot::Sender<Result<Erased, StoreError>>,
            Result<Erased, StoreError>,
        ),
    }
    let tx = match conn.transaction() {
        Ok(tx) => tx,
        Err(e) => {
            let e = db_err(e);
            for job in group {
                match job {
                    Job::Ingest(_, _, reply) => drop(reply.send(Err(e.clone()))),
                    Job::Erase(_, reply) | Job::DeleteInactive(_, _, reply) => {
                        drop(reply.send(Err(e.clone())))
                    }
                }
            }
            return;
        }
    };
    let mut done = Vec::with_capacity(group.len());
    let erased = group
        .iter()
        .any(|job| matches!(job, Job::Erase(..) | Job::DeleteInactive(..)));
    for job in group {
        match job {
            Job::Ingest(batch, now, reply) => {
                let result = in_savepoint(&tx, |sp| ingest(sp, &batch, now));
                done.push(Done::Ingest(reply, result));
            }
            Job::Erase(visitor, reply) => {
                let result = in_savepoint(&tx, |sp| erase(sp, &visitor));
                done.push(Done::Erased(reply, result));
            }
            Job::DeleteInactive(cutoff, chunk, reply) => {
                let result = in_savepoint(&tx, |sp| delete_inactive(sp, cutoff, chunk));
                done.push(Done::Erased(reply, result));
            }
        }
    }
    let committed = tx.commit().map_err(db_err);
    if erased && committed.is_ok() {
        forget_wal(conn);
    }
    for d in done {
        match d {
            Done::Ingest(reply, r) => drop(reply.send(committed.clone().and(r))),
            Done::Erased(reply, r) => drop(reply.send(committed.clone().and(r))),
        }
    }
}

fn in_savepoint<T>(
    tx: &rusqlite::Transaction<'_>,
    work: impl FnOnce(&Connection) -> Result<T, rusqlite::Error>,
) -> Result<T, StoreError> {
    tx.execute_batch("SAVEPOINT job").map_err(db_err)?;
    match work(tx) {
        Ok(value) => {
            tx.execute_batch("RELEASE job").map_err(db_err)?;
            Ok(value)
        }
        Err(e) => {
            let _ = tx.execute_batch("ROLLBACK TO job; RELEASE job");
            Err(db_err(e))
        }
    }
}

fn ingest(conn: &Connection, batch: &Batch, now: i64) -> Result<IngestOutcome, rusqlite::Error> {
    let consent = serde_json::to_string(&batch.consent).unwrap_or_else(|_| "{}".into());
    let profile = batch
        .profile
        .as_ref()
        .and_then(|p| serde_json::to_string(p).ok());
    conn.prepare_cached(&UPSERT_VISITOR)?.execute(params![
        batch.visitor,
        now,
        consent,
        profile,
        i64::from(batch.dropped)
    ])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO events (visitor, id, type, at, received_at, rule, variant, name, value, path)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (visitor, id) DO NOTHING",
    )?;
    let mut outcome = IngestOutcome::default();
    for event in &batch.events {
        let changed = insert.execute(params![
            batch.visitor,
            event.id,
            event.kind.as_str(),
            event.at as i64,
            now,
            event.rule,
            event.variant.map(|v| v.as_str()),
            event.name,
            event.value,
            event.path,
        ])?;
        if changed == 1 {
            outcome.accepted += 1;
        } else {
            outcome.duplicates += 1;
        }
    }
    Ok(outcome)
}

/// The WAL holds every page as it was written, erased visitors included, until a checkpoint
/// copies the pages back and TRUNCATE empties it. Erasures are rare (a visitor's request, the
/// daily retention run), so the cost is paid only then. A reader in the middle of a query can
/// keep the checkpoint from finishing: the next erase, or SQLite's own checkpoint, completes it.
fn forget_wal(conn: &Connection) {
    let result = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
        row.get::<_, i64>(0)
    });
    match result {
        Ok(0) => {}
        Ok(_) => eprintln!("tailor: WAL checkpoint after an erase was blocked by a reader"),
        Err(e) => eprintln!("tailor: WAL checkpoint after an erase failed: {e}"),
    }
}

fn erase(conn: &Connection, visitor: &str) -> Result<Erased, rusqlite::Error> {
    let events = conn
        .prepare_cached("DELETE FROM events WHERE visitor = ?1")?
        .execute([visitor])?;
    let visitors = conn
        .prepare_cached("DELETE FROM visitors WHERE id = ?1")?
        .execute([visitor])?;
    Ok(Erased {
        visitors: visitors as u64,
        events: events as u64,
    })
}

/// Deletes at most `chunk` inactive visitors (the same ones from both tables: the same ordered
/// selection, and deleting events does not change `visitors`).
fn delete_inactive(
    conn: &Connection,
    cutoff: i64,
    chunk: usize,
) -> Result<Erased, rusqlite::Error> {
    let chunk = chunk as i64;
    let events = conn.execute(
        "DELETE FROM events WHERE visitor IN
            (SELECT id FROM visitors WHERE last_seen < ?1 ORDER BY id LIMIT ?2)",
        rusqlite::params![cutoff, chunk],
    )?;
    let visitors = conn.execute(
        "DELETE FROM visitors WHERE id IN
            (SELECT id FROM visitors WHERE last_seen < ?1 ORDER BY id LIMIT ?2)",
        rusqlite::params![cutoff, chunk],
    )?;
    Ok(Erased {
        visitors: visitors as u64,
        events: events as u64,
    })
}

fn export(conn: &Connection, visitor: &str) -> Result<Option<VisitorRecord>, rusqlite::Error> {
    let row = conn
        .prepare_cached(
            "SELECT first_seen, last_seen, consent, profile, dropped FROM visitors WHERE id = ?1",
        )?
        .query_row([visitor], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })
        .optional()?;
    let Some((first_seen, last_seen, consent, profile, dropped)) = row else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT id, type, at, received_at, rule, variant, name, value, path
         FROM events WHERE visitor = ?1 ORDER BY at, id",
    )?;
    let events = stmt
        .query_map([visitor], |r| {
            Ok(StoredEvent {
                id: r.get(0)?,
                kind: r.get(1)?,
                at: r.get(2)?,
                received_at: r.get(3)?,
                rule: r.get(4)?,
                variant: r.get(5)?,
                name: r.get(6)?,
                value: r.get(7)?,
                path: r.get(8)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(VisitorRecord {
        visitor: visitor.to_owned(),
        first_seen,
        last_seen,
        consent: serde_json::from_str(&consent).unwrap_or(serde_json::Value::Null),
        profile: profile.and_then(|p| serde_json::from_str(&p).ok()),
        dropped,
        events,
    }))
}

fn report(conn: &Connection, goal: Option<&str>) -> Result<Vec<VariantCounts>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(&report_sql("?1"))?;
    let rows = stmt
        .query_map([goal], |r| {
            Ok(VariantCounts {
                rule: r.get(0)?,
                variant: r.get(1)?,
                visitors: r.get(2)?,
                exposures: r.get(3)?,
                converters: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

impl Storage for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(Self::read_on(&self.health, |c| {
            c.query_row("SELECT 1", [], |_| Ok(()))
        }))
    }

    fn ingest(&self, batch: Batch, now_ms: i64) -> StoreFuture<'_, IngestOutcome> {
        Box::pin(self.write(move |reply| Job::Ingest(Box::new(batch), now_ms, reply)))
    }

    fn erase_visitor(&self, visitor: String) -> StoreFuture<'_, Erased> {
        Box::pin(self.write(move |reply| Job::Erase(visitor, reply)))
    }

    fn export_visitor(&self, visitor: String) -> StoreFuture<'_, Option<VisitorRecord>> {
        Box::pin(self.read(move |c| export(c, &visitor)))
    }

    fn report(&self, goal: Option<String>) -> StoreFuture<'_, Vec<VariantCounts>> {
        Box::pin(self.read(move |c| report(c, goal.as_deref())))
    }

    fn delete_inactive(&self, cutoff_ms: i64) -> StoreFuture<'_, Erased> {
        // In chunks, each its own transaction: one DELETE of a year's visitors would hold the
        // writer (and every batch waiting behind it) for as long as it takes.
        Box::pin(async move {
            let mut total = Erased {
                visitors: 0,
                events: 0,
            };
            loop {
                let chunk = self.retention_chunk.max(1);
                let done = self
                    .write(move |reply| Job::DeleteInactive(cutoff_ms, chunk, reply))
                    .await?;
                total.visitors += done.visitors;
                total.events += done.events;
                if (done.visitors as usize) < chunk {
                    return Ok(total);
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_creates_and_migrates_the_file_once() {
        let dir = std::env::temp_dir().join(format!("tailor-db-test-{}", std::process::id()));
        let path = dir.join("nested").join("t.db");
        drop(SqliteStore::open(&path).unwrap());
        assert!(path.exists());
        // Reopening runs no migration twice (the INSERT would fail on the primary key).
        drop(SqliteStore::open(&path).unwrap());
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        std::fs::remove_dir_all(dir).unwrap();
    }

    // The lock is held across the await on purpose: it stands for a report in progress.
    #[allow(clippy::await_holding_lock)]
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ping_does_not_wait_behind_a_long_read() {
        let dir = std::env::temp_dir().join(format!("tailor-db-ping-{}", std::process::id()));
        let store = SqliteStore::open(&dir.join("t.db")).unwrap();
        // What a long lift report does: hold the reader connection.
        let busy = Arc::clone(&store.reader);
        let held = busy.lock().unwrap();
        let ping = tokio::time::timeout(std::time::Duration::from_secs(2), store.ping()).await;
        drop(held);
        assert!(matches!(ping, Ok(Ok(()))), "healthz waited for the report");
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn retention_deletes_in_chunks_of_its_own_transactions() {
        use crate::protocol::BatchLimits;
        let dir = std::env::temp_dir().join(format!("tailor-db-chunks-{}", std::process::id()));
        let mut store = SqliteStore::open(&dir.join("t.db")).unwrap();
        store.retention_chunk = 2;
        let limits = BatchLimits {
            max_events: 10,
            accept_name: false,
        };
        for n in 0..5 {
            let body = format!(
                r#"{{"v":1,"visitor":"{n:032x}","consent":{{"sync":true}},"sent_at":1000,
                "events":[{{"id":"e","type":"pageview","at":1000,"path":"/"}}]}}"#
            );
            let batch = Batch::parse(body.as_bytes(), &limits).unwrap();
            store.ingest(batch, 1000).await.unwrap();
        }
        // One chunk deletes no more than its size...
        let conn = Connection::open(dir.join("t.db")).unwrap();
        let one = delete_inactive(&conn, 2000, 2).unwrap();
        assert_eq!((one.visitors, one.events), (2, 2));
        drop(conn);
        // ...and the store repeats chunks until none is left.
        let rest = store.delete_inactive(2000).await.unwrap();
        assert_eq!((rest.visitors, rest.events), (3, 3));
        let again = store.delete_inactive(2000).await.unwrap();
        assert_eq!((again.visitors, again.events), (0, 0));
        drop(store);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_newer_schema_is_refused_not_damaged() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&conn).unwrap_err();
        assert!(err.0.contains("newer than this server"), "{err}");
    }
}
