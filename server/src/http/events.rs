//! Events. The live stream of events for the service department: `GET /v1/events` as Server-Sent
//! Events. A client that reconnects with `Last-Event-ID` (or `?after=`) first gets every event
//! it missed from the outbox, then the live ones, each once and in order. Each event is sent
//! with its ticket's ledger number and customer, for people to read.
//!
//! `GET /v1/security-events` lists, for administrators, the latest refusals of devices' writes.

use std::collections::{BTreeSet, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::RecvError};

use super::extract::Params;
use super::guard::{Admin, Office};
use super::{Result, blocking};
use crate::AppState;
use crate::error::{Code, Error};
use crate::events::{Event, EventKind};
use crate::storage::Storage;

/// Events read from the outbox at a time.
const PAGE: usize = 500;

/// The filters of a stream.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StreamQuery {
    /// Event kinds, separated by commas; every kind when absent.
    kind: Option<String>,
    /// Only events told to this role.
    role: Option<String>,
    /// Resume after this event (as `Last-Event-ID` does).
    after: Option<u64>,
    /// Start with at most this many of the latest events (when not resuming), rather than the
    /// whole outbox: what a dashboard that opens the stream wants.
    recent: Option<u64>,
}

/// Where a stream stands.
struct Cursor {
    storage: Arc<dyn Storage>,
    live: broadcast::Receiver<Event>,
    last: u64,
    backlog: VecDeque<Event>,
    /// Whether the outbox may hold more after the backlog.
    more: bool,
    kinds: BTreeSet<EventKind>,
    role: Option<fieldledger_core::Role>,
}

impl Cursor {
    /// The next event that passes the filters, or `None` when the server stops.
    async fn next(&mut self) -> Option<Result<Event, Error>> {
        loop {
            if let Some(event) = self.backlog.pop_front() {
                self.last = event.id;
                if event.matches(&self.kinds, self.role) {
                    return Some(Ok(event));
                }
                continue;
            }
            if self.more {
                if let Err(e) = self.read_outbox().await {
                    return Some(Err(e));
                }
                continue;
            }
            // Caught up with the outbox: wait for what is committed next. An event that does not
            // follow the last one directly sends the stream back to the outbox, which has
            // everything in order.
            match self.live.recv().await {
                Ok(event) if event.id <= self.last => continue,
                Ok(event) if event.id == self.last + 1 => self.backlog.push_back(event),
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    if let Err(e) = self.read_outbox().await {
                        return Some(Err(e));
                    }
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }

    async fn read_outbox(&mut self) -> Result<(), Error> {
        let storage = self.storage.clone();
        let after = self.last;
        let page = blocking(move || storage.events_after(after, PAGE)).await?;
        self.more = page.len() == PAGE;
        self.backlog.extend(page);
        Ok(())
    }
}

/// An event as the stream sends it: the event, with the ledger number and the customer of its
/// ticket as the ledger has them now.
#[derive(Serialize)]
struct Shown<'a> {
    #[serde(flatten)]
    event: &'a Event,
    ledger_number: Option<String>,
    customer: Option<String>,
}

impl<'a> Shown<'a> {
    /// `event` with its ticket's ledger row; without them when the row cannot be read.
    async fn of(storage: &Arc<dyn Storage>, event: &'a Event) -> Shown<'a> {
        let storage = storage.clone();
        let id = event.ticket_id.clone();
        let row = blocking(move || storage.ledger_row(&id))
            .await
            .ok()
            .flatten();
        Shown {
            event,
            ledger_number: row.as_ref().and_then(|r| r.ledger_number.clone()),
            customer: row.map(|r| r.customer_name),
        }
    }
}

/// `GET /v1/events`: the stream, for office users.
pub(super) async fn events(
    State(state): State<AppState>,
    _: Office,
    headers: HeaderMap,
    Params(query): Params<StreamQuery>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Error> {
    let kinds = match &query.kind {
        Some(list) => list
            .split(',')
            .filter(|k| !k.is_empty())
            .map(|k| k.parse::<EventKind>())
            .collect::<Result<_, _>>()
            .map_err(|e| Error::new(Code::BadFilter, e))?,
        None => BTreeSet::new(),
    };
    let role = match &query.role {
        Some(role) => Some(
            role.parse()
                .map_err(|_| Error::new(Code::BadFilter, format!("unknown role {role:?}")))?,
        ),
        None => None,
    };
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    // Subscribe before reading the outbox, so that nothing committed in between is missed.
    let live = state.engine.subscribe();
    let last = match (resume.or(query.after), query.recent) {
        (Some(after), _) => after,
        (None, Some(recent)) => {
            let storage = state.storage.clone();
            blocking(move || storage.last_event_id())
                .await?
                .saturating_sub(recent)
        }
        (None, None) => 0,
    };
    let cursor = Cursor {
        storage: state.storage.clone(),
        live,
        last,
        backlog: VecDeque::new(),
        more: true,
        kinds,
        role,
    };
    let stream = stream::unfold(cursor, |mut cursor| async move {
        let event = match cursor.next().await? {
            Ok(event) => {
                let shown = Shown::of(&cursor.storage, &event).await;
                SseEvent::default()
                    .id(event.id.to_string())
                    .event(event.kind().as_str())
                    .json_data(&shown)
                    .unwrap_or_else(|e| SseEvent::default().comment(e.to_string()))
            }
            Err(e) => SseEvent::default().comment(e.to_string()),
        };
        Some((Ok(event), cursor))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// `GET /v1/security-events`: the latest refusals of devices' writes, for administrators.
pub(super) async fn security_events(State(state): State<AppState>, _: Admin) -> Result<Response> {
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.security_events(200)).await?).into_response())
}
