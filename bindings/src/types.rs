//! How core's types cross the FFI. Ids, times and dates travel as their plain form (custom
//! types: a `TicketId` is a `String` in Kotlin, a `Timestamp` a `Long` of milliseconds). Core's
//! records and enums are declared here again as uniffi *remote* types: the declarations mirror
//! core's definitions field for field, so that the bindings hand out core's own values with no
//! copy into look-alike types, and the compiler checks every mirror against core.
//!
//! An id or date from the app that core refuses fails the call with `Invalid`, like any other
//! refused input.

use crate::error::FieldLedgerError;
use fieldledger_core::blob::BlobRef;
use fieldledger_core::protocol::{DocCode, DocError};
use fieldledger_core::status::Status;
use fieldledger_core::store::TicketSummary;
use fieldledger_core::ticket::closure::Closure;
use fieldledger_core::ticket::cost::{
    Advance, Audit, Bearer, Clearing, Cost, CostKind, Settlement,
};
use fieldledger_core::ticket::decision::{DecisionConflict, DecisionEntry, Decisions, Disposition};
use fieldledger_core::ticket::delivery::Delivery;
use fieldledger_core::ticket::dispatch::{
    Acknowledgement, Department, Dispatch, HandOff, OrderKind, TravelOrder,
};
use fieldledger_core::ticket::followup::{
    ContactMethod, Outcome, ReturnVisit, ServiceConfirmation,
};
use fieldledger_core::ticket::fulfilment::{FulfilmentEntry, FulfilmentKind};
use fieldledger_core::ticket::intake::{
    Intake, IntakeAmendment, IntakeSource, Registration, TicketKind,
};
use fieldledger_core::ticket::letter::{Letter, LetterStatus};
use fieldledger_core::ticket::meta::Meta;
use fieldledger_core::ticket::quality::{
    ActionKind, ActionStatus, CorrectiveAction, Guidance, GuidanceKind, ManagerReview, Quality,
    Responsibility,
};
use fieldledger_core::ticket::returns::{Inspection, InspectionStage, ReturnedUnit, Verdict};
use fieldledger_core::ticket::signoff::SignOff;
use fieldledger_core::ticket::visit::{LogEntry, Measurement, PartLine, Photo, Visit, Work};
use fieldledger_core::ticket::{ChangeNote, HistoryEntry};
use fieldledger_core::{
    Author, Date, EntryId, Role, Section, TicketId, TicketView, Timestamp, UserId,
};

uniffi::custom_type!(TicketId, String, {
    remote,
    lower: |id| id.into(),
    try_lift: |text| Ok(text.parse().map_err(FieldLedgerError::from)?),
});
uniffi::custom_type!(EntryId, String, {
    remote,
    lower: |id| id.into(),
    try_lift: |text| Ok(text.parse().map_err(FieldLedgerError::from)?),
});
uniffi::custom_type!(UserId, String, {
    remote,
    lower: |id| id.into(),
    try_lift: |text| Ok(text.parse().map_err(FieldLedgerError::from)?),
});
// A refusal's code stays a string in the app, as the server sends it; a code this build does
// not know is `other`.
uniffi::custom_type!(DocCode, String, {
    remote,
    lower: |code| code.as_str().to_owned(),
    try_lift: |text| Ok(text.parse().unwrap_or(DocCode::Other)),
});
uniffi::custom_type!(Timestamp, i64, {
    remote,
    lower: |at| at.millis(),
    try_lift: |millis| Ok(Timestamp(millis)),
});
uniffi::custom_type!(Date, String, {
    remote,
    lower: |date| date.into(),
    try_lift: |text| Ok(text.parse().map_err(FieldLedgerError::from)?),
});

/// A field that concurrent edits left with more than one value: every value is shown, the one
/// displayed by default first.
#[derive(Clone, Debug, PartialEq, uniffi::Record)]
pub struct FieldConflict {
    /// The keys from the ticket's root, for example `["intake", "model"]`.
    pub path: Vec<String>,
    /// Every value as JSON text, the one shown by default first.
    pub values: Vec<String>,
}

