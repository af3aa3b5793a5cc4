//! fieldledger's run of a workload: a fresh `fieldledger-server` process on the prepared data
//! directory, behind the counting proxy; every device (in memory, one thread each) syncs from the
//! same moment and keeps syncing until it holds the expected heads of all its tickets. The sync
//! protocol is request and response, so a device that got nothing new asks again after
//! [`POLL`], waiting twice as long after each empty answer up to [`MAX_POLL`], as a phone backs
//! off: two hundred devices asking twenty times a second would measure the polling, not the
//! merging.

use std::sync::Barrier;
use std::time::{Duration, Instant};

use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::sync::exchange;
use fieldledger_core::transport::HttpTransport;

use super::Measurement;
use super::proxy::Proxy;
use super::workload::{Client, Workload};
use fieldledger_tests::Failure;
use fieldledger_tests::process::{ServerProcess, free_port};

/// How long a device that received nothing waits before it syncs again.
pub const POLL: Duration = Duration::from_millis(50);

/// The longest a device waits between syncs.
pub const MAX_POLL: Duration = Duration::from_millis(400);

/// Runs `work` on fieldledger until every device has converged or `timeout` has passed; fails
/// when a device's sync breaks.
pub fn run(work: &Workload, timeout: Duration) -> Result<Measurement, Failure> {
    let port = free_port()?;
    let server = ServerProcess::start(&work.data, port)?;
    let proxy = Proxy::start(port)?;
    let url = proxy.url("http");
    let start = Barrier::new(work.clients.len() + 1);
    let (cpu, (sent, received)) = (server.cpu_seconds().unwrap_or(0.0), proxy.bytes());
    let (seconds, outcomes) = std::thread::scope(|s| {
        let handles: Vec<_> = work
            .clients
            .iter()
            .map(|client| {
                let (url, start) = (&url, &start);
                s.spawn(move || {
                    start.wait();
                    sync_until_converged(client, url, timeout)
                })
            })
            .collect();
        start.wait();
        let started = Instant::now();
        let outcomes: Vec<Result<bool, Failure>> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a device panicked".into())))
            .collect();
        (started.elapsed().as_secs_f64(), outcomes)
    });
    let converged = outcomes
        .into_iter()
        .collect::<Result<Vec<bool>, Failure>>()?
        .into_iter()
        .all(|c| c);
    Ok(Measurement {
        converged,
        seconds,
        cpu_seconds: server.cpu_seconds().unwrap_or(0.0) - cpu,
        peak_memory_kib: server.peak_memory_kib().unwrap_or(0),
        bytes_sent: proxy.bytes().0 - sent,
        bytes_received: proxy.bytes().1 - received,
    })
}

/// Syncs `client` with the office at `url` until it holds the expected heads (true) or
/// `timeout` has passed (false).
fn sync_until_converged(client: &Client, url: &str, timeout: Duration) -> Result<bool, Failure> {
    let transport = HttpTransport::new(&Enrolment {
        server_url: url.to_owned(),
        token: client.technician.token.clone(),
    });
    let started = Instant::now();
    let mut wait = POLL;
    loop {
        let report = exchange(&client.device, &transport)?;
        if let Some(error) = report.errors.first() {
            return Err(format!("{} was refused: {error:?}", client.technician.user).into());
        }
        // Only what the device received can bring it to the expected heads.
        if report.tickets_received > 0 {
            if client.converged()? {
                return Ok(true);
            }
            wait = POLL;
        } else {
            std::thread::sleep(wait);
            wait = (wait * 2).min(MAX_POLL);
        }
        if started.elapsed() > timeout {
            return Ok(false);
        }
    }
}
