//! Major complaints (重大投诉): the criteria by which the server suggests that a confirmed
//! complaint be judged major, and the escalation of a major complaint the general manager has
//! not reviewed in time.
//!
//! The server does not mark a complaint major itself. The regulation gives the judgement of
//! whether a complaint is a complaint, and a major one, to the technical service department
//! (`Duty::RegistrationFlagsBy`); a keyword in a customer's words or a repeat on a job number
//! is a reason to look, not a judgement. So the server raises `major_criteria_met`, naming
//! what matched, to the desk and supervisors, who then set the flag with `amend_intake`.

use std::collections::BTreeSet;

use fieldledger_core::{TicketId, TicketView, Timestamp};
use serde::{Deserialize, Serialize};

use crate::ledger::LedgerRow;

/// What makes a confirmed complaint a candidate for a major one, and how long the general
/// manager has to review a major complaint; given when the server starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MajorRule {
    /// Another complaint on the same job number registered this many days before makes a
    /// repeat complaint; 0 turns the criterion off.
    pub repeat_within_days: u32,
    /// Words in the complaint content that point at a major complaint (safety above all).
    pub keywords: Vec<String>,
    /// Customers whose complaints are always considered for major ones (exact names).
    pub key_customers: Vec<String>,
    /// Working days after a complaint was judged major by which the general manager has
    /// recorded their review; later, the server escalates it once.
    pub escalation_working_days: u32,
}

/// A day in milliseconds.
pub(crate) const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The words suggested by default: fire, explosion, electric shock, injury, safety.
pub const DEFAULT_KEYWORDS: &[&str] = &["安全", "起火", "着火", "爆炸", "触电", "人身", "伤亡"];

impl Default for MajorRule {
    fn default() -> Self {
        Self {
            repeat_within_days: 90,
            keywords: DEFAULT_KEYWORDS.iter().map(|w| (*w).to_owned()).collect(),
            key_customers: Vec::new(),
            escalation_working_days: 2,
        }
    }
}

/// Why a complaint meets the criteria of a major one.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MajorReason {
    /// What matched: the earlier complaint's ledger number (or id) for a repeat, the word for
    /// a keyword, the customer's name for a key customer.
    pub matched: String,
    /// `repeat`, `keyword` or `key_customer`.
    pub reason: ReasonKind,
    /// The earlier complaint on the same job number, for a repeat.
    pub ticket_id: Option<TicketId>,
}

/// The criterion a [`MajorReason`] met.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// Another complaint on the same job number shortly before.
    Repeat,
    /// A word of the content.
    Keyword,
    /// A key customer.
    KeyCustomer,
}

impl MajorRule {
    /// Whether the criteria look at ticket `view`: a confirmed complaint not judged major.
    pub fn applies(view: &TicketView) -> bool {
        view.intake.confirmed_complaint_at().is_some() && !view.intake.registration.major
    }

    /// The moment (milliseconds) from which a complaint looked at `at` finds earlier ones on
    /// its job number, when the repeat criterion is on.
    pub fn repeat_since(&self, at: Timestamp) -> Option<i64> {
        (self.repeat_within_days > 0)
            .then(|| at.millis() - i64::from(self.repeat_within_days) * DAY_MS)
    }

    /// The reasons the ticket `view` meets without looking at other tickets: its content's
    /// keywords and its customer.
    pub fn own_reasons(&self, view: &TicketView) -> BTreeSet<MajorReason> {
        let reg = &view.intake.registration;
        let words = self
            .keywords
            .iter()
            .filter(|w| !w.trim().is_empty() && reg.content.contains(w.trim()))
            .map(|w| MajorReason {
                matched: w.trim().to_owned(),
                reason: ReasonKind::Keyword,
                ticket_id: None,
            });
        let customer = self
            .key_customers
            .iter()
            .any(|c| c.trim() == reg.customer_name.trim())
            .then(|| MajorReason {
                matched: reg.customer_name.trim().to_owned(),
                reason: ReasonKind::KeyCustomer,
                ticket_id: None,
            });
        words.chain(customer).collect()
    }

    /// The repeats of ticket `id` (whose job number is `job_number`) among `earlier`, the
    /// complaints registered since the repeat window opened: those on the same job number.
    pub fn repeats(id: &TicketId, job_number: &str, earlier: &[LedgerRow]) -> Vec<MajorReason> {
        let job = job_number.trim();
        if job.is_empty() {
            return Vec::new();
        }
        earlier
            .iter()
            .filter(|row| &row.ticket_id != id && row.complaint && row.job_number.trim() == job)
            .map(|row| MajorReason {
                matched: row
                    .ledger_number
                    .clone()
                    .unwrap_or_else(|| row.ticket_id.to_string()),
                reason: ReasonKind::Repeat,
                ticket_id: Some(row.ticket_id.clone()),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_key_customers_match_exactly_what_they_name() {
        let rule = MajorRule {
            key_customers: vec!["State Grid Hebei".into()],
            ..MajorRule::default()
        };
        let mut view = TicketView::default();
        view.intake.registration.content = "柜体起火，险些触电".into();
        view.intake.registration.customer_name = "State Grid Hebei ".into();
        let reasons: Vec<(ReasonKind, String)> = rule
            .own_reasons(&view)
            .into_iter()
            .map(|r| (r.reason, r.matched))
            .collect();
        assert_eq!(
            reasons,
            [
                (ReasonKind::KeyCustomer, "State Grid Hebei".to_owned()),
                (ReasonKind::Keyword, "触电".to_owned()),
                (ReasonKind::Keyword, "起火".to_owned()),
            ]
        );
        view.intake.registration.content = "breaker does not close".into();
        view.intake.registration.customer_name = "State Grid".into();
        assert!(rule.own_reasons(&view).is_empty());
    }
}
