//! The engine: the one way into the ticket documents. Every write goes through it, and it hands
//! every write to the [`Committer`], so that nothing is confirmed before it is durably stored.
//!
//! A write flows one way, each step in the file named for it:
//!
//! - `sync.rs`: a device's sync request (its documents, the feed, the answers), or
//!   `office.rs`: a write over REST (a registration at the desk, an operation, an import);
//! - `fieldledger_core::admission`: what a device sends, change by change;
//! - `merge.rs`: staging one ticket's change: its ledger number (taken from storage), the
//!   return visits the server plans, the document write;
//! - `crate::projection`: the ledger row, return visits, cost lines and events of the change;
//! - the [`Committer`] and [`Storage`]: the batch stored, then its events published.
//!
//! `rebuild.rs` writes the ledger again from the stored documents by the same projection.
//! This file holds what they share: the engine itself, its limits, the cache of loaded
//! documents and the locking of their slots, and the retry of a write staged on stale
//! documents.

mod merge;
mod office;
mod rebuild;
mod sync;

use std::sync::Arc;

use automerge::ActorId;
use fieldledger_core::{Clock, IdSource, TicketId, Timestamp};
use tokio::sync::broadcast;

use crate::committer::Committer;
use crate::deadlines::Workflow;
use crate::documents::{Cached, Documents, Locked, Slots, Staged};
use crate::error::Error;
use crate::events::{Event, NewEvent};
use crate::metrics::Metrics;
use crate::security_log::SecurityLog;
use crate::storage::{Batch, SecurityEvent, Storage, User};

pub use office::NewTicket;

type Result<T, E = Error> = std::result::Result<T, E>;

/// Limits on what one request may carry.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Documents in one sync request.
    pub docs_per_request: usize,
    /// Bytes of one document's sync message.
    pub message_bytes: usize,
    /// Bytes of one stored document.
    pub document_bytes: usize,
    /// Tickets the feed hands out per response.
    pub feed_page: usize,
    /// Bytes of document messages after which a response hands out no more feed tickets.
    pub response_bytes: usize,
    /// Bytes one change a device sends may take once inflated.
    pub inflated_change_bytes: usize,
    /// Bytes the changes of one document's message may take once inflated.
    pub inflated_message_bytes: usize,
    /// Bytes the changes of all the messages of one sync request may take once inflated.
    pub inflated_request_bytes: usize,
    /// Bytes of changes one sync request may add to a ticket the server holds.
    pub ticket_growth_bytes: usize,
    /// Operations one change a device sends may announce (and predecessors its operations may
    /// list), counted from its run-length-encoded columns before automerge reads it.
    pub change_ops: usize,
    /// Operations the changes of one document's message may announce together (and
    /// predecessors their operations may list together).
    pub message_ops: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            docs_per_request: 1_000,
            message_bytes: 4 * 1024 * 1024,
            document_bytes: 16 * 1024 * 1024,
            feed_page: 200,
            response_bytes: 8 * 1024 * 1024,
            // As large as a message: compression gives a change no more room than it had
            // uncompressed.
            inflated_change_bytes: 4 * 1024 * 1024,
            // As large as a stored document: a message carries at most one ticket.
            inflated_message_bytes: 16 * 1024 * 1024,
            // Twice the largest body, so that no request sent uncompressed is cut.
            inflated_request_bytes: 64 * 1024 * 1024,
            // A day's honest work on one ticket is a few hundred kilobytes at most, photos
            // aside (they travel as blobs).
            ticket_growth_bytes: 4 * 1024 * 1024,
            // An honest change is one action: a few hundred operations at most (a long note is
            // one insertion per character), so 100,000 leaves room for any action while
            // automerge's walk of a refused change's operations stays within milliseconds, not
            // the hours that 10^9 announced in a few bytes would take.
            change_ops: 100_000,
            // Ten changes at that cap: a device offline for a long day sends at most a few
            // hundred actions of a few hundred operations on one ticket.
            message_ops: 1_000_000,
        }
    }
}

/// Committed events kept for live listeners that are a little behind.
const PUBLISHED_EVENTS: usize = 4_096;

/// About how many bytes of memory the documents the server keeps loaded may take.
const CACHED_BYTES: usize = 128 * 1024 * 1024;

/// The merge engine. Each loaded document has its own lock (see [`Documents`]); durable writes
/// happen after the locks are released, grouped by the committer.
pub struct Engine {
    storage: Arc<dyn Storage>,
    documents: Arc<Documents>,
    published: broadcast::Sender<Event>,
    committer: Committer,
    system_actor: ActorId,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    limits: Limits,
    workflow: Workflow,
    ids: IdSource,
    security_log: SecurityLog,
}

