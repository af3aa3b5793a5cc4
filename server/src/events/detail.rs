//! What each kind of event carries: one type per kind, which is the webhook contract (written
//! out in `docs/operations.md`, under "What each event carries", and held to these types by a
//! test).
//!
//! A detail is written as the JSON object of its fields; the kind travels beside it, as the
//! event's `kind` and the outbox's column. The fields of each type are declared in the order of
//! their names, so that the JSON text is the same, byte for byte, as what earlier versions wrote
//! to the outbox and sent.

use fieldledger_core::ticket::cost::{Bearer, CostKind};
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::fulfilment::Awaiting;
use fieldledger_core::ticket::returns::{InspectionStage, Verdict};
use fieldledger_core::{Date, EntryId, Role, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use super::EventKind;
use crate::deadlines::OnClock;
use crate::major::MajorReason;

/// The detail of an event; its variant is the event's kind.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum EventDetail {
    /// A ticket reached the server for the first time.
    Registered(Registered),
    /// The complaint form was handed off.
    HandedOff(HandedOff),
    /// A travel task order was issued.
    Dispatched(Dispatched),
    /// A technician arrived on site.
    ArrivedOnSite(ArrivedOnSite),
    /// A disposition was recorded.
    DecisionRecorded(Decision),
    /// Dispositions recorded apart disagree.
    DecisionConflict(DecisionConflict),
    /// A replacement or a return to the factory was decided, or a unit was asked back.
    ReplacementOrReturnRequested(ReplacementOrReturn),
    /// A returned unit got an inspection or retest verdict.
    InspectionVerdict(InspectionVerdict),
    /// The customer signed off the work.
    SignedOff(SignedOff),
    /// A service cost was submitted.
    CostSubmitted(CostSubmitted),
    /// A service cost was audited.
    CostAudited(CostAudited),
    /// A return visit was recorded.
    ReturnVisitRecorded(ReturnVisitOutcome),
    /// A return visit found the problem not resolved.
    Reopened(ReturnVisitOutcome),
    /// A ticket was judged a major complaint.
    MajorComplaint(MajorComplaint),
    /// The service department closed the ticket.
    Closed(Closed),
    /// A deadline was missed.
    DeadlineMissed(DeadlineMissed),
    /// A return visit's planned day has come.
    ReturnVisitDue(ReturnVisitDue),
    /// A return visit is not done in time.
    ReturnVisitOverdue(ReturnVisitOverdue),
    /// A receiving department acknowledged a hand-off.
    HandoffAcknowledged(HandoffAcknowledged),
    /// A replacement's or a return's track waits for a department.
    FulfilmentTurn(FulfilmentTurn),
    /// A return visit's satisfaction is low.
    LowSatisfaction(LowSatisfaction),
    /// A confirmed complaint meets the criteria of a major one.
    MajorCriteriaMet(MajorCriteriaMet),
    /// A major complaint lacks the general manager's review in time.
    MajorEscalated(MajorEscalated),
    /// The sales representative found the service requirements not met.
    ServiceNotMet(ServiceNotMet),
}

impl EventDetail {
    /// The kind of event this is the detail of.
    pub fn kind(&self) -> EventKind {
        match self {
            EventDetail::Registered(_) => EventKind::Registered,
            EventDetail::HandedOff(_) => EventKind::HandedOff,
            EventDetail::Dispatched(_) => EventKind::Dispatched,
            EventDetail::ArrivedOnSite(_) => EventKind::ArrivedOnSite,
            EventDetail::DecisionRecorded(_) => EventKind::DecisionRecorded,
            EventDetail::DecisionConflict(_) => EventKind::DecisionConflict,
            EventDetail::ReplacementOrReturnRequested(_) => EventKind::ReplacementOrReturnRequested,
            EventDetail::InspectionVerdict(_) => EventKind::InspectionVerdict,
            EventDetail::SignedOff(_) => EventKind::SignedOff,
            EventDetail::CostSubmitted(_) => EventKind::CostSubmitted,
            EventDetail::CostAudited(_) => EventKind::CostAudited,
            EventDetail::ReturnVisitRecorded(_) => EventKind::ReturnVisitRecorded,
            EventDetail::Reopened(_) => EventKind::Reopened,
            EventDetail::MajorComplaint(_) => EventKind::MajorComplaint,
            EventDetail::Closed(_) => EventKind::Closed,
            EventDetail::DeadlineMissed(_) => EventKind::DeadlineMissed,
            EventDetail::ReturnVisitDue(_) => EventKind::ReturnVisitDue,
            EventDetail::ReturnVisitOverdue(_) => EventKind::ReturnVisitOverdue,
            EventDetail::HandoffAcknowledged(_) => EventKind::HandoffAcknowledged,
            EventDetail::FulfilmentTurn(_) => EventKind::FulfilmentTurn,
            EventDetail::LowSatisfaction(_) => EventKind::LowSatisfaction,
            EventDetail::MajorCriteriaMet(_) => EventKind::MajorCriteriaMet,
            EventDetail::MajorEscalated(_) => EventKind::MajorEscalated,
            EventDetail::ServiceNotMet(_) => EventKind::ServiceNotMet,
        }
    }

