//! What the server says of itself: `GET /healthz`, `/metrics` (Prometheus, for the bearer of the
//! metrics token), `/v1/openapi.json` and `/v1/me` (who a token or session belongs to).

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::error::Error;

/// `GET /healthz`: `ok` and the database, once the database has answered; a server that
/// cannot reach its database answers 503 (`storage_failed`) until it can again.
pub(super) async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    let storage = state.storage.clone();
    let database = storage.database();
    blocking(move || storage.system_actor().map(drop)).await?;
    Ok(Json(
        serde_json::json!({ "status": "ok", "database": database }),
    ))
}

/// Prometheus text, for the bearer of the configured metrics token only: the counters tell an
/// outsider how busy the service is and when.
pub(super) async fn metrics(
    State(state): State<AppState>,
    headers: header::HeaderMap,
) -> Result<Response> {
    let Some(expected) = state.metrics_token else {
        return Err(Error::not_found(
            "metrics are off: start the server with FIELDLEDGER_METRICS_TOKEN to read them",
        ));
    };
    if crate::auth::presented(&headers).map(crate::auth::token_hash) != Some(expected) {
        return Err(Error::unauthorized("the metrics token is required"));
    }
    Ok((
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        state.metrics.render(),
    )
        .into_response())
}

pub(super) async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../../openapi.json"),
    )
}

pub(super) async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "user": caller.user.id,
        "name": caller.user.name,
        "role": caller.user.role,
        "device": caller.device.id,
    }))
}
