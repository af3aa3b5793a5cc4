//! Statistics and lists across tickets in PostgreSQL, read from the ledger, the return visits
//! and the cost lines. Each statement answers as SQLite's does: text is ordered byte by byte
//! (`COLLATE "C"`), NULL before any value, and sums of money are whole numbers.

use fieldledger_core::{Date, UserId};
use postgres::types::ToSql;
use postgres::{Client, Row};

use super::row::{Named, corrupt};
use super::{PostgresStorage, ledger_row};
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
const COUNT_COMPLAINTS_BY: &str = "SELECT k, n FROM
        (SELECT {key} AS k, COUNT(*) AS n FROM ledger{join} WHERE complaint{period}
            GROUP BY 1) AS g
    ORDER BY n DESC, k COLLATE \"C\" NULLS FIRST";
/// One row per name of the space-separated list in the column `{list}`; one NULL name for an
/// empty list.
const EACH_NAME: &str = " LEFT JOIN LATERAL unnest(string_to_array(NULLIF(ledger.{list}, ''), ' '))
    AS j(v) ON TRUE";
/// The month of registration in the zone `$1` minutes east of UTC.
const REGISTRATION_MONTH: &str = "to_char(to_timestamp(registered_at / 1000 + $1::integer * 60)
        AT TIME ZONE 'UTC', 'YYYY-MM')";

/// Confirmed complaints, those handed off, and those handed off within `$1` ms of the desk's
/// confirmation on each clock; imported tickets are history and are not judged, and tickets
/// that are no confirmed complaint have no such limit.
const COUNT_HANDOFFS: &str = "SELECT COUNT(*) AS tickets,
        COUNT(handed_off_received_at) AS handed_off,
        COUNT(*) FILTER (WHERE handed_off_at - confirmed_at <= $1) AS by_device,
        COUNT(*) FILTER (WHERE handed_off_received_at - confirmed_received_at <= $1) AS by_receipt
    FROM ledger WHERE NOT imported AND confirmed_received_at IS NOT NULL{period}";

/// Open actions, the tickets with any, and those with one due before `$1` (every ticket with
/// an open action has its earliest due day).
const COUNT_OPEN_ACTIONS: &str = "SELECT COALESCE(SUM(open_actions), 0) AS actions,
        COUNT(*) FILTER (WHERE open_actions > 0) AS tickets,
        COUNT(*) FILTER (WHERE next_action_due < $1) AS past_due
    FROM ledger WHERE next_action_due IS NOT NULL{period}";
const SELECT_OPEN_ACTION_TICKETS: &str = "SELECT * FROM ledger WHERE next_action_due IS NOT NULL
    ORDER BY next_action_due, ticket_id COLLATE \"C\" LIMIT $1";

/// Cost totals per currency, grouped by the column `{column}`.
const SUM_COSTS_BY: &str = "SELECT {column} AS key, currency, COUNT(*) AS costs,
        SUM(amount_minor)::bigint AS amount_minor,
        COALESCE(SUM(amount_minor) FILTER (WHERE approved), 0)::bigint AS approved_minor,
        COALESCE(SUM(amount_minor) FILTER (WHERE settled), 0)::bigint AS settled_minor
    FROM cost_lines WHERE TRUE{period} GROUP BY {column}, currency
    ORDER BY {column} COLLATE \"C\", currency COLLATE \"C\"";
/// Cost lines in the state `{state}` borne by `$1` (anyone when NULL) and by the sales
/// representative `$2` (anyone when NULL), with their tickets.
const SELECT_COST_ROWS: &str = "SELECT c.cost_id, c.ticket_id, l.ledger_number, l.customer_name,
        c.kind, c.bearer, c.amount_minor, c.currency, c.approved, c.settled, c.submitted_at,
        c.borne_by, c.description, c.submitted_by, c.audit_note
    FROM cost_lines c JOIN ledger l ON l.ticket_id = c.ticket_id
    WHERE {state} AND ($1::text IS NULL OR c.bearer = $1)
        AND ($2::text IS NULL OR c.borne_by = $2)
    ORDER BY c.bearer COLLATE \"C\", l.updated_at DESC, c.cost_id COLLATE \"C\" LIMIT 500";

