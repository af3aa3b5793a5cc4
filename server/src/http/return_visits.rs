//! `GET /v1/return-visits`: the return visits supervisors track (due, overdue, done or planned,
//! by person and department).

use axum::Json;
use axum::extract::State;

use super::extract::Params;
use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;
use crate::return_visits::VisitQuery;

/// The return visits supervisors track: due, overdue, done or planned, by person and department.
pub(super) async fn return_visits(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<VisitQuery>,
) -> Result<Json<serde_json::Value>> {
    let days = state.workflow.visit_days(state.clock.now());
    let storage = state.storage.clone();
    let visits = blocking(move || storage.return_visits(&query, days)).await?;
    Ok(Json(serde_json::json!({
        "today": days.today,
        "overdue_upto": days.overdue_upto,
        "visits": visits,
    })))
}
