//! The ticket documents the server holds in memory, each behind its own lock: requests about
//! different tickets merge in parallel, requests about the same ticket take turns.
//!
//! A request locks every ticket it may touch at once, in ticket-id order (so two requests never
//! wait on each other in a circle), and keeps the locks until its writes are queued for the
//! committer. Whoever locks a ticket next therefore queues after it, and the committer writes
//! in queue order: a receipt never covers a change that an earlier, still unwritten batch holds.
//!
//! When a commit fails, the documents in memory may hold changes that were never stored. The
//! cache then forgets every document and starts a new *generation*; a batch staged on documents
//! of an older generation is refused by the committer instead of being written.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use fieldledger_core::ticket::SectionMap;

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
    /// The generation it was loaded in.
    pub born: u64,
    /// When the server first received the ticket and who registered it, once known.
    pub origin: Option<(Timestamp, Option<UserId>)>,
    /// Where the document's objects lie, once an admission needed it.
    pub sections: Option<SectionMap>,
    /// The ledger row last staged for it.
    pub ledger: Option<LedgerRow>,
    /// Its view (without work logs) when last staged: the next merge's events are what changed
    /// since.
    pub view: Option<TicketView>,
}

impl Cached {
    /// A document loaded (or made) in generation `born`.
    pub fn new(ticket: Ticket, chunks: u32, born: u64) -> Self {
        Self {
            ticket,
            chunks,
            pending: 0,
            born,
            origin: None,
            sections: None,
            ledger: None,
            view: None,
        }
    }
}

/// One ticket's place in the cache: empty until someone loads the document.
type Slot = Arc<Mutex<Option<Cached>>>;

struct Index {
    slots: HashMap<TicketId, (Slot, u64)>,
    tick: u64,
}

/// The cache of loaded documents.
pub struct Documents {
    index: Mutex<Index>,
    generation: AtomicU64,
    capacity: usize,
}

impl Documents {
    /// A cache that keeps about `capacity` documents.
    pub fn new(capacity: usize) -> Self {
        Self {
            index: Mutex::new(Index {
                slots: HashMap::new(),
                tick: 0,
            }),
            generation: AtomicU64::new(0),
            capacity,
        }
    }

    /// The current generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
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
                Some((slot, used)) => {
                    *used = tick;
                    slot.clone()
                }
                None => {
                    let slot = Slot::default();
                    index.slots.insert(id.clone(), (slot.clone(), tick));
                    slot
                }
            };
            wanted.insert(id, slot);
        }
        if index.slots.len() > self.capacity {
            evict(&mut index, self.capacity / 4 + 1);
        }
        Slots {
            documents: self,
            slots: wanted,
        }
    }

    /// Forgets every loaded document and starts a new generation.
    pub fn invalidate(&self) {
        let mut index = self.index();
        index.slots.clear();
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
}

/// Drops up to `count` of the least recently used documents that no request holds.
fn evict(index: &mut Index, count: usize) {
    let mut idle: Vec<(u64, TicketId)> = index
        .slots
        .iter()
        .filter(|(_, (slot, _))| Arc::strong_count(slot) == 1)
        .map(|(id, (_, used))| (*used, id.clone()))
        .collect();
    idle.sort_unstable();
    for (_, id) in idle.into_iter().take(count) {
        index.slots.remove(&id);
    }
}

/// The slots of the tickets one request may touch.
pub struct Slots<'a> {
    documents: &'a Documents,
    slots: BTreeMap<TicketId, Slot>,
}

impl Slots<'_> {
    /// Locks every slot, in ticket-id order.
    pub fn lock(&self) -> Locked<'_> {
        let mut poisoned = false;
        let guards = self
            .slots
            .iter()
            .map(|(id, slot)| {
                let guard = slot.lock().unwrap_or_else(|p| {
                    // A request panicked while merging into this document: what it left in
                    // memory cannot be trusted, nor can batches staged on it.
                    poisoned = true;
                    let mut guard = p.into_inner();
                    *guard = None;
                    guard
                });
                (id.clone(), guard)
            })
            .collect();
        if poisoned {
            self.documents.invalidate();
        }
        Locked {
            guards,
            generation: self.documents.generation(),
        }
    }

    /// Notes that a batch staged on `ids` is committed (or failed): they may be evicted again.
    pub fn release(&self, ids: &[TicketId]) {
        for id in ids {
            if let Some(slot) = self.slots.get(id) {
                let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
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
    generation: u64,
}

impl Locked<'_> {
    /// Whether ticket `id` is loaded.
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

    /// The generation a batch built on these documents belongs to: that of the oldest loaded
    /// document (or the current one when none is loaded).
    pub fn generation(&self) -> u64 {
        self.guards
            .values()
            .filter_map(|g| g.as_ref().map(|c| c.born))
            .min()
            .unwrap_or(self.generation)
    }
}
