//! `GET /v1/queue`: what waits for the caller's department, oldest first, with the time it
//! falls due where a time limit applies (the home view of each office role). Technicians and
//! sales representatives see only what waits for them on the tickets they may read.

use axum::Json;
use axum::extract::State;
use fieldledger_core::policy::reads_assigned_only;
use fieldledger_core::status::Status;
use fieldledger_core::{Role, TicketId, Timestamp};
use serde::{Deserialize, Serialize};

use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::deadlines::Workflow;
use crate::ledger::{LedgerQuery, LedgerRow, LedgerSort};
use crate::queue::Reason;

/// Lines of a queue at most.
const LIMIT: u64 = 500;

/// The caller's queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queue {
    /// The department it is of.
    pub role: Role,
    /// What waits, oldest first.
    pub items: Vec<QueueItem>,
}

pub(super) async fn queue(State(state): State<AppState>, caller: Caller) -> Result<Json<Queue>> {
    let role = caller.user.role;
    let query = LedgerQuery {
        waiting_for: Some(role),
        readable_by: reads_assigned_only(role).then(|| caller.user.id.clone()),
        sort: Some(LedgerSort::Updated),
        desc: false,
        limit: Some(LIMIT),
        ..LedgerQuery::default()
    };
    let storage = state.storage.clone();
    let rows = blocking(move || storage.ledger(&query)).await?.rows;
    let mut items = items(role, &rows, &state.workflow);
    // A representative who reads another's ticket (a hand-off named them) does not confirm
    // its service: that is the ticket's own representative's.
    items.retain(|item| {
        item.reason != Reason::ServiceConfirmation
            || rows.iter().any(|r| {
                r.ticket_id == item.ticket_id && r.sales_rep.as_ref() == Some(&caller.user.id)
            })
    });
    Ok(Json(Queue { role, items }))
}

/// One line of a department's queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueItem {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its ledger number.
    pub ledger_number: Option<String>,
    /// The customer.
    pub customer_name: String,
    /// The product.
    pub product_name: String,
    /// Where it stands.
    pub status: Status,
    /// Whether it is a major complaint.
    pub major: bool,
    /// Why it waits for the department.
    pub reason: Reason,
    /// Since when: the server's last change of the ticket.
    pub since: Timestamp,
    /// When what it waits for falls due, where a time limit applies.
    pub due: Option<Timestamp>,
}

/// The queue of `role` from the ledger rows that wait for it, each reason one line, oldest
/// first; due times by `workflow`.
pub fn items(role: Role, rows: &[LedgerRow], workflow: &Workflow) -> Vec<QueueItem> {
    let mut items: Vec<QueueItem> = rows
        .iter()
        .flat_map(|row| {
            row.waiting
                .iter()
                .filter(move |w| w.role == role)
                .map(move |w| QueueItem {
                    ticket_id: row.ticket_id.clone(),
                    ledger_number: row.ledger_number.clone(),
                    customer_name: row.customer_name.clone(),
                    product_name: row.product_name.clone(),
                    status: row.status,
                    major: row.major,
                    reason: w.reason,
                    since: row.updated_at,
                    due: due(w.reason, row, workflow),
                })
        })
        .collect();
    items.sort_by(|a, b| (a.since, &a.ticket_id, a.reason).cmp(&(b.since, &b.ticket_id, b.reason)));
    items
}

fn due(reason: Reason, row: &LedgerRow, workflow: &Workflow) -> Option<Timestamp> {
    let calendar = &workflow.calendar;
    match reason {
        Reason::AwaitingHandoff => row
            .confirmed_received_at
            .map(|at| Timestamp(at.millis() + workflow.handoff_ms())),
        Reason::Drawings => row.shipped_on.map(|day| {
            calendar.end_of(calendar.add_working_days(day, workflow.drawings_working_days))
        }),
        Reason::CorrectiveAction => row.next_action_due.map(|day| calendar.end_of(day)),
        _ => None,
    }
}
