//! The fulfilment track of a replacement or a return to the factory (更换与返修跟踪): what the
//! departments after the site visit record, and the step a ticket waits for until the customer
//! has a working unit again.
//!
//! A *replace* decision needs a replacement built by manufacturing, its outgoing test passed by
//! inspection, its shipment recorded by commerce and its installation recorded by a technician.
//! A *return to factory* decision needs the unit back and judged (the `returns` section), then,
//! unless inspection found no defect, the unit repaired and tested, and then the same shipment
//! and installation. Procurement's materials and supplier (OEM) repairs are waited for when
//! they were asked for. The ticket is resolved only when the track is complete
//! ([`crate::Status::of`]).
//!
//! Entries are counted, not ordered by their device times (which phones may have wrong): a
//! failed test needs one more build or repair, a material ordered one more received.

use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use super::codec::put_embedded;
use super::decision::Disposition;
use super::operation::WriteContext;
use super::returns::{InspectionStage, Verdict};
use super::validate::{LONG, bounded};
use super::view::TicketView;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::role::Role;
use crate::rule::Rule;
use crate::section::Section;
use crate::time::{Date, Timestamp};

/// What one fulfilment entry records. Its names are serde's, the snake case of the variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentKind {
    /// Procurement ordered material for the build or repair.
    MaterialsOrdered,
    /// The material ordered arrived.
    MaterialsReceived,
    /// A bought-in or OEM part went to its supplier for repair.
    SentToSupplier,
    /// The supplier sent the part back repaired.
    ReturnedBySupplier,
    /// Manufacturing built the replacement or repaired the returned unit.
    Manufactured,
    /// Inspection tested the unit before it ships (passed or failed).
    OutgoingTest,
    /// Commerce shipped the unit to the customer.
    Shipped,
    /// A technician installed the unit at the customer's site.
    Installed,
}

/// What procurement records on the track.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ProcurementStep {
    /// Material for the build or repair is ordered.
    MaterialsOrdered,
    /// The material arrived.
    MaterialsReceived,
    /// A bought-in or OEM part went to its supplier for repair.
    SentToSupplier,
    /// The supplier sent it back repaired.
    ReturnedBySupplier,
}

impl From<ProcurementStep> for FulfilmentKind {
    fn from(step: ProcurementStep) -> Self {
        match step {
            ProcurementStep::MaterialsOrdered => FulfilmentKind::MaterialsOrdered,
            ProcurementStep::MaterialsReceived => FulfilmentKind::MaterialsReceived,
            ProcurementStep::SentToSupplier => FulfilmentKind::SentToSupplier,
            ProcurementStep::ReturnedBySupplier => FulfilmentKind::ReturnedBySupplier,
        }
    }
}

/// One entry of the track as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FulfilmentEntry {
    /// Entry id.
    pub id: EntryId,
    /// What it records.
    pub kind: FulfilmentKind,
    /// Who recorded it.
    pub by: UserId,
    /// In which role.
    pub role: Role,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// What was done: material, supplier, findings, carrier and waybill.
    #[serde(default)]
    pub note: String,
    /// An outgoing test's verdict: passed or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<Verdict>,
    /// The day a unit shipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipped_on: Option<Date>,
}

/// The step a replacement or a return waits for; it names the department whose turn it is.
/// Its names are serde's and strum's, the snake case of the variant.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Awaiting {
    /// The unit is to come back to the factory (its return asked for, or not yet received).
    Return,
    /// The returned unit waits for inspection's incoming judgement.
    Inspection,
    /// Procurement's material is ordered and not yet in.
    Materials,
    /// A part is with its supplier for repair.
    SupplierRepair,
    /// Manufacturing is to build the replacement or repair the unit.
    Manufacture,
    /// Inspection is to test the unit before it ships.
    OutgoingTest,
    /// Commerce is to ship the unit.
    Shipment,
    /// A technician is to install the unit on site.
    Installation,
}

impl Awaiting {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The departments whose turn it is.
    pub fn departments(self) -> &'static [Role] {
        match self {
            Awaiting::Return => &[Role::ServiceDesk, Role::Technician],
            Awaiting::Inspection | Awaiting::OutgoingTest => &[Role::Inspection],
            Awaiting::Materials | Awaiting::SupplierRepair => &[Role::Procurement],
            Awaiting::Manufacture => &[Role::Manufacturing],
            Awaiting::Shipment => &[Role::Commerce],
            Awaiting::Installation => &[Role::Technician],
        }
    }
}

