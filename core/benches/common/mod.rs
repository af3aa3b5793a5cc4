//! What the benchmarks of the core share: the complaint they register and the work-log step
//! they record.

use fieldledger_core::EntryId;
use fieldledger_core::Operation;
use fieldledger_core::ticket::intake::{IntakeSource, Registration, TicketKind};
use fieldledger_core::ticket::visit::{Measurement, Work};

/// The registration of complaint number `n`.
pub(crate) fn registration(n: usize) -> Registration {
    Registration {
        kind: TicketKind::Complaint,
        complaint: true,
        product_name: "KYN28A-12 switchgear".into(),
        model: "KYN28A-12/1250".into(),
        job_number: format!("J2026-{n:05}"),
        contract_number: "HT-2025-311".into(),
        customer_name: format!("Customer {n}"),
        contact_person: "Li Ming".into(),
        contact_method: "+86 138 0000 0000".into(),
        content: "Breaker in bay 3 fails to close after maintenance.".into(),
        requests: "Send a technician this week.".into(),
        source: IntakeSource::Customer,
        sales_representative: None,
        sales_rep: None,
        major: false,
        customer_id: None,
        unit_id: None,
    }
}

/// Step `n` of a visit's work log: a measurement.
pub(crate) fn step(visit: &EntryId, n: usize) -> Operation {
    Operation::LogWork {
        visit_id: visit.clone(),
        work: Work::Step {
            description: format!("Insulation resistance, phase {}", n % 3),
            measurements: vec![Measurement {
                quantity: "R".into(),
                value: 2000.0 + n as f64,
                unit: "MΩ".into(),
            }],
        },
    }
}
