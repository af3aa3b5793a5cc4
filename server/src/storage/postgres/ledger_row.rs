//! The ledger row in PostgreSQL: the one place that maps it to and from the `ledger` table. The
//! table holds exactly a row's columns; statements select it whole (`SELECT *`), and its
//! columns are read by name and written in the order of [`UPSERT_LEDGER_ROW`].
//!
//! Columns are read with [`Named::value`]: the driver's own `Row::get` panics on a value that
//! does not read.

use fieldledger_core::{Date, Timestamp, UserId};
use postgres::types::ToSql;
use postgres::{GenericClient, Row, Transaction};

use super::row::{Named, corrupt};
use crate::ledger::LedgerRow;
use crate::queue;
use crate::storage::Result;

/// Inserts a row, or updates every column of a stored one but `received_at` (when the server
/// first received the ticket, which never changes).
const UPSERT_LEDGER_ROW: &str = "INSERT INTO ledger (ticket_id, ledger_number, status, kind,
        complaint, major, customer_name, product_name, model, job_number, contract_number,
        assignees, disposition, decision_conflict, registered_at, received_at, updated_at,
        cost_total_minor, next_return_visit, created_by, handed_off_at, handed_off_received_at,
        next_action_due, open_actions, cause, responsibility, contact_person, contact_method,
        content, requests, source, sales_representative, imported, shipped_on, drawings_sent_at,
        confirmed_at, confirmed_received_at, waiting, resolved_at, handed_off_to, addressed,
        sales_rep, visits, cause_code)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
        $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36,
        $37, $38, $39, $40, $41, $42, $43, $44)
    ON CONFLICT (ticket_id) DO UPDATE SET ledger_number = excluded.ledger_number,
        status = excluded.status, kind = excluded.kind, complaint = excluded.complaint,
        major = excluded.major, customer_name = excluded.customer_name,
        product_name = excluded.product_name, model = excluded.model,
        job_number = excluded.job_number, contract_number = excluded.contract_number,
        assignees = excluded.assignees, disposition = excluded.disposition,
        decision_conflict = excluded.decision_conflict, registered_at = excluded.registered_at,
        updated_at = excluded.updated_at, cost_total_minor = excluded.cost_total_minor,
        next_return_visit = excluded.next_return_visit, created_by = excluded.created_by,
        handed_off_at = excluded.handed_off_at,
        handed_off_received_at = excluded.handed_off_received_at,
        next_action_due = excluded.next_action_due, open_actions = excluded.open_actions,
        cause = excluded.cause, responsibility = excluded.responsibility,
        contact_person = excluded.contact_person, contact_method = excluded.contact_method,
        content = excluded.content, requests = excluded.requests, source = excluded.source,
        sales_representative = excluded.sales_representative, imported = excluded.imported,
        shipped_on = excluded.shipped_on, drawings_sent_at = excluded.drawings_sent_at,
        confirmed_at = excluded.confirmed_at,
        confirmed_received_at = excluded.confirmed_received_at, waiting = excluded.waiting,
        resolved_at = excluded.resolved_at, handed_off_to = excluded.handed_off_to,
        addressed = excluded.addressed, sales_rep = excluded.sales_rep,
        visits = excluded.visits, cause_code = excluded.cause_code";

/// Moves a row's `updated_at` (`$2`), for a write that changed nothing else in it.
const TOUCH_LEDGER_ROW: &str = "UPDATE ledger SET updated_at = $2 WHERE ticket_id = $1";

