//! What the device store keeps for sync with the office server: the enrolment, the change-feed
//! cursor, and per ticket the heads the office has confirmed and the automerge sync state.
//! "What the office has not yet received" is always derived from confirmed heads.

use automerge::sync::{self, Message, SyncDoc};
use automerge::{ActorId, Automerge, ChangeHash};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Store, append_changes, documents, insert_document};
use crate::change_bytes::{Budget, Caps};
use crate::error::{Error, Result, contained};
use crate::id::TicketId;
use crate::rule::Rule;
use crate::section::Section;
use crate::sync::{Incoming, Replica};
use crate::ticket::Ticket;
use crate::time::Timestamp;

/// Where this device syncs and with which token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolment {
    /// The server's base URL, for example `https://service.example.com`.
    pub server_url: String,
    /// The device's bearer token, as printed at enrolment.
    pub token: String,
}

/// How far this device is in step with the office.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncStatus {
    /// When a sync last completed (this device's clock).
    pub last_sync_at: Option<Timestamp>,
    /// When a sync was last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Changes on this device that the office has not confirmed.
    pub unconfirmed_changes: usize,
    /// Tickets with such changes.
    pub unconfirmed_tickets: usize,
    /// Photos and signatures not yet uploaded.
    pub blobs_waiting: usize,
    /// The change-feed position.
    pub cursor: u64,
}

/// A sync state for a peer known to have `shared`: the next message it generates carries every
/// change since then, so that a usual exchange takes one round trip. The server primes its
/// state for a device the same way from what the device is known to hold.
pub fn primed_state(shared: Vec<ChangeHash>, their_need: Vec<ChangeHash>) -> sync::State {
    let mut state = sync::State::new();
    state.their_heads = Some(shared.clone());
    state.their_need = Some(their_need);
    state.their_have = Some(vec![sync::Have {
        last_sync: shared.clone(),
        bloom: sync::BloomFilter::default(),
    }]);
    state.shared_heads = shared;
    state
}

fn decode_state(bytes: Option<Vec<u8>>) -> sync::State {
    bytes
        .and_then(|b| sync::State::decode(&b).ok())
        .unwrap_or_default()
}

struct SyncRow {
    confirmed: Vec<ChangeHash>,
    state: sync::State,
}

fn sync_row(conn: &Connection, id: &TicketId) -> Result<SyncRow> {
    let row = conn
        .prepare_cached("SELECT confirmed_heads, sync_state FROM sync_docs WHERE ticket_id = ?1")?
        .query_row([id.as_str()], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
        })
        .optional()?;
    Ok(match row {
        Some((confirmed, state)) => SyncRow {
            confirmed: documents::decode_heads(&confirmed)?,
            state: decode_state(state),
        },
        None => SyncRow {
            confirmed: Vec::new(),
            state: sync::State::new(),
        },
    })
}

fn save_sync_row(
    conn: &Connection,
    id: &TicketId,
    confirmed: Option<&[ChangeHash]>,
    state: &sync::State,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_docs (ticket_id, confirmed_heads, sync_state) VALUES (?1, coalesce(?2, \
        x''), ?3)
         ON CONFLICT (ticket_id) DO UPDATE SET
             confirmed_heads = coalesce(?2, confirmed_heads), sync_state = ?3",
    )?
    .execute(params![
        id.as_str(),
        confirmed.map(documents::encode_heads),
        state.encode()
    ])?;
    Ok(())
}

