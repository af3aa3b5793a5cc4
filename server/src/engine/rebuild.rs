//! Writing the ledger again from the stored documents (`fieldledger-server rebuild-ledger`, and
//! as the server opens a ledger projected by an older version). Each ticket goes through the
//! same [`project`] as a live merge, with what the server recorded of when and from whom it
//! received each change, so that the rows a rebuild writes are those the live merges wrote.

use automerge::ChangeHash;

use super::{Engine, Result};
use crate::ledger::PROJECTION_VERSION;
use crate::projection::{Received, project};

/// The actions (change messages) that pass a registered form on: see
/// [`crate::ledger::first_handoff`].
const HANDOFF_ACTIONS: [&str; 2] = ["hand_off", "issue_travel_order"];

impl Engine {
    /// Rewrites every ledger row, with its return visits and cost lines, from its document and
    /// from when and from whom the server received each of its changes, exactly as the live
    /// merges wrote it; returns how many.
    pub fn rebuild_ledger(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut rows = Vec::new();
        for id in self.storage.ticket_ids()? {
            let (view, history) =
                self.read(&id, |t| -> Result<_> { Ok((t.view()?, t.history())) })??;
            let received = self.storage.received_at(&id)?;
            let handed_off_received_at = history
                .iter()
                .filter(|h| {
                    h.note
                        .as_ref()
                        .is_some_and(|n| HANDOFF_ACTIONS.contains(&n.action.as_str()))
                })
                .filter_map(|h| {
                    let hash = h.hash.parse::<ChangeHash>().ok()?;
                    received.get(&hash).copied()
                })
                .min();
            let seen = Received {
                received_at: received.values().min().copied().unwrap_or(now),
                created_by: self.storage.first_sender(&id)?,
                handed_off_received_at,
                updated_at: received.values().max().copied().unwrap_or(now),
            };
            rows.push(project(&id, &view, &seen));
        }
        self.storage
            .replace_ledger_rows(&rows, PROJECTION_VERSION)?;
        Ok(rows.len())
    }
}
