//! The embedded default storage: one SQLite file in the data directory, WAL, one writer
//! connection and a few readers. `synchronous=FULL`: a receipt promises that a change survives
//! even a power cut.
//!
//! This file opens the database and hands out its connections; each aggregate's statements,
//! each a named constant, and the reading of its rows are in the file named for it. Rows are
//! read by column name ([`row`]).

mod accounts;
mod blobs;
mod commit;
mod deadlines;
mod documents;
mod leases;
mod ledger;
mod ledger_row;
mod migrations;
mod outbox;
mod projection;
mod reference;
mod reports;
mod row;
mod security_events;
mod sessions;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use fieldledger_core::store::keep_statements;
use fieldledger_core::{IdSource, Timestamp};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior, params};

use self::row::{corrupt, one};
use crate::storage::Result;

/// The file inside the data directory.
pub const DATABASE_FILE: &str = "fieldledger-server.db";
/// Reader connections kept open; a read beyond them opens (and then closes) another, which
/// costs a schema parse.
const READERS: usize = 32;
/// How long a connection waits for another's lock (another server's writer) before it fails.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Gives a new database its system actor and creation time; an existing one keeps its own.
const INSERT_SERVER_META: &str = "INSERT OR IGNORE INTO server_meta
    (singleton, system_actor, created_at) VALUES (1, ?1, ?2)";
const INTEGRITY_CHECK: &str = "PRAGMA integrity_check";

/// SQLite storage in a data directory.
pub struct SqliteStorage {
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    path: PathBuf,
    /// Where the actors of new users (and the system actor of a new database) come from.
    ids: IdSource,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.path)
            .finish()
    }
}

/// A read-only connection to the database at `path`.
fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    keep_statements(&conn)?;
    Ok(conn)
}

/// The writer connection to the database at `path`, which it creates if need be.
fn open_writer(path: &Path) -> Result<Connection> {
    crate::private_files::create_file(path)?;
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    keep_statements(&conn)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "temp_store", 2)?;
    Ok(conn)
}

/// SQLite keeps every aggregate (their impls are in this folder's files, one per aggregate).
impl crate::storage::Storage for SqliteStorage {
    fn database(&self) -> &'static str {
        "sqlite"
    }
}

impl SqliteStorage {
    /// Opens (or creates) the database in `dir`, bringing its schema up to date.
    pub fn open(dir: &Path, now: Timestamp, ids: IdSource) -> Result<Self> {
        crate::private_files::create_dir(dir)?;
        let path = dir.join(DATABASE_FILE);
        let mut conn = open_writer(&path)?;
        migrations::migrate(&mut conn)?;
        conn.execute(
            INSERT_SERVER_META,
            params![ids.actor().to_bytes(), now.millis()],
        )?;
        let readers = (0..READERS)
            .map(|_| open_reader(&path))
            .collect::<Result<_>>()?;
        Ok(Self {
            writer: Mutex::new(conn),
            readers: Mutex::new(readers),
            path,
            ids,
        })
    }

    fn writer(&self) -> MutexGuard<'_, Connection> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on a reader connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match conn {
            Some(c) => c,
            None => open_reader(&self.path)?,
        };
        let result = f(&conn);
        let mut pool = self.readers.lock().unwrap_or_else(|p| p.into_inner());
        if pool.len() < READERS {
            pool.push(conn);
        }
        result
    }

    /// Runs `f` in one write transaction, committed when it returns `Ok`. The transaction takes
    /// the database's write lock as it begins (waiting for another server's writer, if one holds
    /// it), so that what it reads stays true until it commits.
    fn write<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.writer();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs SQLite's integrity check; `Ok(())` when the database is sound.
    pub fn integrity_check(&self) -> Result<()> {
        self.read(|c| {
            let verdict: String = one(c, INTEGRITY_CHECK, [], |r| r.get("integrity_check"))?;
            if verdict == "ok" {
                Ok(())
            } else {
                Err(corrupt(&format!("database ({verdict})")))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Accounts;

    #[test]
    fn a_fresh_database_passes_its_integrity_check_and_keeps_its_system_actor() {
        let dir = tempfile::tempdir().expect("dir");
        let storage =
            SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("open");
        storage.integrity_check().expect("sound");
        let actor = storage.system_actor().expect("actor");
        drop(storage);
        let again =
            SqliteStorage::open(dir.path(), Timestamp(1), IdSource::random()).expect("reopen");
        assert_eq!(again.system_actor().expect("actor"), actor);
    }
}
