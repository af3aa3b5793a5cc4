//! Sync with the office server, without I/O: a [`SyncSession`] turns the device store's state
//! into [`SyncRequest`]s and applies [`SyncResponse`]s; a [`Transport`] moves the bytes.
//! [`sync`] drives a session over a transport until neither side has anything to send, then
//! uploads the blobs that are waiting.

use std::collections::{BTreeMap, BTreeSet};

use automerge::sync::Message;
use automerge::{ActorId, ChangeHash};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::TicketId;
use crate::protocol::{DocCode, DocError, DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use crate::store::Store;
use crate::store::sync_state::reset_message;

/// The most request rounds one sync makes; a sync that needs more stops and reports it.
pub const MAX_ROUNDS: u32 = 32;

/// The most documents one request carries; more go in the next round.
pub const DOCS_PER_REQUEST: usize = 100;

/// What a ticket's exchange still needs from this device.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reply {
    /// The server asked for these changes.
    Need(Vec<ChangeHash>),
    /// The server's idea of what this device holds is wrong: start the ticket over.
    Reset,
}

/// What applying one server message to a ticket did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Incoming {
    /// New changes arrived.
    pub changed: bool,
    /// The ticket was new to this device.
    pub new_ticket: bool,
    /// The server asked for changes.
    pub needs_reply: bool,
    /// Some changes cannot be applied yet (their dependencies are missing): the server's idea of
    /// what this device holds is wrong, and the ticket must be resent from the start.
    pub incomplete: bool,
}

/// The device side of sync: what a [`SyncSession`] reads and records. The device [`Store`] is
/// the replica that apps use; load generators and simulations may hold one in memory.
pub trait Replica: std::fmt::Debug {
    /// The automerge actor of this device's changes.
    fn actor_id(&self) -> &ActorId;
    /// The change-feed position this device has reached.
    fn cursor(&self) -> Result<u64>;
    /// The id of the last server response this device processed whole.
    fn last_response(&self) -> Result<u64>;
    /// Records, once a response is processed whole, its feed position and its id, and that the
    /// office was reached.
    fn finish_response(&self, cursor: u64, response: u64) -> Result<()>;
    /// Tickets whose heads differ from what the office confirmed: they may hold changes to send,
    /// or lack changes the office confirmed holding.
    fn tickets_with_unconfirmed_heads(&self) -> Result<Vec<TicketId>>;
    /// The sync message for ticket `id` carrying every change the office may lack (and any it
    /// asked for) and asking for the confirmed changes this device lacks, or `None` when there
    /// is nothing to send, nothing to ask and nothing was asked.
    fn outgoing_message(&self, id: &TicketId, their_need: &[ChangeHash])
    -> Result<Option<Vec<u8>>>;
    /// Applies a sync message from the server to ticket `id`, at once; a ticket new to this
    /// device is kept once the message has made it a whole ticket.
    fn apply_incoming(&self, id: &TicketId, message: Message) -> Result<Incoming>;
    /// Records that the office durably holds the given heads of each ticket. A receipt may name
    /// changes this device does not have (the server judges what the device holds from a bloom
    /// filter, which can be wrong, and an answer can be lost on the way): they are kept as
    /// confirmed all the same, so that every sync asks for them until they arrive.
    fn confirm(&self, receipts: &[(TicketId, Vec<ChangeHash>)]) -> Result<()>;
    /// Drops ticket `id` from this device once the office has everything this device wrote to
    /// it; returns whether it was dropped.
    fn drop_if_confirmed(&self, id: &TicketId) -> Result<bool>;
    /// Remembers why the office refused (part of) ticket `id` in the last sync.
    fn record_ticket_error(&self, id: &TicketId, error: &str) -> Result<()>;
}

