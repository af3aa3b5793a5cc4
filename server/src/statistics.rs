//! Statistics of the service data for QA and the service department, read from the ledger's
//! columns and the return-visit table with one aggregate query each, so that they stay fast on
//! a ledger of many tickets.

use fieldledger_core::TicketView;
use serde::{Deserialize, Serialize};

use crate::ledger::name;

/// What complaints are counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintAxis {
    /// Product name.
    Product,
    /// Specification and model.
    Model,
    /// The cause QA recorded.
    Cause,
    /// The responsibility ruled.
    Responsibility,
    /// The month of registration, in the department's time zone.
    Month,
}

/// A filter of the complaint counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub struct ComplaintQuery {
    /// What to count by.
    pub by: ComplaintAxis,
}

/// The number of complaints with one value of the axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The value (`null`: not recorded yet).
    pub key: Option<String>,
    /// How many complaints have it.
    pub complaints: u64,
}

/// How many tickets were handed off within the limit after registration, on each clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoffCompliance {
    /// Registered tickets.
    pub tickets: u64,
    /// Tickets handed off (by a hand-off or a travel task order).
    pub handed_off: u64,
    /// Handed off within the limit by the devices' clocks.
    pub on_time_by_device: u64,
    /// Handed off within the limit by the server's receipt times.
    pub on_time_by_receipt: u64,
    /// `on_time_by_device / tickets` (0 without tickets).
    pub share_by_device: f64,
    /// `on_time_by_receipt / tickets` (0 without tickets).
    pub share_by_receipt: f64,
}

/// Open corrective and preventive actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenActions {
    /// Open actions in all.
    pub actions: u64,
    /// Tickets with at least one.
    pub tickets: u64,
    /// Tickets with one past its due day.
    pub tickets_past_due: u64,
}

/// Return visits done and how satisfied customers were.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitOutcomes {
    /// Return visits planned in all.
    pub planned: u64,
    /// Of those, done.
    pub done: u64,
    /// `done / planned` (0 without visits).
    pub completion: f64,
    /// Done visits where the customer considered the problem resolved.
    pub resolved: u64,
    /// The mean satisfaction (1–5) of done visits, if any.
    pub mean_satisfaction: Option<f64>,
    /// Done visits per satisfaction 1 to 5.
    pub by_satisfaction: [u64; 5],
}

/// `part / whole`, 0 when `whole` is 0.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// One cost of a ticket as the statistics read it, projected from the document with the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    /// The cost's entry id.
    pub cost_id: String,
    /// What it paid for (`travel`, `parts`, …).
    pub kind: String,
    /// Who pays (`company`, `sales_representative`, …).
    pub bearer: String,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The audit's verdict, once audited.
    pub approved: Option<bool>,
    /// Whether finance settled it.
    pub settled: bool,
}

impl CostLine {
    /// The costs of the ticket `view`.
    pub fn project(view: &TicketView) -> Vec<CostLine> {
        view.costs
            .iter()
            .map(|c| CostLine {
                cost_id: c.id.to_string(),
                kind: name(&c.kind),
                bearer: name(&c.bearer),
                amount_minor: c.amount_minor,
                currency: c.currency.clone(),
                approved: c.audit.as_ref().map(|a| a.approved),
                settled: c.settlement.is_some(),
            })
            .collect()
    }
}

/// The costs of one kind or one bearer, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostTotal {
    /// The kind or the bearer.
    pub key: String,
    /// The currency.
    pub currency: String,
    /// How many costs.
    pub costs: u64,
    /// Their sum in minor units.
    pub amount_minor: i64,
    /// The sum of those the audit approved.
    pub approved_minor: i64,
    /// The sum of those finance settled.
    pub settled_minor: i64,
}

/// Service costs by kind and by bearer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostStatistics {
    /// By what they paid for.
    pub by_kind: Vec<CostTotal>,
    /// By who pays.
    pub by_bearer: Vec<CostTotal>,
}
