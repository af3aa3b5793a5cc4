//! uniffi bindings of fieldledger-core for Kotlin, Swift and Python (namespace `fieldledger`).
//!
//! This is the only crate with uniffi exports, and each export is a thin wrapper over
//! `fieldledger_core`:
//! - [`DeviceStore`] (`device.rs`): the app-facing object: a technician's device store, its jobs,
//!   the on-site actions, conflicts and history, enrolment and sync status;
//! - [`OnSiteVisit`] (`visit.rs`): a visit in progress, with the work-log, photo and departure
//!   actions;
//! - `sync.rs`: sync off the caller's thread, as an async method, with progress and cancellation;
//! - [`FieldLedgerError`] (`error.rs`): the one public error and the one place core errors map
//!   to it;
//! - `types.rs`: how core's ids, times and records cross the FFI.
//!
//! `scripts/bindings` builds the library and writes the Kotlin, Swift and Python sources.

uniffi::setup_scaffolding!("fieldledger");

mod device;
mod error;
mod sync;
mod types;
mod visit;

pub use device::DeviceStore;
pub use error::FieldLedgerError;
pub use sync::{SyncCancel, SyncProgress, SyncReport, SyncStatus};
pub use types::FieldConflict;
pub use visit::OnSiteVisit;
