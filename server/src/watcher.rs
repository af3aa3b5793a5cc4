//! The deadline watcher: at the workflow's pace it asks the storage which deadlines have fallen
//! due or been missed, and hands their events to be stored and published. What each deadline is
//! and how it is judged are the rules of [`crate::deadlines`]; this file only looks and tells.
//! Once a day it also plans the periodic return visits of customers (周期性回访), as the
//! server's own user.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use std::collections::BTreeSet;

use fieldledger_core::{Clock, Section, TicketId, TicketView, Timestamp};

use crate::deadlines::{Deadline, DeadlineKey, Workflow};
use crate::engine::Engine;
use crate::error::Error;
use crate::events::detail::{DeadlineMissed, MajorEscalated, ReturnVisitDue, ReturnVisitOverdue};
use crate::events::{EventDetail, NewEvent};
use crate::ledger::LedgerRow;
use crate::major::DAY_MS;
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

    /// The escalations of the major complaints in `storage` whose general manager's review is
    /// past its working days at `now` (each read through `view`), unless escalated before.
    pub fn major_escalations(
        &self,
        storage: &dyn Storage,
        now: Timestamp,
        view: impl Fn(&TicketId) -> Result<TicketView, Error>,
    ) -> Result<Vec<NewEvent>, Error> {
        let today = self.calendar.day_of(now);
        let mut events = Vec::new();
        for row in storage.open_major_complaints()? {
            let view = view(&row.ticket_id)?;
            let Some(since) = view.intake.major_since() else {
                continue;
            };
            let major_since = self.calendar.day_of(since);
            let due = self
                .calendar
                .add_working_days(major_since, self.major.escalation_working_days);
            if view.quality.manager_review.is_some() || today <= due {
                continue;
            }
            events.push(NewEvent {
                ticket_id: row.ticket_id.clone(),
                at: now,
                detail: EventDetail::MajorEscalated(MajorEscalated {
                    customer: row.customer_name.clone(),
                    due,
                    ledger_number: row.ledger_number.clone(),
                    major_since,
                }),
                deadline: Some(DeadlineKey {
                    deadline: Deadline::MajorReview,
                    subject: major_since.to_string(),
                }),
            });
        }
        Ok(events)
    }

    /// Plans, through `engine`, one return visit for each customer whose last return visit
    /// (planned or done) is more than the periodic days before `now`, on their most recently
    /// registered closed and confirmed complaint, the next working day; returns how many.
    pub fn plan_periodic_visits(&self, engine: &Engine, now: Timestamp) -> Result<usize, Error> {
        let days = self.return_visits.periodic_days;
        if days == 0 {
            return Ok(0);
        }
        let since_ms = now.millis().saturating_sub(i64::from(days) * DAY_MS);
        let since = self.calendar.day_of(Timestamp(since_ms));
        let day = self.calendar.add_working_days(self.calendar.day_of(now), 1);
        let candidates =
            engine
                .storage()
                .periodic_visit_candidates(since, since_ms, PERIODIC_BATCH)?;
        let mut visited = BTreeSet::new();
        for row in candidates {
            if visited.contains(&row.customer_name) {
                continue;
            }
            let view = engine.read(&row.ticket_id, |t| t.view_sections(&[Section::Intake]))??;
            if view.intake.confirmed_complaint_at().is_none() {
                continue;
            }
            engine.plan_as_system(&row.ticket_id, day)?;
            visited.insert(row.customer_name);
        }
        Ok(visited.len())
    }
}

/// Candidate tickets read per periodic planning; customers left out are planned the next day.
const PERIODIC_BATCH: u32 = 500;

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
    /// Starts watching the ledger of `engine`, handing the events of the deadlines it finds to
    /// [`Engine::emit`], which stores and publishes them, and planning periodic return visits
    /// once a day. It watches while this server holds `tenure`'s lease, so that of several
    /// servers on one database one watches; a deadline's event is written once whoever finds
    /// it.
    pub fn start(
        engine: Arc<Engine>,
        clock: Arc<dyn Clock>,
        workflow: Workflow,
        tenure: Arc<Tenure>,
    ) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let storage = engine.storage().clone();
        let run = move || {
            let mut next_scan = Instant::now();
            let mut planned_on = None;
            while !stopped.load(Ordering::SeqCst) {
                if tenure.renew(storage.as_ref(), clock.as_ref()) && Instant::now() >= next_scan {
                    next_scan = Instant::now() + workflow.pace;
                    let now = clock.now();
                    let read = |id: &TicketId| {
                        let sections = [Section::Intake, Section::Quality];
                        engine
                            .read(id, |t| t.view_sections(&sections))?
                            .map_err(Error::from)
                    };
                    let found = workflow.scan(storage.as_ref(), now).and_then(|mut events| {
                        events.extend(workflow.major_escalations(storage.as_ref(), now, read)?);
                        Ok(events)
                    });
                    match found {
                        Ok(events) if events.is_empty() => {}
                        Ok(events) => {
                            if let Err(e) = engine.emit(events) {
                                tracing::error!(error = %e, "deadline events not written");
                            }
                        }
                        Err(e) => tracing::error!(error = %e, "deadlines not scanned"),
                    }
                    let today = workflow.calendar.day_of(now);
                    if planned_on != Some(today) {
                        match workflow.plan_periodic_visits(&engine, now) {
                            Ok(planned) => {
                                planned_on = Some(today);
                                if planned > 0 {
                                    tracing::info!(planned, "periodic return visits planned");
                                }
                            }
                            Err(e) => tracing::error!(error = %e, "periodic visits not planned"),
                        }
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
