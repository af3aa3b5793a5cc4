//! Statistics of the service data for QA and the service department, read from the ledger's
//! columns and the return-visit and cost tables with one aggregate query each, so that they stay
//! fast on a ledger of many tickets. Every statistic may be asked for a period of calendar days
//! ([`Period`]); breakdowns show their largest groups and sum the rest ([`ComplaintCounts`]).

pub mod sheet;

use fieldledger_core::{Date, TicketView, Timestamp, UserId};
use serde::{Deserialize, Serialize};
use strum::VariantArray;

use crate::calendar::Calendar;
use crate::columns::Language;
use crate::error::{Code, Error};
use crate::ledger::name;

/// The longest period a statistic may be asked for, in days (ten years and some leap days).
pub const MAX_PERIOD_DAYS: i64 = 3_660;
/// The first year a period may start in.
pub const FIRST_YEAR: u16 = 1900;
/// How many groups a breakdown shows when the request does not say.
pub const DEFAULT_TOP: u32 = 10;
/// The most groups a breakdown shows.
pub const MAX_TOP: u32 = 50;

/// What complaints are counted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintAxis {
    /// Product name.
    Product,
    /// Specification and model.
    Model,
    /// The cause QA recorded.
    Cause,
    /// The responsibility ruled.
    Responsibility,
    /// The month of registration, in the department's time zone.
    Month,
    /// Customer name.
    Customer,
    /// The disposition in force.
    Disposition,
    /// The technicians its travel task orders assigned: a complaint counts once for each.
    Technician,
    /// The roles its hand-offs passed it to: a complaint counts once for each.
    Department,
    /// How long it took from registration to resolution ([`ResolutionTime`]).
    Resolution,
    /// The catalogue code of the product of the unit of its job number, in the reference data
    /// (none for a job number that is no recorded unit, or a unit not catalogued).
    ProductCode,
    /// The customer of the unit of its job number, as the reference data names them (none for
    /// a job number that is no recorded unit): whatever the ticket's free text said.
    UnitCustomer,
    /// The code QA chose from the cause code list (none when QA chose none).
    CauseCode,
}

impl ComplaintAxis {
    /// The axis's machine name, as the API writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            ComplaintAxis::Product => "product",
            ComplaintAxis::Model => "model",
            ComplaintAxis::Cause => "cause",
            ComplaintAxis::Responsibility => "responsibility",
            ComplaintAxis::Month => "month",
            ComplaintAxis::Customer => "customer",
            ComplaintAxis::Disposition => "disposition",
            ComplaintAxis::Technician => "technician",
            ComplaintAxis::Department => "department",
            ComplaintAxis::Resolution => "resolution",
            ComplaintAxis::ProductCode => "product_code",
            ComplaintAxis::UnitCustomer => "unit_customer",
            ComplaintAxis::CauseCode => "cause_code",
        }
    }

    /// Whether its groups are an ordered series shown whole (months in order, the times to
    /// resolve from shortest to longest) rather than ranked by count and cut at `top`.
    pub fn is_series(self) -> bool {
        matches!(self, ComplaintAxis::Month | ComplaintAxis::Resolution)
    }
}

/// How long a complaint took from its registration to the first time it reached resolved or
/// closed ([`crate::ledger::resolved_at`]); a complaint not resolved yet has none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum ResolutionTime {
    /// Within a day (24 hours).
    #[serde(rename = "within_1_day")]
    WithinOneDay,
    /// Over a day, within 3.
    #[serde(rename = "within_3_days")]
    WithinThreeDays,
    /// Over 3 days, within 7.
    #[serde(rename = "within_7_days")]
    WithinSevenDays,
    /// Over 7 days, within 30.
    #[serde(rename = "within_30_days")]
    WithinThirtyDays,
    /// Over 30 days.
    #[serde(rename = "over_30_days")]
    OverThirtyDays,
}

/// A day in milliseconds.
const DAY_MS: i64 = 86_400_000;

