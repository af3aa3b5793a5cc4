//! Dashboard passwords and sessions in PostgreSQL. A session that one server starts, every
//! server knows at once; a new password ends the user's sessions on all of them.

use fieldledger_core::{Timestamp, UserId};
use postgres::Row;

use super::PostgresStorage;
use super::row::Named;
use crate::storage::WebSession;
use crate::storage::{Result, Sessions};

const UPSERT_PASSWORD: &str =
    "INSERT INTO web_passwords (user_id, hash, set_at) VALUES ($1, $2, $3)
    ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, set_at = excluded.set_at";
const SELECT_PASSWORD_HASH: &str = "SELECT hash FROM web_passwords WHERE user_id = $1";

const INSERT_SESSION: &str = "INSERT INTO web_sessions
    (token_hash, user_id, device_id, csrf, created_at, expires_at)
    VALUES ($1, $2, $3, $4, $5, $6)";
const SELECT_LIVE_SESSION: &str = "SELECT user_id, device_id, csrf, created_at, expires_at
    FROM web_sessions WHERE token_hash = $1 AND expires_at > $2";
const DELETE_SESSION: &str = "DELETE FROM web_sessions WHERE token_hash = $1";
const DELETE_USER_SESSIONS: &str = "DELETE FROM web_sessions WHERE user_id = $1";
const DELETE_EXPIRED_SESSIONS: &str = "DELETE FROM web_sessions WHERE expires_at <= $1";

/// A session from a row of [`SELECT_LIVE_SESSION`].
fn session_of(row: &Row) -> Result<WebSession> {
    Ok(WebSession {
        user: row.parsed("user_id")?,
        device: row.parsed("device_id")?,
        csrf: row.value("csrf")?,
        created_at: row.timestamp("created_at")?,
        expires_at: row.timestamp("expires_at")?,
    })
}

impl Sessions for PostgresStorage {
    fn set_password(&self, user: &UserId, hash: &str, at: Timestamp) -> Result<()> {
        self.write(|tx| {
            tx.execute(UPSERT_PASSWORD, &[&user.as_str(), &hash, &at.millis()])?;
            // A new password ends every session signed in with the old one.
            tx.execute(DELETE_USER_SESSIONS, &[&user.as_str()])?;
            Ok(())
        })
    }

    fn password_hash(&self, user: &UserId) -> Result<Option<String>> {
        self.read(|c| {
            c.query_opt(SELECT_PASSWORD_HASH, &[&user.as_str()])?
                .map(|r| r.value("hash"))
                .transpose()
        })
    }

    fn add_session(&self, session: &WebSession, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(DELETE_EXPIRED_SESSIONS, &[&session.created_at.millis()])?;
            tx.execute(
                INSERT_SESSION,
                &[
                    &&token_hash[..],
                    &session.user.as_str(),
                    &session.device.as_str(),
                    &session.csrf,
                    &session.created_at.millis(),
                    &session.expires_at.millis(),
                ],
            )?;
            Ok(())
        })
    }

    fn session(&self, token_hash: &[u8; 32], now: Timestamp) -> Result<Option<WebSession>> {
        self.read(|c| {
            c.query_opt(SELECT_LIVE_SESSION, &[&&token_hash[..], &now.millis()])?
                .as_ref()
                .map(session_of)
                .transpose()
        })
    }

    fn end_session(&self, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(DELETE_SESSION, &[&&token_hash[..]])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::{IdSource, Role};

    use super::*;
    use crate::storage::postgres::scratch;
    use crate::storage::{Accounts, User};

    #[test]
    fn sessions_are_known_to_every_server_until_they_end_or_expire() {
        let url = scratch::fresh().expect("a scratch database");
        let open =
            || PostgresStorage::open(&url, 4, Timestamp(0), IdSource::random()).expect("database");
        let (a, b) = (open(), open());
        let id: UserId = "desk.wang".parse().expect("a user id");
        let user = User {
            id: id.clone(),
            name: "Wang Fang".to_owned(),
            role: Role::ServiceDesk,
            actor: None,
            created_at: Timestamp(0),
        };
        a.add_user(&user).expect("added");
        assert_eq!(b.password_hash(&id).expect("read"), None);
        a.set_password(&id, "$argon2id$first", Timestamp(1))
            .expect("set");
        assert_eq!(
            b.password_hash(&id).expect("read").as_deref(),
            Some("$argon2id$first")
        );
        let session = |at: i64| WebSession {
            user: id.clone(),
            device: IdSource::random().device(),
            csrf: format!("csrf{at}"),
            created_at: Timestamp(at),
            expires_at: Timestamp(at + 100),
        };
        let first = session(10);
        a.add_session(&first, &[1; 32]).expect("added");
        assert_eq!(
            b.session(&[1; 32], Timestamp(50)).expect("read"),
            Some(first)
        );
        assert_eq!(b.session(&[1; 32], Timestamp(110)).expect("read"), None);
        b.end_session(&[1; 32]).expect("ended");
        assert_eq!(a.session(&[1; 32], Timestamp(50)).expect("read"), None);
        // A new password ends every session.
        a.add_session(&session(200), &[2; 32]).expect("added");
        b.set_password(&id, "$argon2id$second", Timestamp(201))
            .expect("set");
        assert_eq!(a.session(&[2; 32], Timestamp(202)).expect("read"), None);
        assert_eq!(
            a.password_hash(&id).expect("read").as_deref(),
            Some("$argon2id$second")
        );
    }
}
