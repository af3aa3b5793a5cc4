//! A server whose database goes away answers 503 (`storage_failed`), `/healthz` included, and
//! answers again by itself once the database is back; nothing it confirmed is lost.

use std::time::{Duration, Instant};

use fieldledger_core::Role;
use fieldledger_server::storage::postgres::scratch;
use fieldledger_server::{AppState, Settings};
use fieldledger_tests::kit::user_with_device;
use fieldledger_tests::{TestServer, complaint, quiet_settings};
use serde_json::json;

/// The name of the database at `url`.
fn name_of(url: &str) -> String {
    url.rsplit('/').next().unwrap_or_default().to_owned()
}

/// Runs `sql` on the test server's administrative database.
fn admin(sql: &str) {
    let mut client = postgres::Client::connect(&scratch::test_server(), postgres::NoTls)
        .expect("the administrative connection");
    client.batch_execute(sql).expect(sql);
}

/// Waits up to half a minute for the server's `/healthz` to answer `status`.
fn health_becomes(server: &TestServer, status: u16) -> serde_json::Value {
    let started = Instant::now();
    loop {
        let (got, body) = server.call("GET", "/healthz", "", None);
        if got == status {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "healthz stayed {got}: {body}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_server_that_loses_its_database_answers_503_and_recovers_by_itself() {
    let url = scratch::fresh().expect("database");
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        database: Some(url.clone()),
        ..quiet_settings()
    };
    let state = AppState::open_with(dir.path(), settings).expect("server");
    let desk = user_with_device(&state, "desk.wang", Role::ServiceDesk).expect("desk");
    let server = TestServer::serve(state);
    let body = health_becomes(&server, 200);
    assert_eq!(body["database"], "postgresql");
    let (status, first) = server.call(
        "POST",
        "/v1/tickets",
        &desk.token,
        Some(json!(complaint("Before"))),
    );
    assert_eq!(status, 201, "{first}");

    // The database goes away: every connection cut, none allowed.
    let name = name_of(&url);
    admin(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false;
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    ));
    let down = health_becomes(&server, 503);
    assert_eq!(down["error"], "storage_failed", "{down}");
    let (status, refused) = server.call(
        "POST",
        "/v1/tickets",
        &desk.token,
        Some(json!(complaint("During"))),
    );
    assert_eq!(status, 503, "{refused}");

    // Back: the same server answers again, with what it confirmed before.
    admin(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;"));
    health_becomes(&server, 200);
    let (status, second) = server.call(
        "POST",
        "/v1/tickets",
        &desk.token,
        Some(json!(complaint("After"))),
    );
    assert_eq!(status, 201, "{second}");
    let (status, ledger) = server.call("GET", "/v1/ledger", &desk.token, None);
    assert_eq!(status, 200, "{ledger}");
    let customers: Vec<&str> = ledger["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["customer_name"].as_str())
        .collect();
    assert!(
        customers.contains(&"Before") && customers.contains(&"After"),
        "{customers:?}"
    );
    assert!(!customers.contains(&"During"));
}
