//! `GET /v1/statistics/*`: the figures supervisors, QA and finance read, over the whole ledger.

use axum::Json;
use axum::extract::State;

use super::extract::Params;
use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;
use crate::statistics::{
    ComplaintQuery, CostStatistics, HandoffCompliance, OpenActions, VisitOutcomes,
};

pub(super) async fn complaint_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<ComplaintQuery>,
) -> Result<Json<serde_json::Value>> {
    let offset = state.workflow.calendar.utc_offset_minutes;
    let storage = state.storage.clone();
    let groups = blocking(move || storage.complaints_by(query.by, offset)).await?;
    Ok(Json(
        serde_json::json!({ "by": query.by, "groups": groups }),
    ))
}

pub(super) async fn handoff_statistics(
    State(state): State<AppState>,
    _: Office,
) -> Result<Json<HandoffCompliance>> {
    let limit = state.workflow.handoff_ms();
    let storage = state.storage.clone();
    Ok(Json(
        blocking(move || storage.handoff_compliance(limit)).await?,
    ))
}

pub(super) async fn action_statistics(
    State(state): State<AppState>,
    _: Office,
) -> Result<Json<OpenActions>> {
    let today = state.workflow.calendar.day_of(state.clock.now());
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.open_actions(today)).await?))
}

pub(super) async fn cost_statistics(
    State(state): State<AppState>,
    _: Office,
) -> Result<Json<CostStatistics>> {
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.cost_totals()).await?))
}

pub(super) async fn visit_statistics(
    State(state): State<AppState>,
    _: Office,
) -> Result<Json<VisitOutcomes>> {
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.visit_outcomes()).await?))
}
