//! Two technicians' devices work on the same ticket while apart and exchange their changes
//! directly, in either order.

use fieldledger_core::exchange::Inventory;
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::intake::IntakeAmendment;
use fieldledger_core::ticket::visit::{Measurement, Work};
use fieldledger_core::{Operation, Role, Store, TicketId};
use fieldledger_tests::kit::{self, Technician};
use fieldledger_tests::{complaint, send, store_for};
use proptest::prelude::*;

struct Pair {
    _dirs: (tempfile::TempDir, tempfile::TempDir),
    a: Technician,
    b: Technician,
    ticket: TicketId,
}

/// Device A (tech.zhang) registers a ticket and gives it to device B (tech.li); then both work
/// on it apart: arrival, measurements, a correction of the same field and of different fields,
/// and disagreeing dispositions.
fn work_apart() -> Pair {
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let a = store_for(dirs.0.path(), "tech.zhang", Role::Technician, 1_000_000).expect("store a");
    let b = store_for(dirs.1.path(), "tech.li", Role::Technician, 2_000_000).expect("store b");
    let (a, b) = (Technician::new(a), Technician::new(b));
    let ticket = a
        .register(&complaint("Cangzhou Water Plant"))
        .expect("register");
    send(&a, &b).expect("share the ticket");

    for (store, site, model, contact, disposition) in [
        (
            &a,
            "pump house",
            "ZN63-12/1250",
            Some("0311-1111"),
            Disposition::RepairOnSite,
        ),
        (
            &b,
            "main substation",
            "ZN63-12/1600",
            None,
            Disposition::ReturnToFactory,
        ),
    ] {
        let visit = store.arrive(&ticket, site);
        let step = Work::Step {
            description: "contact resistance".into(),
            measurements: vec![Measurement {
                quantity: "R".into(),
                value: 38.5,
                unit: "µΩ".into(),
            }],
        };
        store
            .record(
                &ticket,
                &Operation::LogWork {
                    visit_id: visit,
                    work: step,
                },
            )
            .expect("log");
        let amendment = IntakeAmendment {
            model: Some(model.into()),
            contact_method: contact.map(Into::into),
            job_number: (contact.is_none()).then(|| "J2026-1102-B".into()),
            ..Default::default()
        };
        store
            .record(&ticket, &Operation::AmendIntake(amendment))
            .expect("amend");
        store.decide(&ticket, disposition, format!("seen at the {site}"));
    }
    Pair {
        _dirs: dirs,
        a,
        b,
        ticket,
    }
}

fn assert_converged(pair: &Pair) {
    let (a, b, id) = (&pair.a, &pair.b, &pair.ticket);
    assert_eq!(a.heads(id).expect("heads"), b.heads(id).expect("heads"));
    assert_eq!(a.view(id).expect("view"), b.view(id).expect("view"));
    assert_eq!(
        a.field_conflicts(id).expect("conflicts"),
        b.field_conflicts(id).expect("conflicts")
    );
    assert_eq!(
        a.list().expect("list")[0].decision_conflict,
        b.list().expect("list")[0].decision_conflict
    );
}

fn check_merged_state(pair: &Pair) {
    assert_converged(pair);
    let view = pair.a.view(&pair.ticket).expect("view");
    assert_eq!(view.visits.len(), 2, "both visits survive");
    assert_eq!(
        view.decisions.entries.len(),
        2,
        "both disposition entries are kept"
    );
    let conflict = pair
        .a
        .read_ticket(&pair.ticket, |t| t.decision_conflict())
        .expect("read")
        .expect("decisions");
    let mut dispositions: Vec<_> = conflict
        .expect("decision conflict")
        .entries
        .iter()
        .map(|e| e.disposition)
        .collect();
    dispositions.sort();
    assert_eq!(
        dispositions,
        vec![Disposition::RepairOnSite, Disposition::ReturnToFactory]
    );
    assert!(pair.a.list().expect("list")[0].decision_conflict);

    assert_eq!(
        view.intake.registration.contact_method, "0311-1111",
        "A's field survives"
    );
    assert_eq!(
        view.intake.registration.job_number, "J2026-1102-B",
        "B's field survives"
    );
    let conflicts = pair.a.field_conflicts(&pair.ticket).expect("conflicts");
    let model = conflicts
        .iter()
        .find(|c| c.path == ["intake", "model"])
        .expect("model conflict");
    let mut values: Vec<_> = model.values.iter().filter_map(|v| v.as_str()).collect();
    values.sort();
    assert_eq!(values, ["ZN63-12/1250", "ZN63-12/1600"]);
}

