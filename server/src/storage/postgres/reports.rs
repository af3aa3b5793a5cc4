//! Statistics and lists across tickets in PostgreSQL, read from the ledger, the return visits
//! and the cost lines. Each statement answers as SQLite's does: text is ordered byte by byte
//! (`COLLATE "C"`), NULL before any value, and sums of money are whole numbers.

use fieldledger_core::Date;
use postgres::types::ToSql;
use postgres::{Client, Row};

use super::row::{Named, corrupt};
use super::{PostgresStorage, ledger_row};
use crate::costs::{CostQuery, CostRow, CostState};
use crate::ledger::LedgerRow;
use crate::return_visits::{ReturnVisitRow, VisitDays, VisitQuery, VisitState};
use crate::statistics::{
    ComplaintAxis, CostLine, CostStatistics, CostTotal, Group, HandoffCompliance, OpenActions,
    VisitOutcomes, share,
};
use crate::storage::{Reports, Result};

/// Complaints counted by the key `{key}`, most first.
const COUNT_COMPLAINTS_BY: &str = "SELECT k, n FROM
        (SELECT {key} AS k, COUNT(*) AS n FROM ledger WHERE complaint GROUP BY 1) AS g
    ORDER BY n DESC, k COLLATE \"C\" NULLS FIRST";
/// The month of registration in the zone `$1` minutes east of UTC.
const REGISTRATION_MONTH: &str = "to_char(to_timestamp(registered_at / 1000 + $1::integer * 60)
        AT TIME ZONE 'UTC', 'YYYY-MM')";

/// Tickets, those handed off, and those handed off within `$1` ms on each clock; imported
/// tickets are history and are not judged.
const COUNT_HANDOFFS: &str = "SELECT COUNT(*) AS tickets,
        COUNT(handed_off_received_at) AS handed_off,
        COUNT(*) FILTER (WHERE handed_off_at - registered_at <= $1) AS by_device,
        COUNT(*) FILTER (WHERE handed_off_received_at - received_at <= $1) AS by_receipt
    FROM ledger WHERE NOT imported";

/// Open actions, the tickets with any, and those with one due before `$1`.
const COUNT_OPEN_ACTIONS: &str = "SELECT COALESCE(SUM(open_actions), 0) AS actions,
        COUNT(*) FILTER (WHERE open_actions > 0) AS tickets,
        COUNT(*) FILTER (WHERE next_action_due < $1) AS past_due
    FROM ledger";
const SELECT_OPEN_ACTION_TICKETS: &str = "SELECT * FROM ledger WHERE next_action_due IS NOT NULL
    ORDER BY next_action_due, ticket_id COLLATE \"C\" LIMIT $1";

/// Cost totals per currency, grouped by the column `{column}`.
const SUM_COSTS_BY: &str = "SELECT {column} AS key, currency, COUNT(*) AS costs,
        SUM(amount_minor)::bigint AS amount_minor,
        COALESCE(SUM(amount_minor) FILTER (WHERE approved), 0)::bigint AS approved_minor,
        COALESCE(SUM(amount_minor) FILTER (WHERE settled), 0)::bigint AS settled_minor
    FROM cost_lines GROUP BY {column}, currency
    ORDER BY {column} COLLATE \"C\", currency COLLATE \"C\"";
/// Cost lines in the state `{state}` borne by `$1` (anyone when NULL), with their tickets.
const SELECT_COST_ROWS: &str = "SELECT c.cost_id, c.ticket_id, l.ledger_number, l.customer_name,
        c.kind, c.bearer, c.amount_minor, c.currency, c.approved, c.settled
    FROM cost_lines c JOIN ledger l ON l.ticket_id = c.ticket_id
    WHERE {state} AND ($1::text IS NULL OR c.bearer = $1)
    ORDER BY c.bearer COLLATE \"C\", l.updated_at DESC, c.cost_id COLLATE \"C\" LIMIT 500";

