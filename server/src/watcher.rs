//! The deadline watcher: at the workflow's pace it asks the storage which deadlines have fallen
//! due or been missed, and hands their events to be stored and published. What each deadline is
//! and how it is judged are the rules of [`crate::deadlines`]; this file only looks and tells.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use fieldledger_core::{Clock, Timestamp};

use crate::deadlines::{Deadline, DeadlineKey, Workflow};
use crate::error::Error;
use crate::events::detail::{DeadlineMissed, ReturnVisitDue, ReturnVisitOverdue};
use crate::events::{EventDetail, NewEvent};
use crate::ledger::LedgerRow;
use crate::storage::Storage;
use crate::tenure::{RENEWAL, Tenure};

impl Workflow {
    /// The events of the deadlines that have fallen due or been missed at `now` and have not
    /// fired yet.
    pub fn scan(&self, storage: &dyn Storage, now: Timestamp) -> Result<Vec<NewEvent>, Error> {
        let mut events = Vec::new();
        let event = |row: &LedgerRow, deadline, subject: String, detail| NewEvent {
            ticket_id: row.ticket_id.clone(),
            at: now,
            detail,
            deadline: Some(DeadlineKey { deadline, subject }),
        };
        for row in storage.late_handoffs(now, self.handoff_ms())? {
            let judged = self.handoff(&row, now);
            let detail = DeadlineMissed::Handoff {
                device: judged.device,
                ledger_number: row.ledger_number.clone(),
                receipt: judged.receipt,
            };
            events.push(event(
                &row,
                Deadline::Handoff,
                String::new(),
                EventDetail::DeadlineMissed(detail),
            ));
        }
        let today = self.calendar.day_of(now);
        for row in storage.days_due(Deadline::ReturnVisitDue, today)? {
            let Some(day) = row.next_return_visit else {
                continue;
            };
            let detail = ReturnVisitDue {
                customer: row.customer_name.clone(),
                ledger_number: row.ledger_number.clone(),
                planned_for: day,
            };
            events.push(event(
                &row,
                Deadline::ReturnVisitDue,
                day.to_string(),
                EventDetail::ReturnVisitDue(detail),
            ));
        }
        let overdue_upto = self.visit_days(now).overdue_upto;
        for row in storage.days_due(Deadline::ReturnVisitOverdue, overdue_upto)? {
            let Some(day) = row.next_return_visit else {
                continue;
            };
            let limit = self.return_visit_limit(day);
            let detail = ReturnVisitOverdue {
                customer: row.customer_name.clone(),
                due_by: limit,
                ledger_number: row.ledger_number.clone(),
                planned_for: day,
            };
            events.push(event(
                &row,
                Deadline::ReturnVisitOverdue,
                day.to_string(),
                EventDetail::ReturnVisitOverdue(detail),
            ));
        }
        for row in storage.days_due(Deadline::CorrectiveAction, today)? {
            let Some(day) = row.next_action_due.filter(|d| *d < today) else {
                continue;
            };
            let detail = DeadlineMissed::CorrectiveAction {
                due: day,
                ledger_number: row.ledger_number.clone(),
            };
            events.push(event(
                &row,
                Deadline::CorrectiveAction,
                day.to_string(),
                EventDetail::DeadlineMissed(detail),
            ));
        }
        let shipped_upto = self.past_limit_upto(today, self.drawings_working_days);
        for row in storage.days_due(Deadline::DrawingDelivery, shipped_upto)? {
            let Some(day) = row.shipped_on else {
                continue;
            };
            let due = self
                .calendar
                .add_working_days(day, self.drawings_working_days);
            let detail = DeadlineMissed::DrawingDelivery {
                due,
                ledger_number: row.ledger_number.clone(),
                shipped_on: day,
            };
            events.push(event(
                &row,
                Deadline::DrawingDelivery,
                day.to_string(),
                EventDetail::DeadlineMissed(detail),
            ));
        }
        Ok(events)
    }
}

/// The thread that looks for deadlines at the workflow's pace; it stops when this is dropped.
#[derive(Debug)]
pub struct Watcher {
    stop: Arc<AtomicBool>,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Watcher {
    /// Starts watching the ledger in `storage`, handing the events of the deadlines it finds to
    /// `emit` (the engine's [`crate::engine::Engine::emit`], which stores and publishes them).
    /// It watches while this server holds `tenure`'s lease, so that of several servers on one
    /// database one watches; a deadline's event is written once whoever finds it.
    pub fn start(
        storage: Arc<dyn Storage>,
        emit: impl Fn(Vec<NewEvent>) -> Result<(), Error> + Send + 'static,
        clock: Arc<dyn Clock>,
        workflow: Workflow,
        tenure: Arc<Tenure>,
    ) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let run = move || {
            let mut next_scan = Instant::now();
            while !stopped.load(Ordering::SeqCst) {
                if tenure.renew(storage.as_ref(), clock.as_ref()) && Instant::now() >= next_scan {
                    next_scan = Instant::now() + workflow.pace;
                    match workflow.scan(storage.as_ref(), clock.now()) {
                        Ok(events) if events.is_empty() => {}
                        Ok(events) => {
                            if let Err(e) = emit(events) {
                                tracing::error!(error = %e, "deadline events not written");
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "deadlines not scanned"),
                    }
                }
                std::thread::sleep(workflow.pace.min(RENEWAL));
            }
            tenure.release(storage.as_ref());
        };
        if let Err(e) = std::thread::Builder::new()
            .name("fieldledger-deadlines".into())
            .spawn(run)
        {
            tracing::error!("cannot start the deadline watcher: {e}");
        }
        Watcher { stop }
    }
}
