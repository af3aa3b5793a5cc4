//! A visit in progress: what the on-site screen holds from arrival to departure. Its actions
//! name neither the ticket nor the visit again, so that each crosses the FFI with only what
//! changes between calls.

use std::path::Path;
use std::sync::Arc;

use fieldledger_core::ticket::visit::Work;
use fieldledger_core::{EntryId, Operation, TicketId};

use crate::device::DeviceStore;
use crate::error::Result;

/// One stay on site of the device's technician: from `DeviceStore.arrive` or, to go on with a
/// visit after the app restarted, `DeviceStore.visit`. Its methods fail with `Closed` once the
/// store is closed.
#[derive(Debug, uniffi::Object)]
pub struct OnSiteVisit {
    device: Arc<DeviceStore>,
    ticket: TicketId,
    visit: EntryId,
}

impl OnSiteVisit {
    /// The visit `visit` of `ticket` in `device`.
    pub(crate) fn new(device: Arc<DeviceStore>, ticket: TicketId, visit: EntryId) -> Arc<Self> {
        Arc::new(Self {
            device,
            ticket,
            visit,
        })
    }
}

#[uniffi::export]
impl OnSiteVisit {
    /// The ticket visited.
    pub fn ticket_id(&self) -> TicketId {
        self.ticket.clone()
    }

    /// The visit's id, as the ticket's visits list it.
    pub fn visit_id(&self) -> EntryId {
        self.visit.clone()
    }

    /// Adds to the work log a commissioning step with its measurements, a repair action, or a
    /// part used or removed; returns the entry's id.
    pub fn log_work(&self, work: Work) -> Result<EntryId> {
        let visit_id = self.visit.clone();
        self.device
            .create(&self.ticket, Operation::LogWork { visit_id, work })
    }

    /// Copies the photo at `path` (of media type `mime`, for example `image/jpeg`) into the
    /// store and attaches it to the visit; it uploads with the next sync. Returns its id.
    pub fn attach_photo(&self, path: String, mime: String, caption: String) -> Result<EntryId> {
        let blob = self.device.store()?.add_blob(Path::new(&path), &mime)?;
        let visit_id = self.visit.clone();
        self.device.create(
            &self.ticket,
            Operation::AttachPhoto {
                visit_id,
                blob,
                caption,
            },
        )
    }

    /// Leaves the site: ends the visit.
    pub fn depart(&self) -> Result<()> {
        let visit_id = self.visit.clone();
        self.device
            .record(&self.ticket, Operation::Depart { visit_id })
            .map(drop)
    }
}