impl ResolutionTime {
    /// The machine name, the key of its group.
    pub fn as_str(self) -> &'static str {
        match self {
            ResolutionTime::WithinOneDay => "within_1_day",
            ResolutionTime::WithinThreeDays => "within_3_days",
            ResolutionTime::WithinSevenDays => "within_7_days",
            ResolutionTime::WithinThirtyDays => "within_30_days",
            ResolutionTime::OverThirtyDays => "over_30_days",
        }
    }

    /// The longest time in the bucket, in milliseconds (`None`: no limit).
    pub fn upto_ms(self) -> Option<i64> {
        match self {
            ResolutionTime::WithinOneDay => Some(DAY_MS),
            ResolutionTime::WithinThreeDays => Some(3 * DAY_MS),
            ResolutionTime::WithinSevenDays => Some(7 * DAY_MS),
            ResolutionTime::WithinThirtyDays => Some(30 * DAY_MS),
            ResolutionTime::OverThirtyDays => None,
        }
    }

    /// The SQL expression, the same in both databases, that names the bucket of a ledger row
    /// (NULL while it is not resolved, or was never registered).
    pub fn sql_key() -> String {
        let mut sql =
            String::from("CASE WHEN resolved_at IS NULL OR registered_at IS NULL THEN NULL");
        for bucket in ResolutionTime::VARIANTS {
            match bucket.upto_ms() {
                Some(ms) => sql.push_str(&format!(
                    " WHEN resolved_at - registered_at <= {ms} THEN '{}'",
                    bucket.as_str()
                )),
                None => sql.push_str(&format!(" ELSE '{}'", bucket.as_str())),
            }
        }
        sql.push_str(" END");
        sql
    }
}

/// What a statistic is asked for: its period of calendar days (`from` and `to`, `YYYY-MM-DD`,
/// both included, in the department's time zone; either may be left out), and for complaints
/// the axis and how many groups to show. `lang` is the language of an exported spreadsheet.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StatisticsQuery {
    /// The first day.
    pub from: Option<String>,
    /// The last day.
    pub to: Option<String>,
    /// What complaints are counted by (complaints only, where it is required).
    pub by: Option<ComplaintAxis>,
    /// How many groups a breakdown shows ([`DEFAULT_TOP`] when absent, at most [`MAX_TOP`]).
    pub top: Option<u32>,
    /// The language of an exported spreadsheet.
    pub lang: Language,
}

impl StatisticsQuery {
    /// The axis, which complaints require.
    pub fn axis(&self) -> Result<ComplaintAxis, Error> {
        self.by.ok_or_else(|| {
            Error::new(
                Code::BadBody,
                "complaints are counted by an axis: by=product, model, cause, responsibility, \
                 month, customer, disposition, technician, department, resolution, product_code, \
                 unit_customer or cause_code",
            )
        })
    }

    /// How many groups a breakdown shows.
    pub fn top(&self) -> Result<u32, Error> {
        match self.top {
            None => Ok(DEFAULT_TOP),
            Some(top) if (1..=MAX_TOP).contains(&top) => Ok(top),
            Some(top) => Err(Error::new(
                Code::BadBody,
                format!("top={top}: a breakdown shows 1 to {MAX_TOP} groups"),
            )),
        }
    }

    /// The period asked for, its days in the zone of `calendar`.
    pub fn period(&self, calendar: &Calendar) -> Result<Period, Error> {
        Period::of(self.from.as_deref(), self.to.as_deref(), calendar)
    }
}

/// The calendar days a statistic covers, both included, and the moments they start and end in
/// the department's time zone. A bound left out leaves that side open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first day.
    pub from: Option<Date>,
    /// The last day.
    pub to: Option<Date>,
    /// When the first day starts.
    #[serde(skip)]
    pub start: Option<Timestamp>,
    /// When the last day ends (the start of the day after it).
    #[serde(skip)]
    pub end: Option<Timestamp>,
}

