//! The commit in SQLite: every batch's parts written in one transaction, each by the file of
//! its aggregate.

use fieldledger_core::Timestamp;
use rusqlite::Transaction;

use super::{SqliteStorage, documents, ledger, ledger_row, outbox, projection, security_events};
use crate::events::Event;
use crate::storage::{Batch, Commits, DocWrite, Result};

/// Writes one document with the rest of its ticket's projection: return visits and costs when
/// they changed, and the ledger row (only its `updated_at` when nothing else in it changed).
fn save_doc(tx: &Transaction<'_>, doc: &DocWrite, at: Timestamp) -> Result<()> {
    documents::save(tx, doc, at)?;
    if let Some(visits) = &doc.return_visits {
        projection::save_return_visits(tx, &doc.ticket_id, visits)?;
    }
    if let Some(costs) = &doc.costs {
        projection::save_cost_lines(tx, &doc.ticket_id, costs)?;
    }
    if doc.ledger_changed {
        ledger::save_ledger_row(tx, &doc.ledger, Some(&doc.before))
    } else {
        ledger_row::touch(tx, &doc.ledger)
    }
}

/// Writes `batch` at `at`, adding the events it put in the outbox to `outbox`.
fn save_batch(
    tx: &Transaction<'_>,
    batch: &Batch,
    at: Timestamp,
    outbox: &mut Vec<Event>,
) -> Result<()> {
    for doc in &batch.docs {
        save_doc(tx, doc, at)?;
    }
    for write in &batch.device_docs {
        documents::save_device_doc(tx, write)?;
    }
    for (key, ticket_id) in &batch.imports {
        ledger::save_import(tx, key, ticket_id, at)?;
    }
    for event in &batch.security_events {
        security_events::save(tx, event)?;
    }
    for event in &batch.events {
        outbox.extend(outbox::save_event(tx, event, at)?);
    }
    Ok(())
}

impl Commits for SqliteStorage {
    fn commit(&self, batches: &[Batch], at: Timestamp) -> Result<Vec<Event>> {
        self.write(|tx| {
            let mut outbox = Vec::new();
            for batch in batches {
                save_batch(tx, batch, at, &mut outbox)?;
            }
            Ok(outbox)
        })
    }
}
