//! Shipment of the product and delivery of its electronic drawings: the technical department
//! sends them to the service department's drawing mailbox within 3 working days after the
//! product ships (section 3 of the regulation), so that technicians have them on site.

use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::put_field;
use super::operation::WriteContext;
use super::validate::{LONG, bounded};
use crate::error::Result;
use crate::id::UserId;
use crate::section::Section;
use crate::time::{Date, Timestamp};

/// The delivery section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Delivery {
    /// The day the product shipped.
    pub shipped_on: Option<Date>,
    /// Who recorded the shipment.
    pub shipment_recorded_by: Option<UserId>,
    /// About the shipment (carrier, waybill).
    pub shipment_note: String,
    /// When the drawings were sent to the drawing mailbox (device time).
    pub drawings_sent_at: Option<Timestamp>,
    /// Who sent them.
    pub drawings_sent_by: Option<UserId>,
    /// About the drawings (which, where).
    pub drawings_note: String,
}

pub(crate) fn record_shipment(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    shipped_on: Date,
    note: &str,
) -> Result<()> {
    let delivery = ctx.section(tx, Section::Delivery)?;
    put_field(tx, &delivery, "shipped_on", &shipped_on)?;
    put_field(tx, &delivery, "shipment_recorded_by", &ctx.author.user)?;
    put_field(
        tx,
        &delivery,
        "shipment_note",
        &bounded("shipment note", note.trim(), LONG)?,
    )
}

pub(crate) fn send_drawings(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    note: &str,
) -> Result<()> {
    let delivery = ctx.section(tx, Section::Delivery)?;
    put_field(tx, &delivery, "drawings_sent_at", &ctx.at)?;
    put_field(tx, &delivery, "drawings_sent_by", &ctx.author.user)?;
    put_field(
        tx,
        &delivery,
        "drawings_note",
        &bounded("drawings note", note.trim(), LONG)?,
    )
}
