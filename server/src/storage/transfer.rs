//! Moving an installation from SQLite to PostgreSQL (`fieldledger-server migrate --from <data
//! dir> --to postgres://…`): every table is copied row by row, each value converted to the
//! type of its PostgreSQL column, and each document is written as one snapshot of its
//! snapshot and chunks. Then the copy is verified: each table's row count, and each
//! document's heads as PostgreSQL loads it.
//!
//! It is safe to run again: rows already copied are left as they are (`ON CONFLICT DO
//! NOTHING`), so a run that stopped half way is finished by the next. It refuses a database
//! that holds tickets of another installation. Unfinished blob uploads are not copied: the
//! devices send them again.

use std::path::Path;
use std::sync::Arc;

use fieldledger_core::store::documents as device_documents;
use fieldledger_core::{IdSource, SystemClock, TicketId, Timestamp};
use postgres::types::ToSql;
use postgres::{Client, NoTls, Transaction};
use rusqlite::types::Value;

use super::postgres::{self as pg, PostgresStorage};
use super::sqlite::{self as lite, SqliteStorage};
use super::{Accounts, Documents, Result};
use crate::blobs::{BlobFolder, BlobStore};
use crate::error::{Code, Error};

/// The tables copied as they are, in an order that satisfies their references. `documents` is
/// copied before them by [`copy_documents`]; the leases, sign-in attempts and unfinished
/// uploads of the old installation end with it.
const TABLES: &[&str] = &[
    "users",
    "devices",
    "device_actors",
    "changes",
    "feed",
    "device_docs",
    "access",
    "access_cuts",
    "ledger",
    "ledger_numbers",
    "imported_rows",
    "return_visits",
    "cost_lines",
    "fired_deadlines",
    "events",
    "webhooks",
    "security_events",
    "blobs",
    "web_passwords",
    "web_sessions",
];
/// Rows sent in one statement.
const ROWS_AT_ONCE: usize = 500;

const SELECT_PG_COLUMNS: &str = "SELECT column_name, data_type, is_identity
    FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position";
const SELECT_SQLITE_DOCUMENT_IDS: &str = "SELECT ticket_id FROM documents ORDER BY ticket_id";
const SELECT_PG_DOCUMENT_COUNT: &str = "SELECT count(*) AS n FROM documents";
const INSERT_PG_DOCUMENT: &str = "INSERT INTO documents (ticket_id, snapshot, heads)
    VALUES ($1, $2, $3) ON CONFLICT (ticket_id) DO NOTHING";
const SET_PG_SERVER_META: &str = "UPDATE server_meta SET system_actor = $1, created_at = $2,
    ledger_projection = $3, made_by_demo = $4";
const SELECT_SQLITE_SERVER_META: &str = "SELECT system_actor, created_at, ledger_projection,
    made_by_demo FROM server_meta";
const SELECT_SQLITE_BLOBS: &str = "SELECT sha256 FROM blobs ORDER BY sha256";
const INSERT_PG_BLOB_BYTES: &str = "INSERT INTO blob_bytes (sha256, data) VALUES ($1, $2)
    ON CONFLICT (sha256) DO NOTHING";
const INSERT_PG_BLOB_HOLDER: &str = "INSERT INTO blob_holders (device_id, sha256) VALUES ($1, $2)
    ON CONFLICT DO NOTHING";
const SELECT_PG_BLOB_BYTES_COUNT: &str = "SELECT count(*) AS n FROM blob_bytes";
/// Identity columns continue after the rows copied with their ids.
const RESET_IDENTITY: &str = "SELECT setval(pg_get_serial_sequence($1, $2),
    greatest((SELECT coalesce(max(id), 0) FROM {table}), 1))";

/// What a migration copied, table by table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// Each table and its rows in SQLite (and, verified, in PostgreSQL).
    pub tables: Vec<(String, u64)>,
    /// Documents whose heads were verified.
    pub documents: u64,
    /// Bytes of the complete blobs copied into the database.
    pub blob_bytes: u64,
}

impl Report {
    /// The rows of `table` SQLite held.
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, rows)| *rows)
    }
}

/// A PostgreSQL column as the copy sees it.
struct Column {
    name: String,
    data_type: String,
    identity: bool,
}

