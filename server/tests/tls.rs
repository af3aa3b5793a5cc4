//! Given a certificate and key, the server speaks HTTPS itself.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fieldledger_server::{AppState, Listen, serve};

#[test]
fn the_server_serves_https_with_a_certificate_and_key() {
    let dir = tempfile::tempdir().expect("dir");
    let certified =
        rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).expect("certificate");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).expect("write cert");
    std::fs::write(&key, certified.signing_key.serialize_pem()).expect("write key");

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let state = AppState::open(&dir.path().join("data")).expect("state");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let listen = Listen {
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        tls: Some((cert, key)),
    };
    let server = runtime.spawn(serve(state, listen, async move {
        let _ = stopped.await;
    }));

    let root = ureq::tls::Certificate::from_der(certified.cert.der()).to_owned();
    let tls = ureq::tls::TlsConfig::builder()
        .root_certs(ureq::tls::RootCerts::new_with_certs(&[root]))
        .build();
    let agent = ureq::Agent::config_builder()
        .tls_config(tls)
        .build()
        .new_agent();
    let started = Instant::now();
    let status = loop {
        match agent
            .get(format!("https://localhost:{port}/healthz"))
            .call()
        {
            Ok(response) => break response.status().as_u16(),
            Err(e) => {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "no HTTPS answer: {e}"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    };
    assert_eq!(status, 200);
    assert!(
        ureq::get(format!("http://localhost:{port}/healthz"))
            .call()
            .is_err(),
        "plain HTTP is not served on the TLS port"
    );

    let _ = stop.send(());
    runtime
        .block_on(server)
        .expect("join")
        .expect("graceful shutdown");
}
