//! The commit in PostgreSQL: every batch's parts written in one transaction, each by the file of
//! its aggregate. The transaction first locks the rows of every document it writes, in the order
//! of their ids, and takes the positions of the feed and the outbox last, so that the lock that
//! orders those positions is held as briefly as can be.

use fieldledger_core::Timestamp;
use postgres::Transaction;

use super::documents::{self, Heads};
use super::{PostgresStorage, ledger, ledger_row, outbox, projection, security_events};
use crate::events::{Event, NewEvent};
use crate::storage::{Batch, Commits, DocWrite, Result};

/// Writes one document with the rest of its ticket's projection: return visits and costs when
/// they changed, and the ledger row (only its `updated_at` when nothing else in it changed).
/// `stored` holds the heads of the locked documents.
fn save_doc(tx: &mut Transaction<'_>, doc: &DocWrite, stored: &mut Heads) -> Result<()> {
    documents::save(tx, doc, stored)?;
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

/// Writes `batch` at `at`, but for its feed rows and events (see [`Commits::commit`]).
fn save_batch(
    tx: &mut Transaction<'_>,
    batch: &Batch,
    at: Timestamp,
    stored: &mut Heads,
) -> Result<()> {
    for doc in &batch.docs {
        save_doc(tx, doc, stored)?;
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
    Ok(())
}

impl Commits for PostgresStorage {
    /// Locks the documents the batches write, writes the batches, then, under the
    /// ordered-append lock, notes the documents in the feed and puts the events in the outbox.
    fn commit(&self, batches: &[Batch], at: Timestamp) -> Result<Vec<Event>> {
        let docs: Vec<&DocWrite> = batches.iter().flat_map(|b| &b.docs).collect();
        let mut ids: Vec<&str> = docs.iter().map(|d| d.ticket_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let events: Vec<NewEvent> = batches.iter().flat_map(|b| b.events.clone()).collect();
        self.write(|tx| {
            let mut stored = documents::lock(tx, &ids)?;
            for batch in batches {
                save_batch(tx, batch, at, &mut stored)?;
            }
            super::take_ordered_append_lock(tx)?;
            documents::save_feed(tx, &docs, at)?;
            outbox::save_events(tx, &events, at)
        })
    }
}