impl Store {
    /// Records the server and token this device syncs with.
    pub fn enrol(&self, server_url: &str, token: &str) -> Result<()> {
        let url = server_url.trim().trim_end_matches('/');
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(Error::invalid(
                "server address",
                format!("{url:?} is not an http(s) URL"),
            ));
        }
        if token.trim().is_empty() {
            return Err(Error::broke("token", Rule::Empty, "must not be empty"));
        }
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_meta SET server_url = ?1, token = ?2",
                params![url, token.trim()],
            )?;
            Ok(())
        })
    }

    /// The server and token this device syncs with, once enrolled.
    pub fn enrolment(&self) -> Result<Option<Enrolment>> {
        let (url, token) = self
            .reader()
            .prepare_cached("SELECT server_url, token FROM sync_meta")?
            .query_row([], |r| {
                Ok((
                    r.get::<_, Option<String>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                ))
            })?;
        Ok(url
            .zip(token)
            .map(|(server_url, token)| Enrolment { server_url, token }))
    }

    /// The change-feed position this device has reached.
    pub fn cursor(&self) -> Result<u64> {
        Ok(self
            .reader()
            .prepare_cached("SELECT cursor FROM sync_meta")?
            .query_row([], |r| r.get(0))?)
    }

    /// Records that a sync failed, and why.
    pub(crate) fn record_sync_failure(&self, error: &str) -> Result<()> {
        let now = self.options.clock.now().millis();
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_meta SET last_attempt_at = ?1, last_error = ?2",
                params![now, error],
            )?;
            Ok(())
        })
    }

    /// The heads of ticket `id` that the office confirmed holding durably (its last receipt).
    pub fn confirmed_heads(&self, id: &TicketId) -> Result<Vec<ChangeHash>> {
        Ok(sync_row(&self.reader(), id)?.confirmed)
    }

    /// Changes of ticket `id` that the office has not confirmed.
    pub fn unconfirmed_changes(&self, id: &TicketId) -> Result<usize> {
        let mut guard = self.writer();
        let w = &mut *guard;
        let confirmed = sync_row(&w.conn, id)?.confirmed;
        let ticket = w.cache.get_or_load(&w.conn, id, &self.actor)?;
        Ok(ticket.changes_beyond(&confirmed))
    }

    /// Marks a blob as uploaded to the office.
    pub fn mark_blob_uploaded(&self, sha256: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("UPDATE blobs SET uploaded = 1 WHERE sha256 = ?1", [sha256])?;
            Ok(())
        })
    }

    /// How far this device is in step with the office.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        let (last_sync_at, last_attempt_at, last_error, cursor) = self
            .reader()
            .prepare_cached(
                "SELECT last_sync_at, last_attempt_at, last_error, cursor FROM sync_meta",
            )?
            .query_row([], |r| {
                Ok((
                    r.get::<_, Option<i64>>(0)?,
                    r.get::<_, Option<i64>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, u64>(3)?,
                ))
            })?;
        let mut status = SyncStatus {
            last_sync_at: last_sync_at.map(Timestamp),
            last_attempt_at: last_attempt_at.map(Timestamp),
            last_error,
            cursor,
            blobs_waiting: self.pending_blobs()?.len(),
            ..SyncStatus::default()
        };
        for id in self.tickets_with_unconfirmed_heads()? {
            let changes = self.unconfirmed_changes(&id)?;
            if changes > 0 {
                status.unconfirmed_tickets += 1;
                status.unconfirmed_changes += changes;
            }
        }
        Ok(status)
    }
}

impl Replica for Store {
    fn actor_id(&self) -> &ActorId {
        Store::actor_id(self)
    }

    fn cursor(&self) -> Result<u64> {
        Store::cursor(self)
    }

    fn last_response(&self) -> Result<u64> {
        Ok(self
            .reader()
            .prepare_cached("SELECT last_response FROM sync_meta")?
            .query_row([], |r| r.get(0))?)
    }

    fn finish_response(&self, cursor: u64, response: u64) -> Result<()> {
        let now = self.options.clock.now().millis();
        self.write(|tx| {
            tx.prepare_cached(
                "UPDATE sync_meta SET cursor = ?1, last_response = ?2, last_sync_at = ?3,
                     last_attempt_at = ?3, last_error = NULL",
            )?
            .execute(params![cursor, response, now])?;
            Ok(())
        })
    }

