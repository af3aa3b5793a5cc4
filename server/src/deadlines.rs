//! Deadlines of the service flow (the 30-minute hand-off after registration, the drawings within
//! 3 working days after shipment, return visits due and overdue, corrective actions due), each
//! judged on the device's clock and on the server's receipt time. The watcher that finds them
//! as they fall due and as they are missed is [`crate::watcher`].
//!
//! Each deadline fires its event once: the outbox write records the deadline in
//! `fired_deadlines` in the same transaction, and a deadline already recorded writes nothing,
//! so a restarted server neither repeats nor loses one.

use std::time::Duration;

use fieldledger_core::status::Status;
use fieldledger_core::ticket::quality::ActionStatus;
use fieldledger_core::{Date, TicketView, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use strum::IntoStaticStr;

use crate::calendar::Calendar;
use crate::ledger::{Lateness, LedgerRow, first_handoff};
use crate::major::MajorRule;
use crate::return_visits::VisitDays;
use crate::ticket_detail::HistoryLine;

/// The deadlines and calendar of the service department, and how often the watcher looks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Workflow {
    /// The working-day calendar.
    pub calendar: Calendar,
    /// Time from the desk's confirmation of a complaint to its first hand-off (the regulation:
    /// 30 minutes).
    pub handoff: Duration,
    /// Working days after its planned day before a return visit not done is overdue.
    pub return_visit_grace_days: u32,
    /// How often the watcher looks for deadlines.
    pub pace: Duration,
    /// The rule by which return visits are planned when a ticket is resolved.
    pub return_visits: ReturnVisitRule,
    /// Working days after shipment by which the drawings are sent (the regulation: 3).
    pub drawings_working_days: u32,
    /// The criteria of major complaints and the escalation of their review.
    pub major: MajorRule,
}

/// How the server plans return visits when a confirmed complaint is first resolved or closed:
/// one a few working days later, and for a major complaint more at a regular interval after
/// that; the next one after an unsatisfied visit; and the periodic visits of each customer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnVisitRule {
    /// Working days from resolution to the first return visit.
    pub first_after_working_days: u32,
    /// Further return visits of a major complaint.
    pub major_repeats: u32,
    /// Working days between two return visits of a major complaint.
    pub major_every_working_days: u32,
    /// Who the planned visits go to when the person who confirmed the complaint may not
    /// record return visits (see [`crate::return_visits::owner`]).
    pub owner: Option<UserId>,
    /// Working days from an unsatisfied return visit to the next one.
    pub reopened_after_working_days: u32,
    /// A satisfaction at or below this raises `low_satisfaction`.
    pub low_satisfaction: u8,
    /// Days after a customer's last return visit before the next periodic one; 0 plans none.
    pub periodic_days: u32,
}

impl Default for ReturnVisitRule {
    fn default() -> Self {
        Self {
            first_after_working_days: 5,
            major_repeats: 2,
            major_every_working_days: 20,
            owner: None,
            reopened_after_working_days: 5,
            low_satisfaction: 2,
            periodic_days: 90,
        }
    }
}

impl Workflow {
    /// The days of the return visits of a ticket resolved on `resolved_on`.
    pub fn return_visit_days(&self, resolved_on: Date, major: bool) -> Vec<Date> {
        let rule = &self.return_visits;
        let first = self
            .calendar
            .add_working_days(resolved_on, rule.first_after_working_days);
        let repeats = if major { rule.major_repeats } else { 0 };
        std::iter::successors(Some(first), |day| {
            Some(
                self.calendar
                    .add_working_days(*day, rule.major_every_working_days),
            )
        })
        .take(1 + repeats as usize)
        .collect()
    }
}

impl Default for Workflow {
    fn default() -> Self {
        Self {
            calendar: Calendar::default(),
            handoff: Duration::from_secs(30 * 60),
            return_visit_grace_days: 2,
            pace: Duration::from_secs(30),
            return_visits: ReturnVisitRule::default(),
            drawings_working_days: 3,
            major: MajorRule::default(),
        }
    }
}

