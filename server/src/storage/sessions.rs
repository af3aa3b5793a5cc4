//! The web dashboard's passwords and sign-in sessions. A session is kept only as the SHA-256 of
//! its cookie, like a device token.

use fieldledger_core::{DeviceId, Timestamp, UserId};

use super::Result;

/// A signed-in browser, as stored. It begins at sign-in (`crate::web::session`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebSession {
    /// Who signed in.
    pub user: UserId,
    /// The id that stands for this browser where the ledger names a device.
    pub device: DeviceId,
    /// The token that changes made in this session must carry.
    pub csrf: String,
    /// When it began.
    pub created_at: Timestamp,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// Dashboard passwords and sessions.
pub trait Sessions {
    /// Sets (or replaces) the argon2id hash of `user`'s dashboard password; ends their sessions.
    fn set_password(&self, user: &UserId, hash: &str, at: Timestamp) -> Result<()>;
    /// The argon2id hash of `user`'s dashboard password, if one is set.
    fn password_hash(&self, user: &UserId) -> Result<Option<String>>;
    /// Stores a new dashboard session under the hash of its cookie; drops expired ones.
    fn add_session(&self, session: &WebSession, token_hash: &[u8; 32]) -> Result<()>;
    /// The session whose cookie has this hash, unless it expired by `now`.
    fn session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<WebSession>>;
    /// Ends the session whose cookie has this hash.
    fn end_session(&self, token_hash: &[u8; 32]) -> Result<()>;
}
