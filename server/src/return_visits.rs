//! The return visits (回访) of every ticket, projected from the documents like the ledger, for
//! supervisors to see which are due, overdue and done, by person and by department.

use fieldledger_core::status::Status;
use fieldledger_core::ticket::followup::{ContactMethod, Outcome, ReturnVisit};
use fieldledger_core::{Date, Role, TicketId, TicketView, Timestamp, UserId, policy};
use serde::{Deserialize, Serialize};

use crate::system_user::system_author;

/// Whether the server plans the first return visits of the ticket `view` (which was `was`,
/// `None` when new to the server) now: it is a confirmed complaint, resolved or closed,
/// whatever way it got there, and has none planned by the server yet, so that each ticket gets
/// them once. A ticket imported already resolved or closed had its return visits where it was
/// kept.
pub fn first_visits_due(was: Option<&TicketView>, view: &TicketView) -> bool {
    let system = system_author().user;
    let done = |v: &TicketView| matches!(Status::of(v), Status::Resolved | Status::Closed);
    let arrived_done = view.meta.imported_from.is_some() && was.is_none_or(done);
    view.intake.confirmed_complaint_at().is_some()
        && done(view)
        && !arrived_done
        && !view.followups.iter().any(|f| f.planned_by == system)
}

/// The return visits whose outcome the change from `was` to `view` recorded, with it; none
/// for a ticket imported with them (history).
pub fn new_outcomes<'a>(
    was: Option<&TicketView>,
    view: &'a TicketView,
) -> impl Iterator<Item = (&'a ReturnVisit, &'a Outcome)> {
    let history = was.is_none() && view.meta.imported_from.is_some();
    view.followups
        .iter()
        .filter(move |_| !history)
        .filter_map(|f| f.outcome.as_ref().map(|o| (f, o)))
        .filter(move |(f, _)| {
            !was.is_some_and(|w| {
                w.followups
                    .iter()
                    .any(|e| e.id == f.id && e.outcome.is_some())
            })
        })
}

/// Who the server's return visits of ticket `view` go to: the first of the person who
/// confirmed the complaint, the configured `default_owner` and the registrant whose role
/// (`role_of`, `None` for an unknown user) may record return visits; `None` when none may,
/// and the visit then stays with the server's own user for a supervisor to hand out. Never the
/// server's own user, never a role that may not record them.
pub fn owner(
    view: &TicketView,
    default_owner: Option<&UserId>,
    mut role_of: impl FnMut(&UserId) -> Result<Option<Role>, crate::error::Error>,
) -> Result<Option<UserId>, crate::error::Error> {
    let system = system_author().user;
    let candidates = [
        view.intake.confirmed_by.as_ref(),
        default_owner,
        view.intake.registered_by.as_ref(),
    ];
    for user in candidates.into_iter().flatten() {
        if *user == system {
            continue;
        }
        let may = role_of(user)?
            .is_some_and(|role| policy::check_action(role, "record_return_visit").is_ok());
        if may {
            return Ok(Some(user.clone()));
        }
    }
    Ok(None)
}

/// One return visit as the office lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnVisitRow {
    /// The return visit's entry id.
    pub visit_id: String,
    /// Its ticket.
    pub ticket_id: TicketId,
    /// The ticket's ledger number.
    pub ledger_number: Option<String>,
    /// The customer.
    pub customer_name: String,
    /// The day it is planned for.
    pub planned_for: Date,
    /// How it is to be done.
    pub method: ContactMethod,
    /// Who is to do it.
    pub assignee: UserId,
    /// When it was done (device time).
    pub done_at: Option<Timestamp>,
    /// Who did it.
    pub done_by: Option<UserId>,
    /// Satisfaction 1 to 5, once done.
    pub satisfaction: Option<u8>,
    /// Whether the customer considered the problem resolved, once done.
    pub resolved: Option<bool>,
}

impl ReturnVisitRow {
    /// The return visits of ticket `id` as `view` records them.
    pub fn project(id: &TicketId, view: &TicketView) -> Vec<ReturnVisitRow> {
        view.followups
            .iter()
            .map(|f| ReturnVisitRow {
                visit_id: f.id.to_string(),
                ticket_id: id.clone(),
                ledger_number: view.meta.ledger_number.clone(),
                customer_name: view.intake.registration.customer_name.clone(),
                planned_for: f.planned_for,
                method: f.method,
                assignee: f.responsible().clone(),
                done_at: f.outcome.as_ref().map(|o| o.done_at),
                done_by: f.outcome.as_ref().map(|o| o.done_by.clone()),
                satisfaction: f.outcome.as_ref().map(|o| o.satisfaction),
                resolved: f.outcome.as_ref().map(|o| o.resolved),
            })
            .collect()
    }
}

/// Where a return visit stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    /// Not done; its day has not come.
    Planned,
    /// Not done; its day has come and the grace days have not passed.
    Due,
    /// Not done after its day and the grace days.
    Overdue,
    /// Done.
    Done,
}

/// A filter on return visits as the API takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct VisitQuery {
    /// Only visits in this state.
    pub state: Option<VisitState>,
    /// Only visits assigned to this person.
    pub assignee: Option<UserId>,
    /// Only visits assigned to people of this department (role).
    pub department: Option<Role>,
}

/// The days that decide the states on a given day: a visit not done is due when planned on or
/// before `today`, and overdue when planned on or before `overdue_upto`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VisitDays {
    /// Today, in the department's time zone.
    pub today: Date,
    /// The latest planned day whose visit, not done, is overdue today.
    pub overdue_upto: Date,
}
