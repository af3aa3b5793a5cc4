//! Tests that cross crates, one module per capability.

mod access;
mod bad_input;
mod crash;
mod departments;
mod events;
mod finance;
mod fuzz_corpus;
mod hostile;
mod import_export;
mod inflation;
mod load_balancer;
mod major;
mod nodes;
mod offline_exchange;
mod people;
mod policy;
mod projection;
mod reference;
mod return_visits;
mod sales;
mod simulation;
mod statistics;
mod sync;
mod trust;
mod workflow;
