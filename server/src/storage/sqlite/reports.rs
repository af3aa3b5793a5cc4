//! Statistics and lists across tickets in SQLite, read from the ledger, the return visits and
//! the cost lines.

use fieldledger_core::{Date, UserId};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};

use super::row::{NamedRow, all, corrupt, one};
use super::{SqliteStorage, ledger_row};
use crate::costs::{CostQuery, CostRow, CostState};
use crate::ledger::{Lateness, LedgerRow};
use crate::return_visits::{ReturnVisitRow, VisitDays, VisitQuery, VisitState};
use crate::statistics::{
    ComplaintAxis, CostLine, CostStatistics, CostTotal, Group, HandoffCompliance, Headline,
    OpenActions, Period, VisitOutcomes, share,
};
use crate::storage::reports::{
    BoundValue, COUNT_HEADLINE, Dated, complaint_column, headline_of, period_filter,
};
use crate::storage::{Reports, Result};

/// Complaints counted by the key `{key}` of the ledger joined with `{join}`, in the period
/// `{period}`, most first.
const COUNT_COMPLAINTS_BY: &str = "SELECT {key} AS k, COUNT(*) AS n FROM ledger{join}
    WHERE complaint = 1{period} GROUP BY k ORDER BY n DESC, k";
/// The month of registration in the zone whose offset is the modifier `?1` (`+480 minutes`).
const REGISTRATION_MONTH: &str = "strftime('%Y-%m', registered_at / 1000, 'unixepoch', ?1)";
/// One row per name of the space-separated list in the column `{list}`: the list made a JSON
/// array (user ids and role names hold no quote or backslash), an empty list one empty name.
const EACH_NAME: &str = ", json_each('[\"' || replace(ledger.{list}, ' ', '\",\"') || '\"]') AS j";

/// Confirmed complaints, those handed off, and those handed off within `?1` ms of the desk's
/// confirmation on each clock; imported tickets are history and are not judged, and tickets
/// that are no confirmed complaint have no such limit.
const COUNT_HANDOFFS: &str = "SELECT COUNT(*) AS tickets,
        COUNT(handed_off_received_at) AS handed_off,
        COALESCE(SUM(handed_off_at - confirmed_at <= ?1), 0) AS by_device,
        COALESCE(SUM(handed_off_received_at - confirmed_received_at <= ?1), 0) AS by_receipt
    FROM ledger WHERE imported = 0 AND confirmed_received_at IS NOT NULL{period}";

/// Open actions, the tickets with any, and those with one due before `?1` (every ticket with
/// an open action has its earliest due day).
const COUNT_OPEN_ACTIONS: &str = "SELECT COALESCE(SUM(open_actions), 0) AS actions,
        COALESCE(SUM(open_actions > 0), 0) AS tickets,
        COALESCE(SUM(next_action_due < ?1), 0) AS past_due
    FROM ledger WHERE next_action_due IS NOT NULL{period}";
const SELECT_OPEN_ACTION_TICKETS: &str = "SELECT * FROM ledger WHERE next_action_due IS NOT NULL
    ORDER BY next_action_due, ticket_id LIMIT ?1";

/// Cost totals per currency, grouped by the column `{column}`.
const SUM_COSTS_BY: &str = "SELECT {column} AS key, currency, COUNT(*) AS costs,
        SUM(amount_minor) AS amount_minor,
        TOTAL(CASE WHEN approved = 1 THEN amount_minor END) AS approved_minor,
        TOTAL(CASE WHEN settled = 1 THEN amount_minor END) AS settled_minor
    FROM cost_lines WHERE 1 = 1{period} GROUP BY {column}, currency
    ORDER BY {column}, currency";
/// Cost lines in the state `{state}` borne by `?1` (anyone when NULL) and by the sales
/// representative `?2` (anyone when NULL), with their tickets.
const SELECT_COST_ROWS: &str = "SELECT c.cost_id, c.ticket_id, l.ledger_number, l.customer_name,
        c.kind, c.bearer, c.amount_minor, c.currency, c.approved, c.settled, c.submitted_at,
        c.borne_by, c.description, c.submitted_by, c.audit_note
    FROM cost_lines c JOIN ledger l ON l.ticket_id = c.ticket_id
    WHERE {state} AND (?1 IS NULL OR c.bearer = ?1) AND (?2 IS NULL OR c.borne_by = ?2)
    ORDER BY c.bearer, l.updated_at DESC, c.cost_id LIMIT 500";

