//! Two server processes on one data directory, as two nodes behind a load balancer, driven at
//! once by technicians' devices (each sync reaching either node) and by the desk's office
//! writes on the same tickets (each call reaching either node). Neither node holds any
//! authority in memory: each ledger number is given once, every receipt is true of the
//! database whichever node gave it, and no merge is lost.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Mutex;

use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Role, Store, TicketId};
use fieldledger_server::AppState;
use fieldledger_server::ledger::LedgerQuery;
use fieldledger_tests::backend::open_state;
use fieldledger_tests::kit::{Technician, user_with_device};
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::{call, complaint, quiet_settings, store_for};
use serde_json::json;

use crate::crash::receipts_hold;

/// Technicians, each with a device.
const TECHNICIANS: usize = 3;

/// Rounds of work and sync each device makes, enough for the busiest tickets to be compacted
/// (rewritten as one snapshot) several times.
const ROUNDS: usize = 80;

/// Tickets the desk registers.
const DESK_TICKETS: usize = 12;

/// Syncs `store` through node `url`, as a load balancer would route it.
fn sync_through(store: &Store, url: &str) {
    let enrolment = store.enrolment().expect("enrolment").expect("enrolled");
    let routed = Enrolment {
        server_url: url.to_owned(),
        ..enrolment
    };
    let report = fieldledger_core::sync::sync(store, &HttpTransport::new(&routed))
        .unwrap_or_else(|e| panic!("sync through {url}: {e}"));
    assert!(report.errors.is_empty(), "{:?}", report.errors);
}

/// The state of a third server on `data`, with nothing in memory: what the database holds.
fn as_stored(data: &Path) -> AppState {
    open_state(data, quiet_settings()).expect("open the database")
}

