//! `GET /v1/tickets/{id}/signoffs/{signoff}`: the ticket exactly as the customer saw it when
//! signing, read at the heads the sign-off recorded.

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use fieldledger_core::{EntryId, TicketView};

use crate::AppState;
use crate::auth::Caller;
use crate::error::ServerError;
use crate::http::{blocking, ensure_readable, ticket_id};

/// The view of the ticket at the sign-off.
pub(crate) async fn signed_state(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Json<TicketView>, ServerError> {
    let Path((id, signoff)) =
        path.map_err(|e| ServerError::bad_request("bad_body", e.body_text()))?;
    let id = ticket_id(&id)?;
    let signoff: EntryId = signoff
        .parse()
        .map_err(|e: fieldledger_core::Error| ServerError::bad_request("bad_id", e.to_string()))?;
    let engine = state.engine.clone();
    let view = blocking(move || {
        ensure_readable(&state, &caller, &id)?;
        engine
            .read(&id, |t| t.view_signed(&signoff))?
            .map_err(ServerError::from)
    })
    .await?;
    Ok(Json(view))
}
