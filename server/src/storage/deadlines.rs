//! The tickets whose deadlines are due, found through the ledger's indexes so that the
//! deadline watcher never reads documents to find them.

use fieldledger_core::{Date, Timestamp};

use super::Result;
use crate::deadlines::Deadline;
use crate::ledger::LedgerRow;

/// Due deadlines. Each fires once: its event, written by [`super::Commits::commit`], marks it
/// fired, and a fired deadline is found no more.
pub trait Deadlines {
    /// Tickets whose first hand-off is late on either clock by more than `limit_ms` after
    /// registration, or has not been received and the server received the ticket more than
    /// `limit_ms` before `now`; those whose hand-off deadline fired are left out.
    fn late_handoffs(&self, now: Timestamp, limit_ms: i64) -> Result<Vec<LedgerRow>>;
    /// Tickets whose day for the dated `deadline` (the next return visit, the earliest open
    /// action) is on or before `by`; those whose event for that day fired are left out. The
    /// hand-off has no day: it finds nothing.
    fn days_due(&self, deadline: Deadline, by: Date) -> Result<Vec<LedgerRow>>;
    /// Major complaints not closed and not imported whose review deadline
    /// ([`Deadline::MajorReview`]) has not fired; few, as major complaints are.
    fn open_major_complaints(&self) -> Result<Vec<LedgerRow>>;
    /// Closed complaints, not imported, of the customers none of whose return visits is
    /// planned on or after `since` or was done at or after `since_ms`: the tickets on which a
    /// periodic return visit may be planned, by customer and the most recently registered
    /// first; at most `limit`.
    fn periodic_visit_candidates(
        &self,
        since: Date,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<LedgerRow>>;
}
