//! Reading PostgreSQL rows by column name into the server's types. A stored value that does not
//! read as what it should be means a corrupt database, and the error names its column.

use std::str::FromStr;

use fieldledger_core::Timestamp;
use postgres::Row;
use postgres::types::FromSql;

use crate::error::Error;
use crate::storage::Result;

/// The error of a stored value that does not read as `what`.
pub(super) fn corrupt(what: &str) -> Error {
    Error::Core(fieldledger_core::Error::Corrupt(format!(
        "unreadable {what} in the server database"
    )))
}

/// Reading a row's columns by name.
pub(super) trait Named {
    /// Column `column`. (Not `get`: `postgres::Row::get`, which panics, would be called.)
    fn value<'a, T: FromSql<'a>>(&'a self, column: &str) -> Result<T>;

    /// Column `column`, stored as text, parsed.
    fn parsed<T: FromStr>(&self, column: &str) -> Result<T> {
        parse(self.value::<&str>(column)?, column)
    }

    /// Column `column`, stored as text or NULL, parsed.
    fn parsed_opt<T: FromStr>(&self, column: &str) -> Result<Option<T>> {
        self.value::<Option<&str>>(column)?
            .map(|text| parse(text, column))
            .transpose()
    }

    /// Column `column`, stored as values separated by spaces, each parsed.
    fn parsed_list<T: FromStr>(&self, column: &str) -> Result<Vec<T>> {
        self.value::<&str>(column)?
            .split_whitespace()
            .map(|text| parse(text, column))
            .collect()
    }

    /// Column `column`, stored as milliseconds since the epoch.
    fn timestamp(&self, column: &str) -> Result<Timestamp> {
        Ok(Timestamp(self.value(column)?))
    }

    /// Column `column`, stored as milliseconds since the epoch or NULL.
    fn timestamp_opt(&self, column: &str) -> Result<Option<Timestamp>> {
        Ok(self.value::<Option<i64>>(column)?.map(Timestamp))
    }

    /// Column `column`, a count or position stored as BIGINT.
    fn unsigned(&self, column: &str) -> Result<u64> {
        u64::try_from(self.value::<i64>(column)?).map_err(|_| corrupt(column))
    }
}

impl Named for Row {
    fn value<'a, T: FromSql<'a>>(&'a self, column: &str) -> Result<T> {
        self.try_get(column).map_err(|_| corrupt(column))
    }
}

/// `text` parsed as the value of `column`.
fn parse<T: FromStr>(text: &str, column: &str) -> Result<T> {
    text.parse().map_err(|_| corrupt(column))
}

/// `value` as the BIGINT PostgreSQL keeps it in (counts and positions are far below its
/// limit).
pub(super) fn bigint(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}