/// Copies the installation in the data directory `from` into the PostgreSQL database at `to`
/// (which a server may then use), and verifies the copy.
pub fn migrate(from: &Path, to: &str) -> Result<Report> {
    // Both schemas brought up to date by their own servers' code.
    let lite_storage = SqliteStorage::open(from, Timestamp(0), IdSource::random())?;
    let pg_storage = PostgresStorage::open(to, 2, Timestamp(0), IdSource::random())?;
    let source = rusqlite::Connection::open_with_flags(
        from.join(lite::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )?;
    let mut target = pg::config(to)?.connect(NoTls)?;
    let mut tx = target.transaction()?;
    refuse_another_installation(&mut tx, &lite_storage, &pg_storage)?;
    copy_server_meta(&source, &mut tx)?;
    let documents = copy_documents(&source, &mut tx, &lite_storage)?;
    let mut report = Report {
        documents,
        ..Report::default()
    };
    for table in TABLES {
        let rows = copy_table(&source, &mut tx, table)?;
        report.tables.push(((*table).to_owned(), rows));
    }
    report.blob_bytes = copy_blobs(&source, &mut tx, from)?;
    tx.commit()?;
    // The planner's statistics of the tables just filled, before the first query needs them.
    target.batch_execute("ANALYZE")?;
    verify(&source, &mut target, &lite_storage, &pg_storage, &report)?;
    Ok(report)
}

/// Refuses a database that holds tickets while its system actor is not the installation's:
/// another installation's, which the copy would mix with this one.
fn refuse_another_installation(
    tx: &mut Transaction<'_>,
    lite_storage: &SqliteStorage,
    pg_storage: &PostgresStorage,
) -> Result<()> {
    let tickets: i64 = tx.query_one(SELECT_PG_DOCUMENT_COUNT, &[])?.try_get("n")?;
    if tickets > 0 && lite_storage.system_actor()? != pg_storage.system_actor()? {
        return Err(Error::new(
            Code::Exists,
            "the PostgreSQL database holds the tickets of another installation; \
             migrate into a new database",
        ));
    }
    Ok(())
}

/// Gives the PostgreSQL database the installation's system actor, creation time and ledger
/// projection, in place of those it was made with.
fn copy_server_meta(source: &rusqlite::Connection, tx: &mut Transaction<'_>) -> Result<()> {
    let (actor, created_at, projection, demo): (Vec<u8>, i64, i64, i64) =
        source.query_row(SELECT_SQLITE_SERVER_META, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    let projection = i32::try_from(projection).map_err(|_| unreadable("ledger_projection"))?;
    tx.execute(
        SET_PG_SERVER_META,
        &[&actor, &created_at, &projection, &(demo != 0)],
    )?;
    Ok(())
}

/// Writes each document as one snapshot of what SQLite keeps (its snapshot and chunks);
/// returns how many there are.
fn copy_documents(
    source: &rusqlite::Connection,
    tx: &mut Transaction<'_>,
    lite_storage: &SqliteStorage,
) -> Result<u64> {
    let actor = lite_storage.system_actor()?;
    let ids = ticket_ids(source)?;
    for id in &ids {
        let ticket = device_documents::load(source, id, &actor)?;
        let heads = device_documents::encode_heads(&ticket.heads());
        tx.execute(INSERT_PG_DOCUMENT, &[&id.as_str(), &ticket.save(), &heads])?;
    }
    Ok(ids.len() as u64)
}

/// Copies the bytes of each complete blob from the blob folder into the database, with which
/// devices sent it whole; returns the bytes copied.
fn copy_blobs(source: &rusqlite::Connection, tx: &mut Transaction<'_>, from: &Path) -> Result<u64> {
    let folder = BlobFolder::open(from.join("blobs"), Arc::new(SystemClock), 0)?;
    let mut statement = source.prepare(SELECT_SQLITE_BLOBS)?;
    let blobs = statement
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut bytes = 0;
    for sha256 in &blobs {
        let data = folder.read(sha256)?;
        bytes += data.len() as u64;
        tx.execute(INSERT_PG_BLOB_BYTES, &[sha256, &data])?;
    }
    for (device, sha256) in folder.holders()? {
        tx.execute(INSERT_PG_BLOB_HOLDER, &[&device, &sha256])?;
    }
    Ok(bytes)
}

/// Every ticket id stored in SQLite.
fn ticket_ids(source: &rusqlite::Connection) -> Result<Vec<TicketId>> {
    let mut statement = source.prepare(SELECT_SQLITE_DOCUMENT_IDS)?;
    let ids = statement
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    ids.iter()
        .map(|id| id.parse().map_err(|_| unreadable("ticket_id")))
        .collect()
}

/// The columns of `table` in PostgreSQL.
fn pg_columns(tx: &mut Transaction<'_>, table: &str) -> Result<Vec<Column>> {
    tx.query(SELECT_PG_COLUMNS, &[&table])?
        .iter()
        .map(|r| {
            Ok(Column {
                name: r.try_get("column_name")?,
                data_type: r.try_get("data_type")?,
                identity: r.try_get::<_, &str>("is_identity")? == "YES",
            })
        })
        .collect()
}

/// The columns of `table` in SQLite.
fn sqlite_columns(source: &rusqlite::Connection, table: &str) -> Result<Vec<String>> {
    let mut statement = source.prepare("SELECT name FROM pragma_table_info(?1)")?;
    let names = statement
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(names)
}

/// Copies the rows of `table` in the columns both databases have; returns how many SQLite
/// holds.
fn copy_table(source: &rusqlite::Connection, tx: &mut Transaction<'_>, table: &str) -> Result<u64> {
    let present = sqlite_columns(source, table)?;
    let columns: Vec<Column> = pg_columns(tx, table)?
        .into_iter()
        .filter(|c| present.contains(&c.name))
        .collect();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let select = format!("SELECT {} FROM {table}", names.join(", "));
    let mut statement = source.prepare(&select)?;
    let mut rows = statement.query([])?;
    let mut pending: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        for (index, column) in columns.iter().enumerate() {
            pending.push(converted(row.get::<_, Value>(index)?, column, table)?);
        }
        count += 1;
        if pending.len() >= ROWS_AT_ONCE * columns.len() {
            insert_rows(tx, table, &columns, &mut pending)?;
        }
    }
    insert_rows(tx, table, &columns, &mut pending)?;
    if columns.iter().any(|c| c.identity && c.name == "id") {
        let sql = RESET_IDENTITY.replace("{table}", table);
        tx.execute(&sql, &[&table, &"id"])?;
    }
    Ok(count)
}

/// Inserts the rows whose values are `pending` (row after row), leaving rows already there.
fn insert_rows(
    tx: &mut Transaction<'_>,
    table: &str,
    columns: &[Column],
    pending: &mut Vec<Box<dyn ToSql + Sync>>,
) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let width = columns.len();
    let rows: Vec<String> = (0..pending.len() / width)
        .map(|r| {
            let params: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", params.join(", "))
        })
        .collect();
    let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    let overriding = if columns.iter().any(|c| c.identity) {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO {table} ({}){overriding} VALUES {} ON CONFLICT DO NOTHING",
        names.join(", "),
        rows.join(", ")
    );
    let params: Vec<&(dyn ToSql + Sync)> = pending.iter().map(|p| p.as_ref()).collect();
    tx.execute(&sql, &params)?;
    pending.clear();
    Ok(())
}

