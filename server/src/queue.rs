//! What waits for each department: the reasons a ticket is in a role's queue, worked out from
//! its document every time the ledger row is projected, and kept in the row (`waiting`) so that
//! a department's queue is one read of the ledger (`GET /v1/queue`, in `http/queue.rs`).

use std::fmt;
use std::str::FromStr;

use fieldledger_core::status::Status;
use fieldledger_core::ticket::fulfilment::{self, Awaiting, Track};
use fieldledger_core::ticket::letter::LetterStatus;
use fieldledger_core::ticket::quality::ActionStatus;
use fieldledger_core::{Role, TicketView};
use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// Why a ticket waits for a department. Its names are serde's and strum's, the snake case of
/// the variant.
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
pub enum Reason {
    /// A hand-off addressed to the department awaits its acknowledgement.
    Handoff,
    /// A confirmed complaint is not handed off yet (the 30-minute rule).
    AwaitingHandoff,
    /// A unit is to come back to the factory.
    Return,
    /// A returned unit waits for its incoming judgement.
    Inspection,
    /// Material for a replacement or repair is ordered and not in.
    Materials,
    /// A part is with its supplier for repair.
    SupplierRepair,
    /// The replacement is to be built or the unit repaired.
    Manufacture,
    /// The unit waits for its outgoing test.
    OutgoingTest,
    /// The tested unit waits for shipment.
    Shipment,
    /// The shipped unit waits for installation.
    Installation,
    /// The ticket is resolved and not closed.
    Close,
    /// A confirmed complaint with a remedy lacks its cause.
    Cause,
    /// A confirmed complaint with a remedy lacks its responsibility.
    Responsibility,
    /// The technical analysis letter is drafted and not issued.
    Letter,
    /// The issued letter's delivery to the customer is not recorded.
    LetterDelivery,
    /// The product shipped and its drawings are not sent.
    Drawings,
    /// A corrective or preventive action is open.
    CorrectiveAction,
    /// A major complaint lacks the general manager's review.
    ManagerReview,
    /// A major complaint lacks R&D's ruling on responsibility.
    RndResponsibility,
    /// A cost waits for its audit.
    CostAudit,
    /// An approved cost waits for settlement.
    Settlement,
    /// The ticket is resolved or closed and a travel advance paid on it is not cleared.
    AdvanceOpen,
    /// The marketing centre: a resolved or closed ticket waits for its sales representative's
    /// confirmation of whether the service requirements were met.
    ServiceConfirmation,
}

impl Reason {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    fn of_step(step: Awaiting) -> Reason {
        match step {
            Awaiting::Return => Reason::Return,
            Awaiting::Inspection => Reason::Inspection,
            Awaiting::Materials => Reason::Materials,
            Awaiting::SupplierRepair => Reason::SupplierRepair,
            Awaiting::Manufacture => Reason::Manufacture,
            Awaiting::OutgoingTest => Reason::OutgoingTest,
            Awaiting::Shipment => Reason::Shipment,
            Awaiting::Installation => Reason::Installation,
        }
    }
}

/// One thing a ticket waits for: a department and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Waiting {
    /// The department (role).
    pub role: Role,
    /// Why.
    pub reason: Reason,
}

/// As stored in the ledger row: `role:reason`, separated by spaces.
impl fmt::Display for Waiting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.role.as_str(), self.reason.as_str())
    }
}

impl FromStr for Waiting {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (role, reason) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not role:reason"))?;
        Ok(Waiting {
            role: role.parse().map_err(|e| format!("{e}"))?,
            reason: reason
                .parse()
                .map_err(|_| format!("{reason:?} is no reason"))?,
        })
    }
}