const COUNT_VISIT_OUTCOMES: &str = "SELECT COUNT(*) AS planned, COUNT(done_at) AS done,
        COALESCE(SUM(resolved = 1), 0) AS resolved, AVG(satisfaction) AS mean,
        COALESCE(SUM(satisfaction = 1), 0) AS s1, COALESCE(SUM(satisfaction = 2), 0) AS s2,
        COALESCE(SUM(satisfaction = 3), 0) AS s3, COALESCE(SUM(satisfaction = 4), 0) AS s4,
        COALESCE(SUM(satisfaction = 5), 0) AS s5
    FROM return_visits WHERE 1 = 1{period}";
/// The return visits that pass `{filter}`, by planned day.
const SELECT_RETURN_VISITS: &str = "SELECT visit_id, ticket_id, ledger_number, customer_name,
        planned_for, method, assignee, done_at, done_by, satisfaction, resolved
    FROM return_visits WHERE {filter} ORDER BY planned_for, visit_id LIMIT 500";

/// The key expression of complaints counted by `axis`, and what the ledger is joined with.
fn complaint_key(axis: ComplaintAxis) -> (String, String) {
    let each = |list: &str| {
        (
            "NULLIF(j.value, '')".to_owned(),
            EACH_NAME.replace("{list}", list),
        )
    };
    match axis {
        ComplaintAxis::Month => (REGISTRATION_MONTH.to_owned(), String::new()),
        ComplaintAxis::Technician => each("assignees"),
        ComplaintAxis::Department => each("handed_off_to"),
        _ => (complaint_column(axis).unwrap_or_default(), String::new()),
    }
}

/// The conditions of `period` on `column`, their placeholders numbered from `first` on, and
/// their values.
fn period_of(period: &Period, column: Dated, first: usize) -> (String, Vec<Value>) {
    let (sql, values) = period_filter(period, column, first, |n| format!("?{n}"));
    let values = values
        .into_iter()
        .map(|v| match v {
            BoundValue::Millis(ms) => Value::Integer(ms),
            BoundValue::Day(day) => Value::Text(day),
        })
        .collect();
    (sql, values)
}

/// The cost totals per currency by `column` (`kind` or `bearer`) in `period`.
fn cost_totals_by(c: &Connection, column: &str, period: &Period) -> Result<Vec<CostTotal>> {
    let (filter, args) = period_of(period, Dated::Time("submitted_at"), 1);
    let sql = SUM_COSTS_BY
        .replace("{column}", column)
        .replace("{period}", &filter);
    all(c, &sql, params_from_iter(args.iter()), |r| {
        Ok(CostTotal {
            key: r.get("key")?,
            currency: r.get("currency")?,
            costs: r.get("costs")?,
            amount_minor: r.get("amount_minor")?,
            approved_minor: r.get::<f64>("approved_minor")? as i64,
            settled_minor: r.get::<f64>("settled_minor")? as i64,
        })
    })
}

/// The condition on cost lines in `state` (any when `None`).
fn cost_state_clause(state: Option<CostState>) -> &'static str {
    match state {
        None => "1 = 1",
        Some(CostState::ToAudit) => "c.approved IS NULL",
        Some(CostState::ToSettle) => "c.approved = 1 AND c.settled = 0",
        Some(CostState::Settled) => "c.settled = 1",
        Some(CostState::Rejected) => "c.approved = 0",
    }
}

/// A cost line with its ticket from a row of [`SELECT_COST_ROWS`].
fn cost_row_of(row: &NamedRow<'_>) -> Result<CostRow> {
    Ok(CostRow {
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: row.get("ledger_number")?,
        customer_name: row.get("customer_name")?,
        line: CostLine {
            cost_id: row.get("cost_id")?,
            kind: row.get("kind")?,
            bearer: row.get("bearer")?,
            amount_minor: row.get("amount_minor")?,
            currency: row.get("currency")?,
            approved: row.get("approved")?,
            settled: row.get("settled")?,
            submitted_at: row.timestamp("submitted_at")?,
            borne_by: row.parsed_opt("borne_by")?,
            description: row.get("description")?,
            submitted_by: row.parsed("submitted_by")?,
            audit_note: row.get("audit_note")?,
        },
        submitted_by_name: None,
    })
}

