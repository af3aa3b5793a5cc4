//! Reading rows by column name into the server's types. A stored value that does not read as
//! what it should be means a corrupt database, and the error names its column.
//!
//! The names are the statement's, taken once per statement: rusqlite's own lookup by name asks
//! SQLite for the name of each column in turn on every call, which made reading the ledger
//! (35 columns) several times slower than reading it by position.

use std::str::FromStr;

use fieldledger_core::Timestamp;
use rusqlite::types::FromSql;
use rusqlite::{Connection, Params, Row};

use crate::error::Error;
use crate::storage::Result;

/// The error of a stored value that does not read as `what`.
pub(super) fn corrupt(what: &str) -> Error {
    Error::Core(fieldledger_core::Error::Corrupt(format!(
        "unreadable {what} in the server database"
    )))
}

/// A row, read by column name.
pub(super) struct NamedRow<'a> {
    row: &'a Row<'a>,
    columns: &'a [String],
}

impl NamedRow<'_> {
    /// Column `column`.
    pub(super) fn get<T: FromSql>(&self, column: &str) -> Result<T> {
        let index = self
            .columns
            .iter()
            .position(|name| name == column)
            .ok_or_else(|| rusqlite::Error::InvalidColumnName(column.to_owned()))?;
        Ok(self.row.get(index)?)
    }

    /// Column `column`, stored as text, parsed.
    pub(super) fn parsed<T: FromStr>(&self, column: &str) -> Result<T> {
        parse(&self.get::<String>(column)?, column)
    }

    /// Column `column`, stored as text or NULL, parsed.
    pub(super) fn parsed_opt<T: FromStr>(&self, column: &str) -> Result<Option<T>> {
        self.get::<Option<String>>(column)?
            .map(|text| parse(&text, column))
            .transpose()
    }

    /// Column `column`, stored as values separated by spaces, each parsed.
    pub(super) fn parsed_list<T: FromStr>(&self, column: &str) -> Result<Vec<T>> {
        self.get::<String>(column)?
            .split_whitespace()
            .map(|text| parse(text, column))
            .collect()
    }

    /// Column `column`, stored as milliseconds since the epoch.
    pub(super) fn timestamp(&self, column: &str) -> Result<Timestamp> {
        Ok(Timestamp(self.get(column)?))
    }

    /// Column `column`, stored as milliseconds since the epoch or NULL.
    pub(super) fn timestamp_opt(&self, column: &str) -> Result<Option<Timestamp>> {
        Ok(self.get::<Option<i64>>(column)?.map(Timestamp))
    }
}

/// `text` parsed as the value of `column`.
fn parse<T: FromStr>(text: &str, column: &str) -> Result<T> {
    text.parse().map_err(|_| corrupt(column))
}

/// Up to `most` rows that the statement `sql` finds with `params`, each read by `read`. Rows
/// past `most` are not read, nor, for most statements, computed.
pub(super) fn some<T>(
    c: &Connection,
    sql: &str,
    params: impl Params,
    most: usize,
    mut read: impl FnMut(&NamedRow<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut statement = c.prepare_cached(sql)?;
    let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let mut rows = statement.query(params)?;
    let mut found = Vec::new();
    while found.len() < most
        && let Some(row) = rows.next()?
    {
        found.push(read(&NamedRow {
            row,
            columns: &columns,
        })?);
    }
    Ok(found)
}

/// Every row that the statement `sql` finds with `params`, each read by `read`.
pub(super) fn all<T>(
    c: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnMut(&NamedRow<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    some(c, sql, params, usize::MAX, read)
}

/// The first row that the statement `sql` finds with `params`, read by `read`; `None` when it
/// finds none.
pub(super) fn first<T>(
    c: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnMut(&NamedRow<'_>) -> Result<T>,
) -> Result<Option<T>> {
    Ok(some(c, sql, params, 1, read)?.pop())
}

/// The one row that the statement `sql` (an aggregate, say) finds with `params`, read by
/// `read`.
pub(super) fn one<T>(
    c: &Connection,
    sql: &str,
    params: impl Params,
    read: impl FnMut(&NamedRow<'_>) -> Result<T>,
) -> Result<T> {
    first(c, sql, params, read)?.ok_or_else(|| rusqlite::Error::QueryReturnedNoRows.into())
}
