//! Devices and the desk work on the same tickets through a real office server on loopback.

use fieldledger_core::sync::{SyncReport, Transport, exchange};
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Error, Operation, Role, Store, TicketId};
use fieldledger_tests::kit::{self, Technician};
use fieldledger_tests::memory_device::MemoryDevice;
use fieldledger_tests::{Intercepted, Office, TestServer, complaint, store_for, sync};
use serde_json::json;

fn server_heads(office: &Office, id: &TicketId) -> Vec<String> {
    let (status, body) =
        office
            .server
            .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(status, 200, "{body}");
    let mut heads: Vec<String> = body["heads"]
        .as_array()
        .expect("heads")
        .iter()
        .filter_map(|h| h.as_str().map(String::from))
        .collect();
    heads.sort();
    heads
}

/// Heads as the office's API shows them: hex, sorted.
fn as_text(heads: &[automerge::ChangeHash]) -> Vec<String> {
    let mut text: Vec<String> = heads.iter().map(ToString::to_string).collect();
    text.sort();
    text
}

fn device_heads(store: &Store, id: &TicketId) -> Vec<String> {
    as_text(&store.heads(id).expect("heads"))
}

fn decide(technician: &Technician, id: &TicketId, disposition: Disposition) {
    let visit = technician.arrive(id, "bay 3");
    technician.depart(id, &visit);
    technician.decide(id, disposition, "seen on site");
}

