//! The server database's schema: the migrations in `server/migrations/`, applied in order, each
//! once, in its own transaction; `PRAGMA user_version` counts those a database has applied.
//!
//! A migration that databases have applied is never edited: a fresh install runs every
//! migration, an upgraded database only those it lacks, and an edit would part the two. The
//! files are the server's own (none is assembled from another crate's schema) and the digest of
//! the schema each version leaves is frozen in `server/migrations/schemas.sha256`, so that the
//! tests below catch such an edit.

use fieldledger_core::store::schema;
use rusqlite::Connection;

use crate::storage::Result;

/// Marks a SQLite file as a fieldledger server database ("FLSV").
const APPLICATION_ID: i64 = 0x464C_5356;

/// The migrations in order; migration `i` takes the database from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/001_initial.sql"),
    include_str!("../../../migrations/002_events.sql"),
    include_str!("../../../migrations/003_workflow.sql"),
    include_str!("../../../migrations/004_ledger_details.sql"),
    include_str!("../../../migrations/005_web.sql"),
    include_str!("../../../migrations/006_drawings.sql"),
    include_str!("../../../migrations/007_demo.sql"),
    include_str!("../../../migrations/008_access_cuts.sql"),
    include_str!("../../../migrations/009_leases.sql"),
    include_str!("../../../migrations/010_departments.sql"),
    include_str!("../../../migrations/011_statistics.sql"),
    include_str!("../../../migrations/012_sales.sql"),
    include_str!("../../../migrations/013_ledger_visits.sql"),
    include_str!("../../../migrations/014_reference_data.sql"),
];

