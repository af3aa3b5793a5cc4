//! Shared helpers for the tests that cross crates and for the tools: stores for named users, the
//! registration of a typical complaint, exchanges between stores, a real office server on
//! loopback, the test kit ([`kit`]: operation builders, a technician, users with devices), and
//! devices held in memory for load tests.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use fieldledger_core::exchange::ImportReport;
use fieldledger_core::sync::{SyncReport, Transport};
use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_core::transport::HttpTransport;
use fieldledger_core::{
    Author, IdSource, Result, Role, SteppingClock, Store, StoreOptions, TicketId, Timestamp, UserId,
};
use fieldledger_server::{AppState, Settings, app};

use crate::kit::Technician;

pub mod backend;
pub mod forge;
pub mod kit;
pub mod ledger;
pub mod listen;
pub mod memory_device;
pub mod process;
pub mod seeded;
pub mod simulation;

/// What can go wrong in a harness that drives real processes: anything, reported as text.
pub type Failure = Box<dyn std::error::Error + Send + Sync>;

/// The settings of a server that only the measured work writes to: no pacing of requests and no
/// deadline watcher (for generated ledgers, the load generator and the comparison runs).
pub fn quiet_settings() -> Settings {
    Settings {
        pacing: None,
        workflow: None,
        relay: false,
        ..Settings::default()
    }
}

/// Opens a store in `dir` for `user` acting as `role`, with a clock that starts at `start`
/// (milliseconds) and steps one second per action.
pub fn store_for(dir: &Path, user: &str, role: Role, start: i64) -> Result<Store> {
    store_with_ids(dir, user, role, start, IdSource::random())
}

/// As [`store_for`], with new ids (of the device, its actor and its tickets) from `ids`.
pub fn store_with_ids(
    dir: &Path,
    user: &str,
    role: Role,
    start: i64,
    ids: IdSource,
) -> Result<Store> {
    let options = StoreOptions {
        clock: Arc::new(SteppingClock::new(Timestamp(start), 1_000)),
        ids,
        ..StoreOptions::default()
    };
    let store = Store::open_with(dir, options)?;
    store.set_user(&Author::new(user.parse()?, role))?;
    Ok(store)
}

/// A complaint as the service desk registers it.
pub fn complaint(customer: &str) -> Registration {
    Registration {
        kind: TicketKind::Complaint,
        complaint: true,
        product_name: "ZN63 vacuum circuit breaker".into(),
        model: "ZN63-12/1250-31.5".into(),
        job_number: "J2026-1102".into(),
        contract_number: "HT-2026-088".into(),
        customer_name: customer.into(),
        contact_person: "Wang Fang".into(),
        contact_method: "0311-8800 1234".into(),
        content: "Breaker trips without fault indication.".into(),
        requests: "Inspect on site.".into(),
        source: IntakeSource::SalesRepresentative,
        sales_representative: Some("Zhao Lei".into()),
        sales_rep: None,
        major: false,
        customer_id: None,
        unit_id: None,
    }
}

/// Gives `to` every change `from` has that `to` lacks.
pub fn send(from: &Store, to: &Store) -> Result<ImportReport> {
    to.import(&from.export_for(&to.inventory()?)?)
}

/// A real office server on a loopback port, in this process, on its own runtime.
pub struct TestServer {
    /// The server's state, for setting up users and reading what it stored.
    pub state: AppState,
    /// Its base URL.
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    dir: Option<tempfile::TempDir>,
}

impl TestServer {
    /// Starts a server on a fresh data directory.
    pub fn start() -> TestServer {
        Self::start_with(Settings::default())
    }

    /// Starts a server with `settings` on a fresh data directory.
    pub fn start_with(settings: Settings) -> TestServer {
        let dir = tempfile::tempdir().expect("server data dir");
        let state = crate::backend::open_state(dir.path(), settings).expect("server state");
        let mut server = Self::serve(state);
        server.dir = Some(dir);
        server
    }

    /// Starts a server on the data directory `dir`.
    pub fn start_in(dir: &Path) -> TestServer {
        Self::start_in_with(dir, Settings::default())
    }

    /// Starts a server with `settings` on the data directory `dir`.
    pub fn start_in_with(dir: &Path, settings: Settings) -> TestServer {
        Self::serve(crate::backend::open_state(dir, settings).expect("server state"))
    }

    /// Serves `state` on loopback.
    pub fn serve(state: AppState) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(SocketAddr::from((
                [127, 0, 0, 1],
                0,
            ))))
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let router = app(state.clone());
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let _ = axum_serve(listener, router, stopped).await;
            });
        });
        TestServer {
            state,
            url: format!("http://{addr}"),
            stop: Some(stop),
            thread: Some(thread),
            dir: None,
        }
    }

    /// The data directory the server made for itself (servers started with `start_in` have
    /// none of their own).
    pub fn data_dir(&self) -> Option<&Path> {
        self.dir.as_ref().map(|d| d.path())
    }

    /// Adds a user.
    pub fn user(&self, id: &str, role: Role) -> UserId {
        kit::add_user(&self.state, id, role).expect("add user").id
    }

    /// Enrols a device for `user` and returns its token.
    pub fn token(&self, user: &UserId) -> String {
        kit::enrol(&self.state, user).expect("enrol")
    }

    /// Enrols `store` with this server under a new token of `user`.
    pub fn enrol(&self, store: &Store, user: &UserId) {
        store
            .enrol(&self.url, &self.token(user))
            .expect("enrol store");
    }

    /// A JSON call to the office API with `token`; returns the status and the body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        call(&self.url, method, path, token, body)
    }
}

