//! Everything a user can do to an existing ticket, as data: each [`Operation`] becomes exactly
//! one automerge change with a message naming the action and its author.

use std::cell::Cell;

use automerge::transaction::{Transactable, Transaction};
use automerge::{ActorId, ChangeHash, ObjId, ObjType, ROOT, ReadDoc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use strum::{EnumDiscriminants, IntoStaticStr, VariantArray};

use super::closure;
use super::codec::child;
use super::cost::{self, NewAdvance, NewCost};
use super::decision::{self, Disposition};
use super::delivery;
use super::dispatch::{self, NewTravelOrder};
use super::followup::{self, ContactMethod};
use super::fulfilment::{self, FulfilmentKind, ProcurementStep};
use super::intake::{self, IntakeAmendment};
use super::letter;
use super::quality::{self, ActionStatus, GuidanceKind, NewAction, Responsibility};
use super::returns::{self, InspectionStage, Verdict};
use super::signoff::{self, NewSignOff};
use super::visit::{self, Work};
use crate::author::Author;
use crate::blob::BlobRef;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::{self, DutyFacts, Permission};
use crate::role::Role;
use crate::section::Section;
use crate::time::{Date, Timestamp};

/// One step of the service flow, recorded on an existing ticket. Its name (the `op` tag) is
/// serde's, and its [`OperationKind`]'s is strum's: the same snake case of the variant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, EnumDiscriminants)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
#[strum_discriminants(
    name(OperationKind),
    derive(Hash, IntoStaticStr, VariantArray),
    strum(serialize_all = "snake_case"),
    doc = "What an [`Operation`] does, without its data; `OperationKind::VARIANTS` lists every one."
)]
pub enum Operation {
    /// Corrects registration fields.
    AmendIntake(IntakeAmendment),
    /// Passes the registered form on to the roles that must act.
    HandOff {
        /// The receiving departments (roles).
        to: Vec<Role>,
        /// The person within them it is addressed to, if any.
        #[serde(default)]
        person: Option<UserId>,
        /// A note for them.
        note: String,
    },
    /// A receiving department acknowledges that a hand-off reached it.
    AcknowledgeHandOff {
        /// The hand-off.
        handoff_id: EntryId,
    },
    /// Issues a travel task order.
    IssueTravelOrder(NewTravelOrder),
    /// Changes who an order assigns.
    ReassignOrder {
        /// The order.
        order_id: EntryId,
        /// The new assignees.
        assignees: Vec<UserId>,
    },
    /// The technician arrives on site; starts a visit.
    Arrive {
        /// The order served, if any.
        order_id: Option<EntryId>,
        /// Where.
        site: String,
    },
    /// The technician leaves the site; ends a visit.
    Depart {
        /// The visit.
        visit_id: EntryId,
    },
    /// Adds a work-log entry to a visit.
    LogWork {
        /// The visit.
        visit_id: EntryId,
        /// What was done.
        work: Work,
    },
    /// Attaches a stored photo to a visit.
    AttachPhoto {
        /// The visit.
        visit_id: EntryId,
        /// The stored file.
        blob: BlobRef,
        /// What it shows.
        caption: String,
    },
    /// Records a disposition; it supersedes every entry currently in force.
    Decide {
        /// The remedy.
        disposition: Disposition,
        /// Why.
        rationale: String,
    },
    /// Asks for a unit to be returned to the factory.
    RequestReturn {
        /// The unit's job number or serial.
        unit: String,
        /// Why.
        reason: String,
    },
    /// The returned unit arrived at the factory.
    ReceiveReturn {
        /// The return.
        return_id: EntryId,
    },
    /// Records an inspection of a returned or retested unit.
    RecordInspection {
        /// The return.
        return_id: EntryId,
        /// Incoming or retest.
        stage: InspectionStage,
        /// The verdict.
        verdict: Verdict,
        /// What was found.
        findings: String,
    },
    /// Records the cause found.
    RecordCause {
        /// The cause.
        cause: String,
        /// The code of the cause in the office's cause code list, when QA chose one (the office
        /// server refuses a code the list lacks).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause_code: Option<String>,
    },
    /// Rules on responsibility.
    RuleResponsibility {
        /// The responsible party.
        responsibility: Responsibility,
    },
    /// Raises a corrective or preventive action.
    AddCorrectiveAction(NewAction),
    /// Moves a corrective or preventive action on.
    SetActionStatus {
        /// The action.
        action_id: EntryId,
        /// Its new status.
        status: ActionStatus,
        /// What shows it (kept when empty).
        #[serde(default)]
        evidence: String,
    },
    /// Writes or rewrites the technical analysis letter.
    DraftLetter {
        /// Its reference number.
        number: String,
        /// The text.
        body: String,
    },
    /// Issues the letter; it can no longer change.
    IssueLetter,
    /// Registers a service cost.
    SubmitCost(NewCost),
    /// Audits a cost.
    AuditCost {
        /// The cost.
        cost_id: EntryId,
        /// Approved or not.
        approved: bool,
        /// The auditor's note.
        note: String,
    },
    /// Settles an approved cost.
    SettleCost {
        /// The cost.
        cost_id: EntryId,
        /// The accounting reference.
        reference: String,
    },
    /// Finance pays a technician a travel advance (差旅借款) against the ticket.
    RecordAdvance(NewAdvance),
    /// Finance clears (冲账) a travel advance against the technician's settled expense claims.
    ClearAdvance {
        /// The advance.
        advance_id: EntryId,
        /// The accounting reference of the clearing.
        reference: String,
    },
    /// Plans a return visit.
    PlanReturnVisit {
        /// The day.
        planned_for: Date,
        /// How.
        method: ContactMethod,
        /// Who is to do it; the planner when absent.
        #[serde(default)]
        assignee: Option<UserId>,
    },
    /// Records the outcome of a return visit.
    RecordReturnVisit {
        /// The return visit.
        visit_id: EntryId,
        /// How it was done.
        method: ContactMethod,
        /// Satisfaction 1 to 5.
        satisfaction: u8,
        /// Whether the customer considers it resolved.
        resolved: bool,
        /// What the customer said.
        notes: String,
    },
    /// Records the customer's sign-off of the ticket as it stands.
    SignOff(NewSignOff),
    /// Records the day the product shipped.
    RecordShipment {
        /// The day.
        shipped_on: Date,
        /// Carrier, waybill.
        #[serde(default)]
        note: String,
    },
    /// The technical department has sent the electronic drawings to the drawing mailbox.
    SendDrawings {
        /// Which drawings, where.
        #[serde(default)]
        note: String,
    },
    /// Closes the ticket; refused, naming what is missing, until the regulation's requirements
    /// are recorded (see [`closure::missing`]).
    Close {
        /// Why or how it closes.
        #[serde(default)]
        note: String,
    },
    /// Procurement records material ordered or received, or a part sent to or back from its
    /// supplier for repair.
    RecordProcurement {
        /// Which.
        step: ProcurementStep,
        /// The material or part, the supplier, the order.
        #[serde(default)]
        note: String,
    },
    /// Manufacturing built the replacement or repaired the returned unit.
    RecordManufacture {
        /// What was built or repaired.
        #[serde(default)]
        note: String,
    },
    /// Inspection tested the replacement or repaired unit before it ships.
    RecordOutgoingTest {
        /// Passed or failed.
        verdict: Verdict,
        /// What was found.
        #[serde(default)]
        findings: String,
    },
    /// Commerce shipped the replacement or repaired unit to the customer.
    ShipUnit {
        /// The day.
        shipped_on: Date,
        /// Carrier, waybill.
        #[serde(default)]
        note: String,
    },
    /// A technician installed the replacement or repaired unit on site.
    RecordInstallation {
        /// Where and how.
        #[serde(default)]
        note: String,
    },
    /// The technical department issues written guidance for the site or a retrofit plan.
    IssueGuidance {
        /// Guidance or a retrofit plan.
        kind: GuidanceKind,
        /// Its title or document number.
        title: String,
        /// What is to be done.
        body: String,
    },
    /// Records that the issued technical analysis letter reached the customer, and how.
    RecordLetterDelivery {
        /// How it was delivered (post and tracking number, by hand, e-mail).
        note: String,
    },
    /// The general manager records their review of a major complaint (重大投诉), which it
    /// needs before it closes.
    ReviewMajorComplaint {
        /// What the manager found or ordered.
        note: String,
    },
    /// The ticket's sales representative confirms whether the customer's service requirements
    /// were met (3.11), once the ticket is resolved or closed.
    ConfirmServiceMet {
        /// Whether they were met.
        met: bool,
        /// What the customer said; required when they were not met.
        #[serde(default)]
        note: String,
    },
}

