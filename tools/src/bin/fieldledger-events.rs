//! `fieldledger-events`: how long an event committed on one server takes to reach the event
//! streams of the other servers on the same database.
//!
//! ```text
//! cargo build --release -p fieldledger-server -p fieldledger-tools --bin fieldledger-events
//! target/release/fieldledger-events --database postgres://…/empty --nodes 3 --events 500
//! ```
//!
//! It starts `--nodes` servers on the empty database, follows the stream of registrations on
//! every node but the first, and registers tickets one after the other through the first. The
//! latency of an event on a node is from the moment the first node answered the registration
//! (the commit is done by then) to the moment the node's stream delivered the event.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::Parser;
use fieldledger_core::Role;
use fieldledger_server::{AppState, Settings};
use fieldledger_tests::listen::EventStream;
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::{Failure, call, complaint, kit, quiet_settings};
use fieldledger_tools::latency::{ms, percentile};

/// Cross-node event delivery.
#[derive(Parser, Debug)]
#[command(about = "How long events take to reach the streams of the other servers")]
struct Cli {
    /// An empty PostgreSQL database for the servers.
    #[arg(long)]
    database: String,
    /// Servers on the database.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Registrations made through the first server.
    #[arg(long, default_value_t = 500)]
    events: usize,
    /// Pause between registrations, in milliseconds.
    #[arg(long, default_value_t = 10)]
    pause_ms: u64,
}

fn main() -> Result<(), Failure> {
    let cli = Cli::parse();
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("server");
    let desk = {
        let settings = Settings {
            database: Some(cli.database.clone()),
            ..quiet_settings()
        };
        let state = AppState::open_with(&data, settings)?;
        kit::user_with_device(&state, "desk.wang", Role::ServiceDesk)?.token
    };
    let args = ["--database", cli.database.as_str()];
    let nodes = (0..cli.nodes.max(2))
        .map(|_| ServerProcess::start_with(&data, free_port()?, &args))
        .collect::<std::io::Result<Vec<_>>>()?;
    let committed: Mutex<Vec<Instant>> = Mutex::new(Vec::new());
    let received: Vec<Vec<Instant>> = std::thread::scope(|s| {
        let readers: Vec<_> = nodes[1..]
            .iter()
            .map(|node| {
                let (desk, events) = (&desk, cli.events);
                s.spawn(move || {
                    let mut arrivals = Vec::new();
                    let stream = EventStream {
                        url: &node.url,
                        token: desk,
                        path: "/v1/events?kind=registered",
                        last_event_id: None,
                        timeout: Duration::from_secs(600),
                    };
                    let read = stream.read(|_, _| {
                        arrivals.push(Instant::now());
                        arrivals.len() < events
                    });
                    if let Err(e) = read {
                        eprintln!("the stream of {} failed: {e}", node.url);
                    }
                    arrivals
                })
            })
            .collect();
        // Let every stream connect before the first registration.
        std::thread::sleep(Duration::from_millis(500));
        for _ in 0..cli.events {
            let body = serde_json::json!(complaint("Latency Substation"));
            let (status, answer) = call(&nodes[0].url, "POST", "/v1/tickets", &desk, Some(body));
            if status != 201 {
                eprintln!("registration answered {status}: {answer}");
                break;
            }
            committed
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(Instant::now());
            std::thread::sleep(Duration::from_millis(cli.pause_ms));
        }
        readers
            .into_iter()
            .map(|r| r.join().unwrap_or_default())
            .collect()
    });
    let committed = committed.into_inner().unwrap_or_else(|p| p.into_inner());
    let mut latencies: Vec<Duration> = received
        .iter()
        .flat_map(|arrivals| {
            arrivals
                .iter()
                .zip(&committed)
                .map(|(arrived, answered)| arrived.saturating_duration_since(*answered))
        })
        .collect();
    latencies.sort();
    println!(
        "{} events committed on one of {} servers, {} deliveries to the others' streams",
        committed.len(),
        nodes.len(),
        latencies.len()
    );
    println!(
        "delivery latency: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        ms(percentile(&latencies, 0.50)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    Ok(())
}
