//! The HTTP surface: the sync endpoint for devices, blob upload, and the first part of the
//! office REST API. Handlers are thin: they check who asks, then call the engine off the async
//! threads (automerge and SQLite work blocks).

use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use fieldledger_core::protocol::{self, CONTENT_TYPE, SyncRequest};
use fieldledger_core::ticket::intake::Registration;
use fieldledger_core::{Operation, TicketId, policy};
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Caller, TokenCaller};
use crate::blobs::{MAX_BLOB, UploadState};
use crate::deadlines::Judgement;
use crate::engine::{TicketDetail, reads_assigned_only};
use crate::error::ServerError;
use crate::export::{self, ExportOptions};
use crate::import::{self, ImportRequest, RowOutcome};
use crate::ledger::{LedgerPage, LedgerQuery};
use crate::return_visits::VisitQuery;
use crate::statistics::{
    ComplaintQuery, CostStatistics, HandoffCompliance, OpenActions, VisitOutcomes,
};

type Result<T, E = ServerError> = std::result::Result<T, E>;

/// The largest sync body accepted.
pub const MAX_SYNC_BODY: usize = 32 * 1024 * 1024;
/// The largest import request: its rows' free text may be long.
pub const MAX_IMPORT_BODY: usize = 32 * 1024 * 1024;
/// The largest piece of a blob upload.
pub const MAX_BLOB_PIECE: usize = 4 * 1024 * 1024;

/// Turns axum's rejection of a body, path or query into the server's JSON error.
fn rejected(status: StatusCode, text: String) -> ServerError {
    let code = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "too_large"
    } else {
        "bad_body"
    };
    ServerError::refused(status, code, text)
}

/// A JSON body whose rejection answers in the server's error format.
pub(crate) struct Body<T>(pub(crate) T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for Body<T> {
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Body(value)),
            Err(e) => Err(rejected(e.status(), e.body_text())),
        }
    }
}

/// Raw bytes whose rejection (too large) answers in the server's error format.
struct Raw(Bytes);

impl<S: Send + Sync> FromRequest<S> for Raw {
    type Rejection = ServerError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self> {
        Bytes::from_request(req, state)
            .await
            .map(Raw)
            .map_err(|e| rejected(e.status(), e.body_text()))
    }
}

/// Query parameters whose rejection answers in the server's error format.
pub(crate) struct Params<T>(pub(crate) T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Params<T> {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(q)| Params(q))
            .map_err(|e| rejected(e.status(), e.body_text()))
    }
}

/// A path segment whose rejection (not UTF-8) answers in the server's error format.
pub(crate) struct Segment(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for Segment {
    type Rejection = ServerError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self> {
        Path::<String>::from_request_parts(parts, state)
            .await
            .map(|Path(p)| Segment(p))
            .map_err(|e| rejected(StatusCode::BAD_REQUEST, e.body_text()))
    }
}

/// Runs blocking engine work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f).await.map_err(|e| {
        ServerError::refused(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
    })?
}

/// The routes of the server.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/v1/openapi.json", get(openapi))
        .route("/v1/me", get(me))
        .route("/v1/policy", get(crate::policy::policy))
        .route(
            "/v1/sync",
            post(sync).layer(DefaultBodyLimit::max(MAX_SYNC_BODY)),
        )
        .route(
            "/v1/blobs/{sha256}",
            put(upload).layer(DefaultBodyLimit::max(MAX_BLOB_PIECE)),
        )
        .route("/v1/blobs/{sha256}/upload", get(upload_state))
        .route("/v1/tickets", post(register))
        .route("/v1/tickets/{id}", get(ticket))
        .route("/v1/tickets/{id}/operations", post(operation))
        .route(
            "/v1/tickets/{id}/signoffs/{signoff}",
            get(crate::signed_state::signed_state),
        )
        .route(
            "/v1/tickets/{id}/blobs/{sha256}",
            get(crate::ticket_blobs::ticket_blob),
        )
        .route("/v1/costs", get(crate::costs::costs))
        .route(
            "/v1/corrective-actions",
            get(crate::corrective_actions::open),
        )
        .route("/v1/ledger", get(ledger))
        .route("/v1/ledger/export", get(export_ledger))
        .route(
            "/v1/import",
            post(import_rows).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY)),
        )
        .route("/v1/return-visits", get(return_visits))
        .route("/v1/statistics/complaints", get(complaint_statistics))
        .route("/v1/statistics/handoff", get(handoff_statistics))
        .route("/v1/statistics/corrective-actions", get(action_statistics))
        .route("/v1/statistics/return-visits", get(visit_statistics))
        .route("/v1/statistics/costs", get(cost_statistics))
        .route("/v1/security-events", get(security_events))
        .route("/v1/events", get(crate::sse::events))
}