/// Moves sync bodies and blobs to the office server and back.
pub trait Transport {
    /// Sends an encoded [`SyncRequest`] to `POST /v1/sync`; returns the encoded response.
    fn sync(&self, request: Vec<u8>) -> Result<Vec<u8>>;
    /// How many bytes of the blob the server holds: `None` when it has the whole blob.
    fn blob_offset(&self, sha256: &str) -> Result<Option<u64>>;
    /// Sends `bytes` of the blob, starting at `offset`, of a blob of `total` bytes.
    fn upload_blob(&self, sha256: &str, offset: u64, total: u64, bytes: &[u8]) -> Result<()>;
}

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    /// Request rounds made.
    pub rounds: u32,
    /// Tickets that received changes from the office.
    pub tickets_received: usize,
    /// Tickets new to this device.
    pub tickets_new: usize,
    /// Receipts received, one per ticket and round: each ticket this device sent or received
    /// in a round comes with the heads the office holds durably. A ticket exchanged in two
    /// rounds counts twice.
    pub tickets_confirmed: usize,
    /// Tickets dropped because this device may no longer read them.
    pub tickets_dropped: usize,
    /// Blobs uploaded.
    pub blobs_uploaded: usize,
    /// Documents the office refused, wholly or in part.
    pub errors: Vec<DocError>,
    /// Bytes sent in sync requests.
    pub bytes_sent: u64,
    /// Bytes received in sync responses.
    pub bytes_received: u64,
    /// Whether the session stopped at [`MAX_ROUNDS`] with work left.
    pub incomplete: bool,
}

/// One sync exchange in progress: which tickets still have something to say.
#[derive(Debug)]
pub struct SyncSession<'a> {
    store: &'a dyn Replica,
    started: bool,
    more: bool,
    /// Tickets the office refused in this session: not sent again until the next sync.
    refused: BTreeSet<TicketId>,
    /// Tickets whose exchange is not finished, and what they need.
    replies: BTreeMap<TicketId, Reply>,
    report: SyncReport,
}

impl<'a> SyncSession<'a> {
    /// A session over `store`.
    pub fn new(store: &'a dyn Replica) -> Self {
        Self {
            store,
            started: false,
            more: false,
            refused: BTreeSet::new(),
            replies: BTreeMap::new(),
            report: SyncReport::default(),
        }
    }

    /// The next request, or `None` when the exchange is complete. The first request is always
    /// made, to learn what changed on the server.
    pub fn next_request(&mut self) -> Result<Option<SyncRequest>> {
        if self.report.rounds >= MAX_ROUNDS {
            self.report.incomplete = true;
            return Ok(None);
        }
        let mut docs = Vec::new();
        let mut candidates: BTreeSet<TicketId> = self
            .store
            .tickets_with_unconfirmed_heads()?
            .into_iter()
            .collect();
        candidates.extend(self.replies.keys().cloned());
        let mut deferred = BTreeMap::new();
        for id in candidates.difference(&self.refused) {
            let reply = self.replies.remove(id);
            if docs.len() >= DOCS_PER_REQUEST {
                if let Some(reply) = reply {
                    deferred.insert(id.clone(), reply);
                }
                continue;
            }
            let message = match reply {
                Some(Reply::Reset) => Some(reset_message()),
                Some(Reply::Need(need)) => held(self.store.outgoing_message(id, &need))?,
                None => held(self.store.outgoing_message(id, &[]))?,
            };
            if let Some(message) = message {
                docs.push(DocMessage {
                    ticket_id: id.clone(),
                    message,
                });
            }
        }
        self.replies = deferred;
        if self.started && docs.is_empty() && !self.more {
            return Ok(None);
        }
        self.started = true;
        self.report.rounds += 1;
        Ok(Some(SyncRequest {
            version: PROTOCOL_VERSION,
            cursor: self.store.cursor()?,
            ack: self.store.last_response()?,
            docs,
            actors: vec![serde_bytes::ByteBuf::from(
                self.store.actor_id().to_bytes().to_vec(),
            )],
        }))
    }

