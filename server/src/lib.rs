//! The office server of fieldledger: it merges every ticket that devices and office users send
//! into the central complaint ledger, answers devices with receipts and what they lack, and lets
//! nobody read or write what is not theirs.
//!
//! [`app`] builds the router from an [`AppState`]; [`serve`] runs it with graceful shutdown, on
//! plain HTTP or on HTTPS with rustls.

pub mod accounts;
pub mod auth;
pub mod blobs;
pub mod calendar;
pub mod columns;
pub mod committer;
pub mod costs;
pub mod deadlines;
pub mod demo;
pub mod documents;
pub mod engine;
pub mod error;
pub mod events;
pub mod export;
pub mod http;
pub mod import;
pub mod ledger;
pub mod major;
pub mod metrics;
pub mod private_files;
pub mod projection;
pub mod queue;
pub mod reference;
pub mod relay;
pub mod return_visits;
pub mod security_log;
pub mod sign_ins;
pub mod statistics;
pub mod storage;
pub mod system_user;
pub mod tenure;
#[cfg(test)]
mod testing;
pub mod ticket_detail;
pub mod watcher;
pub mod web;
pub mod webhooks;

/// The web framework, re-exported for tests that serve [`app`] themselves.
pub use axum;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use fieldledger_core::{Clock, IdSource, SystemClock};

use crate::blobs::{BlobFolder, BlobStore};
use crate::deadlines::Workflow;
use crate::engine::{Engine, Limits};
use crate::error::{Code, Error};
use crate::metrics::Metrics;
use crate::relay::Relay;
use crate::sign_ins::SignIns;
use crate::storage::postgres::{PostgresBlobStore, PostgresSignIns, PostgresStorage};
use crate::storage::sqlite::SqliteStorage;
use crate::storage::{Lease, Storage};
use crate::tenure::Tenure;
use crate::watcher::Watcher;
use crate::webhooks::{Deliverer, Pacing};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The merge engine.
    pub engine: Arc<Engine>,
    /// The storage behind it.
    pub storage: Arc<dyn Storage>,
    /// Uploaded photos and signatures.
    pub blobs: Arc<dyn BlobStore>,
    /// Counters for `/metrics`.
    pub metrics: Arc<Metrics>,
    /// The server's clock.
    pub clock: Arc<dyn Clock>,
    /// The webhook delivery thread, which runs as long as the state does (servers only: admin
    /// commands deliver nothing).
    pub webhooks: Option<Arc<Deliverer>>,
    /// The deadlines and calendar the ticket details are judged by.
    pub workflow: Workflow,
    /// The deadline watcher, which runs as long as the state does (servers only).
    pub deadlines: Option<Arc<Watcher>>,
    /// The relay of events other servers on the same database commit, which runs as long as
    /// the state does (servers only).
    pub relay: Option<Arc<Relay>>,
    /// The dashboard's failed sign-ins, for rate limiting.
    pub sign_ins: Arc<dyn SignIns>,
    /// Permits to merge a sync request (see [`Settings::syncs_at_once`]).
    pub sync_permits: Arc<tokio::sync::Semaphore>,
    /// The SHA-256 of the token that may read `/metrics`; `None` serves no metrics.
    pub metrics_token: Option<[u8; 32]>,
    /// The reverse proxies whose forwarding headers are believed ([`Settings::trusted_proxies`]).
    pub trusted_proxies: Arc<Vec<std::net::IpAddr>>,
    /// The base URL devices reach the server at, for enrolment links
    /// ([`Settings::public_url`]); `None` takes it from each request.
    pub public_url: Option<Arc<str>>,
}

