//! Which database the tests' servers keep their data in: SQLite in their data directory, or,
//! when [`BACKEND_VAR`] is `postgres`, a PostgreSQL database of their own named after the data
//! directory (so that a server reopened on the same directory finds its data again). The test
//! command runs the integration suite once with each.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use fieldledger_server::error::Error;
use fieldledger_server::storage::postgres::scratch;
use fieldledger_server::storage::sqlite;
use fieldledger_server::{AppState, Settings};

/// The variable that chooses the backend: `postgres`, or SQLite when unset.
pub const BACKEND_VAR: &str = "FIELDLEDGER_TEST_BACKEND";
/// Connections each test server keeps to PostgreSQL at most: tests run side by side, several
/// servers each, on a database server that allows 100 connections in all.
pub const CONNECTIONS: u32 = 4;

/// Whether the tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(BACKEND_VAR).is_ok_and(|v| v == "postgres")
}

/// The PostgreSQL database of the server whose data directory is `dir`, made if need be;
/// `None` on SQLite.
pub fn database_for(dir: &Path) -> Result<Option<String>, Error> {
    if !on_postgres() {
        return Ok(None);
    }
    let mut hasher = DefaultHasher::new();
    dir.canonicalize()
        .unwrap_or_else(|_| dir.to_owned())
        .hash(&mut hasher);
    let name = format!("d{:016x}", hasher.finish());
    scratch::database(&scratch::test_server(), &name).map(Some)
}

/// `settings` for the server whose data directory is `dir`, on the backend of this run.
pub fn settings_for(dir: &Path, settings: Settings) -> Result<Settings, Error> {
    Ok(Settings {
        database: database_for(dir)?,
        connections: CONNECTIONS,
        ..settings
    })
}

/// The state of a server on `dir` with `settings`, on the backend of this run.
pub fn open_state(dir: &Path, settings: Settings) -> Result<AppState, Error> {
    AppState::open_with(dir, settings_for(dir, settings)?)
}

/// Makes every write of the server on `dir` fail from now on, as a full disk would, until the
/// returned guard is dropped.
pub fn refuse_writes(dir: &Path) -> Result<RefusedWrites, Error> {
    let refusal = match database_for(dir)? {
        Some(url) => {
            let failed = |e: postgres::Error| {
                Error::internal(
                    e.as_db_error()
                        .map_or_else(|| e.to_string(), |d| d.to_string()),
                )
            };
            let mut client = postgres::Client::connect(&url, postgres::NoTls).map_err(failed)?;
            client
                .batch_execute(
                    "CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS
                         $$ BEGIN RAISE EXCEPTION 'disk full'; END $$;
                     CREATE TRIGGER disk_full BEFORE INSERT ON feed
                         FOR EACH ROW EXECUTE FUNCTION disk_full();",
                )
                .map_err(failed)?;
            RefusedWrites::Postgres(client)
        }
        None => {
            let db = rusqlite::Connection::open(dir.join(sqlite::DATABASE_FILE))?;
            db.execute_batch(
                "CREATE TRIGGER disk_full BEFORE INSERT ON feed \
                 BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
            )?;
            RefusedWrites::Sqlite(db)
        }
    };
    Ok(refusal)
}

/// Writes refused by [`refuse_writes`]; allowed again when dropped.
pub enum RefusedWrites {
    /// On SQLite, by a trigger on the file.
    Sqlite(rusqlite::Connection),
    /// On PostgreSQL, by a trigger in the database.
    Postgres(postgres::Client),
}

impl Drop for RefusedWrites {
    fn drop(&mut self) {
        let dropped = match self {
            RefusedWrites::Sqlite(db) => db.execute_batch("DROP TRIGGER disk_full").is_ok(),
            RefusedWrites::Postgres(client) => client
                .batch_execute("DROP TRIGGER disk_full ON feed; DROP FUNCTION disk_full();")
                .is_ok(),
        };
        assert!(dropped, "the server may write again");
    }
}