impl Engine {
    /// An engine over `storage`.
    pub fn new(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        limits: Limits,
        workflow: Workflow,
        ids: IdSource,
    ) -> Result<Self> {
        let system_actor = storage.system_actor()?;
        let documents = Arc::new(Documents::new(CACHED_BYTES));
        let (published, _) = broadcast::channel(PUBLISHED_EVENTS);
        Ok(Self {
            committer: Committer::start(
                storage.clone(),
                clock.clone(),
                documents.clone(),
                published.clone(),
            ),
            published,
            storage,
            documents,
            system_actor,
            clock,
            metrics,
            limits,
            workflow,
            ids,
            security_log: SecurityLog::default(),
        })
    }

    /// Events as they are durably stored. A receiver that falls behind by more than the
    /// channel holds is told so, and reads the rest from the outbox.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.published.subscribe()
    }

    /// The channel events are published on, for the relay of other servers' events
    /// ([`crate::relay`]).
    pub fn publisher(&self) -> broadcast::Sender<Event> {
        self.published.clone()
    }

    /// Writes `events` that no merge caused (deadlines found by the watcher) to the outbox, and
    /// publishes them as merges' events are.
    pub fn emit(&self, events: Vec<NewEvent>) -> Result<()> {
        let batch = Batch {
            events,
            ..Batch::default()
        };
        self.committer.enqueue(batch, Staged::default()).wait()
    }

    /// Writes `events` to the administrator's security log that no sync caused (a device
    /// enrolled or revoked), through the same commit as every other write.
    pub fn log_security(&self, events: Vec<SecurityEvent>) -> Result<()> {
        let batch = Batch {
            security_events: events,
            ..Batch::default()
        };
        self.committer.enqueue(batch, Staged::default()).wait()
    }

    /// The storage behind the engine.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The server's time now.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Where the server's new ids come from.
    pub fn ids(&self) -> &IdSource {
        &self.ids
    }

    /// The actor `user`'s changes are written under: the one stored with the user (every
    /// stored user has one), or a new one for a user known only in memory.
    pub fn actor_of(&self, user: &User) -> ActorId {
        user.actor.clone().unwrap_or_else(|| self.ids.actor())
    }

    /// Loads ticket `id` (locked in `locked`) into the cache; `false` when the server does not
    /// have it.
    fn load(&self, locked: &mut Locked<'_>, id: &TicketId) -> Result<bool> {
        if let Some(cached) = locked.get(id) {
            // The copy in memory is a cache: when none of its writes is still on the way, it
            // must hold what is stored, which another server may have written since.
            if cached.pending > 0
                || self.storage.stored_heads(id)?.as_deref() == Some(&cached.ticket.heads()[..])
            {
                return Ok(true);
            }
        }
        let Some((ticket, chunks)) = self.storage.load_ticket(id, &self.system_actor)? else {
            return Ok(false);
        };
        Ok(locked.put(id, Cached::new(ticket, chunks)))
    }

    /// The loaded ticket `id`, which must exist.
    fn existing<'a>(&self, docs: &'a mut Locked<'_>, id: &TicketId) -> Result<&'a mut Cached> {
        if !self.load(docs, id)? {
            return Err(Error::not_found(format!("ticket {id} does not exist")));
        }
        docs.get_mut(id)
            .ok_or_else(|| Error::not_found("ticket not loaded"))
    }

    /// Commits `batch`, staged on the documents of `locked`, then releases them. The batch is
    /// queued while the locks are held, so batches reach the disk in the order their changes
    /// entered memory: a receipt never covers a change that an earlier, still unwritten batch
    /// holds.
    fn commit(&self, slots: &Slots<'_>, locked: Locked<'_>, batch: Batch) -> Result<()> {
        let held: Vec<TicketId> = batch.docs.iter().map(|d| d.ticket_id.clone()).collect();
        let queued = (!batch.is_empty()).then(|| self.committer.enqueue(batch, slots.staged()));
        drop(locked);
        let outcome = queued.map_or(Ok(()), |q| q.wait());
        slots.release(&held);
        outcome
    }
}

/// How many times a write is made in all when it was staged on stale documents (see
/// [`Error::Stale`]) before the caller is told to try again later.
const ATTEMPTS: usize = 4;

/// Runs `write` again while it is refused as staged on stale documents, at most [`ATTEMPTS`]
/// times in all. Nothing of a refused attempt was stored and the documents it staged on were
/// dropped from memory, so the next one works on the tickets as stored.
fn again<T>(mut write: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        match write() {
            Err(Error::Stale(why)) if attempt < ATTEMPTS => {
                tracing::debug!(why, attempt, "writing again on the documents as stored");
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}
