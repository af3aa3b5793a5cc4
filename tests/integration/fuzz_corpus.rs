//! The fuzz targets of `fuzz/` on the stable toolchain: each runs over its committed corpus and
//! over every truncation and single-bit flip of each entry. (`scripts/fuzz` runs the real
//! fuzzer where a nightly toolchain is at hand.)

use std::path::PathBuf;

use fieldledger_fuzz::{admit_changes, apply_incoming, decode_sync_body};

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    entries
        .iter()
        .map(|p| std::fs::read(p).expect("corpus entry"))
        .collect()
}

/// Runs `target` over the corpus and its truncations and bit flips; returns how many inputs.
fn exercise(name: &str, target: fn(&[u8])) -> usize {
    let mut inputs = 0;
    for entry in corpus(name) {
        for cut in 0..=entry.len() {
            target(&entry[..cut]);
            inputs += 1;
        }
        for bit in 0..entry.len().min(512) * 8 {
            let mut flipped = entry.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            target(&flipped);
            inputs += 1;
        }
    }
    inputs
}

#[test]
fn the_sync_body_decoder_survives_its_corpus_and_mutations() {
    assert!(exercise("sync_body", decode_sync_body) > 1_000);
}

#[test]
fn applying_incoming_messages_survives_its_corpus_and_mutations() {
    assert!(exercise("apply_incoming", apply_incoming) > 1_000);
}

#[test]
fn admitting_arbitrary_changes_survives_its_corpus_and_mutations() {
    assert!(exercise("admit_changes", admit_changes) > 1_000);
}
