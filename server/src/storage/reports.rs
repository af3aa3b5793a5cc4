//! What the office reads across tickets: statistics of complaints, hand-offs, corrective
//! actions, costs and return visits, and the lists of return visits, costs and open actions.
//! The parts of the statistics' statements that both databases write alike are here.

use fieldledger_core::Date;

use super::Result;
use crate::costs::{CostQuery, CostRow};
use crate::ledger::{Lateness, LedgerGroup, LedgerRow};
use crate::return_visits::{ReturnVisitRow, VisitDays, VisitQuery};
use crate::statistics::{
    ComplaintAxis, CostStatistics, Group, HandoffCompliance, Headline, OpenActions, Period,
    ResolutionTime, VisitOutcomes,
};

/// The headline figures of the complaints in the period `{period}`, written alike for both
/// databases: `{today}`, `{upto}` and `{before}` are the placeholders of the days and the time
/// of [`Lateness`], whose rule the `overdue` sum repeats.
pub(crate) const COUNT_HEADLINE: &str = "SELECT COUNT(*) AS registered,
        COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0) AS open,
        COALESCE(SUM(CASE WHEN status <> 'closed' AND NOT imported AND (
            next_action_due < {today} OR next_return_visit <= {upto}
            OR (handed_off_received_at IS NULL AND confirmed_received_at < {before}))
            THEN 1 ELSE 0 END), 0) AS overdue,
        COUNT(resolved_at) AS resolved,
        CAST(AVG(resolved_at - registered_at) AS DOUBLE PRECISION) AS mean_ms,
        COALESCE(SUM(CASE WHEN resolved_at IS NOT NULL AND visits = 1 THEN 1 ELSE 0 END), 0)
            AS first_visit,
        COALESCE(SUM(CASE WHEN resolved_at IS NOT NULL AND visits > 0 THEN 1 ELSE 0 END), 0)
            AS after_visit
    FROM ledger WHERE complaint{period}";

/// The headline of `period` from what [`COUNT_HEADLINE`] counted.
pub(crate) fn headline_of(period: &Period, counts: [u64; 6], mean_ms: Option<f64>) -> Headline {
    let [registered, open, overdue, resolved, first, after] = counts;
    Headline {
        period: *period,
        registered,
        open,
        overdue,
        resolved,
        mean_days_to_resolve: mean_ms.map(|ms| ms / 86_400_000.0),
        fixed_at_first_visit: first,
        resolved_after_visit: after,
        first_visit_fix_rate: crate::statistics::share(first, after),
    }
}

/// The ledger's filter to the complaints of one group of `axis`, `key` (`None`: those without
/// a value); a month's group is bounded by its registration times instead
/// ([`crate::statistics::GroupQuery::bounds`]).
pub fn complaint_group(axis: ComplaintAxis, key: Option<String>) -> LedgerGroup {
    let (expression, list) = match axis {
        ComplaintAxis::Month => (None, false),
        ComplaintAxis::Technician => (Some("assignees".to_owned()), true),
        ComplaintAxis::Department => (Some("handed_off_to".to_owned()), true),
        _ => (complaint_column(axis), false),
    };
    LedgerGroup {
        expression,
        list,
        key,
    }
}

/// Statistics and lists across tickets, read from the ledger and its projected tables. Each
/// statistic counts what its `period` holds: complaints and hand-offs by registration time,
/// open corrective actions by the ticket's earliest open due day, return visits by planned day,
/// costs by submission time.
pub trait Reports {
    /// Complaints counted by `axis`, most first; months are those of the zone
    /// `utc_offset_minutes`.
    fn complaints_by(
        &self,
        axis: ComplaintAxis,
        period: &Period,
        utc_offset_minutes: i32,
    ) -> Result<Vec<Group>>;
    /// How many tickets were handed off within `limit_ms` of registration, on each clock.
    fn handoff_compliance(&self, limit_ms: i64, period: &Period) -> Result<HandoffCompliance>;
    /// The headline figures of the complaints registered in `period`, judged by `lateness`.
    fn headline(&self, lateness: &Lateness, period: &Period) -> Result<Headline>;
    /// Open corrective and preventive actions; past due when their day is before `today`.
    fn open_actions(&self, today: Date, period: &Period) -> Result<OpenActions>;
    /// Tickets with open corrective or preventive actions, earliest due first.
    fn open_action_tickets(&self, limit: usize) -> Result<Vec<LedgerRow>>;
    /// Service costs by kind and by bearer, per currency.
    fn cost_totals(&self, period: &Period) -> Result<CostStatistics>;
    /// Service costs with their tickets, by bearer (at most 500).
    fn cost_rows(&self, query: &CostQuery) -> Result<Vec<CostRow>>;
    /// Return visits planned and done, and the customers' satisfaction.
    fn visit_outcomes(&self, period: &Period) -> Result<VisitOutcomes>;
    /// The return visits that pass `query`, judged on `days`, by planned day (at most 500).
    fn return_visits(&self, query: &VisitQuery, days: VisitDays) -> Result<Vec<ReturnVisitRow>>;
}

