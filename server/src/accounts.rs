//! The people who use fieldledger and their devices: adding a user, enrolling a device (which
//! prints its bearer token once) and revoking one. The command line, the demo and the tests all
//! go through here.

use fieldledger_core::{DeviceId, Role, UserId};

use crate::AppState;
use crate::auth::{new_token, token_hash};
use crate::error::{Code, Error};
use crate::storage::{Device, User};

/// The user id the server writes its own changes as (ledger numbers, planned return visits).
pub const SYSTEM_USER: &str = "system";

/// Adds user `id`, named `name`, with `role`; returns the user.
pub fn add_user(state: &AppState, id: &UserId, name: &str, role: Role) -> Result<User, Error> {
    if id.as_str() == SYSTEM_USER {
        return Err(Error::new(
            Code::Reserved,
            "the user id 'system' is reserved for the server itself",
        ));
    }
    let user = User {
        id: id.clone(),
        name: name.to_owned(),
        role,
        actor: None,
        created_at: state.clock.now(),
    };
    state.storage.add_user(&user)?;
    Ok(user)
}

/// Enrols a new device, labelled `label`, for `user`; returns the device and its bearer token,
/// which is stored only as a hash and so is shown only now.
pub fn enrol(state: &AppState, user: &UserId, label: &str) -> Result<(DeviceId, String), Error> {
    if state.storage.user(user)?.is_none() {
        return Err(Error::not_found(format!("no user {user}")));
    }
    let token = new_token();
    let device = Device {
        id: state.engine.ids().device(),
        user: user.clone(),
        label: label.to_owned(),
        enrolled_at: state.clock.now(),
        revoked_at: None,
    };
    state.storage.add_device(&device, &token_hash(&token))?;
    Ok((device.id, token))
}

/// Revokes `device`: its token stops working at once. `false` when no active device has that id.
pub fn revoke(state: &AppState, device: &DeviceId) -> Result<bool, Error> {
    state.storage.revoke_device(device, state.clock.now())
}