const COUNT_VISIT_OUTCOMES: &str = "SELECT COUNT(*) AS planned, COUNT(done_at) AS done,
        COUNT(*) FILTER (WHERE resolved) AS resolved, AVG(satisfaction)::float8 AS mean,
        COUNT(*) FILTER (WHERE satisfaction = 1) AS s1,
        COUNT(*) FILTER (WHERE satisfaction = 2) AS s2,
        COUNT(*) FILTER (WHERE satisfaction = 3) AS s3,
        COUNT(*) FILTER (WHERE satisfaction = 4) AS s4,
        COUNT(*) FILTER (WHERE satisfaction = 5) AS s5
    FROM return_visits WHERE TRUE{period}";
/// The return visits that pass `{filter}`, by planned day.
const SELECT_RETURN_VISITS: &str = "SELECT visit_id, ticket_id, ledger_number, customer_name,
        planned_for, method, assignee, done_at, done_by, satisfaction, resolved
    FROM return_visits WHERE {filter}
    ORDER BY planned_for COLLATE \"C\", visit_id COLLATE \"C\" LIMIT 500";

/// An argument of a statement.
type Arg = Box<dyn ToSql + Sync>;

/// The key expression of complaints counted by `axis`, and what the ledger is joined with.
fn complaint_key(axis: ComplaintAxis) -> (String, String) {
    let each = |list: &str| ("j.v".to_owned(), EACH_NAME.replace("{list}", list));
    match axis {
        ComplaintAxis::Month => (REGISTRATION_MONTH.to_owned(), String::new()),
        ComplaintAxis::Technician => each("assignees"),
        ComplaintAxis::Department => each("handed_off_to"),
        _ => (complaint_column(axis).unwrap_or_default(), String::new()),
    }
}

/// The conditions of `period` on `column`, their placeholders numbered from `first` on, and
/// their values.
fn period_of(period: &Period, column: Dated, first: usize) -> (String, Vec<Arg>) {
    let (sql, values) = period_filter(period, column, first, |n| format!("${n}"));
    let values = values
        .into_iter()
        .map(|v| -> Arg {
            match v {
                BoundValue::Millis(ms) => Box::new(ms),
                BoundValue::Day(day) => Box::new(day),
            }
        })
        .collect();
    (sql, values)
}

/// The references to `args` a statement takes.
fn refs(args: &[Arg]) -> Vec<&(dyn ToSql + Sync)> {
    args.iter().map(|a| a.as_ref() as _).collect()
}

