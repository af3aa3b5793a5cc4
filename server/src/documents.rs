//! The ticket documents the server holds in memory, each behind its own lock: requests about
//! different tickets merge in parallel, requests about the same ticket take turns.
//!
//! A request locks every ticket it may touch at once, in ticket-id order (so two requests never
//! wait on each other in a circle), and keeps the locks until its writes are queued for the
//! committer. Whoever locks a ticket next therefore queues after it, and the committer writes
//! in queue order: a receipt never covers a change that an earlier, still unwritten batch holds.
//!
//! The cache is never the authority: what is stored is. A request uses a cached document only
//! if it holds the stored heads (the engine checks), and every document write names the heads
//! it was staged on, which the storage checks as it commits. When a commit fails, the documents
//! its batch was staged on may hold changes that were never stored: the cache drops them
//! ([`Documents::forget`]), and a batch staged on a dropped document (it may have answered a
//! device from changes that were never stored) is refused by the committer instead of written.
//!
//! The cache is bounded by the memory its documents take, not by their number: a ticket with a
//! year of work logs weighs as much as hundreds of fresh ones. Each document's weight is
//! estimated from its operations when a request lets go of it ([`Cached::weight`]); past the
//! budget, the least recently used documents that no request holds are dropped.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use automerge::ReadDoc;

use crate::ledger::LedgerRow;
use fieldledger_core::{Ticket, TicketId, TicketView, Timestamp, UserId};

/// A loaded ticket document.
pub struct Cached {
    /// The document.
    pub ticket: Ticket,
    /// Chunks stored since its last snapshot.
    pub chunks: u32,
    /// Batches staged on it and not yet committed.
    pub pending: u32,
    /// When the server first received the ticket and who registered it, once known.
    pub origin: Option<(Timestamp, Option<UserId>)>,
    /// The ledger row last staged for it.
    pub ledger: Option<LedgerRow>,
    /// Its view (without work logs) when last staged: the next merge's events are what changed
    /// since.
    pub view: Option<TicketView>,
}

/// What a loaded document takes beside its operations: the document's own tables, its view
/// and ledger row.
const DOCUMENT_BYTES: usize = 6 * 1024;

/// What one operation of a loaded document takes. Measured on generated ledger tickets
/// (registered, handed off, judged, costed; about 120 operations): 21 KiB a document in memory
/// and 4 KiB for its view.
const OPERATION_BYTES: usize = 160;

/// What a slot without a loaded document takes.
const EMPTY_SLOT_BYTES: usize = 256;

impl Cached {
    /// About how many bytes of memory the document and what is kept with it take.
    pub fn weight(&self) -> usize {
        let ops = usize::try_from(self.ticket.doc().stats().num_ops).unwrap_or(usize::MAX);
        DOCUMENT_BYTES.saturating_add(ops.saturating_mul(OPERATION_BYTES))
    }

    /// A document loaded (or made), with `chunks` stored since its snapshot.
    pub fn new(ticket: Ticket, chunks: u32) -> Self {
        Self {
            ticket,
            chunks,
            pending: 0,
            origin: None,
            ledger: None,
            view: None,
        }
    }
}

/// One ticket's place in the cache: empty until someone loads the document.
#[derive(Default)]
struct Slot {
    document: Mutex<Option<Cached>>,
    /// Whether the cache dropped this slot because a batch staged on it failed: batches staged
    /// on it since are refused.
    dropped: AtomicBool,
}

/// The slots a batch was staged on, for the committer to refuse it when one was dropped
/// before the batch was written.
#[derive(Clone, Default)]
pub struct Staged(Vec<Arc<Slot>>);

impl Staged {
    /// Whether one of the slots was dropped.
    pub fn dropped(&self) -> bool {
        self.0.iter().any(|s| s.dropped.load(Ordering::SeqCst))
    }
}

/// A ticket's slot, when a request last asked for it, and the weight of what it held when the
/// last request let go of it.
struct Entry {
    slot: Arc<Slot>,
    used: u64,
    weight: usize,
}

struct Index {
    slots: HashMap<TicketId, Entry>,
    tick: u64,
    /// The sum of the entries' weights.
    weight: usize,
}

