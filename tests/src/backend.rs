//! Which database the tests' servers keep their data in: SQLite in their data directory, or,
//! when [`BACKEND_VAR`] is `postgres`, a PostgreSQL database of their own named after the data
//! directory (so that a server reopened on the same directory finds its data again). The test
//! command runs the integration suite once with each.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::Path;

use fieldledger_server::error::Error;
use fieldledger_server::storage::postgres::scratch;
use fieldledger_server::{AppState, Settings};

/// The variable that chooses the backend: `postgres`, or SQLite when unset.
pub const BACKEND_VAR: &str = "FIELDLEDGER_TEST_BACKEND";

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
        ..settings
    })
}

/// The state of a server on `dir` with `settings`, on the backend of this run.
pub fn open_state(dir: &Path, settings: Settings) -> Result<AppState, Error> {
    AppState::open_with(dir, settings_for(dir, settings)?)
}
