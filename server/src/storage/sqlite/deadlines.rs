//! Due deadlines in SQLite, found through the ledger's indexes, and the deadlines whose event
//! has been written, so that each fires once across restarts.

use fieldledger_core::{Date, TicketId, Timestamp};
use rusqlite::{Transaction, params};

use super::{SqliteStorage, ledger_row};
use crate::deadlines::{Deadline, DeadlineKey};
use crate::ledger::LedgerRow;
use crate::storage::{Deadlines, Result};

/// Confirmed complaints whose first hand-off is late by more than `?2` ms after the desk's
/// confirmation, or not received `?2` ms after the server received that confirmation, at
/// `?1`, and whose hand-off deadline (`?3`) has not fired. Three ways to be late, each found
/// through its own index (010_departments.sql): not handed off yet, handed off late as the
/// server received it, or late as the device recorded it. Imported tickets are history and
/// are not judged; inquiries and jobs that are no complaint have no such limit. Written as
/// `UNION ALL` of whole queries: SQLite
/// plans `IN (… UNION …)` as a merge of full scans. A ticket late on both clocks is found twice.
const SELECT_LATE_HANDOFFS: &str = "SELECT * FROM ledger l
    WHERE handed_off_received_at IS NULL AND imported = 0 AND confirmed_received_at IS NOT NULL
      AND confirmed_received_at <= ?1 - ?2
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?3
                      AND f.ticket_id = l.ticket_id AND f.subject = '')
    UNION ALL
    SELECT * FROM ledger l
    WHERE imported = 0 AND confirmed_received_at IS NOT NULL
      AND handed_off_received_at - confirmed_received_at > ?2
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?3
                      AND f.ticket_id = l.ticket_id AND f.subject = '')
    UNION ALL
    SELECT * FROM ledger l
    WHERE imported = 0 AND confirmed_at IS NOT NULL AND handed_off_at - confirmed_at > ?2
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?3
                      AND f.ticket_id = l.ticket_id AND f.subject = '')";

/// Tickets whose next return visit is on or before `?1`, unless deadline `?2` fired for it.
const SELECT_RETURN_VISITS_DUE: &str = "SELECT * FROM ledger l
    WHERE next_return_visit IS NOT NULL AND next_return_visit <= ?1
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?2
                      AND f.ticket_id = l.ticket_id AND f.subject = l.next_return_visit)";
/// Tickets whose earliest open action is due on or before `?1`, unless deadline `?2` fired for
/// that day.
const SELECT_ACTIONS_DUE: &str = "SELECT * FROM ledger l
    WHERE next_action_due IS NOT NULL AND next_action_due <= ?1
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?2
                      AND f.ticket_id = l.ticket_id AND f.subject = l.next_action_due)";
/// Tickets shipped on or before `?1` whose drawings have not been sent, unless deadline `?2`
/// fired for that day; imported tickets are history.
const SELECT_DRAWINGS_DUE: &str = "SELECT * FROM ledger l
    WHERE shipped_on IS NOT NULL AND shipped_on <= ?1
      AND drawings_sent_at IS NULL AND imported = 0
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?2
                      AND f.ticket_id = l.ticket_id AND f.subject = l.shipped_on)";

/// Major complaints neither closed nor imported whose deadline `?1` has not fired.
const SELECT_OPEN_MAJOR: &str = "SELECT * FROM ledger l
    WHERE major = 1 AND status <> 'closed' AND imported = 0
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = ?1
                      AND f.ticket_id = l.ticket_id)";
/// Closed complaints, not imported, of customers without a return visit planned on or after
/// `?1` or done at or after `?2`, by customer and newest first, at most `?3`.
const SELECT_PERIODIC: &str = "SELECT * FROM ledger l
    WHERE status = 'closed' AND complaint = 1 AND imported = 0
      AND NOT EXISTS (SELECT 1 FROM return_visits v WHERE v.customer_name = l.customer_name
                      AND (v.planned_for >= ?1 OR v.done_at >= ?2))
    ORDER BY customer_name, registered_at DESC NULLS LAST, ticket_id LIMIT ?3";

/// Marks a deadline fired, unless it fired already; its event is noted once written.
const INSERT_FIRED_DEADLINE: &str = "INSERT OR IGNORE INTO fired_deadlines
    (deadline, ticket_id, subject, fired_at, event_id) VALUES (?1, ?2, ?3, ?4, 0)";
const SET_FIRED_DEADLINE_EVENT: &str = "UPDATE fired_deadlines SET event_id = ?4
    WHERE deadline = ?1 AND ticket_id = ?2 AND subject = ?3";

/// Marks the deadline `key` of `ticket_id` fired at `at`; `false` when it had fired already.
pub(super) fn mark_fired(
    tx: &Transaction<'_>,
    key: &DeadlineKey,
    ticket_id: &TicketId,
    at: Timestamp,
) -> Result<bool> {
    let marked = tx.prepare_cached(INSERT_FIRED_DEADLINE)?.execute(params![
        key.deadline.as_str(),
        ticket_id.as_str(),
        key.subject,
        at.millis()
    ])?;
    Ok(marked > 0)
}

/// Notes `event_id` as the event of the fired deadline `key` of `ticket_id`.
pub(super) fn note_event(
    tx: &Transaction<'_>,
    key: &DeadlineKey,
    ticket_id: &TicketId,
    event_id: i64,
) -> Result<()> {
    tx.prepare_cached(SET_FIRED_DEADLINE_EVENT)?
        .execute(params![
            key.deadline.as_str(),
            ticket_id.as_str(),
            key.subject,
            event_id
        ])?;
    Ok(())
}

impl Deadlines for SqliteStorage {
    fn late_handoffs(&self, now: Timestamp, limit_ms: i64) -> Result<Vec<LedgerRow>> {
        let mut rows = self.read(|c| {
            let args = params![now.millis(), limit_ms, Deadline::Handoff.as_str()];
            ledger_row::select(c, SELECT_LATE_HANDOFFS, args)
        })?;
        // Late on both clocks: once.
        let mut seen = std::collections::BTreeSet::new();
        rows.retain(|row| seen.insert(row.ticket_id.clone()));
        Ok(rows)
    }

    fn days_due(&self, deadline: Deadline, by: Date) -> Result<Vec<LedgerRow>> {
        let sql = match deadline {
            Deadline::Handoff | Deadline::MajorReview => return Ok(Vec::new()),
            Deadline::ReturnVisitDue | Deadline::ReturnVisitOverdue => SELECT_RETURN_VISITS_DUE,
            Deadline::CorrectiveAction => SELECT_ACTIONS_DUE,
            Deadline::DrawingDelivery => SELECT_DRAWINGS_DUE,
        };
        self.read(|c| ledger_row::select(c, sql, params![by.to_string(), deadline.as_str()]))
    }

    fn open_major_complaints(&self) -> Result<Vec<LedgerRow>> {
        let args = params![Deadline::MajorReview.as_str()];
        self.read(|c| ledger_row::select(c, SELECT_OPEN_MAJOR, args))
    }

    fn periodic_visit_candidates(
        &self,
        since: Date,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<LedgerRow>> {
        let args = params![since.to_string(), since_ms, limit];
        self.read(|c| ledger_row::select(c, SELECT_PERIODIC, args))
    }
}
