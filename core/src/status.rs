//! Where a ticket stands in the service flow, derived from its sections every time it is read,
//! never stored as a field that could disagree with them.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::error::Error;
use crate::ticket::TicketView;
use crate::ticket::returns::{InspectionStage, Verdict};

/// The stage of a ticket in the regulation's flow (docs/domain.md). Its names are serde's and
/// strum's, the same snake case of the variant.
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
#[strum(serialize_all = "snake_case", parse_err_ty = Error, parse_err_fn = not_a_status)]
pub enum Status {
    /// Information received, registration incomplete.
    Received,
    /// Registered on the complaint form.
    Registered,
    /// Handed off to the people who must act.
    HandedOff,
    /// A travel task order is issued.
    Dispatched,
    /// A technician is on site.
    OnSite,
    /// A unit is to come back to the factory.
    AwaitingReturn,
    /// A returned unit waits for inspection or retest.
    AwaitingInspection,
    /// The remedy is done: signed off, or decided with nothing outstanding.
    Resolved,
    /// Closed by the service department with what the regulation requires recorded.
    Closed,
    /// A return visit found the customer's problem not resolved.
    Reopened,
}

impl Status {
    /// The stable machine name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The status of the ticket `view`.
    pub fn of(view: &TicketView) -> Status {
        let latest_outcome = view
            .followups
            .iter()
            .filter_map(|f| f.outcome.as_ref())
            .max_by_key(|o| o.done_at);
        let closed_at = view.closures.iter().map(|c| c.closed_at).max();
        // A close stands until an unsatisfied return visit after it; a close after that
        // unsatisfied visit closes the ticket again.
        if let Some(outcome) = latest_outcome
            && !outcome.resolved
            && closed_at.is_none_or(|at| outcome.done_at > at)
        {
            return Status::Reopened;
        }
        if closed_at.is_some() {
            return Status::Closed;
        }
        let open_return = view.returns.iter().find(|r| {
            !r.inspections
                .iter()
                .any(|i| i.stage == InspectionStage::Retest && i.verdict == Verdict::Passed)
                && !r
                    .inspections
                    .iter()
                    .any(|i| i.verdict == Verdict::NoDefectFound)
        });
        if let Some(unit) = open_return {
            return if unit.received_at.is_none() {
                Status::AwaitingReturn
            } else {
                Status::AwaitingInspection
            };
        }
        if view.visits.iter().any(|v| v.departed_at.is_none()) {
            return Status::OnSite;
        }
        let decided = view.decisions.disposition().is_some();
        if !view.signoffs.is_empty() || (decided && !view.visits.is_empty()) {
            return Status::Resolved;
        }
        if !view.dispatch.orders.is_empty() {
            Status::Dispatched
        } else if !view.dispatch.handoffs.is_empty() {
            Status::HandedOff
        } else if view.intake.registered_at.is_some() {
            Status::Registered
        } else {
            Status::Received
        }
    }
}

fn not_a_status(s: &str) -> Error {
    Error::invalid("status", format!("{s:?} is not a status"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stable_names::assert_stable_names;

    #[test]
    fn names_are_stable() {
        assert_stable_names::<Status>(&[
            "received",
            "registered",
            "handed_off",
            "dispatched",
            "on_site",
            "awaiting_return",
            "awaiting_inspection",
            "resolved",
            "closed",
            "reopened",
        ]);
    }
}
