//! `fieldledger-load`: N technicians syncing with an office server at realistic intervals, each
//! sync carrying one or two new changes, for a set time. Reports throughput, sync latency
//! (p50, p99, max), errors and, for a server it started itself, the server's peak memory.
//!
//! ```text
//! cargo build --release -p fieldledger-server -p fieldledger-tools --bin fieldledger-load
//! target/release/fieldledger-load --technicians 500 --seconds 60 --interval 5
//! target/release/fieldledger-load --database postgres://…/empty --nodes 3
//! target/release/fieldledger-load --server-url http://host:8080 --tokens tokens.txt
//! ```
//!
//! Without `--server-url` it starts `fieldledger-server` (beside this binary, or
//! `FIELDLEDGER_SERVER`) on loopback, with one user and device per technician: on a fresh data
//! directory, or `--nodes` servers on the empty PostgreSQL database `--database`, technician n
//! syncing with node n modulo their number (as a balancer would spread them). Technicians are
//! held in memory, so the load falls on the servers.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::sync::exchange;
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{Author, Role, UserId};
use fieldledger_server::{AppState, Settings};
use fieldledger_tests::memory_device::MemoryDevice;
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::{Failure, complaint, kit, quiet_settings};
use fieldledger_tools::latency::{ms, percentile};
use fieldledger_tools::technicians;
use rand::Rng;

/// Simulated technicians syncing with a server.
#[derive(Parser, Debug)]
#[command(about = "Technicians held in memory syncing with an office server, for a set time")]
struct Cli {
    /// How many technicians sync at once.
    #[arg(long, default_value_t = 500)]
    technicians: usize,
    /// How long the load runs, in seconds.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Seconds between one technician's syncs (each wait varies by ±20%).
    #[arg(long, default_value_t = 5.0)]
    interval: f64,
    /// A running server to load, instead of starting one; needs `--tokens`.
    #[arg(long, requires = "tokens")]
    server_url: Option<String>,
    /// A file of device tokens of technicians, one a line (with `--server-url`).
    #[arg(long)]
    tokens: Option<PathBuf>,
    /// An empty PostgreSQL database for the servers this starts, instead of SQLite.
    #[arg(long)]
    database: Option<String>,
    /// Servers started on `--database`.
    #[arg(long, default_value_t = 1, requires = "database")]
    nodes: usize,
}

