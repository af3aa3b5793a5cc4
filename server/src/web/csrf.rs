//! Cross-site request forgery: a change made with the session cookie must also carry the
//! session's CSRF token in the `X-CSRF-Token` header. The dashboard reads the token from
//! `/web/session` (same origin only); a form or script on another site can make the browser send
//! the cookie (where SameSite does not stop it) but can neither read the token nor set the header.

use axum::http::{HeaderMap, Method};
use sha2::{Digest, Sha256};

use crate::error::{Code, Error};

/// The header that carries the token.
pub const HEADER: &str = "x-csrf-token";

/// A new random token.
pub fn new_token() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

/// Whether `method` only reads: such requests need no token.
pub fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Refuses a request whose `X-CSRF-Token` header does not carry `expected`.
pub fn check(headers: &HeaderMap, expected: &str) -> Result<(), Error> {
    let presented = headers
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    // Comparing digests keeps the comparison's time independent of where the strings differ.
    if Sha256::digest(presented.as_bytes()) == Sha256::digest(expected.as_bytes())
        && !presented.is_empty()
    {
        Ok(())
    } else {
        Err(Error::new(
            Code::Csrf,
            "a change made with a dashboard session needs its X-CSRF-Token header",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sessions_token_passes() {
        let token = new_token();
        let mut headers = HeaderMap::new();
        assert!(check(&headers, &token).is_err());
        headers.insert(HEADER, "0".repeat(64).parse().expect("header"));
        assert!(check(&headers, &token).is_err());
        headers.insert(HEADER, token.parse().expect("header"));
        assert!(check(&headers, &token).is_ok());
        assert!(is_safe(&Method::GET) && !is_safe(&Method::POST));
    }
}