impl Period {
    /// The period from `from` to `to` as a person wrote them, or why it is not one: a day that
    /// is not `YYYY-MM-DD`, one before [`FIRST_YEAR`], `from` after `to`, or more than
    /// [`MAX_PERIOD_DAYS`] days.
    pub fn of(from: Option<&str>, to: Option<&str>, calendar: &Calendar) -> Result<Period, Error> {
        let bad = |message: String| Error::new(Code::BadBody, message);
        let day = |param: &str, text: Option<&str>| -> Result<Option<Date>, Error> {
            let Some(text) = text.filter(|t| !t.is_empty()) else {
                return Ok(None);
            };
            let day: Date = text.parse().map_err(|_| {
                bad(format!(
                    "{param}={text:?} is not a calendar day of the form YYYY-MM-DD"
                ))
            })?;
            if day.year() < FIRST_YEAR {
                return Err(bad(format!(
                    "{param}={day}: statistics cover the years {FIRST_YEAR} to 9999"
                )));
            }
            Ok(Some(day))
        };
        let (first, last) = (day("from", from)?, day("to", to)?);
        let start = first.map(|d| calendar.end_of(calendar.previous_day(d)));
        let end = last.map(|d| calendar.end_of(d));
        if let (Some(first), Some(last), Some(start), Some(end)) = (first, last, start, end) {
            if first > last {
                return Err(bad(format!("from={first} is after to={last}")));
            }
            let days = (end.0 - start.0) / DAY_MS;
            if days > MAX_PERIOD_DAYS {
                return Err(bad(format!(
                    "from={first} to={last} is {days} days; a period is at most \
                     {MAX_PERIOD_DAYS} days"
                )));
            }
        }
        Ok(Period {
            from: first,
            to: last,
            start,
            end,
        })
    }

    /// Whether neither side is bounded.
    pub fn is_whole(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// The number of complaints with one value of the axis.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The value (`null`: not recorded yet; for technicians, none assigned; for departments,
    /// not handed off; for the time to resolve, not resolved yet).
    pub key: Option<String>,
    /// How many complaints have it.
    pub complaints: u64,
    /// The value's name as people know it, where it differs from the key: a technician's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Group {
    /// The group of `key` with `complaints`.
    pub fn new(key: Option<String>, complaints: u64) -> Group {
        Group {
            key,
            complaints,
            name: None,
        }
    }
}

/// The groups beyond the largest ones, summed: not a value of the axis, so not a [`Group`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Others {
    /// How many groups they are.
    pub groups: u64,
    /// Their complaints together.
    pub complaints: u64,
}

/// Complaints of a period counted by one axis: the largest groups, most first, and the rest
/// summed; a series (months, times to resolve) whole and in its order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintCounts {
    /// The axis.
    pub by: ComplaintAxis,
    /// The period.
    pub period: Period,
    /// The groups shown.
    pub groups: Vec<Group>,
    /// The groups not shown, summed (`null` when every group is shown).
    pub others: Option<Others>,
    /// The sum of every group's count, those not shown included. A complaint with two
    /// technicians or two departments counts twice.
    pub total: u64,
}

impl ComplaintCounts {
    /// `groups`, as storage counted them (most first), shown for `by`: the first `top` and the
    /// rest summed, or for a series every group in its order.
    pub fn fold(by: ComplaintAxis, period: Period, groups: Vec<Group>, top: u32) -> Self {
        let total = groups.iter().map(|g| g.complaints).sum();
        let mut groups = groups;
        let others = match by {
            ComplaintAxis::Month => {
                groups.sort_by(|a, b| a.key.cmp(&b.key));
                None
            }
            ComplaintAxis::Resolution => {
                let count = |key: Option<&str>| {
                    groups
                        .iter()
                        .find(|g| g.key.as_deref() == key)
                        .map_or(0, |g| g.complaints)
                };
                let buckets = ResolutionTime::VARIANTS.iter().map(|b| Some(b.as_str()));
                groups = buckets
                    .chain([None])
                    .map(|key| Group::new(key.map(str::to_owned), count(key)))
                    .collect();
                None
            }
            _ => {
                let rest = groups.split_off(groups.len().min(top as usize));
                (!rest.is_empty()).then(|| Others {
                    groups: rest.len() as u64,
                    complaints: rest.iter().map(|g| g.complaints).sum(),
                })
            }
        };
        ComplaintCounts {
            by,
            period,
            groups,
            others,
            total,
        }
    }
}