    /// The roles told of the event: those of its kind, and the departments it is addressed to
    /// (a hand-off's receivers, the department whose turn it is).
    pub fn audience(&self) -> Vec<Role> {
        let mut roles = self.kind().audience();
        let addressed: &[Role] = match self {
            EventDetail::HandedOff(h) => &h.to,
            EventDetail::FulfilmentTurn(t) => &t.departments,
            _ => &[],
        };
        for role in addressed {
            if !roles.contains(role) {
                roles.push(*role);
            }
        }
        roles
    }

    /// Reads the JSON text `json` of the detail of an event of `kind`, as the outbox keeps it.
    pub fn from_json(kind: EventKind, json: &str) -> serde_json::Result<EventDetail> {
        use serde_json::from_str as read;
        Ok(match kind {
            EventKind::Registered => EventDetail::Registered(read(json)?),
            EventKind::HandedOff => EventDetail::HandedOff(read(json)?),
            EventKind::Dispatched => EventDetail::Dispatched(read(json)?),
            EventKind::ArrivedOnSite => EventDetail::ArrivedOnSite(read(json)?),
            EventKind::DecisionRecorded => EventDetail::DecisionRecorded(read(json)?),
            EventKind::DecisionConflict => EventDetail::DecisionConflict(read(json)?),
            EventKind::ReplacementOrReturnRequested => {
                EventDetail::ReplacementOrReturnRequested(read(json)?)
            }
            EventKind::InspectionVerdict => EventDetail::InspectionVerdict(read(json)?),
            EventKind::SignedOff => EventDetail::SignedOff(read(json)?),
            EventKind::CostSubmitted => EventDetail::CostSubmitted(read(json)?),
            EventKind::CostAudited => EventDetail::CostAudited(read(json)?),
            EventKind::ReturnVisitRecorded => EventDetail::ReturnVisitRecorded(read(json)?),
            EventKind::Reopened => EventDetail::Reopened(read(json)?),
            EventKind::MajorComplaint => EventDetail::MajorComplaint(read(json)?),
            EventKind::Closed => EventDetail::Closed(read(json)?),
            EventKind::DeadlineMissed => EventDetail::DeadlineMissed(read(json)?),
            EventKind::ReturnVisitDue => EventDetail::ReturnVisitDue(read(json)?),
            EventKind::ReturnVisitOverdue => EventDetail::ReturnVisitOverdue(read(json)?),
            EventKind::HandoffAcknowledged => EventDetail::HandoffAcknowledged(read(json)?),
            EventKind::FulfilmentTurn => EventDetail::FulfilmentTurn(read(json)?),
            EventKind::LowSatisfaction => EventDetail::LowSatisfaction(read(json)?),
            EventKind::MajorCriteriaMet => EventDetail::MajorCriteriaMet(read(json)?),
            EventKind::MajorEscalated => EventDetail::MajorEscalated(read(json)?),
            EventKind::ServiceNotMet => EventDetail::ServiceNotMet(read(json)?),
        })
    }
}

