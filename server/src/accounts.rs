//! The people who use fieldledger and their devices: adding a user, enrolling a device (which
//! gives its bearer token once) and revoking one. The command line, the administrators' API,
//! the demo and the tests all go through here; what people do is also written to the security
//! log ([`enrol_by`], [`revoke_by`]).

use fieldledger_core::{DeviceId, Role, UserId};

use crate::AppState;
use crate::auth::{new_token, token_hash};
use crate::error::{Code, Error};
use crate::storage::{Device, SecurityEvent, User};
use crate::system_user::SYSTEM_USER;

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

/// The longest device label, in characters.
pub const MAX_LABEL_CHARS: usize = 80;

/// The security log's kind for a device enrolled.
pub const DEVICE_ENROLLED: &str = "device_enrolled";
/// The security log's kind for a device revoked.
pub const DEVICE_REVOKED: &str = "device_revoked";

/// Who enrols or revokes a device, as the security log names them.
#[derive(Clone, Copy, Debug)]
pub enum By<'a> {
    /// Whoever runs `fieldledger-server device` on the server's machine.
    CommandLine,
    /// An administrator, through the API or the dashboard.
    Administrator(&'a UserId),
}

impl std::fmt::Display for By<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            By::CommandLine => f.write_str("on the server's command line"),
            By::Administrator(user) => write!(f, "by administrator {user}"),
        }
    }
}

/// A device label as stored: `label` without the spaces around it, refused (`invalid`) when
/// empty, longer than [`MAX_LABEL_CHARS`] or holding control characters.
pub fn label(label: &str) -> Result<String, Error> {
    let label = label.trim();
    if label.is_empty() {
        return Err(Error::new(Code::Invalid, "a device needs a label"));
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(Error::new(
            Code::Invalid,
            format!("a device label has at most {MAX_LABEL_CHARS} characters"),
        ));
    }
    if label.chars().any(char::is_control) {
        return Err(Error::new(
            Code::Invalid,
            "a device label may not hold control characters (line breaks, tabs)",
        ));
    }
    Ok(label.to_owned())
}

/// Enrols a new device, labelled `label`, for `user`; returns the device and its bearer token,
/// which is stored only as a hash and so is shown only now. Writes nothing to the security log
/// (the demo and the tests enrol this way); people enrol through [`enrol_by`].
pub fn enrol(state: &AppState, user: &UserId, label: &str) -> Result<(DeviceId, String), Error> {
    add_device(state, user, label).map(|(device, token)| (device.id, token))
}

/// Enrols a device as [`enrol`] does, asked `by` someone, and records it in the security log
/// (`device_enrolled`); returns the device and its token.
pub fn enrol_by(
    state: &AppState,
    by: By<'_>,
    user: &UserId,
    label: &str,
) -> Result<(Device, String), Error> {
    let (device, token) = add_device(state, user, label)?;
    log(
        state,
        DEVICE_ENROLLED,
        &device,
        format!("enrolled {by} as {:?}", device.label),
    )?;
    Ok((device, token))
}

fn add_device(state: &AppState, user: &UserId, label: &str) -> Result<(Device, String), Error> {
    let label = self::label(label)?;
    if state.storage.user(user)?.is_none() {
        return Err(Error::not_found(format!("no user {user}")));
    }
    let token = new_token();
    let device = Device {
        id: state.engine.ids().device(),
        user: user.clone(),
        label,
        enrolled_at: state.clock.now(),
        revoked_at: None,
    };
    state.storage.add_device(&device, &token_hash(&token))?;
    Ok((device, token))
}

/// Revokes `device`: its token stops working at once. `false` when no active device has that id.
pub fn revoke(state: &AppState, device: &DeviceId) -> Result<bool, Error> {
    state.storage.revoke_device(device, state.clock.now())
}

/// Revokes `device` as [`revoke`] does, asked `by` someone, and records it in the security log
/// (`device_revoked`). Returns the device as it now is and whether this call revoked it: one
/// revoked before stays as it was and is not logged again. `not_found` when no device has
/// that id.
pub fn revoke_by(state: &AppState, by: By<'_>, device: &DeviceId) -> Result<(Device, bool), Error> {
    let find = || -> Result<Device, Error> {
        state
            .storage
            .devices()?
            .into_iter()
            .find(|d| &d.id == device)
            .ok_or_else(|| Error::not_found(format!("no device {device}")))
    };
    let before = find()?;
    if before.revoked_at.is_some() || !revoke(state, device)? {
        return Ok((find()?, false));
    }
    let after = find()?;
    log(
        state,
        DEVICE_REVOKED,
        &after,
        format!("revoked {by}; it was {:?}", after.label),
    )?;
    Ok((after, true))
}

/// Writes one security event of `kind` about `device` (and its user).
fn log(state: &AppState, kind: &str, device: &Device, detail: String) -> Result<(), Error> {
    state.engine.log_security(vec![SecurityEvent {
        at: state.clock.now(),
        kind: kind.to_owned(),
        device: Some(device.id.clone()),
        user: Some(device.user.clone()),
        ticket: None,
        detail,
    }])
}
