//! The central complaint ledger (客户投诉信息处理台账): one row per ticket, projected from its
//! document in the same transaction that stores the document, and rebuildable from them.

use std::collections::BTreeSet;

use fieldledger_core::status::Status;
use fieldledger_core::ticket::fulfilment::{self, FulfilmentKind};
use fieldledger_core::ticket::quality::ActionStatus;
use fieldledger_core::{Date, Role, TicketId, TicketView, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::queue::{self, Waiting};

/// What the server saw of a ticket that its document does not say. A live merge knows it as it
/// happens; a rebuild reads it back from when and from whom each change was received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// When the server first received the ticket.
    pub received_at: Timestamp,
    /// Who sent it to the server first: its registrant as the server saw them, not as the
    /// document claims. They may read the ticket.
    pub created_by: Option<UserId>,
    /// When the server first received a hand-off of it (the 30-minute rule is measured on it).
    pub handed_off_received_at: Option<Timestamp>,
    /// When the server received the desk's confirmation that it is a complaint, which starts
    /// the 30-minute rule on the server's clock.
    pub confirmed_received_at: Option<Timestamp>,
    /// When the server last received a change of it: the time of the events of that change.
    pub updated_at: Timestamp,
}

/// The version of [`LedgerRow::project`]: raise it whenever a row holds more or other than
/// before, and the server rebuilds a stored ledger by the new projection as it opens.
pub const PROJECTION_VERSION: u32 = 8;

/// One line of the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerRow {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its ledger number, for example `KS-2026-000123`.
    pub ledger_number: Option<String>,
    /// Where it stands.
    pub status: Status,
    /// What kind of case (`complaint`, `installation`, …).
    pub kind: String,
    /// Judged a complaint.
    pub complaint: bool,
    /// A major complaint.
    pub major: bool,
    /// Customer name.
    pub customer_name: String,
    /// Customer contact person.
    pub contact_person: String,
    /// How to reach them.
    pub contact_method: String,
    /// Who brought the information in (`customer`, `sales_representative`).
    pub source: String,
    /// The sales representative, when one brought it in.
    pub sales_representative: Option<String>,
    /// The sales representative of the ticket as a user: they may read it, as its assignees
    /// may, while it names them.
    pub sales_rep: Option<UserId>,
    /// Product name.
    pub product_name: String,
    /// Specification and model.
    pub model: String,
    /// Factory job number.
    pub job_number: String,
    /// Contract number.
    pub contract_number: String,
    /// The complaint content.
    pub content: String,
    /// The customer's requests.
    pub requests: String,
    /// Technicians assigned by travel task orders.
    pub assignees: Vec<UserId>,
    /// Who registered it (they may read it, as its assignees may).
    pub created_by: Option<UserId>,
    /// The disposition in force, if one without conflict.
    pub disposition: Option<String>,
    /// Whether concurrent dispositions disagree.
    pub decision_conflict: bool,
    /// When it was registered (device time).
    pub registered_at: Option<Timestamp>,
    /// When the server first received it.
    pub received_at: Timestamp,
    /// When the server last changed it.
    pub updated_at: Timestamp,
    /// The sum of its costs in minor units (of all currencies; most tickets have one).
    pub cost_total_minor: i64,
    /// The next return visit not yet done.
    pub next_return_visit: Option<Date>,
    /// When the form was first passed on, by a hand-off or a travel task order (device time).
    pub handed_off_at: Option<Timestamp>,
    /// When the server received that first hand-off.
    pub handed_off_received_at: Option<Timestamp>,
    /// The earliest due day of a corrective or preventive action still open.
    pub next_action_due: Option<Date>,
    /// Corrective and preventive actions still open.
    pub open_actions: u32,
    /// The cause QA recorded (empty until then).
    pub cause: String,
    /// The responsibility ruled, once ruled.
    pub responsibility: Option<String>,
    /// The code of the cause in the office's cause code list, when QA chose one.
    pub cause_code: Option<String>,
    /// Imported from a ledger kept elsewhere: history, which raises no deadlines.
    pub imported: bool,
    /// The day the product shipped, once recorded.
    pub shipped_on: Option<Date>,
    /// When its drawings were sent (device time).
    pub drawings_sent_at: Option<Timestamp>,
    /// When the desk confirmed that it is a complaint (device time), while that stands.
    pub confirmed_at: Option<Timestamp>,
    /// When the server received that confirmation.
    pub confirmed_received_at: Option<Timestamp>,
    /// What it waits for, by department ([`crate::queue::waiting`]).
    pub waiting: Vec<Waiting>,
    /// The people its hand-offs were addressed to by name: they may read it, as its assignees
    /// may (a sales representative asked to help with the customer, say).
    pub addressed: Vec<UserId>,
    /// When it first reached resolved or closed (device time), by [`resolved_at`].
    pub resolved_at: Option<Timestamp>,
    /// The roles its hand-offs passed it to, sorted and distinct.
    pub handed_off_to: Vec<Role>,
    /// How many on-site visits it had.
    pub visits: u32,
}