#[test]
fn exchanging_a_then_b_converges_and_reports_the_decision_conflict() {
    let pair = work_apart();
    send(&pair.a, &pair.b).expect("a to b");
    send(&pair.b, &pair.a).expect("b to a");
    check_merged_state(&pair);
}

#[test]
fn exchanging_b_then_a_converges_to_the_same_state() {
    let pair = work_apart();
    send(&pair.b, &pair.a).expect("b to a");
    send(&pair.a, &pair.b).expect("a to b");
    check_merged_state(&pair);
}

#[test]
fn a_later_entry_that_has_seen_both_resolves_the_conflict() {
    let pair = work_apart();
    send(&pair.a, &pair.b).expect("a to b");
    pair.b.decide(
        &pair.ticket,
        Disposition::ReturnToFactory,
        "agreed by phone",
    );
    send(&pair.b, &pair.a).expect("b to a");
    assert_converged(&pair);
    let view = pair.a.view(&pair.ticket).expect("view");
    assert_eq!(view.decisions.entries.len(), 3);
    assert_eq!(
        view.decisions.disposition(),
        Some(Disposition::ReturnToFactory)
    );
    assert!(!pair.a.list().expect("list")[0].decision_conflict);
}

#[test]
fn an_exchange_is_idempotent() {
    let pair = work_apart();
    send(&pair.a, &pair.b).expect("a to b");
    let again = send(&pair.a, &pair.b).expect("again");
    assert_eq!(again.changes_applied, 0);
    let bundle = pair.a.export_for(&Inventory::new()).expect("everything");
    assert_eq!(pair.b.import(&bundle).expect("replay").changes_applied, 0);
}

#[test]
fn changes_under_the_wrong_ticket_id_are_refused() {
    let pair = work_apart();
    let mut bundle = pair.a.export_for(&Inventory::new()).expect("export");
    bundle.tickets[0].ticket_id = TicketId::random();
    let before = pair.b.list().expect("list");
    assert!(pair.b.import(&bundle).is_err());
    assert_eq!(pair.b.list().expect("list"), before);
}

#[derive(Clone, Debug)]
enum Step {
    Act { device: usize, kind: u8 },
    Send { from: usize, to: usize },
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (0..3usize, 0..4u8).prop_map(|(device, kind)| Step::Act { device, kind }),
        (0..3usize, 0..3usize).prop_map(|(from, to)| Step::Send { from, to }),
    ];
    proptest::collection::vec(step, 1..24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Whatever three devices do and however their exchanges are ordered, once everyone has
    /// everything all copies of the ticket are identical.
    #[test]
    fn three_devices_converge_whatever_the_order(script in steps()) {
        let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
        let stores: Vec<Store> = dirs
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let clock = 1_000 * i as i64;
                store_for(d.path(), &format!("tech.{i}"), Role::Technician, clock).expect("store")
            })
            .collect();
        let ticket = stores[0].register(&complaint("Tangshan Port")).expect("register");
        for to in &stores[1..] {
            send(&stores[0], to).expect("share");
        }
        for step in script {
            match step {
                Step::Act { device, kind } => {
                    let store = &stores[device];
                    let op = match kind {
                        0 => kit::arrive(format!("site {device}")),
                        1 => kit::decide(Disposition::Replace, "r"),
                        2 => kit::decide(Disposition::NoFaultFound, "n"),
                        _ => Operation::AmendIntake(IntakeAmendment {
                            model: Some(format!("M-{device}")),
                            ..Default::default()
                        }),
                    };
                    store.record(&ticket, &op).expect("act");
                }
                Step::Send { from, to } if from != to => {
                    send(&stores[from], &stores[to]).expect("send");
                }
                Step::Send { .. } => {}
            }
        }
        for _ in 0..2 {
            for from in 0..3 {
                for to in 0..3 {
                    if from != to {
                        send(&stores[from], &stores[to]).expect("settle");
                    }
                }
            }
        }
        let first = (
            stores[0].heads(&ticket).expect("heads"),
            stores[0].view(&ticket).expect("view"),
        );
        for store in &stores[1..] {
            prop_assert_eq!(&store.heads(&ticket).expect("heads"), &first.0);
            prop_assert_eq!(&store.view(&ticket).expect("view"), &first.1);
        }
    }
}
