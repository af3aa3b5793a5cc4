//! The `meta` section: what the document is, and the ledger number the server gives it.

use serde::{Deserialize, Serialize};

use crate::id::{TicketId, UserId};
use crate::time::Timestamp;

/// The document schema version this build writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The meta section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Meta {
    /// The document schema version.
    pub schema: u32,
    /// The ticket's id.
    pub ticket_id: Option<TicketId>,
    /// The number in the central ledger (for example `KS-2026-000123`), once the server has
    /// assigned it.
    pub ledger_number: Option<String>,
    /// When the ticket was created (device time).
    pub created_at: Option<Timestamp>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// Where the ticket was imported from (a spreadsheet ledger's file and line), when it was
    /// not registered in fieldledger. An imported ticket is history: the server raises no
    /// deadlines, events or return visits for what it held when it arrived.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_from: Option<String>,
}
