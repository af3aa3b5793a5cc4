//! Security events on PostgreSQL: written with a commit, read newest first.

use fieldledger_core::{DeviceId, TicketId, UserId};
use postgres::{Row, Transaction};

use super::PostgresStorage;
use super::row::{Named, bigint};
use crate::storage::{Result, SecurityEvent, SecurityEvents};

const INSERT_SECURITY_EVENT: &str = "INSERT INTO security_events
    (at, kind, device_id, user_id, ticket_id, detail) VALUES ($1, $2, $3, $4, $5, $6)";
const SELECT_NEWEST_SECURITY_EVENTS: &str = "SELECT at, kind, device_id, user_id, ticket_id, detail
    FROM security_events ORDER BY id DESC LIMIT $1";

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

/// An event from a row of [`SELECT_NEWEST_SECURITY_EVENTS`].
fn security_event_of(row: &Row) -> Result<SecurityEvent> {
    Ok(SecurityEvent {
        at: row.timestamp("at")?,
        kind: row.value("kind")?,
        device: row.parsed_opt("device_id")?,
        user: row.parsed_opt("user_id")?,
        ticket: row.parsed_opt("ticket_id")?,
        detail: row.value("detail")?,
    })
}

impl SecurityEvents for PostgresStorage {
    fn security_events(&self, limit: usize) -> Result<Vec<SecurityEvent>> {
        let limit = bigint(limit as u64);
        self.read(|c| {
            c.query(SELECT_NEWEST_SECURITY_EVENTS, &[&limit])?
                .iter()
                .map(security_event_of)
                .collect()
        })
    }
}
