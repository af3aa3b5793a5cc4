//! `deploy/nginx.conf`, as shipped, in front of three server processes on one database: the
//! desk, a device and the event stream work through it, and a node killed behind it is skipped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fieldledger_core::Role;
use fieldledger_core::store::sync_state::Enrolment;
use fieldledger_core::transport::HttpTransport;
use fieldledger_tests::backend::open_state;
use fieldledger_tests::kit::{Technician, user_with_device};
use fieldledger_tests::listen::EventStream;
use fieldledger_tests::process::{ServerProcess, free_port};
use fieldledger_tests::{call, complaint, quiet_settings, store_for};
use serde_json::json;

/// The configuration as shipped.
const CONFIG: &str = include_str!("../../deploy/nginx.conf");

/// nginx, running `config` with the prefix `dir`; stopped when dropped.
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where nginx is: on the path, or where Debian puts it.
fn nginx_binary() -> PathBuf {
    [
        "/usr/sbin/nginx",
        "/usr/local/sbin/nginx",
        "/usr/local/nginx/sbin/nginx",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("nginx is not installed (scripts/test installs Debian's nginx package)")
}

/// Starts nginx on `port` with the shipped configuration, its three upstream addresses
/// replaced by `nodes` and its log written in `dir`.
fn start_nginx(dir: &Path, port: u16, nodes: &[u16; 3]) -> Nginx {
    let log = dir.join("nginx-error.log");
    let mut config = CONFIG
        .replace(
            "listen 127.0.0.1:8080;",
            &format!("listen 127.0.0.1:{port};"),
        )
        .replace(
            "error_log stderr warn;",
            &format!("error_log {} warn;", log.display()),
        );
    for (shipped, node) in [8081, 8082, 8083].iter().zip(nodes) {
        let from = format!("server 127.0.0.1:{shipped} ");
        assert!(config.contains(&from), "the shipped file names {from}");
        config = config.replace(&from, &format!("server 127.0.0.1:{node} "));
    }
    let path = dir.join("nginx.conf");
    std::fs::write(&path, config).expect("config");
    let child = Command::new(nginx_binary())
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&path)
        .arg("-e")
        .arg(&log)
        // One process, so that killing it stops it all.
        .args(["-g", "daemon off; master_process off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start nginx");
    Nginx(child)
}

#[test]
fn the_shipped_nginx_config_balances_three_nodes_and_skips_a_dead_one() {
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("server");
    let (desk, tech) = {
        let state = open_state(&data, quiet_settings()).expect("server state");
        let desk = user_with_device(&state, "desk.wang", Role::ServiceDesk).expect("desk");
        let tech = user_with_device(&state, "tech.zhang", Role::Technician).expect("tech");
        (desk.token, tech.token)
    };
    let ports = [(); 3].map(|_| free_port().expect("port"));
    let mut nodes = ports.map(|port| Some(ServerProcess::start(&data, port).expect("node")));
    let balancer_port = free_port().expect("port");
    let _nginx = start_nginx(dir.path(), balancer_port, &ports);
    let url = format!("http://127.0.0.1:{balancer_port}");
    let started = Instant::now();
    while ureq::get(format!("{url}/healthz")).call().is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "nginx did not answer"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    // The stream through the balancer hears of the desk's registration.
    let stream = std::thread::spawn({
        let (url, desk) = (url.clone(), desk.clone());
        move || {
            let mut kinds = Vec::new();
            EventStream {
                url: &url,
                token: &desk,
                path: "/v1/events?kind=registered",
                last_event_id: None,
                timeout: Duration::from_secs(20),
            }
            .read(|_, kind| {
                kinds.push(kind.to_owned());
                false
            })
            .expect("the stream through nginx");
            kinds
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = call(
        &url,
        "POST",
        "/v1/tickets",
        &desk,
        Some(json!(complaint("LB Plant"))),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        stream.join().expect("stream"),
        vec!["registered".to_owned()]
    );

    // A device enrolled through the balancer syncs through it, before and after a node dies.
    let device = Technician::new(
        store_for(
            &dir.path().join("tech"),
            "tech.zhang",
            Role::Technician,
            1_790_000_000_000,
        )
        .expect("store"),
    );
    device.enrol(&url, &tech).expect("enrol through nginx");
    let id = device
        .register(&complaint("Device Plant"))
        .expect("register");
    let visit = device.arrive(&id, "bay 1");
    let sync = |device: &Technician| {
        let enrolment: Enrolment = device.enrolment().expect("enrolment").expect("enrolled");
        let report = fieldledger_core::sync::sync(device, &HttpTransport::new(&enrolment))
            .expect("sync through nginx");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
    };
    sync(&device);
    if let Some(mut node) = nodes[1].take() {
        node.kill().expect("kill");
    }
    for n in 0..12 {
        device.log(&id, &visit, format!("step {n}"));
        sync(&device);
        let (status, body) = call(&url, "GET", &format!("/v1/tickets/{id}"), &desk, None);
        assert_eq!(status, 200, "{body}");
    }
    assert_eq!(device.sync_status().expect("status").unconfirmed_changes, 0);
    drop(nodes);
}
