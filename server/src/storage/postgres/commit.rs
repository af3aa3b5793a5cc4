//! The commit in PostgreSQL: every batch's parts written in one transaction, each by the file of
//! its aggregate. The transaction first locks the rows of every document it writes, in the order
//! of their ids, and takes the positions of the feed and the outbox last, so that the lock that
//! orders those positions is held as briefly as can be.

use fieldledger_core::Timestamp;
use postgres::Transaction;

use super::documents::{self, Heads};
use super::{PostgresStorage, ledger, ledger_row, outbox, projection, security_events};
use crate::events::{Event, NewEvent};
use crate::storage::{Batch, Commits, DocWrite, Result};

/// Writes one document with the rest of its ticket's projection: return visits and costs when
/// they changed, and the ledger row (only its `updated_at` when nothing else in it changed).
/// `stored` holds the heads of the locked documents.
fn save_doc(tx: &mut Transaction<'_>, doc: &DocWrite, stored: &mut Heads) -> Result<()> {
    documents::save(tx, doc, stored)?;
    if let Some(visits) = &doc.return_visits {
        projection::save_return_visits(tx, &doc.ticket_id, visits)?;
    }
    if let Some(costs) = &doc.costs {
        projection::save_cost_lines(tx, &doc.ticket_id, costs)?;
    }
    if doc.ledger_changed {
        ledger::save_ledger_row(tx, &doc.ledger, Some(&doc.before))
    } else {
        ledger_row::touch(tx, &doc.ledger)
    }
}

/// Writes `batch` at `at`, but for its feed rows and events (see [`Commits::commit`]).
fn save_batch(
    tx: &mut Transaction<'_>,
    batch: &Batch,
    at: Timestamp,
    stored: &mut Heads,
) -> Result<()> {
    for doc in &batch.docs {
        save_doc(tx, doc, stored)?;
    }
    for write in &batch.device_docs {
        documents::save_device_doc(tx, write)?;
    }
    for (key, ticket_id) in &batch.imports {
        ledger::save_import(tx, key, ticket_id, at)?;
    }
    for event in &batch.security_events {
        security_events::save(tx, event)?;
    }
    Ok(())
}

