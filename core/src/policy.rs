//! Who may perform which action on a ticket, and the rules of separation of duties it follows:
//! the one table, by action, enforced on the device and the office's REST path before a change
//! is made, and on the server when a synced change arrives (through [`crate::admission`], which
//! performs the action again). The roles that may write a section are derived from it.

use strum::VariantArray;

use crate::author::Author;
use crate::error::Error;
use crate::id::UserId;
use crate::role::Role;
use crate::section::Section;
use crate::ticket::dispatch::Department;
use crate::ticket::quality::ActionStatus;

/// A rule of separation of duties that an action follows beyond its roles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Duty {
    /// None beyond the roles.
    None,
    /// The author may not be the person who submitted the cost: whoever spends does not audit.
    NotTheSubmitter,
    /// These roles may act only on a major complaint (the others at any time).
    MajorComplaintsOnly(&'static [Role]),
    /// Only the technician of the visit records on it.
    OwnVisit,
    /// Whether the ticket is a complaint, and whether a major one, is changed after
    /// registration only by these roles.
    RegistrationFlagsBy(&'static [Role]),
    /// The department issuing a travel order is the author's: the technical service department
    /// (service desk, supervisor) sends technicians to complaints and repairs, the commerce
    /// department to installation, commissioning and power-on.
    OrderByDepartment,
    /// Only a department the hand-off was addressed to, or the person it named, acknowledges it.
    Addressee,
    /// QA moves a corrective or preventive action to any status; the department that owns it
    /// only reports it open or done (QA verifies or cancels).
    ActionOwner,
    /// Only the sales representative the ticket names acts (an administrator too); a ticket
    /// that names none has no one of that role to act.
    TicketSalesRep,
}

/// The roles that judge whether a ticket is a complaint, or a major one: the technical service
/// department (its desk and supervisors) and the administrator. A complaint they register, or
/// later judge one, is confirmed (see [`crate::ticket::intake::Intake::confirmed_at`]).
pub const COMPLAINT_JUDGES: &[Role] = &[Role::ServiceDesk, Role::Supervisor, Role::Admin];

/// Whether `role` confirms complaints (is one of [`COMPLAINT_JUDGES`]).
pub fn confirms_complaints(role: Role) -> bool {
    COMPLAINT_JUDGES.contains(&role)
}

/// Who may perform one action: the roles, and the duty it follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permission {
    /// The action, as named in change messages ([`crate::Operation::name`]).
    pub action: &'static str,
    /// The section it writes.
    pub section: Section,
    /// The roles that may perform it.
    pub roles: &'static [Role],
    /// Its rule of separation of duties.
    pub duty: Duty,
}

const fn may(
    action: &'static str,
    section: Section,
    roles: &'static [Role],
    duty: Duty,
) -> Permission {
    Permission {
        action,
        section,
        roles,
        duty,
    }
}

