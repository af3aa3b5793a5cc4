//! Domain events: what happened to a ticket, in the words of the service regulation, found by
//! comparing the ticket before and after each merge (from a device's sync or an office edit).
//! They go to a durable outbox in the same transaction as the merge; the service department
//! reads them as a live stream (`/v1/events`) and configured webhooks receive them. What each
//! kind carries is a type of [`detail`].

use std::collections::BTreeSet;

use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::fulfilment::{self, Track};
use fieldledger_core::{EntryId, Role, TicketId, TicketView, Timestamp};
use serde::{Deserialize, Serialize, Serializer};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::deadlines::DeadlineKey;

pub mod detail;

pub use detail::EventDetail;
use detail::{
    ArrivedOnSite, Closed, ConflictingDecision, CostAudited, CostSubmitted, Decision,
    DecisionConflict, Dispatched, FulfilmentTurn, HandedOff, HandoffAcknowledged,
    InspectionVerdict, MajorComplaint, Registered, ReplacementOrReturn, ReturnVisitOutcome,
    ServiceNotMet, SignedOff, UnitRequested,
};

/// What happened. Its names are serde's and strum's, the same snake case of the variant;
/// `EventKind::VARIANTS` lists every kind in a stable order.
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
#[strum(serialize_all = "snake_case", parse_err_ty = String, parse_err_fn = unknown_kind)]
pub enum EventKind {
    /// A ticket reached the server for the first time.
    Registered,
    /// The complaint form was handed off to the people who must act.
    HandedOff,
    /// A travel task order was issued.
    Dispatched,
    /// A technician arrived on site.
    ArrivedOnSite,
    /// A disposition was recorded.
    DecisionRecorded,
    /// Dispositions recorded apart disagree.
    DecisionConflict,
    /// A replacement or a return to the factory was decided, or a unit was asked back.
    ReplacementOrReturnRequested,
    /// A returned unit got an inspection or retest verdict.
    InspectionVerdict,
    /// The customer signed off the work.
    SignedOff,
    /// A service cost was submitted.
    CostSubmitted,
    /// A service cost was audited.
    CostAudited,
    /// A return visit was recorded.
    ReturnVisitRecorded,
    /// A return visit found the customer's problem not resolved: the ticket is open again.
    Reopened,
    /// A ticket was judged a major complaint.
    MajorComplaint,
    /// The service department closed the ticket.
    Closed,
    /// A deadline was missed (the hand-off, a corrective action).
    DeadlineMissed,
    /// A return visit's planned day has come.
    ReturnVisitDue,
    /// A return visit is not done in time.
    ReturnVisitOverdue,
    /// A receiving department acknowledged a hand-off.
    HandoffAcknowledged,
    /// A replacement's or a return's fulfilment track waits for a department: its turn.
    FulfilmentTurn,
    /// A return visit's satisfaction is at or below the threshold, resolved or not.
    LowSatisfaction,
    /// A confirmed complaint meets the criteria of a major one: the desk is to judge it.
    MajorCriteriaMet,
    /// A major complaint lacks the general manager's review past its working days.
    MajorEscalated,
    /// The sales representative found the customer's service requirements not met.
    ServiceNotMet,
}

impl EventKind {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The roles told of it. The service department (service desk and supervisors) hears of
    /// everything; others hear of what is theirs to act on.
    pub fn audience(self) -> Vec<Role> {
        let mut roles = vec![Role::ServiceDesk, Role::Supervisor];
        roles.extend(match self {
            EventKind::DecisionConflict => vec![Role::Technical],
            EventKind::ReplacementOrReturnRequested => {
                vec![Role::Manufacturing, Role::Inspection, Role::Procurement]
            }
            EventKind::InspectionVerdict => vec![Role::QualityAssurance, Role::Technical],
            EventKind::CostSubmitted | EventKind::CostAudited => vec![Role::Finance],
            EventKind::Reopened | EventKind::Closed => vec![Role::QualityAssurance],
            EventKind::DeadlineMissed => vec![Role::QualityAssurance, Role::Manager],
            EventKind::MajorComplaint | EventKind::MajorEscalated => {
                vec![Role::Manager, Role::RnD, Role::QualityAssurance]
            }
            EventKind::LowSatisfaction => vec![Role::QualityAssurance, Role::Manager],
            EventKind::ServiceNotMet => vec![Role::QualityAssurance],
            _ => Vec::new(),
        });
        roles
    }
}