/// A ticket reached the server for the first time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registered {
    /// Who registered it, if the ticket says.
    pub by: Option<UserId>,
    /// The customer's name.
    pub customer: String,
    /// The product's name.
    pub product: String,
    /// When it was registered (device time), if the ticket says.
    pub recorded_at: Option<Timestamp>,
}

/// The complaint form was handed off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandedOff {
    /// Who handed it off.
    pub by: UserId,
    /// The hand-off's entry.
    pub entry: EntryId,
    /// The person it is addressed to within the departments, if one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<UserId>,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// The departments (roles) it went to; they hear of it.
    pub to: Vec<Role>,
}

/// A receiving department acknowledged a hand-off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoffAcknowledged {
    /// Who acknowledged it.
    pub by: UserId,
    /// The acknowledgement's entry.
    pub entry: EntryId,
    /// The hand-off acknowledged.
    pub handoff: EntryId,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// For which department.
    pub role: Role,
}

/// A replacement's or a return's fulfilment track waits for a department: its turn.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FulfilmentTurn {
    /// The departments whose turn it is; they hear of it.
    pub departments: Vec<Role>,
    /// The step waited for.
    pub step: Awaiting,
}

/// A travel task order was issued.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dispatched {
    /// The people sent.
    pub assignees: Vec<UserId>,
    /// Who issued it.
    pub by: UserId,
    /// The order's entry.
    pub entry: EntryId,
    /// The order's number.
    pub number: String,
    /// When it was issued (device time).
    pub recorded_at: Timestamp,
}

/// A technician arrived on site.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ArrivedOnSite {
    /// The technician.
    pub by: UserId,
    /// The visit's entry.
    pub entry: EntryId,
    /// The arrival (device time).
    pub recorded_at: Timestamp,
    /// Where, in words.
    pub site: String,
}

/// A disposition recorded: the detail of `decision_recorded`, and of
/// `replacement_or_return_requested` when a replacement or a return to the factory is decided.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// Who decided.
    pub by: UserId,
    /// The remedy.
    pub disposition: Disposition,
    /// The decision's entry.
    pub entry: EntryId,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// The role the decider held.
    pub role: Role,
}

/// Dispositions recorded apart disagree.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecisionConflict {
    /// The dispositions that disagree.
    pub entries: Vec<ConflictingDecision>,
}

/// One of the dispositions of a conflict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictingDecision {
    /// Who decided.
    pub by: UserId,
    /// The remedy.
    pub disposition: Disposition,
    /// The decision's entry.
    pub entry: EntryId,
}

/// Why a replacement or a return is asked for: a decision, or a unit asked back. The two have
/// no field name in common but `by`, `entry` and `recorded_at`, so the fields tell them apart.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ReplacementOrReturn {
    /// A replacement or a return to the factory was decided.
    Decision(Decision),
    /// A unit was asked back.
    Return(UnitRequested),
}

/// A unit was asked back to the factory.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnitRequested {
    /// Who asked.
    pub by: UserId,
    /// The returned unit's entry.
    pub entry: EntryId,
    /// Why.
    pub reason: String,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// The unit: its job number or serial.
    pub unit: String,
}

/// A returned unit got an inspection or retest verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InspectionVerdict {
    /// The inspector.
    pub by: UserId,
    /// The inspection's entry.
    pub entry: EntryId,
    /// When (device time).
    pub recorded_at: Timestamp,
    /// Incoming inspection or retest.
    pub stage: InspectionStage,
    /// The returned unit's entry.
    pub unit: EntryId,
    /// What was found.
    pub verdict: Verdict,
}

/// The customer signed off the work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SignedOff {
    /// The sign-off's entry.
    pub entry: EntryId,
    /// The signer's name.
    pub signer: String,
}

/// A service cost was submitted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostSubmitted {
    /// The amount in minor units (fen for CNY).
    pub amount_minor: i64,
    /// Who finally pays.
    pub bearer: Bearer,
    /// Who submitted it.
    pub by: UserId,
    /// The ISO 4217 currency code, for example `CNY`.
    pub currency: String,
    /// The cost's entry.
    pub entry: EntryId,
    /// What it paid for.
    pub kind: CostKind,
    /// When (device time).
    pub recorded_at: Timestamp,
}

