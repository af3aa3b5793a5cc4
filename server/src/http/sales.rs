//! `GET /v1/sales-representatives`: the users of the sales role by name, for the forms that
//! name a ticket's representative or the representative who bears a cost.

use axum::Json;
use axum::extract::State;
use fieldledger_core::{Role, UserId};
use serde::Serialize;

use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;

/// A sales representative as the forms offer them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SalesRep {
    /// Their id.
    pub id: UserId,
    /// Their name.
    pub name: String,
}

/// Every user of the sales role, by name.
pub(super) async fn list(State(state): State<AppState>, _: Caller) -> Result<Json<Vec<SalesRep>>> {
    let storage = state.storage.clone();
    let users = blocking(move || storage.users()).await?;
    let mut reps: Vec<SalesRep> = users
        .into_iter()
        .filter(|u| u.role == Role::Sales)
        .map(|u| SalesRep {
            id: u.id,
            name: u.name,
        })
        .collect();
    reps.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
    Ok(Json(reps))
}