/// A SQLite value as the PostgreSQL column `column` of `table` takes it.
fn converted(value: Value, column: &Column, table: &str) -> Result<Box<dyn ToSql + Sync>> {
    let what = || unreadable(&format!("{table}.{}", column.name));
    Ok(match (column.data_type.as_str(), value) {
        ("bigint", Value::Integer(i)) => Box::new(i),
        ("bigint", Value::Null) => Box::new(None::<i64>),
        ("integer", Value::Integer(i)) => Box::new(i32::try_from(i).map_err(|_| what())?),
        ("integer", Value::Null) => Box::new(None::<i32>),
        ("boolean", Value::Integer(i)) => Box::new(i != 0),
        ("boolean", Value::Null) => Box::new(None::<bool>),
        ("text", Value::Text(s)) => Box::new(s),
        ("text", Value::Null) => Box::new(None::<String>),
        ("bytea", Value::Blob(b)) => Box::new(b),
        ("bytea", Value::Null) => Box::new(None::<Vec<u8>>),
        _ => return Err(what()),
    })
}

/// Checks that PostgreSQL holds as many rows of each table as SQLite, and that each document
/// loads from PostgreSQL with the heads SQLite has.
fn verify(
    source: &rusqlite::Connection,
    target: &mut Client,
    lite_storage: &SqliteStorage,
    pg_storage: &PostgresStorage,
    report: &Report,
) -> Result<()> {
    for (table, rows) in &report.tables {
        let copied: i64 = target
            .query_one(&format!("SELECT count(*) AS n FROM {table}"), &[])?
            .try_get("n")?;
        if u64::try_from(copied).ok() != Some(*rows) {
            return Err(Error::new(
                Code::Invalid,
                format!("{table}: SQLite holds {rows} rows, PostgreSQL {copied}"),
            ));
        }
    }
    let documents: i64 = target
        .query_one(SELECT_PG_DOCUMENT_COUNT, &[])?
        .try_get("n")?;
    if u64::try_from(documents).ok() != Some(report.documents) {
        return Err(Error::new(
            Code::Invalid,
            format!(
                "documents: SQLite holds {}, PostgreSQL {documents}",
                report.documents
            ),
        ));
    }
    let blobs: i64 = target
        .query_one(SELECT_PG_BLOB_BYTES_COUNT, &[])?
        .try_get("n")?;
    if u64::try_from(blobs).ok() != Some(report.rows("blobs")) {
        return Err(Error::new(
            Code::Invalid,
            format!(
                "blob bytes: PostgreSQL holds {blobs} blobs, not {}",
                report.rows("blobs")
            ),
        ));
    }
    let actor = pg_storage.system_actor()?;
    for id in ticket_ids(source)? {
        let expected = lite_storage.stored_heads(&id)?;
        let loaded = pg_storage.load_ticket(&id, &actor)?.map(|(t, _)| t.heads());
        let mut expected = expected.unwrap_or_default();
        let mut loaded = loaded.unwrap_or_default();
        expected.sort();
        loaded.sort();
        if expected != loaded || pg_storage.stored_heads(&id)?.is_none() {
            return Err(Error::new(
                Code::Invalid,
                format!("ticket {id}: its heads in PostgreSQL are not those in SQLite"),
            ));
        }
    }
    Ok(())
}

/// The error of a value that does not fit its column.
fn unreadable(what: &str) -> Error {
    Error::new(
        Code::Invalid,
        format!("{what} in the SQLite database does not fit PostgreSQL"),
    )
}