impl Index {
    /// Drops the least recently used entries that no request holds until the weight is at most
    /// `target`.
    fn evict_to(&mut self, target: usize) {
        let mut idle: Vec<(u64, TicketId)> = self
            .slots
            .iter()
            .filter(|(_, e)| Arc::strong_count(&e.slot) == 1)
            .map(|(id, e)| (e.used, id.clone()))
            .collect();
        idle.sort_unstable();
        for (_, id) in idle {
            if self.weight <= target {
                break;
            }
            if let Some(entry) = self.slots.remove(&id) {
                self.weight -= entry.weight;
            }
        }
    }
}

/// The cache of loaded documents.
pub struct Documents {
    index: Mutex<Index>,
    budget: usize,
}

impl Documents {
    /// A cache that keeps about `budget` bytes of documents.
    pub fn new(budget: usize) -> Self {
        Self {
            index: Mutex::new(Index {
                slots: HashMap::new(),
                tick: 0,
                weight: 0,
            }),
            budget,
        }
    }

    fn index(&self) -> MutexGuard<'_, Index> {
        self.index.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The slots of `ids`, ready to be locked together.
    pub fn slots(&self, ids: impl IntoIterator<Item = TicketId>) -> Slots<'_> {
        let mut index = self.index();
        index.tick += 1;
        let tick = index.tick;
        let mut wanted = BTreeMap::new();
        for id in ids {
            let slot = match index.slots.get_mut(&id) {
                Some(entry) => {
                    entry.used = tick;
                    entry.slot.clone()
                }
                None => {
                    let slot = Arc::new(Slot::default());
                    let entry = Entry {
                        slot: slot.clone(),
                        used: tick,
                        weight: EMPTY_SLOT_BYTES,
                    };
                    index.slots.insert(id.clone(), entry);
                    index.weight += EMPTY_SLOT_BYTES;
                    slot
                }
            };
            wanted.insert(id, slot);
        }
        Slots {
            documents: self,
            slots: wanted,
        }
    }

    /// Drops the slots of `staged` (a batch staged on them failed): the next request on one of
    /// their tickets reads it from storage, and batches staged on them are refused.
    pub fn forget(&self, staged: &Staged) {
        let mut index = self.index();
        for slot in &staged.0 {
            slot.dropped.store(true, Ordering::SeqCst);
            let id = index
                .slots
                .iter()
                .find(|(_, e)| Arc::ptr_eq(&e.slot, slot))
                .map(|(id, _)| id.clone());
            if let Some(entry) = id.and_then(|id| index.slots.remove(&id)) {
                index.weight -= entry.weight;
            }
        }
    }

    /// Notes the weights of the documents a request lets go of; past the budget, drops the least
    /// recently used down to three quarters of it, so that eviction runs now and then rather
    /// than on every request.
    fn weigh(&self, weights: &[(&TicketId, usize)]) {
        let mut index = self.index();
        for (id, weight) in weights {
            if let Some(entry) = index.slots.get_mut(*id) {
                let was = std::mem::replace(&mut entry.weight, *weight);
                index.weight = index.weight - was + weight;
            }
        }
        if index.weight > self.budget {
            index.evict_to(self.budget / 4 * 3);
        }
    }

    /// About how many bytes the cached documents take.
    #[cfg(test)]
    fn weight(&self) -> usize {
        self.index().weight
    }
}

/// The slots of the tickets one request may touch.
pub struct Slots<'a> {
    documents: &'a Documents,
    slots: BTreeMap<TicketId, Arc<Slot>>,
}

impl Slots<'_> {
    /// Locks every slot, in ticket-id order.
    pub fn lock(&self) -> Locked<'_> {
        let guards = self
            .slots
            .iter()
            .map(|(id, slot)| {
                let guard = slot.document.lock().unwrap_or_else(|p| {
                    // A request panicked while merging into this document: what it left in
                    // memory cannot be trusted; it is read again from storage.
                    let mut guard = p.into_inner();
                    *guard = None;
                    guard
                });
                (id.clone(), guard)
            })
            .collect();
        Locked {
            guards,
            documents: self.documents,
        }
    }

    /// The slots, as a batch staged on them.
    pub fn staged(&self) -> Staged {
        Staged(self.slots.values().cloned().collect())
    }

    /// Notes that a batch staged on `ids` is committed (or failed): they may be evicted again.
    pub fn release(&self, ids: &[TicketId]) {
        for id in ids {
            if let Some(slot) = self.slots.get(id) {
                let mut guard = slot.document.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(cached) = guard.as_mut() {
                    cached.pending = cached.pending.saturating_sub(1);
                }
            }
        }
    }
}

