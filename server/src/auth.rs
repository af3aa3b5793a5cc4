//! Device tokens: random, shown once at enrolment, stored only as their SHA-256. Every request
//! to the API under `/v1/` but the OpenAPI document carries one as `Authorization: Bearer`, or,
//! from the web dashboard, a session cookie (see [`crate::web::session`]); `/healthz` needs
//! none, and `/metrics` has a token of its own.

use sha2::{Digest, Sha256};

use crate::error::Error;
use crate::storage::{Device, User};

/// The prefix of every token, so that a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "flt_";

/// A new random token.
pub fn new_token() -> String {
    format!("{TOKEN_PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()))
}

/// The stored form of a token.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.trim().as_bytes()).into()
}

/// The token of the request's `Authorization: Bearer` header, if it has one.
pub fn presented(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

/// The authenticated device and its user.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The device whose token was presented.
    pub device: Device,
    /// The device's user.
    pub user: User,
}

/// A well-formed bearer token, not yet checked against the devices ([`Bearer::caller`]).
#[derive(Clone, Copy, Debug)]
pub struct Bearer {
    hash: [u8; 32],
}

impl Bearer {
    /// The device and user of this token; refused when unknown or revoked. Blocks on storage.
    pub fn caller(self, storage: &dyn crate::storage::Storage) -> Result<Caller, Error> {
        let (device, user) = storage
            .device_by_token(&self.hash)?
            .ok_or_else(|| Error::unauthorized("the token is unknown or its device was revoked"))?;
        Ok(Caller { device, user })
    }
}

impl Bearer {
    /// The bearer token of `headers`, if it is well formed; refused when it is missing or is not
    /// a fieldledger token.
    pub fn from_headers(headers: &axum::http::HeaderMap) -> Result<Self, Error> {
        if !headers.contains_key(axum::http::header::AUTHORIZATION) {
            return Err(Error::unauthorized(
                "an Authorization: Bearer token is required",
            ));
        }
        let token = presented(headers)
            .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() < 200)
            .ok_or_else(|| {
                Error::unauthorized("the Authorization header is not a fieldledger bearer token")
            })?;
        Ok(Bearer {
            hash: token_hash(token),
        })
    }
}