impl Operation {
    /// The action's stable name, as written in the change message.
    pub fn name(&self) -> &'static str {
        OperationKind::from(self).name()
    }

    /// The section the operation writes.
    pub fn section(&self) -> Section {
        OperationKind::from(self).section()
    }

    /// Writes the operation into `tx`; returns the id of the entry it created, if any.
    pub(crate) fn write(
        &self,
        tx: &mut Transaction<'_>,
        ctx: &WriteContext<'_>,
    ) -> Result<Option<EntryId>> {
        let created = match self {
            Operation::AmendIntake(a) => intake::amend(tx, ctx, a).map(|()| None)?,
            Operation::HandOff { to, person, note } => {
                Some(dispatch::hand_off(tx, ctx, to, person.as_ref(), note)?)
            }
            Operation::AcknowledgeHandOff { handoff_id } => {
                Some(dispatch::acknowledge(tx, ctx, handoff_id)?)
            }
            Operation::IssueTravelOrder(order) => Some(dispatch::issue_order(tx, ctx, order)?),
            Operation::ReassignOrder {
                order_id,
                assignees,
            } => dispatch::reassign(tx, ctx, order_id, assignees).map(|()| None)?,
            Operation::Arrive { order_id, site } => {
                Some(visit::arrive(tx, ctx, order_id.as_ref(), site)?)
            }
            Operation::Depart { visit_id } => visit::depart(tx, ctx, visit_id).map(|()| None)?,
            Operation::LogWork { visit_id, work } => {
                Some(visit::log_work(tx, ctx, visit_id, work)?)
            }
            Operation::AttachPhoto {
                visit_id,
                blob,
                caption,
            } => Some(visit::attach_photo(tx, ctx, visit_id, blob, caption)?),
            Operation::Decide {
                disposition,
                rationale,
            } => Some(decision::decide(tx, ctx, *disposition, rationale)?),
            Operation::RequestReturn { unit, reason } => {
                Some(returns::request(tx, ctx, unit, reason)?)
            }
            Operation::ReceiveReturn { return_id } => {
                returns::receive(tx, ctx, return_id).map(|()| None)?
            }
            Operation::RecordInspection {
                return_id,
                stage,
                verdict,
                findings,
            } => Some(returns::inspect(
                tx, ctx, return_id, *stage, *verdict, findings,
            )?),
            Operation::RecordCause { cause, cause_code } => {
                quality::record_cause(tx, ctx, cause, cause_code.as_deref()).map(|()| None)?
            }
            Operation::RuleResponsibility { responsibility } => {
                quality::rule(tx, ctx, *responsibility).map(|()| None)?
            }
            Operation::AddCorrectiveAction(action) => Some(quality::add_action(tx, ctx, action)?),
            Operation::SetActionStatus {
                action_id,
                status,
                evidence,
            } => {
                quality::set_action_status(tx, ctx, action_id, *status, evidence).map(|()| None)?
            }
            Operation::DraftLetter { number, body } => {
                letter::draft(tx, ctx, number, body).map(|()| None)?
            }
            Operation::IssueLetter => letter::issue(tx, ctx).map(|()| None)?,
            Operation::SubmitCost(cost) => Some(cost::submit(tx, ctx, cost)?),
            Operation::AuditCost {
                cost_id,
                approved,
                note,
            } => cost::audit(tx, ctx, cost_id, *approved, note).map(|()| None)?,
            Operation::SettleCost { cost_id, reference } => {
                cost::settle(tx, ctx, cost_id, reference).map(|()| None)?
            }
            Operation::RecordAdvance(advance) => Some(cost::record_advance(tx, ctx, advance)?),
            Operation::ClearAdvance {
                advance_id,
                reference,
            } => cost::clear_advance(tx, ctx, advance_id, reference).map(|()| None)?,
            Operation::PlanReturnVisit {
                planned_for,
                method,
                assignee,
            } => Some(followup::plan(
                tx,
                ctx,
                *planned_for,
                *method,
                assignee.as_ref(),
            )?),
            Operation::RecordReturnVisit {
                visit_id,
                method,
                satisfaction,
                resolved,
                notes,
            } => followup::record(tx, ctx, visit_id, *method, *satisfaction, *resolved, notes)
                .map(|()| None)?,
            Operation::SignOff(s) => Some(signoff::sign(tx, ctx, s)?),
            Operation::Close { note } => Some(closure::close(tx, ctx, note)?),
            Operation::RecordShipment { shipped_on, note } => {
                delivery::record_shipment(tx, ctx, *shipped_on, note).map(|()| None)?
            }
            Operation::SendDrawings { note } => {
                delivery::send_drawings(tx, ctx, note).map(|()| None)?
            }
            Operation::RecordProcurement { step, note } => Some(fulfilment::record(
                tx,
                ctx,
                fulfilment::Record::of((*step).into(), note),
            )?),
            Operation::RecordManufacture { note } => Some(fulfilment::record(
                tx,
                ctx,
                fulfilment::Record::of(FulfilmentKind::Manufactured, note),
            )?),
            Operation::RecordOutgoingTest { verdict, findings } => Some(fulfilment::record(
                tx,
                ctx,
                fulfilment::Record {
                    verdict: Some(*verdict),
                    ..fulfilment::Record::of(FulfilmentKind::OutgoingTest, findings)
                },
            )?),
            Operation::ShipUnit { shipped_on, note } => Some(fulfilment::record(
                tx,
                ctx,
                fulfilment::Record {
                    shipped_on: Some(*shipped_on),
                    ..fulfilment::Record::of(FulfilmentKind::Shipped, note)
                },
            )?),
            Operation::RecordInstallation { note } => Some(fulfilment::record(
                tx,
                ctx,
                fulfilment::Record::of(FulfilmentKind::Installed, note),
            )?),
            Operation::IssueGuidance { kind, title, body } => {
                Some(quality::issue_guidance(tx, ctx, *kind, title, body)?)
            }
            Operation::RecordLetterDelivery { note } => {
                letter::record_delivery(tx, ctx, note).map(|()| None)?
            }
            Operation::ReviewMajorComplaint { note } => {
                quality::review_major(tx, ctx, note).map(|()| None)?
            }
            Operation::ConfirmServiceMet { met, note } => {
                Some(followup::confirm_service(tx, ctx, *met, note)?)
            }
        };
        Ok(created)
    }
}

