//! Delivery of events to webhooks, off the request threads so that a receiver that is slow or
//! down never holds up sync. Each webhook gets its events in order, at least once: a POST of the
//! event as JSON with its id as the idempotency key (`Idempotency-Key`), the time it was sent
//! (`X-Fieldledger-Timestamp`, milliseconds since 1970) and an HMAC-SHA256 signature under the
//! webhook's secret of the time, the event id and the body (`X-Fieldledger-Signature:
//! sha256=<hex>`, see [`verify`]), so that a captured delivery cannot be passed off as another
//! event or replayed later. A failed delivery is tried again after a pause that doubles each
//! time, up to a limit; the position of each webhook is stored, so a restart resumes where it
//! stood.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldledger_core::{Clock, Timestamp};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::events::Event;
use crate::storage::{Storage, Webhook};
use crate::tenure::{RENEWAL, Tenure};

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "X-Fieldledger-Signature";

/// The header that carries the time the delivery was sent, in milliseconds since 1970.
pub const TIMESTAMP_HEADER: &str = "X-Fieldledger-Timestamp";

/// How old a delivery [`verify`] still accepts (five minutes): long enough for clocks that
/// differ a little, short enough that a captured delivery soon stops verifying.
pub const TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// How deliveries are paced.
#[derive(Clone, Copy, Debug)]
pub struct Pacing {
    /// How often the outbox is checked for events to deliver.
    pub poll: Duration,
    /// The pause after a first failure; it doubles with each further failure.
    pub first_retry: Duration,
    /// The longest pause between attempts.
    pub longest_retry: Duration,
    /// How long a receiver has to answer.
    pub timeout: Duration,
}

impl Default for Pacing {
    fn default() -> Self {
        Self {
            poll: Duration::from_millis(250),
            first_retry: Duration::from_secs(1),
            longest_retry: Duration::from_secs(300),
            timeout: Duration::from_secs(10),
        }
    }
}

/// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`. A delivery signs its time and
/// event id with the body; see [`verify`].
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        // HMAC takes keys of any length; this cannot happen.
        Err(_) => return String::new(),
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What a delivery's signature covers: its time, the event's id and the body.
fn signed_text(sent_at: i64, event_id: &str, body: &[u8]) -> Vec<u8> {
    let mut text = format!("{sent_at}.{event_id}.").into_bytes();
    text.extend_from_slice(body);
    text
}

/// Checks a delivery as a receiver should: `signed` (the signature header) is the signature
/// under `secret` of `sent_at` (the timestamp header), `event_id` (the idempotency key) and
/// `body`, and the delivery is at most [`TOLERANCE_MS`] from `now`. A receiver also keeps the
/// ids it has handled, so that a delivery repeated within the tolerance is done once.
pub fn verify(
    secret: &str,
    sent_at: i64,
    event_id: &str,
    body: &[u8],
    signed: &str,
    now: Timestamp,
) -> Result<(), &'static str> {
    if (now.millis() - sent_at).abs() > TOLERANCE_MS {
        return Err("the delivery is too old or from the future");
    }
    let given = signed
        .trim()
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .ok_or("the signature is not sha256=<hex>")?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|_| "the secret is unusable")?;
    mac.update(&signed_text(sent_at, event_id, body));
    mac.verify_slice(&given)
        .map_err(|_| "the signature does not match")
}

/// The delivery thread; it stops when this is dropped.
#[derive(Debug)]
pub struct Deliverer {
    stop: Arc<AtomicBool>,
}

impl Drop for Deliverer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Deliverer {
    /// Starts delivering the outbox of `storage` while this server holds `tenure`'s lease, so
    /// that of several servers on one database one delivers.
    pub fn start(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        pacing: Pacing,
        tenure: Arc<Tenure>,
    ) -> Deliverer {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(pacing.timeout))
            .http_status_as_error(false)
            .build()
            .new_agent();
        let run = move || {
            let delivering = Arc::new(Mutex::new(HashSet::new()));
            let mut next_renewal = Instant::now();
            while !stopped.load(Ordering::SeqCst) {
                if Instant::now() >= next_renewal {
                    tenure.renew(storage.as_ref(), clock.as_ref());
                    next_renewal = Instant::now() + pacing.poll.max(RENEWAL / 4);
                }
                if tenure.held()
                    && let Err(e) =
                        start_due(&storage, &clock, &agent, pacing, &delivering, &tenure)
                {
                    tracing::error!(error = %e, "webhook delivery");
                }
                std::thread::sleep(pacing.poll);
            }
            tenure.release(storage.as_ref());
        };
        if let Err(e) = std::thread::Builder::new()
            .name("fieldledger-webhooks".into())
            .spawn(run)
        {
            tracing::error!("cannot start webhook delivery: {e}");
        }
        Deliverer { stop }
    }
}

