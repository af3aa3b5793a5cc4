//! Who uses the server: users, their enrolled devices and the automerge actors each device
//! writes under, the server's own actor, and whether `serve --demo` made the data directory.

use automerge::ActorId;
use fieldledger_core::{DeviceId, Role, Timestamp, UserId};
use serde::{Deserialize, Serialize};

use super::Result;

/// A person who uses fieldledger.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Their id.
    pub id: UserId,
    /// Their name as shown.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// The automerge actor under which the server writes their office edits.
    #[serde(skip)]
    pub actor: Option<ActorId>,
    /// When they were added.
    pub created_at: Timestamp,
}

/// An enrolled device (a phone, or an office client) with its token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Its id.
    pub id: DeviceId,
    /// Whose device it is.
    pub user: UserId,
    /// A label, for example "Zhang Wei's phone".
    pub label: String,
    /// When it was enrolled.
    pub enrolled_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// The actors of a device after it presented some.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActorBinding {
    /// Every actor bound to the device.
    pub bound: Vec<ActorId>,
    /// Presented actors that belong to someone else.
    pub refused: Vec<ActorId>,
}

/// Users, devices and actors.
pub trait Accounts {
    /// The actor under which the server itself writes (ledger numbers, the return visits it
    /// plans).
    fn system_actor(&self) -> Result<ActorId>;

    /// Adds a user; refuses an id that exists.
    fn add_user(&self, user: &User) -> Result<()>;
    /// Every user.
    fn users(&self) -> Result<Vec<User>>;
    /// One user.
    fn user(&self, id: &UserId) -> Result<Option<User>>;

    /// Adds a device with the hash of its token.
    fn add_device(&self, device: &Device, token_hash: &[u8; 32]) -> Result<()>;
    /// Revokes a device; returns whether it existed and was active.
    fn revoke_device(&self, id: &DeviceId, at: Timestamp) -> Result<bool>;
    /// Every device.
    fn devices(&self) -> Result<Vec<Device>>;
    /// The active device holding the token with this hash, and its user.
    fn device_by_token(&self, token_hash: &[u8; 32]) -> Result<Option<(Device, User)>>;
    /// Binds unbound `actors` to `device`.
    fn bind_actors(&self, device: &DeviceId, actors: &[ActorId]) -> Result<ActorBinding>;

    /// Whether `serve --demo` made this data directory ([`Accounts::mark_made_by_demo`]): only
    /// then may a later `serve --demo` reset its passwords and replace its demo tokens.
    fn made_by_demo(&self) -> Result<bool>;
    /// Records that `serve --demo` made this data directory, with its demo organisation.
    fn mark_made_by_demo(&self) -> Result<()>;
}
