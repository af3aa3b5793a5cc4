//! Dashboard passwords, kept only as argon2id hashes in PHC string form.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

use crate::AppState;
use crate::error::{Code, Error};
use fieldledger_core::UserId;
use fieldledger_core::policy::signs_in_to_dashboard;

/// The shortest password accepted.
pub const MIN_LENGTH: usize = 10;
/// The longest password accepted (argon2 takes any length; this bounds the work of a request).
pub const MAX_LENGTH: usize = 1024;

/// The argon2id hash of `password` with a fresh random salt and argon2's default cost.
pub fn hash(password: &str) -> Result<String, Error> {
    let length = password.chars().count();
    if !(MIN_LENGTH..=MAX_LENGTH).contains(&length) {
        return Err(Error::new(
            Code::BadPassword,
            format!("a password has {MIN_LENGTH} to {MAX_LENGTH} characters"),
        ));
    }
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(Error::internal)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(Error::internal)?
        .to_string())
}

/// Whether `password` matches `stored`. Without a stored hash it still spends the time of one
/// check, so that the answer's timing does not tell which user names exist.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DECOY: OnceLock<Option<String>> = OnceLock::new();
    let decoy = DECOY.get_or_init(|| hash(&hex::encode(rand::random::<[u8; 16]>())).ok());
    let Some(phc) = stored.or(decoy.as_deref()) else {
        return false;
    };
    let matches = PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    });
    matches && stored.is_some()
}

/// Sets the dashboard password of `user`, an office user; ends their sessions.
pub fn set(state: &AppState, user: &UserId, password: &str) -> Result<(), Error> {
    let account = state
        .storage
        .user(user)?
        .ok_or_else(|| Error::not_found(format!("no user {user}")))?;
    if !signs_in_to_dashboard(account.role) {
        return Err(Error::new(
            Code::NotOffice,
            format!(
                "{user} is a {}: the dashboard is for office users",
                account.role
            ),
        ));
    }
    let hash = hash(password)?;
    state.storage.set_password(user, &hash, state.clock.now())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let stored = hash("correct horse battery").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", Some(&stored)));
        assert!(!verify("correct horse battery!", Some(&stored)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("anything at all", Some("not a phc string")));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(matches!(
            hash("short"),
            Err(Error::Refused {
                code: Code::BadPassword,
                ..
            })
        ));
    }
}
