//! Group commit: batches from concurrent requests are written together in one SQLite
//! transaction, so that the cost of making data durable (an fsync) is shared, while each
//! request still answers only after its own batch is on disk.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use fieldledger_core::Clock;
use tokio::sync::broadcast;

use crate::documents::Documents;
use crate::error::ServerError;
use crate::events::Event;
use crate::storage::{Batch, Storage};

/// The most batches written in one transaction.
const GROUP: usize = 256;

/// Where a batch's outcome is reported.
type Done = SyncSender<Result<(), String>>;

struct Job {
    batch: Batch,
    generation: u64,
    done: Done,
}

/// A queued batch; [`Queued::wait`] returns once it is durably written (or failed).
#[derive(Debug)]
pub struct Queued(Receiver<Result<(), String>>);

impl Queued {
    /// Waits for the batch's commit.
    pub fn wait(self) -> Result<(), ServerError> {
        match self.0.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => Err(ServerError::refused(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "storage_failed",
                message,
            )),
            Err(_) => Err(ServerError::refused(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                "storage_failed",
                "the storage writer has stopped",
            )),
        }
    }
}

/// The writer thread and its queue.
#[derive(Debug)]
pub struct Committer {
    queue: Sender<Job>,
}

impl Committer {
    /// Starts the writer thread over `storage`; a failed commit invalidates `documents`, and the
    /// events of each commit are published on `published` once durable.
    pub fn start(
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
        documents: Arc<Documents>,
        published: broadcast::Sender<Event>,
    ) -> Self {
        let (queue, jobs) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("fieldledger-commit".into())
            .spawn(move || run(storage, clock, documents, published, jobs))
            .map(drop)
            .unwrap_or_else(|e| tracing::error!("cannot start the storage writer: {e}"));
        Self { queue }
    }

    /// Queues `batch`, staged on documents of `generation`.
    pub fn enqueue(&self, batch: Batch, generation: u64) -> Queued {
        let (done, wait) = mpsc::sync_channel(1);
        if let Err(mpsc::SendError(job)) = self.queue.send(Job {
            batch,
            generation,
            done,
        }) {
            let _ = job.done.send(Err("the storage writer has stopped".into()));
        }
        Queued(wait)
    }
}

fn run(
    storage: Arc<dyn Storage>,
    clock: Arc<dyn Clock>,
    documents: Arc<Documents>,
    published: broadcast::Sender<Event>,
    jobs: Receiver<Job>,
) {
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        // Batches staged on documents of an older generation may build on what a failed commit
        // did not write: they fail too.
        let current = documents.generation();
        let (doomed, live): (Vec<Job>, Vec<Job>) =
            group.into_iter().partition(|j| j.generation < current);
        for job in doomed {
            let _ = job.done.send(Err("an earlier write failed; retry".into()));
        }
        if live.is_empty() {
            continue;
        }
        let (batches, waiters): (Vec<Batch>, Vec<Done>) =
            live.into_iter().map(|j| (j.batch, j.done)).unzip();
        let outcome = storage.commit(&batches, clock.now());
        match &outcome {
            Ok(events) => {
                for event in events {
                    // Nobody listening is not an error: the outbox keeps every event.
                    let _ = published.send(event.clone());
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "commit failed");
                documents.invalidate();
            }
        }
        for done in waiters {
            let _ = done.send(outcome.as_ref().map(drop).map_err(|e| e.to_string()));
        }
    }
}