    /// Applies the server's answer: incoming changes (one transaction per ticket), receipts,
    /// refusals, tickets to drop, and last the new cursor.
    pub fn handle_response(&mut self, response: SyncResponse) -> Result<()> {
        if response.version != PROTOCOL_VERSION {
            return Err(Error::Rejected {
                status: 200,
                code: "unsupported_version".into(),
                message: format!("the server speaks protocol version {}", response.version),
            });
        }
        // A ticket this response could not deliver whole is asked for in the next round. Should
        // that round fail, the feed must list the ticket again and the server must not think it
        // delivered: the cursor and the acknowledgement stay where they were.
        let mut undelivered = false;
        for doc in response.docs {
            let message = Message::decode(&doc.message).map_err(|e| {
                Error::invalid("sync message", format!("for ticket {}: {e}", doc.ticket_id))
            })?;
            let need = message.need.clone();
            let incoming = self.store.apply_incoming(&doc.ticket_id, message)?;
            self.report.tickets_received += usize::from(incoming.changed);
            self.report.tickets_new += usize::from(incoming.new_ticket);
            if incoming.incomplete {
                undelivered = true;
                self.replies.insert(doc.ticket_id, Reply::Reset);
            } else if incoming.needs_reply {
                self.replies.insert(doc.ticket_id, Reply::Need(need));
            }
        }
        // A receipt naming changes this device lacks makes its ticket ask for them from the
        // next round on, in this sync or a later one: the store keeps what the office confirmed.
        let receipts: Vec<_> = response
            .receipts
            .into_iter()
            .map(|r| (r.ticket_id, r.heads))
            .collect();
        self.store.confirm(&receipts)?;
        self.report.tickets_confirmed += receipts.len();
        for error in response.errors {
            self.store
                .record_ticket_error(&error.ticket_id, &error.message)?;
            // Missing dependencies are asked for in the server's message; anything else is
            // not retried in this sync.
            if error.code != DocCode::MissingDependencies {
                self.refused.insert(error.ticket_id.clone());
            }
            self.report.errors.push(error);
        }
        for id in &response.dropped {
            if self.store.drop_if_confirmed(id)? {
                self.replies.remove(id);
                self.report.tickets_dropped += 1;
            }
        }
        let (cursor, id) = if undelivered {
            (self.store.cursor()?, self.store.last_response()?)
        } else {
            (response.cursor, response.id)
        };
        self.store.finish_response(cursor, id)?;
        self.more = response.more;
        Ok(())
    }

    /// What the session did.
    pub fn finish(self) -> SyncReport {
        self.report
    }
}

/// A message about a ticket the device may have dropped meanwhile: nothing to say about it.
fn held(message: Result<Option<Vec<u8>>>) -> Result<Option<Vec<u8>>> {
    match message {
        Err(Error::UnknownTicket(_)) => Ok(None),
        other => other,
    }
}

/// Syncs `store` with the office over `transport` until neither side has anything to send,
/// then uploads waiting blobs. Each step is safe to interrupt and repeat.
pub fn sync(store: &Store, transport: &dyn Transport) -> Result<SyncReport> {
    // Each response processed whole records a successful contact; a failure is recorded here.
    run(store, transport).or_else(|e| {
        store.record_sync_failure(&e.to_string())?;
        Err(e)
    })
}

fn run(store: &Store, transport: &dyn Transport) -> Result<SyncReport> {
    let mut report = exchange(store, transport)?;
    report.blobs_uploaded = upload_blobs(store, transport)?;
    Ok(report)
}

/// Exchanges documents between `replica` and the office over `transport` until neither side
/// has anything to send (or [`MAX_ROUNDS`] is reached); blobs are left to [`sync`].
pub fn exchange(replica: &dyn Replica, transport: &dyn Transport) -> Result<SyncReport> {
    let mut session = SyncSession::new(replica);
    while let Some(request) = session.next_request()? {
        let body = crate::protocol::encode(&request);
        session.report.bytes_sent += body.len() as u64;
        let answer = transport.sync(body)?;
        session.report.bytes_received += answer.len() as u64;
        session.handle_response(crate::protocol::decode(&answer)?)?;
    }
    Ok(session.finish())
}

/// The largest piece of a blob sent in one request.
const BLOB_PIECE: u64 = 1024 * 1024;

