//! What the office reads across tickets: statistics of complaints, hand-offs, corrective
//! actions, costs and return visits, and the lists of return visits, costs and open actions.

use fieldledger_core::Date;

use super::Result;
use crate::costs::{CostQuery, CostRow};
use crate::ledger::LedgerRow;
use crate::return_visits::{ReturnVisitRow, VisitDays, VisitQuery};
use crate::statistics::{
    ComplaintAxis, CostStatistics, Group, HandoffCompliance, OpenActions, VisitOutcomes,
};

/// Statistics and lists across tickets, read from the ledger and its projected tables.
pub trait Reports {
    /// Complaints counted by `axis`, most first; months are those of the zone `utc_offset_minutes`.
    fn complaints_by(&self, axis: ComplaintAxis, utc_offset_minutes: i32) -> Result<Vec<Group>>;
    /// How many tickets were handed off within `limit_ms` of registration, on each clock.
    fn handoff_compliance(&self, limit_ms: i64) -> Result<HandoffCompliance>;
    /// Open corrective and preventive actions; past due when their day is before `today`.
    fn open_actions(&self, today: Date) -> Result<OpenActions>;
    /// Tickets with open corrective or preventive actions, earliest due first.
    fn open_action_tickets(&self, limit: usize) -> Result<Vec<LedgerRow>>;
    /// Service costs by kind and by bearer, per currency.
    fn cost_totals(&self) -> Result<CostStatistics>;
    /// Service costs with their tickets, by bearer (at most 500).
    fn cost_rows(&self, query: &CostQuery) -> Result<Vec<CostRow>>;
    /// Return visits planned and done, and the customers' satisfaction.
    fn visit_outcomes(&self) -> Result<VisitOutcomes>;
    /// The return visits that pass `query`, judged on `days`, by planned day (at most 500).
    fn return_visits(&self, query: &VisitQuery, days: VisitDays) -> Result<Vec<ReturnVisitRow>>;
}
