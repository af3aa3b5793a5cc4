//! The office server's admission of a device's changes (`core::admission`): the cost per change
//! of a day's work synced at once, when it builds on the server's heads and when the office wrote
//! to the ticket meanwhile (each change is then performed on a fork at its dependencies).

use std::hint::black_box;

use automerge::{ActorId, Change};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use fieldledger_core::admission::{Sender, admit};
use fieldledger_core::{Author, Operation, Role, Ticket, TicketId, Timestamp};

mod common;

/// Changes in one sync of a day's work.
const CHANGES: usize = 50;

fn technician() -> Author {
    Author::new("tech.zhang".parse().expect("user"), Role::Technician)
}

fn device() -> ActorId {
    ActorId::from([9u8; 16].as_slice())
}

/// The server's ticket, with `history` work-log steps already on it, and the device's next
/// `CHANGES` changes; when `office_wrote`, the office wrote to the ticket after the device's
/// last sync.
fn scene(history: usize, office_wrote: bool) -> (Ticket, Vec<Change>) {
    let desk = Author::new("desk.wang".parse().expect("user"), Role::ServiceDesk);
    let mut server = Ticket::register(
        TicketId::random(),
        ActorId::from([1u8; 16].as_slice()),
        &desk,
        Timestamp(1_000),
        &common::registration(1),
    )
    .expect("register");
    let mut phone = server.clone();
    phone.set_actor(device());
    let arrive = Operation::Arrive {
        order_id: None,
        site: "bay 3".into(),
    };
    let visit = phone
        .apply(&technician(), Timestamp(2_000), &arrive)
        .expect("arrive")
        .entry
        .expect("visit");
    for n in 0..history {
        phone
            .apply(
                &technician(),
                Timestamp(3_000 + n as i64),
                &common::step(&visit, n),
            )
            .expect("step");
    }
    server
        .merge_changes(&phone.changes_since(&server.heads()))
        .expect("merge");
    let synced = phone.heads();
    for n in history..history + CHANGES {
        phone
            .apply(
                &technician(),
                Timestamp(3_000 + n as i64),
                &common::step(&visit, n),
            )
            .expect("step");
    }
    if office_wrote {
        let hand_off = Operation::HandOff {
            person: None,
            to: vec![Role::QualityAssurance],
            note: "for QA".into(),
        };
        server
            .apply(&desk, Timestamp(2_500), &hand_off)
            .expect("hand off");
    }
    let changes = phone.doc().get_changes(&synced).into_iter().collect();
    (server, changes)
}

fn admission(c: &mut Criterion) {
    let actors = [device()];
    let author = technician();
    let sender = Sender {
        actors: &actors,
        author: &author,
    };
    for (name, office_wrote) in [("on_heads", false), ("beside_office", true)] {
        let (server, changes) = scene(200, office_wrote);
        c.bench_function(&format!("admit_{CHANGES}_changes_{name}"), |b| {
            b.iter_batched(
                || changes.clone(),
                |changes| {
                    let admission = admit(server.doc(), server.id(), changes, sender);
                    assert_eq!(admission.admitted.len(), CHANGES);
                    black_box(admission)
                },
                BatchSize::SmallInput,
            )
        });
    }
}

#[allow(missing_docs)]
mod group {
    use super::*;
    criterion_group!(benches, admission);
}
criterion_main!(group::benches);
