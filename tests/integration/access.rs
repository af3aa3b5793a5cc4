//! Nobody reads or writes what is not theirs: assignment decides what a technician's device
//! receives, and every arriving change is checked against its device and the policy.

use automerge::transaction::Transactable;
use automerge::{AutomergeError, ReadDoc};
use fieldledger_core::protocol::{self, DocCode, DocMessage, SyncResponse};
use fieldledger_core::sync::Transport;
use fieldledger_core::{Author, Error, Operation, Role, Store, TicketId, Timestamp};
use fieldledger_tests::{Office, forge, kit, sync};
use serde_json::json;

fn server_change_count(s: &Office, id: &TicketId) -> usize {
    let (_, detail) = s
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &s.desk, None);
    detail["history"].as_array().map_or(0, Vec::len)
}

/// Sends a change made outside the store's own checks: `op` by `author`, written under `actor`.
pub(crate) fn crafted(
    store: &Store,
    id: &TicketId,
    actor: automerge::ActorId,
    author: &Author,
    op: &Operation,
) -> DocMessage {
    let ticket = store.read_ticket(id, Clone::clone).expect("ticket");
    let crafted = forge::crafted(&ticket, actor, author, Timestamp(1), op).expect("crafted change");
    forge::message_since(id, crafted.doc(), ticket.heads()).expect("message")
}

/// A change written into `store`'s copy of ticket `id` with automerge's own API and none of the
/// operations' checks, under the device's actor: `write` does what a hostile device likes, and
/// the change's message is `note`, whatever the device chooses to claim.
pub(crate) fn raw(
    store: &Store,
    id: &TicketId,
    note: serde_json::Value,
    write: impl FnOnce(&mut automerge::transaction::Transaction<'_>) -> Result<(), AutomergeError>,
) -> DocMessage {
    let ticket = store.read_ticket(id, Clone::clone).expect("ticket");
    let doc = forge::raw(
        ticket.doc(),
        store.actor_id().clone(),
        note.to_string(),
        Timestamp(1_790_000_100_000),
        write,
    )
    .expect("a raw change");
    forge::message_since(id, &doc, ticket.heads()).expect("message")
}

/// Sends document messages made outside the store's own checks, as `store`'s device.
pub(crate) fn send_docs(store: &Store, docs: Vec<DocMessage>) -> SyncResponse {
    let request = forge::request(
        store.cursor().expect("cursor"),
        docs,
        std::slice::from_ref(store.actor_id()),
    );
    let transport = fieldledger_tests::transport_of(store);
    protocol::decode(&transport.sync(protocol::encode(&request)).expect("answer"))
        .expect("response")
}

/// Sends one change made outside the store's own checks: `op` by `author`, under `actor`.
fn send_crafted(
    store: &Store,
    id: &TicketId,
    actor: automerge::ActorId,
    author: &Author,
    op: &Operation,
) -> SyncResponse {
    send_docs(store, vec![crafted(store, id, actor, author, op)])
}

#[test]
fn a_technician_receives_only_assigned_tickets() {
    let s = Office::start();
    let (mine, _) = s.desk_ticket(&[&s.zhang]);
    let (theirs, _) = s.desk_ticket(&[&s.li]);
    let (nobodys, _) = s.desk_ticket(&[]);
    let dir = tempfile::tempdir().expect("dir");
    let zhang = s.device(&dir, &s.zhang);
    sync(&zhang).expect("sync");
    let held: Vec<TicketId> = zhang
        .list()
        .expect("list")
        .into_iter()
        .map(|t| t.ticket_id)
        .collect();
    assert_eq!(held, vec![mine.clone()]);
    let token = s.server.token(&s.zhang);
    for other in [&theirs, &nobodys] {
        let (status, _) = s
            .server
            .call("GET", &format!("/v1/tickets/{other}"), &token, None);
        assert_eq!(status, 403);
    }
    let (_, ledger) = s.server.call("GET", "/v1/ledger", &token, None);
    assert_eq!(ledger["total"], json!(1));
}

#[test]
fn a_change_under_another_devices_actor_is_refused_and_logged() {
    let s = Office::start();
    let (id, _) = s.desk_ticket(&[&s.zhang, &s.li]);
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (zhang, li) = (s.device(&dirs.0, &s.zhang), s.device(&dirs.1, &s.li));
    sync(&zhang).expect("sync");
    sync(&li).expect("sync");
    let before = server_change_count(&s, &id);
    let forged = send_crafted(
        &li,
        &id,
        zhang.actor_id().clone(),
        &Author::new(s.zhang.clone(), Role::Technician),
        &kit::arrive("x"),
    );
    assert_eq!(forged.errors.len(), 1, "{forged:?}");
    assert_eq!(forged.errors[0].code, DocCode::ForgedActor);
    assert!(forged.errors[0].change.is_some());
    assert_eq!(
        server_change_count(&s, &id),
        before,
        "nothing of it is stored"
    );
    let events = s.server.state.storage.security_events(10).expect("events");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "forged_actor" && e.ticket.as_ref() == Some(&id))
    );
}