/// The machine name of a unit-variant enum value (`"phone"` for `ContactMethod::Phone`).
pub(crate) fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

impl LedgerRow {
    /// The row of ticket `ticket_id`, whose document reads as `view`, as the server saw it
    /// (`received`). [`crate::projection::project`] calls it, with the rest of the projection.
    pub fn project(ticket_id: &TicketId, view: &TicketView, received: &Received) -> LedgerRow {
        let reg = &view.intake.registration;
        let status = Status::of(view);
        let confirmed_at = view.intake.confirmed_complaint_at();
        let handed_off_to: BTreeSet<Role> = view
            .dispatch
            .handoffs
            .iter()
            .flat_map(|h| h.to.iter().copied())
            .collect();
        LedgerRow {
            ticket_id: ticket_id.clone(),
            ledger_number: view.meta.ledger_number.clone(),
            status,
            kind: name(&reg.kind),
            complaint: reg.complaint,
            major: reg.major,
            customer_name: reg.customer_name.clone(),
            contact_person: reg.contact_person.clone(),
            contact_method: reg.contact_method.clone(),
            source: name(&reg.source),
            sales_representative: reg.sales_representative.clone(),
            sales_rep: reg.sales_rep.clone(),
            product_name: reg.product_name.clone(),
            model: reg.model.clone(),
            job_number: reg.job_number.clone(),
            contract_number: reg.contract_number.clone(),
            content: reg.content.clone(),
            requests: reg.requests.clone(),
            assignees: view.dispatch.assignees(),
            created_by: received.created_by.clone(),
            disposition: view.decisions.disposition().map(|d| name(&d)),
            decision_conflict: view.decisions.conflict().is_some(),
            registered_at: view.intake.registered_at,
            received_at: received.received_at,
            updated_at: received.updated_at,
            cost_total_minor: view.costs.iter().map(|c| c.amount_minor).sum(),
            next_return_visit: view
                .followups
                .iter()
                .filter(|f| f.outcome.is_none())
                .map(|f| f.planned_for)
                .min(),
            handed_off_at: first_handoff(view),
            handed_off_received_at: received.handed_off_received_at,
            next_action_due: view
                .quality
                .actions
                .iter()
                .filter(|a| a.status == ActionStatus::Open)
                .map(|a| a.due)
                .min(),
            open_actions: view
                .quality
                .actions
                .iter()
                .filter(|a| a.status == ActionStatus::Open)
                .count() as u32,
            cause: view.quality.cause.trim().to_owned(),
            responsibility: view.quality.responsibility.map(|r| name(&r)),
            cause_code: view.quality.cause_code.clone(),
            imported: view.meta.imported_from.is_some(),
            shipped_on: view.delivery.shipped_on,
            drawings_sent_at: view.delivery.drawings_sent_at,
            confirmed_at,
            confirmed_received_at: confirmed_at.and(received.confirmed_received_at),
            waiting: queue::waiting(view, status),
            addressed: {
                let mut people: Vec<UserId> = view
                    .dispatch
                    .handoffs
                    .iter()
                    .filter_map(|h| h.person.clone())
                    .collect();
                people.sort();
                people.dedup();
                people
            },
            resolved_at: resolved_at(view, status),
            handed_off_to: handed_off_to.into_iter().collect(),
            visits: u32::try_from(view.visits.len()).unwrap_or(u32::MAX),
        }
    }
}

