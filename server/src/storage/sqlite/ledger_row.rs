//! The ledger row in SQLite: the one place that maps it to and from the `ledger` table. The
//! table holds exactly a row's columns; statements select it whole (`SELECT *`), and its
//! columns are read and written by name.

use fieldledger_core::{Timestamp, UserId};
use rusqlite::{Connection, Params, Transaction, named_params};

use super::row::{NamedRow, all};
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
    VALUES (:ticket_id, :ledger_number, :status, :kind,
        :complaint, :major, :customer_name, :product_name, :model, :job_number, :contract_number,
        :assignees, :disposition, :decision_conflict, :registered_at, :received_at, :updated_at,
        :cost_total_minor, :next_return_visit, :created_by, :handed_off_at, :handed_off_received_at,
        :next_action_due, :open_actions, :cause, :responsibility, :contact_person, :contact_method,
        :content, :requests, :source, :sales_representative, :imported, :shipped_on,
        :drawings_sent_at, :confirmed_at, :confirmed_received_at, :waiting, :resolved_at,
        :handed_off_to, :addressed, :sales_rep, :visits, :cause_code)
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

/// Moves a row's `updated_at` (`?2`), for a write that changed nothing else in it.
const TOUCH_LEDGER_ROW: &str = "UPDATE ledger SET updated_at = ?2 WHERE ticket_id = ?1";

/// The ledger row of a row of the `ledger` table.
pub(super) fn read(row: &NamedRow<'_>) -> Result<LedgerRow> {
    Ok(LedgerRow {
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: row.get("ledger_number")?,
        status: row.parsed("status")?,
        kind: row.get("kind")?,
        complaint: row.get("complaint")?,
        major: row.get("major")?,
        customer_name: row.get("customer_name")?,
        contact_person: row.get("contact_person")?,
        contact_method: row.get("contact_method")?,
        source: row.get("source")?,
        sales_representative: row.get("sales_representative")?,
        product_name: row.get("product_name")?,
        model: row.get("model")?,
        job_number: row.get("job_number")?,
        contract_number: row.get("contract_number")?,
        content: row.get("content")?,
        requests: row.get("requests")?,
        assignees: row.parsed_list("assignees")?,
        created_by: row.parsed_opt("created_by")?,
        disposition: row.get("disposition")?,
        decision_conflict: row.get("decision_conflict")?,
        registered_at: row.timestamp_opt("registered_at")?,
        received_at: row.timestamp("received_at")?,
        updated_at: row.timestamp("updated_at")?,
        cost_total_minor: row.get("cost_total_minor")?,
        next_return_visit: row.parsed_opt("next_return_visit")?,
        handed_off_at: row.timestamp_opt("handed_off_at")?,
        handed_off_received_at: row.timestamp_opt("handed_off_received_at")?,
        next_action_due: row.parsed_opt("next_action_due")?,
        open_actions: row.get("open_actions")?,
        cause: row.get("cause")?,
        responsibility: row.get("responsibility")?,
        imported: row.get("imported")?,
        shipped_on: row.parsed_opt("shipped_on")?,
        drawings_sent_at: row.timestamp_opt("drawings_sent_at")?,
        confirmed_at: row.timestamp_opt("confirmed_at")?,
        confirmed_received_at: row.timestamp_opt("confirmed_received_at")?,
        waiting: row.parsed_list("waiting")?,
        addressed: row.parsed_list("addressed")?,
        sales_rep: row.parsed_opt("sales_rep")?,
        cause_code: row.get("cause_code")?,
        resolved_at: row.timestamp_opt("resolved_at")?,
        handed_off_to: row.parsed_list("handed_off_to")?,
        visits: row.get("visits")?,
    })
}

/// Every ledger row that `sql`, which selects whole rows of the `ledger` table, finds with
/// `params`.
pub(super) fn select(c: &Connection, sql: &str, params: impl Params) -> Result<Vec<LedgerRow>> {
    all(c, sql, params, read)
}

/// Stores `row` over the stored one.
pub(super) fn upsert(tx: &Transaction<'_>, row: &LedgerRow) -> Result<()> {
    let assignees: Vec<&str> = row.assignees.iter().map(UserId::as_str).collect();
    let addressed: Vec<&str> = row.addressed.iter().map(UserId::as_str).collect();
    let day = |d: Option<fieldledger_core::Date>| d.map(|d| d.to_string());
    tx.prepare_cached(UPSERT_LEDGER_ROW)?
        .execute(named_params! {
            ":ticket_id": row.ticket_id.as_str(),
            ":ledger_number": row.ledger_number,
            ":status": row.status.as_str(),
            ":kind": row.kind,
            ":complaint": row.complaint,
            ":major": row.major,
            ":customer_name": row.customer_name,
            ":product_name": row.product_name,
            ":model": row.model,
            ":job_number": row.job_number,
            ":contract_number": row.contract_number,
            ":assignees": assignees.join(" "),
            ":disposition": row.disposition,
            ":decision_conflict": row.decision_conflict,
            ":registered_at": row.registered_at.map(Timestamp::millis),
            ":received_at": row.received_at.millis(),
            ":updated_at": row.updated_at.millis(),
            ":cost_total_minor": row.cost_total_minor,
            ":next_return_visit": day(row.next_return_visit),
            ":created_by": row.created_by.as_ref().map(UserId::as_str),
            ":handed_off_at": row.handed_off_at.map(Timestamp::millis),
            ":handed_off_received_at": row.handed_off_received_at.map(Timestamp::millis),
            ":next_action_due": day(row.next_action_due),
            ":open_actions": row.open_actions,
            ":cause": row.cause,
            ":responsibility": row.responsibility,
            ":contact_person": row.contact_person,
            ":contact_method": row.contact_method,
            ":content": row.content,
            ":requests": row.requests,
            ":source": row.source,
            ":sales_representative": row.sales_representative,
            ":imported": row.imported,
            ":shipped_on": day(row.shipped_on),
            ":drawings_sent_at": row.drawings_sent_at.map(Timestamp::millis),
            ":confirmed_at": row.confirmed_at.map(Timestamp::millis),
            ":confirmed_received_at": row.confirmed_received_at.map(Timestamp::millis),
            ":waiting": queue::stored(&row.waiting),
            ":addressed": addressed.join(" "),
            ":sales_rep": row.sales_rep.as_ref().map(UserId::as_str),
            ":cause_code": row.cause_code,
            ":resolved_at": row.resolved_at.map(Timestamp::millis),
            ":handed_off_to": row.handed_off_to_names(),
            ":visits": row.visits,
        })?;
    Ok(())
}

/// Moves the stored row's `updated_at` to `row`'s, the only column a write changed.
pub(super) fn touch(tx: &Transaction<'_>, row: &LedgerRow) -> Result<()> {
    tx.prepare_cached(TOUCH_LEDGER_ROW)?
        .execute(rusqlite::params![
            row.ticket_id.as_str(),
            row.updated_at.millis()
        ])?;
    Ok(())
}
