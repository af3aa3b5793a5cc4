//! Moving an installation from SQLite to PostgreSQL (`fieldledger-server migrate`): the demo's
//! installation and a generated ledger of 10,000 tickets arrive whole, a second run changes
//! nothing, and a database of another installation is refused untouched.

use std::path::Path;

use fieldledger_core::Role;
use fieldledger_server::ledger::LedgerQuery;
use fieldledger_server::storage::postgres::scratch;
use fieldledger_server::storage::transfer::migrate;
use fieldledger_server::{AppState, Settings, demo};
use fieldledger_tests::kit::user_with_device;
use fieldledger_tests::ledger::generated_dir;
use fieldledger_tests::{TestServer, complaint, quiet_settings};
use serde_json::json;

/// The state of a server on the PostgreSQL database `url`.
fn on_postgres(url: &str) -> AppState {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        database: Some(url.to_owned()),
        ..quiet_settings()
    };
    AppState::open_with(dir.path(), settings).expect("a server on PostgreSQL")
}

/// The state of a server on the SQLite installation in `dir`.
fn on_sqlite(dir: &Path) -> AppState {
    AppState::open_with(dir, quiet_settings()).expect("a server on SQLite")
}

/// Checks that the server on `to` holds what the one on `from` holds: the whole ledger, the
/// outbox, the users and devices, and each ticket's document.
fn holds_the_same(from: &AppState, to: &AppState) {
    let everything = LedgerQuery::default();
    assert_eq!(
        from.storage.whole_ledger(&everything).expect("ledger"),
        to.storage.whole_ledger(&everything).expect("ledger")
    );
    assert_eq!(
        from.storage.events_after(0, 1_000_000).expect("outbox"),
        to.storage.events_after(0, 1_000_000).expect("outbox")
    );
    assert_eq!(
        from.storage.users().expect("users"),
        to.storage.users().expect("users")
    );
    assert_eq!(
        from.storage.devices().expect("devices"),
        to.storage.devices().expect("devices")
    );
    for id in from.storage.ticket_ids().expect("ids") {
        let before = from.engine.read(&id, |t| t.history()).expect("sqlite");
        let after = to.engine.read(&id, |t| t.history()).expect("postgresql");
        assert_eq!(before, after, "ticket {id}");
    }
}

#[test]
fn the_demo_moves_to_postgresql_whole_its_tokens_still_work_and_a_second_run_changes_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let tokens = demo::seed(&on_sqlite(dir.path())).expect("demo");
    let url = scratch::fresh().expect("database");

    let report = migrate(dir.path(), &url).expect("migrate");
    assert!(report.documents > 0);
    assert!(report.rows("ledger") > 0 && report.rows("events") > 0);
    let (sqlite, postgres) = (on_sqlite(dir.path()), on_postgres(&url));
    holds_the_same(&sqlite, &postgres);

    // The demo's people sign in with their tokens on PostgreSQL, and its numbering goes on.
    let server = TestServer::serve(on_postgres(&url));
    let (status, me) = server.call("GET", "/v1/me", &tokens.desk, None);
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"], "desk.wang");
    let (status, made) = server.call(
        "POST",
        "/v1/tickets",
        &tokens.desk,
        Some(json!(complaint("After"))),
    );
    assert_eq!(status, 201, "{made}");
    let numbers: Vec<String> = postgres
        .storage
        .whole_ledger(&LedgerQuery::default())
        .expect("ledger")
        .into_iter()
        .filter_map(|r| r.ledger_number)
        .collect();
    let unique: std::collections::BTreeSet<&String> = numbers.iter().collect();
    assert_eq!(
        unique.len(),
        numbers.len(),
        "a ledger number was given twice"
    );

    // Run again on the same database: nothing is copied twice, and what was added since stays.
    drop(server);
    let tickets = postgres.storage.ticket_ids().expect("ids").len();
    let again = migrate(dir.path(), &url);
    assert!(
        again
            .as_ref()
            .is_err_and(|e| e.to_string().contains("PostgreSQL")),
        "a database that has moved on is not said to match: {again:?}"
    );
    assert_eq!(postgres.storage.ticket_ids().expect("ids").len(), tickets);
}

#[test]
fn a_second_run_on_an_unchanged_copy_finds_it_whole() {
    let dir = tempfile::tempdir().expect("dir");
    demo::seed(&on_sqlite(dir.path())).expect("demo");
    let url = scratch::fresh().expect("database");
    let first = migrate(dir.path(), &url).expect("migrate");
    let second = migrate(dir.path(), &url).expect("migrate again");
    assert_eq!(first, second);
    holds_the_same(&on_sqlite(dir.path()), &on_postgres(&url));
}

#[test]
fn a_database_of_another_installation_is_refused_and_left_as_it_was() {
    let url = scratch::fresh().expect("database");
    let theirs = tempfile::tempdir().expect("dir");
    {
        let state = on_sqlite(theirs.path());
        user_with_device(&state, "desk.li", Role::ServiceDesk).expect("desk");
    }
    let ours = tempfile::tempdir().expect("dir");
    demo::seed(&on_sqlite(ours.path())).expect("demo");
    // Theirs has a ticket once registered through a server.
    migrate(theirs.path(), &url).expect("theirs moves");
    let state = on_postgres(&url);
    let desk = state.storage.users().expect("users");
    let server = TestServer::serve(state);
    let token = user_with_device(&server.state, "desk.zhao", Role::ServiceDesk).expect("desk");
    let (status, _) = server.call(
        "POST",
        "/v1/tickets",
        &token.token,
        Some(json!(complaint("Theirs"))),
    );
    assert_eq!(status, 201);
    let before = server
        .state
        .storage
        .whole_ledger(&LedgerQuery::default())
        .expect("ledger");

    let refused = migrate(ours.path(), &url).expect_err("another installation");
    assert!(
        refused.to_string().contains("another installation"),
        "{refused}"
    );
    let after = server
        .state
        .storage
        .whole_ledger(&LedgerQuery::default())
        .expect("ledger");
    assert_eq!(before, after);
    assert!(server.state.storage.users().expect("users").len() > desk.len());
}

#[test]
fn a_generated_ledger_of_ten_thousand_tickets_moves_whole() {
    let cache = std::env::temp_dir().join("fieldledger-migrate-cache");
    let dir = generated_dir(&cache, 10_000, 19).expect("a generated ledger");
    let url = scratch::fresh().expect("database");
    let report = migrate(&dir, &url).expect("migrate");
    assert_eq!(report.documents, 10_000);
    assert_eq!(report.rows("ledger"), 10_000);
    holds_the_same(&on_sqlite(&dir), &on_postgres(&url));
}
