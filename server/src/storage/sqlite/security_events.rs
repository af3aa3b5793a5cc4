//! Security events in SQLite: written with a commit, read newest first.

use fieldledger_core::{DeviceId, TicketId, UserId};
use rusqlite::{Transaction, params};

use super::SqliteStorage;
use super::row::{NamedRow, all};
use crate::storage::{Result, SecurityEvent, SecurityEvents};

const INSERT_SECURITY_EVENT: &str = "INSERT INTO security_events
    (at, kind, device_id, user_id, ticket_id, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const SELECT_NEWEST_SECURITY_EVENTS: &str = "SELECT at, kind, device_id, user_id, ticket_id, detail
    FROM security_events ORDER BY id DESC LIMIT ?1";

/// Logs `event` and stores it for the administrator.
pub(super) fn save(tx: &Transaction<'_>, event: &SecurityEvent) -> Result<()> {
    tracing::warn!(
        kind = %event.kind,
        device = ?event.device,
        user = ?event.user,
        ticket = ?event.ticket,
        "{}",
        event.detail
    );
    tx.prepare_cached(INSERT_SECURITY_EVENT)?.execute(params![
        event.at.millis(),
        event.kind,
        event.device.as_ref().map(DeviceId::as_str),
        event.user.as_ref().map(UserId::as_str),
        event.ticket.as_ref().map(TicketId::as_str),
        event.detail
    ])?;
    Ok(())
}

/// An event from a row of [`SELECT_NEWEST_SECURITY_EVENTS`].
fn security_event_of(row: &NamedRow<'_>) -> Result<SecurityEvent> {
    Ok(SecurityEvent {
        at: row.timestamp("at")?,
        kind: row.get("kind")?,
        device: row.parsed_opt("device_id")?,
        user: row.parsed_opt("user_id")?,
        ticket: row.parsed_opt("ticket_id")?,
        detail: row.get("detail")?,
    })
}

impl SecurityEvents for SqliteStorage {
    fn security_events(&self, limit: usize) -> Result<Vec<SecurityEvent>> {
        self.read(|c| {
            all(
                c,
                SELECT_NEWEST_SECURITY_EVENTS,
                [limit as i64],
                security_event_of,
            )
        })
    }
}
