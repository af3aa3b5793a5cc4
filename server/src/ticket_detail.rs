//! A ticket as the office reads it: every section, its conflicts, and its history with the time
//! the server received each change. [`crate::engine::Engine::ticket_detail`] makes it; the
//! ticket API returns it, and the deadlines are judged on it.

use fieldledger_core::ticket::decision::DecisionConflict;
use fieldledger_core::ticket::{FieldConflict, HistoryEntry};
use fieldledger_core::{TicketId, TicketView, Timestamp};

/// A ticket as the office API returns it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TicketDetail {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The document's heads (hex change hashes).
    pub heads: Vec<String>,
    /// Every section.
    pub view: TicketView,
    /// The decision conflict, if any.
    pub decision_conflict: Option<DecisionConflict>,
    /// Fields with concurrent values.
    pub field_conflicts: Vec<FieldConflict>,
    /// Every change, with the time the server received it.
    pub history: Vec<HistoryLine>,
}

/// One change in a ticket's history, with its receipt time.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HistoryLine {
    /// The change as the document records it.
    #[serde(flatten)]
    pub entry: HistoryEntry,
    /// When the server first received it.
    pub received_at: Option<Timestamp>,
}