/// How many tickets were handed off within the limit after registration, on each clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandoffCompliance {
    /// Registered tickets.
    pub tickets: u64,
    /// Tickets handed off (by a hand-off or a travel task order).
    pub handed_off: u64,
    /// Handed off within the limit by the devices' clocks.
    pub on_time_by_device: u64,
    /// Handed off within the limit by the server's receipt times.
    pub on_time_by_receipt: u64,
    /// `on_time_by_device / tickets` (0 without tickets).
    pub share_by_device: f64,
    /// `on_time_by_receipt / tickets` (0 without tickets).
    pub share_by_receipt: f64,
}

/// Open corrective and preventive actions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenActions {
    /// Open actions in all.
    pub actions: u64,
    /// Tickets with at least one.
    pub tickets: u64,
    /// Tickets with one past its due day.
    pub tickets_past_due: u64,
}

/// Return visits done and how satisfied customers were.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitOutcomes {
    /// Return visits planned in all.
    pub planned: u64,
    /// Of those, done.
    pub done: u64,
    /// `done / planned` (0 without visits).
    pub completion: f64,
    /// Done visits where the customer considered the problem resolved.
    pub resolved: u64,
    /// The mean satisfaction (1–5) of done visits, if any.
    pub mean_satisfaction: Option<f64>,
    /// Done visits per satisfaction 1 to 5.
    pub by_satisfaction: [u64; 5],
}

/// `part / whole`, 0 when `whole` is 0.
pub fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The headline figures of the complaints registered in a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Headline {
    /// The period.
    pub period: Period,
    /// Complaints registered.
    pub registered: u64,
    /// Of those, not closed.
    pub open: u64,
    /// Of those open, overdue ([`crate::ledger::Lateness`]).
    pub overdue: u64,
    /// Of those registered, resolved ([`crate::ledger::resolved_at`]).
    pub resolved: u64,
    /// The mean days from registration to resolution of those resolved, if any.
    pub mean_days_to_resolve: Option<f64>,
    /// Of those resolved after an on-site visit, resolved at the first.
    pub fixed_at_first_visit: u64,
    /// Those resolved after an on-site visit.
    pub resolved_after_visit: u64,
    /// `fixed_at_first_visit / resolved_after_visit` (0 without any).
    pub first_visit_fix_rate: f64,
}

/// Which complaints of a period a statistic's group holds, as a link from its chart to the
/// ledger asks for them: `by` and `key` name the group (a missing `key`: the complaints
/// without a value), `from` and `to` the period as [`StatisticsQuery`] has it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct GroupQuery {
    /// The axis of the group; none: no group.
    pub by: Option<ComplaintAxis>,
    /// The group's value.
    pub key: Option<String>,
    /// The first day of the period.
    pub from: Option<String>,
    /// Its last day.
    pub to: Option<String>,
}

impl GroupQuery {
    /// The registration bounds of the group in milliseconds (from, before), as the days of
    /// `calendar` bound it: the period's, narrowed to the month of a month's group.
    pub fn bounds(&self, calendar: &Calendar) -> Result<(Option<i64>, Option<i64>), Error> {
        let period = Period::of(self.from.as_deref(), self.to.as_deref(), calendar)?;
        let (mut from, mut to) = (period.start.map(|t| t.0), period.end.map(|t| t.0));
        if let (Some(ComplaintAxis::Month), Some(key)) = (self.by, &self.key) {
            let month = month_bounds(key, calendar)?;
            from = from.max(Some(month.0));
            to = Some(to.map_or(month.1, |t| t.min(month.1)));
        }
        Ok((from, to))
    }
}

/// When the month `key` (`YYYY-MM`) starts and ends in the zone of `calendar`.
fn month_bounds(key: &str, calendar: &Calendar) -> Result<(i64, i64), Error> {
    let bad = || {
        Error::new(
            Code::BadBody,
            format!("key={key:?} is not a month of the form YYYY-MM"),
        )
    };
    let (year, month) = key.split_once('-').ok_or_else(bad)?;
    let (year, month): (u16, u8) = (
        year.parse().map_err(|_| bad())?,
        month.parse().map_err(|_| bad())?,
    );
    let first = Date::new(year, month, 1).map_err(|_| bad())?;
    let next = if month == 12 {
        Date::new(year.checked_add(1).ok_or_else(bad)?, 1, 1)
    } else {
        Date::new(year, month + 1, 1)
    }
    .map_err(|_| bad())?;
    let start = calendar.end_of(calendar.previous_day(first));
    let end = calendar.end_of(calendar.previous_day(next));
    Ok((start.0, end.0))
}

