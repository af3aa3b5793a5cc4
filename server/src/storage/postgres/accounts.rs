//! Users, devices and the actors bound to them, the system actor and the demo mark, in
//! PostgreSQL.
//!
//! What two servers could do at once is settled by the database: a user id, a device id and a
//! token hash are each taken once (a second is refused as existing), and a device's actors are
//! bound under its row's lock, so that two servers binding at once cannot give it more than
//! [`MAX_ACTORS_PER_DEVICE`].

use automerge::ActorId;
use fieldledger_core::{DeviceId, Timestamp, UserId};
use postgres::Row;
use postgres::error::SqlState;

use super::PostgresStorage;
use super::row::{Named, bigint, corrupt};
use crate::error::{Code, Error};
use crate::storage::{Accounts, ActorBinding, Device, Result, User};

/// The most automerge actors one device may hold (one per install of the app, in practice).
const MAX_ACTORS_PER_DEVICE: usize = 8;

const SELECT_SYSTEM_ACTOR: &str = "SELECT system_actor FROM server_meta";
const SELECT_MADE_BY_DEMO: &str = "SELECT made_by_demo FROM server_meta";
const MARK_MADE_BY_DEMO: &str = "UPDATE server_meta SET made_by_demo = TRUE";

/// Adds a user unless one with the id (or the actor) exists.
const INSERT_USER: &str = "INSERT INTO users (user_id, name, role, actor_id, created_at)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
const SELECT_USERS: &str = "SELECT user_id, name, role, actor_id, created_at FROM users
    ORDER BY user_id";
const SELECT_USER: &str = "SELECT user_id, name, role, actor_id, created_at FROM users
    WHERE user_id = $1";

/// Adds a device; a device id or token hash that exists is refused by the table's keys.
const INSERT_DEVICE: &str = "INSERT INTO devices
    (device_id, user_id, label, token_hash, enrolled_at) VALUES ($1, $2, $3, $4, $5)";
const REVOKE_DEVICE: &str = "UPDATE devices SET revoked_at = $2
    WHERE device_id = $1 AND revoked_at IS NULL";
const SELECT_DEVICES: &str =
    "SELECT device_id, user_id, label, enrolled_at, revoked_at FROM devices
    ORDER BY user_id, enrolled_at";
const SELECT_ACTIVE_DEVICE_BY_TOKEN: &str = "SELECT device_id, user_id, label, enrolled_at,
        revoked_at
    FROM devices WHERE token_hash = $1 AND revoked_at IS NULL";
/// Locks a device's row until the transaction ends, so that its actors are bound one server
/// at a time.
const LOCK_DEVICE: &str = "SELECT device_id FROM devices WHERE device_id = $1 FOR UPDATE";

const SELECT_DEVICE_ACTORS: &str = "SELECT actor_id FROM device_actors WHERE device_id = $1";
/// Binds actor `$1` to device `$2` unless it is bound already, the device holds `$3` actors, or
/// it is the actor of an office user or of the server itself (never a device's).
const BIND_ACTOR: &str = "INSERT INTO device_actors (actor_id, device_id)
    SELECT $1::bytea, $2::text WHERE NOT EXISTS (SELECT 1 FROM users WHERE actor_id = $1)
        AND NOT EXISTS (SELECT 1 FROM server_meta WHERE system_actor = $1)
        AND (SELECT count(*) FROM device_actors WHERE device_id = $2) < $3
    ON CONFLICT DO NOTHING";
const SELECT_ACTOR_DEVICE: &str = "SELECT device_id FROM device_actors WHERE actor_id = $1";

/// A user from a row of [`SELECT_USERS`].
fn user_of(row: &Row) -> Result<User> {
    Ok(User {
        id: row.parsed("user_id")?,
        name: row.value("name")?,
        role: row.parsed("role")?,
        actor: Some(ActorId::from(row.value::<Vec<u8>>("actor_id")?)),
        created_at: row.timestamp("created_at")?,
    })
}

/// A device from a row of [`SELECT_DEVICES`].
fn device_of(row: &Row) -> Result<Device> {
    Ok(Device {
        id: row.parsed("device_id")?,
        user: row.parsed("user_id")?,
        label: row.value("label")?,
        enrolled_at: row.timestamp("enrolled_at")?,
        revoked_at: row.timestamp_opt("revoked_at")?,
    })
}

