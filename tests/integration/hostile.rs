//! Hostile input against a running server: truncated bodies, automerge messages that do not
//! decode, changes with missing dependencies, replayed requests, oversized blobs, slow clients
//! and thousands of connections. Each gets a clear 4xx (or a bounded wait), the server keeps
//! serving everyone else, and nothing stored changes. Forged actors, policy refusals and
//! revoked tokens are in `access.rs`; malformed bodies and identifiers in `bad_input.rs`.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use automerge::sync::SyncDoc;
use fieldledger_core::TicketId;
use fieldledger_core::protocol::{self, DocCode, DocMessage};
use fieldledger_core::store::sync_state::primed_state;
use fieldledger_core::sync::Transport;
use fieldledger_core::transport::HttpTransport;
use fieldledger_tests::kit::{self, Technician};
use fieldledger_tests::{Office, sync};
use serde_json::json;

use crate::access::{crafted, send_docs};

/// What the server holds: every ticket with its heads, and the ledger as the desk reads it.
fn stored(
    office: &Office,
) -> (
    Vec<(TicketId, Vec<automerge::ChangeHash>)>,
    serde_json::Value,
) {
    let state = &office.server.state;
    let tickets = state
        .storage
        .ticket_ids()
        .expect("ids")
        .into_iter()
        .map(|id| {
            let heads = state.engine.read(&id, |t| t.heads()).expect("heads");
            (id, heads)
        })
        .collect();
    let (_, ledger) = office.server.call("GET", "/v1/ledger", &office.desk, None);
    (tickets, ledger)
}

pub(crate) fn post_sync(office: &Office, token: &str, body: &[u8]) -> (u16, Vec<u8>) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent();
    let mut response = agent
        .post(format!("{}/v1/sync", office.server.url))
        .header("Authorization", format!("Bearer {token}"))
        .send(body)
        .expect("answer");
    let status = response.status().as_u16();
    (status, response.body_mut().read_to_vec().expect("body"))
}

/// The server still answers a device promptly.
fn still_serving(office: &Office) {
    let started = Instant::now();
    let (status, _) = office.server.call("GET", "/healthz", "", None);
    assert_eq!(status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered in {:?}",
        started.elapsed()
    );
}

/// Zhang's device, synced with ticket `id` and then on site with one change the office lacks.
fn on_site(office: &Office, dir: &tempfile::TempDir, id: &TicketId) -> Technician {
    let store = office.device(dir, &office.zhang);
    sync(&store).expect("sync");
    store.arrive(id, "bay 2");
    store
}

#[test]
fn truncated_and_undecodable_sync_bodies_are_refused_and_change_nothing() {
    let office = Office::start();
    let (id, dir) = (
        office.desk_ticket(&[&office.zhang]).0,
        tempfile::tempdir().expect("dir"),
    );
    let store = on_site(&office, &dir, &id);
    let message = crafted(
        &store,
        &id,
        store.actor_id().clone(),
        &store.user().expect("user").expect("author"),
        &kit::arrive("bay 3"),
    );
    let body = protocol::encode(&fieldledger_tests::forge::request(
        0,
        vec![message.clone()],
        std::slice::from_ref(store.actor_id()),
    ));
    let token = fieldledger_tests::token_of(&store);
    let before = stored(&office);

    // Every cut of a real request is refused whole.
    for cut in (0..body.len()).step_by(7) {
        let (status, answer) = post_sync(&office, &token, &body[..cut]);
        let error: serde_json::Value = serde_json::from_slice(&answer).expect("JSON error");
        assert_eq!(
            (status, error["error"].clone()),
            (400, json!("bad_body")),
            "cut at {cut}"
        );
    }
    // An automerge message that does not decode, and one cut short, are refused for their
    // document alone.
    let mut short = message.message.clone();
    short.truncate(short.len() / 2);
    for garbage in [b"\x42not automerge".to_vec(), short] {
        let response = send_docs(
            &store,
            vec![DocMessage {
                ticket_id: id.clone(),
                message: garbage,
            }],
        );
        assert_eq!(response.errors.len(), 1, "{response:?}");
        assert_eq!(response.errors[0].code, DocCode::BadMessage);
    }
    assert_eq!(stored(&office), before, "nothing stored changed");
    still_serving(&office);
}

