//! Tests of the ticket document: every operation reads back, concurrent work merges, the policy
//! refuses before writing.

use automerge::ActorId;

use super::cost::{Bearer, CostKind, NewAdvance, NewCost};
use super::decision::Disposition;
use super::dispatch::{Department, NewTravelOrder, OrderKind};
use super::followup::ContactMethod;
use super::intake::{IntakeAmendment, IntakeSource, Registration, TicketKind};
use super::letter::LetterStatus;
use super::quality::{ActionKind, ActionStatus, GuidanceKind, NewAction, Responsibility};
use super::returns::{InspectionStage, Verdict};
use super::signoff::NewSignOff;
use super::visit::{Measurement, PartLine, Work};
use super::*;
use crate::blob::BlobRef;
use crate::role::Role;
use crate::time::Date;

pub(crate) fn author(user: &str, role: Role) -> Author {
    Author::new(user.parse().expect("user id"), role)
}

pub(crate) fn registration() -> Registration {
    Registration {
        kind: TicketKind::Complaint,
        complaint: true,
        product_name: "KYN28A-12 switchgear".into(),
        model: "KYN28A-12/1250".into(),
        job_number: "J2026-0417".into(),
        contract_number: "HT-2025-311".into(),
        customer_name: "Hebei Steel No. 2 Plant".into(),
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

pub(crate) fn new_ticket() -> Ticket {
    Ticket::register(
        TicketId::random(),
        ActorId::random(),
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(1_000),
        &registration(),
    )
    .expect("register")
}

pub(crate) fn apply(t: &mut Ticket, who: &Author, at: i64, op: Operation) -> Option<EntryId> {
    t.apply(who, Timestamp(at), &op).expect("apply").entry
}

fn fork(t: &Ticket) -> Ticket {
    Ticket::from_doc(t.id().clone(), t.doc().fork())
}

fn merge(a: &mut Ticket, b: &Ticket) {
    a.merge_changes(&b.changes_since(&a.heads()))
        .expect("merge");
}

#[test]
fn registration_reads_back() {
    let t = new_ticket();
    let view = t.view().expect("view");
    assert_eq!(view.intake.registration, registration());
    assert_eq!(view.intake.registered_at, Some(Timestamp(1_000)));
    assert_eq!(view.meta.ticket_id.as_ref(), Some(t.id()));
    assert_eq!(view.meta.schema, meta::SCHEMA_VERSION);
    assert!(view.unreadable.is_empty(), "{:?}", view.unreadable);
}

#[test]
fn registration_needs_the_regulation_fields() {
    let mut missing = registration();
    missing.customer_name = "  ".into();
    let err = Ticket::register(
        TicketId::random(),
        ActorId::random(),
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(0),
        &missing,
    )
    .err()
    .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some("invalid customer name: must not be empty")
    );
}

#[test]
fn the_whole_flow_reads_back_section_by_section() {
    let mut t = new_ticket();
    let desk = author("desk.wang", Role::ServiceDesk);
    let tech = author("tech.zhang", Role::Technician);
    let qa = author("qa.chen", Role::QualityAssurance);
    let inspector = author("insp.liu", Role::Inspection);
    let technical = author("tech.dept.he", Role::Technical);
    let finance = author("fin.zhao", Role::Finance);

    apply(
        &mut t,
        &desk,
        2_000,
        Operation::HandOff {
            person: None,
            to: vec![Role::Technician, Role::Supervisor],
            note: "urgent".into(),
        },
    );
    let order = apply(
        &mut t,
        &desk,
        3_000,
        Operation::IssueTravelOrder(NewTravelOrder {
            number: "CC-2026-0091".into(),
            kind: OrderKind::OnSiteService,
            issuing_department: Department::TechnicalService,
            assignees: vec![tech.user.clone()],
        }),
    );
    let visit = apply(
        &mut t,
        &tech,
        4_000,
        Operation::Arrive {
            order_id: order.clone(),
            site: "110 kV substation, bay 3".into(),
        },
    )
    .expect("visit id");
    apply(
        &mut t,
        &tech,
        5_000,
        Operation::LogWork {
            visit_id: visit.clone(),
            work: Work::Step {
                description: "Insulation test of the breaker".into(),
                measurements: vec![Measurement {
                    quantity: "A-PE".into(),
                    value: 2500.0,
                    unit: "MΩ".into(),
                }],
            },
        },
    );
    let part = PartLine {
        part_number: "VS1-12-CL".into(),
        quantity: 1,
        serial: Some("S-88".into()),
        description: "closing coil".into(),
    };
    apply(
        &mut t,
        &tech,
        5_500,
        Operation::LogWork {
            visit_id: visit.clone(),
            work: Work::PartRemoved(part.clone()),
        },
    );
    apply(
        &mut t,
        &tech,
        5_600,
        Operation::LogWork {
            visit_id: visit.clone(),
            work: Work::PartUsed(part.clone()),
        },
    );
    apply(
        &mut t,
        &tech,
        5_700,
        Operation::LogWork {
            visit_id: visit.clone(),
            work: Work::Repair {
                description: "Replaced the closing coil".into(),
            },
        },
    );
    let blob = BlobRef {
        sha256: "ab".repeat(32),
        mime: "image/jpeg".into(),
        size: 1234,
    };
    apply(
        &mut t,
        &tech,
        5_800,
        Operation::AttachPhoto {
            visit_id: visit.clone(),
            blob: blob.clone(),
            caption: "burnt coil".into(),
        },
    );
    apply(
        &mut t,
        &tech,
        6_000,
        Operation::Decide {
            disposition: Disposition::RepairOnSite,
            rationale: "coil burnt".into(),
        },
    );
    let signoff = apply(
        &mut t,
        &tech,
        6_500,
        Operation::SignOff(NewSignOff {
            signer_name: "Li Ming".into(),
            signer_title: "Electrical engineer".into(),
            statement: "Works".into(),
            visit_id: Some(visit.clone()),
            signature: None,
        }),
    );
    apply(
        &mut t,
        &tech,
        7_000,
        Operation::Depart {
            visit_id: visit.clone(),
        },
    );
    let ret = apply(
        &mut t,
        &tech,
        7_100,
        Operation::RequestReturn {
            unit: "S-88".into(),
            reason: "analyse the burnt coil".into(),
        },
    )
    .expect("return");
    apply(
        &mut t,
        &inspector,
        8_000,
        Operation::ReceiveReturn {
            return_id: ret.clone(),
        },
    );
    apply(
        &mut t,
        &inspector,
        8_100,
        Operation::RecordInspection {
            return_id: ret.clone(),
            stage: InspectionStage::Incoming,
            verdict: Verdict::DefectConfirmed,
            findings: "turn short".into(),
        },
    );
    apply(
        &mut t,
        &qa,
        9_000,
        Operation::RecordCause {
            cause: "Coil wire insulation defect".into(),
            cause_code: None,
        },
    );
    apply(
        &mut t,
        &qa,
        9_100,
        Operation::RuleResponsibility {
            responsibility: Responsibility::Supplier,
        },
    );
    let due: Date = "2026-12-31".parse().expect("date");
    let action = apply(
        &mut t,
        &qa,
        9_200,
        Operation::AddCorrectiveAction(NewAction {
            kind: ActionKind::Corrective,
            description: "Incoming test of coils".into(),
            owner: "procurement".into(),
            due,
            owner_department: Some(Role::Procurement),
        }),
    )
    .expect("action");
    apply(
        &mut t,
        &qa,
        9_300,
        Operation::SetActionStatus {
            action_id: action.clone(),
            status: ActionStatus::Done,
            evidence: String::new(),
        },
    );
    apply(
        &mut t,
        &technical,
        9_400,
        Operation::DraftLetter {
            number: "TA-2026-07".into(),
            body: "Analysis".into(),
        },
    );
    apply(&mut t, &technical, 9_500, Operation::IssueLetter);
    let cost = apply(
        &mut t,
        &desk,
        10_000,
        Operation::SubmitCost(NewCost {
            kind: CostKind::Travel,
            amount_minor: 128_050,
            currency: "CNY".into(),
            bearer: Bearer::Supplier,
            borne_by: None,
            description: "train and hotel".into(),
        }),
    )
    .expect("cost");
    apply(
        &mut t,
        &author("sup.sun", Role::Supervisor),
        10_100,
        Operation::AuditCost {
            cost_id: cost.clone(),
            approved: true,
            note: "ok".into(),
        },
    );
    apply(
        &mut t,
        &finance,
        10_200,
        Operation::SettleCost {
            cost_id: cost.clone(),
            reference: "PZ-778".into(),
        },
    );
    let planned: Date = "2027-01-05".parse().expect("date");
    let rv = apply(
        &mut t,
        &desk,
        11_000,
        Operation::PlanReturnVisit {
            planned_for: planned,
            method: ContactMethod::Phone,
            assignee: None,
        },
    )
    .expect("rv");
    apply(
        &mut t,
        &desk,
        12_000,
        Operation::RecordReturnVisit {
            visit_id: rv.clone(),
            method: ContactMethod::Phone,
            satisfaction: 5,
            resolved: true,
            notes: "happy".into(),
        },
    );
    apply(
        &mut t,
        &desk,
        12_500,
        Operation::AmendIntake(IntakeAmendment {
            model: Some("KYN28A-12/1600".into()),
            ..Default::default()
        }),
    );

    let v = t.view().expect("view");
    assert!(v.unreadable.is_empty(), "{:?}", v.unreadable);
    assert_eq!(v.intake.registration.model, "KYN28A-12/1600");
    assert_eq!(v.dispatch.handoffs.len(), 1);
    assert_eq!(v.dispatch.orders[0].assignees, vec![tech.user.clone()]);
    let visit_view = &v.visits[0];
    assert_eq!(visit_view.order_id, order);
    assert_eq!(visit_view.departed_at, Some(Timestamp(7_000)));
    assert_eq!(visit_view.log.len(), 4);
    assert!(
        matches!(&visit_view.log[0].work, Work::Step { measurements, .. }
            if measurements[0].value == 2500.0 && measurements[0].unit == "MΩ")
    );
    assert_eq!(visit_view.log[1].work, Work::PartRemoved(part));
    assert_eq!(visit_view.photos[0].blob, blob);
    assert_eq!(v.decisions.disposition(), Some(Disposition::RepairOnSite));
    assert_eq!(
        v.returns[0].inspections[0].verdict,
        Verdict::DefectConfirmed
    );
    assert_eq!(v.returns[0].received_by.as_ref(), Some(&inspector.user));
    assert_eq!(v.quality.cause, "Coil wire insulation defect");
    assert_eq!(v.quality.responsibility, Some(Responsibility::Supplier));
    assert_eq!(v.quality.actions[0].status, ActionStatus::Done);
    assert_eq!(v.letter.status, LetterStatus::Issued);
    assert_eq!(v.letter.body, "Analysis");
    assert_eq!(v.costs[0].amount_minor, 128_050);
    assert_eq!(
        v.costs[0].settlement.as_ref().map(|s| s.reference.as_str()),
        Some("PZ-778")
    );
    assert_eq!(
        v.followups[0].outcome.as_ref().map(|o| o.satisfaction),
        Some(5)
    );
    assert_eq!(v.signoffs[0].id, signoff.clone().expect("signoff"));

    let signed = t
        .view_signed(&signoff.expect("signoff"))
        .expect("signed state");
    assert_eq!(
        signed.intake.registration.model, "KYN28A-12/1250",
        "the signed state predates the amendment"
    );
    assert!(signed.visits[0].departed_at.is_none());
    assert!(signed.signoffs.is_empty());

    let mut without_logs = t.view().expect("view");
    for visit in &mut without_logs.visits {
        visit.log.clear();
        visit.photos.clear();
    }
    assert_eq!(t.view_without_logs().expect("light view"), without_logs);

    let history = t.history();
    assert_eq!(history.len(), 27);
    let decide = history
        .iter()
        .find(|h| h.note.as_ref().is_some_and(|n| n.action == "decide"))
        .expect("decide in history");
    assert_eq!(decide.sections, vec![Section::Decisions]);
    assert_eq!(decide.recorded_at, Timestamp(6_000));
    assert_eq!(decide.note.as_ref().map(|n| n.role), Some(Role::Technician));
    assert_eq!(
        history[0].sections.len(),
        Section::VARIANTS.len(),
        "registration writes every section"
    );
}

#[test]
fn a_technician_cannot_write_quality_and_nothing_changes() {
    let mut t = new_ticket();
    let heads = t.heads();
    let err = t
        .apply(
            &author("tech.zhang", Role::Technician),
            Timestamp(2),
            &Operation::RecordCause {
                cause: "x".into(),
                cause_code: None,
            },
        )
        .err()
        .map(|e| e.to_string());
    assert_eq!(
        err.as_deref(),
        Some(
            "the role technician may not record_cause: the regulation gives this action to other \
            departments"
        )
    );
    assert_eq!(t.heads(), heads);
}

#[test]
fn invalid_input_leaves_the_document_unchanged() {
    let mut t = new_ticket();
    let heads = t.heads();
    let tech = author("tech.zhang", Role::Technician);
    let missing = Operation::Depart {
        visit_id: "nope".parse().expect("id"),
    };
    assert!(matches!(
        t.apply(&tech, Timestamp(2), &missing),
        Err(Error::UnknownEntry { kind: "visit", .. })
    ));
    let desk = author("desk.wang", Role::ServiceDesk);
    let rv = Operation::SubmitCost(NewCost {
        kind: CostKind::Parts,
        amount_minor: -5,
        currency: "CNY".into(),
        bearer: Bearer::Company,
        borne_by: None,
        description: "x".into(),
    });
    assert!(t.apply(&desk, Timestamp(3), &rv).is_err());
    assert_eq!(t.heads(), heads);
}

#[test]
fn concurrent_decisions_conflict_until_a_later_entry_resolves_them() {
    let mut a = new_ticket();
    let mut b = fork(&a);
    let zhang = author("tech.zhang", Role::Technician);
    let li = author("tech.li", Role::Technician);
    apply(
        &mut a,
        &zhang,
        10,
        Operation::Decide {
            disposition: Disposition::RepairOnSite,
            rationale: "fixable".into(),
        },
    );
    apply(
        &mut b,
        &li,
        11,
        Operation::Decide {
            disposition: Disposition::ReturnToFactory,
            rationale: "needs lab".into(),
        },
    );
    merge(&mut a, &b);
    merge(&mut b, &a);
    assert_eq!(a.heads(), b.heads());
    assert_eq!(a.view().expect("view"), b.view().expect("view"));
    let conflict = a.decision_conflict().expect("read").expect("conflict");
    assert_eq!(conflict.entries.len(), 2);
    assert_eq!(a.view().expect("view").decisions.disposition(), None);

    let supervisor = author("sup.sun", Role::Supervisor);
    apply(
        &mut b,
        &supervisor,
        20,
        Operation::Decide {
            disposition: Disposition::ReturnToFactory,
            rationale: "lab it".into(),
        },
    );
    merge(&mut a, &b);
    assert!(a.decision_conflict().expect("read").is_none());
    assert_eq!(
        a.view().expect("view").decisions.disposition(),
        Some(Disposition::ReturnToFactory)
    );
    assert_eq!(a.view().expect("view").decisions.entries.len(), 3);
}

#[test]
fn concurrent_agreeing_decisions_are_not_a_conflict() {
    let mut a = new_ticket();
    let mut b = fork(&a);
    apply(
        &mut a,
        &author("tech.zhang", Role::Technician),
        10,
        Operation::Decide {
            disposition: Disposition::Replace,
            rationale: "a".into(),
        },
    );
    apply(
        &mut b,
        &author("tech.li", Role::Technician),
        11,
        Operation::Decide {
            disposition: Disposition::Replace,
            rationale: "b".into(),
        },
    );
    merge(&mut a, &b);
    assert!(a.decision_conflict().expect("read").is_none());
    assert_eq!(
        a.view().expect("view").decisions.disposition(),
        Some(Disposition::Replace)
    );
}

#[test]
fn concurrent_edits_of_one_field_show_all_values_and_of_different_fields_both_survive() {
    let mut a = new_ticket();
    let mut b = fork(&a);
    let desk = author("desk.wang", Role::ServiceDesk);
    let amend = |model: Option<&str>, contract: Option<&str>| {
        Operation::AmendIntake(IntakeAmendment {
            model: model.map(Into::into),
            contract_number: contract.map(Into::into),
            ..Default::default()
        })
    };
    apply(&mut a, &desk, 10, amend(Some("M-A"), Some("HT-NEW")));
    apply(&mut b, &desk, 11, amend(Some("M-B"), None));
    apply(
        &mut b,
        &desk,
        12,
        Operation::AmendIntake(IntakeAmendment {
            job_number: Some("J-NEW".into()),
            ..Default::default()
        }),
    );
    merge(&mut a, &b);
    merge(&mut b, &a);
    let view = a.view().expect("view");
    assert_eq!(view.intake.registration.contract_number, "HT-NEW");
    assert_eq!(view.intake.registration.job_number, "J-NEW");
    let conflicts = a.field_conflicts().expect("conflicts");
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(
        conflicts[0].path,
        vec!["intake".to_string(), "model".to_string()]
    );
    let mut values: Vec<_> = conflicts[0]
        .values
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(
        values[0], view.intake.registration.model,
        "the shown value comes first"
    );
    values.sort();
    assert_eq!(values, vec!["M-A", "M-B"]);
    assert_eq!(b.field_conflicts().expect("conflicts"), conflicts);
}

#[test]
fn concurrent_text_edits_merge_character_by_character() {
    let mut a = new_ticket();
    let mut b = fork(&a);
    let desk = author("desk.wang", Role::ServiceDesk);
    let content = |s: &str| {
        Operation::AmendIntake(IntakeAmendment {
            content: Some(s.into()),
            ..Default::default()
        })
    };
    apply(
        &mut a,
        &desk,
        10,
        content("URGENT: Breaker in bay 3 fails to close after maintenance."),
    );
    apply(
        &mut b,
        &desk,
        11,
        content("Breaker in bay 3 fails to close after maintenance. Customer waits."),
    );
    merge(&mut a, &b);
    assert_eq!(
        a.view().expect("view").intake.registration.content,
        "URGENT: Breaker in bay 3 fails to close after maintenance. Customer waits."
    );
}

#[test]
fn an_issued_letter_no_longer_changes() {
    let mut t = new_ticket();
    let technical = author("tech.dept.he", Role::Technical);
    apply(
        &mut t,
        &technical,
        1,
        Operation::DraftLetter {
            number: "TA-1".into(),
            body: "v1".into(),
        },
    );
    apply(&mut t, &technical, 2, Operation::IssueLetter);
    assert!(
        t.apply(
            &technical,
            Timestamp(3),
            &Operation::DraftLetter {
                number: "TA-1".into(),
                body: "v2".into()
            }
        )
        .is_err()
    );
    assert_eq!(t.view().expect("view").letter.body, "v1");
}

#[test]
fn a_letters_delivery_is_recorded_only_once_it_is_issued() {
    let mut t = new_ticket();
    let technical = author("tech.dept.he", Role::Technical);
    let delivery = Operation::RecordLetterDelivery {
        note: "EMS 1234 5678 signed for by Li Ming".into(),
    };
    apply(
        &mut t,
        &technical,
        1,
        Operation::DraftLetter {
            number: "TA-1".into(),
            body: "cause and remedy".into(),
        },
    );
    assert!(t.apply(&technical, Timestamp(2), &delivery).is_err());
    apply(&mut t, &technical, 3, Operation::IssueLetter);
    let blank = Operation::RecordLetterDelivery { note: " ".into() };
    assert!(t.apply(&technical, Timestamp(4), &blank).is_err());
    let qa = author("qa.chen", Role::QualityAssurance);
    assert!(t.apply(&qa, Timestamp(4), &delivery).is_err());
    apply(&mut t, &author("desk.wang", Role::ServiceDesk), 5, delivery);
    let letter = t.view().expect("view").letter;
    assert_eq!(letter.delivered_at, Some(Timestamp(5)));
    assert_eq!(
        letter.delivered_by.map(|u| u.to_string()),
        Some("desk.wang".into())
    );
    assert_eq!(letter.delivery_note, "EMS 1234 5678 signed for by Li Ming");
}

#[test]
fn the_technical_department_issues_guidance_and_retrofit_plans_in_order() {
    let mut t = new_ticket();
    let issue = |kind, title: &str| Operation::IssueGuidance {
        kind,
        title: title.into(),
        body: "Set the closing spring pre-load to 12 mm.".into(),
    };
    let technical = author("tech.dept.he", Role::Technical);
    apply(
        &mut t,
        &technical,
        20,
        issue(GuidanceKind::RetrofitPlan, "ZG-7"),
    );
    apply(
        &mut t,
        &author("rd.lin", Role::RnD),
        10,
        issue(GuidanceKind::Guidance, "JS-3"),
    );
    for role in [Role::QualityAssurance, Role::Technician, Role::ServiceDesk] {
        let refused = t.apply(
            &author("x.y", role),
            Timestamp(30),
            &issue(GuidanceKind::Guidance, "X"),
        );
        assert!(refused.is_err(), "{role:?} issued guidance");
    }
    assert!(
        t.apply(
            &technical,
            Timestamp(30),
            &issue(GuidanceKind::Guidance, "")
        )
        .is_err()
    );
    let guidance = t.view().expect("view").quality.guidance;
    let read: Vec<_> = guidance
        .iter()
        .map(|g| (g.kind, g.title.as_str(), g.by.to_string()))
        .collect();
    assert_eq!(
        read,
        [
            (GuidanceKind::Guidance, "JS-3", "rd.lin".to_owned()),
            (
                GuidanceKind::RetrofitPlan,
                "ZG-7",
                "tech.dept.he".to_owned()
            ),
        ]
    );
}

#[test]
fn a_cost_is_settled_only_after_approval() {
    let mut t = new_ticket();
    let desk = author("desk.wang", Role::ServiceDesk);
    let finance = author("fin.zhao", Role::Finance);
    let cost = apply(
        &mut t,
        &desk,
        1,
        Operation::SubmitCost(NewCost {
            kind: CostKind::Parts,
            amount_minor: 100,
            currency: "CNY".into(),
            bearer: Bearer::Company,
            borne_by: None,
            description: "coil".into(),
        }),
    )
    .expect("cost");
    let settle = Operation::SettleCost {
        cost_id: cost.clone(),
        reference: "PZ-1".into(),
    };
    assert!(t.apply(&finance, Timestamp(2), &settle).is_err());
    apply(
        &mut t,
        &author("sup.sun", Role::Supervisor),
        3,
        Operation::AuditCost {
            cost_id: cost,
            approved: true,
            note: String::new(),
        },
    );
    assert!(t.apply(&finance, Timestamp(4), &settle).is_ok());
}

fn new_advance(technician: &str, amount_minor: i64, order: Option<EntryId>) -> NewAdvance {
    NewAdvance {
        technician: technician.parse().expect("user id"),
        amount_minor,
        currency: "CNY".into(),
        reference: "JK-2026-031".into(),
        order,
    }
}

fn advance(technician: &str, amount_minor: i64, order: Option<EntryId>) -> Operation {
    Operation::RecordAdvance(new_advance(technician, amount_minor, order))
}

fn clear(advance_id: &EntryId) -> Operation {
    Operation::ClearAdvance {
        advance_id: advance_id.clone(),
        reference: "CZ-2026-007".into(),
    }
}

/// `technician` claims `amount_minor` of travel on `t`; the claim's id.
fn claim(t: &mut Ticket, technician: &str, at: i64, amount_minor: i64) -> EntryId {
    apply(
        t,
        &author(technician, Role::Technician),
        at,
        Operation::SubmitCost(NewCost {
            kind: CostKind::Travel,
            amount_minor,
            currency: "CNY".into(),
            bearer: Bearer::Company,
            borne_by: None,
            description: "train and hotel".into(),
        }),
    )
    .expect("claim")
}

/// The desk audits `cost` (approving it or not), and finance settles it when approved.
fn audit_and_settle(t: &mut Ticket, cost: &EntryId, at: i64, approved: bool) {
    let note = if approved { "" } else { "no receipt" };
    let audit = Operation::AuditCost {
        cost_id: cost.clone(),
        approved,
        note: note.into(),
    };
    apply(t, &author("desk.wang", Role::ServiceDesk), at, audit);
    if approved {
        let settle = Operation::SettleCost {
            cost_id: cost.clone(),
            reference: "PZ-9".into(),
        };
        apply(t, &author("fin.zhao", Role::Finance), at + 1, settle);
    }
}

#[test]
fn finance_records_a_travel_advance_against_the_tickets_order() {
    let mut t = new_ticket();
    let finance = author("fin.zhao", Role::Finance);
    let order = apply(
        &mut t,
        &author("desk.wang", Role::ServiceDesk),
        2,
        Operation::IssueTravelOrder(NewTravelOrder {
            number: "CC-2026-0091".into(),
            kind: OrderKind::OnSiteService,
            issuing_department: Department::TechnicalService,
            assignees: vec!["tech.zhang".parse().expect("user id")],
        }),
    );
    for role in [Role::Technician, Role::ServiceDesk, Role::Supervisor] {
        refused_by_duty(
            &mut t,
            &author("x.y", role),
            &advance("tech.zhang", 100, None),
        );
    }
    let invalid = [
        advance("tech.zhang", 0, None),
        advance("tech.zhang", -5_000, None),
        Operation::RecordAdvance(NewAdvance {
            currency: "cny".into(),
            ..new_advance("tech.zhang", 100, None)
        }),
        Operation::RecordAdvance(NewAdvance {
            reference: "  ".into(),
            ..new_advance("tech.zhang", 100, None)
        }),
        advance(
            "tech.zhang",
            100,
            Some("e-not-an-order".parse().expect("id")),
        ),
    ];
    for op in &invalid {
        let heads = t.heads();
        assert!(t.apply(&finance, Timestamp(3), op).is_err(), "{op:?}");
        assert_eq!(t.heads(), heads, "{op:?} wrote nothing");
    }
    let id = apply(
        &mut t,
        &finance,
        4,
        advance("tech.zhang", 200_000, order.clone()),
    );
    let advances = t.view().expect("view").advances;
    assert_eq!(advances.len(), 1);
    let paid = &advances[0];
    assert_eq!(Some(&paid.id), id.as_ref());
    assert_eq!(paid.technician.as_str(), "tech.zhang");
    assert_eq!(
        (paid.amount_minor, paid.currency.as_str()),
        (200_000, "CNY")
    );
    assert_eq!(paid.reference, "JK-2026-031");
    assert_eq!(paid.order, order);
    assert_eq!(
        (paid.paid_by.as_str(), paid.paid_at),
        ("fin.zhao", Timestamp(4))
    );
    assert_eq!(paid.clearing, None);
    assert!(t.view().expect("view").unreadable.is_empty());
}

#[test]
fn an_advance_clears_once_its_technicians_claims_are_settled_or_rejected() {
    let mut t = new_ticket();
    let finance = author("fin.zhao", Role::Finance);
    let id = apply(&mut t, &finance, 1, advance("tech.zhang", 100_000, None)).expect("advance");
    let train = claim(&mut t, "tech.zhang", 2, 52_000);
    let hotel = claim(&mut t, "tech.zhang", 3, 30_000);
    let other = claim(&mut t, "tech.li", 4, 9_000);
    let refused = |t: &mut Ticket, op: &Operation| {
        let heads = t.heads();
        assert!(t.apply(&finance, Timestamp(50), op).is_err(), "{op:?}");
        assert_eq!(t.heads(), heads, "{op:?} wrote nothing");
    };
    refused(&mut t, &clear(&id));
    let audit = Operation::AuditCost {
        cost_id: train.clone(),
        approved: true,
        note: String::new(),
    };
    apply(&mut t, &author("desk.wang", Role::ServiceDesk), 5, audit);
    audit_and_settle(&mut t, &hotel, 6, false);
    refused(&mut t, &clear(&id));
    apply(
        &mut t,
        &finance,
        8,
        Operation::SettleCost {
            cost_id: train.clone(),
            reference: "PZ-1".into(),
        },
    );
    refused(
        &mut t,
        &Operation::ClearAdvance {
            advance_id: id.clone(),
            reference: " ".into(),
        },
    );
    refused(&mut t, &clear(&"e-no-such-advance".parse().expect("id")));
    refused_by_duty(&mut t, &author("desk.wang", Role::ServiceDesk), &clear(&id));
    apply(&mut t, &finance, 9, clear(&id));
    let cleared = t.view().expect("view").advances[0].clearing.clone();
    let cleared = cleared.expect("cleared");
    assert_eq!(cleared.claims, [train]);
    assert_eq!(cleared.claimed_minor, 52_000);
    assert_eq!(cleared.balance_minor, -48_000, "the technician pays back");
    assert_eq!(
        (cleared.reference.as_str(), cleared.by.as_str()),
        ("CZ-2026-007", "fin.zhao")
    );
    refused(&mut t, &clear(&id));
    assert!(
        t.view()
            .expect("view")
            .costs
            .iter()
            .any(|c| c.id == other && c.audit.is_none())
    );
}

#[test]
fn a_later_advance_clears_only_the_claims_no_earlier_clearing_counted() {
    let mut t = new_ticket();
    let finance = author("fin.zhao", Role::Finance);
    let first = apply(&mut t, &finance, 1, advance("tech.zhang", 30_000, None)).expect("advance");
    let train = claim(&mut t, "tech.zhang", 2, 52_000);
    audit_and_settle(&mut t, &train, 3, true);
    apply(&mut t, &finance, 5, clear(&first));
    let second = apply(&mut t, &finance, 6, advance("tech.zhang", 10_000, None)).expect("advance");
    let hotel = claim(&mut t, "tech.zhang", 7, 4_000);
    audit_and_settle(&mut t, &hotel, 8, true);
    apply(&mut t, &finance, 10, clear(&second));
    let advances = t.view().expect("view").advances;
    let balances: Vec<_> = advances
        .iter()
        .filter_map(|a| a.clearing.as_ref())
        .map(|c| (c.claims.clone(), c.claimed_minor, c.balance_minor))
        .collect();
    assert_eq!(
        balances,
        [(vec![train], 52_000, 22_000), (vec![hotel], 4_000, -6_000)],
        "the company owes the first balance, the technician returns the second"
    );
}

#[test]
fn a_document_saved_and_loaded_reads_the_same() {
    let t = new_ticket();
    let loaded = Ticket::load(t.id().clone(), &t.save(), ActorId::random()).expect("load");
    assert_eq!(loaded.view().expect("view"), t.view().expect("view"));
    assert!(Ticket::load(t.id().clone(), b"not automerge", ActorId::random()).is_err());
}

#[test]
fn refreshing_the_written_sections_gives_the_whole_view() {
    let mut t = new_ticket();
    let tech = author("tech.zhang", Role::Technician);
    let visit = apply(
        &mut t,
        &tech,
        10,
        Operation::Arrive {
            order_id: None,
            site: "bay 1".into(),
        },
    )
    .expect("visit");
    let mut view = t.view_without_logs().expect("view");
    apply(&mut t, &tech, 11, Operation::Depart { visit_id: visit });
    apply(
        &mut t,
        &tech,
        12,
        Operation::Decide {
            disposition: Disposition::Replace,
            rationale: "burnt".into(),
        },
    );
    let whole = t.view_without_logs().expect("view");
    assert_ne!(view, whole);
    t.refresh_view(&mut view, &[Section::Visits, Section::Decisions])
        .expect("refresh");
    assert_eq!(view, whole);
}

/// Refuses `op` by `by` with a rule of separation of duties, leaving `t` as it was.
pub(crate) fn refused_by_duty(t: &mut Ticket, by: &Author, op: &Operation) {
    let heads = t.heads();
    let refused = t.apply(by, Timestamp(9_000), op);
    assert!(
        matches!(refused, Err(Error::NotPermitted { .. })),
        "{op:?} by {by:?}: {refused:?}"
    );
    assert_eq!(t.heads(), heads, "nothing was written");
}

#[test]
fn whoever_submits_a_cost_does_not_audit_it() {
    let mut t = new_ticket();
    let desk = author("desk.wang", Role::ServiceDesk);
    let cost = t
        .apply(
            &desk,
            Timestamp(2_000),
            &Operation::SubmitCost(cost::NewCost {
                kind: cost::CostKind::Travel,
                amount_minor: 120_000,
                currency: "CNY".into(),
                bearer: cost::Bearer::Company,
                borne_by: None,
                description: "train".into(),
            }),
        )
        .expect("submit")
        .entry
        .expect("cost");
    let audit = Operation::AuditCost {
        cost_id: cost,
        approved: true,
        note: String::new(),
    };
    refused_by_duty(&mut t, &desk, &audit);
    t.apply(
        &author("sup.sun", Role::Supervisor),
        Timestamp(3_000),
        &audit,
    )
    .expect("another person audits");
}

#[test]
fn only_the_desk_or_a_supervisor_changes_whether_a_ticket_is_a_major_complaint() {
    let mut t = new_ticket();
    let major = Operation::AmendIntake(intake::IntakeAmendment {
        major: Some(true),
        ..Default::default()
    });
    refused_by_duty(&mut t, &author("tech.zhang", Role::Technician), &major);
    let model = Operation::AmendIntake(intake::IntakeAmendment {
        model: Some("KYN28A-12/1600".into()),
        ..Default::default()
    });
    t.apply(
        &author("tech.zhang", Role::Technician),
        Timestamp(2_000),
        &model,
    )
    .expect("a technician corrects the model found on site");
    t.apply(
        &author("sup.sun", Role::Supervisor),
        Timestamp(3_000),
        &major,
    )
    .expect("a supervisor makes it major");
}

#[test]
fn r_and_d_rules_on_responsibility_only_for_major_complaints() {
    let mut t = new_ticket();
    let rule = Operation::RuleResponsibility {
        responsibility: quality::Responsibility::Design,
    };
    refused_by_duty(&mut t, &author("rnd.gao", Role::RnD), &rule);
    t.apply(
        &author("qa.chen", Role::QualityAssurance),
        Timestamp(2_000),
        &rule,
    )
    .expect("QA rules on any complaint");
    let major = Operation::AmendIntake(intake::IntakeAmendment {
        major: Some(true),
        ..Default::default()
    });
    t.apply(
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(3_000),
        &major,
    )
    .expect("major");
    t.apply(&author("rnd.gao", Role::RnD), Timestamp(4_000), &rule)
        .expect("R&D rules on a major complaint");
}

#[test]
fn a_technician_records_only_on_their_own_visit() {
    let mut t = new_ticket();
    let visit = t
        .apply(
            &author("tech.zhang", Role::Technician),
            Timestamp(2_000),
            &Operation::Arrive {
                order_id: None,
                site: "bay 2".into(),
            },
        )
        .expect("arrive")
        .entry
        .expect("visit");
    let depart = Operation::Depart { visit_id: visit };
    refused_by_duty(&mut t, &author("tech.li", Role::Technician), &depart);
    t.apply(
        &author("tech.zhang", Role::Technician),
        Timestamp(3_000),
        &depart,
    )
    .expect("their own");
}

#[test]
fn an_order_is_issued_in_the_authors_own_department() {
    let mut t = new_ticket();
    let order = |department: &str| {
        Operation::IssueTravelOrder(
            serde_json::from_value(serde_json::json!({
                "number": "CC-1", "kind": "installation", "issuing_department": department,
                "assignees": ["tech.zhang"],
            }))
            .expect("order"),
        )
    };
    refused_by_duty(
        &mut t,
        &author("ma.li", Role::Commerce),
        &order("technical_service"),
    );
    t.apply(
        &author("ma.li", Role::Commerce),
        Timestamp(2_000),
        &order("commerce"),
    )
    .expect("commerce issues in its own name");
}

/// A ticket judged a major complaint by the desk at 3,000, with a disposition recorded.
fn major_ticket() -> Ticket {
    let mut t = new_ticket();
    let major = Operation::AmendIntake(intake::IntakeAmendment {
        major: Some(true),
        ..Default::default()
    });
    apply(
        &mut t,
        &author("desk.wang", Role::ServiceDesk),
        3_000,
        major,
    );
    let decide = Operation::Decide {
        disposition: Disposition::RepairOnSite,
        rationale: "relay replaced".into(),
    };
    apply(
        &mut t,
        &author("tech.zhang", Role::Technician),
        4_000,
        decide,
    );
    t
}

fn missing_of(t: &Ticket) -> Vec<closure::Requirement> {
    closure::missing(&t.view().expect("view"))
}

#[test]
fn only_the_manager_reviews_and_only_a_major_complaint() {
    let review = Operation::ReviewMajorComplaint {
        note: "supplier audit ordered".into(),
    };
    let mut plain = new_ticket();
    for role in [
        Role::Manager,
        Role::Admin,
        Role::Supervisor,
        Role::QualityAssurance,
        Role::RnD,
        Role::ServiceDesk,
    ] {
        refused_by_duty(&mut plain, &author("someone", role), &review);
    }
    let mut t = major_ticket();
    for role in [
        Role::Supervisor,
        Role::QualityAssurance,
        Role::RnD,
        Role::ServiceDesk,
        Role::Technical,
    ] {
        refused_by_duty(&mut t, &author("someone", role), &review);
    }
    let empty = Operation::ReviewMajorComplaint { note: " ".into() };
    let heads = t.heads();
    assert!(
        t.apply(&author("gm.zhao", Role::Manager), Timestamp(5_000), &empty)
            .is_err()
    );
    assert_eq!(t.heads(), heads, "an empty review writes nothing");
    apply(&mut t, &author("gm.zhao", Role::Manager), 5_000, review);
    let view = t.view().expect("view");
    let recorded = view.quality.manager_review.expect("review");
    assert_eq!(recorded.reviewed_by.as_str(), "gm.zhao");
    assert_eq!(recorded.role, Role::Manager);
    assert_eq!(recorded.note, "supplier audit ordered");
    assert_eq!(view.intake.major_at, Some(Timestamp(3_000)));
    assert_eq!(view.intake.major_since(), Some(Timestamp(3_000)));
}

#[test]
fn a_major_complaint_closes_only_after_the_managers_review_and_r_and_ds_ruling() {
    use closure::Requirement::*;
    let mut t = major_ticket();
    let cause = Operation::RecordCause {
        cause: "coil insulation".into(),
        cause_code: None,
    };
    apply(
        &mut t,
        &author("qa.chen", Role::QualityAssurance),
        5_000,
        cause,
    );
    assert_eq!(
        missing_of(&t),
        [Responsibility, ManagerReview, RndResponsibility]
    );
    let rule = Operation::RuleResponsibility {
        responsibility: quality::Responsibility::Supplier,
    };
    apply(
        &mut t,
        &author("qa.chen", Role::QualityAssurance),
        6_000,
        rule.clone(),
    );
    assert_eq!(
        t.view().expect("view").quality.ruled_by_role,
        Some(Role::QualityAssurance)
    );
    // QA's ruling is a ruling, but not R&D's.
    assert_eq!(missing_of(&t), [ManagerReview, RndResponsibility]);
    let close = Operation::Close {
        note: "done".into(),
    };
    let refused = t.apply(
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(7_000),
        &close,
    );
    assert!(
        matches!(&refused, Err(Error::NotClosable { missing })
            if missing == &[ManagerReview, RndResponsibility]),
        "{refused:?}"
    );
    apply(&mut t, &author("rnd.gao", Role::RnD), 8_000, rule.clone());
    assert_eq!(missing_of(&t), [ManagerReview]);
    let review = Operation::ReviewMajorComplaint {
        note: "accepted".into(),
    };
    apply(&mut t, &author("gm.zhao", Role::Manager), 9_000, review);
    assert!(missing_of(&t).is_empty());
    // A later ruling by QA takes R&D's place, and the requirement is back.
    apply(
        &mut t,
        &author("qa.chen", Role::QualityAssurance),
        10_000,
        rule,
    );
    assert_eq!(missing_of(&t), [RndResponsibility]);
}

#[test]
fn a_complaint_no_longer_major_loses_its_time_and_needs_no_review() {
    let mut t = major_ticket();
    let not_major = Operation::AmendIntake(intake::IntakeAmendment {
        major: Some(false),
        ..Default::default()
    });
    apply(
        &mut t,
        &author("sup.sun", Role::Supervisor),
        5_000,
        not_major,
    );
    let view = t.view().expect("view");
    assert_eq!(view.intake.major_at, None);
    assert_eq!(view.intake.major_since(), None);
    assert!(
        !closure::missing(&view).contains(&closure::Requirement::ManagerReview),
        "{:?}",
        closure::missing(&view)
    );
    let mut registered = registration();
    registered.major = true;
    let t = Ticket::register(
        TicketId::random(),
        ActorId::random(),
        &author("desk.wang", Role::ServiceDesk),
        Timestamp(1_500),
        &registered,
    )
    .expect("register");
    assert_eq!(
        t.view().expect("view").intake.major_at,
        Some(Timestamp(1_500))
    );
}
