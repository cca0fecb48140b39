//! The PostgreSQL store, for sites that run several server instances behind a load balancer.
//!
//! Same schema and semantics as the SQLite store. Each batch is one transaction: the visitor
//! upsert and one multi-row `INSERT ... SELECT FROM UNNEST(...) ON CONFLICT DO NOTHING` for the
//! events, so a batch costs two round trips and one commit whatever its size; PostgreSQL's own
//! commit is durable (`synchronous_commit` on, its default) before the handler acknowledges.
//! Migrations run under an advisory lock, so instances starting together migrate once.
//! Connections come from a small pool that replaces broken connections; no TLS (the database is
//! expected beside the server, on a private network).

use super::{
    report_sql, Erased, IngestOutcome, Storage, StoreError, StoreFuture, StoredEvent,
    VariantCounts, VisitorRecord,
};
use crate::protocol::Batch;
use std::sync::Mutex;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio_postgres::{Client, Config, NoTls, Statement};

/// Schema migrations, in order; version `i + 1` is recorded in `tailor_schema` after
/// `MIGRATIONS[i]` runs. Version 1 is the SQLite store's version 2 (its version 1 held only
/// metadata).
const MIGRATIONS: &[&str] = &["CREATE TABLE visitors (
        id         TEXT PRIMARY KEY NOT NULL,
        first_seen BIGINT NOT NULL,
        last_seen  BIGINT NOT NULL,
        consent    TEXT NOT NULL,
        profile    TEXT,
        dropped    BIGINT NOT NULL DEFAULT 0
    );
    CREATE INDEX visitors_last_seen ON visitors (last_seen);
    CREATE TABLE events (
        visitor     TEXT NOT NULL,
        id          TEXT NOT NULL,
        type        TEXT NOT NULL,
        at          BIGINT NOT NULL,
        received_at BIGINT NOT NULL,
        rule        TEXT,
        variant     TEXT,
        name        TEXT,
        value       DOUBLE PRECISION,
        path        TEXT,
        PRIMARY KEY (visitor, id)
    );"];

/// Connections kept open; requests beyond this wait for one.
const POOL_SIZE: usize = 8;
/// Arbitrary constant naming Tailor's migration lock.
const MIGRATION_LOCK: i64 = 0x7461_696c_6f72;

fn pg_err(e: tokio_postgres::Error) -> StoreError {
    // Display of a database error holds the server's message, never the connection password.
    StoreError(format!("postgres: {e}"))
}

pub struct PostgresStore {
    config: Config,
    /// Set with `SET search_path` on every connection (tests isolate themselves in a schema).
    schema: Option<String>,
    idle: Mutex<Vec<Conn>>,
    permits: Semaphore,
}

/// A connection with the ingest statements, prepared on first use (after migrations).
struct Conn {
    client: Client,
    ingest: Option<[Statement; 2]>,
}

/// Visitors per retention transaction.
const RETENTION_CHUNK: usize = 500;

const INSERT_EVENTS: &str = "INSERT INTO events
        (visitor, id, type, at, received_at, rule, variant, name, value, path)
     SELECT $1, u.id, u.type, u.at, $2, u.rule, u.variant, u.name, u.value, u.path
     FROM UNNEST($3::TEXT[], $4::TEXT[], $5::BIGINT[], $6::TEXT[], $7::TEXT[],
                 $8::TEXT[], $9::FLOAT8[], $10::TEXT[])
          WITH ORDINALITY AS u(id, type, at, rule, variant, name, value, path, ord)
     ORDER BY u.ord
     ON CONFLICT (visitor, id) DO NOTHING";

/// A pooled connection, returned to the pool on drop unless it broke.
struct Pooled<'a> {
    store: &'a PostgresStore,
    conn: Option<Conn>,
    _permit: SemaphorePermit<'a>,
}

impl std::ops::Deref for Pooled<'_> {
    type Target = Client;
    fn deref(&self) -> &Client {
        &self
            .conn
            .as_ref()
            .expect("connection present until drop")
            .client
    }
}

impl std::ops::DerefMut for Pooled<'_> {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self
            .conn
            .as_mut()
            .expect("connection present until drop")
            .client
    }
}

impl Pooled<'_> {
    async fn ingest_statements(&mut self) -> Result<[Statement; 2], StoreError> {
        let conn = self.conn.as_mut().expect("connection present until drop");
        if conn.ingest.is_none() {
            let upsert = conn
                .client
                .prepare(&super::upsert_visitor_sql(
                    "$",
                    "IS DISTINCT FROM",
                    "GREATEST",
                ))
                .await
                .map_err(pg_err)?;
            let insert = conn.client.prepare(INSERT_EVENTS).await.map_err(pg_err)?;
            conn.ingest = Some([upsert, insert]);
        }
        Ok(conn.ingest.clone().expect("prepared above"))
    }
}

