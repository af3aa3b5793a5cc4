//! Due deadlines on PostgreSQL, found through the ledger's indexes, and the deadlines whose
//! event has been written, so that each fires once, whichever server's watcher finds it.

use fieldledger_core::{Date, TicketId, Timestamp};
use postgres::Transaction;

use super::{PostgresStorage, ledger_row};
use crate::deadlines::{Deadline, DeadlineKey};
use crate::ledger::LedgerRow;
use crate::storage::{Deadlines, Result};

/// Confirmed complaints whose first hand-off is late by more than `$2` ms after the desk's
/// confirmation, or not received `$2` ms after the server received that confirmation, at
/// `$1`, and whose hand-off deadline (`$3`) has not fired: not
/// handed off yet, handed off late as the server received it, or late as the device recorded
/// it, each through its own index. Imported tickets are history and are not judged. A ticket
/// late on both clocks is found once (`UNION`: its rows are the same).
const SELECT_LATE_HANDOFFS: &str = "SELECT * FROM ledger l
    WHERE handed_off_received_at IS NULL AND NOT imported AND confirmed_received_at IS NOT NULL
      AND confirmed_received_at <= $1::bigint - $2::bigint
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $3
                      AND f.ticket_id = l.ticket_id AND f.subject = '')
    UNION
    SELECT * FROM ledger l
    WHERE NOT imported AND confirmed_received_at IS NOT NULL
      AND handed_off_received_at - confirmed_received_at > $2::bigint
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $3
                      AND f.ticket_id = l.ticket_id AND f.subject = '')
    UNION
    SELECT * FROM ledger l
    WHERE NOT imported AND confirmed_at IS NOT NULL
      AND handed_off_at - confirmed_at > $2::bigint
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $3
                      AND f.ticket_id = l.ticket_id AND f.subject = '')";

/// Tickets whose next return visit is on or before `$1`, unless deadline `$2` fired for it.
const SELECT_RETURN_VISITS_DUE: &str = "SELECT * FROM ledger l
    WHERE next_return_visit IS NOT NULL AND next_return_visit <= $1
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $2
                      AND f.ticket_id = l.ticket_id AND f.subject = l.next_return_visit)";
/// Tickets whose earliest open action is due on or before `$1`, unless deadline `$2` fired for
/// that day.
const SELECT_ACTIONS_DUE: &str = "SELECT * FROM ledger l
    WHERE next_action_due IS NOT NULL AND next_action_due <= $1
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $2
                      AND f.ticket_id = l.ticket_id AND f.subject = l.next_action_due)";
/// Tickets shipped on or before `$1` whose drawings have not been sent, unless deadline `$2`
/// fired for that day; imported tickets are history.
const SELECT_DRAWINGS_DUE: &str = "SELECT * FROM ledger l
    WHERE shipped_on IS NOT NULL AND shipped_on <= $1
      AND drawings_sent_at IS NULL AND NOT imported
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $2
                      AND f.ticket_id = l.ticket_id AND f.subject = l.shipped_on)";

/// Major complaints neither closed nor imported whose deadline `$1` has not fired.
const SELECT_OPEN_MAJOR: &str = "SELECT * FROM ledger l
    WHERE major AND status <> 'closed' AND NOT imported
      AND NOT EXISTS (SELECT 1 FROM fired_deadlines f WHERE f.deadline = $1
                      AND f.ticket_id = l.ticket_id)";
/// Closed complaints, not imported, of customers without a return visit planned on or after
/// `$1` or done at or after `$2`, by customer and newest first, at most `$3`.
const SELECT_PERIODIC: &str = "SELECT * FROM ledger l
    WHERE status = 'closed' AND complaint AND NOT imported
      AND NOT EXISTS (SELECT 1 FROM return_visits v WHERE v.customer_name = l.customer_name
                      AND (v.planned_for >= $1 OR v.done_at >= $2::bigint))
    ORDER BY customer_name COLLATE \"C\", registered_at DESC NULLS LAST, ticket_id COLLATE \"C\"
    LIMIT $3::bigint";

