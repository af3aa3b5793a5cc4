//! `GET /v1/tickets/{id}/blobs/{sha256}`: a photo or signature of a ticket, for an office user
//! who may read the ticket. A blob is read only through a ticket that references it, so that
//! knowing a hash, or uploading a file no ticket mentions, gives nobody a way to read it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fieldledger_core::Section;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ServerError;
use crate::http::{blocking, ensure_readable, ticket_id};
use fieldledger_core::policy::reads_assigned_only;

/// The bytes of blob `sha256` of ticket `id`.
pub(crate) async fn ticket_blob(
    State(state): State<AppState>,
    caller: Caller,
    path: Result<Path<(String, String)>, PathRejection>,
) -> Result<Response, ServerError> {
    let Path((id, sha256)) =
        path.map_err(|e| ServerError::bad_request("bad_body", e.body_text()))?;
    let id = ticket_id(&id)?;
    if reads_assigned_only(caller.user.role) {
        return Err(ServerError::forbidden(
            "photos are downloaded in the office; your device holds its own",
        ));
    }
    let (engine, blobs) = (state.engine.clone(), state.blobs.clone());
    let bytes = blocking(move || {
        ensure_readable(&state, &caller, &id)?;
        let referenced = engine
            .read(&id, |t| {
                t.view_sections(&[Section::Visits, Section::Signoff])
            })?
            .map_err(ServerError::from)?
            .blobs()
            .any(|b| b.sha256 == sha256);
        if !referenced {
            return Err(ServerError::not_found(format!(
                "ticket {id} has no file {sha256}"
            )));
        }
        blobs.read(&sha256)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}
