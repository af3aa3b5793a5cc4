//! Reference data in SQLite: the statements of [`crate::storage::Reference`] run on a reader or
//! in the writer's transaction.

use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};

use super::SqliteStorage;
use crate::storage::reference::{SqlRun, Value, WithSql};
use crate::storage::{Reference, Result};

/// A connection, or the writer's transaction (which derefs to one).
struct Run<'a>(&'a Connection);

/// `value` as SQLite binds it.
fn bound(value: &Value) -> ToSqlOutput<'_> {
    match value {
        Value::Int(Some(n)) => ToSqlOutput::from(*n),
        Value::Text(Some(t)) => ToSqlOutput::from(t.as_str()),
        Value::Int(None) | Value::Text(None) => ToSqlOutput::from(rusqlite::types::Null),
    }
}

impl SqlRun for Run<'_> {
    fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>> {
        let mut statement = self.0.prepare_cached(sql)?;
        let width = statement.column_count();
        let args: Vec<ToSqlOutput<'_>> = args.iter().map(bound).collect();
        let mut rows = statement.query(rusqlite::params_from_iter(args))?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            let values = (0..width)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        ValueRef::Integer(n) => Value::Int(Some(n)),
                        ValueRef::Text(t) => Value::Text(Some(String::from_utf8_lossy(t).into())),
                        _ => Value::Text(None),
                    })
                })
                .collect::<Result<_>>()?;
            found.push(values);
        }
        Ok(found)
    }

    fn run(&mut self, sql: &str, args: &[Value]) -> Result<u64> {
        let args: Vec<ToSqlOutput<'_>> = args.iter().map(bound).collect();
        let changed = self
            .0
            .prepare_cached(sql)?
            .execute(rusqlite::params_from_iter(args))?;
        Ok(changed as u64)
    }
}

impl Reference for SqliteStorage {
    fn reference_read(&self, f: WithSql<'_>) -> Result<()> {
        self.read(|c| f(&mut Run(c)))
    }

    fn reference_write(&self, f: WithSql<'_>) -> Result<()> {
        self.write(|tx| f(&mut Run(tx)))
    }
}
