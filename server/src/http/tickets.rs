//! Tickets in the office: `POST /v1/tickets` registers one at the desk (resolved against the
//! reference data, [`crate::reference::resolve`]), `GET /v1/tickets/{id}`
//! shows one with its deadlines judged, `POST /v1/tickets/{id}/operations` records an operation
//! on it, and `GET /v1/tickets/{id}/signoffs/{signoff}` shows it exactly as the customer saw it
//! when signing (read at the heads the sign-off recorded).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use fieldledger_core::{EntryId, Operation, Section, TicketView, policy};

use super::extract::{Body, Segment, ticket_id};
use super::guard::readable;
use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::deadlines::Judgement;
use crate::error::{Code, Error};
use crate::reference::{self, RegistrationRequest};
use crate::ticket_detail::{self, TicketDetail};

pub(super) async fn register(
    State(state): State<AppState>,
    caller: Caller,
    Body(request): Body<RegistrationRequest>,
) -> Result<Response> {
    if !policy::may_register(caller.user.role) {
        return Err(Error::forbidden(format!(
            "the role {} may not register tickets",
            caller.user.role
        )));
    }
    let engine = state.engine.clone();
    let storage = state.storage.clone();
    let (id, ledger_number) = blocking(move || {
        let registration = reference::resolve(storage.as_ref(), &request)?;
        let id = engine.register(&caller.user, &registration)?;
        let number = engine
            .read(&id, |t| t.view_sections(&[Section::Meta]))??
            .meta
            .ledger_number;
        Ok((id, number))
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "ticket_id": id, "ledger_number": ledger_number })),
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
    /// What it waits for, by department, as the ledger has it.
    waiting: Vec<crate::queue::Waiting>,
    /// Whether it is overdue ([`crate::ledger::Lateness`]).
    overdue: bool,
    /// The names of the users the ticket names, by id.
    people: std::collections::BTreeMap<String, String>,
}

pub(super) async fn ticket(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment<String>,
) -> Result<Response> {
    let id = ticket_id(&id)?;
    let engine = state.engine.clone();
    let detail = blocking(move || {
        readable(&state, &caller, &id)?;
        let detail = engine.ticket_detail(&id)?;
        let row = state.storage.ledger_row(&id)?;
        let now = state.clock.now();
        let deadlines = match &row {
            Some(row) => state
                .workflow
                .judge(&detail.view, row, &detail.history, now),
            None => Vec::new(),
        };
        let lateness = state.workflow.lateness(now);
        let overdue = row.as_ref().is_some_and(|r| lateness.is_overdue(r));
        let users = state.storage.users()?;
        let names = users
            .iter()
            .map(|u| (u.id.as_str(), u.name.as_str()))
            .collect();
        let people = ticket_detail::people(&detail.view, &names);
        Ok(Shown {
            detail,
            deadlines,
            status: row.as_ref().map(|r| r.status),
            waiting: row.map(|r| r.waiting).unwrap_or_default(),
            overdue,
            people,
        })
    })
    .await?;
    Ok(Json(detail).into_response())
}

pub(super) async fn operation(
    State(state): State<AppState>,
    caller: Caller,
    Segment(id): Segment<String>,
    Body(op): Body<Operation>,
) -> Result<Response> {
    let id = ticket_id(&id)?;
    let engine = state.engine.clone();
    let applied = blocking(move || {
        readable(&state, &caller, &id)?;
        engine.record(&caller.user, &id, &op)
    })
    .await?;
    Ok(Json(serde_json::json!({
        "change": applied.change.map(|h| h.to_string()),
        "entry": applied.entry,
    }))
    .into_response())
}

/// The view of the ticket at the sign-off.
pub(super) async fn signed_state(
    State(state): State<AppState>,
    caller: Caller,
    Segment((id, signoff)): Segment<(String, String)>,
) -> Result<Json<TicketView>> {
    let id = ticket_id(&id)?;
    let signoff: EntryId = signoff
        .parse()
        .map_err(|e: fieldledger_core::Error| Error::new(Code::BadId, e.to_string()))?;
    let engine = state.engine.clone();
    let view = blocking(move || {
        readable(&state, &caller, &id)?;
        engine
            .read(&id, |t| t.view_signed(&signoff))?
            .map_err(Error::from)
    })
    .await?;
    Ok(Json(view))
}