/// Marks a deadline fired, unless it fired already (on this server or another); its event is
/// noted once written.
const INSERT_FIRED_DEADLINE: &str = "INSERT INTO fired_deadlines
    (deadline, ticket_id, subject, fired_at, event_id) VALUES ($1, $2, $3, $4, 0)
    ON CONFLICT DO NOTHING";
const SET_FIRED_DEADLINE_EVENT: &str = "UPDATE fired_deadlines SET event_id = $4
    WHERE deadline = $1 AND ticket_id = $2 AND subject = $3";

/// Marks the deadline `key` of `ticket_id` fired at `at`; `false` when it had fired already.
pub(super) fn mark_fired(
    tx: &mut Transaction<'_>,
    key: &DeadlineKey,
    ticket_id: &TicketId,
    at: Timestamp,
) -> Result<bool> {
    let marked = tx.execute(
        INSERT_FIRED_DEADLINE,
        &[
            &key.deadline.as_str(),
            &ticket_id.as_str(),
            &key.subject,
            &at.millis(),
        ],
    )?;
    Ok(marked > 0)
}

/// Notes `event_id` as the event of the fired deadline `key` of `ticket_id`.
pub(super) fn note_event(
    tx: &mut Transaction<'_>,
    key: &DeadlineKey,
    ticket_id: &TicketId,
    event_id: i64,
) -> Result<()> {
    tx.execute(
        SET_FIRED_DEADLINE_EVENT,
        &[
            &key.deadline.as_str(),
            &ticket_id.as_str(),
            &key.subject,
            &event_id,
        ],
    )?;
    Ok(())
}

impl Deadlines for PostgresStorage {
    fn late_handoffs(&self, now: Timestamp, limit_ms: i64) -> Result<Vec<LedgerRow>> {
        let deadline = Deadline::Handoff.as_str();
        let args: [&(dyn postgres::types::ToSql + Sync); 3] = [&now.millis(), &limit_ms, &deadline];
        self.read(|c| ledger_row::select(c, SELECT_LATE_HANDOFFS, &args))
    }

    fn days_due(&self, deadline: Deadline, by: Date) -> Result<Vec<LedgerRow>> {
        let sql = match deadline {
            Deadline::Handoff | Deadline::MajorReview => return Ok(Vec::new()),
            Deadline::ReturnVisitDue | Deadline::ReturnVisitOverdue => SELECT_RETURN_VISITS_DUE,
            Deadline::CorrectiveAction => SELECT_ACTIONS_DUE,
            Deadline::DrawingDelivery => SELECT_DRAWINGS_DUE,
        };
        let (by, name) = (by.to_string(), deadline.as_str());
        self.read(|c| ledger_row::select(c, sql, &[&by, &name]))
    }

    fn open_major_complaints(&self) -> Result<Vec<LedgerRow>> {
        let name = Deadline::MajorReview.as_str();
        self.read(|c| ledger_row::select(c, SELECT_OPEN_MAJOR, &[&name]))
    }