/// Where the track of a ticket stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    /// It waits for this step.
    Awaiting(Awaiting),
    /// Every step is recorded.
    Complete,
}

/// The track of `view`, or `None` when its disposition in force is neither a replacement nor a
/// return to the factory.
pub fn track(view: &TicketView) -> Option<Track> {
    let returning = match view.decisions.disposition()? {
        Disposition::Replace => false,
        Disposition::ReturnToFactory => true,
        Disposition::RepairOnSite | Disposition::NoFaultFound => return None,
    };
    let count = |kind: FulfilmentKind| view.fulfilment.iter().filter(|e| e.kind == kind).count();
    let mut no_defect = false;
    if returning {
        if view.returns.is_empty() || view.returns.iter().any(|r| r.received_at.is_none()) {
            return Some(Track::Awaiting(Awaiting::Return));
        }
        let incoming = |r: &&super::returns::ReturnedUnit| {
            r.inspections
                .iter()
                .rev()
                .find(|i| i.stage == InspectionStage::Incoming)
                .map(|i| i.verdict)
        };
        if view.returns.iter().any(|r| incoming(&r).is_none()) {
            return Some(Track::Awaiting(Awaiting::Inspection));
        }
        no_defect = view
            .returns
            .iter()
            .all(|r| incoming(&r) == Some(Verdict::NoDefectFound));
    }
    if !no_defect {
        // A retest of a returned unit is its outgoing test.
        let retests = view
            .returns
            .iter()
            .flat_map(|r| &r.inspections)
            .filter(|i| i.stage == InspectionStage::Retest)
            .map(|i| i.verdict);
        let outgoing = view
            .fulfilment
            .iter()
            .filter(|e| e.kind == FulfilmentKind::OutgoingTest)
            .filter_map(|e| e.verdict);
        let verdicts: Vec<Verdict> = retests.chain(outgoing).collect();
        let failed = verdicts.iter().filter(|v| **v == Verdict::Failed).count();
        let passed = verdicts.contains(&Verdict::Passed);
        if count(FulfilmentKind::Manufactured) <= failed {
            return Some(Track::Awaiting(
                if count(FulfilmentKind::MaterialsOrdered)
                    > count(FulfilmentKind::MaterialsReceived)
                {
                    Awaiting::Materials
                } else if count(FulfilmentKind::SentToSupplier)
                    > count(FulfilmentKind::ReturnedBySupplier)
                {
                    Awaiting::SupplierRepair
                } else {
                    Awaiting::Manufacture
                },
            ));
        }
        if !passed {
            return Some(Track::Awaiting(Awaiting::OutgoingTest));
        }
    }
    Some(if count(FulfilmentKind::Shipped) == 0 {
        Track::Awaiting(Awaiting::Shipment)
    } else if count(FulfilmentKind::Installed) == 0 {
        Track::Awaiting(Awaiting::Installation)
    } else {
        Track::Complete
    })
}

/// What an operation of the track records.
pub(crate) struct Record<'a> {
    pub(crate) kind: FulfilmentKind,
    pub(crate) note: &'a str,
    pub(crate) verdict: Option<Verdict>,
    pub(crate) shipped_on: Option<Date>,
}

impl<'a> Record<'a> {
    /// An entry of `kind` with `note` and nothing else.
    pub(crate) fn of(kind: FulfilmentKind, note: &'a str) -> Self {
        Record {
            kind,
            note,
            verdict: None,
            shipped_on: None,
        }
    }
}