/// `e` in words when it is a device id or token that exists already (two enrolments at once
/// on two servers, or a token drawn twice), otherwise as it is.
fn device_exists(e: postgres::Error, device: &DeviceId) -> Error {
    if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
        Error::new(
            Code::Exists,
            format!("device {device}, or a device with its token, exists already"),
        )
    } else {
        e.into()
    }
}

impl PostgresStorage {
    /// The actors bound to `device`.
    fn device_actors(&self, device: &DeviceId) -> Result<Vec<ActorId>> {
        self.read(|c| {
            c.query(SELECT_DEVICE_ACTORS, &[&device.as_str()])?
                .iter()
                .map(|r| Ok(ActorId::from(r.value::<Vec<u8>>("actor_id")?)))
                .collect()
        })
    }
}

impl Accounts for PostgresStorage {
    fn system_actor(&self) -> Result<ActorId> {
        self.read(|c| {
            let row = c.query_one(SELECT_SYSTEM_ACTOR, &[])?;
            Ok(ActorId::from(row.value::<Vec<u8>>("system_actor")?))
        })
    }

    fn add_user(&self, user: &User) -> Result<()> {
        let actor = user.actor.clone().unwrap_or_else(|| self.ids.actor());
        self.write(|tx| {
            let added = tx.execute(
                INSERT_USER,
                &[
                    &user.id.as_str(),
                    &user.name,
                    &user.role.as_str(),
                    &actor.to_bytes(),
                    &user.created_at.millis(),
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
        self.read(|c| c.query(SELECT_USERS, &[])?.iter().map(user_of).collect())
    }

    fn user(&self, id: &UserId) -> Result<Option<User>> {
        self.read(|c| {
            c.query_opt(SELECT_USER, &[&id.as_str()])?
                .as_ref()
                .map(user_of)
                .transpose()
        })
    }

    fn add_device(&self, device: &Device, token_hash: &[u8; 32]) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                INSERT_DEVICE,
                &[
                    &device.id.as_str(),
                    &device.user.as_str(),
                    &device.label,
                    &&token_hash[..],
                    &device.enrolled_at.millis(),
                ],
            )
            .map_err(|e| device_exists(e, &device.id))?;
            Ok(())
        })
    }

    fn revoke_device(&self, id: &DeviceId, at: Timestamp) -> Result<bool> {
        self.write(|tx| Ok(tx.execute(REVOKE_DEVICE, &[&id.as_str(), &at.millis()])? > 0))
    }

    fn devices(&self) -> Result<Vec<Device>> {
        self.read(|c| {
            c.query(SELECT_DEVICES, &[])?
                .iter()
                .map(device_of)
                .collect()
        })
    }