/// When the ticket `view`, whose status is `status`, first reached resolved or closed (device
/// time): the earliest of its first sign-off, its first close, and the moment it had both a
/// disposition and a visit on record (the later of its first decision and its first arrival on
/// site); for a replacement or a return, the earlier of its first close and its unit's first
/// installation. All are entries the document keeps once written, so that every server computes the
/// same time from the same document; `None` while the status is short of resolved (a reopened
/// ticket keeps its time).
pub fn resolved_at(view: &TicketView, status: Status) -> Option<Timestamp> {
    if !matches!(status, Status::Resolved | Status::Closed | Status::Reopened) {
        return None;
    }
    let closed = view.closures.iter().map(|c| c.closed_at);
    // A replacement or a return is resolved when its unit is installed again.
    if fulfilment::track(view).is_some() {
        let installed = view
            .fulfilment
            .iter()
            .filter(|e| e.kind == FulfilmentKind::Installed)
            .map(|e| e.recorded_at);
        return closed.chain(installed).min();
    }
    let signed = view.signoffs.iter().map(|s| s.signed_at);
    let decided = view.decisions.entries.iter().map(|d| d.recorded_at).min();
    let arrived = view.visits.iter().map(|v| v.arrived_at).min();
    let decided_after_visit = decided.zip(arrived).map(|(d, a)| d.max(a));
    signed.chain(closed).chain(decided_after_visit).min()
}

/// The year and serial of a ledger number such as `KS-2026-000123`.
pub fn parse_ledger_number(number: &str) -> Option<(i32, u64)> {
    let mut parts = number.split('-');
    let (prefix, year, serial) = (parts.next()?, parts.next()?, parts.next()?);
    (prefix == "KS" && parts.next().is_none())
        .then(|| Some((year.parse().ok()?, serial.parse().ok()?)))
        .flatten()
}

/// When the registered form was first passed on to the people who must act: the first hand-off
/// or travel task order (device time).
pub fn first_handoff(view: &TicketView) -> Option<Timestamp> {
    let handoffs = view.dispatch.handoffs.iter().map(|h| h.handed_off_at);
    let orders = view.dispatch.orders.iter().map(|o| o.issued_at);
    handoffs.chain(orders).min()
}

impl LedgerRow {
    /// [`LedgerRow::handed_off_to`] as the ledger table holds it: names separated by spaces.
    pub fn handed_off_to_names(&self) -> String {
        let names: Vec<&str> = self.handed_off_to.iter().map(|r| r.as_str()).collect();
        names.join(" ")
    }

    /// Whether `self` and `other` differ in more than when they were last changed.
    pub fn differs_from(&self, other: &LedgerRow) -> bool {
        let mut other = other.clone();
        other.updated_at = self.updated_at;
        *self != other
    }
}

/// A filter on the ledger, with paging. Text filters match a part of the field.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LedgerQuery {
    /// Only this status.
    pub status: Option<Status>,
    /// Customer name contains.
    pub customer: Option<String>,
    /// Product name contains.
    pub product: Option<String>,
    /// Model contains.
    pub model: Option<String>,
    /// Job number contains.
    pub job_number: Option<String>,
    /// Contract number contains.
    pub contract_number: Option<String>,
    /// Assigned to this user.
    pub assignee: Option<UserId>,
    /// Registered at or after (milliseconds).
    pub registered_from: Option<i64>,
    /// Registered before (milliseconds).
    pub registered_to: Option<i64>,
    /// Ledger number, customer, product, model, job number or contract number contains.
    pub q: Option<String>,
    /// Only tickets that wait for this department ([`crate::queue::waiting`]).
    pub waiting_for: Option<Role>,
    /// The column to sort by; most recently changed first when absent.
    pub sort: Option<LedgerSort>,
    /// Sorts by `sort` descending.
    pub desc: bool,
    /// Only tickets this user may read (technicians).
    #[serde(skip)]
    pub readable_by: Option<UserId>,
    /// Only the complaints of one group a statistic counts (a chart's bar): set by the API
    /// from the group a request names, never read from a request as it is.
    #[serde(skip)]
    pub group: Option<LedgerGroup>,
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return (at most 500; 50 when absent).
    pub limit: Option<u64>,
}

