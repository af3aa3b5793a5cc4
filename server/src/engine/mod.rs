//! The heart of the server: merges what devices and office users send into the ticket documents,
//! answers devices with what they lack, and hands every write to the [`Committer`], so that
//! nothing is confirmed before it is durably stored.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use automerge::sync::{self, SyncDoc};
use automerge::{ActorId, Automerge, Change, ChangeHash, ReadDoc};
use axum::http::StatusCode;
use fieldledger_core::protocol::{
    DocError, DocMessage, PROTOCOL_VERSION, Receipt, SyncRequest, SyncResponse,
};
use fieldledger_core::status::Status;
use fieldledger_core::store::sync_state::primed_state;
use fieldledger_core::ticket::followup::ContactMethod;
use fieldledger_core::ticket::intake::Registration;
use fieldledger_core::ticket::{Applied, HistoryEntry};
use fieldledger_core::{
    Author, Clock, IdSource, Operation, Role, Section, Ticket, TicketId, TicketView, Timestamp,
    UserId,
};
use tokio::sync::broadcast;

use crate::auth::Caller;
use crate::committer::Committer;
use crate::deadlines::Workflow;
use crate::documents::{Cached, Documents, Locked, Slots, Staged};
use crate::error::ServerError;
use crate::events::{self, Event};
use crate::ledger::{first_handoff, parse_ledger_number};
use crate::metrics::Metrics;
use crate::projection::{Projection, Received, project};
use crate::security_log::SecurityLog;
use crate::storage::{
    Batch, DeviceDoc, DeviceDocWrite, DocBytes, DocWrite, SecurityEvent, Storage, User,
};
use fieldledger_core::admission::{Sender, admit};
use fieldledger_core::change_bytes::{Budget, Caps};
use fieldledger_core::error::{Error as CoreError, contained};
use fieldledger_core::policy;

type Result<T, E = ServerError> = std::result::Result<T, E>;

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

/// Who sends a write, and when the server took it.
struct Origin<'a> {
    user: &'a UserId,
    device: Option<&'a fieldledger_core::DeviceId>,
    at: Timestamp,
}

/// A ticket made whole outside the server (by an import, or a benchmark's generator), not yet
/// stored.
#[derive(Clone, Debug)]
pub struct NewTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// The ledger number it had elsewhere, kept as its own; a new one is given when absent.
    pub ledger_number: Option<String>,
    /// What identifies the row of an imported ledger it was made of, across imports.
    pub import_key: Option<String>,
}

/// How a ticket changed in memory, for [`Engine::stage`].
#[derive(Clone, Copy)]
struct Merge<'a> {
    /// Its heads before.
    before: &'a [ChangeHash],
    /// Whether the server did not have it.
    new: bool,
    /// The sections the change wrote, when known: only those are read again.
    written: Option<&'a BTreeSet<Section>>,
}

/// One sync request in progress: who asks, with which actors, and the feed positions.
struct Exchange<'a> {
    caller: &'a Caller,
    actors: &'a [ActorId],
    /// The response the device says it processed last.
    acked: u64,
    /// This response's id.
    response_id: u64,
    now: Timestamp,
    /// The inflated bytes the documents of this request may still spend.
    inflation: Budget,
}

/// The actions (change messages) that pass a registered form on: see [`first_handoff`].
const HANDOFF_ACTIONS: [&str; 2] = ["hand_off", "issue_travel_order"];

/// A document rewritten as one snapshot after this many chunks.
const COMPACT_AFTER: u32 = 64;

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

/// The author of changes the server makes itself (ledger numbers, the return visits it plans).
pub fn system_author() -> Author {
    Author::new(
        UserId::try_from(crate::accounts::SYSTEM_USER.to_owned())
            .unwrap_or_else(|_| UserId::random()),
        Role::Admin,
    )
}

