//! The test kit: builders for the operations the tests record most, with plain defaults; a
//! technician at work on a device store (arrive, log, depart, decide, sync); and users with a
//! device, added through the server's accounts as the command line and the demo add them.

use std::ops::Deref;

use fieldledger_core::sync::SyncReport;
use fieldledger_core::ticket::decision::Disposition;
use fieldledger_core::ticket::visit::Work;
use fieldledger_core::{EntryId, Operation, Role, Store, TicketId, UserId};
use fieldledger_server::AppState;
use fieldledger_server::accounts;
use fieldledger_server::storage::User;

use crate::Failure;

/// Arriving at `site`, on no travel order: starts a visit.
pub fn arrive(site: impl Into<String>) -> Operation {
    Operation::Arrive {
        order_id: None,
        site: site.into(),
    }
}

/// Leaving the site of `visit`: ends it.
pub fn depart(visit: &EntryId) -> Operation {
    Operation::Depart {
        visit_id: visit.clone(),
    }
}

/// A repair step, described by `text`, in the work log of `visit`.
pub fn log_step(visit: &EntryId, text: impl Into<String>) -> Operation {
    Operation::LogWork {
        visit_id: visit.clone(),
        work: Work::Repair {
            description: text.into(),
        },
    }
}

/// The remedy `disposition`, decided for the reason `rationale`.
pub fn decide(disposition: Disposition, rationale: impl Into<String>) -> Operation {
    Operation::Decide {
        disposition,
        rationale: rationale.into(),
    }
}

/// A technician at work on their device store. Every action must be accepted; the store's own
/// methods are at hand through `Deref`.
#[derive(Debug)]
pub struct Technician {
    store: Store,
}

impl Technician {
    /// The technician using `store`.
    pub fn new(store: Store) -> Technician {
        Technician { store }
    }

    /// Records `op` on ticket `id`, which must be accepted; returns the entry it created, if any.
    pub fn perform(&self, id: &TicketId, op: &Operation) -> Option<EntryId> {
        match self.store.record(id, op) {
            Ok(applied) => applied.entry,
            Err(e) => panic!("{} refused: {e}", op.name()),
        }
    }

    /// Arrives at `site` for ticket `id`; returns the visit.
    pub fn arrive(&self, id: &TicketId, site: impl Into<String>) -> EntryId {
        self.perform(id, &arrive(site)).expect("a visit")
    }

    /// Logs a repair step, described by `text`, in `visit` of ticket `id`.
    pub fn log(&self, id: &TicketId, visit: &EntryId, text: impl Into<String>) {
        self.perform(id, &log_step(visit, text));
    }

    /// Leaves the site of `visit` of ticket `id`.
    pub fn depart(&self, id: &TicketId, visit: &EntryId) {
        self.perform(id, &depart(visit));
    }

    /// Decides `disposition` on ticket `id` for the reason `rationale`.
    pub fn decide(&self, id: &TicketId, disposition: Disposition, rationale: impl Into<String>) {
        self.perform(id, &decide(disposition, rationale));
    }

    /// Syncs with the server the store is enrolled with.
    pub fn sync(&self) -> SyncReport {
        crate::sync(&self.store).expect("sync")
    }
}

impl Deref for Technician {
    type Target = Store;

    fn deref(&self) -> &Store {
        &self.store
    }
}

/// Adds user `id`, named as the id, with `role` to the server's `state`; returns the user.
pub fn add_user(state: &AppState, id: &str, role: Role) -> Result<User, Failure> {
    let id: UserId = id.parse()?;
    Ok(accounts::add_user(state, &id, id.as_str(), role)?)
}

/// A user and the bearer token of the device enrolled for them.
#[derive(Debug, Clone)]
pub struct Enrolled {
    /// The user.
    pub user: UserId,
    /// The device's bearer token.
    pub token: String,
}

/// Enrols a new device for `user` with the server's `state`; returns its bearer token.
pub fn enrol(state: &AppState, user: &UserId) -> Result<String, Failure> {
    Ok(accounts::enrol(state, user, "test device")?.1)
}

/// Adds user `id` with `role` to the server's `state` and enrols a device for them.
pub fn user_with_device(state: &AppState, id: &str, role: Role) -> Result<Enrolled, Failure> {
    let user = add_user(state, id, role)?.id;
    let token = enrol(state, &user)?;
    Ok(Enrolled { user, token })
}
