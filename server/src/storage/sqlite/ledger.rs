//! The ledger in SQLite: its rows (mapped by [`ledger_row`](super::ledger_row)), pages of them
//! by filter and order, the serials of ledger numbers, and the rows an import made into
//! tickets.

use automerge::ChangeHash;
use fieldledger_core::{TicketId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Transaction, params, params_from_iter};

use super::row::{first, one};
use super::{SqliteStorage, documents, ledger_row, projection};
use crate::ledger::{LedgerPage, LedgerQuery, LedgerRow, parse_ledger_number};
use crate::projection::Projection;
use crate::storage::ledger::{self as filter, FilterValue};
use crate::storage::{Ledger, Result};

const SELECT_LEDGER_ROW: &str = "SELECT * FROM ledger WHERE ticket_id = ?1";
/// Counts the rows that pass `{filter}` (a `WHERE` clause, or nothing).
const COUNT_LEDGER_ROWS: &str = "SELECT count(*) AS n FROM ledger {filter}";
/// A page of the rows that pass `{filter}`, sorted by `{order}`.
const SELECT_LEDGER_PAGE: &str = "SELECT * FROM ledger {filter} ORDER BY {order}, ticket_id
    LIMIT {limit} OFFSET {offset}";
/// Every row that passes `{filter}`, oldest registration first.
const SELECT_WHOLE_LEDGER: &str = "SELECT * FROM ledger {filter}
    ORDER BY registered_at, ledger_number, ticket_id";
/// The order of a page when the query names none: the latest changes first.
const DEFAULT_ORDER: &str = "updated_at DESC";

/// Takes the next serial of a year's ledger numbers (`?1`), the first being 1.
const TAKE_LEDGER_SERIAL: &str = "INSERT INTO ledger_numbers (year, last) VALUES (?1, 1)
    ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last";
/// Raises the last serial of a year's ledger numbers (`?1`) to at least `?2`.
const NOTE_LEDGER_SERIAL: &str = "INSERT INTO ledger_numbers (year, last) VALUES (?1, ?2)
    ON CONFLICT (year) DO UPDATE SET last = max(last, excluded.last)";

const SELECT_LEDGER_PROJECTION: &str = "SELECT ledger_projection FROM server_meta";
const SET_LEDGER_PROJECTION: &str = "UPDATE server_meta SET ledger_projection = ?1";

const INSERT_IMPORTED_ROW: &str = "INSERT INTO imported_rows (import_key, ticket_id, imported_at)
    VALUES (?1, ?2, ?3)";
/// The ticket (its ledger number, or id) an import made of the row with key `?1`.
const SELECT_IMPORTED_TICKET: &str = "SELECT COALESCE(l.ledger_number, l.ticket_id) AS ticket
    FROM imported_rows i JOIN ledger l ON l.ticket_id = i.ticket_id WHERE i.import_key = ?1";
const SELECT_LEDGER_NUMBER: &str = "SELECT ledger_number FROM ledger WHERE ledger_number = ?1";

/// The rows on a page when the query asks for no number.
const DEFAULT_PAGE: u64 = 50;
/// The most rows on one page.
const MAX_PAGE: u64 = 500;

/// Saves `row`, with who may read the ticket; when the write that produced it took users off
/// the ticket, their access is cut at `before`, the ticket's heads just before that write.
pub(super) fn save_ledger_row(
    tx: &Transaction<'_>,
    row: &LedgerRow,
    before: Option<&[ChangeHash]>,
) -> Result<()> {
    ledger_row::upsert(tx, row)?;
    if let Some((year, serial)) = row.ledger_number.as_deref().and_then(parse_ledger_number) {
        note_ledger_serial(tx, year, serial)?;
    }
    documents::follow_access(tx, row, before)
}

/// Notes that serial `serial` of `year` is given: serials taken later continue after it.
fn note_ledger_serial(tx: &Transaction<'_>, year: i32, serial: u64) -> Result<()> {
    tx.prepare_cached(NOTE_LEDGER_SERIAL)?
        .execute(params![year, serial])?;
    Ok(())
}

