//! Hand-off of the registered form and travel task orders (出差任务单).

use automerge::transaction::Transaction;
use serde::{Deserialize, Serialize};

use super::codec::{put_embedded, put_field, put_record};
use super::operation::WriteContext;
use super::validate::{LONG, SHORT, bounded, required};
use super::view::dispatch_of;
use crate::error::{Error, Result};
use crate::id::{EntryId, UserId};
use crate::policy::DutyFacts;
use crate::role::Role;
use crate::rule::Rule;
use crate::section::Section;
use crate::time::Timestamp;

/// The hand-off of the registered form to the people who must act (due 30 minutes after
/// registration).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HandOff {
    /// Entry id.
    pub id: EntryId,
    /// The roles (departments) the form went to.
    pub to: Vec<Role>,
    /// The person it is addressed to within them, if one was named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<UserId>,
    /// A note for the receivers.
    #[serde(default)]
    pub note: String,
    /// When it was handed off (device time).
    pub handed_off_at: Timestamp,
    /// Who handed it off.
    pub by: UserId,
}

/// What a travel task order sends technicians to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderKind {
    /// On-site service for a complaint or repair.
    OnSiteService,
    /// Installation.
    Installation,
    /// Commissioning and debugging.
    Commissioning,
    /// Power-on.
    PowerOn,
}

/// The department that issues an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Department {
    /// The technical service department (complaints, repairs).
    TechnicalService,
    /// The commerce department (installation, commissioning, power-on).
    Commerce,
}

/// A travel task order as read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TravelOrder {
    /// Entry id.
    pub id: EntryId,
    /// The order's number as printed on it.
    pub number: String,
    /// What the technicians are sent to do.
    pub kind: OrderKind,
    /// Who issued it.
    pub issuing_department: Department,
    /// The technicians assigned.
    pub assignees: Vec<UserId>,
    /// When it was issued (device time).
    pub issued_at: Timestamp,
    /// Who issued it.
    pub issued_by: UserId,
}

/// A new travel task order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct NewTravelOrder {
    /// The order's number.
    pub number: String,
    /// What the technicians are sent to do.
    pub kind: OrderKind,
    /// Who issues it.
    pub issuing_department: Department,
    /// The technicians assigned (at least one).
    pub assignees: Vec<UserId>,
}

/// A receiving department's acknowledgement that a hand-off reached it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Acknowledgement {
    /// Entry id.
    pub id: EntryId,
    /// The hand-off acknowledged.
    pub handoff: EntryId,
    /// The department (role) that acknowledged it.
    pub role: Role,
    /// Who acknowledged it.
    pub by: UserId,
    /// When (device time).
    pub acknowledged_at: Timestamp,
}

/// The dispatch section as read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Dispatch {
    /// Hand-offs, oldest first.
    pub handoffs: Vec<HandOff>,
    /// Travel task orders, oldest first.
    pub orders: Vec<TravelOrder>,
    /// Acknowledgements of hand-offs, oldest first.
    #[serde(default)]
    pub acknowledgements: Vec<Acknowledgement>,
}

impl Dispatch {
    /// The departments of hand-off `handoff` that have not acknowledged it yet.
    pub fn awaiting_acknowledgement(&self, handoff: &HandOff) -> Vec<Role> {
        handoff
            .to
            .iter()
            .copied()
            .filter(|role| {
                !self
                    .acknowledgements
                    .iter()
                    .any(|a| a.handoff == handoff.id && a.role == *role)
            })
            .collect()
    }

