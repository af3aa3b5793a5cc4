//! Tests that cross crates, one module per capability.

mod access;
mod offline_exchange;
mod sync;
