//! Tests of the device store: actions survive reopening, failures leave nothing half-written,
//! damaged and newer files are refused clearly.

use std::sync::Arc;

use super::*;
use crate::blob::BlobRef;
use crate::id::EntryId;
use crate::ticket::decision::Disposition;
use crate::ticket::signoff::NewSignOff;
use crate::ticket::tests::registration;
use crate::ticket::visit::{Measurement, Work};
use crate::time::SteppingClock;

fn options() -> StoreOptions {
    StoreOptions {
        clock: Arc::new(SteppingClock::new(Timestamp(1_700_000_000_000), 1_000)),
        ..StoreOptions::default()
    }
}

fn technician() -> Author {
    Author::new("tech.zhang".parse().expect("user"), Role::Technician)
}

fn open(dir: &Path) -> Store {
    let store = Store::open_with(dir, options()).expect("open");
    store.set_user(&technician()).expect("user");
    store
}

fn arrive(store: &Store, id: &TicketId) -> EntryId {
    let op = Operation::Arrive {
        order_id: None,
        site: "bay 3".into(),
    };
    store
        .record(id, &op)
        .expect("arrive")
        .entry
        .expect("visit id")
}

fn step(visit: &EntryId, n: usize) -> Operation {
    Operation::LogWork {
        visit_id: visit.clone(),
        work: Work::Step {
            description: format!("step {n}"),
            measurements: vec![Measurement {
                quantity: "U".into(),
                value: n as f64,
                unit: "kV".into(),
            }],
        },
    }
}

#[test]
fn a_store_reopened_after_each_action_shows_the_same_tickets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let id = {
        let store = open(dir.path());
        store.register(&registration()).expect("register")
    };
    let mut expected = Vec::new();
    for n in 0..5 {
        let store = open(dir.path());
        let visit = match store.view(&id).expect("view").visits.first() {
            Some(v) => v.id.clone(),
            None => arrive(&store, &id),
        };
        store.record(&id, &step(&visit, n)).expect("step");
        expected = vec![(store.list().expect("list"), store.view(&id).expect("view"))];
        store.close().expect("close");
    }
    let store = open(dir.path());
    assert_eq!(
        vec![(store.list().expect("list"), store.view(&id).expect("view"))],
        expected
    );
    assert_eq!(store.view(&id).expect("view").visits[0].log.len(), 5);
}

#[test]
fn the_device_keeps_its_identity_and_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (device, actor) = {
        let store = open(dir.path());
        (store.device_id().clone(), store.actor_id().clone())
    };
    let store = Store::open_with(dir.path(), options()).expect("reopen");
    assert_eq!(store.device_id(), &device);
    assert_eq!(store.actor_id(), &actor);
    assert_eq!(store.user().expect("user"), Some(technician()));
}

#[test]
fn actions_need_a_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_with(dir.path(), options()).expect("open");
    let err = store.register(&registration()).err().map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid user: no user is set on this device")
    );
}

#[test]
fn a_forbidden_action_changes_nothing_in_the_store() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let id = store.register(&registration()).expect("register");
    let (heads, list) = (
        store.heads(&id).expect("heads"),
        store.list().expect("list"),
    );
    let err = store
        .record(
            &id,
            &Operation::RecordCause {
                cause: "guess".into(),
                cause_code: None,
            },
        )
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "the role technician may not record_cause: the regulation gives this action to other \
            departments"
        )
    );
    assert_eq!(store.heads(&id).expect("heads"), heads);
    assert_eq!(store.list().expect("list"), list);
    drop(store);
    assert_eq!(open(dir.path()).heads(&id).expect("heads"), heads);
}

#[test]
fn a_failed_commit_leaves_neither_the_change_nor_its_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let id = store.register(&registration()).expect("register");
    let visit = arrive(&store, &id);
    let before = (
        store.heads(&id).expect("heads"),
        store.list().expect("list"),
    );
    let other = Connection::open(dir.path().join(DATABASE_FILE)).expect("second connection");
    other
        .execute_batch(
            "CREATE TRIGGER full BEFORE INSERT ON chunks BEGIN SELECT RAISE(ABORT, \
            'disk full'); END;",
        )
        .expect("trigger");
    assert!(store.record(&id, &step(&visit, 1)).is_err());
    assert_eq!(
        (
            store.heads(&id).expect("heads"),
            store.list().expect("list")
        ),
        before
    );
    other
        .execute_batch("DROP TRIGGER full")
        .expect("drop trigger");
    store.record(&id, &step(&visit, 2)).expect("works again");
    assert_eq!(store.view(&id).expect("view").visits[0].log.len(), 1);
}

