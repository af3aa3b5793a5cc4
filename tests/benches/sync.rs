//! Sync benchmarks against a real server on loopback: bytes on the wire compared with the raw
//! changes carried, the size of a sync where nothing changed with 1,000 tickets, and server
//! throughput with 50 devices syncing at once (devices held in memory, and device stores).
//! Prints its figures; `cargo bench -p fieldledger-tests --bench sync`.

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::sync::{SyncReport, exchange};
use fieldledger_core::ticket::visit::{Measurement, Work};
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Author, EntryId, Operation, Role, Store, TicketId};
use fieldledger_tests::kit::{self, Enrolled, user_with_device};
use fieldledger_tests::memory_device::MemoryDevice;
use fieldledger_tests::{TestServer, complaint, store_for, sync};

fn step(visit: &EntryId, n: usize) -> Operation {
    Operation::LogWork {
        visit_id: visit.clone(),
        work: Work::Step {
            description: format!("Contact resistance, phase {}", n % 3),
            measurements: vec![Measurement {
                quantity: "R".into(),
                value: 38.0 + n as f64,
                unit: "µΩ".into(),
            }],
        },
    }
}

fn device(server: &TestServer, dir: &std::path::Path, user: &str, role: Role) -> Store {
    let id = server.user(user, role);
    let store = store_for(dir, user, role, 1_790_000_000_000).expect("store");
    server.enrol(&store, &id);
    store
}

/// Registers a ticket on `store` and starts a visit; returns both.
fn on_site(store: &Store, customer: &str) -> (TicketId, EntryId) {
    let id = store.register(&complaint(customer)).expect("register");
    let visit = store
        .record(&id, &kit::arrive("bay"))
        .expect("arrive")
        .entry
        .expect("visit");
    (id, visit)
}

/// Raw bytes of the changes `store` holds for `id` that the office has not confirmed.
fn raw_unconfirmed(store: &Store, id: &TicketId, confirmed: &[automerge::ChangeHash]) -> usize {
    store
        .read_ticket(id, |t| {
            t.doc()
                .get_changes(confirmed)
                .iter()
                .map(|c| c.raw_bytes().len())
                .sum()
        })
        .expect("ticket")
}

fn wire_overhead(server: &TestServer) {
    let dir = tempfile::tempdir().expect("dir");
    let store = device(server, dir.path(), "tech.wire", Role::Technician);
    let mut tickets = Vec::new();
    for n in 0..10 {
        let (id, visit) = on_site(&store, &format!("Wire customer {n}"));
        tickets.push((id, visit));
    }
    sync(&store).expect("first sync");
    let idle = sync(&store).expect("idle sync");
    let fixed = idle.bytes_sent + idle.bytes_received;
    for changes in [1usize, 2, 10] {
        let mut raw = 0;
        for (id, visit) in &tickets {
            let confirmed = store.heads(id).expect("heads");
            for n in 0..changes {
                store.record(id, &step(visit, n)).expect("record");
            }
            raw += raw_unconfirmed(&store, id, &confirmed);
        }
        let report = sync(&store).expect("sync");
        let wire = report.bytes_sent + report.bytes_received;
        let per_ticket = (wire as f64 - raw as f64 - fixed as f64) / tickets.len() as f64;
        println!(
            "wire: 10 tickets x {changes} change(s): {wire} bytes on the wire ({} sent, {} \
            received) for {raw} raw change bytes; \
             fixed header {fixed} bytes; overhead {per_ticket:.0} bytes per changed ticket \
             (target <= 200); {} round(s)",
            report.bytes_sent, report.bytes_received, report.rounds
        );
    }
}

fn idle_sync(server: &TestServer) {
    let desk = server
        .state
        .storage
        .user(&"desk.bench".parse().expect("id"))
        .expect("user")
        .expect("desk");
    for n in 0..1_000 {
        server
            .state
            .engine
            .register(&desk, &complaint(&format!("Idle customer {n}")))
            .expect("register");
    }
    let dir = tempfile::tempdir().expect("dir");
    let store = device(server, dir.path(), "sup.idle", Role::Supervisor);
    let first = sync(&store).expect("first sync");
    let idle = sync(&store).expect("idle sync");
    println!(
        "idle: with {} tickets on the device, a sync where nothing changed is {} request(s): {} \
        bytes sent, {} bytes received (first sync: {} rounds, {} bytes received)",
        store.list().expect("list").len(),
        idle.rounds,
        idle.bytes_sent,
        idle.bytes_received,
        first.rounds,
        first.bytes_received
    );
}

/// The server binary's allocator, so that the in-process server runs as it does in production.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One simulated technician's work between syncs, then the sync; returns the sync's report.
type Round<'a> = Box<dyn Fn(usize) -> fieldledger_core::Result<SyncReport> + Sync + 'a>;