    fn tickets_with_unconfirmed_heads(&self) -> Result<Vec<TicketId>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT d.ticket_id FROM documents d LEFT JOIN sync_docs s ON s.ticket_id = d.ticket_id
             WHERE s.ticket_id IS NULL OR s.confirmed_heads != d.heads ORDER BY d.ticket_id",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.map(|id| {
            id?.parse()
                .map_err(|_| Error::Corrupt("unreadable ticket id".into()))
        })
        .collect()
    }

    fn outgoing_message(
        &self,
        id: &TicketId,
        their_need: &[ChangeHash],
    ) -> Result<Option<Vec<u8>>> {
        let mut guard = self.writer();
        let w = &mut *guard;
        let row = sync_row(&w.conn, id)?;
        let ticket = w.cache.get_or_load(&w.conn, id, &self.actor)?;
        Ok(outgoing_message_for(
            ticket,
            &row.state.shared_heads,
            &row.confirmed,
            their_need,
        ))
    }

    fn apply_incoming(&self, id: &TicketId, message: Message) -> Result<Incoming> {
        let at = self.options.clock.now();
        let mut guard = self.writer();
        let w = &mut *guard;
        let mut state = sync_row(&w.conn, id)?.state;
        let known = match w.cache.get_or_load(&w.conn, id, &self.actor) {
            Ok(_) => true,
            Err(Error::UnknownTicket(_)) => false,
            Err(e) => return Err(e),
        };
        if !known {
            let (ticket, incoming) = receive_new(id, &self.actor, &mut state, message)?;
            if let Some(ticket) = ticket {
                let tx = w.conn.transaction()?;
                insert_document(&tx, &ticket, at)?;
                save_sync_row(&tx, id, None, &state)?;
                tx.commit()?;
                w.cache.insert(ticket);
            }
            return Ok(incoming);
        }
        let ticket = w.cache.get_or_load(&w.conn, id, &self.actor)?;
        let before = ticket.heads();
        let outcome = (|| -> Result<Incoming> {
            let incoming = receive(ticket, &mut state, message)?;
            let tx = w.conn.transaction()?;
            if incoming.changed {
                append_changes(&tx, ticket, &before, at, self.options.compact_after_chunks)?;
            }
            save_sync_row(&tx, id, None, &state)?;
            tx.commit()?;
            Ok(incoming)
        })();
        if outcome.is_err() {
            w.cache.remove(id);
        }
        outcome
    }

    fn confirm(&self, receipts: &[(TicketId, Vec<ChangeHash>)]) -> Result<()> {
        let mut guard = self.writer();
        let w = &mut *guard;
        let mut known = Vec::with_capacity(receipts.len());
        for (id, heads) in receipts {
            match w.cache.get_or_load(&w.conn, id, &self.actor) {
                Ok(ticket) => known.push((id, heads, ticket.known_heads(heads))),
                Err(Error::UnknownTicket(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let tx = w.conn.transaction()?;
        for (id, heads, have) in known {
            let mut state = sync::State::new();
            state.shared_heads = have;
            save_sync_row(&tx, id, Some(heads), &state)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn drop_if_confirmed(&self, id: &TicketId) -> Result<bool> {
        match self.unconfirmed_changes(id) {
            Ok(0) => {}
            Ok(_) | Err(Error::UnknownTicket(_)) => return Ok(false),
            Err(e) => return Err(e),
        }
        let mut guard = self.writer();
        let w = &mut *guard;
        let tx = w.conn.transaction()?;
        documents::delete(&tx, id)?;
        tx.commit()?;
        w.cache.remove(id);
        Ok(true)
    }

    fn record_ticket_error(&self, id: &TicketId, error: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE sync_docs SET last_error = ?2 WHERE ticket_id = ?1",
                params![id.as_str(), error],
            )?;
            Ok(())
        })
    }
}

/// The sync message about `ticket` carrying every change beyond what the server is known to
/// hold (`shared`, from the sync state, and `confirmed`, from receipts) and the changes it asked
/// for, and asking for the confirmed changes this device lacks; `None` when there is nothing to
/// send, nothing to ask and nothing was asked.
pub fn outgoing_message_for(
    ticket: &Ticket,
    shared: &[ChangeHash],
    confirmed: &[ChangeHash],
    their_need: &[ChangeHash],
) -> Option<Vec<u8>> {
    let mut known = ticket.known_heads(shared);
    known.extend(ticket.known_heads(confirmed));
    known.sort();
    known.dedup();
    let lacking: Vec<ChangeHash> = confirmed
        .iter()
        .filter(|h| !known.contains(h))
        .copied()
        .collect();
    if their_need.is_empty() && lacking.is_empty() && ticket.changes_beyond(confirmed) == 0 {
        return None;
    }
    let mut state = primed_state(known.clone(), their_need.to_vec());
    // Heads the office holds that this document lacks become the message's `need`.
    state.their_heads = Some(known.into_iter().chain(lacking).collect());
    ticket
        .doc()
        .generate_sync_message(&mut state)
        .map(|m| m.encode())
}

/// What a device takes from the server in one message: far more than any ticket holds, less
/// than would exhaust a phone.
const FROM_SERVER: Caps = Caps {
    change: 64 << 20,
    message: 256 << 20,
    request: 256 << 20,
    ops: 1_000_000,
    message_ops: 10_000_000,
};

/// Applies `message` to `doc` with the sync `state`, once its changes have passed the checks
/// that keep automerge from panicking or inflating without bound ([`Budget::check`]).
fn apply(doc: &mut Automerge, state: &mut sync::State, message: Message) -> Result<()> {
    Budget::new(FROM_SERVER)
        .check(message.changes.iter())
        .map_err(|refused| Error::invalid("sync message", refused.to_string()))?;
    contained("sync message", || {
        Ok(doc.receive_sync_message(state, message)?)
    })
}

/// Applies the server's `message` to the device's copy of `ticket` with the sync `state`.
pub fn receive(ticket: &mut Ticket, state: &mut sync::State, message: Message) -> Result<Incoming> {
    let before = ticket.heads();
    apply(ticket.doc_mut(), state, message)?;
    Ok(Incoming {
        changed: ticket.heads() != before,
        new_ticket: false,
        needs_reply: asked(state),
        incomplete: !automerge::ReadDoc::get_missing_deps(ticket.doc(), &[]).is_empty(),
    })
}

/// Applies the server's `message` about ticket `id`, new to this device (whose actor is
/// `actor`), with the sync `state`. Returns the ticket once the message has made it whole.
pub fn receive_new(
    id: &TicketId,
    actor: &ActorId,
    state: &mut sync::State,
    message: Message,
) -> Result<(Option<Ticket>, Incoming)> {
    let mut ticket = Ticket::from_doc(id.clone(), Automerge::new().with_actor(actor.clone()));
    apply(ticket.doc_mut(), state, message)?;
    let named = ticket.view_sections(&[Section::Meta])?.meta.ticket_id;
    let whole = named.as_ref() == Some(id);
    let incoming = Incoming {
        changed: whole,
        new_ticket: whole,
        needs_reply: asked(state),
        incomplete: !whole,
    };
    Ok((whole.then_some(ticket), incoming))
}

/// Whether the server's message asked for specific changes.
fn asked(state: &sync::State) -> bool {
    state.their_need.as_ref().is_some_and(|n| !n.is_empty())
}

/// A sync message that says "I hold nothing of this ticket": the server answers with all of it.
pub(crate) fn reset_message() -> Vec<u8> {
    let mut state = sync::State::new();
    Automerge::new()
        .generate_sync_message(&mut state)
        .map(|m| m.encode())
        .unwrap_or_default()
}
