//! `GET /v1/costs`: the service costs themselves, with their tickets, for finance and the
//! technical service department: what is left to audit, what to settle, by bearer.

use axum::Json;
use axum::extract::State;
use fieldledger_core::TicketId;
use fieldledger_core::ticket::cost::Bearer;
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ServerError;
use crate::http::{Params, blocking, ensure_office};
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
}

/// `GET /v1/costs?state=to_audit|to_settle|settled&bearer=…`: costs by bearer (at most 500).
pub(crate) async fn costs(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<CostQuery>,
) -> Result<Json<Vec<CostRow>>, ServerError> {
    ensure_office(&caller)?;
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.cost_rows(&query)).await?))
}
