//! The ticket documents as stored, the change feed that tells devices which of them changed,
//! what the server knows of each device's copy, and who may read each ticket (and where the
//! access of those taken off it was cut).

use std::collections::BTreeMap;

use automerge::{ActorId, ChangeHash};
use fieldledger_core::{DeviceId, Ticket, TicketId, Timestamp, UserId};

use super::Result;

/// What the server knows about one device's copy of one document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceDoc {
    /// Heads both are known to have (the encoded automerge sync state holds them).
    pub shared: Vec<ChangeHash>,
    /// Heads last sent, with the id of the response that carried them: the device acknowledges
    /// them by presenting that id.
    pub sent: Option<(Vec<ChangeHash>, u64)>,
}

/// A page of the change feed for one device.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FeedPage {
    /// Tickets that changed after the cursor and that the device may read, oldest first.
    /// Each with the position of its latest feed row.
    pub tickets: Vec<(TicketId, u64)>,
    /// Tickets that changed after the cursor that the device holds but may no longer read.
    pub dropped: Vec<TicketId>,
    /// The cursor to hand back.
    pub cursor: u64,
    /// Whether more tickets follow.
    pub more: bool,
}

/// Stored documents, the feed, device copies and access. Documents are written only by
/// [`super::Commits::commit`].
pub trait Documents {
    /// Loads the document of a ticket, writing as `actor`; `None` when it is not stored.
    fn load_ticket(&self, id: &TicketId, actor: &ActorId) -> Result<Option<(Ticket, u32)>>;
    /// Every stored ticket id.
    fn ticket_ids(&self) -> Result<Vec<TicketId>>;
    /// The heads of ticket `id` as stored, when it is: what a cached copy must still have.
    fn stored_heads(&self, id: &TicketId) -> Result<Option<Vec<ChangeHash>>>;
    /// When the server first received each change of ticket `id`.
    fn received_at(&self, id: &TicketId) -> Result<BTreeMap<ChangeHash, Timestamp>>;
    /// Who sent the first changes of ticket `id` the server received: its registrant as the
    /// server saw them.
    fn first_sender(&self, id: &TicketId) -> Result<Option<UserId>>;

    /// What the server knows of `device`'s copy of ticket `id`.
    fn device_doc(&self, device: &DeviceId, id: &TicketId) -> Result<Option<DeviceDoc>>;
    /// Whether `user` is an assignee or the creator of ticket `id`.
    fn has_access(&self, user: &UserId, id: &TicketId) -> Result<bool>;
    /// The heads at which `user`'s access to ticket `id` was cut, when it was taken away.
    fn access_cut(&self, user: &UserId, id: &TicketId) -> Result<Option<Vec<ChangeHash>>>;
    /// Tickets changed after `cursor` by anyone but `device` (whose answers carried its own
    /// writes) that `user` (all of them when `everything`) may read, and those `device` holds
    /// but may no longer read.
    fn feed(
        &self,
        device: &DeviceId,
        user: &UserId,
        everything: bool,
        cursor: u64,
        limit: usize,
    ) -> Result<FeedPage>;
}
