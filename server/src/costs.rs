//! The service costs themselves, with their tickets, as `GET /v1/costs` lists them for finance
//! and the technical service department: what is left to audit, what to settle, by bearer.

use fieldledger_core::ticket::cost::Bearer;
use fieldledger_core::{TicketId, UserId};
use serde::{Deserialize, Serialize};

use crate::ledger::name;
use crate::statistics::CostLine;

/// Where a cost stands between submission and settlement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CostState {
    /// Not audited yet.
    ToAudit,
    /// Approved and not settled yet.
    ToSettle,
    /// Settled by finance.
    Settled,
    /// Rejected by the audit, with its reason; it stays on the ticket and on this list.
    Rejected,
}

/// A filter on the costs as the API takes it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CostQuery {
    /// Only costs in this state.
    pub state: Option<CostState>,
    /// Only costs borne by this party (`company`, `sales_representative`, …).
    #[serde(deserialize_with = "bearer")]
    pub bearer: Option<String>,
    /// Only costs borne by this sales representative; a representative's own list is always
    /// theirs alone.
    pub borne_by: Option<UserId>,
}

/// Reads a bearer by its name, refusing names that are not bearers.
fn bearer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Bearer>::deserialize(d)?.map(|b| name(&b)))
}

/// One cost with the ticket it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostRow {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Its ledger number.
    pub ledger_number: Option<String>,
    /// Its customer.
    pub customer_name: String,
    /// The cost.
    #[serde(flatten)]
    pub line: CostLine,
    /// The name of who submitted it, where the server knows them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by_name: Option<String>,
}
