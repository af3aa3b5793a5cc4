//! The outbox of domain events, written in the same transaction as the merge that caused them
//! ([`super::Batch::events`]), and the webhooks that receive them.

use std::time::Duration;

use fieldledger_core::Timestamp;
use serde::{Deserialize, Serialize};

use super::Result;
use crate::events::{Event, EventKind};

/// A receiver of events over HTTP.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    /// Its id.
    pub id: u64,
    /// Where events are posted.
    pub url: String,
    /// The key of each delivery's HMAC-SHA256 signature.
    #[serde(skip)]
    pub secret: String,
    /// The kinds it receives (all when empty).
    pub kinds: Vec<EventKind>,
    /// The last event it acknowledged.
    pub delivered_upto: u64,
    /// Failed attempts at the next event.
    pub attempts: u32,
    /// When the next attempt is due.
    pub next_attempt_at: Timestamp,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

/// Events and webhooks.
pub trait Outbox {
    /// Up to `limit` events of the outbox after `after`, oldest first.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>>;
    /// The position of the latest event in the outbox (0 when it is empty).
    fn last_event_id(&self) -> Result<u64>;
    /// Returns once events after `after` may be in the outbox, written by this server or
    /// another on the same database, or when `timeout` has passed: at once when there are.
    fn await_events(&self, after: u64, timeout: Duration) -> Result<()>;

    /// Adds a webhook; returns its id. Delivery starts with the events after `from` (after the
    /// latest event when `None`).
    fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        kinds: &[EventKind],
        from: Option<u64>,
    ) -> Result<u64>;
    /// Removes a webhook; `false` when there was none.
    fn remove_webhook(&self, id: u64) -> Result<bool>;
    /// Every webhook.
    fn webhooks(&self) -> Result<Vec<Webhook>>;
    /// Records that webhook `id` acknowledged every event up to `event`.
    fn webhook_delivered(&self, id: u64, event: u64) -> Result<()>;
    /// Records a failed delivery to webhook `id` and when to try again.
    fn webhook_failed(
        &self,
        id: u64,
        attempts: u32,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<()>;
}