/// A kind of deadline; its names are serde's and strum's, the same snake case of the variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Deadline {
    /// The form is handed off within the limit after registration.
    Handoff,
    /// A return visit's planned day has come.
    ReturnVisitDue,
    /// A return visit is not done by its planned day and the grace days.
    ReturnVisitOverdue,
    /// A corrective or preventive action is open past its due day.
    CorrectiveAction,
    /// The drawings are sent within the working days after shipment.
    DrawingDelivery,
    /// The general manager reviews a major complaint within the working days after it was
    /// judged major.
    MajorReview,
}

impl Deadline {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

/// What makes a deadline's event unique: the deadline, and the day it concerns (empty for the
/// hand-off). The ticket is the event's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineKey {
    /// The deadline.
    pub deadline: Deadline,
    /// The day it concerns, or empty.
    pub subject: String,
}

/// Where a deadline stands on one clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not met, not yet due.
    Pending,
    /// Met in time.
    Met,
    /// Missed: met late, or not met and past due.
    Missed,
}

/// A deadline on one clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnClock {
    /// When it falls due.
    pub due_at: Timestamp,
    /// When it was met, if it was and the clock tells.
    pub met_at: Option<Timestamp>,
    /// The judgement.
    pub state: State,
}

impl OnClock {
    /// Judges a deadline due at `due_at`, met at `met_at`, at server time `now`.
    pub fn judge(due_at: Timestamp, met_at: Option<Timestamp>, now: Timestamp) -> OnClock {
        let state = match met_at {
            Some(met) if met <= due_at => State::Met,
            Some(_) => State::Missed,
            None if now > due_at => State::Missed,
            None => State::Pending,
        };
        OnClock {
            due_at,
            met_at,
            state,
        }
    }
}

/// One deadline of a ticket, judged on the device's clock and on the server's receipt time.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Judgement {
    /// The deadline.
    pub deadline: Deadline,
    /// The return visit or action it concerns, if any.
    pub entry: Option<String>,
    /// Judged on the times the devices recorded.
    pub device: Option<OnClock>,
    /// Judged on when the server received the changes.
    pub receipt: Option<OnClock>,
}

impl Workflow {
    /// The hand-off limit in milliseconds.
    pub fn handoff_ms(&self) -> i64 {
        i64::try_from(self.handoff.as_millis()).unwrap_or(i64::MAX)
    }

    /// The last day a return visit planned for `planned_for` may be done on.
    pub(crate) fn return_visit_limit(&self, planned_for: Date) -> Date {
        self.calendar
            .add_working_days(planned_for, self.return_visit_grace_days)
    }

    /// The latest day whose limit, `working_days` after it, was before `today`: every day up
    /// to it is past its limit. The limit grows with the day, so this is the first day back
    /// from yesterday whose limit has passed.
    pub(crate) fn past_limit_upto(&self, today: Date, working_days: u32) -> Date {
        let mut day = self.calendar.previous_day(today);
        while self.calendar.add_working_days(day, working_days) >= today {
            day = self.calendar.previous_day(day);
        }
        day
    }

    /// The days that decide the states of return visits at `now`.
    pub fn visit_days(&self, now: Timestamp) -> VisitDays {
        let today = self.calendar.day_of(now);
        VisitDays {
            today,
            overdue_upto: self.past_limit_upto(today, self.return_visit_grace_days),
        }
    }

    /// What makes an open ticket overdue at `now` ([`Lateness`]).
    pub fn lateness(&self, now: Timestamp) -> Lateness {
        let days = self.visit_days(now);
        Lateness {
            today: days.today,
            visits_overdue_upto: days.overdue_upto,
            confirmed_before: Timestamp(now.millis().saturating_sub(self.handoff_ms())),
        }
    }

    /// The hand-off deadline of a ledger row on both clocks: from the desk's confirmation that
    /// the ticket is a complaint to its first hand-off or travel task order. A ticket that is no
    /// confirmed complaint has none on either clock.
    pub(crate) fn handoff(&self, row: &LedgerRow, now: Timestamp) -> Judgement {
        let limit = self.handoff_ms();
        let judge = |from: Timestamp, met: Option<Timestamp>| {
            OnClock::judge(Timestamp(from.millis() + limit), met, now)
        };
        Judgement {
            deadline: Deadline::Handoff,
            entry: None,
            device: row.confirmed_at.map(|at| judge(at, row.handed_off_at)),
            receipt: row
                .confirmed_received_at
                .map(|at| judge(at, row.handed_off_received_at)),
        }
    }