/// What all technicians measured.
#[derive(Default)]
struct Tally {
    latencies: Mutex<Vec<Duration>>,
    changes: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

/// Makes one technician user and device per technician on a fresh data directory; returns the
/// tokens.
fn enrol(
    data: &std::path::Path,
    database: Option<String>,
    technicians: usize,
) -> Result<Vec<String>, Failure> {
    let settings = Settings {
        database,
        ..quiet_settings()
    };
    let state = AppState::open_with(data, settings)?;
    Ok(technicians::enrol(&state, "tech.load", technicians)?
        .into_iter()
        .map(|t| t.token)
        .collect())
}

/// One technician: registers a ticket, arrives on site, then every interval logs one or two
/// steps and syncs, until `until`.
fn technician(n: usize, url: &str, token: &str, cli: &Cli, until: Instant, tally: &Tally) {
    let transport = HttpTransport::new(&Enrolment {
        server_url: url.to_owned(),
        token: token.to_owned(),
    });
    let user: UserId = match format!("tech.load{n}").parse() {
        Ok(user) => user,
        Err(_) => return,
    };
    let device = MemoryDevice::new(Author::new(user, Role::Technician));
    let mut rng = rand::rng();
    let fail = |what: String| {
        tally.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = tally.first_error.lock().unwrap_or_else(|p| p.into_inner());
        first.get_or_insert(what);
    };
    let prepared = device
        .register(&complaint("Load Substation"))
        .and_then(|id| {
            let visit = device.record(&id, &kit::arrive("bay 1"))?.entry;
            Ok((id, visit))
        });
    let (id, visit) = match prepared {
        Ok((id, Some(visit))) => (id, visit),
        Ok(_) => return fail("arriving started no visit".into()),
        Err(e) => return fail(e.to_string()),
    };
    let interval = Duration::from_secs_f64(cli.interval);
    std::thread::sleep(interval.mul_f64(rng.random_range(0.0..1.0)));
    let mut step = 0u64;
    while Instant::now() < until {
        let due = Instant::now() + interval.mul_f64(rng.random_range(0.8..1.2));
        for _ in 0..rng.random_range(1..=2) {
            step += 1;
            let op = kit::log_step(&visit, format!("Step {step}: contact resistance 38 µΩ"));
            if let Err(e) = device.record(&id, &op) {
                return fail(e.to_string());
            }
            tally.changes.fetch_add(1, Ordering::Relaxed);
        }
        let started = Instant::now();
        match exchange(&device, &transport) {
            Ok(report) if report.errors.is_empty() => tally
                .latencies
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(started.elapsed()),
            Ok(report) => fail(format!("refused: {:?}", report.errors)),
            Err(e) => fail(e.to_string()),
        }
        std::thread::sleep(due.saturating_duration_since(Instant::now()));
    }
}

fn main() -> Result<(), Failure> {
    let cli = Cli::parse();
    let dir = tempfile::tempdir()?;
    let (urls, tokens, servers) = match (&cli.server_url, &cli.tokens) {
        (Some(url), Some(file)) => {
            let tokens: Vec<String> = std::fs::read_to_string(file)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            (vec![url.clone()], tokens, Vec::new())
        }
        _ => {
            let data = dir.path().join("server");
            let tokens = enrol(&data, cli.database.clone(), cli.technicians)?;
            let args: Vec<&str> = match &cli.database {
                Some(url) => vec!["--database", url],
                None => Vec::new(),
            };
            let servers = (0..cli.nodes.max(1))
                .map(|_| ServerProcess::start_with(&data, free_port()?, &args))
                .collect::<std::io::Result<Vec<_>>>()?;
            let urls = servers.iter().map(|s| s.url.clone()).collect();
            (urls, tokens, servers)
        }
    };
    if tokens.len() < cli.technicians {
        return Err(format!(
            "{} tokens for {} technicians",
            tokens.len(),
            cli.technicians
        )
        .into());
    }
    println!(
        "{} technicians, each syncing every {} s (±20%) with 1-2 changes, for {} s, against {}",
        cli.technicians,
        cli.interval,
        cli.seconds,
        urls.join(", ")
    );
    let tally = Tally::default();
    let started = Instant::now();
    let until = started + Duration::from_secs(cli.seconds);
    std::thread::scope(|s| {
        for (n, token) in tokens.iter().take(cli.technicians).enumerate() {
            let (url, cli, tally) = (&urls[n % urls.len()], &cli, &tally);
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(s, move || technician(n, url, token, cli, until, tally))
                .map(drop)
                .unwrap_or_else(|e| eprintln!("cannot start technician {n}: {e}"));
        }
    });
    let elapsed = started.elapsed();
    let mut latencies = tally
        .latencies
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    latencies.sort();
    let syncs = latencies.len();
    println!(
        "syncs: {syncs} ({:.1}/s), changes: {} ({:.1}/s), errors: {}",
        syncs as f64 / elapsed.as_secs_f64(),
        tally.changes.load(Ordering::Relaxed),
        tally.changes.load(Ordering::Relaxed) as f64 / elapsed.as_secs_f64(),
        tally.errors.load(Ordering::Relaxed)
    );
    if let Some(error) = tally
        .first_error
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        println!("first error: {error}");
    }
    println!(
        "sync latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    for (n, server) in servers.iter().enumerate() {
        if let Some(kib) = server.peak_memory_kib() {
            println!(
                "server {n} peak memory (VmHWM): {:.1} MiB",
                kib as f64 / 1024.0
            );
        }
    }
    Ok(())
}