/// One cost of a ticket as the statistics read it, projected from the document with the ledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostLine {
    /// The cost's entry id.
    pub cost_id: String,
    /// What it paid for (`travel`, `parts`, …).
    pub kind: String,
    /// Who pays (`company`, `sales_representative`, …).
    pub bearer: String,
    /// The sales representative who bears it, when one does.
    pub borne_by: Option<UserId>,
    /// The amount in minor units.
    pub amount_minor: i64,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The audit's verdict, once audited.
    pub approved: Option<bool>,
    /// Whether finance settled it.
    pub settled: bool,
    /// When it was submitted (device time).
    pub submitted_at: Timestamp,
    /// What it was.
    pub description: String,
    /// Who submitted it.
    pub submitted_by: UserId,
    /// The auditor's note (for a rejection, its reason), once audited.
    pub audit_note: Option<String>,
}

impl CostLine {
    /// The costs of the ticket `view`.
    pub fn project(view: &TicketView) -> Vec<CostLine> {
        view.costs
            .iter()
            .map(|c| CostLine {
                cost_id: c.id.to_string(),
                kind: name(&c.kind),
                bearer: name(&c.bearer),
                borne_by: c.borne_by.clone(),
                amount_minor: c.amount_minor,
                currency: c.currency.clone(),
                approved: c.audit.as_ref().map(|a| a.approved),
                settled: c.settlement.is_some(),
                submitted_at: c.submitted_at,
                description: c.description.clone(),
                submitted_by: c.submitted_by.clone(),
                audit_note: c.audit.as_ref().map(|a| a.note.clone()),
            })
            .collect()
    }
}

/// The costs of one kind or one bearer, in one currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostTotal {
    /// The kind or the bearer.
    pub key: String,
    /// The currency.
    pub currency: String,
    /// How many costs.
    pub costs: u64,
    /// Their sum in minor units.
    pub amount_minor: i64,
    /// The sum of those the audit approved.
    pub approved_minor: i64,
    /// The sum of those finance settled.
    pub settled_minor: i64,
}

/// Service costs by kind and by bearer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CostStatistics {
    /// By what they paid for.
    pub by_kind: Vec<CostTotal>,
    /// By who pays.
    pub by_bearer: Vec<CostTotal>,
}

/// A statistic, as its route names it (`/v1/statistics/<name>`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, VariantArray)]
#[serde(rename_all = "kebab-case")]
pub enum Statistic {
    /// Complaints counted by an axis.
    Complaints,
    /// Hand-off compliance.
    Handoff,
    /// Open corrective and preventive actions.
    CorrectiveActions,
    /// Return-visit completion and satisfaction.
    ReturnVisits,
    /// Service costs by kind and by bearer.
    Costs,
}

impl Statistic {
    /// The name in its route.
    pub fn as_str(self) -> &'static str {
        match self {
            Statistic::Complaints => "complaints",
            Statistic::Handoff => "handoff",
            Statistic::CorrectiveActions => "corrective-actions",
            Statistic::ReturnVisits => "return-visits",
            Statistic::Costs => "costs",
        }
    }

    /// The statistic named `name` in a route, if there is one.
    pub fn named(name: &str) -> Option<Statistic> {
        Statistic::VARIANTS
            .iter()
            .copied()
            .find(|s| s.as_str() == name)
    }
}