#[test]
fn documents_are_compacted_and_read_the_same() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open_with(
        dir.path(),
        StoreOptions {
            compact_after_chunks: 10,
            ..options()
        },
    )
    .expect("open");
    store.set_user(&technician()).expect("user");
    let id = store.register(&registration()).expect("register");
    let visit = arrive(&store, &id);
    for n in 0..25 {
        store.record(&id, &step(&visit, n)).expect("step");
    }
    let size = store.document_size(&id).expect("size");
    assert!(size.chunks < 10, "{size:?}");
    let view = store.view(&id).expect("view");
    drop(store);
    let reopened = open(dir.path());
    assert_eq!(reopened.view(&id).expect("view"), view);
    reopened.compact(&id).expect("compact");
    assert_eq!(reopened.document_size(&id).expect("size").chunks, 0);
    assert_eq!(reopened.view(&id).expect("view"), view);
}

#[test]
fn photos_are_kept_beside_the_database_and_wait_for_upload() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(&dir.path().join("store"));
    let id = store.register(&registration()).expect("register");
    let visit = arrive(&store, &id);
    let photo = dir.path().join("coil.jpg");
    std::fs::write(&photo, b"\xff\xd8 not really a jpeg").expect("write photo");
    let blob = store.add_blob(&photo, "image/jpeg").expect("add blob");
    store
        .record(
            &id,
            &Operation::AttachPhoto {
                visit_id: visit.clone(),
                blob: blob.clone(),
                caption: "coil".into(),
            },
        )
        .expect("attach");
    assert_eq!(store.pending_blobs().expect("pending"), vec![blob.clone()]);
    let kept = store.blob_path(&blob.sha256).expect("path").expect("kept");
    assert_eq!(
        std::fs::read(kept).expect("read"),
        std::fs::read(&photo).expect("read")
    );

    let unknown = BlobRef {
        sha256: "0".repeat(64),
        mime: "image/jpeg".into(),
        size: 1,
    };
    let heads = store.heads(&id).expect("heads");
    let signoff = Operation::SignOff(NewSignOff {
        signer_name: "Li Ming".into(),
        signature: Some(unknown),
        ..Default::default()
    });
    assert!(store.record(&id, &signoff).is_err());
    assert_eq!(store.heads(&id).expect("heads"), heads);
}

#[test]
fn a_damaged_file_gives_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join(DATABASE_FILE), vec![0x42u8; 8192]).expect("write");
    let err = Store::open(dir.path()).err();
    assert!(matches!(err, Some(Error::Corrupt(_))), "{err:?}");
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    open(dir.path()).close().expect("close");
    let conn = Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    conn.pragma_update(None, "user_version", 99).expect("bump");
    drop(conn);
    let err = Store::open(dir.path()).err().map(|e| e.to_string());
    let expected = format!(
        "the store has schema version 99, newer than {} that this version reads",
        schema::current_version()
    );
    assert_eq!(err, Some(expected));
}

#[test]
fn a_damaged_document_fails_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let good = store.register(&registration()).expect("register");
    let bad = store.register(&registration()).expect("register");
    drop(store);
    let conn = Connection::open(dir.path().join(DATABASE_FILE)).expect("open");
    conn.execute(
        "UPDATE documents SET snapshot = x'00ff00' WHERE ticket_id = ?1",
        [bad.as_str()],
    )
    .expect("damage");
    drop(conn);
    let store = open(dir.path());
    assert!(matches!(store.view(&bad), Err(Error::Corrupt(_))));
    assert!(store.view(&good).is_ok());
    assert_eq!(store.list().expect("list").len(), 2);
}

#[test]
fn decisions_show_in_the_summary() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = open(dir.path());
    let id = store.register(&registration()).expect("register");
    arrive(&store, &id);
    store
        .record(
            &id,
            &Operation::Decide {
                disposition: Disposition::Replace,
                rationale: "burnt".into(),
            },
        )
        .expect("decide");
    let summary = store.list().expect("list").remove(0);
    assert_eq!(summary.disposition, Some(Disposition::Replace));
    assert!(summary.on_site);
    assert!(!summary.decision_conflict);
    assert_eq!(summary.customer_name, registration().customer_name);
}
