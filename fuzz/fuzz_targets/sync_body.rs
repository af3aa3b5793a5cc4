//! Decoding a sync body (request or response) and its automerge messages never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    fieldledger_fuzz::decode_sync_body(bytes);
});