    fn periodic_visit_candidates(
        &self,
        since: Date,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<LedgerRow>> {
        let (since, limit) = (since.to_string(), i64::from(limit));
        self.read(|c| ledger_row::select(c, SELECT_PERIODIC, &[&since, &since_ms, &limit]))
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::Timestamp;
    use fieldledger_core::status::Status;
    use fieldledger_core::ticket::followup::ContactMethod;

    use super::super::commit::tests::{Staged, batch, postgres, sqlite, user};
    use crate::return_visits::ReturnVisitRow;
    use crate::storage::{Commits, Deadlines, DocWrite};

    /// A case of the candidates: customer, status, complaint, imported, major, registered at,
    /// and its one return visit's planned day and time done.
    type Case = (
        &'static str,
        Status,
        bool,
        bool,
        bool,
        i64,
        Option<(&'static str, i64)>,
    );

    fn write(n: usize, case: &Case) -> DocWrite {
        let (customer, status, complaint, imported, major, registered, visit) = *case;
        let (_, mut write) = Staged::register(customer, 1_000, None);
        let row = &mut write.ledger;
        (row.status, row.complaint, row.imported, row.major) = (status, complaint, imported, major);
        row.registered_at = Some(Timestamp(registered));
        write.return_visits = Some(
            visit
                .map(|(day, done)| ReturnVisitRow {
                    visit_id: format!("v{n}"),
                    ticket_id: write.ticket_id.clone(),
                    ledger_number: None,
                    customer_name: customer.into(),
                    planned_for: day.parse().expect("a day"),
                    method: ContactMethod::Phone,
                    assignee: user("desk.wang"),
                    done_at: (done > 0).then_some(Timestamp(done)),
                    done_by: (done > 0).then(|| user("desk.wang")),
                    satisfaction: (done > 0).then_some(4),
                    resolved: (done > 0).then_some(true),
                })
                .into_iter()
                .collect(),
        );
        write
    }

    #[test]
    fn major_and_periodic_candidates_answer_as_sqlite_does() {
        use Status::{Closed, Dispatched};
        let since_ms = 1_769_900_000_000;
        let cases: [Case; 10] = [
            (
                "Alpha",
                Closed,
                true,
                false,
                false,
                1_000,
                Some(("2026-01-10", 0)),
            ),
            ("Alpha", Closed, true, false, false, 2_000, None),
            (
                "Beta",
                Closed,
                true,
                false,
                false,
                1_000,
                Some(("2026-03-01", 0)),
            ),
            ("Gamma", Closed, true, true, false, 1_000, None),
            ("Delta", Dispatched, true, false, true, 1_000, None),
            ("Eps", Closed, false, false, false, 1_000, None),
            (
                "Zeta",
                Closed,
                true,
                false,
                false,
                1_000,
                Some(("2026-01-10", since_ms)),
            ),
            (
                "Eta",
                Closed,
                true,
                false,
                true,
                1_000,
                Some(("2026-03-01", 0)),
            ),
            ("Theta", Dispatched, true, true, true, 1_000, None),
            ("Iota", Dispatched, false, false, true, 3_000, None),
        ];
        let writes: Vec<DocWrite> = cases.iter().enumerate().map(|(n, c)| write(n, c)).collect();
        let id = |n: usize| writes[n].ticket_id.clone();
        let expected_periodic = [id(1), id(0)];
        let expected_major = [id(4), id(9)];
        let (pg, (_dir, lite)) = (postgres(), sqlite());
        let batches = [batch(writes.clone())];
        pg.commit(&batches, Timestamp(10))
            .expect("a commit on PostgreSQL");
        lite.commit(&batches, Timestamp(10))
            .expect("a commit on SQLite");
        let both = [&pg as &dyn Deadlines, &lite];
        let since = "2026-02-01".parse().expect("a day");
        let [on_pg, on_lite] = both.map(|s| {
            let rows = s
                .periodic_visit_candidates(since, since_ms, 10)
                .expect("candidates");
            rows.into_iter().map(|r| r.ticket_id).collect::<Vec<_>>()
        });
        assert_eq!(on_pg, on_lite);
        assert_eq!(on_pg, expected_periodic);
        let [on_pg, on_lite] = both.map(|s| {
            let mut rows: Vec<_> = s
                .open_major_complaints()
                .expect("major")
                .into_iter()
                .map(|r| r.ticket_id)
                .collect();
            rows.sort();
            rows
        });
        assert_eq!(on_pg, on_lite);
        let mut expected_major = expected_major.to_vec();
        expected_major.sort();
        assert_eq!(on_pg, expected_major);
        let [on_pg, on_lite] = both.map(|s| {
            s.periodic_visit_candidates(since, since_ms, 1)
                .expect("candidates")
        });
        assert_eq!(on_pg, on_lite);
        assert_eq!(on_pg.len(), 1);
    }
}
