//! Admitting arbitrary changes made under a technician's device actor against a real ticket
//! never panics.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    fieldledger_fuzz::admit_changes(bytes);
});