fn unknown_kind(s: &str) -> String {
    format!("unknown event kind {s:?}")
}

/// An event about to be written to the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct NewEvent {
    /// To which ticket.
    pub ticket_id: TicketId,
    /// When the server learnt of it.
    pub at: Timestamp,
    /// What happened, in detail: the entry, who, the device time, and what the kind needs.
    pub detail: EventDetail,
    /// For an event of a deadline: the deadline, which fires once; the outbox writes nothing
    /// for a deadline that fired before.
    pub deadline: Option<DeadlineKey>,
}

impl NewEvent {
    /// What happened: the kind of its detail.
    pub fn kind(&self) -> EventKind {
        self.detail.kind()
    }
}

/// An event in the outbox. As JSON (the stream's data, a webhook's body) it is an object of
/// `id`, `kind`, `ticket_id`, `at`, `audience` and `detail`.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Its position in the outbox; streams resume after it.
    pub id: u64,
    /// To which ticket.
    pub ticket_id: TicketId,
    /// When the server learnt of it.
    pub at: Timestamp,
    /// The roles told of it.
    pub audience: Vec<Role>,
    /// What happened, in detail.
    pub detail: EventDetail,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        /// The event as sent, with its kind beside its detail.
        #[derive(Serialize)]
        struct Sent<'a> {
            id: u64,
            kind: EventKind,
            ticket_id: &'a TicketId,
            at: Timestamp,
            audience: &'a [Role],
            detail: &'a EventDetail,
        }
        Sent {
            id: self.id,
            kind: self.kind(),
            ticket_id: &self.ticket_id,
            at: self.at,
            audience: &self.audience,
            detail: &self.detail,
        }
        .serialize(serializer)
    }
}

impl Event {
    /// What happened: the kind of its detail.
    pub fn kind(&self) -> EventKind {
        self.detail.kind()
    }

    /// Whether the event passes a filter of `kinds` (any when empty) and `role` (any when
    /// `None`; an administrator hears of everything).
    pub fn matches(&self, kinds: &BTreeSet<EventKind>, role: Option<Role>) -> bool {
        (kinds.is_empty() || kinds.contains(&self.kind()))
            && role.is_none_or(|r| r == Role::Admin || self.audience.contains(&r))
    }
}

