//! Stays on site: arrival, departure, the work log (commissioning steps with measurements,
//! repair actions, parts used and removed) and photos.

use automerge::transaction::Transaction;
use automerge::{ObjId, ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};

use super::codec::{child, embedded, push_embedded, put_field, put_record};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, optional, required};
use crate::blob::BlobRef;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// One measured value of a commissioning or debugging step.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Measurement {
    /// What was measured, for example "insulation resistance A-PE".
    pub quantity: String,
    /// The value read.
    pub value: f64,
    /// The unit, for example "MΩ", "kV", "A".
    pub unit: String,
}

/// A part used in or removed from the equipment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PartLine {
    /// The maker's part number.
    pub part_number: String,
    /// How many.
    pub quantity: u32,
    /// The serial number, when the part has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// A description, for example "vacuum interrupter 12 kV".
    #[serde(default)]
    pub description: String,
}

/// What a work-log entry records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Work {
    /// A commissioning or debugging step (调试) and what it measured.
    Step {
        /// What was done.
        description: String,
        /// The values measured.
        #[serde(default)]
        measurements: Vec<Measurement>,
    },
    /// A repair action (维修).
    Repair {
        /// What was repaired and how.
        description: String,
    },
    /// A part fitted.
    PartUsed(PartLine),
    /// A part taken out.
    PartRemoved(PartLine),
}

/// A work-log entry as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Entry id.
    pub id: EntryId,
    /// When it was recorded (device time).
    pub recorded_at: Timestamp,
    /// Who recorded it.
    pub by: UserId,
    /// What was done.
    #[serde(flatten)]
    pub work: Work,
}

/// A photo taken on site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Photo {
    /// Entry id.
    pub id: EntryId,
    /// The stored file.
    pub blob: BlobRef,
    /// What it shows.
    #[serde(default)]
    pub caption: String,
    /// When it was attached (device time).
    pub taken_at: Timestamp,
    /// Who attached it.
    pub by: UserId,
}

/// A stay on site as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Visit {
    /// Entry id.
    pub id: EntryId,
    /// The travel task order the visit serves, if any.
    #[serde(default)]
    pub order_id: Option<EntryId>,
    /// The technician on site.
    pub technician: UserId,
    /// Where, in words (substation, plant, bay).
    #[serde(default)]
    pub site: String,
    /// Arrival (device time).
    pub arrived_at: Timestamp,
    /// Departure (device time), once left.
    #[serde(default)]
    pub departed_at: Option<Timestamp>,
    /// The work log, in the order entries were added.
    #[serde(default, deserialize_with = "embedded::list")]
    pub log: Vec<LogEntry>,
    /// Photos, in the order they were added.
    #[serde(default, deserialize_with = "embedded::list")]
    pub photos: Vec<Photo>,
}

#[derive(Serialize)]
struct NewVisit<'a> {
    id: &'a EntryId,
    #[serde(skip_serializing_if = "Option::is_none")]
    order_id: Option<&'a EntryId>,
    technician: &'a UserId,
    site: String,
    arrived_at: Timestamp,
    log: [(); 0],
    photos: [(); 0],
}

fn check_work(work: &Work) -> Result<Work> {
    let part = |p: &PartLine| -> Result<PartLine> {
        if p.quantity == 0 {
            return Err(Error::broke(
                "part quantity",
                Rule::NotPositive,
                "must be at least 1",
            ));
        }
        Ok(PartLine {
            part_number: required("part number", &p.part_number, SHORT)?,
            quantity: p.quantity,
            serial: optional("serial number", p.serial.as_deref(), SHORT)?,
            description: bounded("part description", p.description.trim(), SHORT)?,
        })
    };
    Ok(match work {
        Work::Step {
            description,
            measurements,
        } => Work::Step {
            description: required("step", description, LONG)?,
            measurements: measurements
                .iter()
                .map(|m| {
                    if !m.value.is_finite() {
                        return Err(Error::broke(
                            "measured value",
                            Rule::OutOfRange,
                            "must be a finite number",
                        ));
                    }
                    Ok(Measurement {
                        quantity: required("measured quantity", &m.quantity, SHORT)?,
                        value: m.value,
                        unit: bounded("unit", m.unit.trim(), SHORT)?,
                    })
                })
                .collect::<Result<_>>()?,
        },
        Work::Repair { description } => Work::Repair {
            description: required("repair action", description, LONG)?,
        },
        Work::PartUsed(p) => Work::PartUsed(part(p)?),
        Work::PartRemoved(p) => Work::PartRemoved(part(p)?),
    })
}

pub(crate) fn arrive(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    order_id: Option<&EntryId>,
    site: &str,
) -> Result<EntryId> {
    if let Some(order_id) = order_id {
        let orders = ctx.collection(tx, Section::Dispatch, "orders")?;
        ctx.entry(tx, &orders, order_id, "travel task order")?;
    }
    let id = ctx.new_entry_id();
    let visit = NewVisit {
        id: &id,
        order_id,
        technician: &ctx.author.user,
        site: bounded("site", site.trim(), SHORT)?,
        arrived_at: ctx.at,
        log: [],
        photos: [],
    };
    let visits = ctx.section(tx, Section::Visits)?;
    put_record(tx, &visits, id.as_str(), &visit)?;
    Ok(id)
}

pub(crate) fn depart(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    visit_id: &EntryId,
) -> Result<()> {
    let visit = own_visit(tx, ctx, visit_id)?;
    if tx.get(&visit, "departed_at")?.is_some() {
        return Err(Error::broke(
            "departure",
            Rule::AlreadyDone,
            "this visit has already ended",
        ));
    }
    put_field(tx, &visit, "departed_at", &ctx.at)
}

pub(crate) fn log_work(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    visit_id: &EntryId,
    work: &Work,
) -> Result<EntryId> {
    let entry = LogEntry {
        id: ctx.new_entry_id(),
        recorded_at: ctx.at,
        by: ctx.author.user.clone(),
        work: check_work(work)?,
    };
    let visit = own_visit(tx, ctx, visit_id)?;
    let log = ctx.list(tx, &visit, "log")?;
    push_embedded(tx, &log, &entry)?;
    Ok(entry.id)
}

pub(crate) fn attach_photo(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    visit_id: &EntryId,
    blob: &BlobRef,
    caption: &str,
) -> Result<EntryId> {
    blob.validate()?;
    let photo = Photo {
        id: ctx.new_entry_id(),
        blob: blob.clone(),
        caption: bounded("caption", caption.trim(), SHORT)?,
        taken_at: ctx.at,
        by: ctx.author.user.clone(),
    };
    let visit = own_visit(tx, ctx, visit_id)?;
    let photos = ctx.list(tx, &visit, "photos")?;
    push_embedded(tx, &photos, &photo)?;
    Ok(photo.id)
}

/// The visit `visit_id`, which the author may record on: only its own technician may.
fn own_visit(tx: &Transaction<'_>, ctx: &WriteContext<'_>, visit_id: &EntryId) -> Result<ObjId> {
    let visits = child(tx, &ROOT, Section::Visits.key(), ObjType::Map)?.ok_or_else(|| {
        Error::UnknownEntry {
            kind: "visit",
            id: visit_id.to_string(),
        }
    })?;
    let visit = ctx.entry(tx, &visits, visit_id, "visit")?;
    let technician: Option<UserId> = ctx.field(tx, &visit, "technician")?;
    ctx.duty(&DutyFacts {
        visit_of: technician.as_ref(),
        ..DutyFacts::default()
    })?;
    Ok(visit)
}
