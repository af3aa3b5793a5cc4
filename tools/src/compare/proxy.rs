//! A TCP proxy on loopback that counts the bytes passing each way, so that both systems' traffic
//! (HTTP for fieldledger, websockets for the peer) is counted the same way, on the wire.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Bytes counted so far.
#[derive(Debug, Default)]
struct Counts {
    to_server: AtomicU64,
    to_client: AtomicU64,
}

/// A running proxy in front of a server on a loopback port.
#[derive(Debug)]
pub struct Proxy {
    /// The port clients connect to.
    pub port: u16,
    counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Listens on a free loopback port and forwards each connection to `upstream_port`.
    pub fn start(upstream_port: u16) -> std::io::Result<Proxy> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))?;
        let port = listener.local_addr()?.port();
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let upstream = SocketAddr::from(([127, 0, 0, 1], upstream_port));
        let (accept_counts, accept_stop) = (counts.clone(), stop.clone());
        std::thread::Builder::new()
            .name("proxy".into())
            .spawn(move || {
                for client in listener.incoming() {
                    if accept_stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(client) = client else { continue };
                    // Connecting upstream may wait on a busy server; accepting must not.
                    let counts = accept_counts.clone();
                    let _ = std::thread::Builder::new()
                        .name("proxy-connect".into())
                        .stack_size(64 * 1024)
                        .spawn(move || {
                            // A connection that cannot be set up is dropped, as a refused one
                            // would be.
                            let _ = forward(client, upstream, &counts);
                        });
                }
            })?;
        Ok(Proxy { port, counts, stop })
    }

    /// The proxy's base URL for `scheme` (`http`, `ws`).
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Bytes sent by clients and received by them so far.
    pub fn bytes(&self) -> (u64, u64) {
        (
            self.counts.to_server.load(Ordering::SeqCst),
            self.counts.to_client.load(Ordering::SeqCst),
        )
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accepting thread, which then sees the stop.
        let _ = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], self.port)));
    }
}

/// Connects `client` to `upstream` and copies both ways, each on its own thread.
fn forward(client: TcpStream, upstream: SocketAddr, counts: &Arc<Counts>) -> std::io::Result<()> {
    let server = TcpStream::connect(upstream)?;
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let (client_in, server_in) = (client.try_clone()?, server.try_clone()?);
    let (up, down) = (counts.clone(), counts.clone());
    spawn_copy(client_in, server, move |n| {
        up.to_server.fetch_add(n, Ordering::Relaxed);
    })?;
    spawn_copy(server_in, client, move |n| {
        down.to_client.fetch_add(n, Ordering::Relaxed);
    })
}

/// Copies `from` to `to` until either ends, telling `count` each piece's size.
fn spawn_copy(
    mut from: TcpStream,
    mut to: TcpStream,
    count: impl Fn(u64) + Send + 'static,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("proxy-copy".into())
        .stack_size(64 * 1024)
        .spawn(move || {
            let mut buffer = vec![0u8; 32 * 1024];
            while let Ok(n) = from.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                count(n as u64);
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
            let _ = to.shutdown(Shutdown::Write);
        })
        .map(drop)
}