/// The events of a merge that took ticket `id` from `before` (`None` when the server did not
/// have it) to `after`, at server time `at`. [`crate::projection::project`] calls it, with the
/// rest of the projection.
pub fn derive(
    id: &TicketId,
    before: Option<&TicketView>,
    after: &TicketView,
    at: Timestamp,
) -> Vec<NewEvent> {
    let empty = TicketView::default();
    let was = before.unwrap_or(&empty);
    let mut events = Vec::new();
    let mut push = |detail: EventDetail| {
        events.push(NewEvent {
            ticket_id: id.clone(),
            at,
            detail,
            deadline: None,
        })
    };
    if before.is_none() {
        let reg = &after.intake;
        push(EventDetail::Registered(Registered {
            by: reg.registered_by.clone(),
            customer: reg.registration.customer_name.clone(),
            product: reg.registration.product_name.clone(),
            recorded_at: reg.registered_at,
        }));
    }
    if after.intake.registration.major && !was.intake.registration.major {
        push(EventDetail::MajorComplaint(MajorComplaint {
            customer: after.intake.registration.customer_name.clone(),
        }));
    }
    let old = ids(was.dispatch.handoffs.iter().map(|h| &h.id));
    for h in after
        .dispatch
        .handoffs
        .iter()
        .filter(|h| !old.contains(&h.id))
    {
        push(EventDetail::HandedOff(HandedOff {
            by: h.by.clone(),
            entry: h.id.clone(),
            person: h.person.clone(),
            recorded_at: h.handed_off_at,
            to: h.to.clone(),
        }));
    }
    let old = ids(was.dispatch.acknowledgements.iter().map(|a| &a.id));
    for a in after
        .dispatch
        .acknowledgements
        .iter()
        .filter(|a| !old.contains(&a.id))
    {
        push(EventDetail::HandoffAcknowledged(HandoffAcknowledged {
            by: a.by.clone(),
            entry: a.id.clone(),
            handoff: a.handoff.clone(),
            recorded_at: a.acknowledged_at,
            role: a.role,
        }));
    }
    let old = ids(was.dispatch.orders.iter().map(|o| &o.id));
    for o in after
        .dispatch
        .orders
        .iter()
        .filter(|o| !old.contains(&o.id))
    {
        push(EventDetail::Dispatched(Dispatched {
            assignees: o.assignees.clone(),
            by: o.issued_by.clone(),
            entry: o.id.clone(),
            number: o.number.clone(),
            recorded_at: o.issued_at,
        }));
    }
    let old = ids(was.visits.iter().map(|v| &v.id));
    for v in after.visits.iter().filter(|v| !old.contains(&v.id)) {
        push(EventDetail::ArrivedOnSite(ArrivedOnSite {
            by: v.technician.clone(),
            entry: v.id.clone(),
            recorded_at: v.arrived_at,
            site: v.site.clone(),
        }));
    }
    let old = ids(was.decisions.entries.iter().map(|d| &d.id));
    for d in after
        .decisions
        .entries
        .iter()
        .filter(|d| !old.contains(&d.id))
    {
        let decision = Decision {
            by: d.by.clone(),
            disposition: d.disposition,
            entry: d.id.clone(),
            recorded_at: d.recorded_at,
            role: d.role,
        };
        push(EventDetail::DecisionRecorded(decision.clone()));
        if matches!(
            d.disposition,
            Disposition::Replace | Disposition::ReturnToFactory
        ) {
            push(EventDetail::ReplacementOrReturnRequested(
                ReplacementOrReturn::Decision(decision),
            ));
        }
    }
    if let Some(conflict) = after.decisions.conflict()
        && was.decisions.conflict() != Some(conflict.clone())
    {
        let entries = conflict
            .entries
            .iter()
            .map(|e| ConflictingDecision {
                by: e.by.clone(),
                disposition: e.disposition,
                entry: e.id.clone(),
            })
            .collect();
        push(EventDetail::DecisionConflict(DecisionConflict { entries }));
    }
    let old = ids(was.returns.iter().map(|r| &r.id));
    for r in after.returns.iter().filter(|r| !old.contains(&r.id)) {
        push(EventDetail::ReplacementOrReturnRequested(
            ReplacementOrReturn::Return(UnitRequested {
                by: r.requested_by.clone(),
                entry: r.id.clone(),
                reason: r.reason.clone(),
                recorded_at: r.requested_at,
                unit: r.unit.clone(),
            }),
        ));
    }
    let old = ids(was
        .returns
        .iter()
        .flat_map(|r| r.inspections.iter().map(|i| &i.id)));
    for (unit, i) in after
        .returns
        .iter()
        .flat_map(|r| r.inspections.iter().map(move |i| (r, i)))
        .filter(|(_, i)| !old.contains(&i.id))
    {
        push(EventDetail::InspectionVerdict(InspectionVerdict {
            by: i.by.clone(),
            entry: i.id.clone(),
            recorded_at: i.at,
            stage: i.stage,
            unit: unit.id.clone(),
            verdict: i.verdict,
        }));
    }
    let old = ids(was.signoffs.iter().map(|s| &s.id));
    for s in after.signoffs.iter().filter(|s| !old.contains(&s.id)) {
        push(EventDetail::SignedOff(SignedOff {
            entry: s.id.clone(),
            signer: s.signer_name.clone(),
        }));
    }
    for c in &after.costs {
        let earlier = was.costs.iter().find(|e| e.id == c.id);
        if earlier.is_none() {
            push(EventDetail::CostSubmitted(CostSubmitted {
                amount_minor: c.amount_minor,
                bearer: c.bearer,
                by: c.submitted_by.clone(),
                currency: c.currency.clone(),
                entry: c.id.clone(),
                kind: c.kind,
                recorded_at: c.submitted_at,
            }));
        }
        if let Some(audit) = &c.audit
            && earlier.is_none_or(|e| e.audit.is_none())
        {
            push(EventDetail::CostAudited(CostAudited {
                approved: audit.approved,
                by: audit.by.clone(),
                entry: c.id.clone(),
                recorded_at: audit.at,
            }));
        }
    }
    for f in &after.followups {
        let Some(outcome) = &f.outcome else { continue };
        if was
            .followups
            .iter()
            .any(|e| e.id == f.id && e.outcome.is_some())
        {
            continue;
        }
        let recorded = ReturnVisitOutcome {
            by: outcome.done_by.clone(),
            entry: f.id.clone(),
            recorded_at: outcome.done_at,
            resolved: outcome.resolved,
            satisfaction: outcome.satisfaction,
        };
        push(EventDetail::ReturnVisitRecorded(recorded.clone()));
        if !outcome.resolved {
            push(EventDetail::Reopened(recorded));
        }
    }
    let old = ids(was.service_confirmations.iter().map(|c| &c.id));
    for c in after
        .service_confirmations
        .iter()
        .filter(|c| !c.met && !old.contains(&c.id))
    {
        push(EventDetail::ServiceNotMet(ServiceNotMet {
            by: c.confirmed_by.clone(),
            entry: c.id.clone(),
            note: c.note.clone(),
            recorded_at: c.confirmed_at,
        }));
    }
    let old = ids(was.closures.iter().map(|c| &c.id));
    for c in after.closures.iter().filter(|c| !old.contains(&c.id)) {
        push(EventDetail::Closed(Closed {
            by: c.closed_by.clone(),
            entry: c.id.clone(),
            note: c.note.clone(),
            recorded_at: c.closed_at,
        }));
    }
    let awaiting = |view: &TicketView| match fulfilment::track(view) {
        Some(Track::Awaiting(step)) => Some(step),
        _ => None,
    };
    if let Some(step) = awaiting(after)
        && awaiting(was) != Some(step)
    {
        push(EventDetail::FulfilmentTurn(FulfilmentTurn {
            departments: step.departments().to_vec(),
            step,
        }));
    }
    events
}

