//! The documents a store keeps loaded, least recently used first out.

use std::collections::HashMap;

use automerge::ActorId;
use rusqlite::Connection;

use super::documents;
use crate::error::Result;
use crate::id::TicketId;
use crate::ticket::Ticket;

/// A bounded set of loaded tickets.
pub(crate) struct TicketCache {
    capacity: usize,
    tick: u64,
    tickets: HashMap<TicketId, (u64, Ticket)>,
}

impl TicketCache {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            tick: 0,
            tickets: HashMap::new(),
        }
    }

    /// The ticket `id`, loaded from `conn` if it is not in memory.
    pub(crate) fn get_or_load(
        &mut self,
        conn: &Connection,
        id: &TicketId,
        actor: &ActorId,
    ) -> Result<&mut Ticket> {
        self.tick += 1;
        if !self.tickets.contains_key(id) {
            let ticket = documents::load(conn, id, actor)?;
            self.make_room();
            self.tickets.insert(id.clone(), (self.tick, ticket));
        }
        let tick = self.tick;
        let (used, ticket) = self
            .tickets
            .get_mut(id)
            .ok_or_else(|| crate::error::Error::UnknownTicket(id.clone()))?;
        *used = tick;
        Ok(ticket)
    }

    pub(crate) fn insert(&mut self, ticket: Ticket) {
        self.tick += 1;
        self.make_room();
        self.tickets
            .insert(ticket.id().clone(), (self.tick, ticket));
    }

    pub(crate) fn remove(&mut self, id: &TicketId) {
        self.tickets.remove(id);
    }

    pub(crate) fn clear(&mut self) {
        self.tickets.clear();
    }

    fn make_room(&mut self) {
        while self.tickets.len() >= self.capacity {
            let oldest = self
                .tickets
                .iter()
                .min_by_key(|(_, (used, _))| *used)
                .map(|(id, _)| id.clone());
            match oldest {
                Some(id) => self.tickets.remove(&id),
                None => break,
            };
        }
    }
}
