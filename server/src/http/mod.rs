//! The HTTP surface, one file per resource: the sync endpoint for devices ([`sync`]), blobs,
//! tickets, the ledger, statistics, return visits, costs, corrective actions, events, devices
//! (for administrators), the
//! authority table as the dashboard reads it ([`policy`]), and what
//! the server says of itself ([`service`]). Who may call what is an extractor ([`guard`]); what a
//! handler takes from a request answers its rejections in the server's error format
//! ([`extract`]). Handlers are thin: they check who asks, then call the engine or the storage off
//! the async threads (automerge and SQLite work blocks).
//!
//! Every route is added through a [`Table`], which keeps the list of what is served beside the
//! router, so that a test can hold it against the OpenAPI document (`server/openapi.json`).

pub mod blobs;
pub mod corrective_actions;
pub mod costs;
pub mod devices;
pub mod enrolment;
pub(crate) mod error;
pub mod events;
pub(crate) mod extract;
pub(crate) mod guard;
pub mod ledger;
#[cfg(test)]
mod openapi;
pub mod people;
pub mod policy;
pub mod queue;
pub mod reference;
pub mod return_visits;
pub mod sales;
pub mod service;
pub mod statistics;
pub mod sync;
pub mod tickets;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post, put};

use crate::AppState;
use crate::error::Error;

type Result<T, E = Error> = std::result::Result<T, E>;

/// The largest sync body accepted.
pub const MAX_SYNC_BODY: usize = 32 * 1024 * 1024;
/// The largest import request: its rows' free text may be long.
pub const MAX_IMPORT_BODY: usize = 32 * 1024 * 1024;
/// The largest piece of a blob upload.
pub const MAX_BLOB_PIECE: usize = 4 * 1024 * 1024;

/// Runs blocking engine or storage work on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(Error::internal)?
}

/// A route the server answers, as the OpenAPI document names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// The method, lower case as in OpenAPI (`get`, `post`, `put`).
    pub method: String,
    /// The path, with `{name}` for a segment.
    pub path: &'static str,
}

/// Routes being added to a router, each noted as it is added.
pub struct Table {
    router: Router<AppState>,
    routes: Vec<Route>,
}

impl Default for Table {
    fn default() -> Self {
        Self {
            router: Router::new(),
            routes: Vec::new(),
        }
    }
}

impl Table {
    /// Answers `method` at `path` with `handler` (which may carry layers of its own).
    pub fn at(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.routes.push(Route {
            method: method.as_str().to_ascii_lowercase(),
            path,
        });
        self
    }

    /// Answers `path` with `handler` without noting it: the dashboard's page and assets, which
    /// are not part of the API.
    pub fn page(mut self, path: &'static str, handler: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, handler);
        self
    }

    /// The routes noted.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The router.
    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}

