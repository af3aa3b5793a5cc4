//! The sections of a ticket document: its top-level keys, one per responsibility.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use crate::error::Error;

/// A top-level key of a ticket document. Each is written by the roles that the regulation
/// makes responsible for it (see [`crate::policy`]). Its keys are serde's and strum's, the same
/// snake case of the variant; `Section::VARIANTS` lists every section in document order.
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
    Display,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = Error, parse_err_fn = not_a_section)]
pub enum Section {
    /// Schema version, ticket id, ledger number, creation.
    Meta,
    /// Intake and registration: the complaint information processing form.
    Intake,
    /// Hand-off and travel task orders.
    Dispatch,
    /// Stays on site: arrival, departure, work log, parts, photos.
    Visits,
    /// Disposition entries (repair, replace, return, no fault).
    Decisions,
    /// Units returned to the factory and their inspection.
    Returns,
    /// Cause, responsibility, corrective and preventive actions.
    Quality,
    /// The technical analysis letter to the customer.
    Letter,
    /// Service costs, their audit and settlement.
    Costs,
    /// Return visits to the customer.
    Followups,
    /// The customer's sign-off.
    Signoff,
    /// The entries that close the ticket.
    Closure,
    /// Shipment of the product and delivery of its drawings.
    Delivery,
    /// The fulfilment track of a replacement or a return: materials, supplier repairs, the
    /// build or repair, the outgoing test, shipment and installation.
    Fulfilment,
}

impl Section {
    /// The document key of this section.
    pub fn key(self) -> &'static str {
        self.into()
    }
}

fn not_a_section(s: &str) -> Error {
    Error::invalid("section", format!("{s:?} is not a ticket section"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stable_names::assert_stable_names;

    #[test]
    fn keys_are_stable() {
        assert_stable_names::<Section>(&[
            "meta",
            "intake",
            "dispatch",
            "visits",
            "decisions",
            "returns",
            "quality",
            "letter",
            "costs",
            "followups",
            "signoff",
            "closure",
            "delivery",
            "fulfilment",
        ]);
        for &section in Section::VARIANTS {
            assert_eq!(section.to_string(), section.key());
        }
    }
}