/// One group of complaints a statistic counts, as the ledger filters to it: the complaints
/// whose value of the column the statistic groups on is `key`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LedgerGroup {
    /// The SQL expression, the same in both databases, of the value the statistic groups on;
    /// `None` when the period alone is the group (a month, which sets the registration bounds).
    pub expression: Option<String>,
    /// Whether the value is a list of names separated by spaces (technicians, departments), of
    /// which the group's is one.
    pub list: bool,
    /// The group's value; `None`: the complaints without one.
    pub key: Option<String>,
}

/// A column the ledger can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LedgerSort {
    /// When the server last changed the ticket.
    Updated,
    /// When it was registered.
    Registered,
    /// The ledger number.
    LedgerNumber,
    /// The customer name.
    Customer,
    /// The product name.
    Product,
    /// The status.
    Status,
}

impl LedgerSort {
    /// The ledger table's column.
    pub fn column(self) -> &'static str {
        match self {
            LedgerSort::Updated => "updated_at",
            LedgerSort::Registered => "registered_at",
            LedgerSort::LedgerNumber => "ledger_number",
            LedgerSort::Customer => "customer_name",
            LedgerSort::Product => "product_name",
            LedgerSort::Status => "status",
        }
    }
}

/// What makes an open ticket overdue on a given day: a corrective action due before `today`,
/// a return visit planned on or before `visits_overdue_upto` and not done, or a confirmed
/// complaint not handed off although the server received its confirmation before
/// `confirmed_before` (the hand-off limit ago). Closed and imported tickets are never overdue.
/// The statistics count by the same rule in SQL ([`crate::statistics::Headline`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lateness {
    /// Today, in the department's time zone.
    pub today: Date,
    /// The latest planned day whose return visit, not done, is overdue today.
    pub visits_overdue_upto: Date,
    /// The moment before which a received confirmation should have been handed off by now.
    pub confirmed_before: Timestamp,
}

impl Lateness {
    /// Whether `row` is overdue.
    pub fn is_overdue(&self, row: &LedgerRow) -> bool {
        if row.status == Status::Closed || row.imported {
            return false;
        }
        let action = row.next_action_due.is_some_and(|d| d < self.today);
        let visit = row
            .next_return_visit
            .is_some_and(|d| d <= self.visits_overdue_upto);
        let handoff = row.handed_off_received_at.is_none()
            && row
                .confirmed_received_at
                .is_some_and(|t| t < self.confirmed_before);
        action || visit || handoff
    }
}

/// A ledger row as the dashboard lists it, with what it derives on the day it is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    /// The row.
    #[serde(flatten)]
    pub row: LedgerRow,
    /// Whether it is overdue ([`Lateness::is_overdue`]).
    pub overdue: bool,
    /// The next day something is due: the earlier of its next open corrective action's due day
    /// and its next return visit.
    pub next_due: Option<Date>,
    /// Whole days from its registration to its resolution, or to now while it is not resolved.
    pub age_days: Option<i64>,
}

impl LedgerLine {
    /// `row` as read at `now`, judged by `lateness`.
    pub fn of(row: LedgerRow, lateness: &Lateness, now: Timestamp) -> LedgerLine {
        let until = row.resolved_at.unwrap_or(now);
        let age_days = row
            .registered_at
            .map(|at| (until.0 - at.0).max(0) / 86_400_000);
        let next_due = [row.next_action_due, row.next_return_visit]
            .into_iter()
            .flatten()
            .min();
        LedgerLine {
            overdue: lateness.is_overdue(&row),
            next_due,
            age_days,
            row,
        }
    }
}

/// A page of the ledger as the API answers it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LedgerAnswer {
    /// The lines.
    pub rows: Vec<LedgerLine>,
    /// How many rows match in all.
    pub total: u64,
}

/// A page of the ledger.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerPage {
    /// The rows, most recently changed first.
    pub rows: Vec<LedgerRow>,
    /// How many rows match in all.
    pub total: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ledger_numbers_parse() {
        assert_eq!(parse_ledger_number("KS-2026-000123"), Some((2026, 123)));
        assert_eq!(parse_ledger_number("XX-2026-1"), None);
        assert_eq!(parse_ledger_number("KS-2026"), None);
    }
}