#[test]
fn two_nodes_on_one_database_give_each_number_once_and_lose_no_merge() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("server");
    let (desk, techs) = {
        let state = open_state(&data, quiet_settings()).expect("server state");
        let desk = user_with_device(&state, "desk.wang", Role::ServiceDesk).expect("desk");
        let techs: Vec<(String, String)> = (0..TECHNICIANS)
            .map(|n| {
                let user = format!("tech.{n}");
                let token = user_with_device(&state, &user, Role::Technician).expect("enrol");
                (user, token.token)
            })
            .collect();
        (desk.token, techs)
    };
    let nodes = [
        ServerProcess::start(&data, free_port().expect("port")).expect("node one"),
        ServerProcess::start(&data, free_port().expect("port")).expect("node two"),
    ];
    let urls: Vec<&str> = nodes.iter().map(|n| n.url.as_str()).collect();
    let devices: Vec<Technician> = techs
        .iter()
        .map(|(user, token)| {
            let store = store_for(
                &dir.path().join(user),
                user,
                Role::Technician,
                1_790_000_000_000,
            )
            .expect("store");
            store.enrol(urls[0], token).expect("enrol");
            Technician::new(store)
        })
        .collect();

    // The desk registers tickets on both nodes at once and sends each to a technician.
    let desk_tickets: Mutex<Vec<TicketId>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for half in 0..2 {
            let (desk, techs, urls, desk_tickets) = (&desk, &techs, &urls, &desk_tickets);
            s.spawn(move || {
                for n in (half..DESK_TICKETS).step_by(2) {
                    let url = urls[n % 2];
                    let (status, body) = call(
                        url,
                        "POST",
                        "/v1/tickets",
                        desk,
                        Some(json!(complaint("Two Node Plant"))),
                    );
                    assert_eq!(status, 201, "{body}");
                    let id: TicketId = body["ticket_id"].as_str().expect("id").parse().expect("id");
                    let order = json!({
                        "op": "issue_travel_order", "number": format!("CC-{n}"),
                        "kind": "on_site_service", "issuing_department": "technical_service",
                        "assignees": [techs[n % TECHNICIANS].0]
                    });
                    let path = format!("/v1/tickets/{id}/operations");
                    let (status, body) = call(urls[(n + 1) % 2], "POST", &path, desk, Some(order));
                    assert_eq!(status, 200, "{body}");
                    desk_tickets.lock().expect("tickets").push(id);
                }
            });
        }
    });
    let desk_tickets = desk_tickets.into_inner().expect("tickets");

    // Then, all at once: each technician registers tickets of their own and works on the
    // desk's tickets sent to them, syncing through either node; the desk hands the same
    // tickets off again and again, through either node.
    let handoffs: Mutex<Vec<(TicketId, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for (t, store) in devices.iter().enumerate() {
            let urls = &urls;
            s.spawn(move || {
                let mut visits = Vec::new();
                for round in 0..ROUNDS {
                    if round % 20 == 0 {
                        let id = store
                            .register(&complaint("Device Plant"))
                            .expect("register");
                        visits.push((id.clone(), store.arrive(&id, "bay 2")));
                    }
                    if round == 1 {
                        for summary in store.list().expect("list") {
                            let id = summary.ticket_id;
                            if !visits.iter().any(|(v, _)| *v == id) {
                                visits.push((id.clone(), store.arrive(&id, "bay 2")));
                            }
                        }
                    }
                    for (id, visit) in &visits {
                        store.log(id, visit, format!("tech {t} round {round}"));
                    }
                    sync_through(store, urls[(round + t) % 2]);
                }
            });
        }
        let (desk, urls, desk_tickets, handoffs) = (&desk, &urls, &desk_tickets, &handoffs);
        s.spawn(move || {
            for round in 0..ROUNDS {
                for (n, id) in desk_tickets.iter().enumerate() {
                    let note = format!("round {round} ticket {n}");
                    let op = json!({"op": "hand_off", "to": ["supervisor"], "note": note});
                    let path = format!("/v1/tickets/{id}/operations");
                    let (status, body) = call(urls[(round + n) % 2], "POST", &path, desk, Some(op));
                    assert_eq!(status, 200, "{body}");
                    let change = body["change"].as_str().expect("a change").to_owned();
                    handoffs
                        .lock()
                        .expect("handoffs")
                        .push((id.clone(), change));
                }
            }
        });
    });

    // Every device, synced once more through each node, has nothing left unconfirmed.
    for store in &devices {
        for url in &urls {
            sync_through(store, url);
        }
        assert_eq!(store.sync_status().expect("status").unconfirmed_changes, 0);
    }
    receipts_hold(&data, &devices);
    drop(nodes);

    let stored = as_stored(&data);
    // Each ticket has one ledger number of its own.
    let ids = stored.storage.ticket_ids().expect("ids");
    let ledger = stored
        .storage
        .ledger(&LedgerQuery {
            limit: Some(1_000),
            ..LedgerQuery::default()
        })
        .expect("ledger");
    let numbers: BTreeSet<String> = ledger
        .rows
        .iter()
        .map(|r| r.ledger_number.clone().expect("every ticket is numbered"))
        .collect();
    assert_eq!(ledger.rows.len(), ids.len());
    assert_eq!(numbers.len(), ids.len(), "a ledger number was given twice");
    // The database holds every change of every device, and every hand-off the desk was told
    // was recorded.
    for store in &devices {
        for summary in store.list().expect("list") {
            let id = summary.ticket_id;
            let heads = stored.engine.read(&id, |t| t.heads()).expect("stored");
            assert_eq!(store.heads(&id).expect("heads"), heads, "ticket {id}");
        }
    }
    let handoffs = handoffs.into_inner().expect("handoffs");
    assert_eq!(handoffs.len(), ROUNDS * DESK_TICKETS);
    for (id, change) in handoffs {
        let history = stored.engine.read(&id, |t| t.history()).expect("stored");
        assert!(
            history.iter().any(|h| h.hash == change),
            "the hand-off {change} of ticket {id} was lost"
        );
    }
}
