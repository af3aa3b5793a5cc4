//! fieldledger-core: what a technician's phone and the office server share.
//!
//! - [`ticket`]: one automerge document per ticket, its sections, operations and typed views;
//! - [`policy`]: which roles may perform which action, and the duties that separate them;
//! - [`admission`]: the server's check that each change a device sends is exactly the action it
//!   names, performed by the device's user;
//! - [`store`]: the device store, one SQLite file per device;
//! - [`exchange`]: moving changes between stores without a server;
//! - [`protocol`], [`sync`], [`transport`]: sync with the office server;
//! - [`enrolment`]: the enrolment links that hand a device its server and token;
//! - [`change_bytes`]: changes from elsewhere (a device's at the server, the server's on a
//!   device), decoded within a budget of inflated bytes and caps on the operations they
//!   announce, their columns checked before automerge reads them.
//!
//! The crate knows nothing of uniffi or axum; the bindings and the server wrap it.

pub mod admission;
pub mod author;
pub mod blob;
pub mod change_bytes;
pub mod enrolment;
pub mod error;
pub mod exchange;
pub mod id;
pub mod policy;
pub mod protocol;
pub mod role;
pub mod rule;
pub mod section;
#[cfg(test)]
mod stable_names;
pub mod status;
pub mod store;
pub mod sync;
pub mod ticket;
pub mod time;
pub mod transport;

pub use author::Author;
pub use error::{Error, Result};
pub use id::{DeviceId, EntryId, IdSource, TicketId, UserId};
pub use role::Role;
pub use rule::Rule;
pub use section::Section;
pub use store::{Store, StoreOptions, TicketSummary};
pub use ticket::{Operation, Ticket, TicketView};
pub use time::{Clock, Date, SteppingClock, SystemClock, Timestamp};