/// How a server is set up beyond its data directory.
#[derive(Clone)]
pub struct Settings {
    /// The PostgreSQL database shared by every server (`postgres://user@host/database`);
    /// `None` keeps everything in SQLite in the data directory.
    pub database: Option<String>,
    /// Connections to PostgreSQL this server keeps at most.
    pub connections: u32,
    /// Whether events that other servers on the same database commit are relayed to this
    /// server's event streams (servers do; admin commands need not).
    pub relay: bool,
    /// Where the time comes from.
    pub clock: Arc<dyn Clock>,
    /// What one request may carry.
    pub limits: Limits,
    /// How webhook deliveries are paced; `None` delivers none (for admin commands).
    pub pacing: Option<Pacing>,
    /// The deadlines and calendar, watched at their pace; `None` watches nothing (for admin
    /// commands) and judges by the defaults.
    pub workflow: Option<Workflow>,
    /// Where the ids of new tickets, devices and actors come from: random, but for a seeded
    /// simulation.
    pub ids: IdSource,
    /// Sync requests merged at once; the others wait their turn without a thread. A crowd of
    /// devices coming back online then holds a few requests' working memory rather than all of
    /// them, and the cores merge instead of switching between hundreds of threads.
    pub syncs_at_once: usize,
    /// The bearer token a monitoring system presents to read `/metrics`; without one the server
    /// keeps its metrics to itself.
    pub metrics_token: Option<String>,
    /// Bytes of unfinished blob uploads one device may hold.
    pub partial_blob_quota: u64,
    /// The reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed; from
    /// anyone else those headers are ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The base URL at which devices reach the server (`https://service.example.com`), written
    /// into enrolment links; `None` takes it from the request that asks for the link
    /// ([`http::enrolment::base_url`]).
    pub public_url: Option<String>,
}

/// Four sync requests per core: enough that one waiting for its commit to reach the disk leaves
/// the core to another.
pub fn default_syncs_at_once() -> usize {
    4 * std::thread::available_parallelism().map_or(2, |n| n.get())
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database: None,
            connections: storage::postgres::DEFAULT_CONNECTIONS,
            relay: true,
            clock: Arc::new(SystemClock),
            limits: Limits::default(),
            pacing: Some(Pacing::default()),
            workflow: Some(Workflow::default()),
            ids: IdSource::random(),
            syncs_at_once: default_syncs_at_once(),
            metrics_token: None,
            partial_blob_quota: blobs::PARTIAL_QUOTA,
            trusted_proxies: Vec::new(),
            public_url: None,
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database", &self.database.as_ref().map(|_| "PostgreSQL"))
            .field("connections", &self.connections)
            .field("relay", &self.relay)
            .field("limits", &self.limits)
            .field("pacing", &self.pacing)
            .field("workflow", &self.workflow)
            .field("ids", &self.ids)
            .field("syncs_at_once", &self.syncs_at_once)
            .field("metrics_token", &self.metrics_token.as_ref().map(|_| "set"))
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState").finish_non_exhaustive()
    }
}

impl AppState {
    /// The state of a server keeping its data in `data_dir` (SQLite and the blob folder).
    pub fn open(data_dir: &Path) -> Result<AppState, Error> {
        Self::open_with(data_dir, Settings::default())
    }

