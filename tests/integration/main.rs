//! Tests that cross crates, one module per capability.

mod access;
mod bad_input;
mod events;
mod import_export;
mod offline_exchange;
mod sync;
mod workflow;
