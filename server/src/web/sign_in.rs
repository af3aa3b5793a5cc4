//! Signing in and out of the dashboard, and what the page asks about its session.

use axum::Json;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use crate::AppState;
use crate::auth::token_hash;
use crate::error::{Code, Error};
use crate::http::blocking;
use crate::http::extract::Body;
use crate::storage::WebSession;
use crate::web::client;
use crate::web::password;
use crate::web::session::{LIFETIME_MS, Signed, new_cookie, set_cookie};
use fieldledger_core::policy::signs_in_to_dashboard;

/// What the sign-in form sends.
#[derive(Deserialize)]
pub struct Credentials {
    /// The user id.
    user: String,
    /// The password.
    password: String,
}

/// What the page learns of its session: who, the CSRF token, the hand-off limit it shows the
/// clock of, and the organisation's offset from UTC that it shows every time in. What the role
/// may do it reads from `GET /v1/policy`.
fn signed_in(signed: &Signed, state: &AppState) -> serde_json::Value {
    json!({
        "handoff_minutes": state.workflow.handoff.as_secs() / 60,
        "utc_offset_minutes": state.workflow.calendar.utc_offset_minutes,
        "user": signed.user.id,
        "name": signed.user.name,
        "role": signed.user.role,
        "csrf": signed.session.csrf,
        "expires_at": signed.session.expires_at,
    })
}

/// `POST /web/sign-in`: checks the password and starts a session.
pub(crate) async fn sign_in(
    State(state): State<AppState>,
    parts: Parts,
    Body(credentials): Body<Credentials>,
) -> Result<Response, Error> {
    let address = client::address(&state, &parts);
    let Credentials { user, password } = credentials;
    if user.is_empty() || user.len() > 64 || password.len() > password::MAX_LENGTH {
        return Err(Error::new(
            Code::BadBody,
            "a user name of at most 64 and a password of at most 1024 characters are required",
        ));
    }
    // The attempt takes its place in the count before the password is checked, so that
    // guesses sent at once cannot outrun the limit.
    let (sign_ins, name) = (state.sign_ins.clone(), user.clone());
    let attempt = match blocking(move || sign_ins.reserve(&name, address)).await? {
        Ok(attempt) => attempt,
        Err(wait) => {
            let mut refused = Error::new(
                Code::TooManyAttempts,
                format!(
                    "too many failed sign-ins; try again in {} minutes",
                    wait.as_secs().div_ceil(60)
                ),
            )
            .into_response();
            refused.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
            return Ok(refused);
        }
    };
    let (storage, now) = (state.storage.clone(), state.clock.now());
    let name = user.clone();
    let found = blocking(move || {
        let account = match name.parse() {
            Ok(id) => storage.user(&id)?,
            Err(_) => None,
        };
        let stored = match &account {
            Some(u) => storage.password_hash(&u.id)?,
            None => None,
        };
        if !password::verify(&password, stored.as_deref()) {
            return Ok(None);
        }
        let Some(account) = account else {
            return Ok(None);
        };
        if !signs_in_to_dashboard(account.role) {
            return Err(Error::forbidden(
                "the dashboard is for the office; technicians use their own tickets in the app",
            ));
        }
        let cookie = new_cookie();
        let session = WebSession::start(account.id.clone(), now);
        storage.add_session(&session, &token_hash(&cookie))?;
        Ok(Some((cookie, session, account)))
    })
    .await?;
    let Some((cookie, session, account)) = found else {
        return Err(Error::unauthorized(
            "the user name or the password is wrong",
        ));
    };
    let sign_ins = state.sign_ins.clone();
    blocking(move || sign_ins.succeeded(attempt)).await?;
    let secure = client::over_tls(&state, &parts);
    let signed = Signed {
        token_hash: token_hash(&cookie),
        session,
        user: account,
    };
    let mut response = Json(signed_in(&signed, &state)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie(&cookie, LIFETIME_MS / 1000, secure)?,
    );
    Ok(response)
}

/// `GET /web/session`: who is signed in, and the CSRF token for their changes.
pub(crate) async fn current(
    State(state): State<AppState>,
    signed: Signed,
) -> Json<serde_json::Value> {
    Json(signed_in(&signed, &state))
}

/// `POST /web/sign-out`: ends the session and clears the cookie.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    parts: Parts,
    signed: Signed,
) -> Result<Response, Error> {
    let storage = state.storage.clone();
    let hash = signed.token_hash;
    blocking(move || storage.end_session(&hash)).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        set_cookie("", 0, client::over_tls(&state, &parts))?,
    );
    Ok(response)
}