fn run_scenario(order: &[usize]) {
    let office = Office::start();
    let id = office.desk_ticket(&[&office.zhang, &office.li]).0;
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let devices = [
        office.device(&dirs.0, &office.zhang),
        office.device(&dirs.1, &office.li),
    ];
    for d in &devices {
        assert_eq!(sync(d).expect("first sync").tickets_new, 1);
    }
    decide(&devices[0], &id, Disposition::RepairOnSite);
    decide(&devices[1], &id, Disposition::ReturnToFactory);
    office.operate(
        &id,
        json!({"op": "amend_intake", "contact_method": "0311-9999 0000"}),
    );

    for &i in order {
        let report = sync(&devices[i]).expect("sync");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    }
    let heads = server_heads(&office, &id);
    for d in &devices {
        assert_eq!(device_heads(d, &id), heads, "order {order:?}");
        assert_eq!(
            d.unconfirmed_changes(&id).expect("unconfirmed"),
            0,
            "every change is covered by a receipt"
        );
        assert_eq!(
            d.view(&id)
                .expect("view")
                .intake
                .registration
                .contact_method,
            "0311-9999 0000"
        );
    }
    let (_, ledger) = office.server.call("GET", "/v1/ledger", &office.desk, None);
    let row = &ledger["rows"][0];
    assert_eq!(row["decision_conflict"], json!(true), "{row}");
    assert_eq!(
        row["ledger_number"].as_str().map(|n| n.starts_with("KS-")),
        Some(true)
    );
    assert_eq!(
        devices[0].view(&id).expect("view").meta.ledger_number,
        row["ledger_number"].as_str().map(String::from)
    );
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(
        detail["decision_conflict"]["entries"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    let history: Vec<&str> = detail["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter_map(|h| h["hash"].as_str())
        .collect();
    for d in &devices {
        for entry in d.history(&id).expect("history") {
            assert!(
                history.contains(&entry.hash.as_str()),
                "the server lacks {}",
                entry.hash
            );
        }
    }
}

#[test]
fn two_devices_and_the_desk_converge_in_any_order() {
    run_scenario(&[0, 1, 0]);
    run_scenario(&[1, 0, 1]);
    run_scenario(&[0, 1, 1, 0]);
}

#[test]
fn a_ticket_registered_offline_gets_its_ledger_number_once() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    let id = store
        .register(&complaint("Baoding Textiles"))
        .expect("register offline");
    let first = sync(&store).expect("sync");
    assert_eq!(first.tickets_confirmed, 1);
    let number = store
        .view(&id)
        .expect("view")
        .meta
        .ledger_number
        .expect("number synced back");
    sync(&store).expect("again");
    assert_eq!(
        store.view(&id).expect("view").meta.ledger_number,
        Some(number.clone())
    );
    let (_, ledger) = office.server.call("GET", "/v1/ledger", &office.desk, None);
    assert_eq!(ledger["total"], json!(1));
    assert_eq!(ledger["rows"][0]["ledger_number"], json!(number));
    assert_eq!(store.unconfirmed_changes(&id).expect("unconfirmed"), 0);
}

#[test]
fn a_sync_where_nothing_changed_is_one_small_request_and_only_changed_tickets_travel() {
    let office = Office::start();
    let supervisor = office.server.user("sup.sun", Role::Supervisor);
    let desk = office
        .server
        .state
        .storage
        .user(&"desk.wang".parse().expect("id"))
        .expect("user")
        .expect("desk");
    let mut ids = Vec::new();
    for n in 0..1_000 {
        ids.push(
            office
                .server
                .state
                .engine
                .register(&desk, &complaint(&format!("Customer {n}")))
                .expect("register"),
        );
    }
    let dir = tempfile::tempdir().expect("dir");
    let store = store_for(dir.path(), "sup.sun", Role::Supervisor, 0).expect("store");
    office.server.enrol(&store, &supervisor);
    let first = sync(&store).expect("first sync");
    assert_eq!(first.tickets_new, 1_000);
    assert_eq!(store.list().expect("list").len(), 1_000);

    let idle: SyncReport = sync(&store).expect("idle sync");
    assert_eq!(idle.rounds, 1, "one request");
    assert_eq!((idle.tickets_received, idle.tickets_confirmed), (0, 0));
    assert!(
        idle.bytes_sent < 100 && idle.bytes_received < 100,
        "{idle:?}"
    );

    for id in ids.iter().step_by(100) {
        let op = Operation::HandOff {
            person: None,
            to: vec![Role::Technician],
            note: "go".into(),
        };
        office
            .server
            .state
            .engine
            .record(&desk, id, &op)
            .expect("hand off");
    }
    let some = sync(&store).expect("sync of 10");
    assert_eq!(some.rounds, 1);
    assert_eq!(some.tickets_received, 10);
    for id in ids.iter().step_by(100) {
        assert_eq!(store.view(id).expect("view").dispatch.handoffs.len(), 1);
    }
}

#[test]
fn a_change_whose_commit_failed_is_stored_by_the_next_sync() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let dir = tempfile::tempdir().expect("dir");
    let zhang = office.device(&dir, &office.zhang);
    sync(&zhang).expect("first sync");
    zhang.arrive(&id, "bay 3");
    // The server's disk refuses every write, as a full disk would.
    let data_dir = office.server.data_dir().expect("data dir");
    let full = fieldledger_tests::backend::refuse_writes(data_dir).expect("a full disk");
    assert!(
        sync(&zhang).is_err(),
        "a sync the server could not store fails"
    );
    assert!(zhang.unconfirmed_changes(&id).expect("unconfirmed") > 0);
    drop(full);
    // The server merged the arrival in memory before the write failed; the next sync must
    // store it, not build on a copy that holds what the disk never got.
    let visit = zhang.view(&id).expect("view").visits[0].id.clone();
    zhang
        .record(&id, &Operation::Depart { visit_id: visit })
        .expect("depart");
    sync(&zhang).expect("sync after the disk recovered");
    assert_eq!(zhang.unconfirmed_changes(&id).expect("unconfirmed"), 0);
    let storage = &office.server.state.storage;
    let actor = storage.system_actor().expect("system actor");
    let (stored, _) = storage
        .load_ticket(&id, &actor)
        .expect("load")
        .expect("stored ticket");
    let mut stored_heads: Vec<String> = stored.heads().iter().map(ToString::to_string).collect();
    stored_heads.sort();
    assert_eq!(stored_heads, device_heads(&zhang, &id));
    assert_eq!(server_heads(&office, &id), device_heads(&zhang, &id));
}

#[test]
fn a_cut_connection_loses_nothing_and_duplicates_nothing() {
    for (before, after) in [(true, false), (false, true)] {
        let office = Office::start();
        let id = office.desk_ticket(&[&office.zhang, &office.li]).0;
        let dir = tempfile::tempdir().expect("dir");
        let store = office.device(&dir, &office.zhang);
        sync(&store).expect("first sync");
        let own = store
            .register(&complaint("Tangshan Port"))
            .expect("offline ticket");
        decide(&store, &id, Disposition::Replace);
        office.server.call(
            "POST",
            &format!("/v1/tickets/{id}/operations"),
            &office.desk,
            Some(json!({"op": "amend_intake", "model": "ZN63-12/1600"})),
        );

        let http = fieldledger_tests::transport_of(&store);
        let (cut_before, cut_after) = (std::cell::Cell::new(before), std::cell::Cell::new(after));
        let flaky = Intercepted {
            inner: &http,
            hook: |inner: &HttpTransport, request: Vec<u8>| {
                if cut_before.replace(false) {
                    return Err(Error::Offline(
                        "connection cut before the request arrived".into(),
                    ));
                }
                let answer = inner.sync(request)?;
                if cut_after.replace(false) {
                    return Err(Error::Offline(
                        "connection cut after the server committed".into(),
                    ));
                }
                Ok(answer)
            },
        };
        assert!(matches!(
            fieldledger_core::sync::sync(&store, &flaky),
            Err(Error::Offline(_))
        ));
        assert!(store.sync_status().expect("status").last_error.is_some());
        fieldledger_core::sync::sync(&store, &flaky).expect("sync again");

        for ticket in [&id, &own] {
            assert_eq!(device_heads(&store, ticket), server_heads(&office, ticket));
            assert_eq!(store.unconfirmed_changes(ticket).expect("unconfirmed"), 0);
        }
        assert_eq!(
            store.view(&id).expect("view").intake.registration.model,
            "ZN63-12/1600"
        );
        let (_, ledger) = office.server.call("GET", "/v1/ledger", &office.desk, None);
        assert_eq!(
            ledger["total"],
            json!(2),
            "the offline ticket is in the ledger once"
        );
        let (_, detail) =
            office
                .server
                .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
        assert_eq!(
            detail["view"]["decisions"]["entries"]
                .as_array()
                .map(Vec::len),
            Some(1),
            "the decision is there once"
        );
        let status = store.sync_status().expect("status");
        assert!(
            status.last_error.is_none()
                && status.last_sync_at.is_some()
                && status.unconfirmed_changes == 0
        );
    }
}

/// The whole ticket reaches a device the server misjudges, even when the round that asks for it
/// is cut (`cut_reset`): the next sync asks again.
fn misjudged_device_gets_the_whole_ticket(cut_reset: bool) {
    let office = Office::start();
    let id = office.desk_ticket(&[&office.zhang, &office.li]).0;
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    // The server wrongly believes the device already holds the ticket as it stands now …
    let heads = office
        .server
        .state
        .engine
        .read(&id, |t| t.heads())
        .expect("heads");
    let device_id = office
        .server
        .state
        .storage
        .devices()
        .expect("devices")
        .into_iter()
        .find(|d| d.user == office.zhang)
        .expect("device")
        .id;
    let belief = fieldledger_server::storage::Batch {
        device_docs: vec![fieldledger_server::storage::DeviceDocWrite {
            device: device_id,
            ticket_id: id.clone(),
            state: fieldledger_server::storage::DeviceDoc {
                shared: heads,
                sent: None,
            },
        }],
        ..Default::default()
    };
    office
        .server
        .state
        .storage
        .commit(&[belief], fieldledger_core::Timestamp(0))
        .expect("belief");
    // … so after one more change it sends only that change, which the device cannot apply.
    office.server.call(
        "POST",
        &format!("/v1/tickets/{id}/operations"),
        &office.desk,
        Some(json!({"op": "amend_intake", "model": "ZN63-12/2000"})),
    );
    if cut_reset {
        let http = fieldledger_tests::transport_of(&store);
        let requests = std::cell::Cell::new(0);
        let cut = Intercepted {
            inner: &http,
            hook: |inner: &HttpTransport, request: Vec<u8>| {
                requests.set(requests.get() + 1);
                if requests.get() == 2 {
                    return Err(Error::Offline(
                        "cut while asking for the whole ticket".into(),
                    ));
                }
                inner.sync(request)
            },
        };
        assert!(matches!(
            fieldledger_core::sync::sync(&store, &cut),
            Err(Error::Offline(_))
        ));
    }
    let report = sync(&store).expect("sync");
    assert!(report.rounds >= 2, "{report:?}");
    assert_eq!(report.tickets_new, 1);
    assert_eq!(device_heads(&store, &id), server_heads(&office, &id));
    assert_eq!(
        store.view(&id).expect("view").intake.registration.model,
        "ZN63-12/2000"
    );
}

#[test]
fn a_device_the_server_misjudges_gets_the_whole_ticket() {
    misjudged_device_gets_the_whole_ticket(false);
}

#[test]
fn a_device_whose_request_for_the_whole_ticket_is_cut_asks_again_next_sync() {
    misjudged_device_gets_the_whole_ticket(true);
}

#[test]
fn a_large_first_sync_comes_in_several_small_responses() {
    let limits = fieldledger_server::engine::Limits {
        response_bytes: 4_000,
        ..Default::default()
    };
    let server = TestServer::start_with(fieldledger_server::Settings {
        limits,
        ..Default::default()
    });
    let desk_user = server.user("desk.wang", Role::ServiceDesk);
    let supervisor = server.user("sup.sun", Role::Supervisor);
    let desk = server
        .state
        .storage
        .user(&desk_user)
        .expect("user")
        .expect("desk");
    for n in 0..20 {
        server
            .state
            .engine
            .register(&desk, &complaint(&format!("Customer {n}")))
            .expect("register");
    }
    let dir = tempfile::tempdir().expect("dir");
    let store = store_for(dir.path(), "sup.sun", Role::Supervisor, 0).expect("store");
    server.enrol(&store, &supervisor);
    let report = sync(&store).expect("sync");
    assert!(report.rounds >= 4, "{report:?}");
    assert_eq!(store.list().expect("list").len(), 20);
    assert_eq!(sync(&store).expect("idle").rounds, 1);
}

#[test]
fn metrics_count_the_syncs_and_the_api_describes_itself() {
    let office = Office::on(TestServer::start_with(fieldledger_server::Settings {
        metrics_token: Some("m3trics".into()),
        ..fieldledger_server::Settings::default()
    }));
    let id = office.desk_ticket(&[&office.zhang, &office.li]).0;
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    sync(&store).expect("sync");
    decide(&store, &id, Disposition::Replace);
    sync(&store).expect("sync");

    let (status, metrics) = office.server.call("GET", "/metrics", "m3trics", None);
    assert_eq!(status, 200);
    let text = metrics.as_str().expect("text");
    let requests: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("fieldledger_sync_requests_total "))
        .and_then(|n| n.parse().ok())
        .expect("sync request counter");
    assert!(requests >= 2, "{text}");
    assert!(
        text.contains("fieldledger_changes_merged_total")
            && text.contains("fieldledger_sync_duration_seconds_bucket")
    );
    let (status, openapi) = office.server.call("GET", "/v1/openapi.json", "", None);
    assert_eq!(status, 200);
    assert_eq!(openapi["openapi"], json!("3.1.0"));
    assert!(openapi["paths"]["/v1/sync"].is_object());
}