const COUNT_VISIT_OUTCOMES: &str = "SELECT COUNT(*) AS planned, COUNT(done_at) AS done,
        COUNT(*) FILTER (WHERE resolved) AS resolved, AVG(satisfaction)::float8 AS mean,
        COUNT(*) FILTER (WHERE satisfaction = 1) AS s1,
        COUNT(*) FILTER (WHERE satisfaction = 2) AS s2,
        COUNT(*) FILTER (WHERE satisfaction = 3) AS s3,
        COUNT(*) FILTER (WHERE satisfaction = 4) AS s4,
        COUNT(*) FILTER (WHERE satisfaction = 5) AS s5
    FROM return_visits";
/// The return visits that pass `{filter}`, by planned day.
const SELECT_RETURN_VISITS: &str = "SELECT visit_id, ticket_id, ledger_number, customer_name,
        planned_for, method, assignee, done_at, done_by, satisfaction, resolved
    FROM return_visits WHERE {filter}
    ORDER BY planned_for COLLATE \"C\", visit_id COLLATE \"C\" LIMIT 500";

/// The key expression of complaints counted by `axis`.
fn complaint_key(axis: ComplaintAxis) -> &'static str {
    match axis {
        ComplaintAxis::Product => "product_name",
        ComplaintAxis::Model => "model",
        ComplaintAxis::Cause => "NULLIF(cause, '')",
        ComplaintAxis::Responsibility => "responsibility",
        ComplaintAxis::Month => REGISTRATION_MONTH,
    }
}

/// The cost totals per currency by `column` (`kind` or `bearer`).
fn cost_totals_by(c: &mut Client, column: &str) -> Result<Vec<CostTotal>> {
    let sql = SUM_COSTS_BY.replace("{column}", column);
    c.query(&sql, &[])?
        .iter()
        .map(|r| {
            Ok(CostTotal {
                key: Named::get(r, "key")?,
                currency: Named::get(r, "currency")?,
                costs: r.unsigned("costs")?,
                amount_minor: Named::get(r, "amount_minor")?,
                approved_minor: Named::get(r, "approved_minor")?,
                settled_minor: Named::get(r, "settled_minor")?,
            })
        })
        .collect()
}

/// The condition on cost lines in `state` (any when `None`).
fn cost_state_clause(state: Option<CostState>) -> &'static str {
    match state {
        None => "TRUE",
        Some(CostState::ToAudit) => "c.approved IS NULL",
        Some(CostState::ToSettle) => "c.approved AND NOT c.settled",
        Some(CostState::Settled) => "c.settled",
    }
}

/// A cost line with its ticket from a row of [`SELECT_COST_ROWS`].
fn cost_row_of(row: &Row) -> Result<CostRow> {
    Ok(CostRow {
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: Named::get(row, "ledger_number")?,
        customer_name: Named::get(row, "customer_name")?,
        line: CostLine {
            cost_id: Named::get(row, "cost_id")?,
            kind: Named::get(row, "kind")?,
            bearer: Named::get(row, "bearer")?,
            amount_minor: Named::get(row, "amount_minor")?,
            currency: Named::get(row, "currency")?,
            approved: Named::get(row, "approved")?,
            settled: Named::get(row, "settled")?,
        },
    })
}

