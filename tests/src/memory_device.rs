//! A technician's device held in memory: its tickets are automerge documents in memory and it
//! syncs through the same [`SyncSession`](fieldledger_core::sync::SyncSession) as the device
//! store, so that load tests put their weight on the server rather than on device databases.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use automerge::sync::{self, Message};
use automerge::{ActorId, ChangeHash};
use fieldledger_core::store::sync_state::{outgoing_message_for, receive, receive_new};
use fieldledger_core::sync::{Incoming, Replica};
use fieldledger_core::ticket::Applied;
use fieldledger_core::ticket::intake::Registration;
use fieldledger_core::{Author, Clock, Error, Operation, Result, SystemClock, Ticket, TicketId};

/// A device that keeps everything in memory.
#[derive(Debug)]
pub struct MemoryDevice {
    actor: ActorId,
    author: Author,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tickets: BTreeMap<TicketId, Held>,
    errors: BTreeMap<TicketId, String>,
    cursor: u64,
    last_response: u64,
}

/// A ticket on the device, with what the office confirmed of it.
#[derive(Debug)]
struct Held {
    ticket: Ticket,
    confirmed: Vec<ChangeHash>,
    sync: sync::State,
}

impl Held {
    fn new(ticket: Ticket) -> Self {
        Self {
            ticket,
            confirmed: Vec::new(),
            sync: sync::State::new(),
        }
    }
}

impl MemoryDevice {
    /// A new device used by `author`.
    pub fn new(author: Author) -> Self {
        Self {
            actor: ActorId::random(),
            author,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on ticket `id` as held.
    fn with_held<T>(&self, id: &TicketId, f: impl FnOnce(&Held) -> T) -> Result<T> {
        let state = self.state();
        let held = state
            .tickets
            .get(id)
            .ok_or_else(|| Error::UnknownTicket(id.clone()))?;
        Ok(f(held))
    }

    /// Registers a ticket on the device.
    pub fn register(&self, registration: &Registration) -> Result<TicketId> {
        let id = TicketId::random();
        let ticket = Ticket::register(
            id.clone(),
            self.actor.clone(),
            &self.author,
            SystemClock.now(),
            registration,
        )?;
        self.state().tickets.insert(id.clone(), Held::new(ticket));
        Ok(id)
    }

    /// Records `op` on ticket `id`.
    pub fn record(&self, id: &TicketId, op: &Operation) -> Result<Applied> {
        let mut state = self.state();
        let held = state
            .tickets
            .get_mut(id)
            .ok_or_else(|| Error::UnknownTicket(id.clone()))?;
        held.ticket.apply(&self.author, SystemClock.now(), op)
    }

    /// The tickets on the device.
    pub fn tickets(&self) -> Vec<TicketId> {
        self.state().tickets.keys().cloned().collect()
    }

    /// The heads of ticket `id`.
    pub fn heads(&self, id: &TicketId) -> Result<Vec<ChangeHash>> {
        self.with_held(id, |held| held.ticket.heads())
    }

    /// Ticket `id` as a whole document (automerge's saved format).
    pub fn save(&self, id: &TicketId) -> Result<Vec<u8>> {
        self.with_held(id, |held| held.ticket.save())
    }

    /// The changes of ticket `id` that a peer holding `heads` lacks (automerge's incremental
    /// format).
    pub fn changes_since(&self, id: &TicketId, heads: &[ChangeHash]) -> Result<Vec<u8>> {
        self.with_held(id, |held| held.ticket.changes_since(heads))
    }

    /// Why the office last refused (part of) ticket `id`, if it did.
    pub fn ticket_error(&self, id: &TicketId) -> Option<String> {
        self.state().errors.get(id).cloned()
    }

    /// Changes of ticket `id` that the office has not confirmed.
    pub fn unconfirmed_changes(&self, id: &TicketId) -> Result<usize> {
        self.with_held(id, |held| held.ticket.changes_beyond(&held.confirmed))
    }
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}

impl Replica for MemoryDevice {
    fn actor_id(&self) -> &ActorId {
        &self.actor
    }

    fn cursor(&self) -> Result<u64> {
        Ok(self.state().cursor)
    }

    fn last_response(&self) -> Result<u64> {
        Ok(self.state().last_response)
    }

    fn finish_response(&self, cursor: u64, response: u64) -> Result<()> {
        let mut state = self.state();
        state.cursor = cursor;
        state.last_response = response;
        Ok(())
    }

    fn tickets_with_unconfirmed_heads(&self) -> Result<Vec<TicketId>> {
        Ok(self
            .state()
            .tickets
            .iter()
            .filter(|(_, h)| sorted(h.ticket.heads()) != h.confirmed)
            .map(|(id, _)| id.clone())
            .collect())
    }

    fn outgoing_message(
        &self,
        id: &TicketId,
        their_need: &[ChangeHash],
    ) -> Result<Option<Vec<u8>>> {
        self.with_held(id, |held| {
            outgoing_message_for(
                &held.ticket,
                &held.sync.shared_heads,
                &held.confirmed,
                their_need,
            )
        })
    }

    fn apply_incoming(&self, id: &TicketId, message: Message) -> Result<Incoming> {
        let mut state = self.state();
        if let Some(held) = state.tickets.get_mut(id) {
            return receive(&mut held.ticket, &mut held.sync, message);
        }
        let mut sync = sync::State::new();
        let (ticket, incoming) = receive_new(id, &self.actor, &mut sync, message)?;
        if let Some(ticket) = ticket {
            state.tickets.insert(
                id.clone(),
                Held {
                    ticket,
                    confirmed: Vec::new(),
                    sync,
                },
            );
        }
        Ok(incoming)
    }

    fn confirm(&self, receipts: &[(TicketId, Vec<ChangeHash>)]) -> Result<()> {
        let mut state = self.state();
        for (id, heads) in receipts {
            let Some(held) = state.tickets.get_mut(id) else {
                continue;
            };
            held.sync = sync::State::new();
            held.sync.shared_heads = held.ticket.known_heads(heads);
            // Kept sorted, so that finding the unconfirmed tickets compares without copying.
            held.confirmed = sorted(heads.clone());
        }
        Ok(())
    }

    fn drop_if_confirmed(&self, id: &TicketId) -> Result<bool> {
        let mut state = self.state();
        let confirmed = state
            .tickets
            .get(id)
            .is_some_and(|h| h.ticket.changes_beyond(&h.confirmed) == 0);
        if confirmed {
            state.tickets.remove(id);
        }
        Ok(confirmed)
    }

    fn record_ticket_error(&self, id: &TicketId, error: &str) -> Result<()> {
        self.state().errors.insert(id.clone(), error.to_owned());
        Ok(())
    }
}
