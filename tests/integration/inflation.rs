//! Finding 5 of the trust review: a compressed-change bomb. A sync message of 127 KiB inflated
//! inside automerge to 128 MiB, which cost the server 480 MiB of memory and 24 s of CPU before
//! it was refused. A device's compressed changes are now inflated within a budget, and refused
//! as soon as they pass it. A device takes the server's messages through the same checks.

use std::time::{Duration, Instant};

use automerge::sync::{self, Message};
use fieldledger_core::protocol::DocCode;
use fieldledger_core::store::sync_state::receive;
use fieldledger_tests::Office;
use flate2::{Compress, Compression, FlushCompress};
use sha2::Digest;

use crate::trust::{others_work_on, send_altered, zhang_holding_a_ticket};

/// What the bomb inflates to.
const INFLATED: usize = 128 * 1024 * 1024;

#[test]
fn a_compressed_change_bomb_is_refused_before_it_inflates() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let (id, store, before) = zhang_holding_a_ticket(&office, &dir);
    let bomb = bomb();
    assert!(
        (100 * 1024..200 * 1024).contains(&bomb.len()),
        "the bomb is small: {} bytes",
        bomb.len()
    );
    let started = Instant::now();
    // An honest message of Zhang's device, its change swapped for the bomb.
    let response = send_altered(&office, &store, &id, |message| {
        message.changes = vec![bomb].into();
    });
    let took = started.elapsed();
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    let error = &response.errors[0];
    assert_eq!(
        (&error.ticket_id, error.code),
        (&id, DocCode::TooLarge),
        "{error:?}"
    );
    assert!(error.message.contains("limit"), "{}", error.message);
    assert!(
        took < Duration::from_secs(5),
        "refused before inflating much, in {took:?}"
    );
    others_work_on(&office, &store, &id, &before, "after the bomb");
}

/// A device's copy of a ticket takes the server's messages through the same checks: a bomb, or a
/// change automerge would panic on (the input that the fuzzer found), is refused with the
/// reason, and the device keeps its ticket as it was.
#[test]
fn a_device_refuses_a_bomb_or_a_change_automerge_cannot_hold_and_keeps_its_ticket() {
    let crafted = include_bytes!("../../fuzz/corpus/apply_incoming/pred-counter-past-u32");
    let past_u32 = Message::decode(crafted).expect("a sync message");
    let mut bombed = past_u32.clone();
    bombed.changes = vec![bomb()].into();
    for (message, reason) in [(past_u32, "out of range"), (bombed, "limit")] {
        let mut ticket = fieldledger_fuzz::base_ticket().clone();
        let before = ticket.heads();
        let refused = receive(&mut ticket, &mut sync::State::new(), message);
        let why = refused.map(|_| ()).map_err(|e| e.to_string());
        assert!(
            why.as_ref()
                .is_err_and(|why| why.contains("sync message") && why.contains(reason)),
            "{why:?}"
        );
        assert_eq!(ticket.heads(), before);
    }
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
