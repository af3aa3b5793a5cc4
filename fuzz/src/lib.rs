//! What the fuzz targets in `fuzz_targets/` run, so that the stable test suite
//! (`tests/integration/fuzz_corpus.rs`) runs the same code over the committed corpus: decoding a
//! sync body, and applying an incoming automerge sync message on a device and through the
//! server's decoding of changes and its admission check. Neither may panic, whatever the bytes.

use std::sync::OnceLock;

use automerge::ActorId;
use automerge::sync::{self, Message};
use fieldledger_core::admission::admit;
use fieldledger_core::change_bytes::{Budget, Caps};
use fieldledger_core::protocol::{self, SyncRequest, SyncResponse};
use fieldledger_core::store::sync_state::receive;
use fieldledger_core::ticket::SectionMap;
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

/// A registered ticket that incoming messages are applied to, made once.
pub fn base_ticket() -> &'static Ticket {
    static TICKET: OnceLock<Ticket> = OnceLock::new();
    TICKET.get_or_init(|| {
        let author = Author::new("tech.fuzz".parse().expect("a user id"), Role::Technician);
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

/// Caps on inflated bytes for the server's decoding of changes, far above a fuzzer's inputs.
const CAPS: Caps = Caps {
    change: 1 << 20,
    message: 4 << 20,
    request: 16 << 20,
};

/// Applies `bytes`, as an automerge sync message, to a device's copy of a ticket and to the
/// server's decoding and admission check for a technician.
pub fn apply_incoming(bytes: &[u8]) {
    let Ok(message) = Message::decode(bytes) else {
        return;
    };
    let changes = Budget::new(CAPS)
        .decode(message.changes.iter())
        .unwrap_or_default();
    let mut device = base_ticket().clone();
    let _ = receive(&mut device, &mut sync::State::new(), message);
    let server = base_ticket();
    let sections = SectionMap::of(server.doc());
    let actors = [ActorId::from([9u8; 16].as_slice())];
    let _ = admit(server.doc(), &sections, changes, &actors, Role::Technician);
}