    /// Like [`AppState::open`], with `settings`.
    pub fn open_with(data_dir: &Path, settings: Settings) -> Result<AppState, Error> {
        let Settings {
            database,
            connections,
            relay,
            clock,
            limits,
            pacing,
            workflow,
            ids,
            syncs_at_once,
            metrics_token,
            partial_blob_quota,
            trusted_proxies,
            public_url,
        } = settings;
        let public_url = public_url
            .map(|url| fieldledger_core::enrolment::server_url_of(&url))
            .transpose()
            .map_err(|e| Error::new(Code::Invalid, format!("--public-url: {e}")))?
            .map(Arc::from);
        // What every server on the same database shares: on PostgreSQL, blobs and sign-in
        // counts live in the database too.
        let (storage, blobs, sign_ins): (Arc<dyn Storage>, Arc<dyn BlobStore>, Arc<dyn SignIns>) =
            match &database {
                Some(url) => {
                    let shared = Arc::new(PostgresStorage::open(
                        url,
                        connections,
                        clock.now(),
                        ids.clone(),
                    )?);
                    let blobs =
                        PostgresBlobStore::new(shared.clone(), clock.clone(), partial_blob_quota);
                    let sign_ins = PostgresSignIns::new(shared.clone(), clock.clone());
                    (shared, Arc::new(blobs), Arc::new(sign_ins))
                }
                None => {
                    let storage = SqliteStorage::open(data_dir, clock.now(), ids.clone())?;
                    let blobs = BlobFolder::open(
                        data_dir.join("blobs"),
                        clock.clone(),
                        partial_blob_quota,
                    )?;
                    let sign_ins = web::throttle::Throttle::new(clock.clone());
                    (Arc::new(storage), Arc::new(blobs), Arc::new(sign_ins))
                }
            };
        let server = tenure::server_name();
        let metrics = Arc::new(Metrics::default());
        let judged_by = workflow.clone().unwrap_or_default();
        let engine = Arc::new(Engine::new(
            storage.clone(),
            clock.clone(),
            metrics.clone(),
            limits,
            judged_by.clone(),
            ids,
        )?);
        if storage.ledger_projection()? < ledger::PROJECTION_VERSION {
            let rows = engine.rebuild_ledger()?;
            tracing::info!(rows, "rebuilt the ledger by the current projection");
        }
        let webhooks = pacing.map(|p| {
            let tenure = Tenure::new(Lease::Webhooks, &server);
            Arc::new(Deliverer::start(storage.clone(), clock.clone(), p, tenure))
        });
        let deadlines = workflow.clone().map(|w| {
            let tenure = Tenure::new(Lease::DeadlineWatcher, &server);
            Arc::new(Watcher::start(engine.clone(), clock.clone(), w, tenure))
        });
        let relay = relay.then(|| Arc::new(Relay::start(storage.clone(), engine.publisher())));
        Ok(AppState {
            engine,
            storage,
            blobs,
            metrics,
            webhooks,
            clock: clock.clone(),
            workflow: judged_by,
            deadlines,
            relay,
            sign_ins,
            sync_permits: Arc::new(tokio::sync::Semaphore::new(syncs_at_once.max(1))),
            metrics_token: metrics_token.as_deref().map(auth::token_hash),
            trusted_proxies: Arc::new(trusted_proxies),
            public_url,
        })
    }
}

/// The router of the server.
pub fn app(state: AppState) -> Router {
    web::routes(http::table())
        .into_router()
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(time_limit))
        .with_state(state)
}

/// How long the server gives one request.
const REQUEST_TIME: Duration = Duration::from_secs(120);

/// Answers a request that takes longer than [`REQUEST_TIME`] with [`Code::Timeout`].
async fn time_limit(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<axum::response::Response, Error> {
    tokio::time::timeout(REQUEST_TIME, next.run(request))
        .await
        .map_err(|_| {
            let seconds = REQUEST_TIME.as_secs();
            Error::new(
                Code::Timeout,
                format!("the request took longer than {seconds} seconds"),
            )
        })
}

/// How the server listens.
#[derive(Clone, Debug)]
pub struct Listen {
    /// The address.
    pub addr: SocketAddr,
    /// A PEM certificate chain and key for HTTPS; plain HTTP when absent.
    pub tls: Option<(PathBuf, PathBuf)>,
}

/// Serves `state` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    state: AppState,
    listen: Listen,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let router = app(state);
    match listen.tls {
        None => {
            let router = router.into_make_service_with_connect_info::<SocketAddr>();
            let listener = tokio::net::TcpListener::bind(listen.addr).await?;
            tracing::info!(addr = %listener.local_addr()?, "serving HTTP");
            axum::serve(listener, router)
                .with_graceful_shutdown(shutdown)
                .await?;
        }
        Some((cert, key)) => {
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key).await?;
            let handle = axum_server::Handle::new();
            let stopper = handle.clone();
            tokio::spawn(async move {
                shutdown.await;
                stopper.graceful_shutdown(Some(Duration::from_secs(30)));
            });
            tracing::info!(addr = %listen.addr, "serving HTTPS");
            axum_server::bind_rustls(listen.addr, config)
                .handle(handle)
                .serve(
                    router
                        .layer(axum::Extension(web::session::Tls))
                        .into_make_service_with_connect_info::<SocketAddr>(),
                )
                .await?;
        }
    }
    Ok(())
}
