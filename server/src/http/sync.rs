//! `POST /v1/sync`: a device's sync request, for enrolled devices only.

use std::time::Instant;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fieldledger_core::protocol::{self, CONTENT_TYPE, SyncRequest};

use super::extract::Raw;
use super::guard::TokenCaller;
use super::{Result, blocking};
use crate::AppState;
use crate::error::{Code, Error};

/// Devices only: the token is checked from the headers, before the body is read.
pub(super) async fn sync(
    State(state): State<AppState>,
    TokenCaller(caller): TokenCaller,
    Raw(body): Raw,
) -> Result<Response> {
    let started = Instant::now();
    let outcome = async {
        let engine = state.engine.clone();
        // Held until the merge ends, even when the device hangs up before it does.
        let turn = state
            .sync_permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::new(Code::ShuttingDown, e.to_string()))?;
        let response = blocking(move || {
            let _turn = turn;
            let request: SyncRequest =
                protocol::decode(&body).map_err(|e| Error::new(Code::BadBody, e.to_string()))?;
            engine.sync(&caller, request)
        })
        .await?;
        Ok::<_, Error>(
            (
                [(header::CONTENT_TYPE, CONTENT_TYPE)],
                protocol::encode(&response),
            )
                .into_response(),
        )
    }
    .await;
    state
        .metrics
        .sync_request(started.elapsed(), outcome.is_err());
    outcome
}
