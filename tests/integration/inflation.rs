//! Finding 5 of the trust review: a compressed-change bomb. A sync message of 127 KiB inflated
//! inside automerge to 128 MiB, which cost the server 480 MiB of memory and 24 s of CPU before
//! it was refused. A device's compressed changes are now inflated within a budget, and refused
//! as soon as they pass it.

use std::time::{Duration, Instant};

use automerge::sync::Message;
use fieldledger_core::protocol::{self, DocMessage, PROTOCOL_VERSION, SyncRequest, SyncResponse};
use fieldledger_core::{Author, Operation, Role};
use fieldledger_tests::Office;
use flate2::{Compress, Compression, FlushCompress};
use sha2::Digest;

use crate::access::crafted;
use crate::hostile::post_sync;
use crate::trust::{stored_heads, zhang_holding_a_ticket};

/// What the bomb inflates to.
const INFLATED: usize = 128 * 1024 * 1024;

#[test]
fn a_compressed_change_bomb_is_refused_before_it_inflates() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let (id, store, before) = zhang_holding_a_ticket(&office, &dir);
    // An honest message of Zhang's device, its change swapped for the bomb.
    let honest = crafted(
        &store,
        &id,
        store.actor_id().clone(),
        &Author::new(office.zhang.clone(), Role::Technician),
        &Operation::Arrive {
            order_id: None,
            site: "bay 3".into(),
        },
    );
    let mut message = Message::decode(&honest.message).expect("message");
    message.changes = vec![bomb()].into();
    let bomb = DocMessage {
        ticket_id: id.clone(),
        message: message.encode(),
    };
    assert!(
        (100 * 1024..200 * 1024).contains(&bomb.message.len()),
        "the bomb's message is small: {} bytes",
        bomb.message.len()
    );
    let request = SyncRequest {
        version: PROTOCOL_VERSION,
        cursor: 0,
        ack: 0,
        docs: vec![bomb],
        actors: vec![serde_bytes::ByteBuf::from(
            store.actor_id().to_bytes().to_vec(),
        )],
    };
    let token = fieldledger_tests::token_of(&store);
    let started = Instant::now();
    let (status, body) = post_sync(&office, &token, &protocol::encode(&request));
    let took = started.elapsed();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let response: SyncResponse = protocol::decode(&body).expect("a sync response");
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    let error = &response.errors[0];
    assert_eq!(
        (&error.ticket_id, error.code.as_str()),
        (&id, "too_large"),
        "{error:?}"
    );
    assert!(error.message.contains("limit"), "{}", error.message);
    assert!(
        took < Duration::from_secs(5),
        "refused before inflating much, in {took:?}"
    );
    assert_eq!(
        stored_heads(&office, &id),
        before,
        "nothing of it was stored"
    );
    // The desk and an honest sync work on.
    office.operate(
        &id,
        serde_json::json!({"op": "hand_off", "to": ["technician"], "note": "after the bomb"}),
    );
    fieldledger_tests::arrive(&store, &id, "bay 3");
    let report = fieldledger_tests::sync(&store).expect("an honest sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(store.heads(&id).expect("heads"), stored_heads(&office, &id));
}

/// A compressed change chunk whose data is [`INFLATED`] zeros, deflated to about 128 KiB, with
/// the header automerge would give it (its checksum is that of the inflated data).
fn bomb() -> Vec<u8> {
    const PIECE: usize = 1024 * 1024;
    let zeros = vec![0u8; PIECE];
    // A mebibyte of zeros deflated as blocks that end on a byte and refer to nothing before
    // them, so that the same bytes, repeated, deflate any number of mebibytes.
    let mut piece = Vec::with_capacity(PIECE);
    Compress::new(Compression::best(), false)
        .compress_vec(&zeros, &mut piece, FlushCompress::Sync)
        .expect("deflate");
    let mut deflated = piece.repeat(INFLATED / PIECE);
    // A last, empty block with fixed codes.
    deflated.extend([0x03, 0x00]);
    let mut hash = sha2::Sha256::new();
    hash.update([1]);
    hash.update(uleb(INFLATED));
    for _ in 0..INFLATED / PIECE {
        hash.update(&zeros);
    }
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83];
    chunk.extend(&hash.finalize()[..4]);
    chunk.push(2);
    chunk.extend(uleb(deflated.len()));
    chunk.extend(deflated);
    chunk
}

/// `value` in unsigned LEB128, as automerge writes lengths.
fn uleb(value: usize) -> Vec<u8> {
    let bytes = (usize::BITS - value.leading_zeros()).div_ceil(7).max(1);
    (0..bytes)
        .map(|i| {
            let low = (value >> (7 * i)) as u8 & 0x7f;
            if i + 1 < bytes { low | 0x80 } else { low }
        })
        .collect()
}