/// Remembers that an import made ticket `ticket_id` of the row `key`.
pub(super) fn save_import(
    tx: &Transaction<'_>,
    key: &str,
    ticket_id: &TicketId,
    at: Timestamp,
) -> Result<()> {
    tx.prepare_cached(INSERT_IMPORTED_ROW)?.execute(params![
        key,
        ticket_id.as_str(),
        at.millis()
    ])?;
    Ok(())
}

/// The `WHERE` clause of the ledger rows `query` asks for (empty for all), and its arguments.
fn ledger_filter(query: &LedgerQuery) -> (String, Vec<Value>) {
    let (filter, values) = filter::ledger_filter(query, |n| format!("?{n}"), "LIKE");
    let args = values
        .into_iter()
        .map(|value| match value {
            FilterValue::Text(text) => Value::Text(text),
            FilterValue::Integer(n) => Value::Integer(n),
        })
        .collect();
    (filter, args)
}

/// The `ORDER BY` of a page of the ledger `query` asks for.
fn ledger_order(query: &LedgerQuery) -> String {
    match query.sort {
        None => DEFAULT_ORDER.to_owned(),
        Some(sort) => {
            let direction = if query.desc { "DESC" } else { "ASC" };
            format!("{} {direction}", sort.column())
        }
    }
}

impl Ledger for SqliteStorage {
    fn ledger(&self, query: &LedgerQuery) -> Result<LedgerPage> {
        let (filter, args) = ledger_filter(query);
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).min(MAX_PAGE);
        let count = COUNT_LEDGER_ROWS.replace("{filter}", &filter);
        let page = SELECT_LEDGER_PAGE
            .replace("{filter}", &filter)
            .replace("{order}", &ledger_order(query))
            .replace("{limit}", &limit.to_string())
            .replace("{offset}", &query.offset.to_string());
        self.read(|c| {
            let total: u64 = one(c, &count, params_from_iter(args.iter()), |r| r.get("n"))?;
            let rows = ledger_row::select(c, &page, params_from_iter(args.iter()))?;
            Ok(LedgerPage { rows, total })
        })
    }

    fn whole_ledger(&self, query: &LedgerQuery) -> Result<Vec<LedgerRow>> {
        let (filter, args) = ledger_filter(query);
        let sql = SELECT_WHOLE_LEDGER.replace("{filter}", &filter);
        self.read(|c| ledger_row::select(c, &sql, params_from_iter(args.iter())))
    }

    fn ledger_row(&self, id: &TicketId) -> Result<Option<LedgerRow>> {
        self.read(|c| first(c, SELECT_LEDGER_ROW, [id.as_str()], ledger_row::read))
    }

    fn take_ledger_serial(&self, year: i32) -> Result<u64> {
        self.write(|tx| one(tx, TAKE_LEDGER_SERIAL, [year], |r| r.get("last")))
    }

    fn note_ledger_serial(&self, year: i32, serial: u64) -> Result<()> {
        self.write(|tx| note_ledger_serial(tx, year, serial))
    }

    fn replace_ledger_rows(&self, rows: &[Projection], projection: u32) -> Result<()> {
        self.write(|tx| {
            for p in rows {
                save_ledger_row(tx, &p.row, None)?;
                projection::save_return_visits(tx, &p.row.ticket_id, &p.return_visits)?;
                projection::save_cost_lines(tx, &p.row.ticket_id, &p.costs)?;
            }
            tx.execute(SET_LEDGER_PROJECTION, [projection])?;
            Ok(())
        })
    }

    fn ledger_projection(&self) -> Result<u32> {
        self.read(|c| {
            one(c, SELECT_LEDGER_PROJECTION, [], |r| {
                r.get("ledger_projection")
            })
        })
    }

    fn find_imported(&self, key: &str, ledger_number: Option<&str>) -> Result<Option<String>> {
        self.read(|c| {
            let imported = first(c, SELECT_IMPORTED_TICKET, [key], |r| r.get("ticket"))?;
            match (imported, ledger_number) {
                (Some(known), _) => Ok(Some(known)),
                (None, Some(number)) => first(c, SELECT_LEDGER_NUMBER, [number], |r| {
                    r.get("ledger_number")
                }),
                (None, None) => Ok(None),
            }
        })
    }
}