    /// Everyone assigned by any order.
    pub fn assignees(&self) -> Vec<UserId> {
        let mut all: Vec<UserId> = self
            .orders
            .iter()
            .flat_map(|o| o.assignees.clone())
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

fn checked_assignees(assignees: &[UserId]) -> Result<Vec<UserId>> {
    if assignees.is_empty() {
        return Err(Error::broke(
            "assignees",
            Rule::Required,
            "at least one technician must be assigned",
        ));
    }
    let mut unique = assignees.to_vec();
    unique.sort();
    unique.dedup();
    Ok(unique)
}

pub(crate) fn hand_off(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    to: &[Role],
    person: Option<&UserId>,
    note: &str,
) -> Result<EntryId> {
    if to.is_empty() {
        return Err(Error::broke(
            "hand-off",
            Rule::Required,
            "must name at least one receiving department",
        ));
    }
    let mut to = to.to_vec();
    to.sort();
    to.dedup();
    let entry = HandOff {
        id: ctx.new_entry_id(),
        to,
        person: person.cloned(),
        note: bounded("note", note.trim(), LONG)?,
        handed_off_at: ctx.at,
        by: ctx.author.user.clone(),
    };
    let handoffs = ctx.collection(tx, Section::Dispatch, "handoffs")?;
    put_embedded(tx, &handoffs, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn acknowledge(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    handoff_id: &EntryId,
) -> Result<EntryId> {
    let section = dispatch_of(ctx.read_section(tx, Section::Dispatch)?, &mut Vec::new());
    let handoff = section
        .handoffs
        .iter()
        .find(|h| h.id == *handoff_id)
        .ok_or_else(|| Error::UnknownEntry {
            kind: "hand-off",
            id: handoff_id.to_string(),
        })?;
    ctx.duty(&DutyFacts {
        addressed_to: Some(&handoff.to),
        addressed_person: handoff.person.as_ref(),
        ..DutyFacts::default()
    })?;
    // The administrator acknowledges for the first department still waiting.
    let role = if handoff.to.contains(&ctx.author.role) {
        ctx.author.role
    } else {
        section
            .awaiting_acknowledgement(handoff)
            .first()
            .copied()
            .or_else(|| handoff.to.first().copied())
            .unwrap_or(ctx.author.role)
    };
    if !section.awaiting_acknowledgement(handoff).contains(&role) {
        return Err(Error::broke(
            "acknowledgement",
            Rule::AlreadyDone,
            format!("the hand-off was already acknowledged by {role}"),
        ));
    }
    let entry = Acknowledgement {
        id: ctx.new_entry_id(),
        handoff: handoff.id.clone(),
        role,
        by: ctx.author.user.clone(),
        acknowledged_at: ctx.at,
    };
    let acknowledgements = ctx.collection(tx, Section::Dispatch, "acknowledgements")?;
    put_embedded(tx, &acknowledgements, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn issue_order(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    order: &NewTravelOrder,
) -> Result<EntryId> {
    ctx.duty(&DutyFacts {
        department: Some(order.issuing_department),
        ..DutyFacts::default()
    })?;
    let entry = TravelOrder {
        id: ctx.new_entry_id(),
        number: required("order number", &order.number, SHORT)?,
        kind: order.kind,
        issuing_department: order.issuing_department,
        assignees: checked_assignees(&order.assignees)?,
        issued_at: ctx.at,
        issued_by: ctx.author.user.clone(),
    };
    let orders = ctx.collection(tx, Section::Dispatch, "orders")?;
    put_record(tx, &orders, entry.id.as_str(), &entry)?;
    Ok(entry.id)
}

pub(crate) fn reassign(
    tx: &mut Transaction<'_>,
    ctx: &WriteContext<'_>,
    order_id: &EntryId,
    assignees: &[UserId],
) -> Result<()> {
    let orders = ctx.collection(tx, Section::Dispatch, "orders")?;
    let order = ctx.entry(tx, &orders, order_id, "travel task order")?;
    put_field(tx, &order, "assignees", &checked_assignees(assignees)?)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{apply, author, new_ticket, refused_by_duty, registration};
    use super::*;
    use crate::ticket::intake::IntakeAmendment;
    use crate::ticket::{Operation, Ticket};
    use crate::{TicketId, Timestamp};
    use automerge::ActorId;

    fn amend_complaint(complaint: bool) -> Operation {
        Operation::AmendIntake(IntakeAmendment {
            complaint: Some(complaint),
            ..IntakeAmendment::default()
        })
    }

    #[test]
    fn a_complaint_is_confirmed_by_the_desk_that_registers_or_later_judges_it() {
        let t = new_ticket();
        let intake = t.view().expect("view").intake;
        assert_eq!(intake.confirmed_complaint_at(), Some(Timestamp(1_000)));
        assert_eq!(
            intake.confirmed_by.map(|u| u.to_string()),
            Some("desk.wang".into())
        );

        // A technician registers a complaint on site: the desk has not confirmed it yet.
        let mut t = Ticket::register(
            TicketId::random(),
            ActorId::random(),
            &author("tech.zhang", Role::Technician),
            Timestamp(1_000),
            &registration(),
        )
        .expect("register");
        assert_eq!(
            t.view().expect("view").intake.confirmed_complaint_at(),
            None
        );
        // Saying again that it is a complaint changes no flag, so a technician may; it
        // confirms nothing.
        apply(
            &mut t,
            &author("tech.zhang", Role::Technician),
            1_500,
            amend_complaint(true),
        );
        assert_eq!(
            t.view().expect("view").intake.confirmed_complaint_at(),
            None
        );
        let desk = author("desk.wang", Role::ServiceDesk);
        apply(&mut t, &desk, 2_000, amend_complaint(true));
        assert_eq!(
            t.view().expect("view").intake.confirmed_complaint_at(),
            Some(Timestamp(2_000))
        );
        // Judged no complaint after all: the confirmation goes; judged one again, it restarts.
        apply(&mut t, &desk, 3_000, amend_complaint(false));
        assert_eq!(
            t.view().expect("view").intake.confirmed_complaint_at(),
            None
        );
        apply(&mut t, &desk, 4_000, amend_complaint(true));
        assert_eq!(
            t.view().expect("view").intake.confirmed_complaint_at(),
            Some(Timestamp(4_000))
        );
    }

    #[test]
    fn only_an_addressed_department_acknowledges_a_hand_off_and_each_once() {
        let mut t = new_ticket();
        let desk = author("desk.wang", Role::ServiceDesk);
        let handoff = apply(
            &mut t,
            &desk,
            2_000,
            Operation::HandOff {
                to: vec![Role::Technical, Role::QualityAssurance, Role::Technical],
                person: Some("tech.dept.he".parse().expect("user")),
                note: "cause analysis".into(),
            },
        )
        .expect("hand-off");
        let view = t.view().expect("view");
        let entry = &view.dispatch.handoffs[0];
        assert_eq!(entry.to, [Role::QualityAssurance, Role::Technical]);
        assert_eq!(view.dispatch.awaiting_acknowledgement(entry), entry.to);

        let acknowledge = Operation::AcknowledgeHandOff {
            handoff_id: handoff.clone(),
        };
        refused_by_duty(&mut t, &author("fin.chen", Role::Finance), &acknowledge);
        refused_by_duty(&mut t, &desk, &acknowledge);
        apply(
            &mut t,
            &author("qa.liu", Role::QualityAssurance),
            3_000,
            acknowledge.clone(),
        );
        let view = t.view().expect("view");
        assert_eq!(
            view.dispatch
                .awaiting_acknowledgement(&view.dispatch.handoffs[0]),
            [Role::Technical]
        );
        let again = t.apply(
            &author("qa.zhou", Role::QualityAssurance),
            Timestamp(3_500),
            &acknowledge,
        );
        assert!(matches!(again, Err(Error::Invalid { .. })), "{again:?}");
        apply(
            &mut t,
            &author("tech.dept.he", Role::Technical),
            4_000,
            acknowledge,
        );
        let view = t.view().expect("view");
        let acks: Vec<(Role, String, Timestamp)> = view
            .dispatch
            .acknowledgements
            .iter()
            .map(|a| (a.role, a.by.to_string(), a.acknowledged_at))
            .collect();
        assert_eq!(
            acks,
            [
                (Role::QualityAssurance, "qa.liu".into(), Timestamp(3_000)),
                (Role::Technical, "tech.dept.he".into(), Timestamp(4_000)),
            ]
        );
        let unknown = t.apply(
            &author("qa.liu", Role::QualityAssurance),
            Timestamp(5_000),
            &Operation::AcknowledgeHandOff {
                handoff_id: EntryId::derived(&[0; 32], 9),
            },
        );
        assert!(
            matches!(unknown, Err(Error::UnknownEntry { .. })),
            "{unknown:?}"
        );
    }
}
