//! Technician users with one enrolled device each, made straight in a server's state before the
//! server serves: for the load generator and the comparison runs.

use fieldledger_core::Role;
use fieldledger_server::AppState;
use fieldledger_tests::Failure;
use fieldledger_tests::kit::{Enrolled, user_with_device};

/// Adds `count` technicians named `PREFIX0`, `PREFIX1`, … to `state`, each with one device.
pub fn enrol(state: &AppState, prefix: &str, count: usize) -> Result<Vec<Enrolled>, Failure> {
    (0..count)
        .map(|n| user_with_device(state, &format!("{prefix}{n}"), Role::Technician))
        .collect()
}