#[test]
fn an_action_the_users_role_may_not_perform_is_refused_and_logged() {
    let s = Office::start();
    let (id, _) = s.desk_ticket(&[&s.li]);
    let dir = tempfile::tempdir().expect("dir");
    let li = s.device(&dir, &s.li);
    sync(&li).expect("sync");
    let before = server_change_count(&s, &id);
    // Li names himself truthfully, but the cause is QA's to record.
    let note = json!({"action": "record_cause", "user": s.li, "role": "technician",
        "args": {"op": "record_cause", "cause": "guess"}});
    let response = send_docs(
        &li,
        vec![raw(&li, &id, note, |tx| {
            let (_, quality) = tx.get(automerge::ROOT, "quality")?.expect("quality");
            tx.put(&quality, "cause", "guess")
        })],
    );
    assert_eq!(response.errors.len(), 1, "{response:?}");
    assert_eq!(response.errors[0].code, DocCode::NotPermitted);
    assert_eq!(response.errors[0].action.as_deref(), Some("record_cause"));
    assert!(
        response.errors[0].message.contains("technician"),
        "{}",
        response.errors[0].message
    );
    assert_eq!(server_change_count(&s, &id), before);
    let events = s.server.state.storage.security_events(10).expect("events");
    assert!(events.iter().any(|e| e.kind == "not_permitted"));
}

#[test]
fn a_revoked_token_stops_working() {
    let s = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let zhang = s.device(&dir, &s.zhang);
    sync(&zhang).expect("sync");
    let devices = s.server.state.storage.devices().expect("devices");
    let device = devices
        .iter()
        .find(|d| d.user == s.zhang)
        .expect("zhang's device");
    assert!(
        s.server
            .state
            .storage
            .revoke_device(&device.id, Timestamp(5))
            .expect("revoke")
    );
    assert!(matches!(sync(&zhang), Err(Error::Unauthorized(_))));
    let (status, body) = s.server.call("GET", "/v1/me", "flt_not-a-real-token", None);
    assert_eq!(status, 401);
    assert_eq!(body["error"], json!("unauthorized"));
}

#[test]
fn reassignment_keeps_earlier_work_and_drops_the_copy() {
    let s = Office::start();
    let (id, order) = s.desk_ticket(&[&s.zhang]);
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (zhang, li) = (s.device(&dirs.0, &s.zhang), s.device(&dirs.1, &s.li));
    sync(&zhang).expect("sync");
    zhang.arrive(&id, "made before the reassignment");
    let reassign =
        json!({"op": "reassign_order", "order_id": order.expect("order id"), "assignees": [s.li]});
    s.operate(&id, reassign);

    let report = sync(&zhang).expect("sync after reassignment");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.tickets_dropped, 1);
    assert!(
        zhang.list().expect("list").is_empty(),
        "the copy is dropped"
    );
    sync(&li).expect("li syncs");
    let visits = li.view(&id).expect("view").visits;
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].site, "made before the reassignment");
    assert_eq!(
        sync(&zhang).expect("later sync").tickets_new,
        0,
        "it does not come back"
    );
}

#[test]
fn a_refused_document_never_blocks_the_others_in_the_same_request() {
    let s = Office::start();
    let (bad, _) = s.desk_ticket(&[&s.li]);
    let (good, _) = s.desk_ticket(&[&s.li]);
    let dir = tempfile::tempdir().expect("dir");
    let li = s.device(&dir, &s.li);
    sync(&li).expect("sync");
    let before = server_change_count(&s, &good);
    let technician = Author::new(s.li.clone(), Role::Technician);
    let posing = Author::new(s.li.clone(), Role::QualityAssurance);
    let docs = vec![
        crafted(
            &li,
            &bad,
            li.actor_id().clone(),
            &posing,
            &Operation::RecordCause {
                cause: "guess".into(),
                cause_code: None,
            },
        ),
        crafted(
            &li,
            &good,
            li.actor_id().clone(),
            &technician,
            &kit::arrive("bay 4"),
        ),
    ];
    let response = send_docs(&li, docs);
    assert_eq!(response.errors.len(), 1, "{response:?}");
    assert_eq!(response.errors[0].ticket_id, bad);
    assert!(
        response.receipts.iter().any(|r| r.ticket_id == good),
        "{response:?}"
    );
    assert_eq!(
        server_change_count(&s, &good),
        before + 1,
        "the good document's change is stored"
    );
}