    /// Every deadline of ticket `view`, whose ledger row is `row` and whose changes are
    /// `history`, at server time `now`.
    pub fn judge(
        &self,
        view: &TicketView,
        row: &LedgerRow,
        history: &[HistoryLine],
        now: Timestamp,
    ) -> Vec<Judgement> {
        // When the server received the change that made `action` at device time `at`: the
        // moment the office learnt that a deadline was met.
        let received = |action: &str, at: Timestamp| {
            history
                .iter()
                .find(|h| {
                    h.entry.recorded_at == at
                        && h.entry.note.as_ref().is_some_and(|n| n.action == action)
                })
                .and_then(|h| h.received_at)
        };
        let mut judged = Vec::new();
        if let Some(confirmed) = view.intake.confirmed_complaint_at() {
            judged.push(Judgement {
                device: Some(OnClock::judge(
                    Timestamp(confirmed.millis() + self.handoff_ms()),
                    first_handoff(view),
                    now,
                )),
                ..self.handoff(row, now)
            });
        }
        if let Some(shipped_on) = view.delivery.shipped_on {
            let due_at = self.calendar.end_of(
                self.calendar
                    .add_working_days(shipped_on, self.drawings_working_days),
            );
            let sent_at = view.delivery.drawings_sent_at;
            judged.push(Judgement {
                deadline: Deadline::DrawingDelivery,
                entry: None,
                device: Some(OnClock::judge(due_at, sent_at, now)),
                receipt: Some(OnClock::judge(
                    due_at,
                    sent_at.and_then(|at| received("send_drawings", at)),
                    now,
                )),
            });
        }
        judged.extend(view.followups.iter().map(|f| {
            let due_at = self.calendar.end_of(self.return_visit_limit(f.planned_for));
            let done_at = f.outcome.as_ref().map(|o| o.done_at);
            Judgement {
                deadline: Deadline::ReturnVisitOverdue,
                entry: Some(f.id.to_string()),
                device: Some(OnClock::judge(due_at, done_at, now)),
                receipt: Some(OnClock::judge(
                    due_at,
                    done_at.and_then(|at| received("record_return_visit", at)),
                    now,
                )),
            }
        }));
        judged.extend(view.quality.actions.iter().map(|a| {
            let due_at = self.calendar.end_of(a.due);
            // A cancelled action is no longer owed.
            let on = |met_at: Option<Timestamp>| match a.status {
                ActionStatus::Cancelled => OnClock {
                    due_at,
                    met_at,
                    state: State::Met,
                },
                _ => OnClock::judge(due_at, met_at, now),
            };
            Judgement {
                deadline: Deadline::CorrectiveAction,
                entry: Some(a.id.to_string()),
                device: Some(on(a.done_at)),
                receipt: Some(on(a
                    .done_at
                    .and_then(|at| received("set_action_status", at)))),
            }
        }));
        // A closed ticket's deadlines are settled: one not met by then was missed, never still
        // in progress.
        if row.status == Status::Closed {
            let clocks = judged
                .iter_mut()
                .flat_map(|j| [&mut j.device, &mut j.receipt]);
            for clock in clocks.flatten() {
                if clock.state == State::Pending {
                    clock.state = State::Missed;
                }
            }
        }
        judged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_major_complaint_gets_its_later_return_visits_in_working_days() {
        let workflow = Workflow::default();
        let thursday: Date = "2026-11-26".parse().expect("date");
        let days = |major| -> Vec<String> {
            workflow
                .return_visit_days(thursday, major)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(days(false), ["2026-12-03"]);
        assert_eq!(days(true), ["2026-12-03", "2026-12-31", "2027-01-28"]);
    }

    #[test]
    fn deadlines_are_named_as_serde_names_them() {
        for (deadline, name) in [
            (Deadline::Handoff, "handoff"),
            (Deadline::ReturnVisitDue, "return_visit_due"),
            (Deadline::ReturnVisitOverdue, "return_visit_overdue"),
            (Deadline::CorrectiveAction, "corrective_action"),
            (Deadline::DrawingDelivery, "drawing_delivery"),
            (Deadline::MajorReview, "major_review"),
        ] {
            assert_eq!(deadline.as_str(), name);
            assert_eq!(serde_json::to_value(deadline).ok(), Some(name.into()));
        }
    }
}
