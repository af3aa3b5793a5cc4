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

/// `GET /v1/costs?state=to_audit|to_settle|settled|rejected&bearer=…&borne_by=…`: costs by
/// bearer (at most 500), each with its submitter's name. The office reads them all; a sales
/// representative only those borne by them, whatever `borne_by` asks; a technician none.
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
    let rows = blocking(move || {
        let mut rows = storage.cost_rows(&query)?;
        let users = storage.users()?;
        for row in &mut rows {
            row.submitted_by_name = users
                .iter()
                .find(|u| u.id == row.line.submitted_by)
                .map(|u| u.name.clone());
        }
        Ok(rows)
    })
    .await?;
    Ok(Json(rows))
}