/// Writes an entry of the track; refused when the ticket's disposition in force is neither a
/// replacement nor a return (nothing to fulfil), and for an outgoing test that neither passes
/// nor fails.
pub(crate) fn record(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    record: Record<'_>,
) -> Result<EntryId> {
    let mut unreadable = Vec::new();
    let decisions = super::decision::Decisions {
        entries: super::view::entries(
            ctx.read_section(tx, Section::Decisions)?,
            "decision",
            &mut unreadable,
        ),
    };
    if !matches!(
        decisions.disposition(),
        Some(Disposition::Replace | Disposition::ReturnToFactory)
    ) {
        return Err(Error::broke(
            "fulfilment",
            Rule::NotYet,
            "the ticket has no replacement or return to the factory decided in force",
        ));
    }
    if record.kind == FulfilmentKind::OutgoingTest
        && !matches!(record.verdict, Some(Verdict::Passed | Verdict::Failed))
    {
        return Err(Error::broke(
            "verdict",
            Rule::OutOfRange,
            "an outgoing test passes or fails",
        ));
    }
    let entry = FulfilmentEntry {
        id: ctx.new_entry_id(),
        kind: record.kind,
        by: ctx.author.user.clone(),
        role: ctx.author.role,
        recorded_at: ctx.at,
        note: bounded("note", record.note.trim(), LONG)?,
        verdict: record.verdict,
        shipped_on: record.shipped_on,
    };
    let section = ctx.section(tx, Section::Fulfilment)?;
    put_embedded(tx, &section, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{apply, author, new_ticket};
    use super::*;
    use crate::status::Status;
    use crate::ticket::{Operation, Ticket};

    fn status(t: &Ticket) -> Status {
        Status::of(&t.view().expect("view"))
    }

    fn decide(t: &mut Ticket, at: i64, disposition: Disposition) {
        let op = Operation::Decide {
            disposition,
            rationale: "judged on site".into(),
        };
        apply(t, &author("tech.zhang", Role::Technician), at, op);
    }

    fn procure(step: ProcurementStep) -> Operation {
        Operation::RecordProcurement {
            step,
            note: "vacuum interrupter VS1-12".into(),
        }
    }

    fn test(verdict: Verdict) -> Operation {
        Operation::RecordOutgoingTest {
            verdict,
            findings: "withstand test".into(),
        }
    }

    #[test]
    fn a_replacement_waits_for_each_department_in_turn_until_installed() {
        let mut t = new_ticket();
        let procurement = author("proc.wu", Role::Procurement);
        let manufacturing = author("mfg.zhao", Role::Manufacturing);
        let inspection = author("insp.sun", Role::Inspection);
        // Nothing to fulfil before a replacement is decided.
        let early = t.apply(
            &manufacturing,
            Timestamp(1_500),
            &Operation::RecordManufacture {
                note: String::new(),
            },
        );
        assert!(matches!(early, Err(Error::Invalid { .. })), "{early:?}");

        decide(&mut t, 2_000, Disposition::Replace);
        assert_eq!(status(&t), Status::AwaitingManufacture);
        apply(
            &mut t,
            &procurement,
            2_100,
            procure(ProcurementStep::MaterialsOrdered),
        );
        assert_eq!(status(&t), Status::AwaitingMaterials);
        apply(
            &mut t,
            &procurement,
            2_200,
            procure(ProcurementStep::MaterialsReceived),
        );
        assert_eq!(status(&t), Status::AwaitingManufacture);
        // Only manufacturing builds; only inspection tests; only commerce ships.
        for (who, op) in [
            (
                &inspection,
                Operation::RecordManufacture {
                    note: String::new(),
                },
            ),
            (&manufacturing, test(Verdict::Passed)),
            (
                &procurement,
                Operation::ShipUnit {
                    shipped_on: "2026-12-01".parse().expect("date"),
                    note: String::new(),
                },
            ),
            (
                &author("desk.wang", Role::ServiceDesk),
                Operation::RecordInstallation {
                    note: String::new(),
                },
            ),
        ] {
            let heads = t.heads();
            let refused = t.apply(who, Timestamp(2_250), &op);
            assert!(
                matches!(refused, Err(Error::NotPermitted { .. })),
                "{refused:?}"
            );
            assert_eq!(t.heads(), heads);
        }
        let build = Operation::RecordManufacture {
            note: "new breaker built".into(),
        };
        apply(&mut t, &manufacturing, 2_300, build.clone());
        assert_eq!(status(&t), Status::AwaitingOutgoingTest);
        // A test that neither passes nor fails is refused; a failed one sends it back.
        let judged = t.apply(
            &inspection,
            Timestamp(2_350),
            &test(Verdict::DefectConfirmed),
        );
        assert!(matches!(judged, Err(Error::Invalid { .. })), "{judged:?}");
        apply(&mut t, &inspection, 2_400, test(Verdict::Failed));
        assert_eq!(status(&t), Status::AwaitingManufacture);
        apply(&mut t, &manufacturing, 2_500, build);
        assert_eq!(status(&t), Status::AwaitingOutgoingTest);
        apply(&mut t, &inspection, 2_600, test(Verdict::Passed));
        assert_eq!(status(&t), Status::AwaitingShipment);
        let ship = Operation::ShipUnit {
            shipped_on: "2026-12-01".parse().expect("date"),
            note: "SF 1234".into(),
        };
        apply(&mut t, &author("com.li", Role::Commerce), 2_700, ship);
        assert_eq!(status(&t), Status::AwaitingInstallation);
        let install = Operation::RecordInstallation {
            note: "bay 3".into(),
        };
        apply(
            &mut t,
            &author("tech.zhang", Role::Technician),
            2_800,
            install,
        );
        assert_eq!(status(&t), Status::Resolved);
        let view = t.view().expect("view");
        assert_eq!(view.fulfilment.len(), 8);
        assert_eq!(
            view.fulfilment[6].shipped_on.map(|d| d.to_string()),
            Some("2026-12-01".into())
        );
        assert_eq!(track(&view), Some(Track::Complete));
    }

    #[test]
    fn a_return_comes_back_is_judged_repaired_or_not_and_goes_out_again() {
        let mut t = new_ticket();
        decide(&mut t, 2_000, Disposition::ReturnToFactory);
        assert_eq!(status(&t), Status::AwaitingReturn);
        let unit = apply(
            &mut t,
            &author("tech.zhang", Role::Technician),
            2_100,
            Operation::RequestReturn {
                unit: "J2026-0417".into(),
                reason: "interrupter leaks".into(),
            },
        )
        .expect("return");
        assert_eq!(status(&t), Status::AwaitingReturn);
        let inspection = author("insp.sun", Role::Inspection);
        let receive = Operation::ReceiveReturn {
            return_id: unit.clone(),
        };
        apply(&mut t, &inspection, 2_200, receive);
        assert_eq!(status(&t), Status::AwaitingInspection);
        let mut judged = t.clone();
        let incoming = |verdict| Operation::RecordInspection {
            return_id: unit.clone(),
            stage: InspectionStage::Incoming,
            verdict,
            findings: "bench".into(),
        };
        // No defect: the unit goes straight back to the customer.
        apply(
            &mut judged,
            &inspection,
            2_300,
            incoming(Verdict::NoDefectFound),
        );
        assert_eq!(status(&judged), Status::AwaitingShipment);
        // A defect: procurement's supplier repairs it, then it is tested again (a retest of
        // the returned unit is its outgoing test).
        apply(
            &mut t,
            &inspection,
            2_300,
            incoming(Verdict::DefectConfirmed),
        );
        assert_eq!(status(&t), Status::AwaitingManufacture);
        let procurement = author("proc.wu", Role::Procurement);
        apply(
            &mut t,
            &procurement,
            2_400,
            procure(ProcurementStep::SentToSupplier),
        );
        assert_eq!(status(&t), Status::AwaitingSupplierRepair);
        apply(
            &mut t,
            &procurement,
            2_500,
            procure(ProcurementStep::ReturnedBySupplier),
        );
        let repaired = Operation::RecordManufacture {
            note: "interrupter replaced".into(),
        };
        apply(
            &mut t,
            &author("mfg.zhao", Role::Manufacturing),
            2_600,
            repaired,
        );
        assert_eq!(status(&t), Status::AwaitingOutgoingTest);
        let retest = Operation::RecordInspection {
            return_id: unit,
            stage: InspectionStage::Retest,
            verdict: Verdict::Passed,
            findings: "ok".into(),
        };
        apply(&mut t, &inspection, 2_700, retest);
        assert_eq!(status(&t), Status::AwaitingShipment);
    }

    #[test]
    fn a_repair_on_site_has_no_track_and_refuses_its_entries() {
        let mut t = new_ticket();
        decide(&mut t, 2_000, Disposition::RepairOnSite);
        assert_eq!(track(&t.view().expect("view")), None);
        let heads = t.heads();
        let refused = t.apply(
            &author("com.li", Role::Commerce),
            Timestamp(3_000),
            &Operation::ShipUnit {
                shipped_on: "2026-12-01".parse().expect("date"),
                note: String::new(),
            },
        );
        assert!(matches!(refused, Err(Error::Invalid { .. })), "{refused:?}");
        assert_eq!(t.heads(), heads);
    }
}
