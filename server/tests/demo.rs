//! The newcomer's path of the README: `serve --demo`, take the demo technician's token, sync a
//! device store with it, and stop the server gracefully.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Author, Role, Store};

mod common;

#[test]
fn serve_demo_then_a_device_syncs_with_the_printed_token() {
    let data = tempfile::tempdir().expect("data dir");
    let listen = common::free_listen_address();
    let mut server = Command::new(env!("CARGO_BIN_EXE_fieldledger-server"))
        .args([
            "--data-dir",
            &data.path().to_string_lossy(),
            "serve",
            "--demo",
            "--listen",
            &listen,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map(common::Running)
        .expect("start the server");
    let stdout = server.0.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines().map_while(Result::ok);
    let token = lines
        .by_ref()
        .find_map(|line| {
            line.split("(device token): ")
                .nth(1)
                .map(|t| t.trim().to_owned())
        })
        .expect("the demo prints the technician's token");
    // Keep reading what else the server prints, as a terminal would.
    std::thread::spawn(move || lines.for_each(drop));

    let url = format!("http://{listen}");
    common::wait_until_up(&url);

    let phone = tempfile::tempdir().expect("phone dir");
    let store = Store::open(phone.path()).expect("store");
    store
        .set_user(&Author::new(
            "tech.zhang".parse().expect("id"),
            Role::Technician,
        ))
        .expect("user");
    store.enrol(&url, &token).expect("enrol");
    let report = fieldledger_core::sync::sync(
        &store,
        &HttpTransport::new(&store.enrolment().expect("enrolment").expect("enrolled")),
    )
    .expect("sync");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let tickets = store.list().expect("list");
    assert_eq!(
        tickets.len(),
        2,
        "the demo assigns two tickets to tech.zhang"
    );
    assert!(tickets.iter().all(|t| {
        t.ledger_number
            .as_deref()
            .is_some_and(|n| n.starts_with("KS-"))
    }));
    assert!(
        tickets.iter().any(|t| t.on_site),
        "one of them has a visit in progress"
    );

    common::stop(server);
}
