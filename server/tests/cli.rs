//! The administrator's commands: users, devices and their tokens, the ledger rebuild.

use std::process::Command;

fn run(data: &std::path::Path, args: &[&str]) -> (bool, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_fieldledger-server"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .expect("run fieldledger-server");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[test]
fn users_and_devices_are_managed_from_the_command_line() {
    let data = tempfile::tempdir().expect("data");
    let data = data.path();
    let (ok, out) = run(
        data,
        &[
            "user",
            "add",
            "tech.wu",
            "--name",
            "吴工 Wu",
            "--role",
            "technician",
        ],
    );
    assert!(ok, "{out}");
    let (ok, out) = run(
        data,
        &[
            "user",
            "add",
            "tech.wu",
            "--name",
            "again",
            "--role",
            "technician",
        ],
    );
    assert!(!ok && out.contains("exists"), "{out}");
    let (ok, out) = run(
        data,
        &["user", "add", "system", "--name", "x", "--role", "admin"],
    );
    assert!(!ok && out.contains("reserved"), "{out}");
    let (ok, out) = run(
        data,
        &["user", "add", "qa.x", "--name", "x", "--role", "chief"],
    );
    assert!(!ok && out.contains("not a role"), "{out}");

    let (ok, out) = run(
        data,
        &["device", "enrol", "tech.wu", "--label", "Wu's phone"],
    );
    assert!(ok, "{out}");
    assert!(out.contains("token (shown only now): flt_"), "{out}");
    let device = out.split_whitespace().nth(1).expect("device id").to_owned();
    let (_, list) = run(data, &["device", "list"]);
    assert!(list.contains(&device) && list.contains("active"), "{list}");

    let (ok, out) = run(data, &["device", "revoke", &device]);
    assert!(ok, "{out}");
    let (_, list) = run(data, &["device", "list"]);
    assert!(list.contains("revoked"), "{list}");
    let (ok, _) = run(data, &["device", "revoke", &device]);
    assert!(!ok, "revoking twice is an error");
    let (ok, out) = run(data, &["device", "enrol", "nobody"]);
    assert!(!ok && out.contains("no user"), "{out}");

    let (_, users) = run(data, &["user", "list"]);
    assert!(users.contains("tech.wu\ttechnician"), "{users}");
    let (ok, out) = run(data, &["rebuild-ledger"]);
    assert!(ok && out.contains("rebuilt 0 ledger rows"), "{out}");
}
