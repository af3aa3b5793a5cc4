//! What the tests over the router itself share: a server with a few users who have dashboard
//! passwords, requests sent through the router (as if from a peer, when given), and signing in.
//! Each test file uses a part of it.
#![allow(dead_code)]

use std::net::SocketAddr;

use fieldledger_core::{Role, UserId};
use fieldledger_server::accounts;
use fieldledger_server::axum::body::{Body, to_bytes};
use fieldledger_server::axum::extract::ConnectInfo;
use fieldledger_server::axum::http::{HeaderMap, Request, StatusCode, header};
use fieldledger_server::web::password;
use fieldledger_server::{AppState, Settings, app};
use serde_json::{Value, json};
use tower::ServiceExt;

/// Every user's dashboard password.
pub(crate) const PASSWORD: &str = "a long enough password";

/// A server in a scratch directory, with `settings` (neither paced nor watched) and `users`,
/// named by their ids; all but technicians have the dashboard password.
pub(crate) fn office_of(
    users: &[(&str, Role)],
    settings: Settings,
) -> (tempfile::TempDir, AppState) {
    let dir = tempfile::tempdir().expect("dir");
    let state = AppState::open_with(
        dir.path(),
        Settings {
            pacing: None,
            workflow: None,
            ..settings
        },
    )
    .expect("state");
    for &(id, role) in users {
        let id: UserId = id.parse().expect("id");
        accounts::add_user(&state, &id, id.as_str(), role).expect("user");
        if role != Role::Technician {
            password::set(&state, &id, PASSWORD).expect("password");
        }
    }
    (dir, state)
}

/// The router's answer.
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) text: String,
    pub(crate) body: Value,
}

impl Answer {
    /// The `Set-Cookie` header, if any.
    pub(crate) fn cookie(&self) -> Option<String> {
        self.headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .map(String::from)
    }
}

/// Sends a request to the router, as if from `peer` when given.
pub(crate) async fn send_from(
    state: &AppState,
    peer: Option<SocketAddr>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(peer) = peer {
        request = request.extension(ConnectInfo(peer));
    }
    let request = match body {
        Some(json) => request
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_string())),
        None => request.body(Body::empty()),
    }
    .expect("request");
    let response = app(state.clone()).oneshot(request).await.expect("answer");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.expect("body");
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status,
        headers,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        text,
    }
}

/// Sends a request to the router.
pub(crate) async fn send(
    state: &AppState,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    send_from(state, None, method, path, headers, body).await
}

/// Signs `user` in; returns the `Cookie` header value and the CSRF token. The session cookie
/// is HttpOnly and SameSite=Strict, and not Secure over plain HTTP.
pub(crate) async fn sign_in(state: &AppState, user: &str) -> (String, String) {
    let answer = send(
        state,
        "POST",
        "/web/sign-in",
        &[],
        Some(json!({"user": user, "password": PASSWORD})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let set = answer.cookie().expect("a session cookie");
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict") && !set.contains("Secure"));
    let cookie = set.split(';').next().expect("pair").to_owned();
    (
        cookie,
        answer.body["csrf"].as_str().expect("csrf").to_owned(),
    )
}
