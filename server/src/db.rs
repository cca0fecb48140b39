//! The server's database: an embedded SQLite file by default, created and migrated at start.
//!
//! Migrations are numbered and recorded in SQLite's `user_version`, so a server never runs a
//! migration twice and refuses a database written by a newer version instead of damaging it.
//! Blocking SQLite work runs on tokio's blocking pool, never on the async workers.

use crate::config::DatabaseUrl;
use rusqlite::Connection;
use std::sync::{Arc, Mutex};

/// Schema migrations, in order; `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &["CREATE TABLE tailor_meta (
        key   TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL
    );
    INSERT INTO tailor_meta (key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ','now'));"];

#[derive(Clone)]
pub struct Database {
    conn: Arc<Mutex<Connection>>,
}

#[derive(Debug)]
pub struct DbError(pub String);

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(e: rusqlite::Error) -> Self {
        DbError(e.to_string())
    }
}

impl Database {
    pub fn open(url: &DatabaseUrl) -> Result<Database, DbError> {
        let DatabaseUrl::Sqlite(path) = url;
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| DbError(format!("cannot create {}: {e}", parent.display())))?;
        }
        Self::init(Connection::open(path)?)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Database, DbError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Database, DbError> {
        // WAL lets readers (reports, exports) run beside the writer; FULL sync makes a commit
        // durable before the server acknowledges it.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrate(&conn)?;
        Ok(Database {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `work` with the connection on the blocking pool.
    pub async fn call<T, F>(&self, work: F) -> Result<T, DbError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, DbError> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn
                .lock()
                .map_err(|_| DbError("database lock poisoned".into()))?;
            work(&mut guard)
        })
        .await
        .map_err(|e| DbError(format!("database task failed: {e}")))?
    }

    /// Answers whether the database can be read, for `/healthz`.
    pub async fn ping(&self) -> Result<(), DbError> {
        self.call(|c| {
            c.query_row("SELECT 1", [], |_| Ok(()))?;
            Ok(())
        })
        .await
    }
}

fn migrate(conn: &Connection) -> Result<(), DbError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let latest = MIGRATIONS.len() as i64;
    if version > latest {
        return Err(DbError(format!(
            "the database has schema version {version}, newer than this server's {latest}; \
             upgrade the server"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opening_creates_and_migrates_the_file_once() {
        let dir = std::env::temp_dir().join(format!("tailor-db-test-{}", std::process::id()));
        let path = dir.join("nested").join("t.db");
        let url = DatabaseUrl::Sqlite(path.clone());
        drop(Database::open(&url).unwrap());
        assert!(path.exists());
        // Reopening runs no migration twice (the INSERT would fail on the primary key).
        drop(Database::open(&url).unwrap());
        let conn = Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_newer_schema_is_refused_not_damaged() {
        let conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        let err = migrate(&conn).unwrap_err();
        assert!(err.0.contains("newer than this server"), "{err}");
    }
}