/// What every write needs to know: who writes, when, and the heads the change builds on.
pub(crate) struct WriteContext<'a> {
    pub(crate) author: &'a Author,
    /// The row of the authority table the action was admitted by; its duty is checked on the
    /// facts the write reads.
    permission: &'static Permission,
    pub(crate) at: Timestamp,
    pub(crate) base_heads: Vec<ChangeHash>,
    /// What tells this change apart from every other change of the ticket (its actor and base
    /// heads), from which the ids of the entries it makes are derived.
    basis: [u8; 32],
    /// How many entries this change has made so far.
    entries: Cell<u32>,
}

impl<'a> WriteContext<'a> {
    /// The context of a change by `actor` on `base_heads`, for the action of `permission`.
    pub(crate) fn new(
        author: &'a Author,
        permission: &'static Permission,
        at: Timestamp,
        actor: &ActorId,
        base_heads: Vec<ChangeHash>,
    ) -> Self {
        let mut basis = Sha256::new().chain_update(actor.to_bytes());
        for head in &base_heads {
            basis.update(head.0);
        }
        Self {
            author,
            permission,
            at,
            base_heads,
            basis: basis.finalize().into(),
            entries: Cell::new(0),
        }
    }

    /// The id of a new entry that this change makes: derived, not random, so that one history
    /// always names its entries alike (and a seeded simulation replays byte for byte).
    pub(crate) fn new_entry_id(&self) -> EntryId {
        let n = self.entries.get();
        self.entries.set(n + 1);
        EntryId::derived(&self.basis, n)
    }

