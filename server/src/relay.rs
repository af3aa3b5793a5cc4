//! Events that other servers on the same database commit reach this server's event streams:
//! a thread waits for news of the outbox ([`crate::storage::Outbox::await_events`], which on
//! PostgreSQL is a notification and on SQLite a look every [`PATIENCE`]) and publishes the
//! events this server did not publish itself. The streams drop what they have sent already and
//! go back to the outbox when an event skips ahead, so each client sees each event once, in
//! order.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::broadcast::{self, error::TryRecvError};

use crate::events::Event;
use crate::storage::Storage;

/// The longest wait for news before the outbox is asked again: the safety net under lost
/// notifications, and how late an event from another server on SQLite may be.
pub const PATIENCE: Duration = Duration::from_secs(1);
/// Events read from the outbox at once.
const PAGE: usize = 500;

/// The relay thread; it stops when this is dropped.
#[derive(Debug)]
pub struct Relay {
    stop: Arc<AtomicBool>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Relay {
    /// Starts relaying the outbox of `storage` to `published`, the channel this server's own
    /// commits publish their events on.
    pub fn start(storage: Arc<dyn Storage>, published: broadcast::Sender<Event>) -> Relay {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let run = move || {
            let mut seen = Seen {
                ours: published.subscribe(),
                own: BTreeSet::new(),
                last: None,
            };
            while !stopped.load(Ordering::SeqCst) {
                if let Err(e) = relay(storage.as_ref(), &published, &mut seen) {
                    tracing::warn!(error = %e, "events of other servers not relayed");
                    std::thread::sleep(PATIENCE);
                }
            }
        };
        if let Err(e) = std::thread::Builder::new()
            .name("fieldledger-relay".into())
            .spawn(run)
        {
            tracing::error!("cannot start the event relay: {e}");
        }
        Relay { stop }
    }
}

/// What the relay knows of the outbox.
struct Seen {
    /// This server's own published events, as they are published.
    ours: broadcast::Receiver<Event>,
    /// Those of them past `last`: on the streams already.
    own: BTreeSet<u64>,
    /// The last event relayed or passed over; where the outbox ended when the relay began, at
    /// first.
    last: Option<u64>,
}

/// Waits for news once and publishes what other servers committed after `seen.last`.
fn relay(
    storage: &dyn Storage,
    published: &broadcast::Sender<Event>,
    seen: &mut Seen,
) -> crate::storage::Result<()> {
    let after = match seen.last {
        Some(after) => after,
        None => *seen.last.insert(storage.last_event_id()?),
    };
    storage.await_events(after, PATIENCE)?;
    let events = storage.events_after(after, PAGE)?;
    loop {
        match seen.ours.try_recv() {
            Ok(event) => {
                seen.own.insert(event.id);
            }
            Err(TryRecvError::Lagged(_)) => continue,
            Err(TryRecvError::Empty | TryRecvError::Closed) => break,
        }
    }
    for event in events {
        seen.last = Some(event.id);
        if !seen.own.remove(&event.id) {
            // No stream listening is no error.
            let _ = published.send(event);
        }
    }
    if let Some(last) = seen.last {
        seen.own.retain(|id| *id > last);
    }
    Ok(())
}
