//! What a hostile device sends: changes made outside the store's own checks (under an actor,
//! author or message of its choosing, or with automerge's own API), and the sync requests that
//! carry them. The trust and access tests and the simulation's adversary forge with these.

use automerge::legacy::{Key, ObjectId, Op, OpId, OpType};
use automerge::sync::SyncDoc;
use automerge::transaction::{CommitOptions, Transaction};
use automerge::{ActorId, Automerge, AutomergeError, Change, ChangeHash, ScalarValue};
use fieldledger_core::protocol::{DocMessage, PROTOCOL_VERSION, SyncRequest};
use fieldledger_core::store::sync_state::primed_state;
use fieldledger_core::ticket::intake::Registration;
use fieldledger_core::{Author, Error, Operation, Result, Ticket, TicketId, Timestamp};

/// The message for ticket `id` that carries every change of `doc` after `base`, as a device
/// that believes the server holds `base` sends it; `None` when `doc` has nothing after it.
pub fn message_since(id: &TicketId, doc: &Automerge, base: Vec<ChangeHash>) -> Option<DocMessage> {
    let mut state = primed_state(base, Vec::new());
    let message = doc.generate_sync_message(&mut state)?;
    Some(DocMessage {
        ticket_id: id.clone(),
        message: message.encode(),
    })
}

/// `ticket` with one more change: `op` by `author` at `at`, written under `actor`, whoever the
/// device really is. The operation's own checks still run, as the claimed author.
pub fn crafted(
    ticket: &Ticket,
    actor: ActorId,
    author: &Author,
    at: Timestamp,
    op: &Operation,
) -> Result<Ticket> {
    let mut crafted = ticket.clone();
    crafted.set_actor(actor);
    crafted.apply(author, at, op)?;
    Ok(crafted)
}

/// `doc` with one more change, written under `actor` at `at` with automerge's own API and none
/// of the operations' checks: `write` does what a hostile device likes, and the change's message
/// is `note`, whatever the device chooses to claim.
pub fn raw(
    doc: &Automerge,
    actor: ActorId,
    note: String,
    at: Timestamp,
    write: impl FnOnce(&mut Transaction<'_>) -> std::result::Result<(), AutomergeError>,
) -> std::result::Result<Automerge, AutomergeError> {
    let mut doc = doc.clone().with_actor(actor);
    let mut tx = doc.transaction();
    write(&mut tx)?;
    tx.commit_with(
        CommitOptions::default()
            .with_message(note)
            .with_time(at.millis()),
    );
    Ok(doc)
}

/// The registration of ticket `id` by `author` under `actor` at `at`, with fields of `meta` that
/// only the server writes (its ledger number, its author, its import source) set as the device
/// likes: every `(key, value)` of `fields` is put into `meta` by the registration's own change,
/// so that the change still names the registration and its input.
pub fn registration_writing(
    id: &TicketId,
    actor: ActorId,
    author: &Author,
    at: Timestamp,
    registration: &Registration,
    fields: &[(&str, &str)],
) -> Result<Automerge> {
    let honest = Ticket::register(id.clone(), actor.clone(), author, at, registration)?;
    let forged = || Error::invalid("forged registration", "no registration change");
    let mut change = honest
        .doc()
        .get_changes(&[])
        .first()
        .ok_or_else(forged)?
        .decode();
    let made = change
        .operations
        .iter()
        .position(|op| op.obj == ObjectId::Root && op.key == Key::Map("meta".into()))
        .ok_or_else(forged)?;
    let meta = ObjectId::Id(OpId::new(change.start_op.get() + made as u64, &actor));
    for (key, value) in fields {
        let action = OpType::Put(ScalarValue::Str((*value).into()));
        let key = Key::Map((*key).into());
        match change
            .operations
            .iter_mut()
            .find(|op| op.obj == meta && op.key == key)
        {
            Some(op) => op.action = action,
            None => change.operations.push(Op {
                action,
                obj: meta.clone(),
                key,
                pred: Vec::new().into(),
                insert: false,
            }),
        }
    }
    change.hash = None;
    let mut doc = Automerge::new();
    doc.apply_changes([Change::from(change)])
        .map_err(|e| Error::invalid("forged registration", e.to_string()))?;
    Ok(doc)
}

/// A sync request that carries `docs` from a device at feed position `cursor` that says it
/// writes as `actors`.
pub fn request(cursor: u64, docs: Vec<DocMessage>, actors: &[ActorId]) -> SyncRequest {
    SyncRequest {
        version: PROTOCOL_VERSION,
        cursor,
        ack: 0,
        docs,
        actors: actors
            .iter()
            .map(|a| serde_bytes::ByteBuf::from(a.to_bytes().to_vec()))
            .collect(),
    }
}