impl Commits for PostgresStorage {
    /// Locks the documents the batches write, writes the batches, then, under the
    /// ordered-append lock, notes the documents in the feed and puts the events in the outbox.
    fn commit(&self, batches: &[Batch], at: Timestamp) -> Result<Vec<Event>> {
        let docs: Vec<&DocWrite> = batches.iter().flat_map(|b| &b.docs).collect();
        let mut ids: Vec<&str> = docs.iter().map(|d| d.ticket_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let events: Vec<NewEvent> = batches.iter().flat_map(|b| b.events.clone()).collect();
        self.write(|tx| {
            let mut stored = documents::lock(tx, &ids)?;
            for batch in batches {
                save_batch(tx, batch, at, &mut stored)?;
            }
            super::take_ordered_append_lock(tx)?;
            documents::save_feed(tx, &docs, at)?;
            outbox::save_events(tx, &events, at)
        })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use std::collections::BTreeSet;
    use std::sync::Barrier;

    use automerge::{ActorId, ChangeHash};
    use fieldledger_core::ticket::intake::Registration;
    use fieldledger_core::{Author, DeviceId, IdSource, Operation, Role, Ticket, TicketId, UserId};

    use super::super::row::Named;
    use super::super::scratch;
    use super::*;
    use crate::error::Error;
    use crate::ledger::{Received, first_handoff};
    use crate::projection::project;
    use crate::storage::sqlite::SqliteStorage;
    use crate::storage::{DocBytes, Documents, Ledger};

    /// A storage on a fresh scratch database.
    pub(in crate::storage::postgres) fn postgres() -> PostgresStorage {
        let url = scratch::fresh().expect("a scratch database");
        open(&url)
    }

    /// A storage (a server) on the database at `url`.
    pub(in crate::storage::postgres) fn open(url: &str) -> PostgresStorage {
        PostgresStorage::open(url, 4, Timestamp(0), IdSource::random()).expect("open")
    }

    /// A SQLite storage in a directory of its own, to compare with.
    pub(in crate::storage::postgres) fn sqlite() -> (tempfile::TempDir, SqliteStorage) {
        let dir = tempfile::tempdir().expect("dir");
        let storage =
            SqliteStorage::open(dir.path(), Timestamp(0), IdSource::random()).expect("open");
        (dir, storage)
    }

    /// The user `name`.
    pub(in crate::storage::postgres) fn user(name: &str) -> UserId {
        name.parse().expect("a user id")
    }

    /// One batch of the writes `docs`.
    pub(in crate::storage::postgres) fn batch(docs: Vec<DocWrite>) -> Batch {
        Batch {
            docs,
            ..Batch::default()
        }
    }

    /// A ticket as a server holds it while it stages writes of it.
    #[derive(Clone)]
    pub(in crate::storage::postgres) struct Staged {
        pub(in crate::storage::postgres) ticket: Ticket,
        received_at: Timestamp,
        user: UserId,
        device: Option<DeviceId>,
    }

    impl Staged {
        /// A complaint of `customer` registered at `at` by the service desk (from `device`),
        /// with its first write: the whole document.
        pub(in crate::storage::postgres) fn register(
            customer: &str,
            at: i64,
            device: Option<DeviceId>,
        ) -> (Staged, DocWrite) {
            let desk = user("desk.wang");
            let registration = Registration {
                complaint: true,
                customer_name: customer.into(),
                product_name: format!("Breaker for {customer}"),
                model: "ZN63".into(),
                content: "Trips without fault indication.".into(),
                ..Registration::default()
            };
            let author = Author::new(desk.clone(), Role::ServiceDesk);
            let ticket = Ticket::register(
                TicketId::random(),
                ActorId::random(),
                &author,
                Timestamp(at),
                &registration,
            )
            .expect("a registered ticket");
            let staged = Staged {
                ticket,
                received_at: Timestamp(at),
                user: desk,
                device,
            };
            let write = staged.write(&[], true, true, at);
            (staged, write)
        }

        /// Hands the ticket off at `at`; its write holds the change alone or, when `whole`,
        /// the whole document.
        pub(in crate::storage::postgres) fn hand_off(&mut self, at: i64, whole: bool) -> DocWrite {
            let before = self.ticket.heads();
            let op = Operation::HandOff {
                person: None,
                to: vec![Role::Technician],
                note: format!("hand-off at {at}"),
            };
            let author = Author::new(self.user.clone(), Role::ServiceDesk);
            self.ticket
                .apply(&author, Timestamp(at), &op)
                .expect("a hand-off");
            self.write(&before, false, whole, at)
        }

        /// The write at `at` of what the ticket gained since `before`, with its projection.
        fn write(&self, before: &[ChangeHash], new: bool, whole: bool, at: i64) -> DocWrite {
            let id = self.ticket.id();
            let view = self.ticket.view().expect("a view");
            let received = Received {
                received_at: self.received_at,
                created_by: Some(self.user.clone()),
                handed_off_received_at: first_handoff(&view).map(|_| self.received_at),
                confirmed_received_at: view
                    .intake
                    .confirmed_complaint_at()
                    .map(|_| self.received_at),
                updated_at: Timestamp(at),
            };
            let projection = project(id, None, &view, &received);
            let doc = self.ticket.doc();
            let (bytes, changes) = if whole {
                let meta = doc.get_changes_meta(before);
                let hashes = meta.iter().map(|c| c.hash).collect();
                (DocBytes::Snapshot(self.ticket.save()), hashes)
            } else {
                let changes = doc.get_changes(before);
                let bytes = changes.iter().map(|c| c.raw_bytes().to_vec()).collect();
                (
                    DocBytes::Changes(bytes),
                    changes.iter().map(|c| c.hash()).collect(),
                )
            };
            DocWrite {
                ticket_id: id.clone(),
                new,
                bytes,
                heads: self.ticket.heads(),
                changes,
                user: self.user.clone(),
                device: self.device.clone(),
                before: before.to_vec(),
                ledger: projection.row,
                ledger_changed: true,
                return_visits: Some(projection.return_visits),
                costs: Some(projection.costs),
            }
        }
    }

    /// Commits `docs` as one batch at `at`.
    fn commit(storage: &PostgresStorage, docs: Vec<DocWrite>, at: i64) {
        storage
            .commit(&[batch(docs)], Timestamp(at))
            .expect("a commit");
    }

    /// The changes of ticket `id` whose bytes are stored (not yet in the snapshot).
    fn unfolded(storage: &PostgresStorage, id: &TicketId) -> BTreeSet<ChangeHash> {
        let sql = "SELECT hash FROM changes WHERE ticket_id = $1 AND data IS NOT NULL";
        storage
            .read(|c| {
                c.query(sql, &[&id.as_str()])?
                    .iter()
                    .map(|r| {
                        let hash: &[u8] = r.value("hash")?;
                        Ok(ChangeHash::try_from(hash).expect("a hash"))
                    })
                    .collect()
            })
            .expect("the changes")
    }

    #[test]
    fn a_document_written_whole_then_as_changes_then_compacted_loads_back_whole() {
        let storage = postgres();
        let (mut staged, first) = Staged::register("Hebei Steel", 1_000, None);
        let id = staged.ticket.id().clone();
        commit(&storage, vec![first], 1_000);
        let mut appended = BTreeSet::new();
        for n in 1..=3 {
            let write = staged.hand_off(1_000 + n * 100, false);
            appended.extend(write.changes.iter().copied());
            commit(&storage, vec![write], 1_000 + n * 100);
        }
        let actor = ActorId::random();
        let (ticket, writes) = storage
            .load_ticket(&id, &actor)
            .expect("a load")
            .expect("one");
        assert_eq!(ticket.heads(), staged.ticket.heads());
        assert_eq!(writes, 3);
        assert_eq!(unfolded(&storage, &id), appended);

        let compaction = staged.hand_off(2_000, true);
        commit(&storage, vec![compaction], 2_000);
        assert!(
            unfolded(&storage, &id).is_empty(),
            "the snapshot holds them all"
        );
        let last = staged.hand_off(2_100, false);
        let after: BTreeSet<ChangeHash> = last.changes.iter().copied().collect();
        commit(&storage, vec![last], 2_100);

        let (ticket, writes) = storage
            .load_ticket(&id, &actor)
            .expect("a load")
            .expect("one");
        assert_eq!(ticket.heads(), staged.ticket.heads());
        assert_eq!(
            ticket.doc().get_changes(&[]).len(),
            staged.ticket.doc().get_changes(&[]).len()
        );
        assert_eq!(writes, 1);
        assert_eq!(unfolded(&storage, &id), after);
        assert_eq!(
            storage.stored_heads(&id).expect("heads"),
            Some(staged.ticket.heads())
        );
        // Every change keeps its row: when and from whom it arrived.
        let received = storage.received_at(&id).expect("received");
        let all: BTreeSet<ChangeHash> = staged
            .ticket
            .doc()
            .get_changes(&[])
            .iter()
            .map(|c| c.hash())
            .collect();
        assert_eq!(received.keys().copied().collect::<BTreeSet<_>>(), all);
        for hash in &appended {
            assert!(received[hash] > Timestamp(1_000) && received[hash] < Timestamp(2_000));
        }
        assert_eq!(
            storage.first_sender(&id).expect("sender"),
            Some(user("desk.wang"))
        );
        assert!(
            storage
                .load_ticket(&TicketId::random(), &actor)
                .expect("a load")
                .is_none()
        );
    }

    #[test]
    fn of_two_servers_writing_on_the_same_heads_one_commits_and_the_other_is_stale() {
        let url = scratch::fresh().expect("a scratch database");
        let (one, two) = (open(&url), open(&url));
        let (staged, first) = Staged::register("Tangshan Power", 1_000, None);
        let id = staged.ticket.id().clone();
        commit(&one, vec![first], 1_000);
        let (mut a, mut b) = (staged.clone(), staged);
        b.ticket.set_actor(ActorId::random());
        let writes = [a.hand_off(2_000, false), b.hand_off(2_001, true)];
        let barrier = Barrier::new(2);
        let results: Vec<Result<Vec<Event>>> = std::thread::scope(|s| {
            let handles: Vec<_> = [&one, &two]
                .into_iter()
                .zip(&writes)
                .map(|(storage, write)| {
                    let barrier = &barrier;
                    s.spawn(move || {
                        barrier.wait();
                        storage.commit(&[batch(vec![write.clone()])], Timestamp(3_000))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("a thread"))
                .collect()
        });
        let committed: Vec<usize> = (0..2).filter(|&i| results[i].is_ok()).collect();
        assert_eq!(committed.len(), 1, "{results:?}");
        let (won, lost) = (&writes[committed[0]], &writes[1 - committed[0]]);
        assert!(
            matches!(&results[1 - committed[0]], Err(Error::Stale(_))),
            "{results:?}"
        );
        // Nothing of the stale write is stored.
        for storage in [&one, &two] {
            assert_eq!(
                storage.stored_heads(&id).expect("heads"),
                Some(won.heads.clone())
            );
            let received = storage.received_at(&id).expect("received");
            assert!(won.changes.iter().all(|h| received.contains_key(h)));
            assert!(!lost.changes.iter().any(|h| received.contains_key(h)));
            let row = storage.ledger_row(&id).expect("a row").expect("one");
            assert_eq!(row.updated_at, won.ledger.updated_at);
            let (ticket, _) = storage
                .load_ticket(&id, &ActorId::random())
                .expect("a load")
                .expect("one");
            assert_eq!(ticket.heads(), won.heads);
        }
        let feed = one
            .read(|c| Ok(c.query_one("SELECT count(*) AS n FROM feed", &[])?))
            .expect("the feed");
        assert_eq!(feed.unsigned("n").expect("a count"), 2);
    }

    #[test]
    fn a_ticket_written_by_two_batches_of_one_commit_is_checked_against_the_first() {
        let storage = postgres();
        let (mut staged, first) = Staged::register("Handan Mining", 1_000, None);
        let id = staged.ticket.id().clone();
        let second = staged.hand_off(1_100, false);
        storage
            .commit(&[batch(vec![first]), batch(vec![second])], Timestamp(1_100))
            .expect("both batches");
        assert_eq!(
            storage.stored_heads(&id).expect("heads"),
            Some(staged.ticket.heads())
        );

        // Two writes staged on the same heads in one commit: the second is stale, and the
        // whole commit with it.
        let before = staged.ticket.heads();
        let mut other = staged.clone();
        other.ticket.set_actor(ActorId::random());
        let one = staged.hand_off(1_200, false);
        let two = other.hand_off(1_201, false);
        let err = storage
            .commit(&[batch(vec![one]), batch(vec![two])], Timestamp(1_200))
            .expect_err("stale");
        assert!(matches!(err, Error::Stale(_)), "{err}");
        assert_eq!(storage.stored_heads(&id).expect("heads"), Some(before));
    }

    #[test]
    fn a_new_ticket_stored_by_another_server_meanwhile_is_stale() {
        let url = scratch::fresh().expect("a scratch database");
        let (one, two) = (open(&url), open(&url));
        let (_, first) = Staged::register("Xingtai Cement", 1_000, None);
        commit(&one, vec![first.clone()], 1_000);
        let err = two
            .commit(&[batch(vec![first])], Timestamp(1_001))
            .expect_err("stale");
        assert!(matches!(err, Error::Stale(_)), "{err}");
    }
}
