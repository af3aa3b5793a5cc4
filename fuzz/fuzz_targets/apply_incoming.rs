//! Applying an incoming automerge sync message on a device and through the server's admission
//! check never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    fieldledger_fuzz::apply_incoming(bytes);
});
