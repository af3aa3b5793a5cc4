//! A hostile device and a hostile stranger against a running server: each test reproduces one
//! finding of the trust review (issue 17) with raw HTTP or hand-crafted bytes, never through
//! `Ticket::apply`, and checks the clear refusal, that nothing was stored, and that honest
//! users working at the same time were not harmed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use automerge::ReadDoc;
use automerge::sync::Message;
use automerge::transaction::Transactable;
use fieldledger_core::protocol::{self, DocCode, DocMessage, SyncResponse};
use fieldledger_core::sync::Transport;
use fieldledger_core::{Author, Operation, Role, TicketId, Timestamp};
use fieldledger_tests::backend::open_state;
use fieldledger_tests::kit::{self, Technician};
use fieldledger_tests::{Office, forge};
use sha2::Digest;

use crate::access::{crafted, send_docs};
use crate::hostile::post_sync;

/// Finding 8: `/v1/sync` read up to 32 MiB of body before it checked the token, so that a few
/// strangers held the server's memory. A stranger's request is now refused from its headers:
/// the answer comes while the body is still being sent.
#[test]
fn a_stranger_is_refused_before_the_sync_body_is_read() {
    let office = Office::start();
    let addr = office.server.url.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    let started = Instant::now();
    // 32 MiB announced, 1 KiB sent: a server that waits for the body never answers.
    stream
        .write_all(
            b"POST /v1/sync HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \
                flt_unknown0000000000000000000000\r\n\
              Content-Type: application/cbor\r\nContent-Length: 33554432\r\n\r\n",
        )
        .expect("headers");
    stream
        .write_all(&[0u8; 1024])
        .expect("a little of the body");
    let mut answer = [0u8; 256];
    let read = stream.read(&mut answer).unwrap_or(0);
    let answer = String::from_utf8_lossy(&answer[..read]);
    assert!(
        answer.starts_with("HTTP/1.1 401"),
        "a stranger's sync is refused at once, not after its body: {answer:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // The desk, meanwhile, works as usual.
    let (id, number) = office.desk_ticket(&[&office.zhang]);
    assert!(number.is_some(), "the desk registered ticket {id}");
}

/// Finding 6: a change whose sequence number skips one made automerge panic inside the merge:
/// the device got HTTP 500 carrying the panic's text, and the poisoned lock failed the writes of
/// other requests in flight. Now that document alone is refused, and everyone else works on.
#[test]
fn a_change_that_panics_automerge_is_refused_for_its_document_alone() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let (id, store, before) = zhang_holding_a_ticket(&office, &dir);
    let response = send_altered(&office, &store, &id, |message| {
        let chunks: Vec<Vec<u8>> = message
            .changes
            .iter()
            .map(|chunk| {
                let mut change = automerge::Change::from_bytes(chunk.to_vec())
                    .expect("a change")
                    .decode();
                change.seq += 1;
                change.hash = None;
                automerge::Change::from(change).bytes().to_vec()
            })
            .collect();
        message.heads = Vec::new();
        message.changes = chunks.into();
    });
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    // The server never applies a device's change as it came: it performs the action the change
    // names and compares, so the malformed change is refused before automerge reads its ops.
    assert_eq!(response.errors[0].code, DocCode::NotAsRecorded);
    others_work_on(&office, &store, &id, &before, "after the panic");
}

/// What the server answers, with a 200, when Zhang's device `store` sends for ticket `id` an
/// honest message of its own (an arrival) that `alter` changed on the way.
pub(crate) fn send_altered(
    office: &Office,
    store: &fieldledger_core::Store,
    id: &TicketId,
    alter: impl FnOnce(&mut Message),
) -> SyncResponse {
    let honest = crafted(
        store,
        id,
        store.actor_id().clone(),
        &Author::new(office.zhang.clone(), Role::Technician),
        &kit::arrive("bay 3"),
    );
    let mut message = Message::decode(&honest.message).expect("message");
    alter(&mut message);
    let request = forge::request(
        0,
        vec![DocMessage {
            ticket_id: id.clone(),
            message: message.encode(),
        }],
        std::slice::from_ref(store.actor_id()),
    );
    let token = fieldledger_tests::token_of(store);
    let (status, body) = post_sync(office, &token, &protocol::encode(&request));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    protocol::decode(&body).expect("a sync response")
}