#[test]
fn a_change_whose_dependencies_are_missing_is_refused_and_stores_nothing() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    sync(&store).expect("sync");
    let server_heads = store.heads(&id).expect("heads");
    // Two changes on the device; only the second travels.
    for site in ["bay 4", "bay 5"] {
        store.arrive(&id, site);
    }
    let message = store
        .read_ticket(&id, |t| {
            let mut state = primed_state(server_heads.clone(), Vec::new());
            let mut message = t.doc().generate_sync_message(&mut state).expect("message");
            let last = t
                .doc()
                .get_changes(&server_heads)
                .last()
                .map(|c| c.raw_bytes().to_vec());
            message.changes = vec![last.expect("a change")].into();
            message.encode()
        })
        .expect("ticket");
    let before = stored(&office);
    let response = send_docs(
        &store,
        vec![DocMessage {
            ticket_id: id.clone(),
            message,
        }],
    );
    assert_eq!(response.errors.len(), 1, "{response:?}");
    assert_eq!(response.errors[0].code, DocCode::MissingDependencies);
    assert_eq!(stored(&office), before, "nothing stored changed");
    // The honest device still delivers both changes.
    sync(&store).expect("sync");
    assert_eq!(store.unconfirmed_changes(&id).expect("unconfirmed"), 0);
}

#[test]
fn a_replayed_request_duplicates_nothing() {
    let office = Office::start();
    let (id, dir) = (
        office.desk_ticket(&[&office.zhang]).0,
        tempfile::tempdir().expect("dir"),
    );
    let store = on_site(&office, &dir, &id);
    let http = fieldledger_tests::transport_of(&store);
    let captured = std::cell::RefCell::new(Vec::new());
    let recording = fieldledger_tests::Intercepted {
        inner: &http,
        hook: |inner: &HttpTransport, request: Vec<u8>| {
            captured.borrow_mut().push(request.clone());
            inner.sync(request)
        },
    };
    fieldledger_core::sync::sync(&store, &recording).expect("sync");
    let before = stored(&office);
    for request in captured.borrow().iter() {
        for _ in 0..3 {
            http.sync(request.clone()).expect("a replay is answered");
        }
    }
    assert_eq!(stored(&office), before, "replays store nothing new");
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(detail["view"]["visits"].as_array().map(Vec::len), Some(1));
}

#[test]
fn oversized_blobs_are_refused_before_they_are_read() {
    let office = Office::start();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let hash = "c".repeat(64);
    // The answer to an oversized piece: 413, or, when the server answers before the client has
    // sent everything, a connection the server closed under the sender (no body read).
    let put = |query: &str, body: &[u8]| match agent
        .put(format!("{}/v1/blobs/{hash}?{query}", office.server.url))
        .header("Authorization", format!("Bearer {}", office.desk))
        .send(body)
    {
        Ok(mut response) => {
            let status = response.status().as_u16();
            let text = response.body_mut().read_to_string().unwrap_or_default();
            let error = serde_json::from_str::<serde_json::Value>(&text).unwrap_or(json!(text));
            (status, error["error"].clone())
        }
        Err(ureq::Error::Io(e)) => (413, json!(format!("too_large (closed: {e})"))),
        Err(e) => panic!("unexpected answer: {e}"),
    };
    assert_eq!(
        put("offset=0&total=99999999999", b"abc"),
        (413, json!("too_large"))
    );
    let piece = vec![0u8; 5 * 1024 * 1024];
    let (status, error) = put("offset=0&total=6000000", &piece);
    assert_eq!(status, 413);
    assert!(
        error.as_str().is_some_and(|e| e.starts_with("too_large")),
        "{error}"
    );
    let (status, state) = office.server.call(
        "GET",
        &format!("/v1/blobs/{hash}/upload"),
        &office.desk,
        None,
    );
    assert_eq!(
        (status, state["offset"].clone()),
        (200, json!(0)),
        "nothing was kept"
    );
    still_serving(&office);
}

#[test]
fn slow_clients_and_thousands_of_connections_do_not_stop_the_server() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    let addr = office.server.url.trim_start_matches("http://").to_owned();
    let mut held = Vec::new();
    // Clients that send part of a request and then nothing.
    for n in 0..100 {
        let mut stream = TcpStream::connect(&addr).expect("connect");
        let partial = if n % 2 == 0 {
            "POST /v1/sync HTTP/1.1\r\nHost: x\r\n".to_owned()
        } else {
            format!(
                "POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Length: \
                100000\r\n\r\nabc",
                office.desk
            )
        };
        stream.write_all(partial.as_bytes()).expect("write");
        held.push(stream);
    }
    // And many that connect and say nothing.
    for _ in 0..2_000 {
        held.push(TcpStream::connect(&addr).expect("connect"));
    }
    still_serving(&office);
    let started = Instant::now();
    let report = sync(&store).expect("a device syncs meanwhile");
    assert_eq!(report.tickets_new, 1);
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        store.heads(&id).expect("heads"),
        office
            .server
            .state
            .engine
            .read(&id, |t| t.heads())
            .expect("heads")
    );
    drop(held);
    still_serving(&office);
}
