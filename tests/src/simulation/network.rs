//! The simulated network: the real office server (its router, engine and SQLite store) in this
//! process, reached without a socket, and links that lose, repeat and hold back sync requests as
//! a seeded random generator decides.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Arc;

use fieldledger_core::protocol::CONTENT_TYPE;
use fieldledger_core::sync::Transport;
use fieldledger_core::{Error, IdSource, Result};
use fieldledger_server::axum::Router;
use fieldledger_server::axum::body::{Body, to_bytes};
use fieldledger_server::axum::http::{Request, header};
use fieldledger_server::{AppState, Settings, app};
use rand::Rng;
use rand::rngs::StdRng;
use tower::ServiceExt;

use crate::ManualClock;

/// The office server, opened on a data directory; reopening it is a server restart.
pub struct Server {
    /// The server's state.
    pub state: AppState,
    router: Router,
    runtime: tokio::runtime::Runtime,
}

impl Server {
    /// Opens the server on `dir` with `clock` and new ids from `ids`, without the webhook and
    /// deadline threads, whose timing would make a run depend on the wall clock.
    pub fn open(dir: &Path, clock: Arc<ManualClock>, ids: IdSource) -> Result<Server> {
        let settings = Settings {
            clock,
            pacing: None,
            workflow: None,
            ids,
            ..Settings::default()
        };
        let state = crate::backend::open_state(dir, settings)
            .map_err(|e| Error::invalid("server", e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        Ok(Server {
            router: app(state.clone()),
            state,
            runtime,
        })
    }

    /// Posts a sync body with `token` through the server's router; a refusal becomes
    /// [`Error::Rejected`].
    pub fn post_sync(&self, token: &str, body: Vec<u8>) -> Result<Vec<u8>> {
        let request = Request::post("/v1/sync")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, CONTENT_TYPE)
            .body(Body::from(body))
            .map_err(|e| Error::invalid("request", e.to_string()))?;
        let router = self.router.clone();
        self.runtime.block_on(async move {
            let response = router
                .oneshot(request)
                .await
                .map_err(|e| Error::Offline(e.to_string()))?;
            let status = response.status().as_u16();
            let bytes = to_bytes(response.into_body(), usize::MAX)
                .await
                .map_err(|e| Error::Offline(e.to_string()))?;
            if status == 200 {
                Ok(bytes.to_vec())
            } else {
                Err(Error::Rejected {
                    status,
                    code: "http".into(),
                    message: String::from_utf8_lossy(&bytes).into_owned(),
                })
            }
        })
    }
}

/// How unreliable a link is: the chance of each fault per request.
#[derive(Clone, Copy, Debug, Default)]
pub struct Faults {
    /// The request never reaches the server.
    pub drop_request: f64,
    /// The server handles the request, but the answer is lost.
    pub drop_response: f64,
    /// The request arrives twice; the device hears the second answer.
    pub duplicate: f64,
    /// A copy of the request is held back, to arrive later, out of order.
    pub delay_copy: f64,
}

impl Faults {
    /// A network that loses, repeats and reorders requests often.
    pub fn hostile() -> Faults {
        Faults {
            drop_request: 0.1,
            drop_response: 0.15,
            duplicate: 0.1,
            delay_copy: 0.1,
        }
    }
}

/// A request held back by the network: which device sent it, and its body.
pub type Delayed = (usize, Vec<u8>);

/// One device's link to the server for one sync.
pub struct Link<'a> {
    /// The server.
    pub server: &'a Server,
    /// The device's index and token.
    pub device: (usize, &'a str),
    /// What the link does to requests.
    pub faults: Faults,
    /// The run's random generator.
    pub rng: &'a RefCell<StdRng>,
    /// Requests held back, delivered later by the simulation.
    pub delayed: &'a RefCell<Vec<Delayed>>,
}

impl Transport for Link<'_> {
    fn sync(&self, request: Vec<u8>) -> Result<Vec<u8>> {
        let (device, token) = self.device;
        let mut rng = self.rng.borrow_mut();
        if rng.random_bool(self.faults.delay_copy) {
            self.delayed.borrow_mut().push((device, request.clone()));
        }
        if rng.random_bool(self.faults.drop_request) {
            return Err(Error::Offline("the request was lost".into()));
        }
        let duplicate = rng.random_bool(self.faults.duplicate);
        let lose_answer = rng.random_bool(self.faults.drop_response);
        drop(rng);
        if duplicate {
            // The first answer is lost to the device; the server handled both.
            self.server.post_sync(token, request.clone())?;
        }
        let answer = self.server.post_sync(token, request)?;
        if lose_answer {
            return Err(Error::Offline("the answer was lost".into()));
        }
        Ok(answer)
    }

    fn blob_offset(&self, _sha256: &str) -> Result<Option<u64>> {
        Err(Error::invalid("blob", "the simulation carries no photos"))
    }

    fn upload_blob(&self, _sha256: &str, _offset: u64, _total: u64, _bytes: &[u8]) -> Result<()> {
        Err(Error::invalid("blob", "the simulation carries no photos"))
    }
}