/// Starts delivering to every webhook that is due and not already being delivered to, each on
/// a thread of its own, so that a slow receiver holds up only its own deliveries.
fn start_due(
    storage: &Arc<dyn Storage>,
    clock: &Arc<dyn Clock>,
    agent: &ureq::Agent,
    pacing: Pacing,
    delivering: &Arc<Mutex<HashSet<u64>>>,
    tenure: &Arc<Tenure>,
) -> crate::storage::Result<()> {
    for hook in storage.webhooks()? {
        if hook.next_attempt_at > clock.now() {
            continue;
        }
        if !delivering
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(hook.id)
        {
            continue;
        }
        let (storage, clock, agent) = (storage.clone(), clock.clone(), agent.clone());
        let tenure = tenure.clone();
        let done = delivering.clone();
        let id = hook.id;
        let work = move || {
            if let Err(e) = deliver(&*storage, &*clock, &agent, &pacing, &hook, &tenure) {
                tracing::error!(webhook = hook.id, error = %e, "webhook delivery");
            }
            done.lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&hook.id);
        };
        if let Err(e) = std::thread::Builder::new()
            .name(format!("fieldledger-webhook-{id}"))
            .spawn(work)
        {
            delivering
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&id);
            tracing::error!(webhook = id, "cannot start a webhook delivery: {e}");
        }
    }
    Ok(())
}

/// Delivers the events after `hook`'s position, in order, until one fails or none is left.
fn deliver(
    storage: &dyn Storage,
    clock: &dyn Clock,
    agent: &ureq::Agent,
    pacing: &Pacing,
    hook: &Webhook,
    tenure: &Tenure,
) -> crate::storage::Result<()> {
    let mut attempts = hook.attempts;
    let mut position = hook.delivered_upto;
    loop {
        let events = storage.events_after(position, 100)?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(());
        };
        for event in events {
            if !hook.kinds.is_empty() && !hook.kinds.contains(&event.kind()) {
                continue;
            }
            // Another server took the lease: it delivers from the position stored.
            if !tenure.held() {
                return Ok(());
            }
            if let Err(error) = post(agent, hook, &event, clock.now()) {
                attempts += 1;
                let pause = pacing
                    .first_retry
                    .saturating_mul(1 << attempts.saturating_sub(1).min(16))
                    .min(pacing.longest_retry);
                let retry_at = Timestamp(clock.now().millis() + pause.as_millis() as i64);
                tracing::warn!(
                    webhook = hook.id,
                    event = event.id,
                    attempts,
                    %error,
                    "webhook delivery failed"
                );
                storage.webhook_delivered(hook.id, position)?;
                return storage.webhook_failed(hook.id, attempts, retry_at, &error);
            }
            attempts = 0;
            position = event.id;
            storage.webhook_delivered(hook.id, position)?;
        }
        // Events of other kinds are passed over, and so is the rest of the page.
        position = position.max(last);
        storage.webhook_delivered(hook.id, position)?;
    }
}

/// POSTs `event` to `hook`; the error says why it was not acknowledged.
fn post(agent: &ureq::Agent, hook: &Webhook, event: &Event, now: Timestamp) -> Result<(), String> {
    let body = serde_json::to_vec(event).map_err(|e| e.to_string())?;
    let id = event.id.to_string();
    let signed = signature(&hook.secret, &signed_text(now.millis(), &id, &body));
    let response = agent
        .post(&hook.url)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", &id)
        .header("X-Fieldledger-Event", event.kind().as_str())
        .header(TIMESTAMP_HEADER, now.millis().to_string())
        .header(SIGNATURE_HEADER, signed)
        .send(&body[..])
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    if (200..300).contains(&status) {
        Ok(())
    } else {
        Err(format!("the receiver answered {status}"))
    }
}
