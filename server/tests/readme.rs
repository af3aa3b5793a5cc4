//! The README's walk-through, run exactly as it is written there: the block between its
//! `walkthrough` markers is pasted into bash in a folder laid out like the repository's (with
//! `docs/` and `./fieldledger-data`), next to a running `serve --demo`. What it did is then
//! read back from the office as the desk: the technician's visit, measurement, part, photo and
//! decision, synced from the command-line phone.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;

/// The shell block of the README between its walk-through markers.
fn walkthrough(readme: &str) -> String {
    let begin = readme
        .find("<!-- walkthrough:begin -->")
        .expect("the README marks its walk-through");
    let end = readme[begin..]
        .find("<!-- walkthrough:end -->")
        .expect("the walk-through ends")
        + begin;
    let block = &readme[begin..end];
    let code = block
        .split_once("```sh\n")
        .and_then(|(_, rest)| rest.rsplit_once("```"))
        .expect("the walk-through is one sh block");
    code.0.to_owned()
}

/// A value of the demo's shell file.
fn variable(env: &str, name: &str) -> String {
    env.lines()
        .find_map(|line| line.strip_prefix(&format!("{name}=")))
        .expect("the demo file names it")
        .to_owned()
}

#[test]
fn the_readme_walkthrough_runs_as_written_and_the_office_sees_the_work() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the repository");
    let readme = std::fs::read_to_string(repo.join("README.md")).expect("README");
    let script = walkthrough(&readme);

    // A folder inside the workspace, as the repository's own is: cargo finds the workspace
    // from it, and the photo is where the README says.
    let folder = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("folder");
    std::os::unix::fs::symlink(repo.join("docs"), folder.path().join("docs")).expect("docs");
    let listen = common::free_listen_address();
    let server = Command::new(env!("CARGO_BIN_EXE_fieldledger-server"))
        .args(["serve", "--demo", "--listen", &listen])
        .current_dir(folder.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(common::Running)
        .expect("start the server");
    let url = format!("http://{listen}");
    common::wait_until_up(&url);

    let started = Instant::now();
    let run = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(folder.path())
        .stdin(Stdio::null())
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "the walk-through failed after {:?}:\n{stdout}\n{stderr}",
        started.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(900),
        "the walk-through took {:?}",
        started.elapsed()
    );
    assert!(stdout.contains("enrolled as tech.zhang"), "{stdout}");
    assert!(
        stdout.contains("1 blob(s) uploaded, 0 error(s)"),
        "{stdout}"
    );

    // What the office now holds, read as the desk with the token of the demo's shell file.
    let env = std::fs::read_to_string(folder.path().join("fieldledger-data/demo.env"))
        .expect("the demo's shell file");
    let desk = variable(&env, "DESK_TOKEN");
    let call = |path: &str| {
        ureq::get(format!("{url}{path}"))
            .header("Authorization", format!("Bearer {desk}"))
            .call()
            .expect(path)
    };
    let json = |path: &str| -> Value {
        let text = call(path).body_mut().read_to_string().expect(path);
        serde_json::from_str(&text).expect(path)
    };
    let ledger = json("/v1/ledger?q=J2026-0500");
    let rows = ledger["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{ledger}");
    let id = rows[0]["ticket_id"].as_str().expect("id").to_owned();
    let ticket = json(&format!("/v1/tickets/{id}"));
    let visit = &ticket["view"]["visits"][0];
    assert_eq!(visit["technician"], "tech.zhang", "{ticket}");
    assert!(visit["departed_at"].is_number(), "{visit}");
    let log = visit["log"].as_array().expect("log");
    assert!(
        log.iter()
            .any(|e| e["type"] == "step" && e["measurements"][0]["value"] == 220.0)
    );
    assert!(
        log.iter()
            .any(|e| e["type"] == "part_used" && e["part_number"] == "HQ-220")
    );
    assert_eq!(
        ticket["view"]["decisions"]["entries"][0]["disposition"], "repair_on_site",
        "{ticket}"
    );
    let photo = &visit["photos"][0]["blob"];
    let sent = std::fs::read(repo.join("docs/walkthrough/switchgear-bay-3.png")).expect("photo");
    let stored = call(&format!(
        "/v1/tickets/{id}/blobs/{}",
        photo["sha256"].as_str().expect("hash")
    ))
    .body_mut()
    .read_to_vec()
    .expect("photo");
    assert_eq!(stored, sent, "the office has the photo the phone took");

    common::stop(server);
}
