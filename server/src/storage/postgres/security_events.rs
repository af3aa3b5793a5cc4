//! Security events in PostgreSQL: written with a commit.

use fieldledger_core::{DeviceId, TicketId, UserId};
use postgres::Transaction;

use crate::storage::{Result, SecurityEvent};

const INSERT_SECURITY_EVENT: &str = "INSERT INTO security_events
    (at, kind, device_id, user_id, ticket_id, detail) VALUES ($1, $2, $3, $4, $5, $6)";

/// Logs `event` and stores it for the administrator.
pub(super) fn save(tx: &mut Transaction<'_>, event: &SecurityEvent) -> Result<()> {
    tracing::warn!(
        kind = %event.kind,
        device = ?event.device,
        user = ?event.user,
        ticket = ?event.ticket,
        "{}",
        event.detail
    );
    tx.execute(
        INSERT_SECURITY_EVENT,
        &[
            &event.at.millis(),
            &event.kind,
            &event.device.as_ref().map(DeviceId::as_str),
            &event.user.as_ref().map(UserId::as_str),
            &event.ticket.as_ref().map(TicketId::as_str),
            &event.detail,
        ],
    )?;
    Ok(())
}