/// The locked documents of one request.
pub struct Locked<'a> {
    guards: BTreeMap<TicketId, MutexGuard<'a, Option<Cached>>>,
    documents: &'a Documents,
}

impl Drop for Locked<'_> {
    fn drop(&mut self) {
        let weights: Vec<(&TicketId, usize)> = self
            .guards
            .iter()
            .map(|(id, g)| (id, g.as_ref().map_or(EMPTY_SLOT_BYTES, Cached::weight)))
            .collect();
        self.documents.weigh(&weights);
    }
}

impl Locked<'_> {
    /// Whether ticket `id` is loaded.
    #[cfg(test)]
    pub fn is_loaded(&self, id: &TicketId) -> bool {
        self.guards.get(id).is_some_and(|g| g.is_some())
    }

    /// The loaded ticket `id`.
    pub fn get(&self, id: &TicketId) -> Option<&Cached> {
        self.guards.get(id).and_then(|g| g.as_ref())
    }

    /// The loaded ticket `id`, to change.
    pub fn get_mut(&mut self, id: &TicketId) -> Option<&mut Cached> {
        self.guards.get_mut(id)?.as_mut()
    }

    /// Puts ticket `id` (locked by this request) in the cache. Returns `false` when the ticket
    /// was not among those locked.
    pub fn put(&mut self, id: &TicketId, cached: Cached) -> bool {
        let Some(guard) = self.guards.get_mut(id) else {
            return false;
        };
        **guard = Some(cached);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fieldledger_core::ticket::intake::Registration;
    use fieldledger_core::{Author, Role};

    fn ticket(customer: &str) -> Ticket {
        let desk = Author::new("desk.wang".parse().expect("a user id"), Role::ServiceDesk);
        let registration = Registration {
            product_name: "ZN63 vacuum circuit breaker".into(),
            customer_name: customer.into(),
            content: "Breaker trips without fault indication.".into(),
            ..Registration::default()
        };
        Ticket::register(
            TicketId::random(),
            automerge::ActorId::random(),
            &desk,
            Timestamp(1_790_000_000_000),
            &registration,
        )
        .expect("a registered ticket")
    }

    /// Loads `ticket` as a request would, and lets go of it.
    fn load(documents: &Documents, ticket: Ticket) -> TicketId {
        let id = ticket.id().clone();
        let slots = documents.slots([id.clone()]);
        let mut locked = slots.lock();
        assert!(locked.put(&id, Cached::new(ticket, 0)));
        id
    }

    fn is_loaded(documents: &Documents, id: &TicketId) -> bool {
        documents.slots([id.clone()]).lock().is_loaded(id)
    }

    #[test]
    fn the_cache_keeps_to_its_budget_by_dropping_the_least_recently_used() {
        let one = Cached::new(ticket("probe"), 0).weight();
        let documents = Documents::new(4 * one);
        let ids: Vec<TicketId> = (0..12)
            .map(|n| load(&documents, ticket(&format!("Customer {n}"))))
            .collect();
        assert!(
            documents.weight() <= 4 * one,
            "{} > {}",
            documents.weight(),
            4 * one
        );
        assert!(is_loaded(&documents, &ids[11]));
        assert!(!is_loaded(&documents, &ids[0]));
    }

    #[test]
    fn a_document_a_request_holds_is_not_dropped() {
        let one = Cached::new(ticket("probe"), 0).weight();
        let documents = Documents::new(2 * one);
        let held = load(&documents, ticket("Held"));
        let slots = documents.slots([held.clone()]);
        for n in 0..8 {
            load(&documents, ticket(&format!("Customer {n}")));
        }
        assert!(slots.lock().is_loaded(&held));
    }

    #[test]
    fn a_heavier_document_weighs_more() {
        let light = Cached::new(ticket("Light"), 0);
        let mut heavy = ticket("Heavy");
        let desk = Author::new("desk.wang".parse().expect("a user id"), Role::ServiceDesk);
        for n in 0..20 {
            heavy
                .apply(
                    &desk,
                    Timestamp(1_790_000_000_000 + n),
                    &fieldledger_core::Operation::HandOff {
                        person: None,
                        to: vec![Role::Technical],
                        note: format!("note {n}"),
                    },
                )
                .expect("a hand-off");
        }
        assert!(Cached::new(heavy, 0).weight() > light.weight());
    }
}
