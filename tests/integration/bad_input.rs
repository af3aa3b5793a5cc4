//! Bad input gets a clear 4xx with `{error, message}` and changes nothing that is stored.

use fieldledger_core::{Operation, Role};
use fieldledger_tests::kit::Technician;
use fieldledger_tests::{TestServer, complaint, store_for, sync};
use serde_json::json;

fn raw(
    server: &TestServer,
    method: &str,
    path: &str,
    token: &str,
    body: &[u8],
) -> (u16, serde_json::Value) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = format!("{}{path}", server.url);
    let auth = format!("Bearer {token}");
    let response = match method {
        "PUT" => agent.put(&url).header("Authorization", &auth).send(body),
        _ => agent.post(&url).header("Authorization", &auth).send(body),
    };
    let mut response = response.expect("request");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

#[test]
fn malformed_requests_get_a_clear_error_and_change_nothing() {
    let server = TestServer::start();
    let desk_user = server.user("desk.wang", Role::ServiceDesk);
    let desk = server.token(&desk_user);
    let (_, before) = server.call("GET", "/v1/ledger", &desk, None);

    let mismatch = format!("/v1/blobs/{}?offset=0&total=3", "a".repeat(64));
    let wrong_offset = format!("/v1/blobs/{}?offset=5&total=9", "b".repeat(64));
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        (
            "POST",
            "/v1/sync",
            b"\xff\xfe not cbor".to_vec(),
            400,
            "bad_body",
        ),
        ("POST", "/v1/sync", Vec::new(), 400, "bad_body"),
        (
            "POST",
            "/v1/sync",
            fieldledger_core::protocol::encode(&json!({"v": 99, "c": 0})),
            400,
            "unsupported_version",
        ),
        (
            "POST",
            "/v1/sync",
            fieldledger_core::protocol::encode(
                &json!({"v": 1, "c": 0, "d": [{"t": "../../etc", "m": []}]}),
            ),
            400,
            "bad_body",
        ),
        (
            "POST",
            "/v1/sync",
            vec![0u8; 33 * 1024 * 1024],
            413,
            "too_large",
        ),
        (
            "POST",
            "/v1/tickets",
            b"{\"product_name\": 5}".to_vec(),
            415,
            "bad_body",
        ),
        (
            "PUT",
            "/v1/blobs/not-a-hash?offset=0&total=3",
            b"abc".to_vec(),
            400,
            "bad_hash",
        ),
        ("PUT", &mismatch, b"abc".to_vec(), 400, "hash_mismatch"),
        ("PUT", &wrong_offset, b"abc".to_vec(), 409, "wrong_offset"),
    ];
    for (method, path, body, status, code) in cases {
        let (got, answer) = raw(&server, method, path, &desk, &body);
        assert_eq!(got, status, "{method} {path}: {answer}");
        if !code.is_empty() {
            assert_eq!(answer["error"], json!(code), "{method} {path}: {answer}");
            assert!(answer["message"].as_str().is_some_and(|m| !m.is_empty()));
        }
    }
    let mut unknown = complaint("x");
    unknown.customer_name = String::new();
    let (status, answer) = server.call("POST", "/v1/tickets", &desk, Some(json!(unknown)));
    assert_eq!(
        (status, answer["error"].clone()),
        (400, json!("invalid")),
        "{answer}"
    );
    for path in [
        "/v1/tickets/..%2F..%2Fetc",
        "/v1/tickets/0000",
        "/v1/tickets/%FF%FE",
    ] {
        let (status, answer) = server.call("GET", path, &desk, None);
        assert!(status == 400 || status == 404, "{path}: {status} {answer}");
        assert!(answer["error"].is_string(), "{path}: {answer}");
    }
    let (status, answer) = server.call(
        "POST",
        "/v1/tickets/abc/operations",
        &desk,
        Some(json!({"op": "no_such_op"})),
    );
    assert_eq!(
        (status, answer["error"].clone()),
        (422, json!("bad_body")),
        "{answer}"
    );
    let (status, answer) = server.call("GET", "/v1/ledger?offset=minus", &desk, None);
    assert_eq!(
        (status, answer["error"].clone()),
        (400, json!("bad_body")),
        "{answer}"
    );
    let (status, answer) = server.call("GET", "/v1/ledger", "flt_wrong", None);
    assert_eq!(
        (status, answer["error"].clone()),
        (401, json!("unauthorized"))
    );
    let (_, after) = server.call("GET", "/v1/ledger", &desk, None);
    assert_eq!(before, after, "nothing stored changed");
    let (status, _) = server.call("GET", "/healthz", "", None);
    assert_eq!(status, 200, "the server keeps serving");
}

#[test]
fn photos_upload_resumably_after_the_ticket_syncs() {
    let server = TestServer::start();
    let zhang = server.user("tech.zhang", Role::Technician);
    let dir = tempfile::tempdir().expect("dir");
    let store =
        store_for(&dir.path().join("store"), "tech.zhang", Role::Technician, 0).expect("store");
    server.enrol(&store, &zhang);
    let store = Technician::new(store);
    let id = store
        .register(&complaint("Tangshan Port"))
        .expect("register");
    let visit = store.arrive(&id, "bay 1");
    let photo = dir.path().join("coil.jpg");
    let bytes: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&photo, &bytes).expect("photo");
    let blob = store.add_blob(&photo, "image/jpeg").expect("blob");
    store
        .record(
            &id,
            &Operation::AttachPhoto {
                visit_id: visit,
                blob: blob.clone(),
                caption: "coil".into(),
            },
        )
        .expect("attach");

    // A first piece arrives, then the connection breaks: the next sync resumes from there.
    let token = fieldledger_tests::token_of(&store);
    let (status, state) = raw(
        &server,
        "PUT",
        &format!("/v1/blobs/{}?offset=0&total={}", blob.sha256, bytes.len()),
        &token,
        &bytes[..1_000_000],
    );
    assert_eq!((status, state["offset"].clone()), (200, json!(1_000_000)));
    let report = sync(&store).expect("sync");
    assert_eq!(report.blobs_uploaded, 1);
    assert!(store.pending_blobs().expect("pending").is_empty());
    assert_eq!(store.sync_status().expect("status").blobs_waiting, 0);
    let (status, again) = raw(
        &server,
        "PUT",
        &format!("/v1/blobs/{}?offset=0&total={}", blob.sha256, bytes.len()),
        &token,
        &bytes,
    );
    assert_eq!(
        (status, again["complete"].clone()),
        (200, json!(true)),
        "uploading again is harmless"
    );
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let download = |token: &str| {
        agent
            .get(format!(
                "{}/v1/tickets/{id}/blobs/{}",
                server.url, blob.sha256
            ))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .expect("download")
    };
    assert_eq!(
        download(&token).status().as_u16(),
        403,
        "technicians do not download from the office"
    );
    let desk = server.user("desk.wang", Role::ServiceDesk);
    let mut response = download(&server.token(&desk));
    let downloaded = response
        .body_mut()
        .with_config()
        .limit(10_000_000)
        .read_to_vec()
        .expect("bytes");
    assert!(
        downloaded == bytes,
        "the download is the photo, byte for byte"
    );
}
