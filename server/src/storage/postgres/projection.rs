//! The rest of a ticket's projection in PostgreSQL, beside its ledger row: its return visits and
//! its cost lines, each replaced whole when it changes.

use fieldledger_core::{TicketId, Timestamp, UserId};
use postgres::Transaction;

use crate::ledger::name;
use crate::return_visits::ReturnVisitRow;
use crate::statistics::CostLine;
use crate::storage::Result;

const DELETE_RETURN_VISITS: &str = "DELETE FROM return_visits WHERE ticket_id = $1";
/// Stores a return visit, over one of the same id (as SQLite's `INSERT OR REPLACE`).
const INSERT_RETURN_VISIT: &str = "INSERT INTO return_visits (visit_id, ticket_id,
        ledger_number, customer_name, planned_for, method, assignee, done_at, done_by,
        satisfaction, resolved)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
    ON CONFLICT (visit_id) DO UPDATE SET ticket_id = excluded.ticket_id,
        ledger_number = excluded.ledger_number, customer_name = excluded.customer_name,
        planned_for = excluded.planned_for, method = excluded.method,
        assignee = excluded.assignee, done_at = excluded.done_at, done_by = excluded.done_by,
        satisfaction = excluded.satisfaction, resolved = excluded.resolved";

const DELETE_COST_LINES: &str = "DELETE FROM cost_lines WHERE ticket_id = $1";
/// Stores a cost line, over one of the same id (as SQLite's `INSERT OR REPLACE`).
const INSERT_COST_LINE: &str = "INSERT INTO cost_lines (cost_id, ticket_id, kind, bearer,
        amount_minor, currency, approved, settled, submitted_at, borne_by, description,
        submitted_by, audit_note)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    ON CONFLICT (cost_id) DO UPDATE SET ticket_id = excluded.ticket_id, kind = excluded.kind,
        bearer = excluded.bearer, amount_minor = excluded.amount_minor,
        currency = excluded.currency, approved = excluded.approved, settled = excluded.settled,
        submitted_at = excluded.submitted_at, borne_by = excluded.borne_by,
        description = excluded.description, submitted_by = excluded.submitted_by,
        audit_note = excluded.audit_note";

/// Replaces the return visits of ticket `id` by `visits`.
pub(super) fn save_return_visits(
    tx: &mut Transaction<'_>,
    id: &TicketId,
    visits: &[ReturnVisitRow],
) -> Result<()> {
    tx.execute(DELETE_RETURN_VISITS, &[&id.as_str()])?;
    for v in visits {
        tx.execute(
            INSERT_RETURN_VISIT,
            &[
                &v.visit_id,
                &id.as_str(),
                &v.ledger_number,
                &v.customer_name,
                &v.planned_for.to_string(),
                &name(&v.method),
                &v.assignee.as_str(),
                &v.done_at.map(Timestamp::millis),
                &v.done_by.as_ref().map(UserId::as_str),
                &v.satisfaction.map(i32::from),
                &v.resolved,
            ],
        )?;
    }
    Ok(())
}

/// Replaces the cost lines of ticket `id` by `costs`.
pub(super) fn save_cost_lines(
    tx: &mut Transaction<'_>,
    id: &TicketId,
    costs: &[CostLine],
) -> Result<()> {
    tx.execute(DELETE_COST_LINES, &[&id.as_str()])?;
    for c in costs {
        tx.execute(
            INSERT_COST_LINE,
            &[
                &c.cost_id,
                &id.as_str(),
                &c.kind,
                &c.bearer,
                &c.amount_minor,
                &c.currency,
                &c.approved,
                &c.settled,
                &c.submitted_at.millis(),
                &c.borne_by.as_ref().map(UserId::as_str),
                &c.description,
                &c.submitted_by.as_str(),
                &c.audit_note,
            ],
        )?;
    }
    Ok(())
}