impl Drop for Pooled<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.conn.take() {
            if !client.client.is_closed() {
                if let Ok(mut idle) = self.store.idle.lock() {
                    idle.push(client);
                }
            }
        }
    }
}

impl PostgresStore {
    /// Connects, checks the server answers and migrates the schema.
    pub async fn open(url: &str) -> Result<PostgresStore, StoreError> {
        Self::open_in_schema(url, None).await
    }

    /// Like [`open`](Self::open), with every table in `schema` (created when missing). For
    /// tests, which share one database and must not see each other's rows.
    pub async fn open_in_schema(
        url: &str,
        schema: Option<&str>,
    ) -> Result<PostgresStore, StoreError> {
        let config: Config = url
            .parse()
            .map_err(|e| StoreError(format!("invalid PostgreSQL URL: {e}")))?;
        if let Some(s) = schema {
            if s.is_empty()
                || !s
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
            {
                return Err(StoreError(format!("invalid schema name `{s}`")));
            }
        }
        let store = PostgresStore {
            config,
            schema: schema.map(str::to_owned),
            idle: Mutex::new(Vec::new()),
            permits: Semaphore::new(POOL_SIZE),
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn connect(&self) -> Result<Conn, StoreError> {
        let (client, connection) = self.config.connect(NoTls).await.map_err(pg_err)?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                eprintln!("tailor: postgres connection closed: {e}");
            }
        });
        if let Some(schema) = &self.schema {
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {schema}; SET search_path TO {schema}"
                ))
                .await
                .map_err(pg_err)?;
        }
        Ok(Conn {
            client,
            ingest: None,
        })
    }

    async fn client(&self) -> Result<Pooled<'_>, StoreError> {
        let permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError("connection pool closed".into()))?;
        let reused = loop {
            let next = self.idle.lock().ok().and_then(|mut idle| idle.pop());
            match next {
                Some(c) if c.client.is_closed() => continue,
                other => break other,
            }
        };
        let client = match reused {
            Some(c) => c,
            None => self.connect().await?,
        };
        Ok(Pooled {
            store: self,
            conn: Some(client),
            _permit: permit,
        })
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .map_err(pg_err)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS tailor_schema (version INTEGER NOT NULL);
             INSERT INTO tailor_schema (version)
                SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM tailor_schema);",
        )
        .await
        .map_err(pg_err)?;
        let version: i32 = tx
            .query_one("SELECT version FROM tailor_schema", &[])
            .await
            .map_err(pg_err)?
            .get(0);
        let latest = MIGRATIONS.len() as i32;
        if version > latest {
            return Err(StoreError(format!(
                "the database has schema version {version}, newer than this server's {latest}; \
                 upgrade the server"
            )));
        }
        for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            tx.batch_execute(sql).await.map_err(pg_err)?;
            tx.execute(
                "UPDATE tailor_schema SET version = $1",
                &[&(index as i32 + 1)],
            )
            .await
            .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)
    }

    async fn ingest_batch(&self, batch: Batch, now: i64) -> Result<IngestOutcome, StoreError> {
        let consent = serde_json::to_string(&batch.consent).unwrap_or_else(|_| "{}".into());
        let profile = batch
            .profile
            .as_ref()
            .and_then(|p| serde_json::to_string(p).ok());
        let n = batch.events.len();
        let mut ids = Vec::with_capacity(n);
        let mut kinds = Vec::with_capacity(n);
        let mut ats = Vec::with_capacity(n);
        let mut rules = Vec::with_capacity(n);
        let mut variants = Vec::with_capacity(n);
        let mut names = Vec::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        let mut paths = Vec::with_capacity(n);
        for e in batch.events {
            ids.push(e.id);
            kinds.push(e.kind.as_str());
            ats.push(e.at as i64);
            rules.push(e.rule);
            variants.push(e.variant.map(|v| v.as_str()));
            names.push(e.name);
            values.push(e.value);
            paths.push(e.path);
        }
        let mut client = self.client().await?;
        let [upsert, insert] = client.ingest_statements().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        tx.execute(
            &upsert,
            &[
                &batch.visitor,
                &now,
                &consent,
                &profile,
                &i64::from(batch.dropped),
            ],
        )
        .await
        .map_err(pg_err)?;
        let mut accepted = 0;
        if n > 0 {
            accepted = tx
                .execute(
                    &insert,
                    &[
                        &batch.visitor,
                        &now,
                        &ids,
                        &kinds,
                        &ats,
                        &rules,
                        &variants,
                        &names,
                        &values,
                        &paths,
                    ],
                )
                .await
                .map_err(pg_err)?;
        }
        tx.commit().await.map_err(pg_err)?;
        Ok(IngestOutcome {
            accepted,
            duplicates: n as u64 - accepted,
        })
    }

    async fn erase(&self, visitor: String) -> Result<Erased, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let events = tx
            .execute("DELETE FROM events WHERE visitor = $1", &[&visitor])
            .await
            .map_err(pg_err)?;
        let visitors = tx
            .execute("DELETE FROM visitors WHERE id = $1", &[&visitor])
            .await
            .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(Erased { visitors, events })
    }

    /// In chunks of [`RETENTION_CHUNK`] visitors, each its own transaction: one DELETE of every
    /// inactive visitor would hold its locks and grow the WAL for as long as it takes.
    async fn remove_inactive(&self, cutoff: i64) -> Result<Erased, StoreError> {
        let mut total = Erased {
            visitors: 0,
            events: 0,
        };
        loop {
            let done = self.remove_inactive_chunk(cutoff, RETENTION_CHUNK).await?;
            total.visitors += done.visitors;
            total.events += done.events;
            if done.visitors < RETENTION_CHUNK as u64 {
                return Ok(total);
            }
        }
    }

    async fn remove_inactive_chunk(&self, cutoff: i64, chunk: usize) -> Result<Erased, StoreError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(pg_err)?;
        let ids: Vec<String> = tx
            .query(
                "SELECT id FROM visitors WHERE last_seen < $1 ORDER BY id LIMIT $2 FOR UPDATE",
                &[&cutoff, &(chunk as i64)],
            )
            .await
            .map_err(pg_err)?
            .iter()
            .map(|row| row.get(0))
            .collect();
        let events = tx
            .execute("DELETE FROM events WHERE visitor = ANY($1)", &[&ids])
            .await
            .map_err(pg_err)?;
        let visitors = tx
            .execute("DELETE FROM visitors WHERE id = ANY($1)", &[&ids])
            .await
            .map_err(pg_err)?;
        tx.commit().await.map_err(pg_err)?;
        Ok(Erased { visitors, events })
    }

    async fn export(&self, visitor: String) -> Result<Option<VisitorRecord>, StoreError> {
        let client = self.client().await?;
        let Some(row) = client
            .query_opt(
                "SELECT first_seen, last_seen, consent, profile, dropped FROM visitors WHERE id = $1",
                &[&visitor],
            )
            .await
            .map_err(pg_err)?
        else {
            return Ok(None);
        };
        let rows = client
            .query(
                "SELECT id, type, at, received_at, rule, variant, name, value, path
                 FROM events WHERE visitor = $1 ORDER BY at, id",
                &[&visitor],
            )
            .await
            .map_err(pg_err)?;
        let events = rows
            .iter()
            .map(|r| StoredEvent {
                id: r.get(0),
                kind: r.get(1),
                at: r.get(2),
                received_at: r.get(3),
                rule: r.get(4),
                variant: r.get(5),
                name: r.get(6),
                value: r.get(7),
                path: r.get(8),
            })
            .collect();
        let consent: String = row.get(2);
        let profile: Option<String> = row.get(3);
        Ok(Some(VisitorRecord {
            visitor,
            first_seen: row.get(0),
            last_seen: row.get(1),
            consent: serde_json::from_str(&consent).unwrap_or(serde_json::Value::Null),
            profile: profile.and_then(|p| serde_json::from_str(&p).ok()),
            dropped: row.get(4),
            events,
        }))
    }

    async fn counts(&self, goal: Option<String>) -> Result<Vec<VariantCounts>, StoreError> {
        let client = self.client().await?;
        let rows = client
            .query(&report_sql("$1::TEXT"), &[&goal])
            .await
            .map_err(pg_err)?;
        Ok(rows
            .iter()
            .map(|r| VariantCounts {
                rule: r.get(0),
                variant: r.get(1),
                visitors: r.get(2),
                exposures: r.get(3),
                converters: r.get(4),
            })
            .collect())
    }
}

impl Storage for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn ping(&self) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            let client = self.client().await?;
            client.simple_query("SELECT 1").await.map_err(pg_err)?;
            Ok(())
        })
    }

    fn ingest(&self, batch: Batch, now_ms: i64) -> StoreFuture<'_, IngestOutcome> {
        Box::pin(self.ingest_batch(batch, now_ms))
    }

    fn erase_visitor(&self, visitor: String) -> StoreFuture<'_, Erased> {
        Box::pin(self.erase(visitor))
    }

    fn export_visitor(&self, visitor: String) -> StoreFuture<'_, Option<VisitorRecord>> {
        Box::pin(self.export(visitor))
    }

    fn report(&self, goal: Option<String>) -> StoreFuture<'_, Vec<VariantCounts>> {
        Box::pin(self.counts(goal))
    }

    fn delete_inactive(&self, cutoff_ms: i64) -> StoreFuture<'_, Erased> {
        Box::pin(self.remove_inactive(cutoff_ms))
    }
}
