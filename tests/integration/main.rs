//! Tests that cross crates, one module per capability.

mod access;
mod bad_input;
mod events;
mod offline_exchange;
mod sync;
mod workflow;