async fn healthz(State(state): State<AppState>) -> Result<Json<serde_json::Value>> {
    let storage = state.storage.clone();
    blocking(move || storage.system_actor().map(drop)).await?;
    Ok(Json(serde_json::json!({ "status": "ok" })))
}

/// Prometheus text, for the bearer of the configured metrics token only: the counters tell an
/// outsider how busy the service is and when.
async fn metrics(State(state): State<AppState>, headers: header::HeaderMap) -> Result<Response> {
    let Some(expected) = state.metrics_token else {
        return Err(ServerError::not_found(
            "metrics are off: start the server with FIELDLEDGER_METRICS_TOKEN to read them",
        ));
    };
    if crate::auth::presented(&headers).map(crate::auth::token_hash) != Some(expected) {
        return Err(ServerError::refused(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "the metrics token is required",
        ));
    }
    Ok((
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response())
}

async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

async fn me(caller: Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "user": caller.user.id,
        "name": caller.user.name,
        "role": caller.user.role,
        "device": caller.device.id,
    }))
}

/// Devices only: the token is checked from the headers, before the body is read.
async fn sync(
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
            .map_err(|e| {
                ServerError::refused(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "shutting_down",
                    e.to_string(),
                )
            })?;
        let response = blocking(move || {
            let _turn = turn;
            let request: SyncRequest = protocol::decode(&body)
                .map_err(|e| ServerError::bad_request("bad_body", e.to_string()))?;
            engine.sync(&caller, request)
        })
        .await?;
        Ok::<_, ServerError>(
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

#[derive(Deserialize)]
struct Piece {
    offset: u64,
    total: u64,
}

async fn upload_state(
    State(state): State<AppState>,
    caller: Caller,
    Segment(sha256): Segment,
) -> Result<Json<UploadState>> {
    let blobs = state.blobs.clone();
    Ok(Json(
        blocking(move || blobs.state(&caller.device.id, &sha256)).await?,
    ))
}

async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Segment(sha256): Segment,
    Params(piece): Params<Piece>,
    Raw(body): Raw,
) -> Result<Json<UploadState>> {
    if piece.total > MAX_BLOB {
        return Err(ServerError::refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
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

pub(crate) fn ticket_id(raw: &str) -> Result<TicketId> {
    raw.parse()
        .map_err(|e: fieldledger_core::Error| ServerError::bad_request("bad_id", e.to_string()))
}

/// Refuses callers whose role reads only assigned tickets, unless this one is theirs.
pub(crate) fn ensure_readable(state: &AppState, caller: &Caller, id: &TicketId) -> Result<()> {
    if reads_assigned_only(caller.user.role) && !state.storage.has_access(&caller.user.id, id)? {
        return Err(ServerError::forbidden(format!(
            "ticket {id} is not assigned to you"
        )));
    }
    Ok(())
}

async fn register(
    State(state): State<AppState>,
    caller: Caller,
    Body(registration): Body<Registration>,
) -> Result<Response> {
    if !policy::may_register(caller.user.role) {
        return Err(ServerError::forbidden(format!(
            "the role {} may not register tickets",
            caller.user.role
        )));
    }
    let engine = state.engine.clone();
    let id = blocking(move || engine.register(&caller.user, &registration)).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "ticket_id": id })),
    )
        .into_response())
}

/// A ticket with its deadlines judged on both clocks.
#[derive(serde::Serialize)]
struct Shown {
    #[serde(flatten)]
    detail: TicketDetail,
    deadlines: Vec<Judgement>,
    /// The status as the ledger has it.
    status: Option<fieldledger_core::status::Status>,
}

async fn ticket(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
) -> Result<Response> {
    let id = ticket_id(&id)?;
    let engine = state.engine.clone();
    let detail = blocking(move || {
        ensure_readable(&state, &caller, &id)?;
        let detail = engine.ticket_detail(&id)?;
        let row = state.storage.ledger_row(&id)?;
        let deadlines = match &row {
            Some(row) => {
                let now = state.clock.now();
                state
                    .workflow
                    .judge(&detail.view, row, &detail.history, now)
            }
            None => Vec::new(),
        };
        Ok(Shown {
            detail,
            deadlines,
            status: row.map(|r| r.status),
        })
    })
    .await?;
    Ok(Json(detail).into_response())
}