/// The conditions on return visits that `query` asks for, judged on `days`, and their
/// arguments.
fn visit_filter(query: &VisitQuery, days: VisitDays) -> (String, Vec<Value>) {
    let (today, overdue) = (days.today.to_string(), days.overdue_upto.to_string());
    let mut clauses = vec![
        match query.state {
            Some(VisitState::Done) => "done_at IS NOT NULL",
            _ => "1 = 1",
        }
        .to_owned(),
    ];
    let mut args: Vec<Value> = Vec::new();
    let mut arg = |clause: &str, value: String| {
        args.push(Value::Text(value));
        clauses.push(clause.replace('?', &format!("?{}", args.len())));
    };
    match query.state {
        None | Some(VisitState::Done) => {}
        Some(VisitState::Overdue) => arg("done_at IS NULL AND planned_for <= ?", overdue),
        Some(VisitState::Due) => {
            arg("done_at IS NULL AND planned_for > ?", overdue);
            arg("planned_for <= ?", today);
        }
        Some(VisitState::Planned) => arg("done_at IS NULL AND planned_for > ?", today),
    }
    if let Some(assignee) = &query.assignee {
        arg("assignee = ?", assignee.to_string());
    }
    if let Some(role) = query.department {
        arg(
            "assignee IN (SELECT user_id FROM users WHERE role = ?)",
            role.as_str().into(),
        );
    }
    (clauses.join(" AND "), args)
}

/// A return visit from a row of [`SELECT_RETURN_VISITS`].
fn return_visit_of(row: &NamedRow<'_>) -> Result<ReturnVisitRow> {
    let method: String = row.get("method")?;
    Ok(ReturnVisitRow {
        visit_id: row.get("visit_id")?,
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: row.get("ledger_number")?,
        customer_name: row.get("customer_name")?,
        planned_for: row.parsed("planned_for")?,
        method: serde_json::from_value(serde_json::Value::String(method))
            .map_err(|_| corrupt("return visit method"))?,
        assignee: row.parsed("assignee")?,
        done_at: row.timestamp_opt("done_at")?,
        done_by: row.parsed_opt("done_by")?,
        satisfaction: row.get("satisfaction")?,
        resolved: row.get("resolved")?,
    })
}

impl Reports for SqliteStorage {
    fn complaints_by(
        &self,
        axis: ComplaintAxis,
        period: &Period,
        utc_offset_minutes: i32,
    ) -> Result<Vec<Group>> {
        let mut args: Vec<Value> = Vec::new();
        if axis == ComplaintAxis::Month {
            args.push(Value::Text(format!("{utc_offset_minutes:+} minutes")));
        }
        let (filter, bounds) = period_of(period, Dated::Time("registered_at"), args.len() + 1);
        args.extend(bounds);
        let (key, join) = complaint_key(axis);
        let sql = COUNT_COMPLAINTS_BY
            .replace("{key}", &key)
            .replace("{join}", &join)
            .replace("{period}", &filter);
        self.read(|c| {
            all(c, &sql, params_from_iter(args.iter()), |r| {
                Ok(Group::new(r.get("k")?, r.get("n")?))
            })
        })
    }

    fn headline(&self, lateness: &Lateness, period: &Period) -> Result<Headline> {
        let (filter, bounds) = period_of(period, Dated::Time("registered_at"), 4);
        let args: Vec<Value> = [
            Value::Text(lateness.today.to_string()),
            Value::Text(lateness.visits_overdue_upto.to_string()),
            Value::Integer(lateness.confirmed_before.millis()),
        ]
        .into_iter()
        .chain(bounds)
        .collect();
        let sql = COUNT_HEADLINE
            .replace("{today}", "?1")
            .replace("{upto}", "?2")
            .replace("{before}", "?3")
            .replace("{period}", &filter);
        self.read(|c| {
            one(c, &sql, params_from_iter(args.iter()), |r| {
                let counts = [
                    r.get("registered")?,
                    r.get("open")?,
                    r.get("overdue")?,
                    r.get("resolved")?,
                    r.get("first_visit")?,
                    r.get("after_visit")?,
                ];
                Ok(headline_of(period, counts, r.get("mean_ms")?))
            })
        })
    }