impl From<fieldledger_core::ticket::FieldConflict> for FieldConflict {
    fn from(conflict: fieldledger_core::ticket::FieldConflict) -> Self {
        Self {
            path: conflict.path,
            values: conflict.values.iter().map(ToString::to_string).collect(),
        }
    }
}

/// A user acting in a role: who this device works as.
#[uniffi::remote(Record)]
pub struct Author {
    pub user: UserId,
    pub role: Role,
}

/// What a user does in the service organisation.
#[uniffi::remote(Enum)]
pub enum Role {
    Technician,
    ServiceDesk,
    Supervisor,
    Commerce,
    QualityAssurance,
    Inspection,
    Technical,
    RnD,
    Manufacturing,
    Procurement,
    Finance,
    Sales,
    Manager,
    Admin,
}

/// A section of a ticket: one responsibility of the service regulation.
#[uniffi::remote(Enum)]
pub enum Section {
    Meta,
    Intake,
    Dispatch,
    Visits,
    Decisions,
    Returns,
    Quality,
    Letter,
    Costs,
    Followups,
    Signoff,
    Closure,
    Delivery,
    Fulfilment,
}

/// Where a ticket stands in the service flow, derived from its sections.
#[uniffi::remote(Enum)]
pub enum Status {
    Received,
    Registered,
    HandedOff,
    Dispatched,
    OnSite,
    AwaitingReturn,
    AwaitingInspection,
    AwaitingMaterials,
    AwaitingSupplierRepair,
    AwaitingManufacture,
    AwaitingOutgoingTest,
    AwaitingShipment,
    AwaitingInstallation,
    Resolved,
    Closed,
    Reopened,
}