/// The cost totals per currency by `column` (`kind` or `bearer`) in `period`.
fn cost_totals_by(c: &mut Client, column: &str, period: &Period) -> Result<Vec<CostTotal>> {
    let (filter, args) = period_of(period, Dated::Time("submitted_at"), 1);
    let sql = SUM_COSTS_BY
        .replace("{column}", column)
        .replace("{period}", &filter);
    c.query(&sql, &refs(&args))?
        .iter()
        .map(|r| {
            Ok(CostTotal {
                key: r.value("key")?,
                currency: r.value("currency")?,
                costs: r.unsigned("costs")?,
                amount_minor: r.value("amount_minor")?,
                approved_minor: r.value("approved_minor")?,
                settled_minor: r.value("settled_minor")?,
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
        Some(CostState::Rejected) => "NOT c.approved",
    }
}

/// A cost line with its ticket from a row of [`SELECT_COST_ROWS`].
fn cost_row_of(row: &Row) -> Result<CostRow> {
    Ok(CostRow {
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: row.value("ledger_number")?,
        customer_name: row.value("customer_name")?,
        line: CostLine {
            cost_id: row.value("cost_id")?,
            kind: row.value("kind")?,
            bearer: row.value("bearer")?,
            amount_minor: row.value("amount_minor")?,
            currency: row.value("currency")?,
            approved: row.value("approved")?,
            settled: row.value("settled")?,
            submitted_at: row.timestamp("submitted_at")?,
            borne_by: row.parsed_opt("borne_by")?,
            description: row.value("description")?,
            submitted_by: row.parsed("submitted_by")?,
            audit_note: row.value("audit_note")?,
        },
        submitted_by_name: None,
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
    let method: String = row.value("method")?;
    let satisfaction = row
        .value::<Option<i32>>("satisfaction")?
        .map(|s| u8::try_from(s).map_err(|_| corrupt("satisfaction")))
        .transpose()?;
    Ok(ReturnVisitRow {
        visit_id: row.value("visit_id")?,
        ticket_id: row.parsed("ticket_id")?,
        ledger_number: row.value("ledger_number")?,
        customer_name: row.value("customer_name")?,
        planned_for: row.parsed("planned_for")?,
        method: serde_json::from_value(serde_json::Value::String(method))
            .map_err(|_| corrupt("return visit method"))?,
        assignee: row.parsed("assignee")?,
        done_at: row.timestamp_opt("done_at")?,
        done_by: row.parsed_opt("done_by")?,
        satisfaction,
        resolved: row.value("resolved")?,
    })
}

impl Reports for PostgresStorage {
    fn complaints_by(
        &self,
        axis: ComplaintAxis,
        period: &Period,
        utc_offset_minutes: i32,
    ) -> Result<Vec<Group>> {
        let mut args: Vec<Arg> = Vec::new();
        if axis == ComplaintAxis::Month {
            args.push(Box::new(utc_offset_minutes));
        }
        let (filter, bounds) = period_of(period, Dated::Time("registered_at"), args.len() + 1);
        args.extend(bounds);
        let (key, join) = complaint_key(axis);
        let sql = COUNT_COMPLAINTS_BY
            .replace("{key}", &key)
            .replace("{join}", &join)
            .replace("{period}", &filter);
        self.read(|c| {
            c.query(&sql, &refs(&args))?
                .iter()
                .map(|r| Ok(Group::new(r.value("k")?, r.unsigned("n")?)))
                .collect()
        })
    }

    fn headline(&self, lateness: &Lateness, period: &Period) -> Result<Headline> {
        let (filter, bounds) = period_of(period, Dated::Time("registered_at"), 4);
        let args: Vec<Arg> = [
            Box::new(lateness.today.to_string()) as Arg,
            Box::new(lateness.visits_overdue_upto.to_string()),
            Box::new(lateness.confirmed_before.millis()),
        ]
        .into_iter()
        .chain(bounds)
        .collect();
        let sql = COUNT_HEADLINE
            .replace("{today}", "$1")
            .replace("{upto}", "$2")
            .replace("{before}", "$3")
            .replace("{period}", &filter);
        self.read(|c| {
            let r = c.query_one(&sql, &refs(&args))?;
            let counts = [
                r.unsigned("registered")?,
                r.unsigned("open")?,
                r.unsigned("overdue")?,
                r.unsigned("resolved")?,
                r.unsigned("first_visit")?,
                r.unsigned("after_visit")?,
            ];
            Ok(headline_of(period, counts, r.value("mean_ms")?))
        })
    }

    fn handoff_compliance(&self, limit_ms: i64, period: &Period) -> Result<HandoffCompliance> {
        let (filter, bounds) = period_of(period, Dated::Time("registered_at"), 2);
        let args: Vec<Arg> = [Box::new(limit_ms) as Arg]
            .into_iter()
            .chain(bounds)
            .collect();
        let sql = COUNT_HANDOFFS.replace("{period}", &filter);
        self.read(|c| {
            let r = c.query_one(&sql, &refs(&args))?;
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

    fn open_actions(&self, today: Date, period: &Period) -> Result<OpenActions> {
        let (filter, bounds) = period_of(period, Dated::Day("next_action_due"), 2);
        let args: Vec<Arg> = [Box::new(today.to_string()) as Arg]
            .into_iter()
            .chain(bounds)
            .collect();
        let sql = COUNT_OPEN_ACTIONS.replace("{period}", &filter);
        self.read(|c| {
            let r = c.query_one(&sql, &refs(&args))?;
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
        self.read(|c| {
            let borne_by = query.borne_by.as_ref().map(UserId::as_str);
            c.query(&sql, &[&query.bearer.as_deref(), &borne_by])?
                .iter()
                .map(cost_row_of)
                .collect()
        })
    }

    fn visit_outcomes(&self, period: &Period) -> Result<VisitOutcomes> {
        let (filter, args) = period_of(period, Dated::Day("planned_for"), 1);
        let sql = COUNT_VISIT_OUTCOMES.replace("{period}", &filter);
        self.read(|c| {
            let r = c.query_one(&sql, &refs(&args))?;
            let (planned, done) = (r.unsigned("planned")?, r.unsigned("done")?);
            Ok(VisitOutcomes {
                planned,
                done,
                completion: share(done, planned),
                resolved: r.unsigned("resolved")?,
                mean_satisfaction: r.value("mean")?,
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

#[cfg(test)]
mod tests {
    use fieldledger_core::ticket::followup::ContactMethod;
    use fieldledger_core::{Role, Timestamp};

    use strum::VariantArray;

    use super::super::commit::tests::{Staged, batch, postgres, sqlite, user};
    use super::*;
    use crate::calendar::Calendar;
    use crate::storage::{Commits, DocWrite};

    /// A return visit of the ticket of `write`.
    fn visit(write: &DocWrite, n: usize, day: &str, done: Option<u8>) -> ReturnVisitRow {
        ReturnVisitRow {
            visit_id: format!("v{n}"),
            ticket_id: write.ticket_id.clone(),
            ledger_number: write.ledger.ledger_number.clone(),
            customer_name: write.ledger.customer_name.clone(),
            planned_for: day.parse().expect("a day"),
            method: ContactMethod::Phone,
            assignee: user(if n.is_multiple_of(2) {
                "desk.wang"
            } else {
                "tech.li"
            }),
            done_at: done.map(|_| Timestamp(9_000)),
            done_by: done.map(|_| user("desk.wang")),
            satisfaction: done,
            resolved: done.map(|s| s > 2),
        }
    }

    /// A cost line.
    fn cost(n: usize, kind: &str, bearer: &str, amount: i64, approved: Option<bool>) -> CostLine {
        CostLine {
            cost_id: format!("c{n}"),
            kind: kind.into(),
            bearer: bearer.into(),
            amount_minor: amount,
            currency: if n.is_multiple_of(3) { "USD" } else { "CNY" }.into(),
            approved,
            settled: approved == Some(true) && n.is_multiple_of(2),
            submitted_at: Timestamp(1_769_889_600_000 + n as i64 * 86_400_000),
            borne_by: None,
            description: format!("cost {n}"),
            submitted_by: "desk.wang".parse().expect("a user id"),
            audit_note: approved.map(|a| if a { "" } else { "no receipt" }.to_owned()),
        }
    }

    /// The writes of five tickets, with causes, responsibilities, months, hand-offs, actions,
    /// return visits and costs that the reports count, ties and NULLs among them.
    fn writes() -> Vec<DocWrite> {
        let hour = 3_600_000;
        // 2026-01-31 20:00 UTC: February east of UTC, January west of it.
        let late_january = 1_769_889_600_000;
        let cases = [
            (
                "Beta",
                "cause b",
                Some("factory"),
                Some(late_january),
                Some(10),
                true,
            ),
            (
                "alpha",
                "",
                None,
                Some(late_january + 48 * hour),
                Some(3 * hour),
                true,
            ),
            ("Alpha", "cause a", Some("customer"), None, None, true),
            (
                "beta",
                "cause b",
                Some("factory"),
                Some(late_january),
                Some(20),
                false,
            ),
            (
                "Gamma",
                "",
                Some("customer"),
                Some(late_january - 40 * 24 * hour),
                None,
                true,
            ),
        ];
        cases
            .iter()
            .enumerate()
            .map(
                |(n, (customer, cause, responsibility, registered, delay, complaint))| {
                    let (_, mut write) = Staged::register(customer, 1_000, None);
                    let row = &mut write.ledger;
                    row.product_name = customer.to_string();
                    row.model = format!("M{}", n % 2);
                    row.cause = cause.to_string();
                    row.responsibility = responsibility.map(str::to_owned);
                    row.registered_at = registered.map(Timestamp);
                    row.complaint = *complaint;
                    row.handed_off_at = delay.and_then(|d| registered.map(|r| Timestamp(r + d)));
                    row.handed_off_received_at = delay.map(|d| Timestamp(row.received_at.0 + d));
                    row.imported = n == 3;
                    row.disposition = [
                        Some("replace"),
                        None,
                        Some("replace"),
                        Some("replace"),
                        None,
                    ][n]
                        .map(str::to_owned);
                    let technicians: [&[&str]; 5] = [
                        &["tech.li", "tech.zhang"],
                        &[],
                        &["tech.zhang"],
                        &["tech.li"],
                        &[],
                    ];
                    row.assignees = technicians[n].iter().map(|t| user(t)).collect();
                    let roles: [&[Role]; 5] = [
                        &[Role::QualityAssurance, Role::Technical],
                        &[Role::Technical],
                        &[],
                        &[Role::Commerce],
                        &[],
                    ];
                    row.handed_off_to = roles[n].to_vec();
                    let took = [
                        Some(2 * hour),
                        Some(100 * hour),
                        Some(hour),
                        None,
                        Some(900 * hour),
                    ];
                    row.resolved_at = registered.zip(took[n]).map(|(r, t)| Timestamp(r + t));
                    row.open_actions = [2, 0, 1, 1, 0][n];
                    row.next_action_due =
                        [Some("2026-03-01"), None, Some("2026-02-01"), None, None][n]
                            .map(|d| d.parse().expect("a day"));
                    row.ledger_number = Some(format!("KS-2026-{n:06}"));
                    row.updated_at = Timestamp(5_000 + (n as i64 % 2));
                    let days = ["2026-02-10", "2026-02-01", "2026-03-05"];
                    write.return_visits = Some(
                        (0..n % 3 + 1)
                            .map(|v| {
                                visit(&write, 10 * n + v, days[v], [None, Some(4), Some(2)][v])
                            })
                            .collect(),
                    );
                    let kinds = ["travel", "parts", "labour"];
                    let bearers = ["factory", "customer"];
                    write.costs = Some(
                        (0..n % 3 + 1)
                            .map(|c| {
                                let m = 10 * n + c;
                                let approved = [None, Some(true), Some(false)][m % 3];
                                let amount = 1_000 * (m as i64 + 1);
                                cost(m, kinds[m % 3], bearers[m % 2], amount, approved)
                            })
                            .collect(),
                    );
                    write
                },
            )
            .collect()
    }

    #[test]
    fn statistics_and_lists_answer_as_sqlite_does() {
        let (pg, (_dir, lite)) = (postgres(), sqlite());
        let batches = [batch(writes())];
        pg.commit(&batches, Timestamp(10))
            .expect("a commit on PostgreSQL");
        lite.commit(&batches, Timestamp(10))
            .expect("a commit on SQLite");
        let both = [&pg as &dyn Reports, &lite];
        let china = Calendar::default();
        let periods = [
            Period::default(),
            Period::of(Some("2026-02-01"), Some("2026-02-28"), &china).expect("February"),
            Period::of(Some("2026-01-01"), Some("2026-01-31"), &china).expect("January"),
            Period::of(None, Some("2026-02-01"), &china).expect("to February's first"),
            Period::of(Some("2026-02-02"), None, &china).expect("from February's second"),
        ];
        for period in &periods {
            for axis in ComplaintAxis::VARIANTS.iter().copied() {
                for offset in [480, 0, -300] {
                    let [on_pg, on_lite] =
                        both.map(|s| s.complaints_by(axis, period, offset).expect("groups"));
                    assert_eq!(on_pg, on_lite, "{axis:?} at {offset} in {period:?}");
                }
            }
            for limit in [0, 15, 3 * 3_600_000] {
                let [on_pg, on_lite] =
                    both.map(|s| s.handoff_compliance(limit, period).expect("handoffs"));
                assert_eq!(on_pg, on_lite, "within {limit} in {period:?}");
            }
            let today = "2026-02-15".parse().expect("a day");
            let [on_pg, on_lite] = both.map(|s| s.open_actions(today, period).expect("actions"));
            assert_eq!(on_pg, on_lite, "{period:?}");
            let [on_pg, on_lite] = both.map(|s| s.cost_totals(period).expect("totals"));
            assert_eq!(on_pg, on_lite, "{period:?}");
            let [on_pg, on_lite] = both.map(|s| s.visit_outcomes(period).expect("outcomes"));
            assert_eq!(on_pg, on_lite, "{period:?}");
        }
        let whole = Period::default();
        let months = pg
            .complaints_by(ComplaintAxis::Month, &whole, 480)
            .expect("groups");
        assert!(months.iter().any(|g| g.key.as_deref() == Some("2026-02")));
        let keys = |axis, period: &Period| -> Vec<(Option<String>, u64)> {
            let groups = pg.complaints_by(axis, period, 480).expect("groups");
            groups.into_iter().map(|g| (g.key, g.complaints)).collect()
        };
        let some = |k: &str, n: u64| (Some(k.to_owned()), n);
        // A complaint counts once for each of its technicians and departments.
        let technicians = keys(ComplaintAxis::Technician, &whole);
        assert_eq!(
            technicians,
            [(None, 2), some("tech.zhang", 2), some("tech.li", 1)]
        );
        let departments = keys(ComplaintAxis::Department, &whole);
        let expected = [
            (None, 2),
            some("technical", 2),
            some("quality_assurance", 1),
        ];
        assert_eq!(departments, expected);
        let times = keys(ComplaintAxis::Resolution, &whole);
        let expected = [
            (None, 1),
            some("over_30_days", 1),
            some("within_1_day", 1),
            some("within_7_days", 1),
        ];
        assert_eq!(times, expected);
        // February in China: the two complaints registered late on 31 January UTC and after.
        let february = &periods[1];
        assert_eq!(
            keys(ComplaintAxis::Model, february),
            [some("M0", 1), some("M1", 1)]
        );
        let today = "2026-02-15".parse().expect("a day");
        // The ticket whose earliest open action is due on 1 February, not the one due in March.
        let [on_pg, _] = both.map(|s| s.open_actions(today, february));
        assert_eq!(on_pg.expect("actions").tickets, 1);
        let [on_pg, _] = both.map(|s| s.visit_outcomes(february));
        // Nine visits, one planned for March.
        assert_eq!(on_pg.expect("outcomes").planned, 8);
        let [on_pg, _] = both.map(|s| s.open_actions(today, &whole).expect("actions"));
        assert_eq!(on_pg.tickets_past_due, 1);
        for limit in [1, 10] {
            let [on_pg, on_lite] = both.map(|s| s.open_action_tickets(limit).expect("tickets"));
            assert_eq!(on_pg, on_lite);
        }
        let states = [
            None,
            Some(CostState::ToAudit),
            Some(CostState::ToSettle),
            Some(CostState::Settled),
            Some(CostState::Rejected),
        ];
        for state in states {
            for bearer in [None, Some("factory".to_owned())] {
                let query = CostQuery {
                    state,
                    bearer: bearer.clone(),
                    borne_by: None,
                };
                let [on_pg, on_lite] = both.map(|s| s.cost_rows(&query).expect("costs"));
                assert_eq!(on_pg, on_lite, "{query:?}");
            }
        }
        let [on_pg, on_lite] = both.map(|s| s.visit_outcomes(&whole).expect("outcomes"));
        assert_eq!(on_pg, on_lite);
        assert!(on_pg.mean_satisfaction.is_some());
        let days = VisitDays {
            today: "2026-02-10".parse().expect("a day"),
            overdue_upto: "2026-02-03".parse().expect("a day"),
        };
        let visit_states = [
            None,
            Some(VisitState::Planned),
            Some(VisitState::Due),
            Some(VisitState::Overdue),
            Some(VisitState::Done),
        ];
        for state in visit_states {
            for assignee in [None, Some(user("tech.li"))] {
                let query = VisitQuery {
                    state,
                    assignee: assignee.clone(),
                    department: None,
                };
                let [on_pg, on_lite] = both.map(|s| s.return_visits(&query, days).expect("visits"));
                assert_eq!(on_pg, on_lite, "{query:?}");
            }
        }
        let by_role = VisitQuery {
            department: Some(Role::Technician),
            ..VisitQuery::default()
        };
        let [on_pg, on_lite] = both.map(|s| s.return_visits(&by_role, days).expect("visits"));
        assert_eq!(on_pg, on_lite);
    }
}