#[test]
fn the_ledger_filters_and_pages() {
    let office = Office::start();
    let desk = office
        .server
        .state
        .storage
        .user(&"desk.wang".parse().expect("id"))
        .expect("user")
        .expect("desk");
    let engine = &office.server.state.engine;
    for n in 0..7 {
        let mut registration = complaint(&format!("Hebei Steel plant {n}"));
        registration.model = if n % 2 == 0 {
            "ZN63-12/1250".into()
        } else {
            "KYN28A-12".into()
        };
        let id = engine.register(&desk, &registration).expect("register");
        if n < 3 {
            let order =
                Operation::IssueTravelOrder(fieldledger_core::ticket::dispatch::NewTravelOrder {
                    number: format!("CC-{n}"),
                    kind: fieldledger_core::ticket::dispatch::OrderKind::OnSiteService,
                    issuing_department:
                        fieldledger_core::ticket::dispatch::Department::TechnicalService,
                    assignees: vec![office.li.clone()],
                });
            engine.record(&desk, &id, &order).expect("order");
        }
    }
    engine
        .register(&desk, &complaint("Tangshan Port"))
        .expect("register");
    let total = |query: &str| {
        let (status, page) =
            office
                .server
                .call("GET", &format!("/v1/ledger?{query}"), &office.desk, None);
        assert_eq!(status, 200, "{query}: {page}");
        (
            page["total"].as_u64().expect("total"),
            page["rows"].as_array().map_or(0, Vec::len),
        )
    };
    assert_eq!(total(""), (8, 8));
    assert_eq!(total("customer=Hebei"), (7, 7));
    assert_eq!(total("customer=Hebei&model=ZN63"), (4, 4));
    assert_eq!(total("status=dispatched"), (3, 3));
    assert_eq!(total(&format!("assignee={}", office.li)), (3, 3));
    assert_eq!(total("customer=Hebei&limit=3&offset=6"), (7, 1));
    assert_eq!(
        total("customer=100%25"),
        (0, 0),
        "wildcards in a filter are taken literally"
    );
    assert_eq!(total("registered_from=0&registered_to=1"), (0, 0));
    let (_, first) = office
        .server
        .call("GET", "/v1/ledger?limit=1", &office.desk, None);
    assert_eq!(
        first["rows"][0]["customer_name"],
        json!("Tangshan Port"),
        "most recently changed first"
    );
}

