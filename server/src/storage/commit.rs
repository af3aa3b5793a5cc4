//! The write of the sync path: everything one request writes (documents with their ledger
//! rows, device copies, security and domain events, imported rows) is a [`Batch`], and any
//! number of batches are committed in one transaction.

use automerge::ChangeHash;
use fieldledger_core::{DeviceId, TicketId, Timestamp, UserId};

use super::{DeviceDoc, Result, SecurityEvent};
use crate::events::{Event, NewEvent};
use crate::ledger::LedgerRow;
use crate::return_visits::ReturnVisitRow;
use crate::statistics::CostLine;

/// How a document is written: whole (new, or compacted) or as the changes this write adds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocBytes {
    /// A whole saved document; replaces the snapshot, which holds every change stored before.
    Snapshot(Vec<u8>),
    /// The changes this write adds, each whole (automerge's change chunk), in the order of
    /// [`DocWrite::changes`].
    Changes(Vec<Vec<u8>>),
}

/// One document's part of a commit.
#[derive(Clone, Debug, PartialEq)]
pub struct DocWrite {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Whether the document is new to the server.
    pub new: bool,
    /// The bytes to store.
    pub bytes: DocBytes,
    /// The document's heads after this write.
    pub heads: Vec<ChangeHash>,
    /// The changes this write adds, to note when and from whom they arrived.
    pub changes: Vec<ChangeHash>,
    /// Who sent them.
    pub user: UserId,
    /// From which device, when a device sent them.
    pub device: Option<DeviceId>,
    /// The document's heads before this write: where the access of users it takes off the
    /// ticket is cut.
    pub before: Vec<ChangeHash>,
    /// The ledger row after this write; it also decides who may read the ticket.
    pub ledger: LedgerRow,
    /// Whether the row differs from the stored one in more than `updated_at`.
    pub ledger_changed: bool,
    /// The ticket's return visits, when they changed: they replace the stored ones.
    pub return_visits: Option<Vec<ReturnVisitRow>>,
    /// The ticket's costs, when they changed: they replace the stored ones.
    pub costs: Option<Vec<CostLine>>,
}

/// One device-and-document part of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceDocWrite {
    /// The device.
    pub device: DeviceId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The new state.
    pub state: DeviceDoc,
}

/// Everything one request writes, committed in one transaction (possibly with other batches).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// Documents and their ledger rows.
    pub docs: Vec<DocWrite>,
    /// Per-device sync states.
    pub device_docs: Vec<DeviceDocWrite>,
    /// Refusals for the administrator.
    pub security_events: Vec<SecurityEvent>,
    /// Domain events for the outbox.
    pub events: Vec<NewEvent>,
    /// Rows of an imported ledger, by their key, and the tickets made of them.
    pub imports: Vec<(String, TicketId)>,
}

impl Batch {
    /// Whether the batch writes nothing.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
            && self.device_docs.is_empty()
            && self.security_events.is_empty()
            && self.events.is_empty()
            && self.imports.is_empty()
    }
}

/// The one write of the sync path.
pub trait Commits {
    /// Writes `batches` in one transaction at `at`; returns the events it put in the outbox.
    /// Refuses the whole transaction when a document was written by another server since its
    /// write was staged ([`crate::error::Error::Stale`]).
    fn commit(&self, batches: &[Batch], at: Timestamp) -> Result<Vec<Event>>;
}
