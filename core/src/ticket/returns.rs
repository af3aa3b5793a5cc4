//! Units returned to the factory and the inspection department's verdicts on them.

use automerge::ReadDoc;
use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::{embedded, push_embedded, put_field, put_record};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, required};
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// When in the return an inspection happens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum InspectionStage {
    /// Judging the defective unit that came back.
    Incoming,
    /// Testing the repaired or replacement unit before it ships again.
    Retest,
}

/// What the inspection found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The defect is confirmed.
    DefectConfirmed,
    /// No defect found in the returned unit.
    NoDefectFound,
    /// The repaired or replacement unit passed.
    Passed,
    /// The repaired or replacement unit failed.
    Failed,
}

/// One inspection as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Inspection {
    /// Entry id.
    pub id: EntryId,
    /// Incoming or retest.
    pub stage: InspectionStage,
    /// The verdict.
    pub verdict: Verdict,
    /// What was found.
    #[serde(default)]
    pub findings: String,
    /// The inspector.
    pub by: UserId,
    /// When (device time).
    pub at: Timestamp,
}

/// A unit on its way back to the factory, as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnedUnit {
    /// Entry id.
    pub id: EntryId,
    /// The unit: its job number or serial.
    pub unit: String,
    /// Why it goes back.
    pub reason: String,
    /// Who asked for the return.
    pub requested_by: UserId,
    /// When (device time).
    pub requested_at: Timestamp,
    /// When it arrived at the factory.
    #[serde(default)]
    pub received_at: Option<Timestamp>,
    /// Who received it.
    #[serde(default)]
    pub received_by: Option<UserId>,
    /// Inspections, in the order they were recorded.
    #[serde(default, deserialize_with = "embedded::list")]
    pub inspections: Vec<Inspection>,
}

#[derive(Serialize)]
struct NewReturn<'a> {
    id: &'a EntryId,
    unit: String,
    reason: String,
    requested_by: &'a UserId,
    requested_at: Timestamp,
    inspections: [(); 0],
}

pub(crate) fn request(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    unit: &str,
    reason: &str,
) -> Result<EntryId> {
    let id = ctx.new_entry_id();
    let record = NewReturn {
        id: &id,
        unit: required("unit", unit, SHORT)?,
        reason: required("reason", reason, LONG)?,
        requested_by: &ctx.author.user,
        requested_at: ctx.at,
        inspections: [],
    };
    let returns = ctx.section(tx, Section::Returns)?;
    put_record(tx, &returns, id.as_str(), &record)?;
    Ok(id)
}

pub(crate) fn receive(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    return_id: &EntryId,
) -> Result<()> {
    let returns = ctx.section(tx, Section::Returns)?;
    let unit = ctx.entry(tx, &returns, return_id, "returned unit")?;
    if tx.get(&unit, "received_at")?.is_some() {
        return Err(Error::broke(
            "receipt",
            Rule::AlreadyDone,
            "this unit has already been received",
        ));
    }
    put_field(tx, &unit, "received_at", &ctx.at)?;
    put_field(tx, &unit, "received_by", &ctx.author.user)
}

pub(crate) fn inspect(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    return_id: &EntryId,
    stage: InspectionStage,
    verdict: Verdict,
    findings: &str,
) -> Result<EntryId> {
    let fits = matches!(
        (stage, verdict),
        (
            InspectionStage::Incoming,
            Verdict::DefectConfirmed | Verdict::NoDefectFound
        ) | (InspectionStage::Retest, Verdict::Passed | Verdict::Failed)
    );
    if !fits {
        return Err(Error::broke(
            "verdict",
            Rule::OutOfRange,
            "an incoming inspection confirms a defect or finds none; a retest passes or fails",
        ));
    }
    let entry = Inspection {
        id: ctx.new_entry_id(),
        stage,
        verdict,
        findings: bounded("findings", findings.trim(), LONG)?,
        by: ctx.author.user.clone(),
        at: ctx.at,
    };
    let returns = ctx.section(tx, Section::Returns)?;
    let unit = ctx.entry(tx, &returns, return_id, "returned unit")?;
    let inspections = ctx.list(tx, &unit, "inspections")?;
    push_embedded(tx, &inspections, &entry)?;
    Ok(entry.id)
}