/// The authority table: every action on an existing ticket, who may perform it and the duty it
/// follows, from the responsibilities in docs/domain.md. Registering a ticket is the intake
/// section's (see [`may_register`]); `meta` is written by registration and the server only.
pub const PERMISSIONS: &[Permission] = {
    use Duty::*;
    use Role::*;
    use Section::*;
    &[
        may(
            "amend_intake",
            Intake,
            &[ServiceDesk, Commerce, Technician, Supervisor, Admin],
            RegistrationFlagsBy(COMPLAINT_JUDGES),
        ),
        may(
            "hand_off",
            Dispatch,
            &[ServiceDesk, Commerce, Supervisor, Admin],
            None,
        ),
        may("acknowledge_hand_off", Dispatch, Role::VARIANTS, Addressee),
        may(
            "issue_travel_order",
            Dispatch,
            &[ServiceDesk, Commerce, Supervisor, Admin],
            OrderByDepartment,
        ),
        may(
            "reassign_order",
            Dispatch,
            &[ServiceDesk, Commerce, Supervisor, Admin],
            None,
        ),
        may("arrive", Visits, &[Technician, Admin], None),
        may("depart", Visits, &[Technician, Admin], OwnVisit),
        may("log_work", Visits, &[Technician, Admin], OwnVisit),
        may("attach_photo", Visits, &[Technician, Admin], OwnVisit),
        may(
            "decide",
            Decisions,
            &[Technician, Supervisor, Technical, RnD, Manager, Admin],
            None,
        ),
        may(
            "request_return",
            Returns,
            &[Technician, ServiceDesk, Admin],
            None,
        ),
        may(
            "receive_return",
            Returns,
            &[ServiceDesk, Inspection, Manufacturing, Procurement, Admin],
            None,
        ),
        may("record_inspection", Returns, &[Inspection, Admin], None),
        may(
            "record_cause",
            Quality,
            &[QualityAssurance, Technical, RnD, Manager, Admin],
            None,
        ),
        may(
            "rule_responsibility",
            Quality,
            &[QualityAssurance, RnD, Manager, Admin],
            MajorComplaintsOnly(&[RnD, Manager]),
        ),
        may(
            "add_corrective_action",
            Quality,
            &[QualityAssurance, Admin],
            None,
        ),
        may("set_action_status", Quality, Role::VARIANTS, ActionOwner),
        may("draft_letter", Letter, &[Technical, Admin], None),
        may("issue_letter", Letter, &[Technical, Admin], None),
        may(
            "submit_cost",
            Costs,
            &[ServiceDesk, Supervisor, Technician, Sales, Admin],
            None,
        ),
        may(
            "audit_cost",
            Costs,
            &[ServiceDesk, Supervisor, Admin],
            NotTheSubmitter,
        ),
        may("settle_cost", Costs, &[Finance], None),
        may("record_advance", Costs, &[Finance, Admin], None),
        may("clear_advance", Costs, &[Finance], None),
        may(
            "plan_return_visit",
            Followups,
            &[ServiceDesk, Supervisor, Admin],
            None,
        ),
        may(
            "record_return_visit",
            Followups,
            &[ServiceDesk, Supervisor, Admin],
            None,
        ),
        may("sign_off", Signoff, &[Technician, Admin], None),
        may(
            "close",
            Closure,
            &[ServiceDesk, Supervisor, Manager, Admin],
            None,
        ),
        may(
            "record_shipment",
            Delivery,
            &[ServiceDesk, Commerce, Admin],
            None,
        ),
        may("send_drawings", Delivery, &[Technical, Admin], None),
        may(
            "record_procurement",
            Fulfilment,
            &[Procurement, Admin],
            None,
        ),
        may(
            "record_manufacture",
            Fulfilment,
            &[Manufacturing, Admin],
            None,
        ),
        may(
            "record_outgoing_test",
            Fulfilment,
            &[Inspection, Admin],
            None,
        ),
        may("ship_unit", Fulfilment, &[Commerce, Admin], None),
        may(
            "record_installation",
            Fulfilment,
            &[Technician, Admin],
            None,
        ),
        may("issue_guidance", Quality, &[Technical, RnD, Admin], None),
        may(
            "record_letter_delivery",
            Letter,
            &[Technical, ServiceDesk, Admin],
            None,
        ),
        may(
            "review_major_complaint",
            Quality,
            &[Manager, Admin],
            MajorComplaintsOnly(&[Manager, Admin]),
        ),
        // The marketing centre: the sales representative's duties.
        may(
            "confirm_service_met",
            Followups,
            &[Sales, Admin],
            TicketSalesRep,
        ),
    ]
};

/// Whether users of `role` read only the tickets assigned to them or that they registered
/// (technicians and sales representatives, on their devices, over REST and in the dashboard);
/// every other role reads every ticket.
pub fn reads_assigned_only(role: Role) -> bool {
    matches!(role, Role::Technician | Role::Sales)
}

/// Whether users of `role` sign in to the office dashboard: everyone but technicians, who work
/// in the app. Sales representatives use it for their own tickets (what they read there is
/// what [`reads_assigned_only`] gives them).
pub fn signs_in_to_dashboard(role: Role) -> bool {
    role != Role::Technician
}

/// The row of `action` in [`PERMISSIONS`].
pub fn permission(action: &str) -> Option<&'static Permission> {
    PERMISSIONS.iter().find(|p| p.action == action)
}