    /// The map of a section, created when a document from elsewhere lacks it.
    pub(crate) fn section(&self, tx: &mut Transaction<'_>, section: Section) -> Result<ObjId> {
        match child(tx, &ROOT, section.key(), ObjType::Map)? {
            Some(obj) => Ok(obj),
            None => Ok(tx.put_object(ROOT, section.key(), ObjType::Map)?),
        }
    }

    /// A map of entries inside a section, such as `dispatch.orders`.
    pub(crate) fn collection(
        &self,
        tx: &mut Transaction<'_>,
        section: Section,
        key: &str,
    ) -> Result<ObjId> {
        let parent = self.section(tx, section)?;
        match child(tx, &parent, key, ObjType::Map)? {
            Some(obj) => Ok(obj),
            None => Ok(tx.put_object(&parent, key, ObjType::Map)?),
        }
    }

    /// A list inside an entry, such as a visit's work log.
    pub(crate) fn list(&self, tx: &mut Transaction<'_>, entry: &ObjId, key: &str) -> Result<ObjId> {
        match child(tx, entry, key, ObjType::List)? {
            Some(obj) => Ok(obj),
            None => Ok(tx.put_object(entry, key, ObjType::List)?),
        }
    }

    /// The entry `id` of the map `parent`, which must exist.
    pub(crate) fn entry(
        &self,
        tx: &Transaction<'_>,
        parent: &ObjId,
        id: &EntryId,
        kind: &'static str,
    ) -> Result<ObjId> {
        child(tx, parent, id.as_str(), ObjType::Map)?.ok_or_else(|| Error::UnknownEntry {
            kind,
            id: id.to_string(),
        })
    }

