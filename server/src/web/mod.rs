//! The office web dashboard served at `/`: its embedded assets, sign-in with a password, the
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

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// The dashboard's routes: the page, its assets and the session endpoints.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(assets::index))
        .route("/assets/{*path}", get(assets::asset))
        .route("/web/session", get(sign_in::current))
        .route("/web/sign-in", post(sign_in::sign_in))
        .route("/web/sign-out", post(sign_in::sign_out))
}