/// The conditions on return visits that `query` asks for, judged on `days`, and their
/// arguments.
fn visit_filter(query: &VisitQuery, days: VisitDays) -> (String, Vec<String>) {
    let (today, overdue) = (days.today.to_string(), days.overdue_upto.to_string());
    let mut clauses = vec![
        match query.state {
            Some(VisitState::Done) => "done_at IS NOT NULL",
            _ => "TRUE",
        }
        .to_owned(),
    ];
    let mut args: Vec<String> = Vec::new();
    let mut arg = |clause: &str, value: String| {
        args.push(value);
        clauses.push(clause.replace('?', &format!("${}", args.len())));
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
fn return_visit_of(row: &Row) -> Result<ReturnVisitRow> {
    let method: String = Named::get(row, "method")?;
    let satisfaction = Named::get::<Option<i32>>(row, "satisfaction")?
        .map(|s| u8::try_from(s).map_err(|_| corrupt("satisfaction")))
        .transpose()?;
    Ok(ReturnVisitRow {
        visit_id: Named::get(row, "visit_id")?,
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: Named::get(row, "ledger_number")?,
        customer_name: Named::get(row, "customer_name")?,
        planned_for: row.parsed("planned_for")?,
        method: serde_json::from_value(serde_json::Value::String(method))
            .map_err(|_| corrupt("return visit method"))?,
        assignee: row.parsed("assignee")?,
        done_at: row.timestamp_opt("done_at")?,
        done_by: row.parsed_opt("done_by")?,
        satisfaction,
        resolved: Named::get(row, "resolved")?,
    })
}

impl Reports for PostgresStorage {
    fn complaints_by(&self, axis: ComplaintAxis, utc_offset_minutes: i32) -> Result<Vec<Group>> {
        let sql = COUNT_COMPLAINTS_BY.replace("{key}", complaint_key(axis));
        let zone: Vec<&(dyn ToSql + Sync)> = if axis == ComplaintAxis::Month {
            vec![&utc_offset_minutes]
        } else {
            Vec::new()
        };
        self.read(|c| {
            c.query(&sql, &zone)?
                .iter()
                .map(|r| {
                    Ok(Group {
                        key: Named::get(r, "k")?,
                        complaints: r.unsigned("n")?,
                    })
                })
                .collect()
        })
    }

    fn handoff_compliance(&self, limit_ms: i64) -> Result<HandoffCompliance> {
        self.read(|c| {
            let r = c.query_one(COUNT_HANDOFFS, &[&limit_ms])?;
            let (tickets, by_device, by_receipt) = (
                r.unsigned("tickets")?,
                r.unsigned("by_device")?,
                r.unsigned("by_receipt")?,
            );
            Ok(HandoffCompliance {
                tickets,
                handed_off: r.unsigned("handed_off")?,
                on_time_by_device: by_device,
                on_time_by_receipt: by_receipt,
                share_by_device: share(by_device, tickets),
                share_by_receipt: share(by_receipt, tickets),
            })
        })
    }

    fn open_actions(&self, today: Date) -> Result<OpenActions> {
        self.read(|c| {
            let r = c.query_one(COUNT_OPEN_ACTIONS, &[&today.to_string()])?;
            Ok(OpenActions {
                actions: r.unsigned("actions")?,
                tickets: r.unsigned("tickets")?,
                tickets_past_due: r.unsigned("past_due")?,
            })
        })
    }

    fn open_action_tickets(&self, limit: usize) -> Result<Vec<LedgerRow>> {
        let limit = super::row::bigint(limit as u64);
        self.read(|c| ledger_row::select(c, SELECT_OPEN_ACTION_TICKETS, &[&limit]))
    }

    fn cost_totals(&self) -> Result<CostStatistics> {
        self.read(|c| {
            Ok(CostStatistics {
                by_kind: cost_totals_by(c, "kind")?,
                by_bearer: cost_totals_by(c, "bearer")?,
            })
        })
    }

    fn cost_rows(&self, query: &CostQuery) -> Result<Vec<CostRow>> {
        let sql = SELECT_COST_ROWS.replace("{state}", cost_state_clause(query.state));
        self.read(|c| {
            c.query(&sql, &[&query.bearer.as_deref()])?
                .iter()
                .map(cost_row_of)
                .collect()
        })
    }

    fn visit_outcomes(&self) -> Result<VisitOutcomes> {
        self.read(|c| {
            let r = c.query_one(COUNT_VISIT_OUTCOMES, &[])?;
            let (planned, done) = (r.unsigned("planned")?, r.unsigned("done")?);
            Ok(VisitOutcomes {
                planned,
                done,
                completion: share(done, planned),
                resolved: r.unsigned("resolved")?,
                mean_satisfaction: Named::get(&r, "mean")?,
                by_satisfaction: [
                    r.unsigned("s1")?,
                    r.unsigned("s2")?,
                    r.unsigned("s3")?,
                    r.unsigned("s4")?,
                    r.unsigned("s5")?,
                ],
            })
        })
    }

    fn return_visits(&self, query: &VisitQuery, days: VisitDays) -> Result<Vec<ReturnVisitRow>> {
        let (filter, args) = visit_filter(query, days);
        let sql = SELECT_RETURN_VISITS.replace("{filter}", &filter);
        let args: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as _).collect();
        self.read(|c| c.query(&sql, &args)?.iter().map(return_visit_of).collect())
    }
}