    fn device_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<(Device, User)>> {
        let found = self.read(|c| {
            c.query_opt(SELECT_ACTIVE_DEVICE_BY_TOKEN, &[&&token_hash[..]])?
                .as_ref()
                .map(device_of)
                .transpose()
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
        let limit = bigint(MAX_ACTORS_PER_DEVICE as u64);
        let refused = self.write(|tx| {
            tx.query_opt(LOCK_DEVICE, &[&device.as_str()])?;
            let mut elsewhere = Vec::new();
            for actor in actors.iter().take(MAX_ACTORS_PER_DEVICE) {
                let bytes = actor.to_bytes();
                tx.execute(BIND_ACTOR, &[&bytes, &device.as_str(), &limit])?;
                let owner = tx.query_opt(SELECT_ACTOR_DEVICE, &[&bytes])?;
                let owner: Option<String> = owner.map(|r| r.value("device_id")).transpose()?;
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
        self.read(|c| c.query_one(SELECT_MADE_BY_DEMO, &[])?.value("made_by_demo"))
    }

    fn mark_made_by_demo(&self) -> Result<()> {
        self.write(|tx| {
            tx.execute(MARK_MADE_BY_DEMO, &[])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use fieldledger_core::{IdSource, Role};

    use super::*;
    use crate::storage::postgres::scratch;

    fn open(url: &str) -> PostgresStorage {
        PostgresStorage::open(url, 4, Timestamp(0), IdSource::random()).expect("the database")
    }

    fn user(id: &str) -> User {
        User {
            id: id.parse().expect("a user id"),
            name: "Wang Fang".to_owned(),
            role: Role::ServiceDesk,
            actor: None,
            created_at: Timestamp(5),
        }
    }

    fn device(ids: &IdSource, user: &User, at: i64) -> Device {
        Device {
            id: ids.device(),
            user: user.id.clone(),
            label: "Wang Fang's phone".to_owned(),
            enrolled_at: Timestamp(at),
            revoked_at: None,
        }
    }

    #[test]
    fn a_database_keeps_its_system_actor_and_demo_mark_for_every_server() {
        let url = scratch::fresh().expect("a scratch database");
        let (a, b) = (open(&url), open(&url));
        assert_eq!(
            a.system_actor().expect("actor"),
            b.system_actor().expect("actor")
        );
        assert!(!b.made_by_demo().expect("mark"));
        a.mark_made_by_demo().expect("marked");
        assert!(b.made_by_demo().expect("mark"));
    }

    #[test]
    fn users_and_devices_round_trip_and_a_user_is_added_once() {
        let url = scratch::fresh().expect("a scratch database");
        let (a, b) = (open(&url), open(&url));
        let wang = user("desk.wang");
        a.add_user(&wang).expect("added");
        let err = b.add_user(&wang).expect_err("exists");
        assert_eq!(err.code(), Code::Exists);
        let stored = b.user(&wang.id).expect("read").expect("the user");
        assert!(stored.actor.is_some());
        assert_eq!(
            stored,
            User {
                actor: stored.actor.clone(),
                ..wang.clone()
            }
        );
        assert_eq!(a.users().expect("users"), vec![stored.clone()]);
        assert_eq!(a.user(&"nobody".parse().expect("id")).expect("read"), None);

        let ids = IdSource::random();
        let phone = device(&ids, &wang, 10);
        a.add_device(&phone, &[1; 32]).expect("enrolled");
        let again = device(&ids, &wang, 11);
        let err = b
            .add_device(&again, &[1; 32])
            .expect_err("the token is taken");
        assert_eq!(err.code(), Code::Exists);
        assert_eq!(b.devices().expect("devices"), vec![phone.clone()]);
        let found = b.device_by_token(&[1; 32]).expect("read");
        assert_eq!(found, Some((phone.clone(), stored)));
        assert!(b.revoke_device(&phone.id, Timestamp(20)).expect("revoked"));
        assert!(!a.revoke_device(&phone.id, Timestamp(21)).expect("once"));
        assert_eq!(a.device_by_token(&[1; 32]).expect("read"), None);
        let revoked = a.devices().expect("devices");
        assert_eq!(revoked[0].revoked_at, Some(Timestamp(20)));
    }

    #[test]
    fn a_device_binds_its_own_actors_and_no_one_elses_up_to_its_limit() {
        let url = scratch::fresh().expect("a scratch database");
        let (a, b) = (open(&url), open(&url));
        let wang = user("desk.wang");
        a.add_user(&wang).expect("added");
        let ids = IdSource::random();
        let (phone, tablet) = (device(&ids, &wang, 1), device(&ids, &wang, 2));
        a.add_device(&phone, &[1; 32]).expect("enrolled");
        a.add_device(&tablet, &[2; 32]).expect("enrolled");
        let mine = ids.actor();
        let bound = a
            .bind_actors(&phone.id, std::slice::from_ref(&mine))
            .expect("bound");
        assert_eq!(
            bound,
            ActorBinding {
                bound: vec![mine.clone()],
                refused: vec![]
            }
        );
        let office = b
            .user(&wang.id)
            .expect("read")
            .and_then(|u| u.actor)
            .expect("actor");
        let system = b.system_actor().expect("actor");
        let theirs = b
            .bind_actors(&tablet.id, &[mine.clone(), office.clone(), system.clone()])
            .expect("bound");
        assert_eq!(theirs.bound, vec![]);
        assert_eq!(theirs.refused, vec![mine, office, system]);
        // Servers binding at once give a device no more than its limit.
        let actors: Vec<ActorId> = (0..2 * MAX_ACTORS_PER_DEVICE)
            .map(|_| ids.actor())
            .collect();
        std::thread::scope(|s| {
            for (i, chunk) in actors.chunks(2).enumerate() {
                let (store, tablet) = (if i % 2 == 0 { &a } else { &b }, &tablet.id);
                s.spawn(move || store.bind_actors(tablet, chunk).expect("bound"));
            }
        });
        let held = a.bind_actors(&tablet.id, &[]).expect("read").bound;
        assert_eq!(held.len(), MAX_ACTORS_PER_DEVICE);
    }
}
