//! Hand-off of the registered form and travel task orders (出差任务单).

use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::{put_embedded, put_field, put_record};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, required};
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::role::Role;
use crate::section::Section;
use crate::time::Timestamp;

/// The hand-off of the registered form to the people who must act (due 30 minutes after
/// registration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandOff {
    /// Entry id.
    pub id: EntryId,
    /// The roles (departments) the form went to.
    pub to: Vec<Role>,
    /// A note for the receivers.
    #[serde(default)]
    pub note: String,
    /// When it was handed off (device time).
    pub handed_off_at: Timestamp,
    /// Who handed it off.
    pub by: UserId,
}

/// What a travel task order sends technicians to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// On-site service for a complaint or repair.
    OnSiteService,
    /// Installation.
    Installation,
    /// Commissioning and debugging.
    Commissioning,
    /// Power-on.
    PowerOn,
}

/// The department that issues an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// The technical service department (complaints, repairs).
    TechnicalService,
    /// The commerce department (installation, commissioning, power-on).
    Commerce,
}

/// A travel task order as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TravelOrder {
    /// Entry id.
    pub id: EntryId,
    /// The order's number as printed on it.
    pub number: String,
    /// What the technicians are sent to do.
    pub kind: OrderKind,
    /// Who issued it.
    pub issuing_department: Department,
    /// The technicians assigned.
    pub assignees: Vec<UserId>,
    /// When it was issued (device time).
    pub issued_at: Timestamp,
    /// Who issued it.
    pub issued_by: UserId,
}

/// A new travel task order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NewTravelOrder {
    /// The order's number.
    pub number: String,
    /// What the technicians are sent to do.
    pub kind: OrderKind,
    /// Who issues it.
    pub issuing_department: Department,
    /// The technicians assigned (at least one).
    pub assignees: Vec<UserId>,
}

/// The dispatch section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dispatch {
    /// Hand-offs, oldest first.
    pub handoffs: Vec<HandOff>,
    /// Travel task orders, oldest first.
    pub orders: Vec<TravelOrder>,
}

impl Dispatch {
    /// Everyone assigned by any order.
    pub fn assignees(&self) -> Vec<UserId> {
        let mut all: Vec<UserId> = self
            .orders
            .iter()
            .flat_map(|o| o.assignees.clone())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

fn checked_assignees(assignees: &[UserId]) -> Result<Vec<UserId>> {
    if assignees.is_empty() {
        return Err(Error::invalid(
            "assignees",
            "at least one technician must be assigned",
        ));
    }
    let mut unique = assignees.to_vec();
    unique.sort();
    unique.dedup();
    Ok(unique)
}

pub(crate) fn hand_off(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    to: &[Role],
    note: &str,
) -> Result<EntryId> {
    if to.is_empty() {
        return Err(Error::invalid(
            "hand-off",
            "must name at least one receiving role",
        ));
    }
    let entry = HandOff {
        id: ctx.new_entry_id(),
        to: to.to_vec(),
        note: bounded("note", note.trim(), LONG)?,
        handed_off_at: ctx.at,
        by: ctx.author.user.clone(),
    };
    let handoffs = ctx.collection(tx, Section::Dispatch, "handoffs")?;
    put_embedded(tx, &handoffs, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn issue_order(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    order: &NewTravelOrder,
) -> Result<EntryId> {
    ctx.duty(&DutyFacts {
        department: Some(order.issuing_department),
        ..DutyFacts::default()
    })?;
    let entry = TravelOrder {
        id: ctx.new_entry_id(),
        number: required("order number", &order.number, SHORT)?,
        kind: order.kind,
        issuing_department: order.issuing_department,
        assignees: checked_assignees(&order.assignees)?,
        issued_at: ctx.at,
        issued_by: ctx.author.user.clone(),
    };
    let orders = ctx.collection(tx, Section::Dispatch, "orders")?;
    put_record(tx, &orders, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn reassign(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    order_id: &EntryId,
    assignees: &[UserId],
) -> Result<()> {
    let orders = ctx.collection(tx, Section::Dispatch, "orders")?;
    let order = ctx.entry(tx, &orders, order_id, "travel task order")?;
    put_field(tx, &order, "assignees", &checked_assignees(assignees)?)
}
