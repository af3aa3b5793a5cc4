//! `fieldledger-recorder STORE`: a technician at work, for the crash tests. Opens the device store
//! in the folder STORE, registers a ticket, starts a visit and logs numbered repair steps, one
//! action a transaction, printing `ticket ID` and then each step's number once its action has
//! returned (is committed). It stops after 100,000 steps or when it is killed.
//!
//! It lives here rather than with the tools in `tools/` because the crash test starts it by
//! `env!("CARGO_BIN_EXE_fieldledger-recorder")`, which cargo sets only for the binaries of the
//! test's own package (and builds them before the test).

use std::io::Write;

use fieldledger_core::Role;
use fieldledger_tests::{complaint, kit, store_for};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args()
        .nth(1)
        .ok_or("usage: fieldledger-recorder STORE")?;
    let store = store_for(
        dir.as_ref(),
        "tech.recorder",
        Role::Technician,
        1_790_000_000_000,
    )?;
    let id = store.register(&complaint("Recorder Substation"))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "ticket {id}")?;
    out.flush()?;
    let visit = store
        .record(&id, &kit::arrive("bay 1"))?
        .entry
        .ok_or("arriving starts no visit")?;
    for step in 1..=100_000u32 {
        store.record(&id, &kit::log_step(&visit, format!("step {step}")))?;
        writeln!(out, "{step}")?;
        out.flush()?;
    }
    Ok(())
}
