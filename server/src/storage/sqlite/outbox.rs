//! The outbox of events and the webhooks in SQLite.

use std::time::Duration;

use fieldledger_core::Timestamp;
use rusqlite::{Transaction, params};

use super::row::{NamedRow, all, corrupt, one, some};
use super::{SqliteStorage, deadlines};
use crate::events::{Event, EventDetail, EventKind, NewEvent};
use crate::storage::{Outbox, Result, Webhook};

const INSERT_EVENT: &str = "INSERT INTO events (at, kind, ticket_id, audience, detail)
    VALUES (?1, ?2, ?3, ?4, ?5)";
const SELECT_EVENTS_AFTER: &str = "SELECT id, at, kind, ticket_id, audience, detail FROM events
    WHERE id > ?1 ORDER BY id";
const SELECT_LAST_EVENT_ID: &str = "SELECT COALESCE(MAX(id), 0) AS id FROM events";

/// Adds a webhook that has acknowledged the events up to `?4`, or, when that is NULL, every
/// event so far.
const INSERT_WEBHOOK: &str = "INSERT INTO webhooks (url, secret, kinds, delivered_upto)
    VALUES (?1, ?2, ?3, coalesce(?4, (SELECT coalesce(max(id), 0) FROM events)))";
const DELETE_WEBHOOK: &str = "DELETE FROM webhooks WHERE id = ?1";
const SELECT_WEBHOOKS: &str = "SELECT id, url, secret, kinds, delivered_upto, attempts,
        next_attempt_at, last_error
    FROM webhooks ORDER BY id";
const SET_WEBHOOK_DELIVERED: &str = "UPDATE webhooks SET delivered_upto = max(delivered_upto, ?2),
        attempts = 0, next_attempt_at = 0, last_error = NULL
    WHERE id = ?1";
const SET_WEBHOOK_FAILED: &str = "UPDATE webhooks SET attempts = ?2, next_attempt_at = ?3,
        last_error = ?4
    WHERE id = ?1";

/// Puts `event` in the outbox at `at` and returns it as written; `None` when it is a deadline's
/// event and that deadline fired already.
pub(super) fn save_event(
    tx: &Transaction<'_>,
    event: &NewEvent,
    at: Timestamp,
) -> Result<Option<Event>> {
    if let Some(key) = &event.deadline
        && !deadlines::mark_fired(tx, key, &event.ticket_id, at)?
    {
        return Ok(None);
    }
    let kind = event.kind();
    let audience = event.detail.audience();
    let roles: Vec<&str> = audience.iter().map(|r| r.as_str()).collect();
    let detail = serde_json::to_string(&event.detail).map_err(|_| corrupt("event detail"))?;
    tx.prepare_cached(INSERT_EVENT)?.execute(params![
        event.at.millis(),
        kind.as_str(),
        event.ticket_id.as_str(),
        roles.join(" "),
        detail
    ])?;
    let id = tx.last_insert_rowid();
    if let Some(key) = &event.deadline {
        deadlines::note_event(tx, key, &event.ticket_id, id)?;
    }
    Ok(Some(Event {
        id: id.try_into().unwrap_or_default(),
        ticket_id: event.ticket_id.clone(),
        at: event.at,
        audience,
        detail: event.detail.clone(),
    }))
}

/// An event from a row of [`SELECT_EVENTS_AFTER`].
fn event_of(row: &NamedRow<'_>) -> Result<Event> {
    let kind: EventKind = row.parsed("kind")?;
    let detail: String = row.get("detail")?;
    Ok(Event {
        id: row.get("id")?,
        ticket_id: row.parsed("ticket_id")?,
        at: row.timestamp("at")?,
        audience: row.parsed_list("audience")?,
        detail: EventDetail::from_json(kind, &detail).map_err(|_| corrupt("event detail"))?,
    })
}

/// A webhook from a row of [`SELECT_WEBHOOKS`].
fn webhook_of(row: &NamedRow<'_>) -> Result<Webhook> {
    Ok(Webhook {
        id: row.get("id")?,
        url: row.get("url")?,
        secret: row.get("secret")?,
        kinds: row.parsed_list("kinds")?,
        delivered_upto: row.get("delivered_upto")?,
        attempts: row.get("attempts")?,
        next_attempt_at: row.timestamp("next_attempt_at")?,
        last_error: row.get("last_error")?,
    })
}

impl Outbox for SqliteStorage {
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        self.read(|c| some(c, SELECT_EVENTS_AFTER, [after], limit, event_of))
    }

    fn last_event_id(&self) -> Result<u64> {
        self.read(|c| one(c, SELECT_LAST_EVENT_ID, [], |r| r.get("id")))
    }

    /// SQLite tells nobody of a commit: another server on the same file is heard of by asking
    /// again after `timeout`.
    fn await_events(&self, after: u64, timeout: Duration) -> Result<()> {
        if self.last_event_id()? <= after {
            std::thread::sleep(timeout);
        }
        Ok(())
    }

    fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        kinds: &[EventKind],
        from: Option<u64>,
    ) -> Result<u64> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        self.write(|tx| {
            tx.execute(INSERT_WEBHOOK, params![url, secret, kinds.join(" "), from])?;
            Ok(tx.last_insert_rowid().try_into().unwrap_or_default())
        })
    }

    fn remove_webhook(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute(DELETE_WEBHOOK, [id])? > 0))
    }

    fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.read(|c| all(c, SELECT_WEBHOOKS, [], webhook_of))
    }

    fn webhook_delivered(&self, id: u64, event: u64) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(SET_WEBHOOK_DELIVERED)?
                .execute(params![id, event])?;
            Ok(())
        })
    }

    fn webhook_failed(
        &self,
        id: u64,
        attempts: u32,
        retry_at: Timestamp,
        error: &str,
    ) -> Result<()> {
        self.write(|tx| {
            tx.prepare_cached(SET_WEBHOOK_FAILED)?.execute(params![
                id,
                attempts,
                retry_at.millis(),
                error
            ])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::{IdSource, TicketId};

    use super::*;
    use crate::events::detail::WRITTEN;

    #[test]
    fn rows_written_by_earlier_versions_read_as_typed_details_and_send_the_same_json() {
        let dir = tempfile::tempdir().expect("dir");
        let storage =
            SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("open");
        let ticket = TicketId::random();
        storage
            .write(|tx| {
                for (kind, detail) in WRITTEN {
                    tx.execute(
                        INSERT_EVENT,
                        params![1, kind.as_str(), ticket.as_str(), "supervisor", detail],
                    )?;
                }
                Ok(())
            })
            .expect("rows as an earlier version wrote them");
        let events = storage.events_after(0, 100).expect("the outbox");
        assert_eq!(events.len(), WRITTEN.len());
        for (event, (kind, detail)) in events.iter().zip(WRITTEN) {
            assert_eq!(event.kind(), *kind);
            let sent = serde_json::to_string(event).expect("an event as JSON");
            // The fields in the order events have always been sent in.
            let (id, kind) = (event.id, kind.as_str());
            let head = format!(r#"{{"id":{id},"kind":"{kind}","ticket_id":"{ticket}","at":1,"#);
            let tail = format!(r#""audience":["supervisor"],"detail":{detail}}}"#);
            assert_eq!(sent, head + &tail);
        }
    }
}
