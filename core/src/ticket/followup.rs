//! Return visits (回访): the technical service department calls or visits the customer after the
//! service and records how it went. And the sales representative's confirmation that the
//! customer's service requirements were met (确认服务需求是否满足), kept in the same section
//! under [`CONFIRMATIONS`]: both ask the customer after the service.

use automerge::transaction::Transaction;
use automerge::{ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use super::codec::{embedded, put_embedded, put_record, read_json};
use super::operation::WriteContext;
use super::validate::{LONG, bounded, required};
use super::view::TicketView;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::rule::Rule;
use crate::section::Section;
use crate::status::Status;
use crate::time::{Date, Timestamp};

/// The key, inside the `followups` section, of the map of service confirmations by entry id;
/// every other key of the section is a return visit.
pub const CONFIRMATIONS: &str = "service_met";

/// How the customer was (or is to be) reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContactMethod {
    /// A telephone call.
    Phone,
    /// A visit in person.
    Visit,
    /// E-mail.
    Email,
    /// An instant message.
    Message,
}

/// The outcome of a return visit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// How the customer was reached.
    pub method: ContactMethod,
    /// Satisfaction from 1 (very unsatisfied) to 5 (very satisfied).
    pub satisfaction: u8,
    /// Whether the customer considers the problem resolved.
    pub resolved: bool,
    /// What the customer said.
    #[serde(default)]
    pub notes: String,
    /// When it was done (device time).
    pub done_at: Timestamp,
    /// Who did it.
    pub done_by: UserId,
}

/// A return visit as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnVisit {
    /// Entry id.
    pub id: EntryId,
    /// The day it is planned for.
    pub planned_for: Date,
    /// How it is planned to be done.
    pub method: ContactMethod,
    /// Who planned it.
    pub planned_by: UserId,
    /// Who is to do it (entries written before assignees existed have none: the planner).
    #[serde(default)]
    pub assignee: Option<UserId>,
    /// The outcome, once done.
    #[serde(default, deserialize_with = "embedded::option")]
    pub outcome: Option<Outcome>,
}

impl ReturnVisit {
    /// Who is to do it: the assignee, or the planner for entries without one.
    pub fn responsible(&self) -> &UserId {
        self.assignee.as_ref().unwrap_or(&self.planned_by)
    }
}

pub(crate) fn plan(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    planned_for: Date,
    method: ContactMethod,
    assignee: Option<&UserId>,
) -> Result<EntryId> {
    let entry = ReturnVisit {
        id: ctx.new_entry_id(),
        planned_for,
        method,
        planned_by: ctx.author.user.clone(),
        assignee: Some(assignee.unwrap_or(&ctx.author.user).clone()),
        outcome: None,
    };
    let followups = ctx.section(tx, Section::Followups)?;
    put_record(tx, &followups, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn record(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    visit_id: &EntryId,
    method: ContactMethod,
    satisfaction: u8,
    resolved: bool,
    notes: &str,
) -> Result<()> {
    if !(1..=5).contains(&satisfaction) {
        return Err(Error::broke(
            "satisfaction",
            Rule::OutOfRange,
            format!("{satisfaction} is not from 1 to 5"),
        ));
    }
    let followups = ctx.section(tx, Section::Followups)?;
    let visit = ctx.entry(tx, &followups, visit_id, "return visit")?;
    if tx.get(&visit, "outcome")?.is_some() {
        return Err(Error::broke(
            "return visit",
            Rule::AlreadyDone,
            "already has an outcome",
        ));
    }
    let outcome = Outcome {
        method,
        satisfaction,
        resolved,
        notes: bounded("notes", notes.trim(), LONG)?,
        done_at: ctx.at,
        done_by: ctx.author.user.clone(),
    };
    put_embedded(tx, &visit, "outcome", &outcome)?;
    Ok(())
}

/// The sales representative's confirmation of whether the customer's service requirements were
/// met, as read. The latest one stands.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceConfirmation {
    /// Entry id.
    pub id: EntryId,
    /// Whether the requirements were met.
    pub met: bool,
    /// What the customer said; required when not met.
    #[serde(default)]
    pub note: String,
    /// Who confirmed it.
    pub confirmed_by: UserId,
    /// When (device time).
    pub confirmed_at: Timestamp,
}

/// Records whether the service requirements were met: by the ticket's sales representative
/// (the duty of the action), once the ticket is resolved or closed; a note says why when not.
pub(crate) fn confirm_service(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    met: bool,
    note: &str,
) -> Result<EntryId> {
    let view = TicketView::from_json(read_json(tx, &ROOT, ObjType::Map, None)?);
    ctx.duty(&DutyFacts {
        sales_rep: view.intake.registration.sales_rep.as_ref(),
        ..DutyFacts::default()
    })?;
    if !matches!(Status::of(&view), Status::Resolved | Status::Closed) {
        return Err(Error::broke(
            "service confirmation",
            Rule::NotYet,
            "is given once the ticket is resolved or closed",
        ));
    }
    let note = if met {
        bounded("note", note.trim(), LONG)?
    } else {
        required("note", note, LONG)?
    };
    let entry = ServiceConfirmation {
        id: ctx.new_entry_id(),
        met,
        note,
        confirmed_by: ctx.author.user.clone(),
        confirmed_at: ctx.at,
    };
    let confirmations = ctx.collection(tx, Section::Followups, CONFIRMATIONS)?;
    put_record(tx, &confirmations, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}