#[test]
fn a_receipt_naming_changes_the_device_lacks_makes_it_ask_for_them() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    let id = store
        .register(&complaint("Baoding Textiles"))
        .expect("register");
    let control_dir = tempfile::tempdir().expect("dir");
    let control = office.device(&control_dir, &office.li);
    control
        .register(&complaint("Baoding Textiles"))
        .expect("register");
    let normal = sync(&control).expect("control sync");

    let http = fieldledger_tests::transport_of(&store);
    // The first response loses its document messages but keeps its receipts, as when the
    // server wrongly believes (through the device's bloom filter) that the device has them.
    let armed = std::cell::Cell::new(true);
    let lossy = Intercepted {
        inner: &http,
        hook: |inner: &HttpTransport, request: Vec<u8>| {
            let answer = inner.sync(request)?;
            if !armed.replace(false) {
                return Ok(answer);
            }
            let mut response: fieldledger_core::protocol::SyncResponse =
                fieldledger_core::protocol::decode(&answer)?;
            response.docs.clear();
            Ok(fieldledger_core::protocol::encode(&response))
        },
    };
    let report = fieldledger_core::sync::sync(&store, &lossy).expect("sync");
    assert!(report.rounds >= 2, "the device asked again: {report:?}");
    // The ask goes with the device's unconfirmed changes once more: until the missing changes
    // arrive, the device cannot tell which of its own the office holds. This happens only when a
    // receipt names changes that did not arrive, and costs at most one more upload.
    assert!(
        report.bytes_sent < 2 * normal.bytes_sent + 300,
        "asking costs at most a second upload: {} against {}",
        report.bytes_sent,
        normal.bytes_sent
    );
    assert_eq!(device_heads(&store, &id), server_heads(&office, &id));
    assert!(
        store.view(&id).expect("view").meta.ledger_number.is_some(),
        "the ledger number arrived"
    );
    let idle = sync(&store).expect("idle");
    assert!(
        idle.bytes_sent < 100,
        "nothing is resent afterwards: {idle:?}"
    );
}

