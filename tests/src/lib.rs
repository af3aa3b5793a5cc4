//! Shared helpers for the tests that cross crates: stores for named users, the registration of
//! a typical complaint, and full exchanges between stores.

use std::path::Path;
use std::sync::Arc;

use fieldledger_core::exchange::ImportReport;
use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_core::{Author, Result, Role, SteppingClock, Store, StoreOptions, Timestamp};

/// Opens a store in `dir` for `user` acting as `role`, with a clock that starts at `start`
/// (milliseconds) and steps one second per action.
pub fn store_for(dir: &Path, user: &str, role: Role, start: i64) -> Result<Store> {
    let options = StoreOptions {
        clock: Arc::new(SteppingClock::new(Timestamp(start), 1_000)),
        ..StoreOptions::default()
    };
    let store = Store::open_with(dir, options)?;
    store.set_user(&Author::new(user.parse()?, role))?;
    Ok(store)
}

/// A complaint as the service desk registers it.
pub fn complaint(customer: &str) -> Registration {
    Registration {
        kind: TicketKind::Complaint,
        complaint: true,
        product_name: "ZN63 vacuum circuit breaker".into(),
        model: "ZN63-12/1250-31.5".into(),
        job_number: "J2026-1102".into(),
        contract_number: "HT-2026-088".into(),
        customer_name: customer.into(),
        contact_person: "Wang Fang".into(),
        contact_method: "0311-8800 1234".into(),
        content: "Breaker trips without fault indication.".into(),
        requests: "Inspect on site.".into(),
        source: IntakeSource::SalesRepresentative,
        sales_representative: Some("Zhao Lei".into()),
        major: false,
    }
}

/// Gives `to` every change `from` has that `to` lacks.
pub fn send(from: &Store, to: &Store) -> Result<ImportReport> {
    to.import(&from.export_for(&to.inventory()?)?)
}
