//! Who may write which section of a ticket: the one table, enforced on the device before a
//! change is made and on the server when a change arrives.

use crate::error::Error;
use crate::role::Role;
use crate::section::Section;
use crate::ticket::Touched;

/// The roles that may write `section`, from the responsibilities in docs/domain.md. Admins may write
/// every section except `meta`, which only the registration of a ticket (and the server) writes.
pub fn writers(section: Section) -> &'static [Role] {
    use Role::*;
    match section {
        Section::Meta => &[],
        Section::Intake => &[ServiceDesk, Commerce, Technician, Supervisor, Admin],
        Section::Dispatch => &[ServiceDesk, Commerce, Supervisor, Admin],
        Section::Visits => &[Technician, Admin],
        Section::Decisions => &[Technician, Supervisor, Technical, RnD, Manager, Admin],
        Section::Returns => &[
            Technician,
            ServiceDesk,
            Inspection,
            Manufacturing,
            Procurement,
            Admin,
        ],
        Section::Quality => &[QualityAssurance, Technical, RnD, Manager, Admin],
        Section::Letter => &[Technical, Admin],
        Section::Costs => &[ServiceDesk, Supervisor, Finance, Sales, Admin],
        Section::Followups => &[ServiceDesk, Supervisor, Admin],
        Section::Signoff => &[Technician, Admin],
        Section::Closure => &[ServiceDesk, Supervisor, Manager, Admin],
        Section::Delivery => &[ServiceDesk, Commerce, Technical, Admin],
    }
}

/// The sections that the change registering a new ticket writes.
pub const REGISTRATION_SECTIONS: [Section; 2] = [Section::Meta, Section::Intake];

/// Whether `role` may write `section`.
pub fn may_write(role: Role, section: Section) -> bool {
    writers(section).contains(&role)
}

/// Whether `role` may register new tickets (intake), which also writes `meta`.
pub fn may_register(role: Role) -> bool {
    may_write(role, Section::Intake)
}

/// Refuses unless `role` may write `section`.
pub fn check(role: Role, section: Section) -> Result<(), Error> {
    if may_write(role, section) {
        Ok(())
    } else {
        Err(Error::Forbidden { role, section })
    }
}

/// Refuses a change by `role` that touches `touched`, naming the first section it may not
/// write. A change that `registers` the ticket (the first change of its document) may also
/// write `meta` when the role may register tickets, and may lay out the empty structure of
/// every other section.
pub fn check_change(role: Role, touched: &Touched, registers: bool) -> Result<(), Error> {
    for &section in &touched.sections {
        let skeleton = registers && touched.structure_only.contains(&section);
        let allowed = if registers && (REGISTRATION_SECTIONS.contains(&section) || skeleton) {
            may_register(role)
        } else {
            may_write(role, section)
        };
        if !allowed {
            return Err(Error::Forbidden { role, section });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_may_lay_out_but_not_fill_other_sections() {
        let skeleton = Touched {
            sections: [Section::Meta, Section::Intake, Section::Quality].into(),
            structure_only: [Section::Quality].into(),
            ..Touched::default()
        };
        assert!(check_change(Role::Technician, &skeleton, true).is_ok());
        assert!(check_change(Role::Technician, &skeleton, false).is_err());
        let filled = Touched {
            structure_only: Default::default(),
            ..skeleton
        };
        assert!(check_change(Role::Technician, &filled, true).is_err());
    }

    #[test]
    fn technicians_cannot_write_quality_or_costs() {
        assert!(check(Role::Technician, Section::Visits).is_ok());
        for section in [Section::Quality, Section::Costs, Section::Letter] {
            let message = check(Role::Technician, section)
                .err()
                .map(|e| e.to_string());
            let message = message.unwrap_or_default();
            assert!(message.contains("technician") && message.contains(section.key()));
        }
    }

    #[test]
    fn meta_is_written_only_by_registration() {
        let meta = Touched {
            sections: [Section::Meta, Section::Intake].into(),
            ..Touched::default()
        };
        assert!(check_change(Role::ServiceDesk, &meta, true).is_ok());
        assert!(check_change(Role::ServiceDesk, &meta, false).is_err());
        assert!(check_change(Role::Finance, &meta, true).is_err());
        for role in Role::ALL {
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
        let mut table = vec![
            "| section | roles that may write it |".to_owned(),
            "|---|---|".to_owned(),
        ];
        for section in Section::ALL {
            let roles: Vec<String> = writers(section)
                .iter()
                .map(|r| format!("`{}`", r.as_str()))
                .collect();
            let roles = if roles.is_empty() {
                "the server only (and a ticket's registration)".to_owned()
            } else {
                roles.join(", ")
            };
            table.push(format!("| `{}` | {roles} |", section.key()));
        }
        assert_eq!(listed, Some(table.join("\n")));
    }

    #[test]
    fn every_section_but_meta_has_a_writer() {
        for section in Section::ALL {
            assert_eq!(writers(section).is_empty(), section == Section::Meta);
        }
    }
}