fn upload_blobs(store: &Store, transport: &dyn Transport) -> Result<usize> {
    let mut uploaded = 0;
    for blob in store.pending_blobs()? {
        let Some(path) = store.blob_path(&blob.sha256)? else {
            continue;
        };
        let bytes = std::fs::read(&path)?;
        let total = bytes.len() as u64;
        // Send from where the server stands until it reports the blob complete; a server that
        // holds every byte but has not verified them gets an empty last piece to finish with.
        let mut pieces = 0;
        while let Some(at) = transport.blob_offset(&blob.sha256)? {
            pieces += 1;
            if pieces > total / BLOB_PIECE + 3 {
                return Err(Error::invalid(
                    "blob upload",
                    format!("blob {} does not complete", blob.sha256),
                ));
            }
            let end = (at + BLOB_PIECE).min(total);
            let piece = bytes
                .get(at as usize..end as usize)
                .ok_or_else(|| Error::invalid("blob offset", format!("{at} is beyond the file")))?;
            transport.upload_blob(&blob.sha256, at, total, piece)?;
        }
        store.mark_blob_uploaded(&blob.sha256)?;
        uploaded += 1;
    }
    Ok(uploaded)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::Receipt;
    use crate::store::Store;
    use crate::ticket::tests::registration;
    use crate::{Author, Role, Ticket, UserId};

    fn technician_store(dir: &std::path::Path) -> Store {
        let store = Store::open(dir).expect("store");
        store
            .set_user(&Author::new(
                UserId::try_from("tech.zhang".to_owned()).expect("user"),
                Role::Technician,
            ))
            .expect("user");
        store
    }

    /// The office's first answer: a receipt of `heads` for ticket `id`, and no message.
    fn receipt_only(id: &TicketId, heads: Vec<ChangeHash>) -> SyncResponse {
        SyncResponse {
            version: PROTOCOL_VERSION,
            cursor: 1,
            id: 1,
            receipts: vec![Receipt {
                ticket_id: id.clone(),
                heads,
            }],
            ..SyncResponse::default()
        }
    }

    #[test]
    fn a_ticket_dropped_while_its_receipt_names_unknown_changes_ends_the_exchange() {
        let dir = tempfile::tempdir().expect("dir");
        let store = technician_store(dir.path());
        let id = store.register(&registration()).expect("register");
        let mut session = SyncSession::new(&store);
        assert!(session.next_request().expect("first request").is_some());
        // The server holds one change more than the device (it skipped it: a bloom filter false
        // positive) and, in the same answer, takes the ticket away from the device.
        let mut heads = store.heads(&id).expect("heads");
        heads.push(ChangeHash([7; 32]));
        session
            .handle_response(SyncResponse {
                dropped: vec![id.clone()],
                ..receipt_only(&id, heads)
            })
            .expect("response");
        assert_eq!(session.next_request().expect("no more to say"), None);
        assert_eq!(session.finish().tickets_dropped, 1);
    }

    /// Seeds 52569 and 57220 of the simulation: the office's answer left out its ledger-number
    /// change (a bloom filter false positive) while its receipt named it, and the round that
    /// asked for it was lost. The device had taken the receipt as covering what it held, so no
    /// later sync asked again.
    #[test]
    fn a_confirmed_change_the_device_lacks_is_asked_for_in_every_sync_until_it_arrives() {
        let dir = tempfile::tempdir().expect("dir");
        let store = technician_store(dir.path());
        let id = store.register(&registration()).expect("register");
        let mut office = store.read_ticket(&id, Ticket::clone).expect("ticket");
        office.set_actor(ActorId::random());
        let numbered = office
            .assign_ledger_number(
                &Author::new(
                    UserId::try_from("system".to_owned()).expect("user"),
                    Role::Admin,
                ),
                crate::Timestamp(5),
                "KS-2026-000001",
            )
            .expect("number");
        let mut session = SyncSession::new(&store);
        session.next_request().expect("first request");
        session
            .handle_response(receipt_only(&id, office.heads()))
            .expect("response");
        // The round that asks is lost: the session ends with its request unanswered.
        drop(session);
        for attempt in ["the next sync", "the one after"] {
            let mut session = SyncSession::new(&store);
            let request = session.next_request().expect("request").expect("a request");
            let asked = request
                .docs
                .iter()
                .find(|d| d.ticket_id == id)
                .map(|d| Message::decode(&d.message).expect("message").need);
            assert_eq!(asked, Some(vec![numbered]), "{attempt} asks again");
        }
    }
}