/// The API's routes.
pub fn table() -> Table {
    Table::default()
        .at(Method::GET, "/healthz", get(service::healthz))
        .at(Method::GET, "/metrics", get(service::metrics))
        .at(Method::GET, "/v1/openapi.json", get(service::openapi))
        .at(Method::GET, "/v1/me", get(service::me))
        .at(Method::GET, "/v1/policy", get(policy::policy))
        .at(
            Method::POST,
            "/v1/sync",
            post(sync::sync).layer(DefaultBodyLimit::max(MAX_SYNC_BODY)),
        )
        .at(
            Method::PUT,
            "/v1/blobs/{sha256}",
            put(blobs::upload).layer(DefaultBodyLimit::max(MAX_BLOB_PIECE)),
        )
        .at(
            Method::GET,
            "/v1/blobs/{sha256}/upload",
            get(blobs::upload_state),
        )
        .at(Method::POST, "/v1/tickets", post(tickets::register))
        .at(Method::GET, "/v1/tickets/{id}", get(tickets::ticket))
        .at(
            Method::POST,
            "/v1/tickets/{id}/operations",
            post(tickets::operation),
        )
        .at(
            Method::GET,
            "/v1/tickets/{id}/signoffs/{signoff}",
            get(tickets::signed_state),
        )
        .at(
            Method::GET,
            "/v1/tickets/{id}/blobs/{sha256}",
            get(blobs::ticket_blob),
        )
        .at(Method::GET, "/v1/reference", get(reference::rights))
        .at(
            Method::POST,
            "/v1/reference/import/read",
            post(reference::read_import).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY)),
        )
        .at(
            Method::POST,
            "/v1/reference/import",
            post(reference::import_rows).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY)),
        )
        .at(
            Method::GET,
            "/v1/reference/customers",
            get(reference::customers),
        )
        .at(
            Method::POST,
            "/v1/reference/customers",
            post(reference::create_customer),
        )
        .at(
            Method::PUT,
            "/v1/reference/customers/{id}",
            put(reference::update_customer),
        )
        .at(Method::GET, "/v1/reference/units", get(reference::units))
        .at(
            Method::POST,
            "/v1/reference/units",
            post(reference::create_unit),
        )
        .at(
            Method::GET,
            "/v1/reference/units/{id}",
            get(reference::unit),
        )
        .at(
            Method::PUT,
            "/v1/reference/units/{id}",
            put(reference::update_unit),
        )
        .at(
            Method::GET,
            "/v1/reference/products",
            get(reference::products),
        )
        .at(
            Method::POST,
            "/v1/reference/products",
            post(reference::create_product),
        )
        .at(
            Method::PUT,
            "/v1/reference/products/{code}",
            put(reference::update_product),
        )
        .at(Method::GET, "/v1/reference/causes", get(reference::causes))
        .at(
            Method::POST,
            "/v1/reference/causes",
            post(reference::create_cause),
        )
        .at(
            Method::PUT,
            "/v1/reference/causes/{code}",
            put(reference::update_cause),
        )
        .at(Method::GET, "/v1/costs", get(costs::costs))
        .at(Method::GET, "/v1/sales-representatives", get(sales::list))
        .at(Method::GET, "/v1/people", get(people::list))
        .at(
            Method::GET,
            "/v1/corrective-actions",
            get(corrective_actions::open),
        )
        .at(Method::GET, "/v1/ledger", get(ledger::ledger))
        .at(Method::GET, "/v1/queue", get(queue::queue))
        .at(Method::GET, "/v1/ledger/export", get(ledger::export_ledger))
        .at(
            Method::POST,
            "/v1/import",
            post(ledger::import_rows).layer(DefaultBodyLimit::max(MAX_IMPORT_BODY)),
        )
        .at(
            Method::GET,
            "/v1/return-visits",
            get(return_visits::return_visits),
        )
        .at(
            Method::GET,
            "/v1/statistics/complaints",
            get(statistics::complaint_statistics),
        )
        .at(
            Method::GET,
            "/v1/statistics/headline",
            get(statistics::headline_statistics),
        )
        .at(
            Method::GET,
            "/v1/statistics/handoff",
            get(statistics::handoff_statistics),
        )
        .at(
            Method::GET,
            "/v1/statistics/corrective-actions",
            get(statistics::action_statistics),
        )
        .at(
            Method::GET,
            "/v1/statistics/return-visits",
            get(statistics::visit_statistics),
        )
        .at(
            Method::GET,
            "/v1/statistics/costs",
            get(statistics::cost_statistics),
        )
        .at(
            Method::GET,
            "/v1/statistics/{name}/export",
            get(statistics::export_statistics),
        )
        .at(
            Method::GET,
            "/v1/security-events",
            get(events::security_events),
        )
        .at(Method::GET, "/v1/events", get(events::events))
        .at(Method::GET, "/v1/devices", get(devices::list))
        .at(Method::POST, "/v1/devices", post(devices::enrol))
        .at(
            Method::POST,
            "/v1/devices/{id}/revoke",
            post(devices::revoke),
        )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every route served is in the OpenAPI document, with its method, and every route the
    /// document lists is served.
    #[test]
    fn the_openapi_document_lists_exactly_the_routes_served() {
        let document: serde_json::Value =
            serde_json::from_str(include_str!("../../openapi.json")).expect("the OpenAPI JSON");
        let paths = document["paths"].as_object().expect("paths");
        let documented: BTreeSet<(String, String)> = paths
            .iter()
            .flat_map(|(path, item)| {
                let methods = item.as_object().into_iter().flat_map(|m| m.keys());
                methods
                    .filter(|m| ["get", "put", "post", "delete", "patch"].contains(&m.as_str()))
                    .map(|m| (m.clone(), path.clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let table = crate::web::routes(table());
        let served: BTreeSet<(String, String)> = table
            .routes()
            .iter()
            .map(|r| (r.method.clone(), r.path.to_owned()))
            .collect();
        assert_eq!(
            served.difference(&documented).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "served but not documented"
        );
        assert_eq!(
            documented.difference(&served).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new(),
            "documented but not served"
        );
    }
}