/// Brings the database up to the newest schema, refusing another application's file and one
/// that a newer server wrote.
pub(super) fn migrate(conn: &mut Connection) -> Result<()> {
    schema::run(conn, APPLICATION_ID, MIGRATIONS, MIGRATIONS.len() as i64)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use fieldledger_core::{IdSource, Timestamp};

    use sha2::{Digest, Sha256};

    use super::*;
    use crate::storage::sqlite::{DATABASE_FILE, SqliteStorage};
    use crate::storage::{Accounts, Documents, Ledger};

    /// The SHA-256 of the schema each version leaves ([`digest`]), one line per version:
    /// `001 <hex>` after migration 1. Each line is written when its migration is added, and
    /// never edited after.
    const DIGESTS: &str = include_str!("../../../migrations/schemas.sha256");

    /// The frozen digest of version `k`, if the file has its line.
    fn frozen_digest(k: usize) -> Option<&'static str> {
        DIGESTS.lines().find_map(|line| {
            let (version, digest) = line.split_once(' ')?;
            (version.parse() == Ok(k)).then_some(digest.trim())
        })
    }

    /// A few rows in the tables and columns of version 1, which every later version has: an
    /// administrator with the demo's console, and a ticket that the console holds but its user
    /// may not read.
    const ROWS: &str = "
        INSERT INTO server_meta (singleton, system_actor, created_at) VALUES (1, x'5e', 1);
        INSERT INTO users (user_id, name, role, actor_id, created_at)
            VALUES ('admin', 'Admin', 'admin', x'a1', 1);
        INSERT INTO devices (device_id, user_id, label, token_hash, enrolled_at)
            VALUES ('console', 'admin', 'demo admin console', x'70', 1);
        INSERT INTO documents (ticket_id, snapshot, heads) VALUES ('t-1', x'', x'');
        INSERT INTO device_docs (device_id, ticket_id, sync_state) VALUES ('console', 't-1', x'');
        INSERT INTO ledger (ticket_id, ledger_number, status, kind, complaint, major,
            customer_name, product_name, model, job_number, contract_number, assignees,
            decision_conflict, received_at, updated_at, cost_total_minor)
        VALUES ('t-1', 'KS-2026-000001', 'registered', 'complaint', 1, 0, 'Customer',
            'Product', 'Model', 'J-1', 'C-1', '', 0, 1, 1, 0);";

    /// A database's schema: every entry of `sqlite_master` (its type, name, table and SQL with
    /// runs of white space made one space), and its version.
    type Schema = (Vec<(String, String, String, Option<String>)>, i64);

    fn schema_of(conn: &Connection) -> Schema {
        let normalised = |sql: Option<String>| {
            sql.map(|sql| sql.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        let entries = conn
            .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
            .expect("prepare")
            .query_map([], |r| {
                Ok((
                    r.get("type")?,
                    r.get("name")?,
                    r.get("tbl_name")?,
                    normalised(r.get("sql")?),
                ))
            })
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("entries");
        let version = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .expect("version");
        (entries, version)
    }

    /// The schema of the database in `dir`.
    fn schema_in(dir: &Path) -> Schema {
        schema_of(&Connection::open(dir.join(DATABASE_FILE)).expect("open"))
    }

    /// The SHA-256 of `schema`, in hex: each entry on a line of its own.
    fn digest(schema: &Schema) -> String {
        let mut hasher = Sha256::new();
        for (kind, name, table, sql) in &schema.0 {
            let sql = sql.as_deref().unwrap_or("");
            hasher.update(format!("{kind}|{name}|{table}|{sql}\n"));
        }
        hex::encode(hasher.finalize())
    }

    /// Makes the database in `dir` as a server at version `k` left it: migrations 1 to `k`
    /// (which [`every_version_leaves_its_frozen_schema`] holds to their digests), and
    /// [`ROWS`].
    fn make_version(dir: &Path, k: usize) {
        let mut conn = Connection::open(dir.join(DATABASE_FILE)).expect("create");
        schema::run(&mut conn, APPLICATION_ID, MIGRATIONS, k as i64).expect("migrate");
        conn.execute_batch(ROWS).expect("rows");
    }

    #[test]
    fn every_version_leaves_its_frozen_schema() {
        for k in 1..=MIGRATIONS.len() {
            let mut migrated = Connection::open_in_memory().expect("open");
            schema::run(&mut migrated, APPLICATION_ID, MIGRATIONS, k as i64).expect("migrate");
            let digest = digest(&schema_of(&migrated));
            assert_eq!(
                Some(digest.as_str()),
                frozen_digest(k),
                "migrations 1 to {k} no longer leave the schema frozen in schemas.sha256 \
                 (was one edited?); a new migration adds the line `{k:03} {digest}`"
            );
        }
        assert_eq!(
            DIGESTS.lines().count(),
            MIGRATIONS.len(),
            "one digest per version"
        );
    }

    #[test]
    fn upgrading_from_every_version_equals_a_fresh_install() {
        let fresh = tempfile::tempdir().expect("dir");
        SqliteStorage::open(fresh.path(), Timestamp(0), IdSource::random()).expect("install");
        let fresh = schema_in(fresh.path());
        assert_eq!(fresh.1, MIGRATIONS.len() as i64);
        for k in 1..MIGRATIONS.len() {
            let dir = tempfile::tempdir().expect("dir");
            make_version(dir.path(), k);
            let storage =
                SqliteStorage::open(dir.path(), Timestamp(2), IdSource::random()).expect("upgrade");
            assert_eq!(schema_in(dir.path()), fresh, "upgraded from version {k}");
            storage.integrity_check().expect("sound");
            assert_eq!(storage.users().expect("users").len(), 1, "from version {k}");
            assert_eq!(storage.ticket_ids().expect("tickets").len(), 1);
            let id = "t-1".parse().expect("ticket id");
            let row = storage.ledger_row(&id).expect("row").expect("kept");
            assert_eq!(row.ledger_number.as_deref(), Some("KS-2026-000001"));
        }
    }

    #[test]
    fn a_newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("migrate");
        conn.pragma_update(None, "user_version", MIGRATIONS.len() as i64 + 1)
            .expect("bump");
        assert!(migrate(&mut conn).is_err());
    }
}