/// Devices held in memory, so that the two cores go to the server: each records a work-log step
/// and syncs it, over its own kept connection.
fn memory_devices(
    server: &TestServer,
    count: usize,
) -> Vec<(MemoryDevice, HttpTransport, EntryId, TicketId)> {
    (0..count)
        .map(|i| {
            let Enrolled { user, token } =
                user_with_device(&server.state, &format!("tech.mem{i}"), Role::Technician)
                    .expect("enrol");
            let device = MemoryDevice::new(Author::new(user, Role::Technician));
            let transport = HttpTransport::new(&Enrolment {
                server_url: server.url.clone(),
                token,
            });
            let id = device
                .register(&complaint(&format!("Memory customer {i}")))
                .expect("register");
            let visit = device
                .record(&id, &kit::arrive("bay"))
                .expect("arrive")
                .entry
                .expect("visit");
            exchange(&device, &transport).expect("first sync");
            (device, transport, visit, id)
        })
        .collect()
}

/// Device stores (SQLite databases) on this same machine: the server shares the cores with them.
fn store_devices(
    server: &TestServer,
    dirs: &[tempfile::TempDir],
) -> Vec<(Store, HttpTransport, EntryId, TicketId)> {
    dirs.iter()
        .enumerate()
        .map(|(i, dir)| {
            let store = device(
                server,
                dir.path(),
                &format!("tech.load{i}"),
                Role::Technician,
            );
            let (id, visit) = on_site(&store, &format!("Load customer {i}"));
            sync(&store).expect("first sync");
            // A device keeps its transport (and so its connection) between syncs.
            let transport =
                HttpTransport::new(&store.enrolment().expect("enrolment").expect("enrolled"));
            (store, transport, visit, id)
        })
        .collect()
}

/// Runs every device's rounds as fast as it can for `duration`, all at once, and prints the
/// ticket-syncs per second and the latency of the syncs.
fn throughput(what: &str, rounds: Vec<Round<'_>>, duration: Duration) {
    let devices = rounds.len();
    let barrier = Arc::new(Barrier::new(devices));
    let started = Instant::now();
    let results: Vec<(usize, Vec<Duration>, usize)> = std::thread::scope(|scope| {
        let handles: Vec<_> = rounds
            .iter()
            .map(|round| {
                let barrier = barrier.clone();
                scope.spawn(move || {
                    barrier.wait();
                    let begin = Instant::now();
                    let (mut syncs, mut latencies, mut errors) = (0usize, Vec::new(), 0usize);
                    let mut n = 0;
                    while begin.elapsed() < duration {
                        n += 1;
                        let t = Instant::now();
                        match round(n) {
                            Ok(report) if report.errors.is_empty() => {
                                syncs += report.tickets_confirmed;
                                latencies.push(t.elapsed());
                            }
                            _ => errors += 1,
                        }
                    }
                    (syncs, latencies, errors)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("device thread"))
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let syncs: usize = results.iter().map(|r| r.0).sum();
    let errors: usize = results.iter().map(|r| r.2).sum();
    let mut latencies: Vec<Duration> = results.into_iter().flat_map(|r| r.1).collect();
    latencies.sort();
    let pct = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "throughput ({what}): {devices} devices for {elapsed:.1} s: {syncs} ticket-syncs, {:.0} \
        per second (target >= 1000); \
         latency p50 {:.1} ms, p99 {:.1} ms (the action included); {errors} errors; \
         devices and server share this machine's {} cores",
        syncs as f64 / elapsed,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
}

/// Devices syncing at once in the throughput parts.
const DEVICES: usize = 50;
/// How long the throughput parts run.
const DURATION: Duration = Duration::from_secs(10);

/// Runs every part, or only the parts named on the command line (`wire`, `idle`, `throughput`,
/// `stores`); `--test` (as `cargo test --benches` passes) runs the quick `wire` part.
fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let quick = std::env::args().any(|a| a == "--test");
    let wanted = |part: &str| {
        if quick {
            part == "wire"
        } else {
            args.is_empty() || args.iter().any(|a| a == part)
        }
    };
    let server = TestServer::start();
    server.user("desk.bench", Role::ServiceDesk);
    if wanted("wire") {
        wire_overhead(&server);
    }
    if wanted("idle") {
        idle_sync(&server);
    }
    if wanted("throughput") {
        let devices = memory_devices(&server, DEVICES);
        let rounds: Vec<Round<'_>> = devices
            .iter()
            .map(|(device, transport, visit, id)| -> Round<'_> {
                Box::new(move |n| {
                    device.record(id, &step(visit, n))?;
                    exchange(device, transport)
                })
            })
            .collect();
        throughput("devices in memory", rounds, DURATION);
    }
    if wanted("stores") {
        let dirs: Vec<_> = (0..DEVICES)
            .map(|_| tempfile::tempdir().expect("dir"))
            .collect();
        let devices = store_devices(&server, &dirs);
        let rounds: Vec<Round<'_>> = devices
            .iter()
            .map(|(store, transport, visit, id)| -> Round<'_> {
                Box::new(move |n| {
                    store.record(id, &step(visit, n))?;
                    fieldledger_core::sync::sync(store, transport)
                })
            })
            .collect();
        throughput("device stores", rounds, DURATION);
    }
}