/// Nothing of what was refused for ticket `id` was stored (the server's heads are still
/// `before`), and the desk (writing `note`) and an honest sync of `store` work on.
pub(crate) fn others_work_on(
    office: &Office,
    store: &Technician,
    id: &TicketId,
    before: &[automerge::ChangeHash],
    note: &str,
) {
    assert_eq!(stored_heads(office, id), before, "nothing of it was stored");
    office.operate(
        id,
        serde_json::json!({"op": "hand_off", "to": ["technician"], "note": note}),
    );
    store.arrive(id, "bay 3");
    let report = fieldledger_tests::sync(store).expect("an honest sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(store.heads(id).expect("heads"), stored_heads(office, id));
}

/// Zhang's device in `dir`, synced with a ticket the desk assigned to him; and the server's
/// heads of that ticket.
pub(crate) fn zhang_holding_a_ticket(
    office: &Office,
    dir: &tempfile::TempDir,
) -> (TicketId, Technician, Vec<automerge::ChangeHash>) {
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let store = office.device(dir, &office.zhang);
    fieldledger_tests::sync(&store).expect("sync");
    let heads = stored_heads(office, &id);
    (id, store, heads)
}

/// The server's heads of ticket `id`.
pub(crate) fn stored_heads(office: &Office, id: &TicketId) -> Vec<automerge::ChangeHash> {
    office
        .server
        .state
        .engine
        .read(id, |t| t.heads())
        .expect("heads")
}

/// Finding 7: one forbidden change and 2,000 changes depending on it (135 KiB) wrote 2,001
/// security events, so that the administrator's view showed nothing else. Refusals are now
/// counted together: one event per document and reason, with the number of changes.
#[test]
fn a_flood_of_refused_changes_writes_one_security_event_per_reason() {
    let office = Office::start();
    let dir = tempfile::tempdir().expect("dir");
    let (id, store, before) = zhang_holding_a_ticket(&office, &dir);
    let mut ticket = store.read_ticket(&id, Clone::clone).expect("ticket");
    let base = ticket.heads();
    let qa = Author::new(office.zhang.clone(), Role::QualityAssurance);
    ticket
        .apply(
            &qa,
            Timestamp(1),
            &Operation::RecordCause {
                cause: "forged".into(),
                cause_code: None,
            },
        )
        .expect("a change the technician's role may not make");
    let technician = Author::new(office.zhang.clone(), Role::Technician);
    for n in 0..2_000 {
        ticket
            .apply(
                &technician,
                Timestamp(2 + n),
                &kit::arrive(format!("bay {n}")),
            )
            .expect("arrive");
    }
    let message = forge::message_since(&id, ticket.doc(), base).expect("message");
    let response = send_docs(&store, vec![message]);
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    assert_eq!(response.errors[0].code, DocCode::ForgedAuthor);
    assert_eq!(
        stored_heads(&office, &id),
        before,
        "nothing of it was stored"
    );
    let events = office
        .server
        .state
        .storage
        .security_events(10_000)
        .expect("events");
    assert!(events.len() <= 2, "{} security events", events.len());
    assert!(
        events.iter().any(|e| e.detail.contains("2000")),
        "the count is kept: {events:?}"
    );
    office.operate(
        &id,
        serde_json::json!({"op": "hand_off", "to": ["technician"], "note": "meanwhile"}),
    );
}

/// Finding 12: the server created its database and blob folder readable by every user of the
/// machine. A new data directory, its database and its blob folder are now its owner's alone.
#[cfg(unix)]
#[test]
fn a_new_data_directory_is_readable_by_its_owner_alone() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().expect("dir");
    let data = parent.path().join("data");
    // SQLite's files, whichever backend the suite runs on.
    let settings = fieldledger_tests::quiet_settings();
    let _state = fieldledger_server::AppState::open_with(&data, settings).expect("server state");
    for path in [
        data.clone(),
        data.join(fieldledger_server::storage::sqlite::DATABASE_FILE),
        data.join("blobs"),
    ] {
        let mode = std::fs::metadata(&path)
            .expect("metadata")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "{} has mode {mode:o}", path.display());
    }
}

/// Finding 12: `serve --demo` on an existing data directory reset every office password, the
/// administrator's included, and left the tokens of its earlier starts valid. It now refuses a
/// data directory it did not make, and each start revokes the previous start's demo tokens.
#[test]
fn the_demo_resets_only_its_own_data_and_revokes_its_earlier_tokens() {
    let dir = tempfile::tempdir().expect("dir");
    let state = open_state(dir.path(), fieldledger_tests::quiet_settings()).expect("state");
    let first = fieldledger_server::demo::seed(&state).expect("first start");
    let second = fieldledger_server::demo::seed(&state).expect("second start");
    let known = |token: &str| {
        state
            .storage
            .device_by_token(&fieldledger_server::auth::token_hash(token))
            .expect("lookup")
            .is_some()
    };
    for (old, new) in [
        (&first.technician, &second.technician),
        (&first.desk, &second.desk),
        (&first.admin, &second.admin),
    ] {
        assert!(!known(old), "an earlier start's token is revoked");
        assert!(known(new), "this start's token works");
    }

    // A real organisation's data directory: its passwords and tokens are left alone.
    let real = tempfile::tempdir().expect("dir");
    let server = fieldledger_tests::TestServer::start_in(real.path());
    let admin = server.user("admin", Role::Admin);
    let token = server.token(&admin);
    let hash = fieldledger_server::web::password::hash("correct horse").expect("hash");
    server
        .state
        .storage
        .set_password(&admin, &hash, Timestamp(0))
        .expect("password");
    let refused = fieldledger_server::demo::seed(&server.state)
        .map(|_| ())
        .map_err(|e| e.to_string());
    assert!(
        refused.as_ref().is_err_and(|e| e.contains("--demo")),
        "{refused:?}"
    );
    assert_eq!(
        server.state.storage.password_hash(&admin).expect("hash"),
        Some(hash)
    );
    assert!(
        server
            .state
            .storage
            .device_by_token(&fieldledger_server::auth::token_hash(&token))
            .expect("lookup")
            .is_some()
    );
}

