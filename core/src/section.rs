//! The sections of a ticket document: its top-level keys, one per responsibility.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A top-level key of a ticket document. Each is written by the roles that the regulation
/// makes responsible for it (see [`crate::policy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
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
}

impl Section {
    /// Every section, in document order.
    pub const ALL: [Section; 13] = [
        Section::Meta,
        Section::Intake,
        Section::Dispatch,
        Section::Visits,
        Section::Decisions,
        Section::Returns,
        Section::Quality,
        Section::Letter,
        Section::Costs,
        Section::Followups,
        Section::Signoff,
        Section::Closure,
        Section::Delivery,
    ];

    /// The document key of this section.
    pub fn key(self) -> &'static str {
        match self {
            Section::Meta => "meta",
            Section::Intake => "intake",
            Section::Dispatch => "dispatch",
            Section::Visits => "visits",
            Section::Decisions => "decisions",
            Section::Returns => "returns",
            Section::Quality => "quality",
            Section::Letter => "letter",
            Section::Costs => "costs",
            Section::Followups => "followups",
            Section::Signoff => "signoff",
            Section::Closure => "closure",
            Section::Delivery => "delivery",
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for Section {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Section::ALL
            .into_iter()
            .find(|section| section.key() == s)
            .ok_or_else(|| Error::invalid("section", format!("{s:?} is not a ticket section")))
    }
}
