//! Moving work between two stores without a server: one store says which heads it has, the
//! other hands over the changes it lacks, and the first merges them.
//!
//! A store trusts the changes it imports here; only the office server checks each incoming
//! change (see [`crate::admission`]) before it merges.

use std::collections::BTreeMap;

use automerge::ChangeHash;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::TicketId;
use crate::store::Store;

/// What a store has: the heads of each of its tickets.
pub type Inventory = BTreeMap<TicketId, Vec<ChangeHash>>;

/// The changes of one ticket, in automerge's incremental format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketChanges {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its changes, concatenated.
    pub changes: Vec<u8>,
}

/// Changes of several tickets, handed from one store to another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    /// One entry per ticket that has changes to give.
    pub tickets: Vec<TicketChanges>,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Tickets that changed (or arrived).
    pub tickets_changed: usize,
    /// Changes applied.
    pub changes_applied: usize,
}

impl Store {
    /// The heads of every ticket in this store.
    pub fn inventory(&self) -> Result<Inventory> {
        Ok(self.all_heads()?.into_iter().collect())
    }

    /// The changes that a peer with `peer` lacks, for every ticket whose heads differ.
    pub fn export_for(&self, peer: &Inventory) -> Result<Bundle> {
        let mut bundle = Bundle::default();
        for (id, heads) in self.all_heads()? {
            let theirs = peer.get(&id).map(Vec::as_slice).unwrap_or_default();
            if sorted(theirs) == sorted(&heads) {
                continue;
            }
            let changes = self.read_ticket(&id, |t| t.changes_since(theirs))?;
            if !changes.is_empty() {
                bundle.tickets.push(TicketChanges {
                    ticket_id: id,
                    changes,
                });
            }
        }
        Ok(bundle)
    }

    /// Merges the changes of `bundle` into this store, one transaction per ticket. A ticket
    /// whose changes do not load is reported and the tickets before it stay merged.
    pub fn import(&self, bundle: &Bundle) -> Result<ImportReport> {
        let mut report = ImportReport::default();
        for entry in &bundle.tickets {
            let applied = self.merge_into_store(&entry.ticket_id, &entry.changes)?;
            if applied > 0 {
                report.tickets_changed += 1;
                report.changes_applied += applied;
            }
        }
        Ok(report)
    }
}

fn sorted(heads: &[ChangeHash]) -> Vec<ChangeHash> {
    let mut heads = heads.to_vec();
    heads.sort();
    heads
}
