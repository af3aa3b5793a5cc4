//! Sync with the office off the caller's thread, with progress and cancellation.
//!
//! `DeviceStore.sync` is an async method (a `suspend fun` in Kotlin, `async` in Swift and
//! Python). It runs core's sync on a thread of its own, over a transport that wraps core's
//! HTTP transport: before each round (one request and its answer) and each piece of a photo it
//! checks whether the sync should stop, and after each it reports progress. Core's sync is
//! interruptible at any of these points: what a finished round brought is stored, and the next
//! sync goes on from there.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use fieldledger_core::protocol::{self, DocError, SyncResponse};
use fieldledger_core::store::sync_state;
use fieldledger_core::sync::Transport;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Error, Timestamp};

use crate::device::DeviceStore;
use crate::error::{FieldLedgerError, Result};

/// How far this device is in step with the office.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    /// When a sync last completed (this device's clock), if ever.
    pub last_sync_at: Option<Timestamp>,
    /// When a sync was last tried.
    pub last_attempt_at: Option<Timestamp>,
    /// Why the last attempt failed, if it did.
    pub last_error: Option<String>,
    /// Changes made on this device that the office has not yet confirmed receiving.
    pub unconfirmed_changes: u64,
    /// Tickets with such changes.
    pub unconfirmed_tickets: u64,
    /// Photos and signatures not yet uploaded.
    pub blobs_waiting: u64,
}

impl From<sync_state::SyncStatus> for SyncStatus {
    fn from(status: sync_state::SyncStatus) -> Self {
        Self {
            last_sync_at: status.last_sync_at,
            last_attempt_at: status.last_attempt_at,
            last_error: status.last_error,
            unconfirmed_changes: status.unconfirmed_changes as u64,
            unconfirmed_tickets: status.unconfirmed_tickets as u64,
            blobs_waiting: status.blobs_waiting as u64,
        }
    }
}

/// What one sync did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Request rounds made.
    pub rounds: u32,
    /// Tickets that received changes from the office.
    pub tickets_received: u64,
    /// Tickets new to this device.
    pub tickets_new: u64,
    /// Tickets the office confirmed it holds durably.
    pub tickets_confirmed: u64,
    /// Tickets dropped because this device may no longer read them.
    pub tickets_dropped: u64,
    /// Photos and signatures uploaded.
    pub blobs_uploaded: u64,
    /// Tickets the office refused, wholly or in part; the others synced.
    pub errors: Vec<DocError>,
    /// Whether the sync stopped at its round limit with work left: sync again.
    pub incomplete: bool,
}

impl From<fieldledger_core::sync::SyncReport> for SyncReport {
    fn from(report: fieldledger_core::sync::SyncReport) -> Self {
        Self {
            rounds: report.rounds,
            tickets_received: report.tickets_received as u64,
            tickets_new: report.tickets_new as u64,
            tickets_confirmed: report.tickets_confirmed as u64,
            tickets_dropped: report.tickets_dropped as u64,
            blobs_uploaded: report.blobs_uploaded as u64,
            errors: report.errors,
            incomplete: report.incomplete,
        }
    }
}

/// Told how a sync goes, from the sync's own thread: post to the UI thread before touching
/// the UI.
#[uniffi::export(with_foreign)]
pub trait SyncProgress: Send + Sync {
    /// Round `round` (from 1) was answered; the answer carries changes for `tickets` tickets.
    fn round_answered(&self, round: u32, tickets: u32);
    /// `sent` of the `total` bytes of the photo or signature `sha256` are uploaded.
    fn blob_uploading(&self, sha256: String, sent: u64, total: u64);
}

/// Stops a sync at its next round: pass it to `sync`, call `cancel` from any thread. A handle
/// stays cancelled; use a new one for the next sync. Cancelling the Kotlin coroutine or Swift
/// task that awaits the sync stops it the same way.
#[derive(Debug, Default, uniffi::Object)]
pub struct SyncCancel {
    cancelled: AtomicBool,
}

#[uniffi::export]
impl SyncCancel {
    /// A handle that has not been cancelled.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks the sync to stop before its next round.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
    }

    /// Whether `cancel` was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

/// The reasons a running sync stops early.
struct Stop {
    cancel: Option<Arc<SyncCancel>>,
    /// The store was closed.
    closed: Arc<AtomicBool>,
    /// The app stopped awaiting the sync (its coroutine or task was cancelled).
    abandoned: Arc<AtomicBool>,
}

