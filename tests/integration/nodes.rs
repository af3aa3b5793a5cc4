//! Three server processes on one database (PostgreSQL in the PostgreSQL run, one SQLite file
//! otherwise), as nodes behind a load balancer that sends each request to any of them. Devices
//! sync through links that lose, repeat and hold back requests, each request to a node chosen
//! at random; the desk's office writes go to any node; one node is killed with SIGKILL in the
//! middle of the work and started again. No node holds authority in memory:
//!
//! - honest replicas converge, and the database holds every change of every device and every
//!   hand-off the desk was told was recorded;
//! - each ledger number is given once, and every receipt is true of the database;
//! - an event stream on every node sends each event once, in order (a stream cut by a killed
//!   node resumes on another with `Last-Event-ID`, as a browser does);
//! - each deadline fires once, and the webhook receives every event (at least once; a repeat
//!   carries the same `Idempotency-Key`, and only a delivery cut by the kill is repeated).

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::sync::Transport;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Role, Store, TicketId};
use fieldledger_server::AppState;
use fieldledger_server::events::{EventDetail, EventKind};
use fieldledger_server::ledger::LedgerQuery;
use fieldledger_tests::backend::open_state;
use fieldledger_tests::kit::{Technician, user_with_device};
use fieldledger_tests::listen::{EventStream, Posts, header, receiver};
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::simulation::network::Faults;
use fieldledger_tests::{complaint, quiet_settings, store_for};
use rand::Rng;
use rand::rngs::StdRng;
use serde_json::json;

use crate::crash::{receipts_hold, seeded};

/// The nodes.
const NODES: usize = 3;
/// Technicians, each with a device.
const TECHNICIANS: usize = 4;
/// Rounds of work and sync each device makes, enough for the busiest tickets to be compacted
/// (rewritten as one snapshot) several times.
const ROUNDS: usize = 60;
/// Tickets the desk registers.
const DESK_TICKETS: usize = 9;
/// The round after which a node is killed, and the round after which it is started again.
const KILL_AT: usize = 20;
const RESTART_AT: usize = 35;
/// Every node watches deadlines each second, and a confirmed complaint not handed off at once is
/// late: so that deadlines fall due while the nodes work.
const SERVE_ARGS: &[&str] = &["--handoff-minutes", "0", "--deadline-scan-seconds", "1"];

/// The nodes, on fixed ports, each running or killed.
struct Cluster {
    data: PathBuf,
    ports: [u16; NODES],
    running: Mutex<[Option<ServerProcess>; NODES]>,
}

impl Cluster {
    fn start(data: &Path) -> Cluster {
        let ports = [(); NODES].map(|_| free_port().expect("port"));
        let running = ports
            .map(|port| Some(ServerProcess::start_with(data, port, SERVE_ARGS).expect("node")));
        Cluster {
            data: data.to_owned(),
            ports,
            running: Mutex::new(running),
        }
    }

    fn url(&self, node: usize) -> String {
        format!("http://127.0.0.1:{}", self.ports[node])
    }

    fn urls(&self) -> Vec<String> {
        (0..NODES).map(|n| self.url(n)).collect()
    }

    /// Kills node `node` with SIGKILL, whatever it is doing.
    fn kill(&self, node: usize) {
        let mut running = self.running.lock().expect("nodes");
        if let Some(mut process) = running[node].take() {
            process.kill().expect("kill");
        }
    }

    /// Starts node `node` again on its port.
    fn restart(&self, node: usize) {
        let process =
            ServerProcess::start_with(&self.data, self.ports[node], SERVE_ARGS).expect("restart");
        self.running.lock().expect("nodes")[node] = Some(process);
    }

    fn stop(&self) {
        for node in 0..NODES {
            self.kill(node);
        }
    }
}

/// A device's way to the nodes: each request goes to a node chosen at random, through a link
/// that loses, repeats and holds back requests as the seeded simulation's hostile network does.
/// Held-back copies arrive later, at any node.
struct Routed<'a> {
    enrolment: Enrolment,
    urls: &'a [String],
    faults: Faults,
    rng: RefCell<StdRng>,
    held_back: RefCell<Vec<Vec<u8>>>,
}

impl Routed<'_> {
    fn to(&self, url: &str) -> HttpTransport {
        HttpTransport::new(&Enrolment {
            server_url: url.to_owned(),
            ..self.enrolment.clone()
        })
    }

    fn any_node(&self) -> HttpTransport {
        let node = self.rng.borrow_mut().random_range(0..self.urls.len());
        self.to(&self.urls[node])
    }

    /// Delivers the copies held back so far, each to any node; what the node answers is lost.
    fn release_held_back(&self) {
        for request in self.held_back.take() {
            let _ = self.any_node().sync(request);
        }
    }
}