/// A service cost was audited.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CostAudited {
    /// Whether it was approved.
    pub approved: bool,
    /// The auditor.
    pub by: UserId,
    /// The cost's entry.
    pub entry: EntryId,
    /// When (device time).
    pub recorded_at: Timestamp,
}

/// A return visit's outcome: the detail of `return_visit_recorded`, and of `reopened` when the
/// problem is not resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnVisitOutcome {
    /// Who made the visit.
    pub by: UserId,
    /// The return visit's entry.
    pub entry: EntryId,
    /// When it was done (device time).
    pub recorded_at: Timestamp,
    /// Whether the customer's problem is resolved.
    pub resolved: bool,
    /// The customer's satisfaction, from 1 (very unsatisfied) to 5 (very satisfied).
    pub satisfaction: u8,
}

/// A ticket was judged a major complaint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MajorComplaint {
    /// The customer's name.
    pub customer: String,
}

/// The service department closed the ticket.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Closed {
    /// Who closed it.
    pub by: UserId,
    /// The close entry.
    pub entry: EntryId,
    /// The closing note.
    pub note: String,
    /// When (device time).
    pub recorded_at: Timestamp,
}

/// A deadline was missed; `deadline` names which, and the rest depends on it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "deadline", rename_all = "snake_case")]
pub enum DeadlineMissed {
    /// The first hand-off came, or has not come, too late after registration.
    Handoff {
        /// Judged on the devices' clocks, when the ticket says when it was registered.
        device: Option<OnClock>,
        /// The ledger number, if the ticket has one.
        ledger_number: Option<String>,
        /// Judged on when the server received the ticket and the hand-off.
        receipt: Option<OnClock>,
    },
    /// An open corrective or preventive action is past its due day.
    CorrectiveAction {
        /// The due day.
        due: Date,
        /// The ledger number, if the ticket has one.
        ledger_number: Option<String>,
    },
    /// The drawings did not reach the server in time after the shipment.
    DrawingDelivery {
        /// The last day they were due on.
        due: Date,
        /// The ledger number, if the ticket has one.
        ledger_number: Option<String>,
        /// The day the product shipped.
        shipped_on: Date,
    },
}

/// A return visit's planned day has come.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnVisitDue {
    /// The customer's name.
    pub customer: String,
    /// The ledger number, if the ticket has one.
    pub ledger_number: Option<String>,
    /// The planned day.
    pub planned_for: Date,
}

/// A return visit is not done in time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReturnVisitOverdue {
    /// The customer's name.
    pub customer: String,
    /// The last day it could be done on in time.
    pub due_by: Date,
    /// The ledger number, if the ticket has one.
    pub ledger_number: Option<String>,
    /// The planned day.
    pub planned_for: Date,
}

/// A return visit's satisfaction at or below the threshold (`--low-satisfaction-threshold`),
/// whether or not the customer considers the problem resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LowSatisfaction {
    /// Who recorded the visit.
    pub by: UserId,
    /// The return visit's entry.
    pub entry: EntryId,
    /// When it was done (device time).
    pub recorded_at: Timestamp,
    /// Whether the customer considers the problem resolved.
    pub resolved: bool,
    /// The satisfaction, 1 to 5.
    pub satisfaction: u8,
    /// The threshold it is at or below.
    pub threshold: u8,
}

/// The ticket's sales representative found the customer's service requirements not met
/// (`confirm_service_met` with `met: false`); the technical service department and QA hear of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceNotMet {
    /// The representative.
    pub by: UserId,
    /// The confirmation's entry.
    pub entry: EntryId,
    /// What the customer said.
    pub note: String,
    /// When (device time).
    pub recorded_at: Timestamp,
}

/// A confirmed complaint, not judged major, meets the criteria of a major one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MajorCriteriaMet {
    /// The customer's name.
    pub customer: String,
    /// What it meets.
    pub reasons: Vec<MajorReason>,
}

/// A major complaint lacks the general manager's review past its working days.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MajorEscalated {
    /// The customer's name.
    pub customer: String,
    /// The last day the review was due on.
    pub due: Date,
    /// The ledger number, if the ticket has one.
    pub ledger_number: Option<String>,
    /// The day it was judged major.
    pub major_since: Date,
}

