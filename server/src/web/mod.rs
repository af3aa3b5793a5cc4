//! The office web dashboard served at `/`: its embedded assets (and the page an enrolment link
//! opens, `/enrol`), sign-in with a password, the
//! session cookie that then stands in for a device token on the REST API, and the CSRF check
//! that every change made with that cookie must pass. The dashboard's pages call the same REST
//! API as every other client, so the role policy is enforced there and only there.

pub mod assets;
pub mod client;
pub mod csrf;
pub mod password;
pub mod session;
pub mod sign_in;
pub mod throttle;

use axum::http::Method;
use axum::routing::{get, post};

use crate::http::Table;

/// Adds to `table` the dashboard's routes: the page and its assets, and the session endpoints
/// (part of the API).
pub fn routes(table: Table) -> Table {
    table
        .page("/", get(assets::index))
        .page("/assets/{*path}", get(assets::asset))
        .page("/enrol", get(assets::enrol))
        .at(Method::GET, "/web/session", get(sign_in::current))
        .at(Method::POST, "/web/sign-in", post(sign_in::sign_in))
        .at(Method::POST, "/web/sign-out", post(sign_in::sign_out))
}