/// Refuses unless `role` may perform `action`.
pub fn check_action(role: Role, action: &'static str) -> Result<&'static Permission, Error> {
    match permission(action) {
        Some(p) if p.roles.contains(&role) => Ok(p),
        _ => Err(Error::NotPermitted {
            role,
            action,
            reason: "the regulation gives this action to other departments".into(),
        }),
    }
}

/// The roles that may write `section`: those of every action that writes it. `meta` has none:
/// only the registration of a ticket (and the server) writes it.
pub fn writers(section: Section) -> Vec<Role> {
    Role::VARIANTS
        .iter()
        .copied()
        .filter(|role| may_write(*role, section))
        .collect()
}

/// Refuses the action of `permission` by `author` when the facts break its duty: `submitted_by`
/// is the cost's submitter, `major` whether the complaint is major, `visit_of` the technician
/// of the visit, `changes_flags` whether complaint or major change, and `department` the
/// department the order names.
pub fn check_duty(
    author: &Author,
    permission: &Permission,
    facts: &DutyFacts<'_>,
) -> Result<(), Error> {
    let refuse = |reason: &str| {
        Err(Error::NotPermitted {
            role: author.role,
            action: permission.action,
            reason: reason.into(),
        })
    };
    match permission.duty {
        Duty::NotTheSubmitter if facts.submitted_by == Some(&author.user) => {
            refuse("whoever submits a cost does not audit it")
        }
        Duty::MajorComplaintsOnly(roles) if roles.contains(&author.role) && !facts.major => {
            refuse("this department rules only on major complaints")
        }
        Duty::OwnVisit
            if author.role != Role::Admin && facts.visit_of.is_some_and(|t| *t != author.user) =>
        {
            refuse("only the technician of a visit records on it")
        }
        Duty::RegistrationFlagsBy(roles)
            if facts.changes_flags && !roles.contains(&author.role) =>
        {
            refuse(
                "only the service desk or a supervisor decides whether a ticket is a complaint, \
                 or a major one",
            )
        }
        Duty::OrderByDepartment
            if facts
                .department
                .zip(department_of(author.role))
                .is_some_and(|(named, own)| named != own) =>
        {
            refuse("an order is issued in the name of the author's own department")
        }
        Duty::Addressee
            if author.role != Role::Admin
                && facts
                    .addressed_to
                    .is_some_and(|to| !to.contains(&author.role))
                && facts.addressed_person != Some(&author.user) =>
        {
            refuse("only a department the hand-off was addressed to acknowledges it")
        }
        Duty::ActionOwner
            if !matches!(author.role, Role::QualityAssurance | Role::Admin)
                && (facts.owner_department != Some(author.role)
                    || !matches!(
                        facts.action_status,
                        Some(ActionStatus::Open | ActionStatus::Done)
                    )) =>
        {
            refuse(
                "only QA, or the department that owns the action reporting it open or done, \
                 moves a corrective action on",
            )
        }
        Duty::TicketSalesRep
            if author.role != Role::Admin && facts.sales_rep != Some(&author.user) =>
        {
            refuse("only the sales representative the ticket names does this")
        }
        _ => Ok(()),
    }
}

/// The facts of a ticket that duties are judged on; absent ones do not apply (but for the
/// sales representative, whom [`Duty::TicketSalesRep`] requires).
#[derive(Clone, Copy, Debug, Default)]
pub struct DutyFacts<'a> {
    /// Who submitted the cost acted on.
    pub submitted_by: Option<&'a UserId>,
    /// Whether the complaint is major.
    pub major: bool,
    /// The technician of the visit acted on.
    pub visit_of: Option<&'a UserId>,
    /// Whether the action changes whether the ticket is a complaint, or a major one.
    pub changes_flags: bool,
    /// The department an order is issued in the name of.
    pub department: Option<Department>,
    /// The departments a hand-off was addressed to.
    pub addressed_to: Option<&'a [Role]>,
    /// The person a hand-off named.
    pub addressed_person: Option<&'a UserId>,
    /// The department that owns the corrective action acted on.
    pub owner_department: Option<Role>,
    /// The status the action is moved to.
    pub action_status: Option<ActionStatus>,
    /// The sales representative the ticket names (for [`Duty::TicketSalesRep`], where its
    /// absence refuses).
    pub sales_rep: Option<&'a UserId>,
}

/// The department whose travel orders a role issues.
fn department_of(role: Role) -> Option<Department> {
    match role {
        Role::ServiceDesk | Role::Supervisor => Some(Department::TechnicalService),
        Role::Commerce => Some(Department::Commerce),
        _ => None,
    }
}

