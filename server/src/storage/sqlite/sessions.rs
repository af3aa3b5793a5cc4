//! Dashboard passwords and sessions in SQLite.

use fieldledger_core::{Timestamp, UserId};
use rusqlite::params;

use super::SqliteStorage;
use super::row::{NamedRow, first};
use crate::storage::WebSession;
use crate::storage::{Result, Sessions};

const UPSERT_PASSWORD: &str =
    "INSERT INTO web_passwords (user_id, hash, set_at) VALUES (?1, ?2, ?3)
    ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at";
const SELECT_PASSWORD_HASH: &str = "SELECT hash FROM web_passwords WHERE user_id = ?1";

const INSERT_SESSION: &str = "INSERT INTO web_sessions
    (token_hash, user_id, device_id, csrf, created_at, expires_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
const SELECT_LIVE_SESSION: &str = "SELECT user_id, device_id, csrf, created_at, expires_at
    FROM web_sessions WHERE token_hash = ?1 AND expires_at > ?2";
const DELETE_SESSION: &str = "DELETE FROM web_sessions WHERE token_hash = ?1";
const DELETE_USER_SESSIONS: &str = "DELETE FROM web_sessions WHERE user_id = ?1";
const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM web_sessions WHERE expires_at <= ?1";

/// A session from a row of [`SELECT_LIVE_SESSION`].
fn session_of(row: &NamedRow<'_>) -> Result<WebSession> {
    Ok(WebSession {
        user: row.parsed("user_id")?,
        device: row.parsed("device_id")?,
        csrf: row.get("csrf")?,
        created_at: row.timestamp("created_at")?,
        expires_at: row.timestamp("expires_at")?,
    })
}

impl Sessions for SqliteStorage {
    fn set_password(&self, user: &UserId, hash: &str, at: Timestamp) -> Result<()> {
        self.write(|tx| {
            tx.execute(UPSERT_PASSWORD, params![user.as_str(), hash, at.millis()])?;
            // A new password ends every session signed in with the old one.
            tx.execute(DELETE_USER_SESSIONS, [user.as_str()])?;
            Ok(())
        })
    }

    fn password_hash(&self, user: &UserId) -> Result<Option<String>> {
        self.read(|c| first(c, SELECT_PASSWORD_HASH, [user.as_str()], |r| r.get("hash")))
    }

    fn add_session(&self, session: &WebSession, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(DELETE_EXPIRED_SESSIONS, [session.created_at.millis()])?;
            tx.execute(
                INSERT_SESSION,
                params![
                    &token_hash[..],
                    session.user.as_str(),
                    session.device.as_str(),
                    session.csrf,
                    session.created_at.millis(),
                    session.expires_at.millis()
                ],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<WebSession>> {
        self.read(|c| {
            first(
                c,
                SELECT_LIVE_SESSION,
                params![&token_hash[..], now.millis()],
                session_of,
            )
        })
    }

    fn end_session(&self, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(DELETE_SESSION, [&token_hash[..]])?;
            Ok(())
        })
    }
}
