//! Domain events: what each step of the flow emits, the live stream with resumption, and
//! webhook delivery through a failing receiver.

use std::time::{Duration, Instant};

use fieldledger_core::TicketId;
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_server::Settings;
use fieldledger_server::events::{Event, EventDetail, EventKind};
use fieldledger_server::webhooks::{Pacing, SIGNATURE_HEADER, TIMESTAMP_HEADER, signature, verify};
use fieldledger_tests::kit::Technician;
use fieldledger_tests::listen::{EventStream, header, receiver, receiver_after};
use fieldledger_tests::{Office, TestServer, sync};
use serde_json::json;

fn kinds(events: &[Event], id: &TicketId) -> Vec<EventKind> {
    events
        .iter()
        .filter(|e| &e.ticket_id == id)
        .map(Event::kind)
        .collect()
}

fn outbox(server: &TestServer) -> Vec<Event> {
    server
        .state
        .storage
        .events_after(0, 10_000)
        .expect("outbox")
}

/// Zhang arrives on site and decides, on his device.
fn on_site_decision(zhang: &Technician, id: &TicketId, disposition: Disposition) {
    zhang.arrive(id, "bay 2");
    zhang.decide(id, disposition, "winding damaged");
}

#[test]
fn each_step_of_the_flow_emits_its_event_in_order() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[]);
    office.operate(
        &id,
        json!({"op": "hand_off", "to": ["technical", "supervisor"], "note": "urgent"}),
    );
    office.operate(
        &id,
        json!({"op": "issue_travel_order", "number": "CC-2026-0102", "kind": "on_site_service",
               "issuing_department": "technical_service", "assignees": [office.zhang]}),
    );
    let dir = tempfile::tempdir().expect("dir");
    let zhang = office.device(&dir, &office.zhang);
    sync(&zhang).expect("sync");
    on_site_decision(&zhang, &id, Disposition::Replace);
    sync(&zhang).expect("sync");
    assert_eq!(
        kinds(&outbox(&office.server), &id),
        vec![
            EventKind::Registered,
            EventKind::HandedOff,
            EventKind::Dispatched,
            EventKind::ArrivedOnSite,
            EventKind::DecisionRecorded,
            EventKind::ReplacementOrReturnRequested,
            EventKind::FulfilmentTurn,
        ]
    );
    // The hand-off is told to the departments it went to, and the replacement's first turn
    // to manufacturing.
    let events = outbox(&office.server);
    let audience = |kind: EventKind| {
        events
            .iter()
            .find(|e| e.ticket_id == id && e.kind() == kind)
            .map(|e| e.audience.clone())
            .unwrap_or_default()
    };
    assert!(audience(EventKind::HandedOff).contains(&fieldledger_core::Role::Technical));
    assert!(!audience(EventKind::Dispatched).contains(&fieldledger_core::Role::Technical));
    assert!(audience(EventKind::FulfilmentTurn).contains(&fieldledger_core::Role::Manufacturing));
    // Syncing again with nothing new emits nothing.
    sync(&zhang).expect("sync");
    assert_eq!(kinds(&outbox(&office.server), &id).len(), 7);
}

#[test]
fn decisions_made_apart_raise_one_conflict_event() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[&office.zhang, &office.li]);
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (zhang, li) = (
        office.device(&dirs.0, &office.zhang),
        office.device(&dirs.1, &office.li),
    );
    sync(&zhang).expect("sync");
    sync(&li).expect("sync");
    on_site_decision(&zhang, &id, Disposition::RepairOnSite);
    on_site_decision(&li, &id, Disposition::Replace);
    sync(&zhang).expect("sync");
    sync(&li).expect("sync");
    sync(&zhang).expect("sync");
    let events = outbox(&office.server);
    let conflicts: Vec<&Event> = events
        .iter()
        .filter(|e| e.kind() == EventKind::DecisionConflict)
        .collect();
    assert_eq!(conflicts.len(), 1, "{events:?}");
    assert!(
        conflicts[0]
            .audience
            .contains(&fieldledger_core::Role::Technical)
    );
    assert!(
        matches!(&conflicts[0].detail, EventDetail::DecisionConflict(c) if c.entries.len() == 2),
        "{conflicts:?}"
    );
}

/// Reads server-sent events from `path` until `count` have arrived; returns their ids and kinds.
fn read_stream(
    server: &TestServer,
    token: &str,
    path: &str,
    last_event_id: Option<u64>,
    count: usize,
) -> Vec<(u64, String)> {
    let mut events = Vec::new();
    let stream = EventStream {
        url: &server.url,
        token,
        path,
        last_event_id,
        timeout: Duration::from_secs(20),
    };
    stream
        .read(|id, kind| {
            events.push((id, kind.to_owned()));
            events.len() < count
        })
        .expect("stream");
    events
}

#[test]
fn a_stream_resumed_with_last_event_id_gets_what_it_missed_once() {
    let office = Office::start();
    let (first, _) = office.desk_ticket(&[]);
    let seen = read_stream(&office.server, &office.desk, "/v1/events", None, 1);
    assert_eq!(seen[0].1, "registered");
    // While the client is away: a hand-off and a new ticket.
    office.operate(
        &first,
        json!({"op": "hand_off", "to": ["technical"], "note": ""}),
    );
    let (second, _) = office.desk_ticket(&[]);
    let missed = read_stream(
        &office.server,
        &office.desk,
        "/v1/events",
        Some(seen[0].0),
        2,
    );
    let kinds: Vec<&str> = missed.iter().map(|(_, k)| k.as_str()).collect();
    assert_eq!(kinds, vec!["handed_off", "registered"]);
    assert!(missed.iter().all(|(id, _)| *id > seen[0].0));
    // Live: a client waiting on the stream gets what is committed after it connected.
    let server = &office.server;
    let live = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            read_stream(
                server,
                &office.desk,
                "/v1/events?kind=handed_off",
                Some(missed[1].0),
                1,
            )
        });
        std::thread::sleep(Duration::from_millis(300));
        office.operate(
            &second,
            json!({"op": "hand_off", "to": ["supervisor"], "note": "live"}),
        );
        reader.join().expect("reader")
    });
    assert_eq!(live.len(), 1);
    assert_eq!(live[0].1, "handed_off");
    let (status, _) = office
        .server
        .call("GET", "/v1/events?kind=no_such_kind", &office.desk, None);
    assert_eq!(status, 400);
}