/// A JSON call with `token` to the office API of the server at `url` (a GET, a PUT, or else a
/// POST); returns the status and the body (the text as a JSON string when it is not JSON).
pub fn call(
    url: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = format!("{url}{path}");
    let auth = format!("Bearer {token}");
    let response = match (method, body) {
        ("GET", _) => agent.get(&url).header("Authorization", &auth).call(),
        ("PUT", Some(body)) => agent
            .put(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
        (_, Some(body)) => agent
            .post(&url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.to_string().as_bytes()),
        (_, None) => agent
            .post(&url)
            .header("Authorization", &auth)
            .send(&b""[..]),
    };
    let mut response = response.expect("request");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    router: axum_router::Router,
    stopped: tokio::sync::oneshot::Receiver<()>,
) -> std::io::Result<()> {
    // As the real server does: handlers see the client's address.
    let router = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum_router::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = stopped.await;
        })
        .await
}

use fieldledger_server::axum as axum_router;

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A server with the usual cast: the service desk (with a token) and two technicians.
pub struct Office {
    /// The server.
    pub server: TestServer,
    /// The service desk's API token.
    pub desk: String,
    /// Technician Zhang.
    pub zhang: UserId,
    /// Technician Li.
    pub li: UserId,
}

impl Office {
    /// Starts a server with desk.wang, tech.zhang and tech.li.
    pub fn start() -> Office {
        Self::on(TestServer::start())
    }

    /// Gives `server` desk.wang, tech.zhang and tech.li.
    pub fn on(server: TestServer) -> Office {
        let desk = kit::user_with_device(&server.state, "desk.wang", Role::ServiceDesk)
            .expect("the desk")
            .token;
        let zhang = server.user("tech.zhang", Role::Technician);
        let li = server.user("tech.li", Role::Technician);
        Office {
            server,
            desk,
            zhang,
            li,
        }
    }

    /// The holder of `token` registers `registration` over the API, which must accept it;
    /// returns the new ticket.
    pub fn register(&self, token: &str, registration: &Registration) -> TicketId {
        let (status, body) = self.server.call(
            "POST",
            "/v1/tickets",
            token,
            Some(serde_json::json!(registration)),
        );
        assert_eq!(status, 201, "{body}");
        body["ticket_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("ticket id")
    }

    /// The desk registers a complaint over the API and, when there are `assignees`, sends them
    /// on a travel task order; returns the ticket and the order.
    pub fn desk_ticket(&self, assignees: &[&UserId]) -> (TicketId, Option<String>) {
        let id = self.register(&self.desk, &complaint("Cangzhou Water"));
        if assignees.is_empty() {
            return (id, None);
        }
        let order = serde_json::json!({
            "op": "issue_travel_order", "number": "CC-2026-0101", "kind": "on_site_service",
            "issuing_department": "technical_service", "assignees": assignees
        });
        let body = self.operate(&id, order);
        (id, body["entry"].as_str().map(String::from))
    }

    /// The desk records the operation `op` (JSON) on ticket `id` over the API, which must
    /// accept it; returns the answer.
    pub fn operate(&self, id: &TicketId, op: serde_json::Value) -> serde_json::Value {
        let (status, body) = self.server.call(
            "POST",
            &format!("/v1/tickets/{id}/operations"),
            &self.desk,
            Some(op),
        );
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A technician at work on a device store in `dir`, enrolled with the server for `user`.
    pub fn device(&self, dir: &tempfile::TempDir, user: &UserId) -> Technician {
        let store = store_for(
            dir.path(),
            user.as_str(),
            Role::Technician,
            1_790_000_000_000,
        )
        .expect("store");
        self.server.enrol(&store, user);
        Technician::new(store)
    }
}

/// A transport whose sync bodies go through `hook`, which may alter or cut them, while blobs
/// pass unchanged: for tests that break a sync at a chosen point.
pub struct Intercepted<'a, F> {
    /// The real transport.
    pub inner: &'a HttpTransport,
    /// Called with the real transport and each request.
    pub hook: F,
}

impl<F: Fn(&HttpTransport, Vec<u8>) -> Result<Vec<u8>>> Transport for Intercepted<'_, F> {
    fn sync(&self, request: Vec<u8>) -> Result<Vec<u8>> {
        (self.hook)(self.inner, request)
    }

    fn blob_offset(&self, sha256: &str) -> Result<Option<u64>> {
        self.inner.blob_offset(sha256)
    }

    fn upload_blob(&self, sha256: &str, offset: u64, total: u64, bytes: &[u8]) -> Result<()> {
        self.inner.upload_blob(sha256, offset, total, bytes)
    }
}

/// Syncs `store` with the server it is enrolled with.
pub fn sync(store: &Store) -> Result<SyncReport> {
    let enrolment = store
        .enrolment()?
        .ok_or(fieldledger_core::Error::NotEnrolled)?;
    fieldledger_core::sync::sync(store, &HttpTransport::new(&enrolment))
}

/// An HTTP transport to the server that `store` is enrolled with, as `store`'s device.
pub fn transport_of(store: &Store) -> HttpTransport {
    HttpTransport::new(&store.enrolment().expect("enrolment").expect("enrolled"))
}

/// The bearer token of `store`'s device.
pub fn token_of(store: &Store) -> String {
    store
        .enrolment()
        .expect("enrolment")
        .expect("enrolled")
        .token
}

/// A clock that stands still until a test moves it.
#[derive(Debug, Default)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn at(at: Timestamp) -> Arc<ManualClock> {
        Arc::new(ManualClock(at.millis().into()))
    }

    /// Moves the clock on by `ms` milliseconds.
    pub fn advance(&self, ms: i64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
}

impl fieldledger_core::Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}
