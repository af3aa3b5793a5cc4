//! The schema on PostgreSQL: the migrations in `server/migrations/postgres/`, applied in order,
//! each once, in its own transaction, by one server at a time. `schema_migrations` lists those
//! a database has applied. As on SQLite, a migration that databases have applied is never
//! edited.

use postgres::Client;

use crate::error::{Code, Error};
use crate::storage::Result;

/// The migrations in order; migration `i` takes the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/001_initial.sql"),
    include_str!("../../../migrations/postgres/002_departments.sql"),
    include_str!("../../../migrations/postgres/003_statistics.sql"),
    include_str!("../../../migrations/postgres/004_sales.sql"),
    include_str!("../../../migrations/postgres/005_ledger_visits.sql"),
    include_str!("../../../migrations/postgres/006_reference_data.sql"),
];

/// Held while a server migrates, so that servers starting together apply each migration once.
/// The number spells "FLMG".
const MIGRATION_LOCK: i64 = 0x464C_4D47;

const CREATE_VERSIONS: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now())";
const SELECT_VERSION: &str = "SELECT coalesce(max(version), 0) AS version FROM schema_migrations";
const INSERT_VERSION: &str = "INSERT INTO schema_migrations (version) VALUES ($1)";
const LOCK: &str = "SELECT pg_advisory_lock($1)";
const UNLOCK: &str = "SELECT pg_advisory_unlock($1)";

/// Brings the database up to the newest schema, refusing one that a newer server wrote.
pub(super) fn migrate(client: &mut Client) -> Result<()> {
    client.execute(LOCK, &[&MIGRATION_LOCK])?;
    let result = apply(client);
    client.execute(UNLOCK, &[&MIGRATION_LOCK])?;
    result
}

fn apply(client: &mut Client) -> Result<()> {
    client.batch_execute(CREATE_VERSIONS)?;
    let version: i32 = client.query_one(SELECT_VERSION, &[])?.try_get("version")?;
    let known = MIGRATIONS.len();
    let applied = usize::try_from(version).unwrap_or(usize::MAX);
    if applied > known {
        return Err(Error::new(
            Code::UnsupportedVersion,
            format!(
                "the database is at schema version {applied}, newer than this server's {known}"
            ),
        ));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(applied) {
        let mut tx = client.transaction()?;
        tx.batch_execute(sql)?;
        let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
        tx.execute(INSERT_VERSION, &[&version])?;
        tx.commit()?;
    }
    Ok(())
}
