//! `GET /v1/costs`: the service costs themselves, with their tickets, for finance and the
//! technical service department: what is left to audit, what to settle, by bearer.

use axum::Json;
use axum::extract::State;

use super::extract::Params;
use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;
use crate::costs::{CostQuery, CostRow};

/// `GET /v1/costs?state=to_audit|to_settle|settled&bearer=…`: costs by bearer (at most 500).
pub(super) async fn costs(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<CostQuery>,
) -> Result<Json<Vec<CostRow>>> {
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.cost_rows(&query)).await?))
}
