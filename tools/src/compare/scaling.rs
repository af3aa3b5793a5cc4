//! How the cost of one technician's sync grows with the ledger on the server: the same changed
//! work (one new work-log step on each of 10 tickets) synced against ledgers of generated
//! tickets of several sizes. The ledgers are generated once and cached
//! ([`fieldledger_tests::ledger`]); each run works on a copy, so the cache stays as generated.

use std::path::Path;
use std::time::{Duration, Instant};

use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::sync::exchange;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Author, Role, UserId};
use fieldledger_server::AppState;
use fieldledger_server::engine::NewTicket;

use super::proxy::Proxy;
use super::workload::{arrive, assigned, log_step};
use fieldledger_tests::kit::user_with_device;
use fieldledger_tests::memory_device::MemoryDevice;
use fieldledger_tests::process::{ServerProcess, free_port, threads_cpu_seconds};
use fieldledger_tests::seeded::Seeded;
use fieldledger_tests::{Failure, ledger, quiet_settings};

/// Tickets the technician changes before each sync.
pub const CHANGED: usize = 10;

/// One ledger size's figures.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// Tickets on the server.
    pub tickets: u64,
    /// The median time of one sync, as the device sees it, in milliseconds.
    pub median_ms: f64,
    /// The slowest sync, in milliseconds.
    pub slowest_ms: f64,
    /// The server's CPU time over all timed syncs (its deadline watcher left out), per sync, in
    /// milliseconds.
    pub cpu_ms_per_sync: f64,
    /// Bytes sent per sync (the median).
    pub bytes_sent: u64,
    /// Bytes received per sync (the median).
    pub bytes_received: u64,
}

/// Measures `repeats` syncs of [`CHANGED`] changed tickets against a copy of the ledger of
/// `tickets` tickets generated from `seed` (cached in `cache`), working in `scratch`.
pub fn measure(
    tickets: u64,
    seed: u64,
    cache: &Path,
    scratch: &Path,
    repeats: usize,
) -> Result<Scale, Failure> {
    let generated = ledger::generated_dir(cache, tickets, seed)?;
    let copy = tempfile::Builder::new()
        .prefix(&format!("scaling-{tickets}-"))
        .tempdir_in(scratch)?;
    copy_dir(&generated, copy.path())?;
    let technician = {
        let state = AppState::open_with(copy.path(), quiet_settings())?;
        let technician = user_with_device(&state, "tech.scaling0", Role::Technician)?;
        let desk_id: UserId = "desk.wang".parse()?;
        let desk = state.storage.user(&desk_id)?.ok_or("the desk is missing")?;
        let author = Author::new(desk_id, Role::ServiceDesk);
        let mut rng = Seeded::new(seed);
        let batch = (0..CHANGED)
            .map(|n| {
                Ok(NewTicket {
                    ticket: assigned(n, &author, vec![technician.user.clone()], &mut rng)?,
                    ledger_number: None,
                    import_key: None,
                })
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        state.engine.store_new(&desk, batch)?;
        technician
    };
    let port = free_port()?;
    let server = ServerProcess::start(copy.path(), port)?;
    let proxy = Proxy::start(port)?;
    let device = MemoryDevice::new(Author::new(technician.user.clone(), Role::Technician));
    let transport = HttpTransport::new(&Enrolment {
        server_url: proxy.url("http"),
        token: technician.token.clone(),
    });
    exchange(&device, &transport)?;
    let mut rng = Seeded::new(seed);
    let visits = device
        .tickets()
        .into_iter()
        .map(|t| Ok((arrive(&device, &t, &mut rng)?, t)))
        .collect::<Result<Vec<_>, Failure>>()?;
    if visits.len() != CHANGED {
        return Err(format!("the technician holds {} tickets", visits.len()).into());
    }
    exchange(&device, &transport)?;
    settle(&server)?;
    let (mut times, mut sent, mut received, mut cpu) = (Vec::new(), Vec::new(), Vec::new(), 0.0);
    // The first round warms the server's caches and is not counted.
    for step in 0..=repeats {
        for (visit, ticket) in &visits {
            log_step(&device, ticket, visit, step + 1, &mut rng)?;
        }
        let (cpu_before, (sent_before, received_before)) = (sync_cpu(&server), proxy.bytes());
        let started = Instant::now();
        let report = exchange(&device, &transport)?;
        let took = started.elapsed().as_secs_f64() * 1000.0;
        if let Some(error) = report.errors.first() {
            return Err(format!("the sync was refused: {error:?}").into());
        }
        if step > 0 {
            times.push(took);
            cpu += sync_cpu(&server) - cpu_before;
            sent.push(proxy.bytes().0 - sent_before);
            received.push(proxy.bytes().1 - received_before);
        }
    }
    times.sort_by(f64::total_cmp);
    sent.sort();
    received.sort();
    let middle = repeats / 2;
    Ok(Scale {
        tickets,
        median_ms: times.get(middle).copied().unwrap_or(0.0),
        slowest_ms: times.last().copied().unwrap_or(0.0),
        cpu_ms_per_sync: cpu * 1000.0 / repeats.max(1) as f64,
        bytes_sent: sent.get(middle).copied().unwrap_or(0),
        bytes_received: received.get(middle).copied().unwrap_or(0),
    })
}

/// The CPU time of `server`'s threads but its deadline watcher, whose look over the ledger every
/// 30 s is not part of a sync, in seconds.
fn sync_cpu(server: &ServerProcess) -> f64 {
    threads_cpu_seconds(server.pid(), "fieldledger-dea").unwrap_or(0.0)
}

/// Waits until `server` is idle: a server that starts on a large ledger first looks over it for
/// deadlines that fell due while it was down (about a second on 100,000 tickets), work that is
/// not the sync's.
fn settle(server: &ServerProcess) -> Result<(), Failure> {
    let started = Instant::now();
    loop {
        let before = server.cpu_seconds().ok_or("no CPU time for the server")?;
        std::thread::sleep(Duration::from_millis(500));
        let used = server.cpu_seconds().ok_or("no CPU time for the server")? - before;
        if used < 0.02 || started.elapsed() > Duration::from_secs(120) {
            return Ok(());
        }
    }
}

/// Copies the directory `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
