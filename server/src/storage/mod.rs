//! Everything the server keeps, behind one trait so that another database (PostgreSQL for
//! several stateless servers) can take SQLite's place. [`sqlite::SqliteStorage`] is the embedded
//! default.

pub mod sqlite;

use std::collections::BTreeMap;

use automerge::{ActorId, ChangeHash};
use fieldledger_core::{Date, DeviceId, Role, Ticket, TicketId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::costs::{CostQuery, CostRow};
use crate::deadlines::Deadline;
use crate::error::ServerError;
use crate::events::{Event, EventKind, NewEvent};
use crate::ledger::{LedgerPage, LedgerQuery, LedgerRow};
use crate::projection::Projection;
use crate::return_visits::{ReturnVisitRow, VisitDays, VisitQuery};
use crate::statistics::{
    ComplaintAxis, CostLine, CostStatistics, Group, HandoffCompliance, OpenActions, VisitOutcomes,
};
use crate::web::session::WebSession;

/// The result type of storage.
pub type Result<T, E = ServerError> = std::result::Result<T, E>;

/// A person who uses fieldledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their name as shown.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The automerge actor under which the server writes their office edits.
    #[serde(skip)]
    pub actor: Option<ActorId>,
    /// When they were added.
    pub created_at: Timestamp,
}

/// An enrolled device (a phone, or an office client) with its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Its id.
    pub id: DeviceId,
    /// Whose device it is.
    pub user: UserId,
    /// A label, for example "Zhang Wei's phone".
    pub label: String,
    /// When it was enrolled.
    pub enrolled_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// What the server knows about one device's copy of one document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeviceDoc {
    /// Heads both are known to have (the encoded automerge sync state holds them).
    pub shared: Vec<ChangeHash>,
    /// Heads last sent, with the id of the response that carried them: the device acknowledges
    /// them by presenting that id.
    pub sent: Option<(Vec<ChangeHash>, u64)>,
}

/// The actors of a device after it presented some.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActorBinding {
    /// Every actor bound to the device.
    pub bound: Vec<ActorId>,
    /// Presented actors that belong to someone else.
    pub refused: Vec<ActorId>,
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

/// How a document is written: whole (new, or compacted) or as one more chunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DocBytes {
    /// A whole saved document; replaces the snapshot and drops the chunks.
    Snapshot(Vec<u8>),
    /// Changes in automerge's incremental format, appended.
    Chunk(Vec<u8>),
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

