//! The outbox of events and the webhooks on PostgreSQL. Events take their ids under the lock
//! of ordered appends ([`super::ORDERED_APPEND_LOCK`]), one after the other with no gap, in the
//! order their transactions commit: a stream that has sent event n has sent every event before
//! it, whichever server committed them.

use std::time::Duration;

use fallible_iterator::FallibleIterator;
use fieldledger_core::Timestamp;
use postgres::{Row, Transaction};

use super::row::{Named, bigint, corrupt};
use super::{PostgresStorage, deadlines, take_ordered_append_lock};
use crate::events::{Event, EventDetail, EventKind, NewEvent};
use crate::storage::{Outbox, Result, Webhook};

/// The next event, numbered after the last.
const INSERT_EVENT: &str = "INSERT INTO events (id, at, kind, ticket_id, audience, detail)
    SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5 FROM events
    RETURNING id";
const SELECT_EVENTS_AFTER: &str = "SELECT id, at, kind, ticket_id, audience, detail FROM events
    WHERE id > $1 ORDER BY id LIMIT $2";
const SELECT_LAST_EVENT_ID: &str = "SELECT coalesce(max(id), 0) AS id FROM events";
/// Tells the servers listening that events up to `$1` are committed (sent when the
/// transaction commits). The payload is the id alone, far below NOTIFY's 8,000 bytes.
const NOTIFY_EVENTS: &str = "SELECT pg_notify('fieldledger_events', $1)";
const LISTEN_EVENTS: &str = "LISTEN fieldledger_events";

/// Adds a webhook that has acknowledged the events up to `$4`, or, when that is NULL, every
/// event so far.
const INSERT_WEBHOOK: &str = "INSERT INTO webhooks (url, secret, kinds, delivered_upto)
    VALUES ($1, $2, $3, coalesce($4, (SELECT coalesce(max(id), 0) FROM events)))
    RETURNING id";
const DELETE_WEBHOOK: &str = "DELETE FROM webhooks WHERE id = $1";
const SELECT_WEBHOOKS: &str = "SELECT id, url, secret, kinds, delivered_upto, attempts,
        next_attempt_at, last_error
    FROM webhooks ORDER BY id";
const SET_WEBHOOK_DELIVERED: &str = "UPDATE webhooks
    SET delivered_upto = greatest(delivered_upto, $2),
        attempts = 0, next_attempt_at = 0, last_error = NULL
    WHERE id = $1";
const SET_WEBHOOK_FAILED: &str = "UPDATE webhooks SET attempts = $2, next_attempt_at = $3,
        last_error = $4
    WHERE id = $1";

/// Puts `events` in the outbox at `at`, in order, and returns them as written; a deadline's
/// event whose deadline fired already is left out. Takes the lock of ordered appends, held
/// until `tx` commits: call it last in a transaction.
pub(super) fn save_events(
    tx: &mut Transaction<'_>,
    events: &[NewEvent],
    at: Timestamp,
) -> Result<Vec<Event>> {
    let mut written = Vec::new();
    for event in events {
        if let Some(key) = &event.deadline
            && !deadlines::mark_fired(tx, key, &event.ticket_id, at)?
        {
            continue;
        }
        if written.is_empty() {
            take_ordered_append_lock(tx)?;
        }
        let kind = event.kind();
        let audience = event.detail.audience();
        let roles: Vec<&str> = audience.iter().map(|r| r.as_str()).collect();
        let detail = serde_json::to_string(&event.detail).map_err(|_| corrupt("event detail"))?;
        let id: i64 = tx
            .query_one(
                INSERT_EVENT,
                &[
                    &event.at.millis(),
                    &kind.as_str(),
                    &event.ticket_id.as_str(),
                    &roles.join(" "),
                    &detail,
                ],
            )?
            .value("id")?;
        if let Some(key) = &event.deadline {
            deadlines::note_event(tx, key, &event.ticket_id, id)?;
        }
        written.push(Event {
            id: u64::try_from(id).map_err(|_| corrupt("event id"))?,
            ticket_id: event.ticket_id.clone(),
            at: event.at,
            audience,
            detail: event.detail.clone(),
        });
    }
    if let Some(last) = written.last() {
        tx.execute(NOTIFY_EVENTS, &[&last.id.to_string()])?;
    }
    Ok(written)
}

