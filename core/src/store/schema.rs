//! The device database's schema and its migrations, keyed on `PRAGMA user_version`. The
//! migration runner is shared with the office server's database.

use rusqlite::Connection;

use crate::error::{Error, Result};

/// Marks a SQLite file as a fieldledger device store ("FLDS").
pub(crate) const APPLICATION_ID: i64 = 0x464C_4453;

/// The migrations in order; migration `i` takes the database from version `i` to `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[
    concat!(
        include_str!("documents.sql"),
        include_str!("migrations/001_initial.sql")
    ),
    include_str!("migrations/002_sync.sql"),
];

/// The schema version this build writes.
pub(crate) fn current_version() -> i64 {
    MIGRATIONS.len() as i64
}

/// Brings the database up to [`current_version`], refusing files that are not device stores or
/// were written by a newer version. Each step is one transaction.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, current_version())
}

pub(crate) fn migrate_to(conn: &mut Connection, target: i64) -> Result<()> {
    run(conn, APPLICATION_ID, MIGRATIONS, target)
}

/// Brings the database of the application `app_id` to version `target` by running the
/// `migrations` it lacks, each in its own transaction; refuses another application's file and
/// a newer version than `migrations` knows.
pub fn run(conn: &mut Connection, app_id: i64, migrations: &[&str], target: i64) -> Result<()> {
    let current_version = || migrations.len() as i64;
    let application_id: i64 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?;
    if application_id != app_id && (tables > 0 || version > 0) {
        return Err(Error::Corrupt(
            "the file is a SQLite database of another application".into(),
        ));
    }
    if version > current_version() {
        return Err(Error::NewerSchema {
            found: version,
            supported: current_version(),
        });
    }
    for (step, sql) in migrations.iter().enumerate().skip(version as usize) {
        let next = step as i64 + 1;
        if next > target {
            break;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "application_id", app_id)?;
        tx.pragma_update(None, "user_version", next)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(conn: &Connection) -> Vec<(String, String)> {
        let mut stmt = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn upgrading_from_every_version_gives_the_fresh_schema() {
        let mut fresh = Connection::open_in_memory().expect("open");
        migrate(&mut fresh).expect("fresh");
        for start in 0..current_version() {
            let mut old = Connection::open_in_memory().expect("open");
            migrate_to(&mut old, start).expect("old version");
            migrate(&mut old).expect("upgrade");
            assert_eq!(schema(&old), schema(&fresh), "upgrade from version {start}");
            let version: i64 = old
                .pragma_query_value(None, "user_version", |r| r.get(0))
                .expect("version");
            assert_eq!(version, current_version());
        }
    }

    #[test]
    fn a_newer_store_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        migrate(&mut conn).expect("migrate");
        conn.pragma_update(None, "user_version", current_version() + 1)
            .expect("bump");
        assert!(matches!(migrate(&mut conn), Err(Error::NewerSchema { .. })));
    }

    #[test]
    fn another_applications_database_is_refused() {
        let mut conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("CREATE TABLE notes (body TEXT)")
            .expect("create");
        assert!(matches!(migrate(&mut conn), Err(Error::Corrupt(_))));
    }
}
