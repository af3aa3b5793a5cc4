//! Users, devices and the actors bound to them, the system actor and the demo mark, in SQLite.

use automerge::ActorId;
use fieldledger_core::{DeviceId, Timestamp, UserId};
use rusqlite::params;

use super::SqliteStorage;
use super::row::{NamedRow, all, corrupt, first, one};
use crate::error::{Code, Error};
use crate::storage::{Accounts, ActorBinding, Device, Result, User};

/// The most automerge actors one device may hold (one per install of the app, in practice).
const MAX_ACTORS_PER_DEVICE: usize = 8;

const SELECT_SYSTEM_ACTOR: &str = "SELECT system_actor FROM server_meta";
const SELECT_MADE_BY_DEMO: &str = "SELECT made_by_demo FROM server_meta";
const MARK_MADE_BY_DEMO: &str = "UPDATE server_meta SET made_by_demo = 1";

/// Adds a user unless one with the id exists.
const INSERT_USER: &str = "INSERT OR IGNORE INTO users (user_id, name, role, actor_id, created_at)
    VALUES (?1, ?2, ?3, ?4, ?5)";
const SELECT_USERS: &str = "SELECT user_id, name, role, actor_id, created_at FROM users
    ORDER BY user_id";
const SELECT_USER: &str = "SELECT user_id, name, role, actor_id, created_at FROM users
    WHERE user_id = ?1";

const INSERT_DEVICE: &str = "INSERT INTO devices
    (device_id, user_id, label, token_hash, enrolled_at) VALUES (?1, ?2, ?3, ?4, ?5)";
const REVOKE_DEVICE: &str = "UPDATE devices SET revoked_at = ?2
    WHERE device_id = ?1 AND revoked_at IS NULL";
const SELECT_DEVICES: &str =
    "SELECT device_id, user_id, label, enrolled_at, revoked_at FROM devices
    ORDER BY user_id, enrolled_at";
const SELECT_ACTIVE_DEVICE_BY_TOKEN: &str = "SELECT device_id, user_id, label, enrolled_at,
        revoked_at
    FROM devices WHERE token_hash = ?1 AND revoked_at IS NULL";

const SELECT_DEVICE_ACTORS: &str = "SELECT actor_id FROM device_actors WHERE device_id = ?1";
/// Binds actor `?1` to device `?2` unless it is bound already, the device holds `?3` actors, or
/// it is the actor of an office user or of the server itself (never a device's).
const BIND_ACTOR: &str = "INSERT OR IGNORE INTO device_actors (actor_id, device_id)
    SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM users WHERE actor_id = ?1)
        AND NOT EXISTS (SELECT 1 FROM server_meta WHERE system_actor = ?1)
        AND (SELECT count(*) FROM device_actors WHERE device_id = ?2) < ?3";
const SELECT_ACTOR_DEVICE: &str = "SELECT device_id FROM device_actors WHERE actor_id = ?1";

/// A user from a row of [`SELECT_USERS`].
fn user_of(row: &NamedRow<'_>) -> Result<User> {
    Ok(User {
        id: row.parsed("user_id")?,
        name: row.get("name")?,
        role: row.parsed("role")?,
        actor: Some(ActorId::from(row.get::<Vec<u8>>("actor_id")?)),
        created_at: row.timestamp("created_at")?,
    })
}

/// A device from a row of [`SELECT_DEVICES`].
fn device_of(row: &NamedRow<'_>) -> Result<Device> {
    Ok(Device {
        id: row.parsed("device_id")?,
        user: row.parsed("user_id")?,
        label: row.get("label")?,
        enrolled_at: row.timestamp("enrolled_at")?,
        revoked_at: row.timestamp_opt("revoked_at")?,
    })
}

