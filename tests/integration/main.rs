//! Tests that cross crates, one module per capability.

mod offline_exchange;
mod sync;