impl Stop {
    fn requested(&self) -> bool {
        self.cancel.as_ref().is_some_and(|c| c.is_cancelled())
            || self.closed.load(Ordering::SeqCst)
            || self.abandoned.load(Ordering::SeqCst)
    }

    fn check(&self) -> fieldledger_core::Result<()> {
        if self.requested() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

/// Marks the sync abandoned when the future awaiting it is dropped before it finished, which
/// is what uniffi does when the foreign coroutine or task is cancelled.
struct AbandonOnDrop(Arc<AtomicBool>);

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Core's HTTP transport, watched: each call checks [`Stop`] first and reports progress after.
struct Watched<'a> {
    inner: HttpTransport,
    stop: &'a Stop,
    progress: Option<Arc<dyn SyncProgress>>,
    rounds: Cell<u32>,
}

impl Transport for Watched<'_> {
    fn sync(&self, request: Vec<u8>) -> fieldledger_core::Result<Vec<u8>> {
        self.stop.check()?;
        let answer = self.inner.sync(request)?;
        self.rounds.set(self.rounds.get() + 1);
        if let Some(progress) = &self.progress {
            // A body that does not decode is reported by core's sync, which decodes it again.
            let tickets = protocol::decode::<SyncResponse>(&answer).map_or(0, |r| r.docs.len());
            progress.round_answered(
                self.rounds.get(),
                u32::try_from(tickets).unwrap_or(u32::MAX),
            );
        }
        Ok(answer)
    }

    fn blob_offset(&self, sha256: &str) -> fieldledger_core::Result<Option<u64>> {
        self.stop.check()?;
        self.inner.blob_offset(sha256)
    }

    fn upload_blob(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> fieldledger_core::Result<()> {
        self.inner.upload_blob(sha256, offset, total, bytes)?;
        if let Some(progress) = &self.progress {
            progress.blob_uploading(sha256.to_owned(), offset + bytes.len() as u64, total);
        }
        Ok(())
    }
}

/// Runs `work` on a thread of its own and awaits its result without blocking the caller: the
/// foreign side polls this future, and the thread wakes it when done. Needs no async runtime.
pub(crate) async fn off_thread<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("fieldledger-network".into())
        .spawn(move || {
            // The receiver is gone only when the app stopped waiting; nothing is left to tell.
            let _ = sender.send(work());
        })
        .map_err(|e| FieldLedgerError::Storage {
            reason: format!("cannot start a network thread: {e}"),
        })?;
    receiver.await.map_err(|_| FieldLedgerError::Storage {
        reason: "the network thread stopped before it finished".into(),
    })
}

#[uniffi::export]
impl DeviceStore {
    /// Syncs with the office until neither side has anything to send, then uploads waiting
    /// photos. Runs off the caller's thread; `progress` hears of each round, `cancel` stops it
    /// before its next round (so does cancelling the awaiting coroutine or task, or closing the
    /// store). Fails with `NotEnrolled`, `Offline`, `Unauthorized` (token revoked),
    /// `ServerRejected` or `Cancelled`; each finished round is kept whatever happens after.
    pub async fn sync(
        &self,
        progress: Option<Arc<dyn SyncProgress>>,
        cancel: Option<Arc<SyncCancel>>,
    ) -> Result<SyncReport> {
        let store = self.store()?;
        let enrolment = store.enrolment()?.ok_or(FieldLedgerError::NotEnrolled)?;
        let abandoned = Arc::new(AtomicBool::new(false));
        let _abandon_on_drop = AbandonOnDrop(abandoned.clone());
        let stop = Stop {
            cancel,
            closed: self.closed_flag(),
            abandoned,
        };
        off_thread(move || {
            let transport = Watched {
                inner: HttpTransport::new(&enrolment),
                stop: &stop,
                progress,
                rounds: Cell::new(0),
            };
            // A round cut short by a stop may fail in another way before it sees the stop.
            match fieldledger_core::sync::sync(&store, &transport) {
                Ok(report) => Ok(report.into()),
                Err(_) if stop.requested() => Err(FieldLedgerError::Cancelled),
                Err(e) => Err(e.into()),
            }
        })
        .await?
    }
}
