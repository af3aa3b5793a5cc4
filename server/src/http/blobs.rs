//! Blobs (photos, drawn signatures): `PUT /v1/blobs/{sha256}` uploads a piece of one from a
//! device, resumable (`GET /v1/blobs/{sha256}/upload` says how far it got), and
//! `GET /v1/tickets/{id}/blobs/{sha256}` gives one to an office user who may read a ticket that
//! references it. A blob is read only through such a ticket, so that knowing a hash, or uploading
//! a file no ticket mentions, gives nobody a way to read it.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fieldledger_core::Section;
use fieldledger_core::policy::reads_assigned_only;
use serde::Deserialize;

use super::extract::{Params, Raw, Segment, ticket_id};
use super::guard::readable;
use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::blobs::{MAX_BLOB, UploadState};
use crate::error::{Code, Error};

#[derive(Deserialize)]
/// Where an uploaded piece of a blob goes: its offset, and the whole blob's size.
pub(super) struct Piece {
    offset: u64,
    total: u64,
}

pub(super) async fn upload_state(
    State(state): State<AppState>,
    caller: Caller,
    Segment(sha256): Segment<String>,
) -> Result<Json<UploadState>> {
    let blobs = state.blobs.clone();
    Ok(Json(
        blocking(move || blobs.state(&caller.device.id, &sha256)).await?,
    ))
}

pub(super) async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Segment(sha256): Segment<String>,
    Params(piece): Params<Piece>,
    Raw(body): Raw,
) -> Result<Json<UploadState>> {
    if piece.total > MAX_BLOB {
        return Err(Error::new(
            Code::TooLarge,
            format!("a blob may have at most {MAX_BLOB} bytes"),
        ));
    }
    let (blobs, storage, now) = (
        state.blobs.clone(),
        state.storage.clone(),
        state.clock.now(),
    );
    Ok(Json(
        blocking(move || {
            let upload = blobs.put(&caller.device.id, &sha256, piece.offset, piece.total, &body)?;
            if upload.complete {
                storage.add_blob(&sha256, upload.offset, now)?;
            }
            Ok(upload)
        })
        .await?,
    ))
}

/// The bytes of blob `sha256` of ticket `id`.
pub(super) async fn ticket_blob(
    State(state): State<AppState>,
    caller: Caller,
    Segment((id, sha256)): Segment<(String, String)>,
) -> Result<Response> {
    let id = ticket_id(&id)?;
    if reads_assigned_only(caller.user.role) {
        return Err(Error::forbidden(
            "photos are downloaded in the office; your device holds its own",
        ));
    }
    let (engine, blobs) = (state.engine.clone(), state.blobs.clone());
    let bytes = blocking(move || {
        readable(&state, &caller, &id)?;
        let referenced = engine
            .read(&id, |t| {
                t.view_sections(&[Section::Visits, Section::Signoff])
            })?
            .map_err(Error::from)?
            .blobs()
            .any(|b| b.sha256 == sha256);
        if !referenced {
            return Err(Error::not_found(format!(
                "ticket {id} has no file {sha256}"
            )));
        }
        blobs.read(&sha256)
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "application/octet-stream")], bytes).into_response())
}
