//! The peer's run of a workload: `tools/peer/server.mjs` (an automerge-repo sync server with
//! websockets and node-fs storage) stores the office's documents, then serves them as a fresh
//! process behind the counting proxy; `tools/peer/client.mjs` processes play the clients, each
//! client its own Repo and websocket (in worker threads of at most 2,000 documents), loaded
//! with the same documents and changes as fieldledger's devices. The run is timed from the
//! moment every client process is told to connect until each reports that all its clients hold
//! the expected heads, or until the timeout; the server ending first fails the run.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::Measurement;
use super::proxy::Proxy;
use fieldledger_tests::Failure;
use fieldledger_tests::process::{cpu_seconds, free_port, peak_memory_kib};

/// How long the peer may take to store the documents and its clients to load their work.
const SETUP: Duration = Duration::from_secs(3600);

/// How long the runner waits on one player before it looks at the others and the server.
const WAIT_SLICE: Duration = Duration::from_millis(200);

/// A Node process of the peer, whose output lines arrive on a channel.
struct Node {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    what: String,
}

impl Node {
    fn start(peer_dir: &Path, args: &[&str]) -> Result<Node, Failure> {
        let mut child = Command::new("node")
            .current_dir(peer_dir)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start node: {e}"))?;
        let stdout = child.stdout.take().ok_or("node has no output")?;
        let (send, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(Node {
            stdin: child.stdin.take(),
            child,
            lines,
            what: format!("node {}", args.join(" ")),
        })
    }

    /// Waits until the process prints `line` (true) or `within` has passed (false); fails when
    /// the process ends first.
    fn wait_for(&self, line: &str, within: Duration) -> Result<bool, Failure> {
        let until = Instant::now() + within;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(got) if got == line => return Ok(true),
                Ok(_) => continue,
                Err(RecvTimeoutError::Timeout) => return Ok(false),
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(format!("{}: ended before {line:?}", self.what).into());
                }
            }
        }
    }

    /// Waits until the process prints `line`; fails when it does not within `within`.
    fn expect(&self, line: &str, within: Duration) -> Result<(), Failure> {
        if self.wait_for(line, within)? {
            Ok(())
        } else {
            Err(format!("{}: no {line:?} in {within:?}", self.what).into())
        }
    }

    fn tell(&mut self, line: &str) -> Result<(), Failure> {
        let stdin = self.stdin.as_mut().ok_or("node's input is closed")?;
        writeln!(stdin, "{line}")?;
        stdin.flush()?;
        Ok(())
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the workload in `files` (written by
/// [`Workload::write_files`](super::workload::Workload::write_files))
/// on the peer, storing in `data`, with `clients` clients spread over `processes` Node
/// processes, until every client has converged or `timeout` has passed.
pub fn run(
    peer_dir: &Path,
    files: &Path,
    data: &Path,
    clients: usize,
    processes: usize,
    timeout: Duration,
) -> Result<Measurement, Failure> {
    let (files, data) = (files.to_string_lossy(), data.to_string_lossy());
    let seed = Command::new("node")
        .current_dir(peer_dir)
        .args(["server.mjs", "seed", &data, &files])
        .status()?;
    if !seed.success() {
        return Err(format!("storing the documents in the peer failed: {seed}").into());
    }
    let port = free_port()?;
    let mut server = Node::start(peer_dir, &["server.mjs", "serve", &data, &port.to_string()])?;
    server.expect("listening", Duration::from_secs(60))?;
    let proxy = Proxy::start(port)?;
    let url = proxy.url("ws");
    let processes = processes.clamp(1, clients);
    let mut players = (0..processes)
        .map(|p| {
            let first = p * clients / processes;
            let count = (p + 1) * clients / processes - first;
            let (first, count) = (first.to_string(), count.to_string());
            Node::start(peer_dir, &["client.mjs", &url, &files, &first, &count])
        })
        .collect::<Result<Vec<Node>, Failure>>()?;
    for player in &players {
        player.expect("ready", SETUP)?;
    }
    let (cpu, (sent, received)) = (cpu_seconds(server.pid()).unwrap_or(0.0), proxy.bytes());
    let started = Instant::now();
    for player in &mut players {
        player.tell("go")?;
    }
    // Every player is waited on in turn for a moment, so that a server or a player that ends
    // fails the run at once rather than at the timeout.
    let mut waiting: Vec<&Node> = players.iter().collect();
    while !waiting.is_empty() && started.elapsed() < timeout {
        if let Some(status) = server.child.try_wait()? {
            return Err(format!("the peer's server ended ({status}) before converging").into());
        }
        let mut still = Vec::with_capacity(waiting.len());
        for player in waiting {
            if !player.wait_for("converged", WAIT_SLICE)? {
                still.push(player);
            }
        }
        waiting = still;
    }
    let converged = waiting.is_empty();
    Ok(Measurement {
        converged,
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: cpu_seconds(server.pid()).unwrap_or(0.0) - cpu,
        peak_memory_kib: peak_memory_kib(server.pid()).unwrap_or(0),
        bytes_sent: proxy.bytes().0 - sent,
        bytes_received: proxy.bytes().1 - received,
    })
}