/// An event from a row of [`SELECT_EVENTS_AFTER`].
fn event_of(row: &Row) -> Result<Event> {
    let kind: EventKind = row.parsed("kind")?;
    let detail: &str = row.value("detail")?;
    Ok(Event {
        id: row.unsigned("id")?,
        ticket_id: row.parsed("ticket_id")?,
        at: row.timestamp("at")?,
        audience: row.parsed_list("audience")?,
        detail: EventDetail::from_json(kind, detail).map_err(|_| corrupt("event detail"))?,
    })
}

/// A webhook from a row of [`SELECT_WEBHOOKS`].
fn webhook_of(row: &Row) -> Result<Webhook> {
    Ok(Webhook {
        id: row.unsigned("id")?,
        url: row.value("url")?,
        secret: row.value("secret")?,
        kinds: row.parsed_list("kinds")?,
        delivered_upto: row.unsigned("delivered_upto")?,
        attempts: u32::try_from(row.value::<i32>("attempts")?).map_err(|_| corrupt("attempts"))?,
        next_attempt_at: row.timestamp("next_attempt_at")?,
        last_error: row.value("last_error")?,
    })
}

impl Outbox for PostgresStorage {
    fn events_after(&self, after: u64, limit: usize) -> Result<Vec<Event>> {
        let limit = bigint(limit as u64);
        self.read(|c| {
            c.query(SELECT_EVENTS_AFTER, &[&bigint(after), &limit])?
                .iter()
                .map(event_of)
                .collect()
        })
    }

    fn last_event_id(&self) -> Result<u64> {
        self.read(|c| c.query_one(SELECT_LAST_EVENT_ID, &[])?.unsigned("id"))
    }

    /// Listens for [`NOTIFY_EVENTS`] on a connection of its own, kept for the next call; the
    /// outbox is asked after listening begins, so that a commit in between is not missed. A
    /// notification lost with a dropped connection is made up for by the caller asking the
    /// outbox after `timeout`.
    fn await_events(&self, after: u64, timeout: Duration) -> Result<()> {
        let mut listener = self.listener.lock().unwrap_or_else(|p| p.into_inner());
        if listener.as_ref().is_none_or(|c| c.is_closed()) {
            let mut client = self.config().connect(postgres::NoTls)?;
            client.batch_execute(LISTEN_EVENTS)?;
            *listener = Some(client);
        }
        if self.last_event_id()? > after {
            return Ok(());
        }
        let Some(client) = listener.as_mut() else {
            return Ok(());
        };
        let mut notifications = client.notifications();
        let heard = notifications.timeout_iter(timeout).next().map(drop);
        // Several commits may have notified at once: one look at the outbox serves them all.
        while let Ok(Some(_)) = notifications.iter().next() {}
        drop(notifications);
        if heard.is_err() {
            // Listening again, on a new connection, at the next call.
            *listener = None;
        }
        Ok(heard?)
    }

    fn add_webhook(
        &self,
        url: &str,
        secret: &str,
        kinds: &[EventKind],
        from: Option<u64>,
    ) -> Result<u64> {
        let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
        let from = from.map(bigint);
        self.write(|tx| {
            tx.query_one(INSERT_WEBHOOK, &[&url, &secret, &kinds.join(" "), &from])?
                .unsigned("id")
        })
    }

    fn remove_webhook(&self, id: u64) -> Result<bool> {
        self.write(|tx| Ok(tx.execute(DELETE_WEBHOOK, &[&bigint(id)])? > 0))
    }

    fn webhooks(&self) -> Result<Vec<Webhook>> {
        self.read(|c| {
            c.query(SELECT_WEBHOOKS, &[])?
                .iter()
                .map(webhook_of)
                .collect()
        })
    }

    fn webhook_delivered(&self, id: u64, event: u64) -> Result<()> {
        self.write(|tx| {
            tx.execute(SET_WEBHOOK_DELIVERED, &[&bigint(id), &bigint(event)])?;
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
        let attempts = i32::try_from(attempts).unwrap_or(i32::MAX);
        self.write(|tx| {
            tx.execute(
                SET_WEBHOOK_FAILED,
                &[&bigint(id), &attempts, &retry_at.millis(), &error],
            )?;
            Ok(())
        })
    }
}
