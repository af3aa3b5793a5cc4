//! The ledger row of a ticket, who may read it and the events it raised are the same whether
//! the server projected them as each write arrived or rebuilt them from the documents later
//! (`fieldledger-server rebuild-ledger`): both go through one projection, which derives the
//! events too.

use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::{TicketId, UserId};
use fieldledger_server::events::{Event, EventDetail, EventKind};
use fieldledger_server::ledger::LedgerRow;
use fieldledger_tests::{Office, complaint, sync};
use serde_json::json;

/// What the server holds of ticket `id` beside its document: its ledger row, which of `users`
/// may read it, and every event in the outbox.
fn projected(
    office: &Office,
    id: &TicketId,
    users: &[&UserId],
) -> (LedgerRow, Vec<bool>, Vec<Event>) {
    let storage = &office.server.state.storage;
    let row = storage_row(office, id);
    let access = users
        .iter()
        .map(|u| storage.has_access(u, id).expect("access"))
        .collect();
    let events = storage.events_after(0, 10_000).expect("events");
    (row, access, events)
}

#[test]
fn a_ticket_projects_the_same_live_and_after_a_rebuild() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    // Registered on Zhang's device, handed off and sent to Li by the desk, decided on site.
    let id = store
        .register(&complaint("Langfang Grid"))
        .expect("register");
    sync(&store).expect("sync");
    office.operate(
        &id,
        json!({"op": "hand_off", "to": ["quality_assurance"], "note": "check the batch"}),
    );
    office.operate(
        &id,
        json!({
            "op": "issue_travel_order", "number": "CC-2026-0102", "kind": "on_site_service",
            "issuing_department": "technical_service", "assignees": [office.zhang, office.li]
        }),
    );
    sync(&store).expect("sync");
    let visit = store.arrive(&id, "switch room 2");
    store.depart(&id, &visit);
    store.decide(
        &id,
        Disposition::RepairOnSite,
        "a loose terminal, tightened",
    );
    sync(&store).expect("sync");
    // And one the desk registered itself.
    let (desk_id, _) = office.desk_ticket(&[&office.li]);

    let desk: UserId = "desk.wang".parse().expect("user");
    let users = [&office.zhang, &office.li, &desk];
    let live = [
        projected(&office, &id, &users),
        projected(&office, &desk_id, &users),
    ];
    // Time passes: a rebuild must not make the tickets look changed now.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let rebuilt = office
        .server
        .state
        .engine
        .rebuild_ledger()
        .expect("rebuild");
    assert_eq!(rebuilt, 2);
    let after = [
        projected(&office, &id, &users),
        projected(&office, &desk_id, &users),
    ];
    assert_eq!(after, live);
    assert_eq!(live[0].0.created_by.as_ref(), Some(&office.zhang));
    assert_eq!(live[0].1, [true, true, false]);

    // The rebuild writes no event, but its projection names the events the live merges raised
    // one by one, as if the whole ticket arrived at once when its last change did.
    let outbox = &after[0].2;
    for ticket in [&id, &desk_id] {
        let projection = office
            .server
            .state
            .engine
            .reproject(ticket)
            .expect("reproject");
        let row = storage_row(&office, ticket);
        assert_eq!(projection.row, row);
        assert!(projection.events.iter().all(|e| e.at == row.updated_at));
        let mut rebuilt: Vec<(EventKind, String)> = projection
            .events
            .iter()
            .map(|e| (e.kind(), detail_json(&e.detail)))
            .collect();
        // The server's own rules (major_criteria_met, low_satisfaction) are judged as a change
        // arrives, against the other tickets and the server's settings: like the deadlines', their
        // events are not the ticket's projection.
        let mut raised: Vec<(EventKind, String)> = outbox
            .iter()
            .filter(|e| &e.ticket_id == ticket && !RULE_EVENTS.contains(&e.kind()))
            .map(|e| (e.kind(), detail_json(&e.detail)))
            .collect();
        rebuilt.sort();
        raised.sort();
        assert_eq!(rebuilt, raised);
    }
    let kinds: Vec<EventKind> = outbox
        .iter()
        .filter(|e| e.ticket_id == id)
        .map(Event::kind)
        .collect();
    assert_eq!(
        kinds,
        [
            EventKind::Registered,
            EventKind::HandedOff,
            EventKind::Dispatched,
            EventKind::ArrivedOnSite,
            EventKind::DecisionRecorded,
        ]
    );
}

/// An event's detail as the outbox keeps it, to compare and sort.
fn detail_json(detail: &EventDetail) -> String {
    serde_json::to_string(detail).expect("a detail as JSON")
}

/// The stored ledger row of ticket `id`.
fn storage_row(office: &Office, id: &TicketId) -> LedgerRow {
    office
        .server
        .state
        .storage
        .ledger_row(id)
        .expect("row")
        .expect("a ledger row")
}

/// The kinds of events raised by the server's own rules as a change arrives.
const RULE_EVENTS: [EventKind; 2] = [EventKind::MajorCriteriaMet, EventKind::LowSatisfaction];