/// One line of the job list.
#[uniffi::remote(Record)]
pub struct TicketSummary {
    pub ticket_id: TicketId,
    pub ledger_number: Option<String>,
    pub kind: TicketKind,
    pub complaint: bool,
    pub major: bool,
    pub customer_name: String,
    pub product_name: String,
    pub model: String,
    pub job_number: String,
    pub assignees: Vec<UserId>,
    pub disposition: Option<Disposition>,
    pub decision_conflict: bool,
    pub on_site: bool,
    pub signed_off: bool,
    pub registered_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// Everything a ticket records, section by section.
#[uniffi::remote(Record)]
pub struct TicketView {
    pub meta: Meta,
    pub intake: Intake,
    pub dispatch: Dispatch,
    pub visits: Vec<Visit>,
    pub decisions: Decisions,
    pub returns: Vec<ReturnedUnit>,
    pub quality: Quality,
    pub letter: Letter,
    pub costs: Vec<Cost>,
    pub advances: Vec<Advance>,
    pub followups: Vec<ReturnVisit>,
    pub service_confirmations: Vec<ServiceConfirmation>,
    pub signoffs: Vec<SignOff>,
    pub closures: Vec<Closure>,
    pub delivery: Delivery,
    pub fulfilment: Vec<FulfilmentEntry>,
    pub unreadable: Vec<String>,
}

/// What one entry of a replacement's or a return's fulfilment track records.
#[uniffi::remote(Enum)]
pub enum FulfilmentKind {
    MaterialsOrdered,
    MaterialsReceived,
    SentToSupplier,
    ReturnedBySupplier,
    Manufactured,
    OutgoingTest,
    Shipped,
    Installed,
}

/// One entry of the fulfilment track (更换与返修跟踪).
#[uniffi::remote(Record)]
pub struct FulfilmentEntry {
    pub id: EntryId,
    pub kind: FulfilmentKind,
    pub by: UserId,
    pub role: Role,
    pub recorded_at: Timestamp,
    pub note: String,
    pub verdict: Option<Verdict>,
    pub shipped_on: Option<Date>,
}

/// Schema version, ticket id, ledger number.
#[uniffi::remote(Record)]
pub struct Meta {
    pub schema: u32,
    pub ticket_id: Option<TicketId>,
    pub ledger_number: Option<String>,
    pub created_at: Option<Timestamp>,
    pub created_by: Option<UserId>,
    pub imported_from: Option<String>,
}

/// What kind of case a ticket is.
#[uniffi::remote(Enum)]
pub enum TicketKind {
    Complaint,
    Installation,
    Commissioning,
    PowerOn,
    RepairRequest,
    Inquiry,
}

/// Who brought the information in.
#[uniffi::remote(Enum)]
pub enum IntakeSource {
    Customer,
    SalesRepresentative,
}

/// The registration fields of the complaint information processing form.
#[uniffi::remote(Record)]
pub struct Registration {
    pub kind: TicketKind,
    pub complaint: bool,
    pub product_name: String,
    pub model: String,
    pub job_number: String,
    pub contract_number: String,
    pub customer_name: String,
    pub contact_person: String,
    pub contact_method: String,
    pub content: String,
    pub requests: String,
    pub source: IntakeSource,
    pub sales_representative: Option<String>,
    pub sales_rep: Option<UserId>,
    pub major: bool,
    #[uniffi(default = None)]
    pub customer_id: Option<i64>,
    #[uniffi(default = None)]
    pub unit_id: Option<i64>,
}

/// The intake section: the registration and when and by whom it was made.
#[uniffi::remote(Record)]
pub struct Intake {
    pub registration: Registration,
    pub registered_at: Option<Timestamp>,
    pub registered_by: Option<UserId>,
    pub confirmed_at: Option<Timestamp>,
    pub confirmed_by: Option<UserId>,
    pub major_at: Option<Timestamp>,
}

/// A correction of registration fields; fields left null are not touched.
#[uniffi::remote(Record)]
pub struct IntakeAmendment {
    pub kind: Option<TicketKind>,
    pub complaint: Option<bool>,
    pub product_name: Option<String>,
    pub model: Option<String>,
    pub job_number: Option<String>,
    pub contract_number: Option<String>,
    pub customer_name: Option<String>,
    pub contact_person: Option<String>,
    pub contact_method: Option<String>,
    pub content: Option<String>,
    pub requests: Option<String>,
    pub major: Option<bool>,
    pub sales_rep: Option<UserId>,
}

/// Hand-offs and travel task orders.
#[uniffi::remote(Record)]
pub struct Dispatch {
    pub handoffs: Vec<HandOff>,
    pub orders: Vec<TravelOrder>,
    pub acknowledgements: Vec<Acknowledgement>,
}

/// A receiving department's acknowledgement that a hand-off reached it.
#[uniffi::remote(Record)]
pub struct Acknowledgement {
    pub id: EntryId,
    pub handoff: EntryId,
    pub role: Role,
    pub by: UserId,
    pub acknowledged_at: Timestamp,
}

/// The hand-off of the registered form to the roles that must act.
#[uniffi::remote(Record)]
pub struct HandOff {
    pub id: EntryId,
    pub to: Vec<Role>,
    pub person: Option<UserId>,
    pub note: String,
    pub handed_off_at: Timestamp,
    pub by: UserId,
}

/// What a travel task order sends technicians to do.
#[uniffi::remote(Enum)]
pub enum OrderKind {
    OnSiteService,
    Installation,
    Commissioning,
    PowerOn,
}

/// The department that issues an order.
#[uniffi::remote(Enum)]
pub enum Department {
    TechnicalService,
    Commerce,
}

/// A travel task order (出差任务单).
#[uniffi::remote(Record)]
pub struct TravelOrder {
    pub id: EntryId,
    pub number: String,
    pub kind: OrderKind,
    pub issuing_department: Department,
    pub assignees: Vec<UserId>,
    pub issued_at: Timestamp,
    pub issued_by: UserId,
}

/// A stay on site: arrival, departure, work log and photos.
#[uniffi::remote(Record)]
pub struct Visit {
    pub id: EntryId,
    pub order_id: Option<EntryId>,
    pub technician: UserId,
    pub site: String,
    pub arrived_at: Timestamp,
    pub departed_at: Option<Timestamp>,
    pub log: Vec<LogEntry>,
    pub photos: Vec<Photo>,
}

/// One measured value of a commissioning or debugging step.
#[uniffi::remote(Record)]
pub struct Measurement {
    pub quantity: String,
    pub value: f64,
    pub unit: String,
}

/// A part used in or removed from the equipment.
#[uniffi::remote(Record)]
pub struct PartLine {
    pub part_number: String,
    pub quantity: u32,
    pub serial: Option<String>,
    pub description: String,
}

/// What a work-log entry records: a step with measurements, a repair, a part used or removed.
#[uniffi::remote(Enum)]
pub enum Work {
    Step {
        description: String,
        measurements: Vec<Measurement>,
    },
    Repair {
        description: String,
    },
    PartUsed(PartLine),
    PartRemoved(PartLine),
}

/// A work-log entry as read.
#[uniffi::remote(Record)]
pub struct LogEntry {
    pub id: EntryId,
    pub recorded_at: Timestamp,
    pub by: UserId,
    pub work: Work,
}

/// A file kept beside the ticket (photo, signature), by SHA-256.
#[uniffi::remote(Record)]
pub struct BlobRef {
    pub sha256: String,
    pub mime: String,
    pub size: u64,
}

/// A photo taken on site.
#[uniffi::remote(Record)]
pub struct Photo {
    pub id: EntryId,
    pub blob: BlobRef,
    pub caption: String,
    pub taken_at: Timestamp,
    pub by: UserId,
}

/// The remedy judged on site.
#[uniffi::remote(Enum)]
pub enum Disposition {
    RepairOnSite,
    Replace,
    ReturnToFactory,
    NoFaultFound,
}

/// One disposition entry, with the entries its author had seen.
#[uniffi::remote(Record)]
pub struct DecisionEntry {
    pub id: EntryId,
    pub disposition: Disposition,
    pub rationale: String,
    pub by: UserId,
    pub role: Role,
    pub recorded_at: Timestamp,
    pub seen: Vec<EntryId>,
}

/// The disposition entries of a ticket.
#[uniffi::remote(Record)]
pub struct Decisions {
    pub entries: Vec<DecisionEntry>,
}

/// Disposition entries that disagree and that no later entry has reconciled.
#[uniffi::remote(Record)]
pub struct DecisionConflict {
    pub entries: Vec<DecisionEntry>,
}

/// The stage of an inspection of a returned unit.
#[uniffi::remote(Enum)]
pub enum InspectionStage {
    Incoming,
    Retest,
}

/// An inspection's verdict.
#[uniffi::remote(Enum)]
pub enum Verdict {
    DefectConfirmed,
    NoDefectFound,
    Passed,
    Failed,
}

/// An inspection of a returned or retested unit.
#[uniffi::remote(Record)]
pub struct Inspection {
    pub id: EntryId,
    pub stage: InspectionStage,
    pub verdict: Verdict,
    pub findings: String,
    pub by: UserId,
    pub at: Timestamp,
}

/// A unit returned to the factory.
#[uniffi::remote(Record)]
pub struct ReturnedUnit {
    pub id: EntryId,
    pub unit: String,
    pub reason: String,
    pub requested_by: UserId,
    pub requested_at: Timestamp,
    pub received_at: Option<Timestamp>,
    pub received_by: Option<UserId>,
    pub inspections: Vec<Inspection>,
}

/// Who is responsible for a fault.
#[uniffi::remote(Enum)]
pub enum Responsibility {
    Design,
    Manufacturing,
    Supplier,
    TransportPackaging,
    Installation,
    CustomerUse,
    Sales,
}

/// Corrective or preventive.
#[uniffi::remote(Enum)]
pub enum ActionKind {
    Corrective,
    Preventive,
}

/// Where a corrective or preventive action stands.
#[uniffi::remote(Enum)]
pub enum ActionStatus {
    Open,
    Done,
    Verified,
    Cancelled,
}

/// A corrective or preventive action.
#[uniffi::remote(Record)]
pub struct CorrectiveAction {
    pub id: EntryId,
    pub kind: ActionKind,
    pub description: String,
    pub owner: String,
    pub due: Date,
    pub status: ActionStatus,
    pub raised_at: Timestamp,
    pub raised_by: UserId,
    pub done_at: Option<Timestamp>,
    pub owner_department: Option<Role>,
    pub evidence: String,
}

/// Cause, responsibility and corrective actions.
#[uniffi::remote(Record)]
pub struct Quality {
    pub cause: String,
    #[uniffi(default = None)]
    pub cause_code: Option<String>,
    pub responsibility: Option<Responsibility>,
    pub ruled_by: Option<UserId>,
    pub ruled_at: Option<Timestamp>,
    pub ruled_by_role: Option<Role>,
    pub manager_review: Option<ManagerReview>,
    pub actions: Vec<CorrectiveAction>,
    pub guidance: Vec<Guidance>,
}

/// What a piece of the technical department's written guidance is.
#[uniffi::remote(Enum)]
pub enum GuidanceKind {
    Guidance,
    RetrofitPlan,
}

/// Written guidance for the site or a retrofit plan from the technical department.
#[uniffi::remote(Record)]
pub struct Guidance {
    pub id: EntryId,
    pub kind: GuidanceKind,
    pub title: String,
    pub body: String,
    pub by: UserId,
    pub issued_at: Timestamp,
}

/// The general manager's review of a major complaint.
#[uniffi::remote(Record)]
pub struct ManagerReview {
    pub note: String,
    pub reviewed_by: UserId,
    pub role: Role,
    pub reviewed_at: Timestamp,
}

/// Where the technical analysis letter stands.
#[uniffi::remote(Enum)]
pub enum LetterStatus {
    None,
    Draft,
    Issued,
}

/// The technical analysis letter (技术分析函).
#[uniffi::remote(Record)]
pub struct Letter {
    pub status: LetterStatus,
    pub number: String,
    pub body: String,
    pub drafted_by: Option<UserId>,
    pub drafted_at: Option<Timestamp>,
    pub issued_by: Option<UserId>,
    pub issued_at: Option<Timestamp>,
    pub delivered_at: Option<Timestamp>,
    pub delivered_by: Option<UserId>,
    pub delivery_note: String,
}

/// What a service cost is for.
#[uniffi::remote(Enum)]
pub enum CostKind {
    Travel,
    Parts,
    Labour,
    Freight,
    Other,
}

/// Who bears a cost.
#[uniffi::remote(Enum)]
pub enum Bearer {
    Company,
    SalesRepresentative,
    Supplier,
    Customer,
}

/// The audit of a cost.
#[uniffi::remote(Record)]
pub struct Audit {
    pub approved: bool,
    pub note: String,
    pub by: UserId,
    pub at: Timestamp,
}

/// The settlement of a cost.
#[uniffi::remote(Record)]
pub struct Settlement {
    pub reference: String,
    pub by: UserId,
    pub at: Timestamp,
}

/// A service cost.
#[uniffi::remote(Record)]
pub struct Cost {
    pub id: EntryId,
    pub kind: CostKind,
    pub amount_minor: i64,
    pub currency: String,
    pub bearer: Bearer,
    pub borne_by: Option<UserId>,
    pub description: String,
    pub submitted_by: UserId,
    pub submitted_at: Timestamp,
    pub audit: Option<Audit>,
    pub settlement: Option<Settlement>,
}

/// A travel advance (差旅借款) finance paid a technician against the ticket, with its
/// clearing against their expense claims once cleared.
#[uniffi::remote(Record)]
pub struct Advance {
    pub id: EntryId,
    pub technician: UserId,
    pub amount_minor: i64,
    pub currency: String,
    pub reference: String,
    pub order: Option<EntryId>,
    pub paid_by: UserId,
    pub paid_at: Timestamp,
    pub clearing: Option<Clearing>,
}

/// The clearing (冲账) of a travel advance: the claims it cleared, their total and the
/// balance (more than zero: owed to the technician; less than zero: to be paid back).
#[uniffi::remote(Record)]
pub struct Clearing {
    pub reference: String,
    pub claims: Vec<EntryId>,
    pub claimed_minor: i64,
    pub balance_minor: i64,
    pub by: UserId,
    pub at: Timestamp,
}

/// How a return visit reaches the customer.
#[uniffi::remote(Enum)]
pub enum ContactMethod {
    Phone,
    Visit,
    Email,
    Message,
}

/// The outcome of a return visit.
#[uniffi::remote(Record)]
pub struct Outcome {
    pub method: ContactMethod,
    pub satisfaction: u8,
    pub resolved: bool,
    pub notes: String,
    pub done_at: Timestamp,
    pub done_by: UserId,
}

/// A return visit (回访).
#[uniffi::remote(Record)]
pub struct ReturnVisit {
    pub id: EntryId,
    pub planned_for: Date,
    pub method: ContactMethod,
    pub planned_by: UserId,
    pub assignee: Option<UserId>,
    pub outcome: Option<Outcome>,
}

/// The sales representative's confirmation of whether the service requirements were met.
#[uniffi::remote(Record)]
pub struct ServiceConfirmation {
    pub id: EntryId,
    pub met: bool,
    pub note: String,
    pub confirmed_by: UserId,
    pub confirmed_at: Timestamp,
}

/// Shipment of the product and delivery of its electronic drawings.
#[uniffi::remote(Record)]
pub struct Delivery {
    pub shipped_on: Option<Date>,
    pub shipment_recorded_by: Option<UserId>,
    pub shipment_note: String,
    pub drawings_sent_at: Option<Timestamp>,
    pub drawings_sent_by: Option<UserId>,
    pub drawings_note: String,
}

/// An entry that closes the ticket (结案), written by the service department.
#[uniffi::remote(Record)]
pub struct Closure {
    pub id: EntryId,
    pub note: String,
    pub closed_by: UserId,
    pub closed_at: Timestamp,
}

/// The customer's sign-off, bound to the heads of the ticket the customer saw.
#[uniffi::remote(Record)]
pub struct SignOff {
    pub id: EntryId,
    pub signer_name: String,
    pub signer_title: String,
    pub statement: String,
    pub visit_id: Option<EntryId>,
    pub signature: Option<BlobRef>,
    pub heads: Vec<String>,
    pub signed_at: Timestamp,
    pub recorded_by: UserId,
}

/// The action, user and role a change records.
#[uniffi::remote(Record)]
pub struct ChangeNote {
    pub action: String,
    pub user: UserId,
    pub role: Role,
}

/// One change of a ticket as its history shows it.
#[uniffi::remote(Record)]
pub struct HistoryEntry {
    pub hash: String,
    pub actor: String,
    pub note: Option<ChangeNote>,
    pub recorded_at: Timestamp,
    pub sections: Vec<Section>,
}

/// Why the office refused (part of) one ticket in a sync; other tickets are unaffected.
#[uniffi::remote(Record)]
pub struct DocError {
    pub ticket_id: TicketId,
    pub code: DocCode,
    pub message: String,
    pub change: Option<String>,
    pub section: Option<String>,
    pub action: Option<String>,
}
