//! Writing the ledger again from the stored documents (`fieldledger-server rebuild-ledger`, and
//! as the server opens a ledger projected by an older version). Each ticket goes through the
//! same [`project`] as a live merge, with what the server recorded of when and from whom it
//! received each change, so that the rows a rebuild writes are those the live merges wrote.

use automerge::ChangeHash;
use fieldledger_core::{TicketId, Timestamp};

use super::{Engine, Result};
use crate::ledger::PROJECTION_VERSION;
use crate::ledger::Received;
use crate::projection::{Projection, project};

/// The actions (change messages) that pass a registered form on: see
/// [`crate::ledger::first_handoff`].
const HANDOFF_ACTIONS: [&str; 2] = ["hand_off", "issue_travel_order"];

impl Engine {
    /// Rewrites every ledger row, with its return visits and cost lines, from its document and
    /// from when and from whom the server received each of its changes, exactly as the live
    /// merges wrote it; returns how many. It emits no events: the merges that brought each
    /// change raised them, and the outbox holds them already.
    pub fn rebuild_ledger(&self) -> Result<usize> {
        let mut rows = Vec::new();
        for id in self.storage.ticket_ids()? {
            let mut projection = self.reproject(&id)?;
            // Raised once, live: a rebuild writes the tables, not the outbox.
            projection.events.clear();
            rows.push(projection);
        }
        self.storage
            .replace_ledger_rows(&rows, PROJECTION_VERSION)?;
        Ok(rows.len())
    }

    /// The projection of ticket `id` as [`Engine::rebuild_ledger`] makes it: its stored document
    /// as a whole, received as the server recorded it (now, if it recorded nothing). Its events
    /// are those of the whole ticket arriving at once, stamped with the time its last change was
    /// received.
    pub fn reproject(&self, id: &TicketId) -> Result<Projection> {
        let now = self.clock.now();
        let (view, history) =
            self.read(id, |t| -> Result<_> { Ok((t.view()?, t.history())) })??;
        let received = self.storage.received_at(id)?;
        // When the server received the first change of one of `actions` that `recorded`
        // accepts (by its device time).
        let first_received = |actions: &[&str], recorded: &dyn Fn(Timestamp) -> bool| {
            history
                .iter()
                .filter(|h| {
                    recorded(h.recorded_at)
                        && h.note
                            .as_ref()
                            .is_some_and(|n| actions.contains(&n.action.as_str()))
                })
                .filter_map(|h| {
                    let hash = h.hash.parse::<ChangeHash>().ok()?;
                    received.get(&hash).copied()
                })
                .min()
        };
        let handed_off_received_at = first_received(&HANDOFF_ACTIONS, &|_| true);
        // The confirmation standing is the change that wrote its device time.
        let confirmed_received_at = view.intake.confirmed_complaint_at().and_then(|at| {
            first_received(&["register", "amend_intake"], &|recorded| recorded == at)
        });
        let seen = Received {
            received_at: received.values().min().copied().unwrap_or(now),
            created_by: self.storage.first_sender(id)?,
            handed_off_received_at,
            confirmed_received_at,
            updated_at: received.values().max().copied().unwrap_or(now),
        };
        Ok(project(id, None, &view, &seen))
    }
}