/// Finding 12: `/metrics` answered anyone. It now answers only the bearer of the metrics token
/// that the operator configured (`FIELDLEDGER_METRICS_TOKEN`), and nobody when none is set.
#[test]
fn metrics_answer_only_the_configured_token() {
    let office = Office::start();
    for token in ["", office.desk.as_str()] {
        let (status, body) = office.server.call("GET", "/metrics", token, None);
        assert_ne!(status, 200, "{body}");
        assert!(!body.to_string().contains("fieldledger_sync_requests_total"));
    }
    let server = fieldledger_tests::TestServer::start_with(fieldledger_server::Settings {
        metrics_token: Some("m3trics".into()),
        ..fieldledger_tests::quiet_settings()
    });
    let (status, _) = server.call("GET", "/metrics", "wrong", None);
    assert_eq!(status, 401);
    let (status, body) = server.call("GET", "/metrics", "m3trics", None);
    assert_eq!(status, 200);
    assert!(body.to_string().contains("fieldledger_sync_requests_total"));
}

/// Finding 9: 40 wrong guesses at one user's password sent at once were all checked, though the
/// limit is 5: the throttle counted a failure only after the slow password check. Each attempt
/// now takes its place in the count before its password is checked.
#[test]
fn concurrent_password_guesses_cannot_pass_the_sign_in_limit() {
    let office = Office::start();
    let desk: fieldledger_core::UserId = "desk.wang".parse().expect("user id");
    let hash = fieldledger_server::web::password::hash("correct horse").expect("hash");
    office
        .server
        .state
        .storage
        .set_password(&desk, &hash, Timestamp(0))
        .expect("password");
    let url = format!("{}/web/sign-in", office.server.url);
    let guesses: Vec<_> = (0..40)
        .map(|n| {
            let url = url.clone();
            std::thread::spawn(move || {
                let agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .build()
                    .new_agent();
                agent
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .send(format!(r#"{{"user":"desk.wang","password":"guess {n}"}}"#))
                    .map(|r| r.status().as_u16())
                    .unwrap_or(0)
            })
        })
        .collect();
    let statuses: Vec<u16> = guesses.into_iter().map(|g| g.join().unwrap_or(0)).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    assert_eq!(checked + refused, 40, "{statuses:?}");
}

/// Finding 11: unfinished blob uploads never expired and had no quota, so that any device could
/// fill the server's disk. A device's unfinished uploads are now held to a quota, and expire
/// after a week without a new piece; another device's uploads are not affected.
#[test]
fn unfinished_blob_uploads_are_held_to_a_quota_per_device_and_expire() {
    let clock = fieldledger_tests::ManualClock::at(Timestamp(1_790_000_000_000));
    let office = Office::on(fieldledger_tests::TestServer::start_with(
        fieldledger_server::Settings {
            clock: clock.clone(),
            partial_blob_quota: 1024 * 1024,
            ..fieldledger_tests::quiet_settings()
        },
    ));
    let (zhang_dir, li_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let zhang = fieldledger_tests::transport_of(&office.device(&zhang_dir, &office.zhang));
    let li = fieldledger_tests::transport_of(&office.device(&li_dir, &office.li));
    let piece = vec![7u8; 400 * 1024];
    let total = 2 * 1024 * 1024;
    let hash = |n: u32| format!("{n:064x}");
    for n in 1..=2 {
        zhang
            .upload_blob(&hash(n), 0, total, &piece)
            .expect("within the quota");
    }
    let refused = zhang.upload_blob(&hash(3), 0, total, &piece);
    assert!(
        matches!(&refused, Err(fieldledger_core::Error::Rejected { status: 413, code, .. })
            if code == "quota_exceeded"),
        "{refused:?}"
    );
    li.upload_blob(&hash(3), 0, total, &piece)
        .expect("another device's quota is its own");
    assert_eq!(
        zhang.blob_offset(&hash(1)).expect("state"),
        Some(400 * 1024)
    );
    // A week without a piece: the unfinished uploads are gone, and the quota with them.
    clock.advance(8 * 24 * 3_600_000);
    assert_eq!(zhang.blob_offset(&hash(1)).expect("state"), Some(0));
    zhang
        .upload_blob(&hash(3), 0, total, &piece)
        .expect("the quota is free again");
}

/// Finding 11: office users could read any blob by its hash, also one that no ticket
/// references (anything a device uploaded). A photo or signature is now read through a ticket
/// that references it and that the reader may read.
#[test]
fn office_users_read_only_blobs_that_their_tickets_reference() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let (other, _) = office.desk_ticket(&[&office.zhang]);
    let dir = tempfile::tempdir().expect("dir");
    let store = office.device(&dir, &office.zhang);
    fieldledger_tests::sync(&store).expect("sync");
    let visit = store.arrive(&id, "bay 1");
    let photo_file = dir.path().join("coil.jpg");
    std::fs::write(&photo_file, b"a photo of the coil").expect("photo");
    let photo = store.add_blob(&photo_file, "image/jpeg").expect("blob");
    store
        .record(
            &id,
            &Operation::AttachPhoto {
                visit_id: visit,
                blob: photo.clone(),
                caption: "coil".into(),
            },
        )
        .expect("attach");
    fieldledger_tests::sync(&store).expect("sync uploads the photo");
    // A file that no ticket references, uploaded whole all the same.
    let stray = b"not part of any ticket".to_vec();
    let stray_hash = hex::encode(sha2::Sha256::digest(&stray));
    fieldledger_tests::transport_of(&store)
        .upload_blob(&stray_hash, 0, stray.len() as u64, &stray)
        .expect("upload");
    let read = |path: String| office.server.call("GET", &path, &office.desk, None).0;
    assert_eq!(
        read(format!("/v1/tickets/{id}/blobs/{}", photo.sha256)),
        200
    );
    assert_eq!(
        read(format!("/v1/tickets/{other}/blobs/{}", photo.sha256)),
        404
    );
    assert_eq!(read(format!("/v1/tickets/{id}/blobs/{stray_hash}")), 404);
    // Reading by hash alone is gone.
    assert_ne!(read(format!("/v1/blobs/{stray_hash}")), 200);
    assert_ne!(read(format!("/v1/blobs/{}", photo.sha256)), 200);
}

/// Finding 9: behind a reverse proxy every sign-in came from the proxy's address, so that one
/// stranger's failures locked everyone out. Forwarding headers are now believed from the
/// configured proxies only: the client they name is counted, and a client that writes the
/// header itself is counted by its own address.
#[test]
fn forwarded_addresses_count_only_from_configured_proxies() {
    let sign_in = |server: &fieldledger_tests::TestServer, user: &str, forwarded: &str| {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        agent
            .post(format!("{}/web/sign-in", server.url))
            .header("Content-Type", "application/json")
            .header("X-Forwarded-For", forwarded)
            .send(format!(r#"{{"user":"{user}","password":"wrong"}}"#))
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    };
    let behind_proxy = fieldledger_tests::TestServer::start_with(fieldledger_server::Settings {
        trusted_proxies: vec![std::net::IpAddr::from([127, 0, 0, 1])],
        ..fieldledger_tests::quiet_settings()
    });
    for n in 0..20 {
        assert_eq!(
            sign_in(&behind_proxy, &format!("user{n}"), "203.0.113.9"),
            401
        );
    }
    assert_eq!(sign_in(&behind_proxy, "user0", "203.0.113.9"), 429);
    assert_eq!(
        sign_in(&behind_proxy, "desk.wang", "198.51.100.7"),
        401,
        "another client behind the same proxy is not locked out"
    );
    let direct = fieldledger_tests::TestServer::start_with(fieldledger_tests::quiet_settings());
    for n in 0..20 {
        let spoofed = format!("198.51.100.{n}");
        assert_eq!(sign_in(&direct, &format!("user{n}"), &spoofed), 401);
    }
    assert_eq!(
        sign_in(&direct, "desk.wang", "192.0.2.1"),
        429,
        "a header written by the client itself is not believed"
    );
}

/// Finding 11: any device could ask whether any hash was stored, and learn what others had
/// photographed. A device now learns that a blob is complete only for a blob it uploaded whole
/// itself: proving it holds the content is the only way to hear that the server does.
#[test]
fn a_device_learns_only_of_blobs_it_uploaded_itself() {
    let office = Office::start();
    let (zhang_dir, li_dir) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let zhang = fieldledger_tests::transport_of(&office.device(&zhang_dir, &office.zhang));
    let li = fieldledger_tests::transport_of(&office.device(&li_dir, &office.li));
    let photo = b"the nameplate of the breaker in bay 4".to_vec();
    let hash = hex::encode(sha2::Sha256::digest(&photo));
    zhang
        .upload_blob(&hash, 0, photo.len() as u64, &photo)
        .expect("upload");
    assert_eq!(zhang.blob_offset(&hash).expect("state"), None, "complete");
    assert_eq!(
        li.blob_offset(&hash).expect("state"),
        Some(0),
        "another device hears nothing of it"
    );
    let wrong = b"a guess at the content of the photo....".to_vec();
    let refused = li.upload_blob(&hash, 0, wrong.len() as u64, &wrong);
    assert!(refused.is_err(), "a wrong guess is refused: {refused:?}");
    li.upload_blob(&hash, 0, photo.len() as u64, &photo)
        .expect("the whole content proves it");
    assert_eq!(li.blob_offset(&hash).expect("state"), None);
}

/// Finding 4: there was no separation of duties, even over REST. The desk submitted, audited and
/// settled its own cost; a technician cleared `major` and `complaint` on a major complaint and
/// recorded a factory inspection verdict. Each is now refused with 403, and nothing is written.
#[test]
fn separation_of_duties_holds_over_rest() {
    let office = Office::start();
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let server = &office.server;
    let finance = server.token(&server.user("fin.zhao", Role::Finance));
    let supervisor = server.token(&server.user("sup.sun", Role::Supervisor));
    let technician = server.token(&office.zhang);
    let operate = |token: &str, op: serde_json::Value| {
        server.call(
            "POST",
            &format!("/v1/tickets/{id}/operations"),
            token,
            Some(op),
        )
    };
    let history = || {
        server
            .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None)
            .1["history"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let (status, body) = operate(
        &office.desk,
        serde_json::json!({"op": "submit_cost", "kind": "travel", "amount_minor": 120_000,
            "currency": "CNY", "bearer": "company", "description": "train to the substation"}),
    );
    assert_eq!(status, 200, "{body}");
    let cost = body["entry"].as_str().expect("cost id").to_owned();
    let before = history();
    let audit =
        serde_json::json!({"op": "audit_cost", "cost_id": cost, "approved": true, "note": "ok"});
    let (status, body) = operate(&office.desk, audit.clone());
    assert_eq!(status, 403, "the desk audits its own cost: {body}");
    assert_eq!(history(), before, "nothing was written");
    let settle = serde_json::json!({"op": "settle_cost", "cost_id": cost, "reference": "PZ-1"});
    let (status, _) = operate(&supervisor, audit);
    assert_eq!(status, 200, "another person of the department audits it");
    let (status, body) = operate(&office.desk, settle.clone());
    assert_eq!(status, 403, "the desk settles: {body}");
    let (status, body) = operate(&finance, settle);
    assert_eq!(status, 200, "finance settles: {body}");

    let (status, body) = operate(
        &technician,
        serde_json::json!({"op": "amend_intake", "major": true}),
    );
    assert_eq!(status, 403, "a technician makes a complaint major: {body}");
    let (status, body) = operate(
        &technician,
        serde_json::json!({"op": "request_return", "unit": "J2026-0417", "reason": "coil burnt"}),
    );
    assert_eq!(status, 200, "{body}");
    let unit = body["entry"].as_str().expect("return id").to_owned();
    let (status, body) = operate(
        &technician,
        serde_json::json!({"op": "record_inspection", "return_id": unit, "stage": "incoming",
            "verdict": "defect_confirmed", "findings": "looks fine to me"}),
    );
    assert_eq!(status, 403, "a technician judges a returned unit: {body}");
}

/// The service desk's own device, enrolled with the server, in `dir`.
fn desk_device(office: &Office, dir: &tempfile::TempDir) -> fieldledger_core::Store {
    let store = fieldledger_tests::store_for(
        dir.path(),
        "desk.wang",
        Role::ServiceDesk,
        1_790_000_000_000,
    )
    .expect("store");
    office
        .server
        .enrol(&store, &"desk.wang".parse().expect("user"));
    store
}

/// The change message of `action` by `user` in `role`, with the arguments `args`, as a device
/// would claim it.
fn note(action: &str, user: &str, role: &str, args: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"action": action, "user": user, "role": role, "args": args})
}

/// `response` refused ticket `id` alone, as `code`; nothing of it was stored (the server's heads
/// are still `before`); and the desk and an honest technician (in `dir`) work on.
fn refused_alone(
    office: &Office,
    response: &SyncResponse,
    code: DocCode,
    (id, before): (&TicketId, &[automerge::ChangeHash]),
    dir: &tempfile::TempDir,
) {
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    assert_eq!(response.errors[0].code, code);
    assert_eq!(stored_heads(office, id), before, "nothing was stored");
    honest_work_goes_on(office, id, dir);
}

/// The desk and an honest technician both work while a hostile device is refused.
fn honest_work_goes_on(office: &Office, id: &TicketId, dir: &tempfile::TempDir) {
    office.operate(
        id,
        serde_json::json!({"op": "hand_off", "to": ["technician"], "note": "meanwhile"}),
    );
    let (other, number) = office.desk_ticket(&[&office.zhang]);
    assert!(number.is_some(), "the desk registered ticket {other}");
    let zhang = office.device(dir, &office.zhang);
    fieldledger_tests::sync(&zhang).expect("sync");
    zhang.arrive(&other, "bay 1");
    let report = fieldledger_tests::sync(&zhang).expect("an honest sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        zhang.heads(&other).expect("heads"),
        stored_heads(office, &other)
    );
}

/// Finding 2: a ticket registered on a device carried whatever `meta` it liked: a ledger number
/// that broke numbering, another author, an import source that switched off the regulation's
/// deadlines. The server now performs the registration itself and keeps the change only if it
/// is exactly that: the device writes no field the server owns.
#[test]
fn a_registration_from_a_device_may_not_write_the_servers_fields() {
    let office = Office::start();
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let desk = desk_device(&office, &dirs.0);
    let id = TicketId::random();
    let registration = fieldledger_tests::complaint("Botou Steel");
    // The device's honest registration, with the server's fields of `meta` filled in as the
    // device likes: the same operations, other values.
    let author = Author::new("desk.wang".parse().expect("user"), Role::ServiceDesk);
    let doc = forge::registration_writing(
        &id,
        desk.actor_id().clone(),
        &author,
        Timestamp(1_790_000_100_000),
        &registration,
        &[
            ("ledger_number", "KS-2026-9223372036854775807"),
            ("created_by", "mgr.qian"),
            ("imported_from", "old-ledger.xlsx:3"),
        ],
    )
    .expect("a change automerge takes");
    let message = forge::message_since(&id, &doc, Vec::new()).expect("message");
    let response = send_docs(&desk, vec![message]);
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    assert_eq!(response.errors[0].code, DocCode::NotAsRecorded);
    assert_eq!(response.errors[0].action.as_deref(), Some("register"));
    let (status, _) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert_eq!(status, 404, "nothing of it was stored");
    // The same device's honest registration gets the server's next number.
    let honest = desk.register(&registration).expect("register");
    let report = fieldledger_tests::sync(&desk).expect("sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let (_, detail) =
        office
            .server
            .call("GET", &format!("/v1/tickets/{honest}"), &office.desk, None);
    let meta = &detail["view"]["meta"];
    assert!(
        meta["ledger_number"]
            .as_str()
            .is_some_and(|n| n.len() < 16 && n.starts_with("KS-")),
        "{meta}"
    );
    assert_eq!(meta["created_by"], "desk.wang");
    assert!(meta["imported_from"].is_null(), "{meta}");
    honest_work_goes_on(&office, &honest, &dirs.1);
}

/// Finding 3: a complaint that the office could not close (no disposition, cause or
/// responsibility) became closed through sync. Closing is now judged by its rules whichever way
/// it arrives.
#[test]
fn a_close_through_sync_keeps_the_closure_rules() {
    let office = Office::start();
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let desk = desk_device(&office, &dirs.0);
    fieldledger_tests::sync(&desk).expect("sync");
    let before = stored_heads(&office, &id);
    let close = note(
        "close",
        "desk.wang",
        "service_desk",
        serde_json::json!({"op": "close", "note": ""}),
    );
    let response = send_docs(
        &desk,
        vec![crate::access::raw(&desk, &id, close, |tx| {
            let (_, closure) = tx.get(automerge::ROOT, "closure")?.expect("closure");
            let entry = tx.put_object(&closure, "c1", automerge::ObjType::Map)?;
            tx.put(&entry, "closed_by", "desk.wang")?;
            tx.put(&entry, "closed_at", 1_790_000_100_000_i64)
        })],
    );
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    assert_eq!(response.errors[0].code, DocCode::ActionRefused);
    assert!(
        response.errors[0].message.contains("cannot close"),
        "{}",
        response.errors[0].message
    );
    assert_eq!(stored_heads(&office, &id), before, "nothing was stored");
    honest_work_goes_on(&office, &id, &dirs.1);
}

/// Finding 3: a technician's change claimed to be the manager's decision, and the history showed
/// the manager. A change must name the device's own user and role.
#[test]
fn a_change_may_not_claim_another_author() {
    let office = Office::start();
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (id, store, before) = zhang_holding_a_ticket(&office, &dirs.0);
    let manager = Author::new("mgr.qian".parse().expect("user"), Role::Manager);
    let decide = Operation::Decide {
        disposition: fieldledger_core::ticket::decision::Disposition::Replace,
        rationale: "the manager says so".into(),
    };
    let response = send_docs(
        &store,
        vec![crafted(
            &store,
            &id,
            store.actor_id().clone(),
            &manager,
            &decide,
        )],
    );
    refused_alone(
        &office,
        &response,
        DocCode::ForgedAuthor,
        (&id, &before),
        &dirs.1,
    );
}

/// Finding 3: with raw writes a device could rewrite a sign-off after the customer signed, or
/// delete another technician's decision, while its note named an ordinary action. A change must
/// be exactly what the action it names writes.
#[test]
fn signed_and_decided_entries_cannot_be_rewritten_or_deleted() {
    let office = Office::start();
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (id, _) = office.desk_ticket(&[&office.zhang, &office.li]);
    let store = office.device(&dirs.0, &office.zhang);
    let li = office.device(&dirs.2, &office.li);
    fieldledger_tests::sync(&li).expect("sync");
    let decided = li
        .record(
            &id,
            &Operation::Decide {
                disposition: fieldledger_core::ticket::decision::Disposition::RepairOnSite,
                rationale: "li's call".into(),
            },
        )
        .expect("decide")
        .entry
        .expect("decision")
        .to_string();
    fieldledger_tests::sync(&li).expect("sync");
    fieldledger_tests::sync(&store).expect("sync");
    let before = stored_heads(&office, &id);
    let log = note(
        "arrive",
        office.zhang.as_str(),
        "technician",
        serde_json::json!({"op": "arrive", "order_id": null, "site": "bay 2"}),
    );
    let response = send_docs(
        &store,
        vec![crate::access::raw(&store, &id, log, |tx| {
            let (_, decisions) = tx.get(automerge::ROOT, "decisions")?.expect("decisions");
            tx.delete(&decisions, decided.as_str())
        })],
    );
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    assert_eq!(response.errors[0].code, DocCode::NotAsRecorded);
    assert_eq!(stored_heads(&office, &id), before, "nothing was stored");
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    let decisions = detail["view"]["decisions"].to_string();
    assert!(
        decisions.contains(&decided) && decisions.contains("li's call"),
        "Li's decision stands: {decisions}"
    );
    honest_work_goes_on(&office, &id, &dirs.1);
}

/// Finding 3: the desk's device marked a cost audited and settled "by fin.zhao". Settling is
/// finance's, whichever way the change arrives.
#[test]
fn a_settlement_through_sync_is_finances_alone() {
    let office = Office::start();
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (id, _) = office.desk_ticket(&[&office.zhang]);
    let cost = office.operate(
        &id,
        serde_json::json!({"op": "submit_cost", "kind": "travel", "amount_minor": 120_000,
            "currency": "CNY", "bearer": "company", "description": "train"}),
    )["entry"]
        .as_str()
        .expect("cost")
        .to_owned();
    let desk = desk_device(&office, &dirs.0);
    fieldledger_tests::sync(&desk).expect("sync");
    let before = stored_heads(&office, &id);
    let settle = note(
        "settle_cost",
        "desk.wang",
        "service_desk",
        serde_json::json!({"op": "settle_cost", "cost_id": cost, "reference": "PZ-1"}),
    );
    let response = send_docs(
        &desk,
        vec![crate::access::raw(&desk, &id, settle, |tx| {
            let (_, costs) = tx.get(automerge::ROOT, "costs")?.expect("costs");
            let (_, entry) = tx.get(&costs, cost.as_str())?.expect("cost");
            tx.put(&entry, "audit", r#"{"approved":true,"by":"fin.zhao"}"#)?;
            tx.put(
                &entry,
                "settlement",
                r#"{"reference":"PZ-1","by":"fin.zhao"}"#,
            )
        })],
    );
    refused_alone(
        &office,
        &response,
        DocCode::NotPermitted,
        (&id, &before),
        &dirs.1,
    );
}

/// Finding 1: after the desk reassigned a ticket to another technician, the first technician's
/// device still received the desk's new changes, and its own new changes were admitted. Now the
/// reassignment is a cut: the old device hears nothing written after it, its work from before it
/// is kept, and a change that builds on anything after it is refused.
#[test]
fn reassignment_cuts_the_old_device_off() {
    let office = Office::start();
    let dirs = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let (id, order) = office.desk_ticket(&[&office.zhang]);
    let zhang = office.device(&dirs.0, &office.zhang);
    fieldledger_tests::sync(&zhang).expect("sync");
    // On site, offline, while the desk reassigns the ticket and writes on.
    zhang.arrive(&id, "made before the reassignment reached him");
    let cut = stored_heads(&office, &id);
    office.operate(
        &id,
        serde_json::json!({"op": "reassign_order", "order_id": order.expect("order"),
            "assignees": [office.li]}),
    );
    office.operate(
        &id,
        serde_json::json!({"op": "hand_off", "to": ["technician"], "note": "after the cut"}),
    );
    let full = office
        .server
        .state
        .engine
        .read(&id, Clone::clone)
        .expect("ticket");
    let after_cut: Vec<automerge::ChangeHash> = full
        .doc()
        .get_changes_meta(&cut)
        .iter()
        .map(|c| c.hash)
        .collect();
    assert_eq!(after_cut.len(), 2);
    // What the device will have heard: its own copy, plus whatever the responses carry.
    let mut heard_doc = zhang
        .read_ticket(&id, |t| t.doc().clone())
        .expect("the device's copy");
    let heard = std::cell::RefCell::new(Vec::new());
    let transport = fieldledger_tests::transport_of(&zhang);
    let recording = fieldledger_tests::Intercepted {
        inner: &transport,
        hook: |inner: &fieldledger_core::transport::HttpTransport, request: Vec<u8>| {
            let answer = inner.sync(request)?;
            heard.borrow_mut().push(answer.clone());
            Ok(answer)
        },
    };
    let report = fieldledger_core::sync::sync(&zhang, &recording).expect("sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    for body in heard.borrow().iter() {
        let response: SyncResponse = protocol::decode(body).expect("response");
        for doc in response.docs.iter().filter(|d| d.ticket_id == id) {
            let message = Message::decode(&doc.message).expect("message");
            for chunk in message.changes.iter() {
                heard_doc.load_incremental(chunk).expect("changes");
            }
        }
        for receipt in response.receipts.iter().filter(|r| r.ticket_id == id) {
            assert!(
                receipt.heads.iter().all(|h| !after_cut.contains(h)),
                "a receipt names what was written after the cut"
            );
        }
    }
    assert!(
        after_cut
            .iter()
            .all(|h| heard_doc.get_change_by_hash(h).is_none()),
        "the desk's changes after the cut reached the old device"
    );
    let (_, detail) = office
        .server
        .call("GET", &format!("/v1/tickets/{id}"), &office.desk, None);
    assert!(
        detail["view"]["visits"]
            .to_string()
            .contains("made before the reassignment reached him"),
        "the work from before the cut is kept"
    );
    // A change built on the ticket as it is after the cut is refused.
    let mut latest = office
        .server
        .state
        .engine
        .read(&id, Clone::clone)
        .expect("ticket");
    let before = latest.heads();
    latest.set_actor(zhang.actor_id().clone());
    latest
        .apply(
            &Author::new(office.zhang.clone(), Role::Technician),
            Timestamp(1_790_000_200_000),
            &kit::arrive("after the cut"),
        )
        .expect("arrive");
    let message = forge::message_since(&id, latest.doc(), before.clone()).expect("message");
    let response = send_docs(&zhang, vec![message]);
    assert_eq!(response.errors.len(), 1, "{:?}", response.errors);
    assert_eq!(response.errors[0].code, DocCode::Reassigned);
    assert_eq!(stored_heads(&office, &id), before, "nothing was stored");
    // Li, who has the ticket now, and the desk work on.
    let li = office.device(&dirs.1, &office.li);
    fieldledger_tests::sync(&li).expect("sync");
    li.arrive(&id, "bay 5");
    let report = fieldledger_tests::sync(&li).expect("li syncs");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(li.heads(&id).expect("heads"), stored_heads(&office, &id));
}

/// Finding 5, the other half: one request may add only so much to a ticket the server holds.
/// A device that sends more is refused for that ticket, nothing of it is stored, and once its
/// work fits it syncs as usual.
#[test]
fn one_sync_adds_at_most_the_growth_limit_to_a_ticket() {
    let mut settings = fieldledger_server::Settings::default();
    settings.limits.ticket_growth_bytes = 8 * 1024;
    let office = Office::on(fieldledger_tests::TestServer::start_with(settings));
    let dir = tempfile::tempdir().expect("dir");
    let (id, store, before) = zhang_holding_a_ticket(&office, &dir);
    let visit = store.arrive(&id, "bay 3");
    for n in 0..60 {
        let text = format!("step {n}: {}", "cleaned and re-torqued ".repeat(8));
        store.log(&id, &visit, text);
    }
    let report = fieldledger_tests::sync(&store).expect("sync");
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    assert_eq!(report.errors[0].code, DocCode::TooLarge);
    assert!(
        report.errors[0].message.contains("8192"),
        "{}",
        report.errors[0].message
    );
    assert_eq!(
        stored_heads(&office, &id),
        before,
        "nothing of it was stored"
    );
    // The desk works on, and a smaller sync of another ticket goes through.
    let (other, _) = office.desk_ticket(&[&office.zhang]);
    fieldledger_tests::sync(&store).expect("sync");
    store.arrive(&other, "bay 4");
    let report = fieldledger_tests::sync(&store).expect("sync");
    assert!(
        report.errors.iter().all(|e| e.ticket_id != other),
        "{:?}",
        report.errors
    );
    assert_eq!(
        store.heads(&other).expect("heads"),
        stored_heads(&office, &other)
    );
}