fn ids<'a>(entries: impl Iterator<Item = &'a EntryId>) -> BTreeSet<&'a EntryId> {
    entries.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_named_as_serde_names_them_and_parse_back() {
        for &kind in EventKind::VARIANTS {
            let json = serde_json::to_value(kind).ok();
            assert_eq!(json.as_ref().and_then(|v| v.as_str()), Some(kind.as_str()));
            assert_eq!(kind.as_str().parse::<EventKind>(), Ok(kind));
        }
        // Stored in the outbox and sent to webhooks: these must not change.
        assert_eq!(
            EventKind::VARIANTS
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>(),
            [
                "registered",
                "handed_off",
                "dispatched",
                "arrived_on_site",
                "decision_recorded",
                "decision_conflict",
                "replacement_or_return_requested",
                "inspection_verdict",
                "signed_off",
                "cost_submitted",
                "cost_audited",
                "return_visit_recorded",
                "reopened",
                "major_complaint",
                "closed",
                "deadline_missed",
                "return_visit_due",
                "return_visit_overdue",
                "handoff_acknowledged",
                "fulfilment_turn",
                "low_satisfaction",
                "major_criteria_met",
                "major_escalated",
                "service_not_met",
            ]
        );
        assert_eq!(
            "closed,".parse::<EventKind>(),
            Err("unknown event kind \"closed,\"".to_owned())
        );
    }
}
