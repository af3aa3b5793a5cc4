//! Group commit: batches from concurrent requests are written together in one SQLite
//! transaction, so that the cost of making data durable (an fsync) is shared, while each
//! request still answers only after its own batch is on disk.

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};

use std::collections::BTreeSet;

use fieldledger_core::{Clock, TicketId, Timestamp};
use tokio::sync::broadcast;

use crate::documents::{Documents, Staged};
use crate::error::{Code, Error};
use crate::events::Event;
use crate::storage::{Batch, Storage};

/// The most batches written in one transaction.
const GROUP: usize = 256;

/// Where a batch's outcome is reported.
type Done = SyncSender<Result<(), Failure>>;

/// Why a batch was not written.
#[derive(Clone, Debug)]
enum Failure {
    /// It was staged on documents that changed before it could be stored (see
    /// [`Error::Stale`]): made again, it may succeed.
    Stale(String),
    /// It could not be written.
    Failed(String),
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        match error {
            Error::Stale(why) => Failure::Stale(why),
            other => Failure::Failed(other.to_string()),
        }
    }
}

struct Job {
    batch: Batch,
    staged: Staged,
    done: Done,
}

/// A queued batch; [`Queued::wait`] returns once it is durably written (or failed).
#[derive(Debug)]
pub struct Queued(Receiver<Result<(), Failure>>);

impl Queued {
    /// Waits for the batch's commit.
    pub fn wait(self) -> Result<(), Error> {
        match self.0.recv() {
            Ok(Ok(())) => Ok(()),
            Ok(Err(Failure::Stale(why))) => Err(Error::Stale(why)),
            Ok(Err(Failure::Failed(message))) => Err(Error::new(Code::StorageFailed, message)),
            Err(_) => Err(Error::new(
                Code::StorageFailed,
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
    /// Starts the writer thread over `storage`; a failed commit drops from `documents` those its
    /// batch was staged on, and the
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

    /// Queues `batch`, staged on the documents of `staged`.
    pub fn enqueue(&self, batch: Batch, staged: Staged) -> Queued {
        let (done, wait) = mpsc::sync_channel(1);
        if let Err(mpsc::SendError(job)) = self.queue.send(Job {
            batch,
            staged,
            done,
        }) {
            let _ = job.done.send(Err(Failure::Failed(
                "the storage writer has stopped".into(),
            )));
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
        // Batches staged on documents dropped since may build on what a failed commit did not
        // write: they fail too.
        let (doomed, live): (Vec<Job>, Vec<Job>) =
            group.into_iter().partition(|j| j.staged.dropped());
        for job in doomed {
            documents.forget(&job.staged);
            let _ = job
                .done
                .send(Err(Failure::Stale("an earlier write failed".into())));
        }
        if live.is_empty() {
            continue;
        }
        let (batches, jobs): (Vec<Batch>, Vec<(Staged, Done)>) = live
            .into_iter()
            .map(|j| (j.batch, (j.staged, j.done)))
            .unzip();
        let outcomes = commit_group(storage.as_ref(), &batches, clock.now());
        for (outcome, (staged, done)) in outcomes.into_iter().zip(jobs) {
            if outcome.is_err() {
                // The cache holds what the failed batch staged: it is read again from storage.
                documents.forget(&staged);
            }
            match &outcome {
                Ok(events) => {
                    for event in events {
                        // Nobody listening is not an error: the outbox keeps every event.
                        let _ = published.send(event.clone());
                    }
                }
                Err(Failure::Stale(why)) => {
                    tracing::info!(why, "a commit was staged on stale documents")
                }
                Err(Failure::Failed(e)) => tracing::error!(error = %e, "commit failed"),
            }
            let _ = done.send(outcome.map(drop));
        }
    }
}

/// Commits `batches` in one transaction; if that fails, commits each alone, in order, so that
/// one bad batch fails only itself and the batches staged after it on the same tickets (which
/// build on what it did not write). Returns each batch's events or why it failed.
fn commit_group(
    storage: &dyn Storage,
    batches: &[Batch],
    at: Timestamp,
) -> Vec<Result<Vec<Event>, Failure>> {
    let error = match storage.commit(batches, at) {
        Ok(events) => {
            // The outbox gives the events of the group in order; each waiter needs none back
            // but the first publishes them all.
            let mut outcomes = vec![Ok(Vec::new()); batches.len()];
            if let Some(first) = outcomes.first_mut() {
                *first = Ok(events);
            }
            return outcomes;
        }
        Err(e) => e,
    };
    if batches.len() == 1 {
        return vec![Err(error.into())];
    }
    tracing::warn!(error = %error, "a group commit failed; committing its batches one by one");
    let mut failed: BTreeSet<&TicketId> = BTreeSet::new();
    batches
        .iter()
        .map(|batch| {
            let tickets = || batch.docs.iter().map(|d| &d.ticket_id);
            if let Some(id) = tickets().find(|id| failed.contains(id)) {
                return Err(Failure::Stale(format!(
                    "an earlier write to ticket {id} in the same commit failed"
                )));
            }
            storage
                .commit(std::slice::from_ref(batch), at)
                .map_err(|e| {
                    failed.extend(tickets());
                    e.into()
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::SqliteStorage;
    use crate::storage::{DeviceDoc, DeviceDocWrite, SecurityEvent, SecurityEvents};
    use fieldledger_core::IdSource;

    fn noted(detail: &str) -> Batch {
        Batch {
            security_events: vec![SecurityEvent {
                at: Timestamp(1),
                kind: "forbidden".into(),
                device: None,
                user: None,
                ticket: None,
                detail: detail.into(),
            }],
            ..Batch::default()
        }
    }

    /// A batch that cannot be written (the device it names does not exist) fails alone: the
    /// batches committed with it are written.
    #[test]
    fn a_bad_batch_fails_only_itself() {
        let dir = tempfile::tempdir().expect("dir");
        let storage =
            SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("open");
        let bad = Batch {
            device_docs: vec![DeviceDocWrite {
                device: "nobody-s-device".parse().expect("device id"),
                ticket_id: TicketId::random(),
                state: DeviceDoc::default(),
            }],
            ..noted("in the bad batch")
        };
        let outcomes = commit_group(
            &storage,
            &[noted("before"), bad, noted("after")],
            Timestamp(2),
        );
        assert!(outcomes[0].is_ok() && outcomes[2].is_ok(), "{outcomes:?}");
        assert!(outcomes[1].is_err());
        let details: Vec<String> = storage
            .security_events(10)
            .expect("events")
            .into_iter()
            .map(|e| e.detail)
            .collect();
        assert!(details.contains(&"before".to_owned()), "{details:?}");
        assert!(details.contains(&"after".to_owned()), "{details:?}");
        assert!(!details.contains(&"in the bad batch".to_owned()));
    }
}
