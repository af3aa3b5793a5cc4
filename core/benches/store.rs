//! Benchmarks of the device store: recording an action (with its SQLite commit), listing ticket
//! summaries, opening a ticket with a long history, and the bytes a ticket takes on disk.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use common::{registration, step};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fieldledger_core::{Author, EntryId, Operation, Role, Store, StoreOptions, TicketId};

mod common;

fn open(dir: &Path, options: StoreOptions) -> Store {
    let store = Store::open_with(dir, options).expect("open store");
    let user = "tech.zhang".parse().expect("user id");
    store
        .set_user(&Author::new(user, Role::Technician))
        .expect("set user");
    store
}

/// A ticket with a visit and `actions` work-log steps after it.
fn ticket_with_actions(store: &Store, actions: usize) -> (TicketId, EntryId) {
    let id = store.register(&registration(0)).expect("register");
    let arrive = Operation::Arrive {
        order_id: None,
        site: "bay 3".into(),
    };
    let visit = store
        .record(&id, &arrive)
        .expect("arrive")
        .entry
        .expect("visit");
    for n in 0..actions {
        store.record(&id, &step(&visit, n)).expect("step");
    }
    (id, visit)
}

/// Actions land on tickets that have between 0 and 500 changes: a new ticket is started (outside
/// the timing) every 500 actions, as a technician's tickets stay well below that.
fn record_action(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), StoreOptions::default());
    let mut ticket = ticket_with_actions(&store, 0);
    let mut n = 0;
    c.bench_function("record one action (commit included)", |b| {
        b.iter_custom(|iters| {
            let mut elapsed = Duration::ZERO;
            for _ in 0..iters {
                n += 1;
                if n % 500 == 0 {
                    ticket = ticket_with_actions(&store, 0);
                }
                let op = step(&ticket.1, n);
                let start = Instant::now();
                black_box(store.record(&ticket.0, &op).expect("record"));
                elapsed += start.elapsed();
            }
            elapsed
        })
    });
}

fn list_summaries(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path(), StoreOptions::default());
    for n in 0..1_000 {
        store.register(&registration(n)).expect("register");
    }
    c.bench_function("list 1000 ticket summaries", |b| {
        b.iter(|| assert_eq!(black_box(store.list().expect("list")).len(), 1_000))
    });
}

fn open_long_ticket(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (id, _) = ticket_with_actions(&open(dir.path(), StoreOptions::default()), 498);
    c.bench_function("open a ticket with 500 changes", |b| {
        b.iter_batched(
            || open(dir.path(), StoreOptions::default()),
            |store| black_box(store.view(&id).expect("view")),
            BatchSize::PerIteration,
        )
    });
}

fn bytes_on_disk() {
    let dir = tempfile::tempdir().expect("tempdir");
    let options = StoreOptions {
        compact_after_chunks: u32::MAX,
        ..StoreOptions::default()
    };
    let store = open(dir.path(), options);
    let (id, _) = ticket_with_actions(&store, 198);
    let before = store.document_size(&id).expect("size");
    store.compact(&id).expect("compact");
    let after = store.document_size(&id).expect("size");
    println!(
        "bytes on disk for one ticket after 200 actions: {} before compaction ({} chunks), {} \
        after",
        before.total(),
        before.chunks,
        after.total()
    );
}

fn all(c: &mut Criterion) {
    bytes_on_disk();
    record_action(c);
    list_summaries(c);
    open_long_ticket(c);
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group! {
        name = benches;
        config = Criterion::default().sample_size(50).measurement_time(Duration::from_secs(5));
        targets = all
    }
}
criterion_main!(group::benches);