/// What the server keeps. Writes of the sync path go through [`Storage::commit`], one
/// transaction for any number of batches; everything else is a small query or command.
pub trait Storage: Send + Sync + 'static {
    /// The actor under which the server itself writes (ledger numbers, the return visits it
    /// plans).
    fn system_actor(&self) -> Result<ActorId>;

    /// Adds a user; refuses an id that exists.
    fn add_user(&self, user: &User) -> Result<()>;
    /// Every user.
    fn users(&self) -> Result<Vec<User>>;
    /// One user.
    fn user(&self, id: &UserId) -> Result<Option<User>>;

    /// Adds a device with the hash of its token.
    fn add_device(&self, device: &Device, token_hash: &[u8; 32]) -> Result<()>;
    /// Revokes a device; returns whether it existed and was active.
    fn revoke_device(&self, id: &DeviceId, at: Timestamp) -> Result<bool>;
    /// Every device.
    fn devices(&self) -> Result<Vec<Device>>;
    /// The active device holding the token with this hash, and its user.
    fn device_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<(Device, User)>>;
    /// Binds unbound `actors` to `device`.
    fn bind_actors(&self, device: &DeviceId, actors: &[ActorId]) -> Result<ActorBinding>;

    /// Loads the document of a ticket, writing as `actor`; `None` when it is not stored.
    fn load_ticket(&self, id: &TicketId, actor: &ActorId) -> Result<Option<(Ticket, u32)>>;
    /// Every stored ticket id.
    fn ticket_ids(&self) -> Result<Vec<TicketId>>;
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
    /// Takes the next serial of `year`'s ledger numbers, in a transaction of its own, so that
    /// no two servers on this storage ever take the same one. A serial taken for a write that
    /// then fails is not given again (a gap, as a database sequence leaves).
    fn take_ledger_serial(&self, year: i32) -> Result<u64>;
    /// Notes that serial `serial` of `year` was given elsewhere (an imported ticket kept its
    /// number), so that serials taken later continue after it.
    fn note_ledger_serial(&self, year: i32, serial: u64) -> Result<()>;
    /// The heads of ticket `id` as stored, when it is: what a cached copy must still have.
    fn stored_heads(&self, id: &TicketId) -> Result<Option<Vec<ChangeHash>>>;
    /// When the server first received each change of ticket `id`.
    fn received_at(&self, id: &TicketId) -> Result<BTreeMap<ChangeHash, Timestamp>>;
    /// Who sent the first changes of ticket `id` the server received: its registrant as the
    /// server saw them.
    fn first_sender(&self, id: &TicketId) -> Result<Option<UserId>>;

    /// Writes `batches` in one transaction at `at`; returns the events it put in the outbox.
    fn commit(&self, batches: &[Batch], at: Timestamp) -> Result<Vec<Event>>;
    /// Up to `limit` events of the outbox after `after`, oldest first.
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>>;
    /// The position of the latest event in the outbox (0 when it is empty).
    fn last_event_id(&self) -> Result<u64>;
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
    /// Rewrites ledger rows, and the tickets' return visits and costs, from their documents,
    /// by version `projection` of [`LedgerRow::project`].
    fn replace_ledger_rows(&self, rows: &[Projection], projection: u32) -> Result<()>;
    /// The ticket (its ledger number, or id) that an earlier import made of the row `key`, or
    /// that already has `ledger_number`.
    fn find_imported(&self, key: &str, ledger_number: Option<&str>) -> Result<Option<String>>;
    /// The version of [`LedgerRow::project`] that last rebuilt the ledger.
    fn ledger_projection(&self) -> Result<u32>;
    /// Whether `serve --demo` made this data directory ([`Storage::mark_made_by_demo`]).
    fn made_by_demo(&self) -> Result<bool>;
    /// Records that `serve --demo` made this data directory, with its demo organisation.
    fn mark_made_by_demo(&self) -> Result<()>;
    /// A page of the ledger.
    fn ledger(&self, query: &LedgerQuery) -> Result<LedgerPage>;
    /// Every ledger row `query` matches, whatever its paging, oldest registration first.
    fn whole_ledger(&self, query: &LedgerQuery) -> Result<Vec<LedgerRow>>;
    /// One ledger row.
    fn ledger_row(&self, id: &TicketId) -> Result<Option<LedgerRow>>;

    /// Records a complete blob.
    fn add_blob(&self, sha256: &str, size: u64, at: Timestamp) -> Result<()>;
    /// The size of a stored blob.
    fn blob_size(&self, sha256: &str) -> Result<Option<u64>>;
    /// The newest security events, newest first.
    fn security_events(&self, limit: usize) -> Result<Vec<SecurityEvent>>;
    /// Tickets whose first hand-off is late on either clock by more than `limit_ms` after
    /// registration, or has not been received and the server received the ticket more than
    /// `limit_ms` before `now`; those whose hand-off deadline fired are left out.
    fn late_handoffs(&self, now: Timestamp, limit_ms: i64) -> Result<Vec<LedgerRow>>;
    /// Tickets whose day for the dated `deadline` (the next return visit, the earliest open
    /// action) is on or before `by`; those whose event for that day fired are left out. The
    /// hand-off has no day: it finds nothing.
    fn days_due(&self, deadline: Deadline, by: Date) -> Result<Vec<LedgerRow>>;
    /// Complaints counted by `axis`, most first; months are those of the zone `utc_offset_minutes`.
    fn complaints_by(&self, axis: ComplaintAxis, utc_offset_minutes: i32) -> Result<Vec<Group>>;
    /// How many tickets were handed off within `limit_ms` of registration, on each clock.
    fn handoff_compliance(&self, limit_ms: i64) -> Result<HandoffCompliance>;
    /// Open corrective and preventive actions; past due when their day is before `today`.
    fn open_actions(&self, today: Date) -> Result<OpenActions>;
    /// Service costs by kind and by bearer, per currency.
    fn cost_totals(&self) -> Result<CostStatistics>;
    /// Return visits planned and done, and the customers' satisfaction.
    fn visit_outcomes(&self) -> Result<VisitOutcomes>;
    /// The return visits that pass `query`, judged on `days`, by planned day (at most 500).
    fn return_visits(&self, query: &VisitQuery, days: VisitDays) -> Result<Vec<ReturnVisitRow>>;

    /// Sets (or replaces) the argon2id hash of `user`'s dashboard password; ends their sessions.
    fn set_password(&self, user: &UserId, hash: &str, at: Timestamp) -> Result<()>;
    /// The argon2id hash of `user`'s dashboard password, if one is set.
    fn password_hash(&self, user: &UserId) -> Result<Option<String>>;
    /// Stores a new dashboard session under the hash of its cookie; drops expired ones.
    fn add_session(&self, session: &WebSession, token_hash: &[u8; 32]) -> Result<()>;
    /// The session whose cookie has this hash, unless it expired by `now`.
    fn session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<WebSession>>;
    /// Ends the session whose cookie has this hash.
    fn end_session(&self, token_hash: &[u8; 32]) -> Result<()>;
    /// Service costs with their tickets, by bearer (at most 500).
    fn cost_rows(&self, query: &CostQuery) -> Result<Vec<CostRow>>;
    /// Tickets with open corrective or preventive actions, earliest due first.
    fn open_action_tickets(&self, limit: usize) -> Result<Vec<LedgerRow>>;
}
