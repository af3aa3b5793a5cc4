//! The one projection of a ticket's change onto the server's tables and its outbox: the ledger
//! row, the return visits and the cost lines of the ticket after the change, and the events the
//! change raised. A live merge and `rebuild-ledger` both call [`project`], each with what the
//! server itself saw of the ticket ([`Received`]), so that the ledger they write cannot
//! disagree.
//!
//! It is pure: it reads neither storage nor the clock, and the same arguments give the same
//! projection.

use fieldledger_core::{TicketId, TicketView};

use crate::events::{self, NewEvent};
use crate::ledger::{LedgerRow, Received};
use crate::return_visits::ReturnVisitRow;
use crate::statistics::CostLine;

/// Everything projected from one change of a ticket.
#[derive(Clone, Debug, PartialEq)]
pub struct Projection {
    /// The ledger row.
    pub row: LedgerRow,
    /// The return visits.
    pub return_visits: Vec<ReturnVisitRow>,
    /// The costs.
    pub costs: Vec<CostLine>,
    /// The events of the change (see [`events::derive`]).
    pub events: Vec<NewEvent>,
}

/// The projection of the change that took ticket `id` from `before` (`None` when the server
/// did not have it) to `after`, as the server saw it (`received`).
///
/// An imported ticket arrives as history: what it held when it arrived raises no events.
pub fn project(
    id: &TicketId,
    before: Option<&TicketView>,
    after: &TicketView,
    received: &Received,
) -> Projection {
    let imported = before.is_none() && after.meta.imported_from.is_some();
    let events = if imported {
        Vec::new()
    } else {
        events::derive(id, before, after, received.updated_at)
    };
    Projection {
        row: LedgerRow::project(id, after, received),
        return_visits: ReturnVisitRow::project(id, after),
        costs: CostLine::project(after),
        events,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EventKind;
    use fieldledger_core::Timestamp;

    /// A ticket first received at 1 and last at 2.
    fn received() -> Received {
        Received {
            received_at: Timestamp(1),
            created_by: None,
            handed_off_received_at: None,
            confirmed_received_at: None,
            updated_at: Timestamp(2),
        }
    }

    #[test]
    fn a_new_ticket_raises_its_events_when_last_received_unless_it_was_imported() {
        let id = TicketId::random();
        let view = TicketView::default();
        let new = project(&id, None, &view, &received());
        let kinds: Vec<(EventKind, Timestamp)> =
            new.events.iter().map(|e| (e.kind(), e.at)).collect();
        assert_eq!(kinds, [(EventKind::Registered, Timestamp(2))]);
        // The same arguments give the same projection.
        assert_eq!(project(&id, None, &view, &received()), new);

        let mut imported = view.clone();
        imported.meta.imported_from = Some("old-ledger.xlsx:3".into());
        assert!(project(&id, None, &imported, &received()).events.is_empty());
        // Once the server has an imported ticket, what is written to it raises events as usual.
        let mut major = imported.clone();
        major.intake.registration.major = true;
        let kinds: Vec<EventKind> = project(&id, Some(&imported), &major, &received())
            .events
            .iter()
            .map(NewEvent::kind)
            .collect();
        assert_eq!(kinds, [EventKind::MajorComplaint]);
    }
}
