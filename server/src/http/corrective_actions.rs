//! `GET /v1/corrective-actions`: for QA, the tickets whose corrective or preventive actions are
//! still open, earliest due day first, with their cause and responsibility.

use axum::Json;
use axum::extract::State;

use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;

/// Tickets listed at most.
const LIMIT: usize = 500;

/// The tickets with open actions, and today's day in the department's zone to judge them by.
pub(super) async fn open(
    State(state): State<AppState>,
    _: Office,
) -> Result<Json<serde_json::Value>> {
    let today = state.workflow.calendar.day_of(state.clock.now());
    let storage = state.storage.clone();
    let tickets = blocking(move || storage.open_action_tickets(LIMIT)).await?;
    Ok(Json(
        serde_json::json!({ "today": today, "tickets": tickets }),
    ))
}
