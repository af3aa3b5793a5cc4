//! Tests of the sales representative's part of a ticket: the representative named at intake
//! and by amendment, their confirmation that the service requirements were met, and the costs
//! they bear.

use super::cost::{Bearer, CostKind, NewCost};
use super::decision::Disposition;
use super::intake::{IntakeAmendment, IntakeSource, Registration};
use super::tests::{apply, author, new_ticket, refused_by_duty, registration};
use super::*;
use crate::id::UserId;
use crate::role::Role;

fn user(id: &str) -> UserId {
    id.parse().expect("user id")
}

/// A ticket whose representative is `sales.xu`.
fn represented() -> Ticket {
    let mut t = new_ticket();
    apply(
        &mut t,
        &author("desk.wang", Role::ServiceDesk),
        1_500,
        Operation::AmendIntake(IntakeAmendment {
            sales_rep: Some(user("sales.xu")),
            ..IntakeAmendment::default()
        }),
    );
    t
}

/// Resolves `t`: a technician's visit and a repair decided on site.
fn resolve(t: &mut Ticket) {
    let tech = author("tech.zhang", Role::Technician);
    let visit = apply(
        t,
        &tech,
        2_000,
        Operation::Arrive {
            order_id: None,
            site: "bay 3".into(),
        },
    )
    .expect("visit");
    apply(
        t,
        &tech,
        2_500,
        Operation::Decide {
            disposition: Disposition::RepairOnSite,
            rationale: "coil".into(),
        },
    );
    apply(t, &tech, 3_000, Operation::Depart { visit_id: visit });
    assert_eq!(
        crate::status::Status::of(&t.view().expect("view")),
        crate::status::Status::Resolved
    );
}

fn confirm(met: bool, note: &str) -> Operation {
    Operation::ConfirmServiceMet {
        met,
        note: note.into(),
    }
}

fn cost(bearer: Bearer, borne_by: Option<&str>) -> Operation {
    Operation::SubmitCost(NewCost {
        kind: CostKind::Freight,
        amount_minor: 50_000,
        currency: "CNY".into(),
        bearer,
        borne_by: borne_by.map(user),
        description: "express freight".into(),
    })
}

#[test]
fn the_representative_is_registered_as_a_user_and_changed_by_amendment() {
    let t = Ticket::register(
        TicketId::random(),
        automerge::ActorId::random(),
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(1_000),
        &Registration {
            source: IntakeSource::SalesRepresentative,
            sales_rep: Some(user("sales.qian")),
            ..registration()
        },
    );
    let mut t = t.expect("a representative user stands for the name");
    let view = t.view().expect("view");
    assert_eq!(view.intake.registration.sales_rep, Some(user("sales.qian")));
    assert_eq!(view.intake.registration.sales_representative, None);
    apply(
        &mut t,
        &author("com.li", Role::Commerce),
        2_000,
        Operation::AmendIntake(IntakeAmendment {
            sales_rep: Some(user("sales.xu")),
            ..IntakeAmendment::default()
        }),
    );
    let view = t.view().expect("view");
    assert_eq!(view.intake.registration.sales_rep, Some(user("sales.xu")));
    // A representative may not amend the intake, nor so name themselves.
    let own = Operation::AmendIntake(IntakeAmendment {
        sales_rep: Some(user("sales.qian")),
        ..IntakeAmendment::default()
    });
    assert!(
        t.apply(&author("sales.qian", Role::Sales), Timestamp(3_000), &own)
            .is_err()
    );
}

#[test]
fn the_representative_confirms_the_service_once_resolved_and_no_one_else() {
    let mut t = represented();
    let rep = author("sales.xu", Role::Sales);
    let refused = t.apply(&rep, Timestamp(1_800), &confirm(true, ""));
    assert_eq!(
        refused.err().map(|e| e.to_string()).as_deref(),
        Some("invalid service confirmation: is given once the ticket is resolved or closed")
    );
    resolve(&mut t);
    refused_by_duty(
        &mut t,
        &author("sales.qian", Role::Sales),
        &confirm(true, ""),
    );
    let desk = t.apply(
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(4_000),
        &confirm(true, ""),
    );
    assert!(matches!(desk, Err(Error::NotPermitted { .. })), "{desk:?}");
    let heads = t.heads();
    assert!(
        t.apply(&rep, Timestamp(4_000), &confirm(false, "  "))
            .is_err()
    );
    assert_eq!(t.heads(), heads, "a refused confirmation writes nothing");
    let first = apply(&mut t, &rep, 4_000, confirm(false, "still trips weekly"));
    let second = apply(&mut t, &rep, 5_000, confirm(true, ""));
    let view = t.view().expect("view");
    assert!(
        view.followups.is_empty(),
        "a confirmation is no return visit"
    );
    assert!(view.unreadable.is_empty(), "{:?}", view.unreadable);
    let ids: Vec<_> = view
        .service_confirmations
        .iter()
        .map(|c| c.id.clone())
        .collect();
    assert_eq!(ids, [first.expect("first"), second.expect("second")]);
    let standing = view.service_confirmation().expect("confirmed");
    assert!(standing.met);
    assert_eq!(standing.confirmed_by, user("sales.xu"));
    assert_eq!(view.service_confirmations[0].note, "still trips weekly");
}

#[test]
fn a_representative_confirms_nothing_on_a_ticket_that_names_none() {
    let mut t = new_ticket();
    resolve(&mut t);
    refused_by_duty(&mut t, &author("sales.xu", Role::Sales), &confirm(true, ""));
    apply(
        &mut t,
        &author("admin", Role::Admin),
        4_000,
        confirm(true, "by phone"),
    );
}

#[test]
fn a_cost_borne_by_a_representative_names_them() {
    let mut t = represented();
    let desk = author("desk.wang", Role::ServiceDesk);
    apply(
        &mut t,
        &desk,
        2_000,
        cost(Bearer::SalesRepresentative, None),
    );
    apply(
        &mut t,
        &desk,
        2_100,
        cost(Bearer::SalesRepresentative, Some("sales.qian")),
    );
    apply(&mut t, &desk, 2_200, cost(Bearer::Company, None));
    let heads = t.heads();
    let refused = t.apply(
        &desk,
        Timestamp(2_300),
        &cost(Bearer::Company, Some("sales.xu")),
    );
    assert_eq!(
        refused.err().map(|e| e.to_string()).as_deref(),
        Some("invalid borne by: names a person only for a cost borne by a sales representative")
    );
    assert_eq!(t.heads(), heads);
    let borne: Vec<_> = t
        .view()
        .expect("view")
        .costs
        .iter()
        .map(|c| c.borne_by.clone())
        .collect();
    assert_eq!(
        borne,
        [Some(user("sales.xu")), Some(user("sales.qian")), None]
    );
    // On a ticket without a representative, the cost must name who bears it.
    let mut unnamed = new_ticket();
    let refused = unnamed.apply(
        &desk,
        Timestamp(2_000),
        &cost(Bearer::SalesRepresentative, None),
    );
    assert!(
        matches!(&refused, Err(Error::Invalid { field, .. }) if *field == "borne by"),
        "{refused:?}"
    );
}