    fn handoff_compliance(&self, limit_ms: i64, period: &Period) -> Result<HandoffCompliance> {
        let (filter, bounds) = period_of(period, Dated::Time("registered_at"), 2);
        let args: Vec<Value> = [Value::Integer(limit_ms)]
            .into_iter()
            .chain(bounds)
            .collect();
        let sql = COUNT_HANDOFFS.replace("{period}", &filter);
        self.read(|c| {
            one(c, &sql, params_from_iter(args.iter()), |r| {
                let (tickets, by_device, by_receipt): (u64, u64, u64) =
                    (r.get("tickets")?, r.get("by_device")?, r.get("by_receipt")?);
                Ok(HandoffCompliance {
                    tickets,
                    handed_off: r.get("handed_off")?,
                    on_time_by_device: by_device,
                    on_time_by_receipt: by_receipt,
                    share_by_device: share(by_device, tickets),
                    share_by_receipt: share(by_receipt, tickets),
                })
            })
        })
    }

    fn open_actions(&self, today: Date, period: &Period) -> Result<OpenActions> {
        let (filter, bounds) = period_of(period, Dated::Day("next_action_due"), 2);
        let args: Vec<Value> = [Value::Text(today.to_string())]
            .into_iter()
            .chain(bounds)
            .collect();
        let sql = COUNT_OPEN_ACTIONS.replace("{period}", &filter);
        self.read(|c| {
            one(c, &sql, params_from_iter(args.iter()), |r| {
                Ok(OpenActions {
                    actions: r.get("actions")?,
                    tickets: r.get("tickets")?,
                    tickets_past_due: r.get("past_due")?,
                })
            })
        })
    }

    fn open_action_tickets(&self, limit: usize) -> Result<Vec<LedgerRow>> {
        self.read(|c| ledger_row::select(c, SELECT_OPEN_ACTION_TICKETS, [limit as i64]))
    }

    fn cost_totals(&self, period: &Period) -> Result<CostStatistics> {
        self.read(|c| {
            Ok(CostStatistics {
                by_kind: cost_totals_by(c, "kind", period)?,
                by_bearer: cost_totals_by(c, "bearer", period)?,
            })
        })
    }

    fn cost_rows(&self, query: &CostQuery) -> Result<Vec<CostRow>> {
        let sql = SELECT_COST_ROWS.replace("{state}", cost_state_clause(query.state));
        let borne_by = query.borne_by.as_ref().map(UserId::as_str);
        self.read(|c| {
            all(
                c,
                &sql,
                params![query.bearer.as_deref(), borne_by],
                cost_row_of,
            )
        })
    }

    fn visit_outcomes(&self, period: &Period) -> Result<VisitOutcomes> {
        let (filter, args) = period_of(period, Dated::Day("planned_for"), 1);
        let sql = COUNT_VISIT_OUTCOMES.replace("{period}", &filter);
        self.read(|c| {
            one(c, &sql, params_from_iter(args.iter()), |r| {
                let (planned, done): (u64, u64) = (r.get("planned")?, r.get("done")?);
                Ok(VisitOutcomes {
                    planned,
                    done,
                    completion: share(done, planned),
                    resolved: r.get("resolved")?,
                    mean_satisfaction: r.get("mean")?,
                    by_satisfaction: [
                        r.get("s1")?,
                        r.get("s2")?,
                        r.get("s3")?,
                        r.get("s4")?,
                        r.get("s5")?,
                    ],
                })
            })
        })
    }

    fn return_visits(&self, query: &VisitQuery, days: VisitDays) -> Result<Vec<ReturnVisitRow>> {
        let (filter, args) = visit_filter(query, days);
        let sql = SELECT_RETURN_VISITS.replace("{filter}", &filter);
        self.read(|c| all(c, &sql, params_from_iter(args.iter()), return_visit_of))
    }
}