impl SqliteStorage {
    /// The actors bound to `device`.
    fn device_actors(&self, device: &DeviceId) -> Result<Vec<ActorId>> {
        self.read(|c| {
            all(c, SELECT_DEVICE_ACTORS, [device.as_str()], |r| {
                Ok(ActorId::from(r.get::<Vec<u8>>("actor_id")?))
            })
        })
    }
}

impl Accounts for SqliteStorage {
    fn system_actor(&self) -> Result<ActorId> {
        self.read(|c| {
            let actor: Vec<u8> = one(c, SELECT_SYSTEM_ACTOR, [], |r| r.get("system_actor"))?;
            Ok(ActorId::from(actor))
        })
    }

    fn add_user(&self, user: &User) -> Result<()> {
        let actor = user.actor.clone().unwrap_or_else(|| self.ids.actor());
        self.write(|tx| {
            let added = tx.execute(
                INSERT_USER,
                params![
                    user.id.as_str(),
                    user.name,
                    user.role.as_str(),
                    actor.to_bytes(),
                    user.created_at.millis()
                ],
            )?;
            if added == 0 {
                return Err(Error::new(
                    Code::Exists,
                    format!("user {} exists already", user.id),
                ));
            }
            Ok(())
        })
    }

    fn users(&self) -> Result<Vec<User>> {
        self.read(|c| all(c, SELECT_USERS, [], user_of))
    }

    fn user(&self, id: &UserId) -> Result<Option<User>> {
        self.read(|c| first(c, SELECT_USER, [id.as_str()], user_of))
    }

    fn add_device(&self, device: &Device, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                INSERT_DEVICE,
                params![
                    device.id.as_str(),
                    device.user.as_str(),
                    device.label,
                    &token_hash[..],
                    device.enrolled_at.millis()
                ],
            )?;
            Ok(())
        })
    }

    fn revoke_device(&self, id: &DeviceId, at: Timestamp) -> Result<bool> {
        self.write(|tx| Ok(tx.execute(REVOKE_DEVICE, params![id.as_str(), at.millis()])? > 0))
    }

    fn devices(&self) -> Result<Vec<Device>> {
        self.read(|c| all(c, SELECT_DEVICES, [], device_of))
    }

    fn device_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<(Device, User)>> {
        let found = self.read(|c| {
            first(
                c,
                SELECT_ACTIVE_DEVICE_BY_TOKEN,
                [&token_hash[..]],
                device_of,
            )
        })?;
        let Some(device) = found else { return Ok(None) };
        let user = self
            .user(&device.user)?
            .ok_or_else(|| corrupt("device owner"))?;
        Ok(Some((device, user)))
    }

    fn bind_actors(&self, device: &DeviceId, actors: &[ActorId]) -> Result<ActorBinding> {
        let known = self.device_actors(device)?;
        if actors.iter().all(|a| known.contains(a)) {
            return Ok(ActorBinding {
                bound: known,
                refused: Vec::new(),
            });
        }
        let refused = self.write(|tx| {
            let mut elsewhere = Vec::new();
            for actor in actors.iter().take(MAX_ACTORS_PER_DEVICE) {
                tx.execute(
                    BIND_ACTOR,
                    params![actor.to_bytes(), device.as_str(), MAX_ACTORS_PER_DEVICE],
                )?;
                let owner: Option<String> =
                    first(tx, SELECT_ACTOR_DEVICE, [actor.to_bytes()], |r| {
                        r.get("device_id")
                    })?;
                if owner.as_deref() != Some(device.as_str()) {
                    elsewhere.push(actor.clone());
                }
            }
            Ok(elsewhere)
        })?;
        Ok(ActorBinding {
            bound: self.device_actors(device)?,
            refused,
        })
    }

    fn made_by_demo(&self) -> Result<bool> {
        self.read(|c| one(c, SELECT_MADE_BY_DEMO, [], |r| r.get("made_by_demo")))
    }

    fn mark_made_by_demo(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute(MARK_MADE_BY_DEMO, [])?;
            Ok(())
        })
    }
}
