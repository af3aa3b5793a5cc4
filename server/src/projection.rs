//! The one projection of a ticket onto the server's tables: its ledger row, its return visits
//! and its cost lines. A live merge and `rebuild-ledger` both call [`project`], each with what
//! the server itself saw of the ticket ([`Received`]), so that the ledger they write cannot
//! disagree.

use fieldledger_core::{TicketId, TicketView, Timestamp, UserId};

use crate::ledger::LedgerRow;
use crate::return_visits::ReturnVisitRow;
use crate::statistics::CostLine;

/// What the server saw of a ticket that its document does not say. A live merge knows it as it
/// happens; a rebuild reads it back from when and from whom each change was received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// When the server first received the ticket.
    pub received_at: Timestamp,
    /// Who sent it to the server first: its registrant as the server saw them, not as the
    /// document claims. They may read the ticket.
    pub created_by: Option<UserId>,
    /// When the server first received a hand-off of it (the 30-minute rule is measured on it).
    pub handed_off_received_at: Option<Timestamp>,
    /// When the server last received a change of it.
    pub updated_at: Timestamp,
}

/// Everything projected from one ticket's document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    /// The ledger row.
    pub row: LedgerRow,
    /// The return visits.
    pub return_visits: Vec<ReturnVisitRow>,
    /// The costs.
    pub costs: Vec<CostLine>,
}

/// The projection of ticket `id`, whose document reads as `view`, as the server saw it.
pub fn project(id: &TicketId, view: &TicketView, received: &Received) -> Projection {
    Projection {
        row: LedgerRow::project(id, view, received),
        return_visits: ReturnVisitRow::project(id, view),
        costs: CostLine::project(view),
    }
}
