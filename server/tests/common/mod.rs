//! What the tests that start the real server binary share: a free port on loopback, waiting for
//! the server to answer, and a graceful stop.

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

/// Stops the server as Ctrl-C or a service manager would, and checks that it exits cleanly.
pub(crate) fn stop(mut server: Child) {
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let status = server.wait().expect("wait");
    assert!(
        status.success(),
        "graceful shutdown exits cleanly: {status:?}"
    );
}