    /// The scalar field `key` of the object `obj`, decoded, or `None` when it is absent or of
    /// another type.
    pub(crate) fn field<T: serde::de::DeserializeOwned>(
        &self,
        tx: &Transaction<'_>,
        obj: &ObjId,
        key: &str,
    ) -> Result<Option<T>> {
        Ok(match tx.get(obj, key)? {
            Some((automerge::Value::Scalar(s), _)) => {
                serde_json::from_value(super::codec::scalar_to_json(&s)).ok()
            }
            _ => None,
        })
    }

    /// Refuses unless the author keeps the duty of this change's action on these facts.
    pub(crate) fn duty(&self, facts: &DutyFacts<'_>) -> Result<()> {
        policy::check_duty(self.author, self.permission, facts)
    }

    /// Reads the whole section as JSON, as the transaction sees it.
    pub(crate) fn read_section(
        &self,
        tx: &Transaction<'_>,
        section: Section,
    ) -> Result<serde_json::Value> {
        match child(tx, &ROOT, section.key(), ObjType::Map)? {
            Some(obj) => super::codec::read_json(tx, &obj, ObjType::Map, None),
            None => Ok(serde_json::Value::Null),
        }
    }
}

impl OperationKind {
    /// The action's stable name, as written in the change message and the policy table.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The section the operation writes.
    pub fn section(self) -> Section {
        match self {
            OperationKind::AmendIntake => Section::Intake,
            OperationKind::HandOff
            | OperationKind::AcknowledgeHandOff
            | OperationKind::IssueTravelOrder
            | OperationKind::ReassignOrder => Section::Dispatch,
            OperationKind::Arrive
            | OperationKind::Depart
            | OperationKind::LogWork
            | OperationKind::AttachPhoto => Section::Visits,
            OperationKind::Decide => Section::Decisions,
            OperationKind::RequestReturn
            | OperationKind::ReceiveReturn
            | OperationKind::RecordInspection => Section::Returns,
            OperationKind::RecordCause
            | OperationKind::RuleResponsibility
            | OperationKind::AddCorrectiveAction
            | OperationKind::SetActionStatus
            | OperationKind::ReviewMajorComplaint
            | OperationKind::IssueGuidance => Section::Quality,
            OperationKind::DraftLetter
            | OperationKind::IssueLetter
            | OperationKind::RecordLetterDelivery => Section::Letter,
            OperationKind::SubmitCost
            | OperationKind::AuditCost
            | OperationKind::SettleCost
            | OperationKind::RecordAdvance
            | OperationKind::ClearAdvance => Section::Costs,
            OperationKind::PlanReturnVisit
            | OperationKind::RecordReturnVisit
            | OperationKind::ConfirmServiceMet => Section::Followups,
            OperationKind::SignOff => Section::Signoff,
            OperationKind::Close => Section::Closure,
            OperationKind::RecordShipment | OperationKind::SendDrawings => Section::Delivery,
            OperationKind::RecordProcurement
            | OperationKind::RecordManufacture
            | OperationKind::RecordOutgoingTest
            | OperationKind::ShipUnit
            | OperationKind::RecordInstallation => Section::Fulfilment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_name_is_the_serde_tag_and_the_policy_action() {
        for op in [
            Operation::IssueLetter,
            Operation::Close {
                note: "done".into(),
            },
            Operation::RecordCause {
                cause: "relay".into(),
                cause_code: None,
            },
            Operation::HandOff {
                to: vec![Role::Technician],
                person: None,
                note: String::new(),
            },
        ] {
            let json = serde_json::to_value(&op).ok();
            assert_eq!(
                json.as_ref().and_then(|v| v["op"].as_str()),
                Some(op.name())
            );
            let permission = policy::PERMISSIONS.iter().find(|p| p.action == op.name());
            assert_eq!(permission.map(|p| p.section), Some(op.section()));
        }
        assert_eq!(
            Operation::RecordShipment {
                shipped_on: "2026-03-01".parse().expect("date"),
                note: String::new(),
            }
            .name(),
            "record_shipment"
        );
    }
}