impl Serialize for Waiting {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Waiting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What a ledger row waits for, as its `waiting` column stores it: `role:reason` entries
/// separated by spaces.
pub fn stored(waiting: &[Waiting]) -> String {
    let entries: Vec<String> = waiting.iter().map(ToString::to_string).collect();
    entries.join(" ")
}

/// What ticket `view`, at `status`, waits for, by department, without repeats and in a stable
/// order. Technicians' work reaches them on their phones; their entries say what the office
/// waits for from the field.
pub fn waiting(view: &TicketView, status: Status) -> Vec<Waiting> {
    let mut all = Vec::new();
    let mut add = |role: Role, reason: Reason| all.push(Waiting { role, reason });
    let closed = status == Status::Closed;
    for handoff in &view.dispatch.handoffs {
        for role in view.dispatch.awaiting_acknowledgement(handoff) {
            add(role, Reason::Handoff);
        }
    }
    let imported = view.meta.imported_from.is_some();
    let confirmed = view.intake.confirmed_complaint_at().is_some();
    let handed_off = !view.dispatch.handoffs.is_empty() || !view.dispatch.orders.is_empty();
    if confirmed && !imported && !handed_off {
        add(Role::ServiceDesk, Reason::AwaitingHandoff);
        add(Role::Supervisor, Reason::AwaitingHandoff);
    }
    match fulfilment::track(view) {
        Some(Track::Awaiting(step)) if !closed => {
            for &role in step.departments() {
                add(role, Reason::of_step(step));
            }
        }
        _ if status == Status::AwaitingInspection => add(Role::Inspection, Reason::Inspection),
        _ => {}
    }
    if status == Status::Resolved {
        add(Role::ServiceDesk, Reason::Close);
        add(Role::Supervisor, Reason::Close);
    }
    if confirmed && !closed && view.decisions.disposition().is_some() {
        if view.quality.cause.trim().is_empty() {
            add(Role::QualityAssurance, Reason::Cause);
        }
        if view.quality.responsibility.is_none() {
            add(Role::QualityAssurance, Reason::Responsibility);
        }
    }
    if view.letter.status == LetterStatus::Draft && !view.letter.number.trim().is_empty() {
        add(Role::Technical, Reason::Letter);
    }
    if view.letter.status == LetterStatus::Issued && view.letter.delivered_at.is_none() {
        add(Role::Technical, Reason::LetterDelivery);
    }
    if view.delivery.shipped_on.is_some() && view.delivery.drawings_sent_at.is_none() {
        add(Role::Technical, Reason::Drawings);
    }
    for action in view
        .quality
        .actions
        .iter()
        .filter(|a| a.status == ActionStatus::Open)
    {
        add(Role::QualityAssurance, Reason::CorrectiveAction);
        if let Some(owner) = action.owner_department {
            add(owner, Reason::CorrectiveAction);
        }
    }
    if view.intake.registration.major && !closed {
        if view.quality.manager_review.is_none() {
            add(Role::Manager, Reason::ManagerReview);
        }
        if view.quality.ruled_by_role != Some(Role::RnD) {
            add(Role::RnD, Reason::RndResponsibility);
        }
    }
    for cost in &view.costs {
        match &cost.audit {
            None => {
                add(Role::ServiceDesk, Reason::CostAudit);
                add(Role::Supervisor, Reason::CostAudit);
            }
            Some(audit) if audit.approved && cost.settlement.is_none() => {
                add(Role::Finance, Reason::Settlement);
            }
            Some(_) => {}
        }
    }
    let finished = matches!(status, Status::Resolved | Status::Closed);
    if finished && view.advances.iter().any(|a| a.clearing.is_none()) {
        add(Role::Finance, Reason::AdvanceOpen);
    }
    // The marketing centre's part.
    if finished
        && view.intake.registration.sales_rep.is_some()
        && view.service_confirmation().is_none()
    {
        add(Role::Sales, Reason::ServiceConfirmation);
    }
    all.sort();
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_waiting_entry_is_stored_as_role_and_reason_and_read_back() {
        for &reason in Reason::VARIANTS {
            let w = Waiting {
                role: Role::QualityAssurance,
                reason,
            };
            let text = w.to_string();
            assert_eq!(text, format!("quality_assurance:{}", reason.as_str()));
            assert_eq!(text.parse::<Waiting>(), Ok(w));
        }
        assert!("quality_assurance".parse::<Waiting>().is_err());
        assert!("nobody:close".parse::<Waiting>().is_err());
        assert!("finance:bribe".parse::<Waiting>().is_err());
    }
}
