//! Refusals and other events that an administrator should see. They are written with the
//! batch of the request that caused them ([`super::Batch::security_events`]).

use fieldledger_core::{DeviceId, TicketId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use super::Result;

/// A refusal or other event that an administrator should see.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecurityEvent {
    /// When.
    pub at: Timestamp,
    /// What, for example `not_permitted` or `forged_actor`.
    pub kind: String,
    /// Which device.
    pub device: Option<DeviceId>,
    /// Which user.
    pub user: Option<UserId>,
    /// Which ticket.
    pub ticket: Option<TicketId>,
    /// Details.
    pub detail: String,
}

/// The security events written so far.
pub trait SecurityEvents {
    /// The newest security events, newest first.
    fn security_events(&self, limit: usize) -> Result<Vec<SecurityEvent>>;
}
