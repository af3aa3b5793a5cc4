//! What the fuzz targets in `fuzz_targets/` run, so that the stable test suite
//! (`tests/integration/fuzz_corpus.rs`) runs the same code over the committed corpus: decoding a
//! sync body, applying an incoming automerge sync message on a device and through the server's
//! decoding of changes and its admission check, and admitting arbitrary changes made under a
//! device's own actor against a real ticket. None may panic, whatever the bytes.

use std::sync::OnceLock;

use automerge::ActorId;
use automerge::Change;
use automerge::sync::{self, Message};
use fieldledger_core::admission::{Sender, admit};
use fieldledger_core::change_bytes::{Budget, Caps};
use fieldledger_core::protocol::{self, SyncRequest, SyncResponse};
use fieldledger_core::store::sync_state::receive;
use fieldledger_core::ticket::intake::{Registration, TicketKind};
use fieldledger_core::{Author, Role, Ticket, TicketId, Timestamp};

/// Decodes `bytes` as a sync request and as a sync response, and every document message in
/// them as an automerge sync message.
pub fn decode_sync_body(bytes: &[u8]) {
    if let Ok(request) = protocol::decode::<SyncRequest>(bytes) {
        for doc in request.docs {
            let _ = Message::decode(&doc.message);
        }
    }
    if let Ok(response) = protocol::decode::<SyncResponse>(bytes) {
        for doc in response.docs {
            let _ = Message::decode(&doc.message);
        }
    }
}

/// The technician whose device the fuzzed changes come from.
fn technician() -> Author {
    Author::new("tech.fuzz".parse().expect("a user id"), Role::Technician)
}

/// The actor of that device.
fn device_actor() -> ActorId {
    ActorId::from([9u8; 16].as_slice())
}

/// A registered ticket that incoming messages are applied to, made once.
pub fn base_ticket() -> &'static Ticket {
    static TICKET: OnceLock<Ticket> = OnceLock::new();
    TICKET.get_or_init(|| {
        let author = technician();
        let id: TicketId = "0123456789abcdef0123456789abcdef"
            .parse()
            .expect("a ticket id");
        Ticket::register(
            id,
            ActorId::from([7u8; 16].as_slice()),
            &author,
            Timestamp(1_790_000_000_000),
            &Registration {
                kind: TicketKind::Complaint,
                complaint: true,
                product_name: "KYN28 switchgear".into(),
                model: "KYN28-12".into(),
                job_number: "J-FUZZ".into(),
                contract_number: "HT-FUZZ".into(),
                customer_name: "Fuzz Works".into(),
                content: "Whatever the bytes say.".into(),
                ..Registration::default()
            },
        )
        .expect("the fuzz ticket registers")
    })
}

/// Caps for the server's decoding of changes: on inflated bytes, far above a fuzzer's inputs; on
/// announced operations, the server's.
const CAPS: Caps = Caps {
    change: 1 << 20,
    message: 4 << 20,
    request: 16 << 20,
    ops: 100_000,
    message_ops: 1_000_000,
};

/// The changes of `bytes` read as an automerge sync message, decoded as the server decodes them;
/// nothing when it does not decode.
fn changes_of(bytes: &[u8]) -> Option<(Message, Vec<Change>)> {
    let message = Message::decode(bytes).ok()?;
    let changes = Budget::new(CAPS)
        .decode(message.changes.iter())
        .unwrap_or_default();
    Some((message, changes))
}

/// Applies `bytes`, as an automerge sync message, to a device's copy of a ticket and to the
/// server's decoding and admission check for a technician.
pub fn apply_incoming(bytes: &[u8]) {
    let Some((message, changes)) = changes_of(bytes) else {
        return;
    };
    let mut device = base_ticket().clone();
    let _ = receive(&mut device, &mut sync::State::new(), message);
    admit_as_device(changes);
}

/// Admits the changes of `bytes` (an automerge sync message) as if the technician's own device
/// had made them: each is stamped with the device's actor and numbered after the last, and one
/// whose dependencies the ticket lacks is made to build on the ticket's heads, so that the
/// fuzzer's changes pass the actor check and reach the action they name.
pub fn admit_changes(bytes: &[u8]) {
    let Some((_, changes)) = changes_of(bytes) else {
        return;
    };
    let server = base_ticket().doc();
    let actor = device_actor();
    let stamped = changes.into_iter().enumerate().map(|(n, change)| {
        // Expanding a change whose operations name actors it does not list would panic inside
        // automerge; the server's decoding (`changes_of`) refused such a change already.
        let mut change = change.decode();
        change.actor_id = actor.clone();
        change.seq = n as u64 + 1;
        if change
            .deps
            .iter()
            .any(|d| server.get_change_meta_by_hash(d).is_none())
        {
            change.deps = server.get_heads();
        }
        change.hash = None;
        Change::from(change)
    });
    admit_as_device(stamped.collect());
}

/// Runs the server's admission of `changes` from the technician's device on the fuzz ticket.
fn admit_as_device(changes: Vec<Change>) {
    let server = base_ticket();
    let actors = [device_actor()];
    let author = technician();
    let sender = Sender {
        actors: &actors,
        author: &author,
    };
    let _ = admit(server.doc(), server.id(), changes, sender);
}
