//! Reference data on PostgreSQL: the statements of [`crate::storage::Reference`] run on a
//! pooled connection or in one transaction.

use postgres::GenericClient;
use postgres::types::{ToSql, Type};

use super::PostgresStorage;
use crate::storage::reference::{SqlRun, Value, WithSql};
use crate::storage::{Reference, Result};

/// A connection or a transaction.
struct Run<'a, C: GenericClient>(&'a mut C);

/// `value` as PostgreSQL binds it: BIGINT or TEXT, NULL of either.
fn bound(value: &Value) -> &(dyn ToSql + Sync) {
    match value {
        Value::Int(n) => n,
        Value::Text(t) => t,
    }
}

impl<C: GenericClient> SqlRun for Run<'_, C> {
    fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>> {
        let args: Vec<&(dyn ToSql + Sync)> = args.iter().map(bound).collect();
        let rows = self.0.query(sql, &args)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        let column = &row.columns()[i];
                        Ok(if *column.type_() == Type::INT8 {
                            Value::Int(row.try_get(i)?)
                        } else {
                            Value::Text(row.try_get(i)?)
                        })
                    })
                    .collect()
            })
            .collect()
    }

    fn run(&mut self, sql: &str, args: &[Value]) -> Result<u64> {
        let args: Vec<&(dyn ToSql + Sync)> = args.iter().map(bound).collect();
        Ok(self.0.execute(sql, &args)?)
    }
}

impl Reference for PostgresStorage {
    fn reference_read(&self, f: WithSql<'_>) -> Result<()> {
        self.read(|c| f(&mut Run(c)))
    }

    fn reference_write(&self, f: WithSql<'_>) -> Result<()> {
        self.write(|tx| f(&mut Run(tx)))
    }
}
