//! Crashes: the real server binary killed with SIGKILL at random moments while devices sync, and
//! a device killed in the middle of recording. `FIELDLEDGER_SEED=n` replays the kill moments.

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldledger_core::ticket::visit::Work;
use fieldledger_core::{EntryId, Error, Role, Store, TicketId};
use fieldledger_tests::backend::open_state;
use fieldledger_tests::kit::{Technician, user_with_device};
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::{complaint, quiet_settings, store_for, sync};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A generator seeded from FIELDLEDGER_SEED, or at random (the seed is printed for a replay).
pub(crate) fn seeded(test: &str) -> StdRng {
    let seed = std::env::var("FIELDLEDGER_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("{test}: seed {seed} (replay with FIELDLEDGER_SEED={seed})");
    StdRng::seed_from_u64(seed)
}

fn integrity(db: &Path) -> String {
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("PRAGMA integrity_check", [], |r| r.get(0)))
        .unwrap_or_else(|e| format!("cannot check {}: {e}", db.display()))
}

/// One technician's work between syncs: a new ticket now and then, otherwise a repair step.
fn work(technician: &Technician, tickets: &mut Vec<(TicketId, EntryId)>, n: usize) {
    if n.is_multiple_of(4) || tickets.is_empty() {
        let id = technician
            .register(&complaint("Crash Plant"))
            .expect("register");
        let visit = technician.arrive(&id, "bay 3");
        tickets.push((id, visit));
        return;
    }
    let (id, visit) = &tickets[n % tickets.len()];
    technician.log(id, visit, format!("step {n}"));
}

/// Every receipt each device holds names changes that the server's disk has.
pub(crate) fn receipts_hold(data: &Path, devices: &[Technician]) {
    let state = open_state(data, quiet_settings()).expect("open the killed server's data");
    let actor = state.storage.system_actor().expect("actor");
    for (d, store) in devices.iter().enumerate() {
        for ticket in store.list().expect("list") {
            let confirmed = store.confirmed_heads(&ticket.ticket_id).expect("confirmed");
            if confirmed.is_empty() {
                continue;
            }
            let stored = state
                .storage
                .load_ticket(&ticket.ticket_id, &actor)
                .expect("load")
                .unwrap_or_else(|| {
                    panic!("device {d} holds a receipt for a ticket the server lost")
                })
                .0;
            assert_eq!(
                stored.known_heads(&confirmed).len(),
                confirmed.len(),
                "device {d} holds a receipt for changes the server lost"
            );
        }
    }
}

