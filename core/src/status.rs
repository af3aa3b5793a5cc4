//! Where a ticket stands in the service flow, derived from its sections every time it is read,
//! never stored as a field that could disagree with them.

use serde::{Deserialize, Serialize};
use strum::{EnumString, IntoStaticStr, VariantArray};

use crate::error::Error;
use crate::ticket::TicketView;
use crate::ticket::fulfilment::{self, Awaiting, Track};
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
    /// A replacement or repair waits for procurement's material.
    AwaitingMaterials,
    /// A part is with its supplier for repair.
    AwaitingSupplierRepair,
    /// Manufacturing is to build the replacement or repair the returned unit.
    AwaitingManufacture,
    /// The replacement or repaired unit waits for its outgoing test.
    AwaitingOutgoingTest,
    /// The tested unit waits for commerce to ship it.
    AwaitingShipment,
    /// The shipped unit waits for a technician to install it.
    AwaitingInstallation,
    /// The remedy is done: signed off, decided after a visit, or for a replacement or a return
    /// the whole fulfilment track recorded.
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
        let track = fulfilment::track(view);
        match track {
            Some(Track::Awaiting(Awaiting::Return)) => return Status::AwaitingReturn,
            Some(Track::Awaiting(Awaiting::Inspection)) => return Status::AwaitingInspection,
            _ => {}
        }
        // Under a remedy without a track (a repair on site, no fault found), a unit asked back
        // for analysis is waited for until it is judged without defect or passes its retest;
        // a replacement's or a return's track says itself what it waits for.
        let open_return = view.returns.iter().filter(|_| track.is_none()).find(|r| {
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
        match track {
            Some(Track::Awaiting(step)) => return Status::awaiting(step),
            Some(Track::Complete) => return Status::Resolved,
            None => {}
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

impl Status {
    /// The status of a ticket whose fulfilment track waits for `step`.
    pub fn awaiting(step: Awaiting) -> Status {
        match step {
            Awaiting::Return => Status::AwaitingReturn,
            Awaiting::Inspection => Status::AwaitingInspection,
            Awaiting::Materials => Status::AwaitingMaterials,
            Awaiting::SupplierRepair => Status::AwaitingSupplierRepair,
            Awaiting::Manufacture => Status::AwaitingManufacture,
            Awaiting::OutgoingTest => Status::AwaitingOutgoingTest,
            Awaiting::Shipment => Status::AwaitingShipment,
            Awaiting::Installation => Status::AwaitingInstallation,
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
            "awaiting_materials",
            "awaiting_supplier_repair",
            "awaiting_manufacture",
            "awaiting_outgoing_test",
            "awaiting_shipment",
            "awaiting_installation",
            "resolved",
            "closed",
            "reopened",
        ]);
    }
}