impl Transport for Routed<'_> {
    fn sync(&self, request: Vec<u8>) -> fieldledger_core::Result<Vec<u8>> {
        let lost = || fieldledger_core::Error::Offline("lost on the way".into());
        let mut rng = self.rng.borrow_mut();
        if rng.random_bool(self.faults.delay_copy) {
            self.held_back.borrow_mut().push(request.clone());
        }
        if rng.random_bool(self.faults.drop_request) {
            return Err(lost());
        }
        let duplicate = rng.random_bool(self.faults.duplicate);
        let lose_answer = rng.random_bool(self.faults.drop_response);
        drop(rng);
        if duplicate {
            self.any_node().sync(request.clone())?;
        }
        let answer = self.any_node().sync(request)?;
        if lose_answer {
            return Err(lost());
        }
        Ok(answer)
    }

    fn blob_offset(&self, sha256: &str) -> fieldledger_core::Result<Option<u64>> {
        self.any_node().blob_offset(sha256)
    }

    fn upload_blob(
        &self,
        sha256: &str,
        offset: u64,
        total: u64,
        bytes: &[u8],
    ) -> fieldledger_core::Result<()> {
        self.any_node().upload_blob(sha256, offset, total, bytes)
    }
}

/// An office call to the node at `url`; `None` when the node could not be reached or was cut
/// off before it answered (then the caller does not know whether the write was made).
fn office_call(
    url: &str,
    path: &str,
    token: &str,
    body: serde_json::Value,
) -> Option<(u16, String)> {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent();
    let mut response = agent
        .post(format!("{url}{path}"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.to_string().as_bytes())
        .ok()?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().ok()?;
    Some((status, text))
}

/// Posts `body` to `path` through random nodes until one records it; the answer's JSON.
fn office_write(
    urls: &[String],
    rng: &mut StdRng,
    path: &str,
    token: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    for _ in 0..200 {
        let url = &urls[rng.random_range(0..urls.len())];
        match office_call(url, path, token, body.clone()) {
            Some((200 | 201, text)) => return serde_json::from_str(&text).expect("json"),
            Some((503, _)) | None => std::thread::sleep(Duration::from_millis(50)),
            Some((status, text)) => panic!("{path} answered {status}: {text}"),
        }
    }
    panic!("no node recorded {path}");
}

/// Reads the event stream of node `first`, moving to the next node (with `Last-Event-ID`) when
/// a stream ends, until `done` is set and the stream has sent event `upto` (when known).
fn follow_events(
    urls: &[String],
    first: usize,
    token: &str,
    done: &AtomicBool,
    upto: &Mutex<Option<u64>>,
) -> Vec<u64> {
    let mut seen: Vec<u64> = Vec::new();
    let mut node = first;
    loop {
        let reached = |seen: &[u64]| {
            let upto = *upto.lock().expect("upto");
            done.load(Ordering::SeqCst)
                && upto.is_some_and(|u| seen.last().copied().unwrap_or(0) >= u)
        };
        if reached(&seen) {
            return seen;
        }
        let stream = EventStream {
            url: &urls[node],
            token,
            path: "/v1/events",
            last_event_id: seen.last().copied(),
            timeout: Duration::from_secs(3),
        };
        let read = stream.read(|id, _| {
            seen.push(id);
            !reached(&seen)
        });
        if read.is_err() {
            // The node is down: the next one.
            node = (node + 1) % urls.len();
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Waits up to a minute for `ready`.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The state of a server on `data` with nothing in memory: what the database holds.
fn as_stored(data: &Path) -> AppState {
    open_state(data, quiet_settings()).expect("open the database")
}

#[test]
fn three_nodes_on_one_database_lose_nothing_and_tell_everything_once() {
    let mut rng = seeded("three nodes");
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("server");
    let (hook_url, posts): (String, Posts) = receiver(0);
    let (desk, techs) = {
        let state = open_state(&data, quiet_settings()).expect("server state");
        state
            .storage
            .add_webhook(&hook_url, "a shared secret", &[], Some(0))
            .expect("webhook");
        let desk = user_with_device(&state, "desk.wang", Role::ServiceDesk).expect("desk");
        let techs: Vec<(String, String)> = (0..TECHNICIANS)
            .map(|n| {
                let user = format!("tech.{n}");
                let token = user_with_device(&state, &user, Role::Technician).expect("enrol");
                (user, token.token)
            })
            .collect();
        (desk.token, techs)
    };
    let cluster = Cluster::start(&data);
    let urls = cluster.urls();
    let devices: Vec<Technician> = techs
        .iter()
        .map(|(user, token)| {
            let store: Store = store_for(
                &dir.path().join(user),
                user,
                Role::Technician,
                1_790_000_000_000,
            )
            .expect("store");
            store.enrol(&urls[0], token).expect("enrol");
            Technician::new(store)
        })
        .collect();

    let done = AtomicBool::new(false);
    let upto: Mutex<Option<u64>> = Mutex::new(None);
    let handoffs: Mutex<Vec<(TicketId, String)>> = Mutex::new(Vec::new());
    let round_reached = Mutex::new(0usize);
    let streams: Vec<Vec<u64>> = std::thread::scope(|s| {
        let readers: Vec<_> = (0..NODES)
            .map(|node| {
                let (urls, desk, done, upto) = (&urls, &desk, &done, &upto);
                s.spawn(move || follow_events(urls, node, desk, done, upto))
            })
            .collect();

        // The desk registers tickets through any node and sends each to a technician.
        let mut desk_tickets = Vec::new();
        for n in 0..DESK_TICKETS {
            let body = office_write(
                &urls,
                &mut rng,
                "/v1/tickets",
                &desk,
                &json!(complaint("Plant")),
            );
            let id: TicketId = body["ticket_id"].as_str().expect("id").parse().expect("id");
            let order = json!({
                "op": "issue_travel_order", "number": format!("CC-{n}"),
                "kind": "on_site_service", "issuing_department": "technical_service",
                "assignees": [techs[n % TECHNICIANS].0]
            });
            let path = format!("/v1/tickets/{id}/operations");
            office_write(&urls, &mut rng, &path, &desk, &order);
            desk_tickets.push(id);
        }

        std::thread::scope(|work| {
            for (t, device) in devices.iter().enumerate() {
                let (urls, round_reached) = (&urls, &round_reached);
                let seed = rng.random::<u64>();
                work.spawn(move || {
                    let enrolment = device.enrolment().expect("enrolment").expect("enrolled");
                    let link = Routed {
                        enrolment,
                        urls,
                        faults: Faults::hostile(),
                        rng: RefCell::new(rand::SeedableRng::seed_from_u64(seed)),
                        held_back: RefCell::default(),
                    };
                    let mut visits = Vec::new();
                    for round in 0..ROUNDS {
                        if round % 15 == 0 {
                            let id = device
                                .register(&complaint("Device Plant"))
                                .expect("register");
                            visits.push((id.clone(), device.arrive(&id, "bay 2")));
                        }
                        if round == 1 {
                            for summary in device.list().expect("list") {
                                let id = summary.ticket_id;
                                if !visits.iter().any(|(v, _)| *v == id) {
                                    visits.push((id.clone(), device.arrive(&id, "bay 2")));
                                }
                            }
                        }
                        for (id, visit) in &visits {
                            device.log(id, visit, format!("tech {t} round {round}"));
                        }
                        // Faults and the killed node make some syncs fail: the next one makes
                        // up for them.
                        let _ = fieldledger_core::sync::sync(device, &link);
                        if round % 10 == 9 {
                            link.release_held_back();
                        }
                        let mut reached = round_reached.lock().expect("round");
                        *reached = (*reached).max(round);
                    }
                    link.release_held_back();
                });
            }
            let (urls, desk, desk_tickets, handoffs) = (&urls, &desk, &desk_tickets, &handoffs);
            let seed = rng.random::<u64>();
            work.spawn(move || {
                let mut rng: StdRng = rand::SeedableRng::seed_from_u64(seed);
                for round in 0..ROUNDS / 3 {
                    for (n, id) in desk_tickets.iter().enumerate() {
                        let note = format!("round {round} ticket {n}");
                        let op = json!({"op": "hand_off", "to": ["supervisor"], "note": note});
                        let path = format!("/v1/tickets/{id}/operations");
                        let body = office_write(urls, &mut rng, &path, desk, &op);
                        let change = body["change"].as_str().expect("a change").to_owned();
                        handoffs
                            .lock()
                            .expect("handoffs")
                            .push((id.clone(), change));
                    }
                }
            });
            // The chaos: node 1 is killed mid-work, and started again later.
            let (cluster, round_reached) = (&cluster, &round_reached);
            work.spawn(move || {
                wait_for("the devices to work", || {
                    *round_reached.lock().expect("r") >= KILL_AT
                });
                cluster.kill(1);
                wait_for("the devices to work on", || {
                    *round_reached.lock().expect("r") >= RESTART_AT
                });
                cluster.restart(1);
            });
        });

        // Every device, synced once more through each node with no faults, has nothing left
        // unconfirmed.
        for device in &devices {
            let enrolment = device.enrolment().expect("enrolment").expect("enrolled");
            for url in &urls {
                let direct = HttpTransport::new(&Enrolment {
                    server_url: url.clone(),
                    ..enrolment.clone()
                });
                let report = fieldledger_core::sync::sync(device, &direct).expect("sync");
                assert!(report.errors.is_empty(), "{:?}", report.errors);
            }
            assert_eq!(device.sync_status().expect("status").unconfirmed_changes, 0);
        }
        // Deadlines fall due each second: wait until the watcher has found the hand-off of
        // each complaint the desk registered (confirmed at once, and with a limit of 0 late
        // whenever it is handed off), then until every stream has sent what the outbox holds by
        // then. The tickets the devices registered are no confirmed complaints and run no
        // hand-off clock.
        let stored = as_stored(&data);
        wait_for("the deadline watcher", || {
            let outbox = stored.storage.events_after(0, 100_000).expect("outbox");
            let fired = outbox
                .iter()
                .filter(|e| e.kind() == EventKind::DeadlineMissed);
            fired.count() >= DESK_TICKETS
        });
        *upto.lock().expect("upto") = Some(stored.storage.last_event_id().expect("last"));
        done.store(true, Ordering::SeqCst);
        readers
            .into_iter()
            .map(|r| r.join().expect("reader"))
            .collect()
    });

    let stored = as_stored(&data);
    let last = upto.into_inner().expect("upto").expect("the last event");
    let outbox = stored.storage.events_after(0, 100_000).expect("outbox");
    let outbox: Vec<_> = outbox.into_iter().take_while(|e| e.id <= last).collect();
    // The outbox is numbered without a gap, and every stream sent each event once, in order.
    let numbered: Vec<u64> = outbox.iter().map(|e| e.id).collect();
    assert_eq!(numbered, (1..=last).collect::<Vec<_>>());
    for (node, stream) in streams.iter().enumerate() {
        let upto_last: Vec<u64> = stream
            .iter()
            .copied()
            .take_while(|id| *id <= last)
            .collect();
        assert_eq!(
            upto_last, numbered,
            "the stream first read from node {node}"
        );
    }
    // Each deadline fired once.
    let mut fired: BTreeMap<(TicketId, String), usize> = BTreeMap::new();
    for event in &outbox {
        if let EventDetail::DeadlineMissed(missed) = &event.detail {
            let deadline = format!("{missed:?}");
            let deadline = deadline
                .split([' ', '{', '('])
                .next()
                .unwrap_or("")
                .to_owned();
            *fired
                .entry((event.ticket_id.clone(), deadline))
                .or_default() += 1;
        }
    }
    assert!(!fired.is_empty());
    assert!(
        fired.values().all(|n| *n == 1),
        "a deadline fired twice: {fired:?}"
    );
    // The webhook received every event; a repeat is only a delivery cut by the kill.
    let delivered = || -> (BTreeSet<u64>, usize) {
        let posts = posts.lock().expect("posts");
        let keys = posts
            .iter()
            .filter_map(|p| header(&p.0, "Idempotency-Key")?.parse().ok())
            .collect();
        (keys, posts.len())
    };
    wait_for("the webhook", || {
        delivered().0.range(..=last).count() as u64 == last
    });
    let (keys, posts) = delivered();
    assert!(
        posts - keys.len() <= 1,
        "{posts} posts of {} events",
        keys.len()
    );
    cluster.stop();

    receipts_hold(&data, &devices);
    // Each ticket has one ledger number of its own.
    let ids = stored.storage.ticket_ids().expect("ids");
    let ledger = stored
        .storage
        .ledger(&LedgerQuery {
            limit: Some(1_000),
            ..LedgerQuery::default()
        })
        .expect("ledger");
    let numbers: BTreeSet<String> = ledger
        .rows
        .iter()
        .map(|r| r.ledger_number.clone().expect("every ticket is numbered"))
        .collect();
    assert_eq!(ledger.rows.len(), ids.len());
    assert_eq!(numbers.len(), ids.len(), "a ledger number was given twice");
    // The database holds every change of every device, and every hand-off the desk was told
    // was recorded.
    for device in &devices {
        for summary in device.list().expect("list") {
            let id = summary.ticket_id;
            let heads = stored.engine.read(&id, |t| t.heads()).expect("stored");
            assert_eq!(device.heads(&id).expect("heads"), heads, "ticket {id}");
        }
    }
    let handoffs = handoffs.into_inner().expect("handoffs");
    assert_eq!(handoffs.len(), ROUNDS / 3 * DESK_TICKETS);
    for (id, change) in handoffs {
        let history = stored.engine.read(&id, |t| t.history()).expect("stored");
        assert!(
            history.iter().any(|h| h.hash == change),
            "the hand-off {change} of ticket {id} was lost"
        );
    }
}
