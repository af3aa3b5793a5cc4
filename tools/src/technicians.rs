//! Technician users with one enrolled device each, made straight in a server's state before the
//! server serves: for the load generator and the comparison runs.

use fieldledger_core::{Role, Timestamp, UserId};
use fieldledger_server::AppState;
use fieldledger_server::storage::User;

/// One technician and the token of their device.
#[derive(Debug, Clone)]
pub struct Technician {
    /// The user.
    pub user: UserId,
    /// The device's bearer token.
    pub token: String,
}

/// Adds `count` technicians named `PREFIX0`, `PREFIX1`, … to `state`, each with one device.
pub fn enrol(state: &AppState, prefix: &str, count: usize) -> Result<Vec<Technician>, String> {
    (0..count)
        .map(|n| {
            let user: UserId = format!("{prefix}{n}").parse().map_err(|e| format!("{e}"))?;
            state
                .storage
                .add_user(&User {
                    id: user.clone(),
                    name: user.to_string(),
                    role: Role::Technician,
                    actor: None,
                    created_at: Timestamp(0),
                })
                .map_err(|e| e.to_string())?;
            let (_, token) = fieldledger_server::accounts::enrol(state, &user, "technician device")
                .map_err(|e| e.to_string())?;
            Ok(Technician { user, token })
        })
        .collect()
}