#[test]
fn a_webhook_that_fails_three_times_gets_the_event_signed_once_acknowledged() {
    let server = TestServer::start_with(Settings {
        pacing: Some(Pacing {
            poll: Duration::from_millis(20),
            first_retry: Duration::from_millis(50),
            longest_retry: Duration::from_millis(200),
            timeout: Duration::from_secs(5),
        }),
        ..Settings::default()
    });
    let desk = server.user("desk.wang", fieldledger_core::Role::ServiceDesk);
    let desk_token = server.token(&desk);
    let tech = server.user("tech.zhang", fieldledger_core::Role::Technician);
    let (url, posts) = receiver(3);
    server
        .state
        .storage
        .add_webhook(&url, "s3cret", &[EventKind::Registered], Some(0))
        .expect("webhook");
    let (status, body) = server.call(
        "POST",
        "/v1/tickets",
        &desk_token,
        Some(json!(fieldledger_tests::complaint("Hook Works"))),
    );
    assert_eq!(status, 201, "{body}");
    // Sync keeps working while the receiver fails.
    let dir = tempfile::tempdir().expect("dir");
    let store = fieldledger_tests::store_for(
        dir.path(),
        tech.as_str(),
        fieldledger_core::Role::Technician,
        1_790_000_000_000,
    )
    .expect("store");
    server.enrol(&store, &tech);
    store
        .register(&fieldledger_tests::complaint("Phone Works"))
        .expect("register");
    sync(&store).expect("sync while the webhook fails");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let acknowledged = posts
            .lock()
            .expect("posts")
            .iter()
            .filter(|p| p.2 == 200)
            .count();
        if acknowledged >= 2 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    // Give a wrong redelivery the time to show up.
    std::thread::sleep(Duration::from_millis(300));
    let posts = posts.lock().expect("posts").clone();
    assert_eq!(posts.iter().filter(|p| p.2 == 500).count(), 3);
    let acknowledged: Vec<_> = posts.iter().filter(|p| p.2 == 200).collect();
    assert_eq!(acknowledged.len(), 2, "each registration once: {posts:?}");
    for (headers, body, _) in &posts {
        let header = |name: &str| header(headers, name).unwrap_or_default().to_owned();
        let (sent_at, id) = (header(TIMESTAMP_HEADER), header("Idempotency-Key"));
        let signed = header(SIGNATURE_HEADER);
        let sent_at: i64 = sent_at.parse().expect("a timestamp");
        let now = fieldledger_core::Timestamp(sent_at + 1_000);
        assert_eq!(
            verify("s3cret", sent_at, &id, body.as_bytes(), &signed, now),
            Ok(()),
            "{headers}"
        );
        // A captured delivery does not verify as another event, nor ten minutes later.
        let other = format!("{}", id.parse::<u64>().expect("id") + 1);
        assert!(verify("s3cret", sent_at, &other, body.as_bytes(), &signed, now).is_err());
        let later = fieldledger_core::Timestamp(sent_at + 600_000);
        assert!(verify("s3cret", sent_at, &id, body.as_bytes(), &signed, later).is_err());
        assert_ne!(
            signed,
            signature("s3cret", body.as_bytes()).to_ascii_lowercase()
        );
    }
    // The three failures and the first success carry the same event.
    let first: serde_json::Value = serde_json::from_str(&posts[0].1).expect("json");
    let delivered: serde_json::Value = serde_json::from_str(&posts[3].1).expect("json");
    assert_eq!(first["id"], delivered["id"]);
    assert_eq!(delivered["kind"], json!("registered"));
}

/// Finding 12 of the trust review: one slow receiver held up the deliveries to every other
/// webhook. Each webhook is now delivered on its own.
#[test]
fn a_slow_webhook_receiver_does_not_delay_the_others() {
    let server = TestServer::start_with(Settings {
        pacing: Some(Pacing {
            poll: Duration::from_millis(20),
            first_retry: Duration::from_millis(50),
            longest_retry: Duration::from_millis(200),
            timeout: Duration::from_secs(10),
        }),
        ..Settings::default()
    });
    let desk = server.user("desk.wang", fieldledger_core::Role::ServiceDesk);
    let desk_token = server.token(&desk);
    let (slow, _) = receiver_after(0, Duration::from_secs(6));
    let (fast, posts) = receiver(0);
    for url in [&slow, &fast] {
        server
            .state
            .storage
            .add_webhook(url, "s3cret", &[EventKind::Registered], Some(0))
            .expect("webhook");
    }
    let started = Instant::now();
    for customer in ["First Works", "Second Works"] {
        let (status, body) = server.call(
            "POST",
            "/v1/tickets",
            &desk_token,
            Some(json!(fieldledger_tests::complaint(customer))),
        );
        assert_eq!(status, 201, "{body}");
    }
    while posts.lock().expect("posts").len() < 2 && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(posts.lock().expect("posts").len(), 2);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the fast receiver waited {:?} for the slow one",
        started.elapsed()
    );
}
