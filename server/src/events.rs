//! Domain events: what happened to a ticket, in the words of the service regulation, found by
//! comparing the ticket before and after each merge (from a device's sync or an office edit).
//! They go to a durable outbox in the same transaction as the merge; the service department
//! reads them as a live stream (`/v1/events`) and configured webhooks receive them.

use std::collections::BTreeSet;

use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::{EntryId, Role, TicketId, TicketView, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::deadlines::DeadlineKey;

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
            EventKind::MajorComplaint => {
                vec![Role::Manager, Role::RnD, Role::QualityAssurance]
            }
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
    /// What happened.
    pub kind: EventKind,
    /// To which ticket.
    pub ticket_id: TicketId,
    /// When the server learnt of it.
    pub at: Timestamp,
    /// The details: the entry, who, the device time, and what the kind needs.
    pub detail: Value,
    /// For an event of a deadline: the deadline, which fires once; the outbox writes nothing
    /// for a deadline that fired before.
    pub deadline: Option<DeadlineKey>,
}

/// An event in the outbox.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Its position in the outbox; streams resume after it.
    pub id: u64,
    /// What happened.
    pub kind: EventKind,
    /// To which ticket.
    pub ticket_id: TicketId,
    /// When the server learnt of it.
    pub at: Timestamp,
    /// The roles told of it.
    pub audience: Vec<Role>,
    /// The details.
    pub detail: Value,
}

impl Event {
    /// Whether the event passes a filter of `kinds` (any when empty) and `role` (any when
    /// `None`; an administrator hears of everything).
    pub fn matches(&self, kinds: &BTreeSet<EventKind>, role: Option<Role>) -> bool {
        (kinds.is_empty() || kinds.contains(&self.kind))
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
    let mut push = |kind: EventKind, detail: Value| {
        events.push(NewEvent {
            kind,
            ticket_id: id.clone(),
            at,
            detail,
            deadline: None,
        })
    };
    if before.is_none() {
        let reg = &after.intake;
        push(
            EventKind::Registered,
            json!({ "by": reg.registered_by, "recorded_at": reg.registered_at,
                    "customer": reg.registration.customer_name,
                    "product": reg.registration.product_name }),
        );
    }
    if after.intake.registration.major && !was.intake.registration.major {
        push(
            EventKind::MajorComplaint,
            json!({ "customer": after.intake.registration.customer_name }),
        );
    }
    let old = ids(was.dispatch.handoffs.iter().map(|h| &h.id));
    for h in after
        .dispatch
        .handoffs
        .iter()
        .filter(|h| !old.contains(&h.id))
    {
        push(
            EventKind::HandedOff,
            json!({ "entry": h.id, "by": h.by, "recorded_at": h.handed_off_at, "to": h.to }),
        );
    }
    let old = ids(was.dispatch.orders.iter().map(|o| &o.id));
    for o in after
        .dispatch
        .orders
        .iter()
        .filter(|o| !old.contains(&o.id))
    {
        push(
            EventKind::Dispatched,
            json!({ "entry": o.id, "by": o.issued_by, "recorded_at": o.issued_at,
                    "number": o.number, "assignees": o.assignees }),
        );
    }
    let old = ids(was.visits.iter().map(|v| &v.id));
    for v in after.visits.iter().filter(|v| !old.contains(&v.id)) {
        push(
            EventKind::ArrivedOnSite,
            json!({ "entry": v.id, "by": v.technician, "recorded_at": v.arrived_at,
                    "site": v.site }),
        );
    }
    let old = ids(was.decisions.entries.iter().map(|d| &d.id));
    for d in after
        .decisions
        .entries
        .iter()
        .filter(|d| !old.contains(&d.id))
    {
        let detail = json!({ "entry": d.id, "by": d.by, "role": d.role,
                             "recorded_at": d.recorded_at, "disposition": d.disposition });
        push(EventKind::DecisionRecorded, detail.clone());
        if matches!(
            d.disposition,
            Disposition::Replace | Disposition::ReturnToFactory
        ) {
            push(EventKind::ReplacementOrReturnRequested, detail);
        }
    }
    if let Some(conflict) = after.decisions.conflict()
        && was.decisions.conflict() != Some(conflict.clone())
    {
        let entries: Vec<Value> = conflict
            .entries
            .iter()
            .map(|e| json!({ "entry": e.id, "by": e.by, "disposition": e.disposition }))
            .collect();
        push(EventKind::DecisionConflict, json!({ "entries": entries }));
    }
    let old = ids(was.returns.iter().map(|r| &r.id));
    for r in after.returns.iter().filter(|r| !old.contains(&r.id)) {
        push(
            EventKind::ReplacementOrReturnRequested,
            json!({ "entry": r.id, "by": r.requested_by, "recorded_at": r.requested_at,
                    "unit": r.unit, "reason": r.reason }),
        );
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
        push(
            EventKind::InspectionVerdict,
            json!({ "entry": i.id, "unit": unit.id, "by": i.by, "recorded_at": i.at,
                    "stage": i.stage, "verdict": i.verdict }),
        );
    }
    let old = ids(was.signoffs.iter().map(|s| &s.id));
    for s in after.signoffs.iter().filter(|s| !old.contains(&s.id)) {
        push(
            EventKind::SignedOff,
            json!({ "entry": s.id, "signer": s.signer_name }),
        );
    }
    for c in &after.costs {
        let earlier = was.costs.iter().find(|e| e.id == c.id);
        if earlier.is_none() {
            push(
                EventKind::CostSubmitted,
                json!({ "entry": c.id, "by": c.submitted_by, "recorded_at": c.submitted_at,
                        "kind": c.kind, "amount_minor": c.amount_minor, "currency": c.currency,
                        "bearer": c.bearer }),
            );
        }
        if let Some(audit) = &c.audit
            && earlier.is_none_or(|e| e.audit.is_none())
        {
            push(
                EventKind::CostAudited,
                json!({ "entry": c.id, "by": audit.by, "recorded_at": audit.at,
                        "approved": audit.approved }),
            );
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
        let detail = json!({ "entry": f.id, "by": outcome.done_by, "recorded_at": outcome.done_at,
                             "satisfaction": outcome.satisfaction, "resolved": outcome.resolved });
        push(EventKind::ReturnVisitRecorded, detail.clone());
        if !outcome.resolved {
            push(EventKind::Reopened, detail);
        }
    }
    let old = ids(was.closures.iter().map(|c| &c.id));
    for c in after.closures.iter().filter(|c| !old.contains(&c.id)) {
        push(
            EventKind::Closed,
            json!({ "entry": c.id, "by": c.closed_by, "recorded_at": c.closed_at, "note": c.note }),
        );
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
            ]
        );
        assert_eq!(
            "closed,".parse::<EventKind>(),
            Err("unknown event kind \"closed,\"".to_owned())
        );
    }
}
