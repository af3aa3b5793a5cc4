//! `GET /v1/sales-representatives`: the users of the sales role by name, for the forms that
//! name a ticket's representative or the representative who bears a cost.

use axum::Json;
use axum::extract::State;
use fieldledger_core::Role;

use super::people::{Person, people};
use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;

/// Every user of the sales role, by name.
pub(super) async fn list(State(state): State<AppState>, _: Caller) -> Result<Json<Vec<Person>>> {
    let storage = state.storage.clone();
    let reps = blocking(move || people(storage.as_ref(), Some(Role::Sales))).await?;
    Ok(Json(reps))
}
