//! Devices, for administrators: every user with their devices, enrolling a device for a user
//! (its token answered once, with its enrolment link and that link's QR code) and revoking one.
//! Tokens are stored only as hashes, so no answer but the enrolment's ever carries one.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use fieldledger_core::{DeviceId, Role, UserId};
use serde::{Deserialize, Serialize};

use super::enrolment;
use super::extract::{Body, Segment};
use super::guard::Admin;
use super::{Result, blocking};
use crate::AppState;
use crate::accounts::{self, By};
use crate::error::{Code, Error};
use crate::storage::Device;

/// A user with their devices, as `GET /v1/devices` lists them.
#[derive(Debug, Serialize)]
pub struct UserDevices {
    /// The user's id.
    pub id: UserId,
    /// Their name.
    pub name: String,
    /// Their role.
    pub role: Role,
    /// Their devices, the most recently enrolled first.
    pub devices: Vec<Device>,
}

/// `GET /v1/devices`: every user with their devices, never a token.
pub(super) async fn list(State(state): State<AppState>, _: Admin) -> Result<Response> {
    let storage = state.storage.clone();
    let users = blocking(move || {
        let mut devices = storage.devices()?;
        devices.sort_by(|a, b| b.enrolled_at.cmp(&a.enrolled_at).then(a.id.cmp(&b.id)));
        let mut users = storage.users()?;
        users.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(users
            .into_iter()
            .map(|user| UserDevices {
                devices: devices
                    .iter()
                    .filter(|d| d.user == user.id)
                    .cloned()
                    .collect(),
                id: user.id,
                name: user.name,
                role: user.role,
            })
            .collect::<Vec<_>>())
    })
    .await?;
    Ok(Json(serde_json::json!({ "users": users })).into_response())
}

/// What `POST /v1/devices` takes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enrol {
    /// The user the device is for.
    pub user: String,
    /// A label, for example "Zhang Wei's phone".
    pub label: String,
}

/// What `POST /v1/devices` answers: the only time the token is ever shown.
#[derive(Debug, Serialize)]
pub struct Enrolled {
    /// The new device.
    pub device: Device,
    /// Its bearer token.
    pub token: String,
    /// The enrolment link, `<base URL>/enrol#token=<token>`.
    pub link: String,
    /// The link as a QR code, in SVG.
    pub qr_svg: String,
}

/// `POST /v1/devices`: enrols a device for a user.
pub(super) async fn enrol(
    State(state): State<AppState>,
    parts: Parts,
    Admin(admin): Admin,
    Body(body): Body<Enrol>,
) -> Result<Response> {
    let user: UserId = body
        .user
        .trim()
        .parse()
        .map_err(|e: fieldledger_core::Error| Error::new(Code::BadId, e.to_string()))?;
    // Checked before anything is written, so that a request whose link cannot be made enrols
    // nothing.
    let base = enrolment::base_url(&state, &parts)?;
    let label = accounts::label(&body.label)?;
    let enrolled = blocking(move || {
        let (device, token) =
            accounts::enrol_by(&state, By::Administrator(&admin.user.id), &user, &label)?;
        let link = enrolment::link(&base, &token)?;
        let qr_svg = enrolment::qr_svg(&link)?;
        Ok(Enrolled {
            device,
            token,
            link,
            qr_svg,
        })
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(enrolled),
    )
        .into_response())
}

/// `POST /v1/devices/{id}/revoke`: revokes a device; its token stops working at once. A device
/// revoked before is answered as it is.
pub(super) async fn revoke(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Segment(id): Segment<String>,
) -> Result<Response> {
    let id: DeviceId = id
        .parse()
        .map_err(|e: fieldledger_core::Error| Error::new(Code::BadId, e.to_string()))?;
    let (device, _) =
        blocking(move || accounts::revoke_by(&state, By::Administrator(&admin.user.id), &id))
            .await?;
    Ok(Json(serde_json::json!({ "device": device })).into_response())
}
