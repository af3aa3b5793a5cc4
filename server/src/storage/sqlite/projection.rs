//! The rest of a ticket's projection in SQLite, beside its ledger row: its return visits and its
//! cost lines, each replaced whole when it changes.

use fieldledger_core::{TicketId, Timestamp, UserId};
use rusqlite::{Transaction, params};

use crate::ledger::name;
use crate::return_visits::ReturnVisitRow;
use crate::statistics::CostLine;
use crate::storage::Result;

const DELETE_RETURN_VISITS: &str = "DELETE FROM return_visits WHERE ticket_id = ?1";
const INSERT_RETURN_VISIT: &str = "INSERT OR REPLACE INTO return_visits (visit_id, ticket_id,
        ledger_number, customer_name, planned_for, method, assignee, done_at, done_by,
        satisfaction, resolved)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

const DELETE_COST_LINES: &str = "DELETE FROM cost_lines WHERE ticket_id = ?1";
const INSERT_COST_LINE: &str =
    "INSERT OR REPLACE INTO cost_lines (cost_id, ticket_id, kind, bearer,
        amount_minor, currency, approved, settled, submitted_at, borne_by, description,
        submitted_by, audit_note)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";

/// Replaces the return visits of ticket `id` by `visits`.
pub(super) fn save_return_visits(
    tx: &Transaction<'_>,
    id: &TicketId,
    visits: &[ReturnVisitRow],
) -> Result<()> {
    tx.prepare_cached(DELETE_RETURN_VISITS)?
        .execute([id.as_str()])?;
    for v in visits {
        tx.prepare_cached(INSERT_RETURN_VISIT)?.execute(params![
            v.visit_id,
            id.as_str(),
            v.ledger_number,
            v.customer_name,
            v.planned_for.to_string(),
            name(&v.method),
            v.assignee.as_str(),
            v.done_at.map(Timestamp::millis),
            v.done_by.as_ref().map(UserId::as_str),
            v.satisfaction,
            v.resolved,
        ])?;
    }
    Ok(())
}

/// Replaces the cost lines of ticket `id` by `costs`.
pub(super) fn save_cost_lines(
    tx: &Transaction<'_>,
    id: &TicketId,
    costs: &[CostLine],
) -> Result<()> {
    tx.prepare_cached(DELETE_COST_LINES)?
        .execute([id.as_str()])?;
    for c in costs {
        tx.prepare_cached(INSERT_COST_LINE)?.execute(params![
            c.cost_id,
            id.as_str(),
            c.kind,
            c.bearer,
            c.amount_minor,
            c.currency,
            c.approved,
            c.settled,
            c.submitted_at.millis(),
            c.borne_by.as_ref().map(UserId::as_str),
            c.description,
            c.submitted_by.as_str(),
            c.audit_note,
        ])?;
    }
    Ok(())
}
