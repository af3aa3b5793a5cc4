//! The complaint ledger: `GET /v1/ledger` pages, filters and sorts it, `GET /v1/ledger/export`
//! writes it as CSV or XLSX, and `POST /v1/import` reads a ledger kept elsewhere into tickets.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fieldledger_core::policy::reads_assigned_only;

use super::extract::{Body, Params};
use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;
use crate::auth::Caller;
use crate::export::{self, ExportOptions};
use crate::import::{self, ImportRequest, RowOutcome};
use crate::ledger::{LedgerAnswer, LedgerLine, LedgerQuery};
use crate::statistics::GroupQuery;
use crate::storage::complaint_group;

/// A page of the ledger, each line judged on the day it is read; `by` and `key` (with the
/// period `from`, `to`) narrow it to the complaints of one group a statistic counts.
pub(super) async fn ledger(
    State(state): State<AppState>,
    caller: Caller,
    Params(mut query): Params<LedgerQuery>,
    Params(group): Params<GroupQuery>,
) -> Result<Json<LedgerAnswer>> {
    if reads_assigned_only(caller.user.role) {
        query.readable_by = Some(caller.user.id.clone());
    }
    narrow(&state, &mut query, group)?;
    let now = state.clock.now();
    let lateness = state.workflow.lateness(now);
    let storage = state.storage.clone();
    let page = blocking(move || storage.ledger(&query)).await?;
    Ok(Json(LedgerAnswer {
        rows: page
            .rows
            .into_iter()
            .map(|row| LedgerLine::of(row, &lateness, now))
            .collect(),
        total: page.total,
    }))
}

/// Narrows `query` to the complaints of `group`, when it names one: its group's rows, registered
/// within its period (and within what `query` already bounds).
fn narrow(state: &AppState, query: &mut LedgerQuery, group: GroupQuery) -> Result<()> {
    let Some(axis) = group.by else {
        return Ok(());
    };
    let (from, to) = group.bounds(&state.workflow.calendar)?;
    query.registered_from = query.registered_from.max(from);
    query.registered_to = match (query.registered_to, to) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    query.group = Some(complaint_group(axis, group.key));
    Ok(())
}

/// The ledger rows the filter matches (narrowed to a statistic's group as [`ledger`] is), as a
/// CSV or XLSX file with Chinese or English headers.
pub(super) async fn export_ledger(
    State(state): State<AppState>,
    _: Office,
    Params(mut query): Params<LedgerQuery>,
    Params(group): Params<GroupQuery>,
    Params(options): Params<ExportOptions>,
) -> Result<Response> {
    narrow(&state, &mut query, group)?;
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
pub(super) async fn import_rows(
    State(state): State<AppState>,
    Office(caller): Office,
    Body(request): Body<ImportRequest>,
) -> Result<Json<Vec<RowOutcome>>> {
    let engine = state.engine.clone();
    Ok(Json(
        blocking(move || import::import(&engine, &caller.user, &request)).await?,
    ))
}