#[test]
fn a_device_held_in_memory_syncs_through_the_same_session() {
    let office = Office::start();
    let transport = |token: String| {
        HttpTransport::new(&fieldledger_core::store::sync_state::Enrolment {
            server_url: office.server.url.clone(),
            token,
        })
    };
    let author = fieldledger_core::Author::new(office.zhang.clone(), Role::Technician);
    let phone = MemoryDevice::new(author.clone());
    let tablet = MemoryDevice::new(author);
    let (phone_link, tablet_link) = (
        transport(office.server.token(&office.zhang)),
        transport(office.server.token(&office.zhang)),
    );
    let id = phone
        .register(&complaint("Memory Works"))
        .expect("register");
    exchange(&phone, &phone_link).expect("phone sync");
    assert_eq!(phone.unconfirmed_changes(&id).expect("unconfirmed"), 0);
    exchange(&tablet, &tablet_link).expect("tablet sync");
    assert_eq!(
        tablet.tickets(),
        vec![id.clone()],
        "the creator's other device gets it"
    );
    tablet.record(&id, &kit::arrive("bay 1")).expect("arrive");
    exchange(&tablet, &tablet_link).expect("tablet sync");
    exchange(&phone, &phone_link).expect("phone sync");
    let heads = |d: &MemoryDevice| as_text(&d.heads(&id).expect("heads"));
    assert_eq!(heads(&phone), heads(&tablet));
    assert_eq!(heads(&phone), server_heads(&office, &id));
}

#[test]
fn devices_syncing_at_once_take_turns_and_all_get_their_receipts() {
    // One merge at a time: the others wait their turn instead of failing.
    let office = Office::on(TestServer::start_with(fieldledger_server::Settings {
        syncs_at_once: 1,
        ..Default::default()
    }));
    let author = fieldledger_core::Author::new(office.zhang.clone(), Role::Technician);
    let devices: Vec<(MemoryDevice, TicketId)> = (0..12)
        .map(|n| {
            let device = MemoryDevice::new(author.clone());
            let id = device
                .register(&complaint(&format!("Crowd {n}")))
                .expect("register");
            (device, id)
        })
        .collect();
    std::thread::scope(|s| {
        for (device, _) in &devices {
            let link = HttpTransport::new(&fieldledger_core::store::sync_state::Enrolment {
                server_url: office.server.url.clone(),
                token: office.server.token(&office.zhang),
            });
            s.spawn(move || exchange(device, &link).expect("sync"));
        }
    });
    for (device, id) in &devices {
        assert_eq!(device.unconfirmed_changes(id).expect("unconfirmed"), 0);
        let heads = as_text(&device.heads(id).expect("heads"));
        assert_eq!(heads, server_heads(&office, id), "the office holds {id}");
    }
}