async fn operation(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment,
    Body(op): Body<Operation>,
) -> Result<Response> {
    let id = ticket_id(&id)?;
    let engine = state.engine.clone();
    let applied = blocking(move || {
        ensure_readable(&state, &caller, &id)?;
        engine.record(&caller.user, &id, &op)
    })
    .await?;
    Ok(Json(serde_json::json!({
        "change": applied.change.map(|h| h.to_string()),
        "entry": applied.entry,
    }))
    .into_response())
}

async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    Params(mut query): Params<LedgerQuery>,
) -> Result<Json<LedgerPage>> {
    if reads_assigned_only(caller.user.role) {
        query.readable_by = Some(caller.user.id.clone());
    }
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.ledger(&query)).await?))
}

/// The ledger rows the filter matches, as a CSV or XLSX file with Chinese or English headers.
async fn export_ledger(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<LedgerQuery>,
    Params(options): Params<ExportOptions>,
) -> Result<Response> {
    ensure_office(&caller)?;
    let calendar = state.workflow.calendar.clone();
    let day = calendar.day_of(state.clock.now());
    let storage = state.storage.clone();
    let file = blocking(move || {
        let rows = storage.whole_ledger(&query)?;
        export::write(&rows, options, &calendar)
    })
    .await?;
    let disposition = format!(
        "attachment; filename=\"fieldledger-ledger-{day}.{}\"",
        options.format.extension()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                options.format.content_type().to_owned(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file,
    )
        .into_response())
}

/// Imports rows of a ledger kept elsewhere as tickets; answers each row's outcome.
async fn import_rows(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<ImportRequest>,
) -> Result<Json<Vec<RowOutcome>>> {
    ensure_office(&caller)?;
    let engine = state.engine.clone();
    Ok(Json(
        blocking(move || import::import(&engine, &caller.user, &request)).await?,
    ))
}

/// The return visits supervisors track: due, overdue, done or planned, by person and department.
async fn return_visits(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<VisitQuery>,
) -> Result<Json<serde_json::Value>> {
    ensure_office(&caller)?;
    let days = state.workflow.visit_days(state.clock.now());
    let storage = state.storage.clone();
    let visits = blocking(move || storage.return_visits(&query, days)).await?;
    Ok(Json(serde_json::json!({
        "today": days.today,
        "overdue_upto": days.overdue_upto,
        "visits": visits,
    })))
}

/// Refuses the roles that see only their own tickets, for answers about the whole ledger.
pub(crate) fn ensure_office(caller: &Caller) -> Result<()> {
    if reads_assigned_only(caller.user.role) {
        return Err(ServerError::forbidden(
            "this covers the whole ledger and is read in the office",
        ));
    }
    Ok(())
}

async fn complaint_statistics(
    State(state): State<AppState>,
    caller: Caller,
    Params(query): Params<ComplaintQuery>,
) -> Result<Json<serde_json::Value>> {
    ensure_office(&caller)?;
    let offset = state.workflow.calendar.utc_offset_minutes;
    let storage = state.storage.clone();
    let groups = blocking(move || storage.complaints_by(query.by, offset)).await?;
    Ok(Json(
        serde_json::json!({ "by": query.by, "groups": groups }),
    ))
}

async fn handoff_statistics(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<HandoffCompliance>> {
    ensure_office(&caller)?;
    let limit = state.workflow.handoff_ms();
    let storage = state.storage.clone();
    Ok(Json(
        blocking(move || storage.handoff_compliance(limit)).await?,
    ))
}

async fn action_statistics(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OpenActions>> {
    ensure_office(&caller)?;
    let today = state.workflow.calendar.day_of(state.clock.now());
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.open_actions(today)).await?))
}

async fn cost_statistics(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<CostStatistics>> {
    ensure_office(&caller)?;
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.cost_totals()).await?))
}

async fn visit_statistics(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<VisitOutcomes>> {
    ensure_office(&caller)?;
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.visit_outcomes()).await?))
}

async fn security_events(State(state): State<AppState>, caller: Caller) -> Result<Response> {
    if caller.user.role != fieldledger_core::Role::Admin {
        return Err(ServerError::forbidden(
            "only administrators see security events",
        ));
    }
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.security_events(200)).await?).into_response())
}