/// The ledger column that complaints counted by `axis` group on, where it is one column or an
/// expression both databases write alike; `None` for the axes each database writes its own way
/// (months, technicians, departments).
pub(crate) fn complaint_column(axis: ComplaintAxis) -> Option<String> {
    match axis {
        ComplaintAxis::Product => Some("product_name".into()),
        ComplaintAxis::Model => Some("model".into()),
        ComplaintAxis::Cause => Some("NULLIF(cause, '')".into()),
        ComplaintAxis::Responsibility => Some("responsibility".into()),
        ComplaintAxis::Customer => Some("customer_name".into()),
        ComplaintAxis::Disposition => Some("disposition".into()),
        ComplaintAxis::Resolution => Some(ResolutionTime::sql_key()),
        ComplaintAxis::CauseCode => Some("cause_code".into()),
        ComplaintAxis::ProductCode => Some(
            "(SELECT u.product_code FROM ref_units u WHERE u.job_number = ledger.job_number)"
                .into(),
        ),
        ComplaintAxis::UnitCustomer => Some(
            "(SELECT c.name FROM ref_units u JOIN ref_customers c ON c.customer_id = u.customer_id
                WHERE u.job_number = ledger.job_number)"
                .into(),
        ),
        ComplaintAxis::Month | ComplaintAxis::Technician | ComplaintAxis::Department => None,
    }
}

/// The column a statistic's period bounds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Dated {
    /// A time in milliseconds since the epoch: from the period's start, before its end.
    Time(&'static str),
    /// A day `YYYY-MM-DD`: from its first day to its last, both included.
    Day(&'static str),
}

/// The value of a bound of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum BoundValue {
    /// Milliseconds since the epoch.
    Millis(i64),
    /// A day `YYYY-MM-DD`.
    Day(String),
}

/// The conditions `period` sets on `column`, each ` AND <column> <op> <placeholder>`, with
/// placeholders written by `placeholder` from the number `first` on, and their values; empty
/// for a period without bounds. The conditions compare the column itself, so that an index on
/// it serves them.
pub(crate) fn period_filter(
    period: &Period,
    column: Dated,
    first: usize,
    placeholder: impl Fn(usize) -> String,
) -> (String, Vec<BoundValue>) {
    let bounds: Vec<(String, &str, BoundValue)> = match column {
        Dated::Time(column) => [
            period.start.map(|t| (">=", BoundValue::Millis(t.0))),
            period.end.map(|t| ("<", BoundValue::Millis(t.0))),
        ]
        .into_iter()
        .flatten()
        .map(|(op, value)| (column.to_owned(), op, value))
        .collect(),
        Dated::Day(column) => [
            period.from.map(|d| (">=", BoundValue::Day(d.to_string()))),
            period.to.map(|d| ("<=", BoundValue::Day(d.to_string()))),
        ]
        .into_iter()
        .flatten()
        .map(|(op, value)| (column.to_owned(), op, value))
        .collect(),
    };
    let mut sql = String::new();
    let mut values = Vec::new();
    for (n, (column, op, value)) in (first..).zip(bounds) {
        sql.push_str(&format!(" AND {column} {op} {}", placeholder(n)));
        values.push(value);
    }
    (sql, values)
}
