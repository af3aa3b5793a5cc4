//! The return visits (回访) of every ticket, projected from the documents like the ledger, for
//! supervisors to see which are due, overdue and done, by person and by department.

use fieldledger_core::ticket::followup::ContactMethod;
use fieldledger_core::{Date, Role, TicketId, TicketView, Timestamp, UserId};
use serde::{Deserialize, Serialize};

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
