//! The ticket summary: the few fields a list of tickets shows, kept in its own table in the same
//! transaction as the document so that listing a thousand tickets loads no document.

use rusqlite::{Row, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::{TicketId, UserId};
use crate::section::Section;
use crate::ticket::Ticket;
use crate::ticket::decision::Disposition;
use crate::ticket::intake::TicketKind;
use crate::time::Timestamp;

/// One line of a ticket list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TicketSummary {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The ledger number, once the office assigned it.
    pub ledger_number: Option<String>,
    /// What kind of case.
    pub kind: TicketKind,
    /// Judged a complaint.
    pub complaint: bool,
    /// A major complaint.
    pub major: bool,
    /// The customer.
    pub customer_name: String,
    /// The product.
    pub product_name: String,
    /// The model.
    pub model: String,
    /// The unit's job number.
    pub job_number: String,
    /// The technicians assigned by travel task orders.
    pub assignees: Vec<UserId>,
    /// The disposition in force, if one without conflict.
    pub disposition: Option<Disposition>,
    /// Whether concurrent dispositions disagree.
    pub decision_conflict: bool,
    /// Whether a visit has started and not ended.
    pub on_site: bool,
    /// Whether the customer has signed off.
    pub signed_off: bool,
    /// When it was registered (device time of the registering device).
    pub registered_at: Option<Timestamp>,
    /// When this store last changed it (this device's clock).
    pub updated_at: Timestamp,
}

impl TicketSummary {
    /// The summary of `ticket`, updated at `updated_at`; reads only the small sections.
    pub fn read(ticket: &Ticket, updated_at: Timestamp) -> Result<Self> {
        let view = ticket.view_sections(&[
            Section::Meta,
            Section::Intake,
            Section::Dispatch,
            Section::Decisions,
            Section::Signoff,
        ])?;
        let reg = &view.intake.registration;
        Ok(TicketSummary {
            ticket_id: ticket.id().clone(),
            ledger_number: view.meta.ledger_number.clone(),
            kind: reg.kind,
            complaint: reg.complaint,
            major: reg.major,
            customer_name: reg.customer_name.clone(),
            product_name: reg.product_name.clone(),
            model: reg.model.clone(),
            job_number: reg.job_number.clone(),
            assignees: view.dispatch.assignees(),
            disposition: view.decisions.disposition(),
            decision_conflict: view.decisions.conflict().is_some(),
            on_site: ticket.on_site()?,
            signed_off: !view.signoffs.is_empty(),
            registered_at: view.intake.registered_at,
            updated_at,
        })
    }
}

fn text<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

fn parse<T: serde::de::DeserializeOwned>(s: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
}

pub(crate) fn save(tx: &Transaction<'_>, s: &TicketSummary) -> Result<()> {
    let assignees: Vec<&str> = s.assignees.iter().map(UserId::as_str).collect();
    tx.prepare_cached(
        "INSERT OR REPLACE INTO summaries (ticket_id, ledger_number, kind, complaint, major,
             customer_name, product_name, model, job_number, assignees, disposition,
             decision_conflict, on_site, signed_off, registered_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params![
        s.ticket_id.as_str(),
        s.ledger_number,
        text(&s.kind),
        s.complaint,
        s.major,
        s.customer_name,
        s.product_name,
        s.model,
        s.job_number,
        assignees.join(" "),
        s.disposition.as_ref().map(text),
        s.decision_conflict,
        s.on_site,
        s.signed_off,
        s.registered_at.map(Timestamp::millis),
        s.updated_at.millis(),
    ])?;
    Ok(())
}

pub(crate) const COLUMNS: &str = "ticket_id, ledger_number, kind, complaint, major, customer_name,
    product_name, model, job_number, assignees, disposition, decision_conflict, on_site,
    signed_off, registered_at, updated_at";

pub(crate) fn from_row(row: &Row<'_>) -> rusqlite::Result<TicketSummary> {
    let id: String = row.get(0)?;
    let kind: String = row.get(2)?;
    let assignees: String = row.get(9)?;
    let disposition: Option<String> = row.get(10)?;
    let bad = |column: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            column,
            rusqlite::types::Type::Text,
            format!("unreadable {what} in the ticket summary").into(),
        )
    };
    Ok(TicketSummary {
        ticket_id: id.parse().map_err(|_| bad(0, "ticket id"))?,
        ledger_number: row.get(1)?,
        kind: parse(&kind).ok_or_else(|| bad(2, "kind"))?,
        complaint: row.get(3)?,
        major: row.get(4)?,
        customer_name: row.get(5)?,
        product_name: row.get(6)?,
        model: row.get(7)?,
        job_number: row.get(8)?,
        assignees: assignees
            .split_whitespace()
            .map(|u| u.parse().map_err(|_| bad(9, "assignee")))
            .collect::<rusqlite::Result<_>>()?,
        disposition: disposition.as_deref().and_then(parse),
        decision_conflict: row.get(11)?,
        on_site: row.get(12)?,
        signed_off: row.get(13)?,
        registered_at: row.get::<_, Option<i64>>(14)?.map(Timestamp),
        updated_at: Timestamp(row.get(15)?),
    })
}
