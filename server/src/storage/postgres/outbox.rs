//! The outbox of events in PostgreSQL: events written with a commit, under the ordered-append
//! lock, each at the position after the last.

use fieldledger_core::Timestamp;
use postgres::Transaction;

use super::row::{Named, corrupt};
use crate::events::{Event, NewEvent};
use crate::storage::Result;

/// Puts an event at the position after the last; the caller holds the ordered-append lock.
const INSERT_EVENT: &str = "INSERT INTO events (id, at, kind, ticket_id, audience, detail)
    SELECT coalesce(max(id), 0) + 1, $1, $2, $3, $4, $5 FROM events RETURNING id";
/// Marks a deadline fired with the event about to be written, unless it fired already.
const INSERT_FIRED_DEADLINE: &str = "INSERT INTO fired_deadlines
        (deadline, ticket_id, subject, fired_at, event_id)
    SELECT $1, $2, $3, $4, coalesce(max(id), 0) + 1 FROM events
    ON CONFLICT (deadline, ticket_id, subject) DO NOTHING";

/// Puts `events` in the outbox at `at`, in order, and returns them as written; a deadline's
/// event whose deadline fired already is left out. The caller holds
/// [`super::ORDERED_APPEND_LOCK`].
pub(super) fn save_events(
    tx: &mut Transaction<'_>,
    events: &[NewEvent],
    at: Timestamp,
) -> Result<Vec<Event>> {
    let mut written = Vec::new();
    for event in events {
        if let Some(key) = &event.deadline {
            let args = [
                key.deadline.as_str(),
                event.ticket_id.as_str(),
                &key.subject,
            ];
            let marked = tx.execute(
                INSERT_FIRED_DEADLINE,
                &[&args[0], &args[1], &args[2], &at.millis()],
            )?;
            if marked == 0 {
                continue;
            }
        }
        let kind = event.kind();
        let audience = kind.audience();
        let roles: Vec<&str> = audience.iter().map(|r| r.as_str()).collect();
        let detail = serde_json::to_string(&event.detail).map_err(|_| corrupt("event detail"))?;
        let row = tx.query_one(
            INSERT_EVENT,
            &[
                &event.at.millis(),
                &kind.as_str(),
                &event.ticket_id.as_str(),
                &roles.join(" "),
                &detail,
            ],
        )?;
        written.push(Event {
            id: row.unsigned("id")?,
            ticket_id: event.ticket_id.clone(),
            at: event.at,
            audience,
            detail: event.detail.clone(),
        });
    }
    Ok(written)
}
