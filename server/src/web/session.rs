//! Dashboard sessions: a random cookie (HttpOnly, SameSite=Strict, Secure over TLS) that the
//! server keeps only as its SHA-256, with the CSRF token its changes must carry. A signed-in
//! request becomes the same [`Caller`] a device token gives, so every REST handler and the role
//! policy treat the two alike.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use fieldledger_core::{DeviceId, Timestamp, UserId};

use crate::AppState;
use crate::auth::{Caller, token_hash};
use crate::error::Error;
use crate::http::blocking;
use crate::storage::{Device, User, WebSession};
use crate::web::csrf;
use fieldledger_core::policy::signs_in_to_dashboard;

/// The cookie's name.
pub const COOKIE: &str = "fl_session";
/// How long a session lasts from sign-in.
pub const LIFETIME_MS: i64 = 12 * 60 * 60 * 1000;

/// Marks a router served over TLS, so that cookies are set `Secure`.
#[derive(Clone, Copy, Debug)]
pub struct Tls;

impl WebSession {
    /// A new session for `user` from `now`.
    pub fn start(user: UserId, now: Timestamp) -> WebSession {
        WebSession {
            user,
            device: DeviceId::random(),
            csrf: csrf::new_token(),
            created_at: now,
            expires_at: Timestamp(now.millis().saturating_add(LIFETIME_MS)),
        }
    }
}

/// A new random cookie value.
pub fn new_cookie() -> String {
    format!("fls_{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// The session cookie's value in `headers`, if there is one.
pub fn cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|v| v.starts_with("fls_") && v.len() < 200)
}

/// The `Set-Cookie` value that gives the browser `value` (an empty value with `max_age_secs` 0
/// clears it).
pub fn set_cookie(value: &str, max_age_secs: i64, secure: bool) -> Result<HeaderValue, Error> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_secs}{secure}"
    ))
    .map_err(Error::internal)
}

/// A request made in a valid session, with the CSRF token checked when it changes something.
#[derive(Clone, Debug)]
pub struct Signed {
    /// The session.
    pub session: WebSession,
    /// Its user.
    pub user: User,
    /// The hash under which the session is stored.
    pub token_hash: [u8; 32],
}

impl Signed {
    /// The caller this session acts as: its user, on a device that stands for the browser.
    pub fn caller(self) -> Caller {
        Caller {
            device: Device {
                id: self.session.device,
                user: self.user.id.clone(),
                label: "dashboard session".into(),
                enrolled_at: self.session.created_at,
                revoked_at: None,
            },
            user: self.user,
        }
    }
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Error;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let hash = cookie(&parts.headers)
            .map(token_hash)
            .ok_or_else(|| Error::unauthorized("sign in to the dashboard first"))?;
        let (storage, now) = (state.storage.clone(), state.clock.now());
        let found = blocking(move || {
            let Some(session) = storage.session(&hash, now)? else {
                return Ok(None);
            };
            Ok(storage.user(&session.user)?.map(|user| (session, user)))
        })
        .await?;
        let (session, user) =
            found.ok_or_else(|| Error::unauthorized("the session has ended; sign in again"))?;
        if !signs_in_to_dashboard(user.role) {
            return Err(Error::forbidden(
                "the dashboard is for the office; technicians use the app",
            ));
        }
        if !csrf::is_safe(&parts.method) {
            csrf::check(&parts.headers, &session.csrf)?;
        }
        Ok(Signed {
            session,
            user,
            token_hash: hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_found_among_others_and_junk_is_ignored() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=zh; fl_session=fls_abc; other=1"),
        );
        assert_eq!(cookie(&headers), Some("fls_abc"));
        headers.insert(header::COOKIE, HeaderValue::from_static("fl_session=nope"));
        assert_eq!(cookie(&headers), None);
        let set = set_cookie("fls_abc", 60, true).expect("value");
        let set = set.to_str().unwrap_or_default();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.ends_with("Secure")
        );
    }
}
