//! Storage on PostgreSQL, for any number of stateless servers on one database: what one server
//! writes, every other reads at once, and nothing any of them holds in memory is authority.
//!
//! The storage traits are synchronous, called on blocking threads as SQLite's are, so the
//! driver is `postgres`, the blocking face of `tokio-postgres`, with an `r2d2` pool. This file
//! connects, applies the schema ([`migrations`]) and hands out connections and transactions;
//! each aggregate's statements, each a named constant, are in the file named for it, and rows
//! are read by column name ([`row`]).
//!
//! Writes that several servers could make at once are ordered by the database itself:
//! - a document is written under its row's lock, after its stored heads are checked against
//!   those the write was staged on ([`crate::error::Error::Stale`] otherwise), so that no merge
//!   is lost;
//! - ledger numbers come from one upsert, each once;
//! - the feed and the outbox take their positions under one transaction-level advisory lock
//!   ([`ORDERED_APPEND_LOCK`]), so that positions are given in the order of the commits: a
//!   reader who has seen position n has seen every position below it;
//! - a serialisation failure or deadlock is a stale write, made again by the engine.

mod accounts;
mod blob_store;
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
pub mod scratch;
mod security_events;
mod sessions;
mod sign_ins;

pub use blob_store::PostgresBlobStore;
pub use sign_ins::PostgresSignIns;

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use fieldledger_core::{IdSource, Timestamp};
use postgres::error::SqlState;
use postgres::{Client, NoTls, Transaction};
use r2d2_postgres::PostgresConnectionManager;

use crate::error::{Code, Error};
use crate::storage::Result;

/// Connections each server keeps to the database at most.
pub const DEFAULT_CONNECTIONS: u32 = 16;
/// How long a request waits for a connection before it is answered "unavailable".
const CONNECTION_WAIT: Duration = Duration::from_secs(5);
/// The advisory lock under which the feed and the outbox take their next positions, held until
/// the transaction that took them commits. The number spells "FLSQ".
pub(super) const ORDERED_APPEND_LOCK: i64 = 0x464C_5351;

/// Gives a new database its system actor and creation time; an existing one keeps its own.
const INSERT_SERVER_META: &str = "INSERT INTO server_meta (singleton, system_actor, created_at)
    VALUES (1, $1, $2) ON CONFLICT (singleton) DO NOTHING";
const TAKE_ORDERED_APPEND_LOCK: &str = "SELECT pg_advisory_xact_lock($1)";

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// PostgreSQL storage: a pool of connections to one database.
pub struct PostgresStorage {
    pool: Pool,
    config: postgres::Config,
    /// The connection that listens for events committed by any server, once asked to.
    listener: Mutex<Option<Client>>,
    /// Where the actors of new users (and the system actor of a new database) come from.
    ids: IdSource,
}

impl fmt::Debug for PostgresStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresStorage")
            .field("database", &self.config.get_dbname())
            .field("hosts", &self.config.get_hosts())
            .finish_non_exhaustive()
    }
}

impl From<postgres::Error> for Error {
    /// A serialisation failure or deadlock is a stale write, to be made again; a lost
    /// connection leaves the database unavailable for now; anything else is a failure.
    fn from(e: postgres::Error) -> Self {
        let state = e.code();
        if state == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
            || state == Some(&SqlState::T_R_DEADLOCK_DETECTED)
        {
            Error::Stale("another server wrote the same rows at the same moment".into())
        } else if e.is_closed() || state.is_none_or(gone) {
            unavailable(&e)
        } else {
            match e.as_db_error() {
                Some(db) => Error::Internal(format!(
                    "database: {} ({}){}",
                    db.message(),
                    db.code().code(),
                    db.detail().map(|d| format!(": {d}")).unwrap_or_default()
                )),
                None => Error::Internal(format!("database: {e}")),
            }
        }
    }
}

impl From<r2d2::Error> for Error {
    fn from(e: r2d2::Error) -> Self {
        unavailable(&e)
    }
}

/// Whether `state` says the connection is gone rather than the statement wrong: a connection
/// exception (class 08), or the server shutting down or ending the session (57P01 to 57P03, as
/// `pg_terminate_backend` and a restart do).
fn gone(state: &SqlState) -> bool {
    let code = state.code();
    code.starts_with("08") || code.starts_with("57P")
}

/// The error of a database that cannot be reached, answered "try again later".
fn unavailable(e: &dyn fmt::Display) -> Error {
    tracing::warn!("the database cannot be reached: {e}");
    Error::new(Code::StorageFailed, "the database cannot be reached")
}

/// The settings of `url` (`postgres://user@host:port/database?…`), refused in words when they
/// do not read.
pub fn config(url: &str) -> Result<postgres::Config> {
    url.parse().map_err(|e| {
        Error::new(
            Code::Invalid,
            format!("the database address does not read: {e}"),
        )
    })
}

/// PostgreSQL keeps every aggregate (their impls are in this folder's files, one per aggregate).
impl crate::storage::Storage for PostgresStorage {
    fn database(&self) -> &'static str {
        "postgresql"
    }
}

impl PostgresStorage {
    /// Connects to the database at `url` with at most `connections` connections, bringing its
    /// schema up to date (one server at a time, when several start at once).
    pub fn open(url: &str, connections: u32, now: Timestamp, ids: IdSource) -> Result<Self> {
        let config = config(url)?;
        let mut client = config.connect(NoTls)?;
        migrations::migrate(&mut client)?;
        client.execute(
            INSERT_SERVER_META,
            &[&ids.actor().to_bytes(), &now.millis()],
        )?;
        drop(client);
        let manager = PostgresConnectionManager::new(config.clone(), NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(connections.max(1))
            .min_idle(Some(1))
            .connection_timeout(CONNECTION_WAIT)
            // A connection the database dropped is found broken when it fails, and the pool
            // then drops it; asking before every use would cost a round trip each time.
            .test_on_check_out(false)
            .build(manager)?;
        Ok(Self {
            pool,
            config,
            listener: Mutex::new(None),
            ids,
        })
    }

    /// The settings connections are made with, for a connection of its own (the listener).
    pub(super) fn config(&self) -> &postgres::Config {
        &self.config
    }

    /// Runs `f` on a connection of the pool.
    fn read<T>(&self, f: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let mut conn = self.pool.get()?;
        f(&mut conn)
    }

    /// Runs `f` in one transaction, committed when it returns `Ok` and rolled back otherwise.
    fn write<T>(&self, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.pool.get()?;
        let mut tx = conn.transaction()?;
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Whether the database answers.
    pub fn ping(&self) -> Result<()> {
        self.read(|c| Ok(c.simple_query("SELECT 1").map(drop)?))
    }
}

/// Takes [`ORDERED_APPEND_LOCK`] for the rest of `tx`: positions taken after it follow every
/// position committed before.
pub(super) fn take_ordered_append_lock(tx: &mut Transaction<'_>) -> Result<()> {
    tx.execute(TAKE_ORDERED_APPEND_LOCK, &[&ORDERED_APPEND_LOCK])?;
    Ok(())
}