#[test]
fn a_server_killed_at_random_moments_keeps_everything_it_confirmed() {
    let mut rng = seeded("server crash");
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("server");
    let tokens: Vec<String> = {
        let state = open_state(&data, quiet_settings()).expect("server state");
        (0..4)
            .map(|n| {
                let user = format!("tech.{n}");
                user_with_device(&state, &user, Role::Technician)
                    .expect("enrol")
                    .token
            })
            .collect()
    };
    let port = free_port().expect("port");
    let mut server = ServerProcess::start(&data, port).expect("start");
    let devices: Vec<Technician> = tokens
        .iter()
        .enumerate()
        .map(|(n, token)| {
            let user = format!("tech.{n}");
            let store = store_for(
                &dir.path().join(&user),
                &user,
                Role::Technician,
                1_790_000_000_000,
            )
            .expect("store");
            store.enrol(&server.url, token).expect("enrol");
            Technician::new(store)
        })
        .collect();
    let stop = AtomicBool::new(false);
    let synced = Mutex::new(0usize);
    std::thread::scope(|s| {
        for store in &devices {
            let (stop, synced) = (&stop, &synced);
            s.spawn(move || {
                let mut tickets = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    work(store, &mut tickets, n);
                    n += 1;
                    match sync(store) {
                        Ok(_) => *synced.lock().expect("count") += 1,
                        Err(Error::Offline(_) | Error::Rejected { .. }) => {}
                        Err(e) => panic!("sync failed other than by the crash: {e}"),
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
        }
        for _ in 0..10 {
            // Each crash comes at a random moment after the devices synced with this server
            // at least once, however slowly a loaded machine starts it.
            let before = *synced.lock().expect("count");
            let deadline = Instant::now() + Duration::from_secs(60);
            while *synced.lock().expect("count") == before && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            std::thread::sleep(Duration::from_millis(rng.random_range(0..600)));
            server.kill().expect("kill");
            receipts_hold(&data, &devices);
            server = ServerProcess::start(&data, port).expect("restart");
        }
        stop.store(true, Ordering::SeqCst);
    });
    assert!(
        *synced.lock().expect("count") >= 10,
        "devices synced between the crashes"
    );
    server.kill().expect("kill");
    if !fieldledger_tests::backend::on_postgres() {
        assert_eq!(integrity(&data.join("fieldledger-server.db")), "ok");
    }
    receipts_hold(&data, &devices);

    // Nothing is lost at all: once the server stays up, every device's work arrives.
    let server = ServerProcess::start(&data, port).expect("restart");
    for store in &devices {
        sync(store).expect("sync after the crashes");
    }
    drop(server);
    let state = open_state(&data, quiet_settings()).expect("open");
    for store in &devices {
        assert_eq!(store.sync_status().expect("status").unconfirmed_changes, 0);
        for ticket in store.list().expect("list") {
            let heads = state
                .engine
                .read(&ticket.ticket_id, |t| t.heads())
                .expect("on the server");
            assert_eq!(store.heads(&ticket.ticket_id).expect("heads"), heads);
        }
    }
}

#[test]
fn a_device_killed_while_recording_keeps_each_action_whole_or_not_at_all() {
    let mut rng = seeded("device crash");
    let dir = tempfile::tempdir().expect("dir");
    let recorder = env!("CARGO_BIN_EXE_fieldledger-recorder");
    let mut runs = Vec::new();
    for _ in 0..12 {
        let mut child = std::process::Command::new(recorder)
            .arg(dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("recorder");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let lines = lines.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stdout).lines() {
                    match line {
                        Ok(line) => lines.lock().expect("lines").push(line),
                        Err(_) => break,
                    }
                }
            })
        };
        std::thread::sleep(Duration::from_millis(rng.random_range(30..400)));
        child.kill().expect("kill");
        child.wait().expect("reap");
        reader.join().expect("reader");
        let lines = lines.lock().expect("lines").clone();
        runs.push(lines);

        assert_eq!(integrity(&dir.path().join("fieldledger.db")), "ok");
        let store = Store::open(dir.path()).expect("the store opens after the kill");
        let listed: Vec<TicketId> = store
            .list()
            .expect("list")
            .into_iter()
            .map(|t| t.ticket_id)
            .collect();
        for id in &listed {
            store.view(id).expect("each listed ticket is whole");
        }
        for lines in &runs {
            let Some(id) = lines.first().and_then(|l| l.strip_prefix("ticket ")) else {
                continue;
            };
            let id: TicketId = id.parse().expect("ticket id");
            assert!(listed.contains(&id), "a registered ticket is kept");
            let acknowledged = lines.len() - 1;
            let steps: Vec<String> = store
                .view(&id)
                .expect("view")
                .visits
                .iter()
                .flat_map(|v| &v.log)
                .filter_map(|entry| match &entry.work {
                    Work::Repair { description } => Some(description.clone()),
                    _ => None,
                })
                .collect();
            let expected: Vec<String> = (1..=steps.len()).map(|k| format!("step {k}")).collect();
            assert_eq!(steps, expected, "each step once, in order, no gaps");
            assert!(
                steps.len() == acknowledged || steps.len() == acknowledged + 1,
                "{} steps stored, {acknowledged} acknowledged",
                steps.len()
            );
        }
    }
    assert!(
        runs.iter().filter(|r| r.len() > 1).count() >= 6,
        "most recorders were killed after some steps: {:?}",
        runs.iter().map(Vec::len).collect::<Vec<_>>()
    );
}