/// A detail of each kind, and of each shape of a kind that has several, as JSON text the way
/// the outbox has held them since events were first written (the fields in the order of their
/// names, as `serde_json::json!` wrote them).
#[cfg(test)]
pub(crate) const WRITTEN: &[(EventKind, &str)] = &[
    (
        EventKind::Registered,
        concat!(
            r#"{"by":"desk-wang","customer":"Jiangsu Grid","product":"GIS switchgear","#,
            r#""recorded_at":1764122400000}"#,
        ),
    ),
    (
        EventKind::Registered,
        r#"{"by":null,"customer":"Jiangsu Grid","product":"GIS switchgear","recorded_at":null}"#,
    ),
    (
        EventKind::HandedOff,
        concat!(
            r#"{"by":"desk-wang","entry":"e-handoff-1","recorded_at":1764123000000,"#,
            r#""to":["technical","technician"]}"#,
        ),
    ),
    (
        EventKind::HandedOff,
        concat!(
            r#"{"by":"desk-wang","entry":"e-handoff-2","person":"tech.dept.he","#,
            r#""recorded_at":1764123000000,"to":["technical"]}"#,
        ),
    ),
    (
        EventKind::Dispatched,
        concat!(
            r#"{"assignees":["tech-zhang","tech-li"],"by":"sup-chen","entry":"e-order-1","#,
            r#""number":"TO-2026-0042","recorded_at":1764124000000}"#,
        ),
    ),
    (
        EventKind::ArrivedOnSite,
        concat!(
            r#"{"by":"tech-zhang","entry":"e-visit-1","recorded_at":1764130000000,"#,
            r#""site":"Nanjing 220 kV substation, bay 3"}"#,
        ),
    ),
    (
        EventKind::DecisionRecorded,
        concat!(
            r#"{"by":"tech-zhang","disposition":"repair_on_site","entry":"e-decision-1","#,
            r#""recorded_at":1764131000000,"role":"technician"}"#,
        ),
    ),
    (
        EventKind::DecisionConflict,
        concat!(
            r#"{"entries":[{"by":"tech-zhang","disposition":"repair_on_site","#,
            r#""entry":"e-decision-1"},{"by":"tech-li","disposition":"replace","#,
            r#""entry":"e-decision-2"}]}"#,
        ),
    ),
    (
        EventKind::ReplacementOrReturnRequested,
        concat!(
            r#"{"by":"tech-li","disposition":"return_to_factory","entry":"e-decision-3","#,
            r#""recorded_at":1764131500000,"role":"technician"}"#,
        ),
    ),
    (
        EventKind::ReplacementOrReturnRequested,
        concat!(
            r#"{"by":"tech-zhang","entry":"e-return-1","reason":"breaker coil burnt","#,
            r#""recorded_at":1764132000000,"unit":"JOB-7781 serial 0042"}"#,
        ),
    ),
    (
        EventKind::InspectionVerdict,
        concat!(
            r#"{"by":"insp-zhou","entry":"e-inspection-1","recorded_at":1764200000000,"#,
            r#""stage":"incoming","unit":"e-return-1","verdict":"defect_confirmed"}"#,
        ),
    ),
    (
        EventKind::SignedOff,
        r#"{"entry":"e-signoff-1","signer":"Liu Yang"}"#,
    ),
    (
        EventKind::CostSubmitted,
        concat!(
            r#"{"amount_minor":128050,"bearer":"company","by":"tech-zhang","currency":"CNY","#,
            r#""entry":"e-cost-1","kind":"travel","recorded_at":1764140000000}"#,
        ),
    ),
    (
        EventKind::CostAudited,
        r#"{"approved":true,"by":"fin-gao","entry":"e-cost-1","recorded_at":1764300000000}"#,
    ),
    (
        EventKind::ReturnVisitRecorded,
        concat!(
            r#"{"by":"sup-chen","entry":"e-followup-1","recorded_at":1764700000000,"#,
            r#""resolved":true,"satisfaction":5}"#,
        ),
    ),
    (
        EventKind::Reopened,
        concat!(
            r#"{"by":"sup-chen","entry":"e-followup-2","recorded_at":1765300000000,"#,
            r#""resolved":false,"satisfaction":2}"#,
        ),
    ),
    (EventKind::MajorComplaint, r#"{"customer":"Jiangsu Grid"}"#),
    (
        EventKind::Closed,
        concat!(
            r#"{"by":"desk-wang","entry":"e-close-1","note":"unit replaced","#,
            r#""recorded_at":1764800000000}"#,
        ),
    ),
    (
        EventKind::DeadlineMissed,
        concat!(
            r#"{"deadline":"handoff","device":{"due_at":1764124200000,"met_at":1764126000000,"#,
            r#""state":"missed"},"ledger_number":"KS-2026-000042","#,
            r#""receipt":{"due_at":1764124300000,"met_at":null,"state":"missed"}}"#,
        ),
    ),
    (
        EventKind::DeadlineMissed,
        concat!(
            r#"{"deadline":"handoff","device":null,"ledger_number":null,"#,
            r#""receipt":{"due_at":1764124300000,"met_at":1764126100000,"state":"missed"}}"#,
        ),
    ),
    (
        EventKind::DeadlineMissed,
        r#"{"deadline":"corrective_action","due":"2026-11-27","ledger_number":"KS-2026-000042"}"#,
    ),
    (
        EventKind::DeadlineMissed,
        concat!(
            r#"{"deadline":"drawing_delivery","due":"2026-12-01","#,
            r#""ledger_number":"KS-2026-000042","shipped_on":"2026-11-26"}"#,
        ),
    ),
    (
        EventKind::ReturnVisitDue,
        concat!(
            r#"{"customer":"Jiangsu Grid","ledger_number":"KS-2026-000042","#,
            r#""planned_for":"2026-11-27"}"#,
        ),
    ),
    (
        EventKind::ReturnVisitOverdue,
        concat!(
            r#"{"customer":"Jiangsu Grid","due_by":"2026-12-01","ledger_number":"KS-2026-000042","#,
            r#""planned_for":"2026-11-27"}"#,
        ),
    ),
    (
        EventKind::HandoffAcknowledged,
        concat!(
            r#"{"by":"qa.liu","entry":"e-ack-1","handoff":"e-handoff-1","#,
            r#""recorded_at":1764122400000,"role":"quality_assurance"}"#,
        ),
    ),
    (
        EventKind::FulfilmentTurn,
        r#"{"departments":["manufacturing"],"step":"manufacture"}"#,
    ),
    (
        EventKind::LowSatisfaction,
        concat!(
            r#"{"by":"desk-wang","entry":"e-followup-1","recorded_at":1764300000000,"#,
            r#""resolved":true,"satisfaction":2,"threshold":2}"#,
        ),
    ),
    (
        EventKind::MajorCriteriaMet,
        concat!(
            r#"{"customer":"Jiangsu Grid","reasons":[{"matched":"KS-2026-000041","#,
            r#""reason":"repeat","ticket_id":"0123456789abcdef0123456789abcdef"},"#,
            r#"{"matched":"起火","reason":"keyword","ticket_id":null}]}"#,
        ),
    ),
    (
        EventKind::MajorEscalated,
        concat!(
            r#"{"customer":"Jiangsu Grid","due":"2026-11-30","ledger_number":"KS-2026-000042","#,
            r#""major_since":"2026-11-26"}"#,
        ),
    ),
    (
        EventKind::ServiceNotMet,
        concat!(
            r#"{"by":"sales.xu","entry":"e-confirmation-1","note":"still trips weekly","#,
            r#""recorded_at":1764300000000}"#,
        ),
    ),
];

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use serde_json::Value;
    use strum::VariantArray;

    use super::*;

    /// The details of [`WRITTEN`], read.
    fn written() -> Vec<EventDetail> {
        WRITTEN
            .iter()
            .map(|(kind, json)| {
                EventDetail::from_json(*kind, json).unwrap_or_else(|e| panic!("{json}: {e}"))
            })
            .collect()
    }

    #[test]
    fn details_written_before_read_as_their_kind_and_write_back_the_same_text() {
        for ((kind, json), detail) in WRITTEN.iter().zip(written()) {
            assert_eq!(detail.kind(), *kind, "{json}");
            assert_eq!(serde_json::to_string(&detail).ok().as_deref(), Some(*json));
        }
        let kinds: BTreeSet<EventKind> = WRITTEN.iter().map(|(kind, _)| *kind).collect();
        assert_eq!(kinds, EventKind::VARIANTS.iter().copied().collect());
        // A detail of one kind is not read as another's.
        assert!(EventDetail::from_json(EventKind::Closed, WRITTEN[0].1).is_err());
    }

    /// The JSON type of `value` as the guide names it: `string`, `array of strings`, ...
    fn json_type(value: &Value) -> String {
        match value {
            Value::Null => "null".into(),
            Value::Bool(_) => "boolean".into(),
            Value::Number(n) if n.is_f64() => "number".into(),
            Value::Number(_) => "integer".into(),
            Value::String(_) => "string".into(),
            Value::Array(items) => match items.first() {
                Some(item) => format!("array of {}s", json_type(item)),
                None => "array".into(),
            },
            Value::Object(_) => "object".into(),
        }
    }

    /// The fields of `value`, nested ones as `outer.inner` (`outer[].inner` in a list), each
    /// with the JSON types it was seen with.
    fn fields(prefix: &str, value: &Value, into: &mut BTreeMap<String, BTreeSet<String>>) {
        let Value::Object(map) = value else { return };
        for (name, value) in map {
            let path = format!("{prefix}{name}");
            match value {
                Value::Array(items) => {
                    for item in items {
                        fields(&format!("{path}[]."), item, into);
                    }
                }
                Value::Object(_) => fields(&format!("{path}."), value, into),
                _ => {}
            }
            into.entry(path).or_default().insert(json_type(value));
        }
    }

    /// The field tables of the section "What each event carries" of the operations guide: for
    /// each kind, each field's type as written.
    fn documented() -> BTreeMap<String, BTreeMap<String, String>> {
        let guide = include_str!("../../../docs/operations.md");
        let section = guide
            .split("\n### What each event carries\n")
            .nth(1)
            .expect("the section on what each event carries");
        let section = section.split("\n## ").next().unwrap_or_default();
        let mut kinds: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
        let mut current = None;
        for line in section.lines() {
            if let Some(heading) = line.strip_prefix("#### ") {
                let kind = heading.trim_matches('`').to_owned();
                assert!(!kinds.contains_key(&kind), "{kind} documented twice");
                kinds.insert(kind.clone(), BTreeMap::new());
                current = Some(kind);
            } else if line.starts_with("| `") {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let (field, json_type) = (cells[1].trim_matches('`'), cells[2]);
                let kind = current.as_ref().expect("a field under a kind's heading");
                let table = kinds.get_mut(kind).expect("the kind's table");
                table.insert(field.to_owned(), json_type.to_owned());
            }
        }
        kinds
    }

    #[test]
    fn the_operations_guide_documents_every_kind_with_exactly_its_fields_and_types() {
        let mut seen: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for detail in written() {
            let value = serde_json::to_value(&detail).expect("a detail as JSON");
            let kind = detail.kind().as_str().to_owned();
            fields("", &value, seen.entry(kind).or_default());
        }
        let documented = documented();
        assert_eq!(
            documented.keys().collect::<Vec<_>>(),
            seen.keys().collect::<Vec<_>>(),
            "the kinds documented"
        );
        for (kind, fields) in &seen {
            let doc = &documented[kind];
            assert_eq!(
                doc.keys().collect::<Vec<_>>(),
                fields.keys().collect::<Vec<_>>(),
                "the fields of {kind}"
            );
            // Every type seen is documented, and every type documented but null is seen (a
            // field that may be null need not be null in an example).
            for (field, types) in fields {
                let written: BTreeSet<String> = doc[field]
                    .split(" or ")
                    .filter(|t| *t != "null")
                    .map(String::from)
                    .collect();
                let seen: BTreeSet<String> =
                    types.iter().filter(|t| *t != "null").cloned().collect();
                assert_eq!(written, seen, "the type of {kind}'s {field}");
                if types.contains("null") {
                    assert!(
                        doc[field].ends_with(" or null"),
                        "{kind}'s {field} may be null"
                    );
                }
            }
        }
    }
}
