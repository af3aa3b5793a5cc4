//! `GET /v1/statistics/*`: the figures supervisors, QA and finance read, over the whole ledger
//! or a period of days (`from`, `to`), and `GET /v1/statistics/{name}/export`: each as an Excel
//! workbook.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::extract::{Params, Segment};
use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;
use crate::error::Error;
use crate::export::FileFormat;
use crate::statistics::{
    ComplaintCounts, Figures, Headline, Period, Statistic, StatisticsQuery, sheet,
};

/// The figures of `statistic` that `query` asks for, and their period.
async fn figures(
    state: &AppState,
    statistic: Statistic,
    query: &StatisticsQuery,
) -> Result<(Period, Figures)> {
    let calendar = &state.workflow.calendar;
    let period = query.period(calendar)?;
    let storage = state.storage.clone();
    let figures = match statistic {
        Statistic::Complaints => {
            let (axis, top) = (query.axis()?, query.top()?);
            let offset = calendar.utc_offset_minutes;
            let mut groups = blocking(move || storage.complaints_by(axis, &period, offset)).await?;
            if axis == crate::statistics::ComplaintAxis::Technician {
                let storage = state.storage.clone();
                let users = blocking(move || storage.users()).await?;
                let names: HashMap<String, String> = users
                    .into_iter()
                    .map(|u| (u.id.as_str().to_owned(), u.name))
                    .collect();
                for group in &mut groups {
                    group.name = group.key.as_ref().and_then(|k| names.get(k).cloned());
                }
            }
            Figures::Complaints(ComplaintCounts::fold(axis, period, groups, top))
        }
        Statistic::Handoff => {
            let limit = state.workflow.handoff_ms();
            Figures::Handoff(blocking(move || storage.handoff_compliance(limit, &period)).await?)
        }
        Statistic::CorrectiveActions => {
            let today = calendar.day_of(state.clock.now());
            Figures::CorrectiveActions(
                blocking(move || storage.open_actions(today, &period)).await?,
            )
        }
        Statistic::ReturnVisits => {
            Figures::ReturnVisits(blocking(move || storage.visit_outcomes(&period)).await?)
        }
        Statistic::Costs => Figures::Costs(blocking(move || storage.cost_totals(&period)).await?),
    };
    Ok((period, figures))
}

/// The figures of `statistic` as JSON.
async fn answer(
    state: &AppState,
    statistic: Statistic,
    query: &StatisticsQuery,
) -> Result<Json<Figures>> {
    Ok(Json(figures(state, statistic, query).await?.1))
}

pub(super) async fn complaint_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<StatisticsQuery>,
) -> Result<Json<Figures>> {
    answer(&state, Statistic::Complaints, &query).await
}

pub(super) async fn handoff_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<StatisticsQuery>,
) -> Result<Json<Figures>> {
    answer(&state, Statistic::Handoff, &query).await
}

pub(super) async fn action_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<StatisticsQuery>,
) -> Result<Json<Figures>> {
    answer(&state, Statistic::CorrectiveActions, &query).await
}

pub(super) async fn cost_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<StatisticsQuery>,
) -> Result<Json<Figures>> {
    answer(&state, Statistic::Costs, &query).await
}

pub(super) async fn visit_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<StatisticsQuery>,
) -> Result<Json<Figures>> {
    answer(&state, Statistic::ReturnVisits, &query).await
}

/// `GET /v1/statistics/headline`: the headline figures of the complaints of a period.
pub(super) async fn headline_statistics(
    State(state): State<AppState>,
    _: Office,
    Params(query): Params<StatisticsQuery>,
) -> Result<Json<Headline>> {
    let period = query.period(&state.workflow.calendar)?;
    let lateness = state.workflow.lateness(state.clock.now());
    let storage = state.storage.clone();
    Ok(Json(
        blocking(move || storage.headline(&lateness, &period)).await?,
    ))
}

/// `GET /v1/statistics/{name}/export`: the statistic as an Excel workbook, in `lang`.
pub(super) async fn export_statistics(
    State(state): State<AppState>,
    _: Office,
    Segment(name): Segment<String>,
    Params(query): Params<StatisticsQuery>,
) -> Result<Response> {
    let statistic = Statistic::named(&name)
        .ok_or_else(|| Error::not_found(format!("no statistic is named {name:?}")))?;
    let (period, figures) = figures(&state, statistic, &query).await?;
    let lang = query.lang;
    let file = blocking(move || sheet::write(&figures, &period, lang)).await?;
    let mut stem = format!("fieldledger-{}", statistic.as_str());
    if let (Statistic::Complaints, Some(axis)) = (statistic, query.by) {
        stem.push_str(&format!("-by-{}", axis.as_str()));
    }
    for day in [period.from, period.to].into_iter().flatten() {
        stem.push_str(&format!("-{day}"));
    }
    let format = FileFormat::Xlsx;
    let disposition = format!("attachment; filename=\"{stem}.{}\"", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        file,
    )
        .into_response())
}