/// Whether `role` may write `section`.
pub fn may_write(role: Role, section: Section) -> bool {
    PERMISSIONS
        .iter()
        .any(|p| p.section == section && p.roles.contains(&role))
}

/// Whether `role` may register new tickets (intake), which also writes `meta`.
pub fn may_register(role: Role) -> bool {
    may_write(role, Section::Intake)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ticket::operation::OperationKind;

    #[test]
    fn technicians_cannot_perform_quality_cost_or_letter_actions() {
        assert!(check_action(Role::Technician, "arrive").is_ok());
        for action in [
            "record_cause",
            "audit_cost",
            "draft_letter",
            "record_inspection",
        ] {
            let message = check_action(Role::Technician, action)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(message.contains("technician") && message.contains(action));
        }
    }

    #[test]
    fn only_finance_settles_and_only_inspection_judges_returned_units() {
        for &role in Role::VARIANTS {
            assert_eq!(
                check_action(role, "settle_cost").is_ok(),
                role == Role::Finance
            );
            assert_eq!(
                check_action(role, "record_inspection").is_ok(),
                matches!(role, Role::Inspection | Role::Admin)
            );
        }
    }

    /// Every kind of [`crate::Operation`] has its row, with the section the operation writes,
    /// and every row is such an action.
    #[test]
    fn every_operation_has_its_row_and_every_row_an_operation() {
        assert_eq!(OperationKind::VARIANTS.len(), PERMISSIONS.len());
        for &kind in OperationKind::VARIANTS {
            let name = kind.name();
            let row = permission(name).unwrap_or_else(|| panic!("{name} has no row"));
            assert_eq!(row.section, kind.section(), "{name}");
        }
    }

    #[test]
    fn the_sections_writers_are_those_of_their_actions() {
        assert_eq!(
            writers(Section::Costs),
            vec![
                Role::Technician,
                Role::ServiceDesk,
                Role::Supervisor,
                Role::Finance,
                Role::Sales,
                Role::Admin
            ]
        );
        assert_eq!(
            writers(Section::Visits),
            vec![Role::Technician, Role::Admin]
        );
    }

    #[test]
    fn no_role_writes_meta() {
        for &role in Role::VARIANTS {
            assert!(!may_write(role, Section::Meta));
        }
    }

    /// The table of `docs/security.md`, between its markers, is this policy.
    #[test]
    fn the_security_page_lists_the_policy_table() {
        let page = include_str!("../../docs/security.md");
        let listed = page
            .split_once("<!-- policy:begin -->\n")
            .and_then(|(_, rest)| rest.split_once("\n<!-- policy:end -->"))
            .map(|(table, _)| table.to_owned());
        let roles = |roles: &[Role]| {
            roles
                .iter()
                .map(|r| format!("`{}`", r.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut table = vec![
            "| action | section | roles that may perform it | rule of separation of duties |"
                .to_owned(),
            "|---|---|---|---|".to_owned(),
        ];
        for p in PERMISSIONS {
            let duty = match p.duty {
                Duty::None => "—".into(),
                Duty::NotTheSubmitter => "never by the person who submitted the cost".into(),
                Duty::MajorComplaintsOnly(only) => {
                    format!("{} only on major complaints", roles(only))
                }
                Duty::OwnVisit => "only the technician of the visit".into(),
                Duty::RegistrationFlagsBy(by) => {
                    format!("complaint and major changed only by {}", roles(by))
                }
                Duty::ActionOwner => "any status by `quality_assurance`; open or done by the \
                                       department that owns the action"
                    .into(),
                Duty::Addressee => {
                    "only a department the hand-off was addressed to, or the person it named".into()
                }
                Duty::TicketSalesRep => {
                    "only the sales representative the ticket names (and `admin`)".into()
                }
                Duty::OrderByDepartment => {
                    "in the author's own department: `service_desk` and `supervisor` for the \
                     technical service department, `commerce` for commerce"
                        .into()
                }
            };
            table.push(format!(
                "| `{}` | `{}` | {} | {duty} |",
                p.action,
                p.section.key(),
                roles(p.roles)
            ));
        }
        assert_eq!(listed, Some(table.join("\n")));
    }

    #[test]
    fn every_section_but_meta_has_a_writer() {
        for &section in Section::VARIANTS {
            assert_eq!(writers(section).is_empty(), section == Section::Meta);
        }
    }
}