/// The year, in UTC, of `at`.
fn year_of(at: Timestamp) -> i32 {
    i32::from(
        jiff::tz::Offset::UTC
            .to_datetime(crate::calendar::instant(at))
            .year(),
    )
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

    /// Writes `events` that no merge caused (deadlines found by the watcher) to the outbox, and
    /// publishes them as merges' events are.
    pub fn emit(&self, events: Vec<events::NewEvent>) -> Result<()> {
        let batch = Batch {
            events,
            ..Batch::default()
        };
        self.committer.enqueue(batch, Staged::default()).wait()
    }

    /// The storage behind the engine.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
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

    /// Records that ticket `id` changed as `merge` says: assigns a ledger number the first time,
    /// and adds the document write, its ledger row and its events to `batch`.
    fn stage(
        &self,
        docs: &mut Locked<'_>,
        id: &TicketId,
        merge: &Merge<'_>,
        origin: &Origin<'_>,
        batch: &mut Batch,
    ) -> Result<()> {
        let Merge {
            before,
            new,
            written,
        } = *merge;
        let now = origin.at;
        let year = year_of(now);
        let needs_number = {
            let cached = docs
                .get(id)
                .ok_or_else(|| ServerError::not_found("ticket not loaded"))?;
            let meta = cached.ticket.view_sections(&[Section::Meta])?.meta;
            meta.ledger_number.is_none() && meta.ticket_id.as_ref() == Some(id)
        };
        if needs_number {
            let next = self.storage.take_ledger_serial(year)?;
            let number = format!("KS-{year}-{next:06}");
            let cached = docs
                .get_mut(id)
                .ok_or_else(|| ServerError::not_found("ticket not loaded"))?;
            cached.ticket.set_actor(self.system_actor.clone());
            cached
                .ticket
                .assign_ledger_number(&system_author(), now, &number)?;
        }
        let cached = docs
            .get_mut(id)
            .ok_or_else(|| ServerError::not_found("ticket not loaded"))?;
        let (was, mut view) = match (cached.view.take(), written) {
            (Some(was), Some(written)) => {
                let mut sections: Vec<Section> = written.iter().copied().collect();
                if needs_number {
                    sections.push(Section::Meta);
                }
                let mut view = was.clone();
                cached.ticket.refresh_view(&mut view, &sections)?;
                (Some(was), view)
            }
            (Some(was), None) => (Some(was), cached.ticket.view_without_logs()?),
            (None, _) if new => (None, cached.ticket.view_without_logs()?),
            (None, _) => (
                Some(cached.ticket.view_at(before)?),
                cached.ticket.view_without_logs()?,
            ),
        };
        if self.plans_return_visits(was.as_ref(), &view) {
            cached.ticket.set_actor(self.system_actor.clone());
            let assignee = view
                .dispatch
                .orders
                .first()
                .map(|o| o.issued_by.clone())
                .or_else(|| view.dispatch.handoffs.first().map(|h| h.by.clone()))
                .or_else(|| view.meta.created_by.clone());
            let resolved_on = self.workflow.calendar.day_of(now);
            let major = view.intake.registration.major;
            for day in self.workflow.return_visit_days(resolved_on, major) {
                let plan = Operation::PlanReturnVisit {
                    planned_for: day,
                    method: ContactMethod::Phone,
                    assignee: assignee.clone(),
                };
                cached.ticket.apply(&system_author(), now, &plan)?;
            }
            view = cached.ticket.view_without_logs()?;
        }
        // An imported ticket arrives as history: what it already held raises no events.
        if !(new && view.meta.imported_from.is_some()) {
            batch
                .events
                .extend(events::derive(id, was.as_ref(), &view, now));
        }
        // Who registered a ticket is what the server saw, not what the document claims: it
        // decides who may read the ticket.
        let stored = match (&cached.ledger, new) {
            (None, false) => self.storage.ledger_row(id)?,
            _ => None,
        };
        let last = cached.ledger.as_ref().or(stored.as_ref());
        let (received_at, created_by) = match (&cached.origin, last) {
            (Some(known), _) => known.clone(),
            (None, Some(row)) => (row.received_at, row.created_by.clone()),
            (None, None) => (now, Some(origin.user.clone())),
        };
        // The first hand-off was received by the merge that first showed one.
        let handed_off_received_at = last
            .and_then(|row| row.handed_off_received_at)
            .or_else(|| first_handoff(&view).map(|_| now));
        let changes: Vec<ChangeHash> = cached
            .ticket
            .doc()
            .get_changes_meta(before)
            .iter()
            .map(|c| c.hash)
            .collect();
        let bytes = if new || cached.chunks + 1 >= COMPACT_AFTER {
            cached.chunks = 0;
            DocBytes::Snapshot(cached.ticket.save())
        } else {
            cached.chunks += 1;
            DocBytes::Chunk(cached.ticket.changes_since(before))
        };
        cached.pending += 1;
        cached.origin = Some((received_at, created_by.clone()));
        let seen = Received {
            received_at,
            created_by,
            handed_off_received_at,
            updated_at: now,
        };
        let Projection {
            row: ledger,
            return_visits,
            costs,
        } = project(id, &view, &seen);
        // Most writes (a work-log step, a photo) leave the row as it was: only its time moves.
        let ledger_changed = cached
            .ledger
            .as_ref()
            .is_none_or(|last| ledger.differs_from(last));
        let return_visits = was
            .as_ref()
            .is_none_or(|w| w.followups != view.followups || w.meta != view.meta)
            .then_some(return_visits);
        let costs = was
            .as_ref()
            .is_none_or(|w| w.costs != view.costs)
            .then_some(costs);
        cached.ledger = Some(ledger.clone());
        cached.view = Some(view);
        self.metrics.changes_merged(changes.len() as u64);
        batch.docs.push(DocWrite {
            ticket_id: id.clone(),
            new,
            bytes,
            heads: cached.ticket.heads(),
            changes,
            user: origin.user.clone(),
            device: origin.device.cloned(),
            before: before.to_vec(),
            ledger,
            ledger_changed,
            return_visits,
            costs,
        });
        Ok(())
    }

    /// Whether the server plans the return visits of the ticket `view` (which was `was`) now:
    /// it is resolved and has none planned by the server yet, so that each ticket gets them
    /// once. A ticket imported already resolved had its return visits where it was kept.
    fn plans_return_visits(&self, was: Option<&TicketView>, view: &TicketView) -> bool {
        let system = system_author().user;
        let resolved = |v: &TicketView| Status::of(v) == Status::Resolved;
        let arrived_resolved = view.meta.imported_from.is_some() && was.is_none_or(resolved);
        resolved(view)
            && !arrived_resolved
            && !view.followups.iter().any(|f| f.planned_by == system)
    }

    /// Handles one sync request of an enrolled device.
    pub fn sync(&self, caller: &Caller, request: SyncRequest) -> Result<SyncResponse> {
        again(|| self.sync_once(caller, request.clone()))
    }

    /// One attempt at [`Engine::sync`].
    fn sync_once(&self, caller: &Caller, request: SyncRequest) -> Result<SyncResponse> {
        if request.version != PROTOCOL_VERSION {
            return Err(ServerError::bad_request(
                "unsupported_version",
                format!(
                    "this server speaks sync protocol version {PROTOCOL_VERSION}, not {}",
                    request.version
                ),
            ));
        }
        if request.docs.len() > self.limits.docs_per_request {
            return Err(ServerError::refused(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_many_documents",
                format!(
                    "a request may carry at most {} documents",
                    self.limits.docs_per_request
                ),
            ));
        }
        let now = self.clock.now();
        let device = &caller.device;
        let mut batch = Batch::default();
        let claimed: Vec<ActorId> = request
            .actors
            .iter()
            .filter(|a| !a.is_empty() && a.len() <= 32)
            .map(|a| ActorId::from(a.to_vec()))
            .collect();
        let binding = self.storage.bind_actors(&device.id, &claimed)?;
        for actor in binding.refused {
            batch.security_events.push(self.event(
                caller,
                None,
                "forged_actor",
                format!("device presented actor {actor}, which belongs to someone else"),
            ));
        }
        let actors = binding.bound;
        let everything = !policy::reads_assigned_only(caller.user.role);
        let page = self.storage.feed(
            &device.id,
            &caller.user.id,
            everything,
            request.cursor,
            self.limits.feed_page,
        )?;
        let mut response = SyncResponse {
            version: PROTOCOL_VERSION,
            cursor: page.cursor,
            more: page.more,
            id: self.ids.number(),
            ..SyncResponse::default()
        };
        // Every ticket this request may touch, locked together until its writes are queued.
        let touched = request
            .docs
            .iter()
            .map(|d| d.ticket_id.clone())
            .chain(page.tickets.iter().map(|(id, _)| id.clone()));
        let slots = self.documents.slots(touched);
        let mut docs = slots.lock();
        let mut seen = BTreeSet::new();
        let dropped: BTreeSet<TicketId> = page.dropped.iter().cloned().collect();
        let exchange = Exchange {
            caller,
            actors: &actors,
            acked: request.ack,
            response_id: response.id,
            now,
            inflation: Budget::new(Caps {
                change: self.limits.inflated_change_bytes,
                message: self.limits.inflated_message_bytes,
                request: self.limits.inflated_request_bytes,
                ops: self.limits.change_ops,
                message_ops: self.limits.message_ops,
            }),
        };
        for doc in request.docs {
            if !seen.insert(doc.ticket_id.clone()) {
                continue;
            }
            let id = doc.ticket_id.clone();
            if let Err(error) = self.receive(&mut docs, &exchange, doc, &mut batch, &mut response) {
                response.errors.push(*error);
                self.metrics.refusal();
            }
            if !everything
                && !dropped.contains(&id)
                && !self.storage.has_access(&caller.user.id, &id)?
                && !self.created_here(&docs, &id, caller)
            {
                response.dropped.push(id);
            }
        }
        let mut remaining = page.tickets.len();
        for (id, seq) in &page.tickets {
            remaining -= 1;
            if !seen.contains(id) {
                self.send(&mut docs, &exchange, id, &mut batch, &mut response)?;
            }
            // A response stays small enough for a phone to take in one piece: past the budget,
            // the rest of the page waits for the next round.
            let size: usize = response.docs.iter().map(|d| d.message.len()).sum();
            if size > self.limits.response_bytes && remaining > 0 {
                response.cursor = *seq;
                response.more = true;
                break;
            }
        }
        // The device's copy stays on record: if this response is lost, the same feed rows list
        // the ticket as dropped again.
        response.dropped.extend(page.dropped);
        self.security_log
            .keep(&caller.device.id, now, &mut batch.security_events);
        self.commit(&slots, docs, batch)?;
        Ok(response)
    }

    /// Whether the ticket in the cache was registered by the caller (its access row may not be
    /// committed yet).
    fn created_here(&self, docs: &Locked<'_>, id: &TicketId, caller: &Caller) -> bool {
        docs.get(id)
            .and_then(|c| c.ticket.view_sections(&[Section::Meta]).ok())
            .is_some_and(|v| v.meta.created_by.as_ref() == Some(&caller.user.id))
    }

    fn event(
        &self,
        caller: &Caller,
        ticket: Option<&TicketId>,
        kind: &str,
        detail: String,
    ) -> SecurityEvent {
        SecurityEvent {
            at: self.clock.now(),
            kind: kind.to_owned(),
            device: Some(caller.device.id.clone()),
            user: Some(caller.user.id.clone()),
            ticket: ticket.cloned(),
            detail,
        }
    }

    /// What the server knows `device` holds of ticket `id`, acknowledging what was last sent
    /// once the device presents the id of the response that carried it (`acked`).
    fn device_doc(&self, caller: &Caller, id: &TicketId, acked: u64) -> Result<DeviceDoc> {
        let mut dd = self
            .storage
            .device_doc(&caller.device.id, id)?
            .unwrap_or_default();
        if let Some((heads, sent_in)) = dd.sent.take() {
            if acked == sent_in {
                dd.shared = heads;
            } else {
                dd.sent = Some((heads, sent_in));
            }
        }
        Ok(dd)
    }

    fn receive(
        &self,
        docs: &mut Locked<'_>,
        exchange: &Exchange<'_>,
        doc: DocMessage,
        batch: &mut Batch,
        response: &mut SyncResponse,
    ) -> Result<(), Box<DocError>> {
        let Exchange {
            caller,
            actors,
            acked,
            now,
            ..
        } = *exchange;
        let id = doc.ticket_id.clone();
        let refuse = |code: &str, message: String| {
            Box::new(DocError {
                ticket_id: id.clone(),
                code: code.to_owned(),
                message,
                change: None,
                section: None,
                action: None,
            })
        };
        let internal = |e: ServerError| refuse("internal", e.parts().2);
        if doc.message.len() > self.limits.message_bytes {
            return Err(refuse(
                "too_large",
                format!(
                    "a document message may have at most {} bytes",
                    self.limits.message_bytes
                ),
            ));
        }
        let message = sync::Message::decode(&doc.message).map_err(|e| {
            refuse(
                "bad_message",
                format!("the sync message does not decode: {e}"),
            )
        })?;
        let exists = self.load(docs, &id).map_err(internal)?;
        let role = caller.user.role;
        // Where this device's user lost the ticket, if they did: the device then works on the
        // ticket as it stood at that moment, hears nothing written since, and may send only work
        // that builds on no more than that.
        let mut cut = None;
        if exists
            && policy::reads_assigned_only(role)
            && !self
                .storage
                .has_access(&caller.user.id, &id)
                .map_err(internal)?
        {
            let held = self
                .storage
                .device_doc(&caller.device.id, &id)
                .map_err(internal)?
                .is_some();
            if held {
                cut = self
                    .storage
                    .access_cut(&caller.user.id, &id)
                    .map_err(internal)?;
            }
            if cut.is_none() {
                batch.security_events.push(self.event(
                    caller,
                    Some(&id),
                    "forbidden",
                    "device sent a ticket it may not read".into(),
                ));
                return Err(refuse(
                    "forbidden",
                    format!("ticket {id} is not assigned to this device's user"),
                ));
            }
        }
        let mut dd = self.device_doc(caller, &id, acked).map_err(internal)?;
        // What decodes or applies what the device made runs contained: a panic inside automerge
        // refuses this document alone, and leaves the cache and its lock untouched.
        let unreadable = |e: CoreError| refuse("bad_message", e.to_string());
        let changes = contained("sync message", || {
            Ok(exchange.inflation.decode(message.changes.iter()))
        })
        .map_err(unreadable)?
        .map_err(|e| refuse(e.code(), e.to_string()))?;
        let blank;
        let (before, base) = match docs.get(&id) {
            Some(cached) => (cached.ticket.heads(), cached.ticket.doc()),
            None => {
                blank = Automerge::new().with_actor(self.system_actor.clone());
                (Vec::new(), &blank)
            }
        };
        let frozen;
        let (base, past_cut) = match &cut {
            Some(heads) => {
                frozen = base
                    .fork_at(heads)
                    .map_err(|e| refuse("internal", e.to_string()))?;
                // A change that builds on anything after the cut is refused as such.
                let past_cut: BTreeSet<ChangeHash> = changes
                    .iter()
                    .filter(|c| {
                        c.deps().iter().any(|d| {
                            base.get_change_meta_by_hash(d).is_some()
                                && frozen.get_change_meta_by_hash(d).is_none()
                        })
                    })
                    .map(Change::hash)
                    .collect();
                (&frozen, past_cut)
            }
            None => (base, BTreeSet::new()),
        };
        let author = Author::new(caller.user.id.clone(), role);
        let sender = Sender {
            actors,
            author: &author,
        };
        let mut admission = contained("sync message", || Ok(admit(base, &id, changes, sender)))
            .map_err(unreadable)?;
        for refusal in &mut admission.refused {
            if past_cut.contains(&refusal.change) {
                refusal.code = "reassigned";
                refusal.message = format!(
                    "change {} builds on what was written after the ticket was reassigned away \
                     from this device's user",
                    refusal.change
                );
            }
        }
        // One event per reason, however many changes a device sends: a flood of refused
        // changes must not bury everything else in the administrator's view.
        let mut reasons: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for refusal in &admission.refused {
            reasons
                .entry(refusal.code)
                .or_insert((0, &refusal.message))
                .0 += 1;
        }
        for (code, (count, first)) in reasons {
            let detail = match count {
                1 => first.to_owned(),
                _ => format!("{count} changes refused as {code}; the first: {first}"),
            };
            batch
                .security_events
                .push(self.event(caller, Some(&id), code, detail));
        }
        let first_error = admission.refused.first().map(|refusal| {
            Box::new(DocError {
                ticket_id: id.clone(),
                code: refusal.code.to_owned(),
                message: refusal.message.clone(),
                change: Some(refusal.change.to_string()),
                section: refusal.section.map(|s| s.key().to_owned()),
                action: refusal.action.clone(),
            })
        });
        let grown = admission.admitted_bytes;
        if exists && grown > self.limits.ticket_growth_bytes {
            return Err(refuse(
                "too_large",
                format!(
                    "one sync may add at most {} bytes of changes to a ticket; this one adds {grown}",
                    self.limits.ticket_growth_bytes
                ),
            ));
        }
        let written = admission.written;
        let mut merged = admission.doc;
        let mut state = primed_state(dd.shared.clone(), Vec::new());
        let mut heard = message;
        heard.changes = Vec::<Vec<u8>>::new().into();
        contained("sync message", || {
            Ok(merged.receive_sync_message(&mut state, heard)?)
        })
        .map_err(unreadable)?;
        // Past a cut the device is answered from the ticket as it stood then, and what it sent
        // is added to the whole ticket.
        let at_cut = match cut {
            Some(_) => {
                let mut whole = docs
                    .get(&id)
                    .ok_or_else(|| refuse("internal", "ticket not loaded".into()))?
                    .ticket
                    .doc()
                    .clone();
                let admitted = admission
                    .admitted
                    .iter()
                    .filter_map(|hash| merged.get_change_by_hash(hash));
                whole
                    .apply_changes(admitted)
                    .map_err(|e| refuse("internal", e.to_string()))?;
                Some(Ticket::from_doc(
                    id.clone(),
                    std::mem::replace(&mut merged, whole),
                ))
            }
            None => None,
        };
        if !exists {
            if merged.save().len() > self.limits.document_bytes {
                return Err(refuse(
                    "too_large",
                    format!(
                        "a document may have at most {} bytes",
                        self.limits.document_bytes
                    ),
                ));
            }
            let ticket = Ticket::from_doc(id.clone(), merged);
            let named = ticket
                .view_sections(&[Section::Meta])
                .map_err(|e| internal(e.into()))?
                .meta
                .ticket_id;
            if named.as_ref() != Some(&id) {
                return Err(first_error.unwrap_or_else(|| {
                    refuse(
                        "not_a_ticket",
                        format!("the changes do not register ticket {id}"),
                    )
                }));
            }
            docs.put(&id, Cached::new(ticket, 0));
        } else if merged.get_heads() != before {
            let cached = docs
                .get_mut(&id)
                .ok_or_else(|| refuse("internal", "ticket not loaded".into()))?;
            cached.ticket = Ticket::from_doc(id.clone(), merged);
        }
        let changed = docs.get(&id).is_some_and(|c| c.ticket.heads() != before);
        if changed {
            let origin = Origin {
                user: &caller.user.id,
                device: Some(&caller.device.id),
                at: now,
            };
            let merge = Merge {
                before: &before,
                new: !exists,
                written: Some(&written),
            };
            self.stage(docs, &id, &merge, &origin, batch)
                .map_err(|e| refuse(e.parts().1, e.parts().2))?;
        }
        let cached = docs
            .get(&id)
            .ok_or_else(|| refuse("internal", "ticket not loaded".into()))?;
        let seen = at_cut.as_ref().unwrap_or(&cached.ticket);
        let reply = seen.doc().generate_sync_message(&mut state);
        dd.shared = state.shared_heads.clone();
        let reply = reply.filter(|m| !m.changes.is_empty() || !m.need.is_empty());
        answer(exchange, seen, reply, dd, batch, response);
        match first_error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn send(
        &self,
        docs: &mut Locked<'_>,
        exchange: &Exchange<'_>,
        id: &TicketId,
        batch: &mut Batch,
        response: &mut SyncResponse,
    ) -> Result<()> {
        let Exchange { caller, acked, .. } = *exchange;
        if !self.load(docs, id)? {
            return Ok(());
        }
        let dd = self.device_doc(caller, id, acked)?;
        let cached = docs
            .get(id)
            .ok_or_else(|| ServerError::not_found("ticket not loaded"))?;
        let mut shared = cached.ticket.known_heads(&dd.shared);
        shared.sort();
        if shared == cached.ticket.heads() {
            return Ok(());
        }
        let mut state = primed_state(shared, Vec::new());
        let Some(message) = cached.ticket.doc().generate_sync_message(&mut state) else {
            return Ok(());
        };
        if message.changes.is_empty() {
            return Ok(());
        }
        answer(exchange, &cached.ticket, Some(message), dd, batch, response);
        Ok(())
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

    /// Stores `tickets`, new to the server, as received from `user`, in one commit (with the
    /// keys that mark imported rows as imported); returns each one's id and ledger number.
    pub fn store_new(
        &self,
        user: &User,
        tickets: Vec<NewTicket>,
    ) -> Result<Vec<(TicketId, Option<String>)>> {
        again(|| self.store_new_once(user, tickets.clone()))
    }

    /// One attempt at [`Engine::store_new`].
    fn store_new_once(
        &self,
        user: &User,
        tickets: Vec<NewTicket>,
    ) -> Result<Vec<(TicketId, Option<String>)>> {
        if tickets.is_empty() {
            return Ok(Vec::new());
        }
        let now = self.clock.now();
        let slots = self
            .documents
            .slots(tickets.iter().map(|t| t.ticket.id().clone()));
        let mut docs = slots.lock();
        let mut batch = Batch::default();
        let mut stored = Vec::with_capacity(tickets.len());
        for NewTicket {
            mut ticket,
            ledger_number,
            import_key,
        } in tickets
        {
            let id = ticket.id().clone();
            if let Some(number) = &ledger_number {
                ticket.set_actor(self.system_actor.clone());
                ticket.assign_ledger_number(&system_author(), now, number)?;
                // Numbers given later continue after the highest one imported.
                if let Some((year, serial)) = parse_ledger_number(number) {
                    self.storage.note_ledger_serial(year, serial)?;
                }
            }
            docs.put(&id, Cached::new(ticket, 0));
            let merge = Merge {
                before: &[],
                new: true,
                written: None,
            };
            let origin = Origin {
                user: &user.id,
                device: None,
                at: now,
            };
            self.stage(&mut docs, &id, &merge, &origin, &mut batch)?;
            let number = batch
                .docs
                .last()
                .and_then(|d| d.ledger.ledger_number.clone());
            if let Some(key) = import_key {
                batch.imports.push((key, id.clone()));
            }
            stored.push((id, number));
        }
        self.commit(&slots, docs, batch)?;
        Ok(stored)
    }

    /// Registers a ticket at the desk as `user`.
    pub fn register(&self, user: &User, registration: &Registration) -> Result<TicketId> {
        again(|| self.register_once(user, registration))
    }

    /// One attempt at [`Engine::register`].
    fn register_once(&self, user: &User, registration: &Registration) -> Result<TicketId> {
        let now = self.clock.now();
        let id = self.ids.ticket();
        let actor = self.actor_of(user);
        let ticket = Ticket::register(
            id.clone(),
            actor,
            &Author::new(user.id.clone(), user.role),
            now,
            registration,
        )?;
        let slots = self.documents.slots([id.clone()]);
        let mut docs = slots.lock();
        docs.put(&id, Cached::new(ticket, 0));
        let mut batch = Batch::default();
        self.stage(
            &mut docs,
            &id,
            &Merge {
                before: &[],
                new: true,
                written: None,
            },
            &Origin {
                user: &user.id,
                device: None,
                at: now,
            },
            &mut batch,
        )?;
        self.commit(&slots, docs, batch)?;
        Ok(id)
    }

    /// Records `op` on ticket `id` as the office user `user`, under the user's own actor.
    pub fn record(&self, user: &User, id: &TicketId, op: &Operation) -> Result<Applied> {
        again(|| self.record_once(user, id, op))
    }

    /// One attempt at [`Engine::record`].
    fn record_once(&self, user: &User, id: &TicketId, op: &Operation) -> Result<Applied> {
        let now = self.clock.now();
        let slots = self.documents.slots([id.clone()]);
        let mut docs = slots.lock();
        let cached = self.existing(&mut docs, id)?;
        let before = cached.ticket.heads();
        cached.ticket.set_actor(self.actor_of(user));
        let applied = cached
            .ticket
            .apply(&Author::new(user.id.clone(), user.role), now, op);
        cached.ticket.set_actor(self.system_actor.clone());
        let applied = applied?;
        let mut batch = Batch::default();
        if applied.change.is_some() {
            let origin = Origin {
                user: &user.id,
                device: None,
                at: now,
            };
            let merge = Merge {
                before: &before,
                new: false,
                written: None,
            };
            self.stage(&mut docs, id, &merge, &origin, &mut batch)?;
        }
        self.commit(&slots, docs, batch)?;
        Ok(applied)
    }

    /// The loaded ticket `id`, which must exist.
    fn existing<'a>(&self, docs: &'a mut Locked<'_>, id: &TicketId) -> Result<&'a mut Cached> {
        if !self.load(docs, id)? {
            return Err(ServerError::not_found(format!(
                "ticket {id} does not exist"
            )));
        }
        docs.get_mut(id)
            .ok_or_else(|| ServerError::not_found("ticket not loaded"))
    }

    /// Runs `f` on ticket `id`.
    pub fn read<T>(&self, id: &TicketId, f: impl FnOnce(&Ticket) -> T) -> Result<T> {
        let slots = self.documents.slots([id.clone()]);
        let mut docs = slots.lock();
        Ok(f(&self.existing(&mut docs, id)?.ticket))
    }

    /// A ticket as the office sees it: the view, the conflicts and the history with receipt times.
    pub fn ticket_detail(&self, id: &TicketId) -> Result<TicketDetail> {
        let (view, conflicts, history, heads) = self.read(id, |t| -> Result<_> {
            Ok((t.view()?, t.field_conflicts()?, t.history(), t.heads()))
        })??;
        let received = self.storage.received_at(id)?;
        let history = history
            .into_iter()
            .map(|entry| {
                let received_at = entry
                    .hash
                    .parse::<ChangeHash>()
                    .ok()
                    .and_then(|h| received.get(&h).copied());
                HistoryLine { entry, received_at }
            })
            .collect();
        Ok(TicketDetail {
            ticket_id: id.clone(),
            heads: heads.iter().map(ToString::to_string).collect(),
            decision_conflict: view.decisions.conflict(),
            view,
            field_conflicts: conflicts,
            history,
        })
    }

    /// Rewrites every ledger row from its document and from when and from whom the server
    /// received each of its changes, exactly as the live merges wrote it; returns how many.
    pub fn rebuild_ledger(&self) -> Result<usize> {
        let now = self.clock.now();
        let mut rows = Vec::new();
        for id in self.storage.ticket_ids()? {
            let (view, history) =
                self.read(&id, |t| -> Result<_> { Ok((t.view()?, t.history())) })??;
            let received = self.storage.received_at(&id)?;
            let handed_off_received_at = history
                .iter()
                .filter(|h| {
                    h.note
                        .as_ref()
                        .is_some_and(|n| HANDOFF_ACTIONS.contains(&n.action.as_str()))
                })
                .filter_map(|h| {
                    let hash = h.hash.parse::<ChangeHash>().ok()?;
                    received.get(&hash).copied()
                })
                .min();
            let seen = Received {
                received_at: received.values().min().copied().unwrap_or(now),
                created_by: self.storage.first_sender(&id)?,
                handed_off_received_at,
                updated_at: received.values().max().copied().unwrap_or(now),
            };
            rows.push(project(&id, &view, &seen));
        }
        self.storage
            .replace_ledger_rows(&rows, crate::ledger::PROJECTION_VERSION)?;
        Ok(rows.len())
    }
}

/// How many times a write is made in all when it was staged on stale documents (see
/// [`ServerError::Stale`]) before the caller is told to try again later.
const ATTEMPTS: usize = 4;

/// Runs `write` again while it is refused as staged on stale documents, at most [`ATTEMPTS`]
/// times in all. Nothing of a refused attempt was stored and the documents it staged on were
/// dropped from memory, so the next one works on the tickets as stored.
fn again<T>(mut write: impl FnMut() -> Result<T>) -> Result<T> {
    let mut attempt = 1;
    loop {
        match write() {
            Err(ServerError::Stale(why)) if attempt < ATTEMPTS => {
                tracing::debug!(why, attempt, "writing again on the documents as stored");
                attempt += 1;
            }
            outcome => return outcome,
        }
    }
}

/// Adds to the response what the device gets for a ticket: the message, if any (remembering
/// the heads it carries until the device acknowledges this response), the receipt of the
/// server's heads, and the device's new state.
fn answer(
    exchange: &Exchange<'_>,
    ticket: &Ticket,
    message: Option<sync::Message>,
    mut dd: DeviceDoc,
    batch: &mut Batch,
    response: &mut SyncResponse,
) {
    let id = ticket.id();
    if let Some(message) = message {
        if !message.changes.is_empty() {
            dd.sent = Some((ticket.heads(), exchange.response_id));
        }
        response.docs.push(DocMessage {
            ticket_id: id.clone(),
            message: message.encode(),
        });
    }
    response.receipts.push(Receipt {
        ticket_id: id.clone(),
        heads: ticket.heads(),
    });
    batch.device_docs.push(DeviceDocWrite {
        device: exchange.caller.device.id.clone(),
        ticket_id: id.clone(),
        state: dd,
    });
}

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
    pub decision_conflict: Option<fieldledger_core::ticket::decision::DecisionConflict>,
    /// Fields with concurrent values.
    pub field_conflicts: Vec<fieldledger_core::ticket::FieldConflict>,
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

#[cfg(test)]
mod tests {
    use super::year_of;
    use fieldledger_core::Timestamp;

    #[test]
    fn years_of_timestamps() {
        assert_eq!(year_of(Timestamp(0)), 1970);
        assert_eq!(year_of(Timestamp(1_767_225_599_000)), 2025);
        assert_eq!(year_of(Timestamp(1_767_225_600_000)), 2026);
        assert_eq!(year_of(Timestamp(951_782_400_000)), 2000);
    }
}
