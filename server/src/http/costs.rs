//! `GET /v1/costs`: the service costs themselves, with their tickets, for finance and the
//! technical service department: what is left to audit, what to settle, by bearer; and for a
//! sales representative, the costs they bear.

use axum::Json;
use axum::extract::State;
use fieldledger_core::Role;
use fieldledger_core::policy::reads_assigned_only;

use super::extract::Params;
use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::costs::{CostQuery, CostRow};
use crate::error::Error;

/// `GET /v1/costs?state=to_audit|to_settle|settled&bearer=…&borne_by=…`: costs by bearer (at
/// most 500). The office reads them all; a sales representative only those borne by them,
/// whatever `borne_by` asks; a technician none.
pub(super) async fn costs(
    State(state): State<AppState>,
    caller: Caller,
    Params(mut query): Params<CostQuery>,
) -> Result<Json<Vec<CostRow>>> {
    let role = caller.user.role;
    if role == Role::Sales {
        query.borne_by = Some(caller.user.id.clone());
    } else if reads_assigned_only(role) {
        return Err(Error::forbidden(
            "this covers the whole ledger and is read in the office",
        ));
    }
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.cost_rows(&query)).await?))
}