/// The ledger row of a row of the `ledger` table.
pub(super) fn read(row: &Row) -> Result<LedgerRow> {
    Ok(LedgerRow {
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: row.value("ledger_number")?,
        status: row.parsed("status")?,
        kind: row.value("kind")?,
        complaint: row.value("complaint")?,
        major: row.value("major")?,
        customer_name: row.value("customer_name")?,
        contact_person: row.value("contact_person")?,
        contact_method: row.value("contact_method")?,
        source: row.value("source")?,
        sales_representative: row.value("sales_representative")?,
        product_name: row.value("product_name")?,
        model: row.value("model")?,
        job_number: row.value("job_number")?,
        contract_number: row.value("contract_number")?,
        content: row.value("content")?,
        requests: row.value("requests")?,
        assignees: row.parsed_list("assignees")?,
        created_by: row.parsed_opt("created_by")?,
        disposition: row.value("disposition")?,
        decision_conflict: row.value("decision_conflict")?,
        registered_at: row.timestamp_opt("registered_at")?,
        received_at: row.timestamp("received_at")?,
        updated_at: row.timestamp("updated_at")?,
        cost_total_minor: row.value("cost_total_minor")?,
        next_return_visit: row.parsed_opt("next_return_visit")?,
        handed_off_at: row.timestamp_opt("handed_off_at")?,
        handed_off_received_at: row.timestamp_opt("handed_off_received_at")?,
        next_action_due: row.parsed_opt("next_action_due")?,
        open_actions: u32::try_from(row.value::<i32>("open_actions")?)
            .map_err(|_| corrupt("open_actions"))?,
        cause: row.value("cause")?,
        responsibility: row.value("responsibility")?,
        imported: row.value("imported")?,
        shipped_on: row.parsed_opt("shipped_on")?,
        drawings_sent_at: row.timestamp_opt("drawings_sent_at")?,
        confirmed_at: row.timestamp_opt("confirmed_at")?,
        confirmed_received_at: row.timestamp_opt("confirmed_received_at")?,
        waiting: row.parsed_list("waiting")?,
        addressed: row.parsed_list("addressed")?,
        sales_rep: row.parsed_opt("sales_rep")?,
        cause_code: row.value("cause_code")?,
        resolved_at: row.timestamp_opt("resolved_at")?,
        handed_off_to: row.parsed_list("handed_off_to")?,
        visits: u32::try_from(row.value::<i32>("visits")?).map_err(|_| corrupt("visits"))?,
    })
}

/// Every ledger row that `sql`, which selects whole rows of the `ledger` table, finds with
/// `params`.
pub(super) fn select(
    c: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<LedgerRow>> {
    c.query(sql, params)?.iter().map(read).collect()
}

/// Stores `row` over the stored one.
pub(super) fn upsert(tx: &mut Transaction<'_>, row: &LedgerRow) -> Result<()> {
    let assignees: Vec<&str> = row.assignees.iter().map(UserId::as_str).collect();
    let addressed: Vec<&str> = row.addressed.iter().map(UserId::as_str).collect();
    let day = |d: Option<Date>| d.map(|d| d.to_string());
    let millis = |t: Option<Timestamp>| t.map(Timestamp::millis);
    let open_actions = i32::try_from(row.open_actions).unwrap_or(i32::MAX);
    let visits = i32::try_from(row.visits).unwrap_or(i32::MAX);
    tx.execute(
        UPSERT_LEDGER_ROW,
        &[
            &row.ticket_id.as_str(),
            &row.ledger_number,
            &row.status.as_str(),
            &row.kind,
            &row.complaint,
            &row.major,
            &row.customer_name,
            &row.product_name,
            &row.model,
            &row.job_number,
            &row.contract_number,
            &assignees.join(" "),
            &row.disposition,
            &row.decision_conflict,
            &millis(row.registered_at),
            &row.received_at.millis(),
            &row.updated_at.millis(),
            &row.cost_total_minor,
            &day(row.next_return_visit),
            &row.created_by.as_ref().map(UserId::as_str),
            &millis(row.handed_off_at),
            &millis(row.handed_off_received_at),
            &day(row.next_action_due),
            &open_actions,
            &row.cause,
            &row.responsibility,
            &row.contact_person,
            &row.contact_method,
            &row.content,
            &row.requests,
            &row.source,
            &row.sales_representative,
            &row.imported,
            &day(row.shipped_on),
            &millis(row.drawings_sent_at),
            &millis(row.confirmed_at),
            &millis(row.confirmed_received_at),
            &queue::stored(&row.waiting),
            &millis(row.resolved_at),
            &row.handed_off_to_names(),
            &addressed.join(" "),
            &row.sales_rep.as_ref().map(UserId::as_str),
            &visits,
            &row.cause_code,
        ],
    )?;
    Ok(())
}

/// Moves the stored row's `updated_at` to `row`'s, the only column a write changed.
pub(super) fn touch(tx: &mut Transaction<'_>, row: &LedgerRow) -> Result<()> {
    tx.execute(
        TOUCH_LEDGER_ROW,
        &[&row.ticket_id.as_str(), &row.updated_at.millis()],
    )?;
    Ok(())
}