/// One statistic's figures over a period, as the API answers them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Figures {
    /// Complaints counted by an axis.
    Complaints(ComplaintCounts),
    /// Hand-off compliance.
    Handoff(HandoffCompliance),
    /// Open corrective and preventive actions.
    CorrectiveActions(OpenActions),
    /// Return-visit completion and satisfaction.
    ReturnVisits(VisitOutcomes),
    /// Service costs by kind and by bearer.
    Costs(CostStatistics),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(counts: &[(Option<&str>, u64)]) -> Vec<Group> {
        counts
            .iter()
            .map(|(k, n)| Group::new(k.map(str::to_owned), *n))
            .collect()
    }

    #[test]
    fn periods_are_whole_days_of_the_department_and_refuse_what_is_not_one() {
        let china = Calendar::default();
        let period = Period::of(Some("2026-03-01"), Some("2026-03-31"), &china).expect("a period");
        // 2026-03-01 00:00 in UTC+8 is 2026-02-28 16:00 UTC.
        assert_eq!(period.start, Some(Timestamp(1_772_294_400_000)));
        assert_eq!(period.end, Some(Timestamp(1_772_294_400_000 + 31 * DAY_MS)));
        let open = Period::of(None, Some("2026-03-31"), &china).expect("open at the start");
        assert_eq!((open.start, open.from), (None, None));
        assert!(Period::of(None, None, &china).expect("whole").is_whole());
        assert!(
            Period::of(Some(""), Some(""), &china)
                .expect("empty")
                .is_whole()
        );
        for (from, to, says) in [
            ("2026-3-1", "2026-03-31", "YYYY-MM-DD"),
            ("2026-02-30", "2026-03-31", "YYYY-MM-DD"),
            ("2026-04-01", "2026-03-31", "after"),
            ("1899-12-31", "1900-01-31", "years 1900"),
            ("2000-01-01", "2026-01-01", "at most 3660 days"),
            ("'; DROP TABLE ledger; --", "2026-01-01", "YYYY-MM-DD"),
        ] {
            let refused = Period::of(Some(from), Some(to), &china).expect_err(from);
            assert_eq!(refused.code(), Code::BadBody);
            assert!(refused.to_string().contains(says), "{refused}");
        }
        assert!(Period::of(Some("2016-01-01"), Some("2025-12-31"), &china).is_ok());
    }

    #[test]
    fn top_groups_are_shown_and_the_rest_summed_but_series_are_whole() {
        let counted = groups(&[(Some("b"), 5), (None, 4), (Some("a"), 3), (Some("c"), 1)]);
        let folded = ComplaintCounts::fold(
            ComplaintAxis::Customer,
            Period::default(),
            counted.clone(),
            2,
        );
        assert_eq!(folded.groups, counted[..2]);
        let others = Others {
            groups: 2,
            complaints: 4,
        };
        assert_eq!(folded.others, Some(others));
        assert_eq!(folded.total, 13);
        let whole = ComplaintCounts::fold(ComplaintAxis::Customer, Period::default(), counted, 4);
        assert_eq!(whole.others, None);
        let months = groups(&[
            (Some("2026-02"), 9),
            (Some("2026-01"), 2),
            (Some("2026-03"), 5),
        ]);
        let series = ComplaintCounts::fold(ComplaintAxis::Month, Period::default(), months, 1);
        let keys: Vec<_> = series.groups.iter().map(|g| g.key.clone()).collect();
        let expected = ["2026-01", "2026-02", "2026-03"].map(|k| Some(k.to_owned()));
        assert_eq!(keys, expected);
        assert_eq!(series.others, None);
        let times = groups(&[
            (None, 7),
            (Some("over_30_days"), 2),
            (Some("within_1_day"), 1),
        ]);
        let buckets = ComplaintCounts::fold(ComplaintAxis::Resolution, Period::default(), times, 1);
        let counts: Vec<_> = buckets.groups.iter().map(|g| g.complaints).collect();
        assert_eq!(counts, [1, 0, 0, 0, 2, 7]);
        assert_eq!(buckets.groups[5].key, None);
    }

    #[test]
    fn resolution_buckets_are_one_case_expression() {
        let sql = ResolutionTime::sql_key();
        assert!(sql.starts_with("CASE WHEN resolved_at IS NULL"));
        assert!(sql.contains("<= 86400000 THEN 'within_1_day'"));
        assert!(sql.ends_with("ELSE 'over_30_days' END"));
        let names: Vec<String> = ResolutionTime::VARIANTS.iter().map(name).collect();
        let written: Vec<&str> = ResolutionTime::VARIANTS
            .iter()
            .map(|b| b.as_str())
            .collect();
        assert_eq!(names, written);
    }
}
