//! What the tests that start the real server binary share: a free port on loopback, waiting for
//! the server to answer, and a stop that also comes when a test fails half-way.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// An address on loopback that nothing listens on.
pub(crate) fn free_listen_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("free port")
        .local_addr()
        .expect("addr")
        .port();
    format!("127.0.0.1:{port}")
}

/// Waits until the server at `url` answers its health check.
pub(crate) fn wait_until_up(url: &str) {
    let started = Instant::now();
    while ureq::get(format!("{url}/healthz")).call().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the server did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A started server that is killed when dropped, so that a failing test leaves none behind.
pub(crate) struct Running(pub(crate) Child);

impl Drop for Running {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// Stops the server as Ctrl-C or a service manager would, and checks that it exits cleanly.
pub(crate) fn stop(mut server: Running) {
    let stopped = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let status = server.0.wait().expect("wait");
    assert!(
        status.success(),
        "graceful shutdown exits cleanly: {status:?}"
    );
}
