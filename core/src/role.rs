//! The roles of the service organisation (docs/domain.md, "Departments and their duties").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// What a user does in the service organisation; it decides which actions on a ticket the user
/// may perform (see [`crate::policy`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A field technician of the customer service team (客服部门): commissioning, repair, remedy.
    Technician,
    /// A customer-service specialist of the technical service department (技术服务部门):
    /// intake, registration, hand-off, travel task orders, return visits, cost audit.
    ServiceDesk,
    /// A supervisor of the technical service department who tracks return visits and costs.
    Supervisor,
    /// The commerce department (商务部): installation, commissioning and power-on orders.
    Commerce,
    /// Quality assurance (品质保证部): cause, responsibility, corrective and preventive actions.
    QualityAssurance,
    /// The inspection department (检验部门): returned units and retests.
    Inspection,
    /// The technical department (技术部门): cause analysis, guidance, technical analysis letters.
    Technical,
    /// R&D (研发部): cause and responsibility for major complaints.
    RnD,
    /// Manufacturing (制造部门): replacement units and repair of returned units.
    Manufacturing,
    /// Procurement (采购部): replacement materials and supplier parts.
    Procurement,
    /// Finance (财务部): settlement of service costs.
    Finance,
    /// A sales representative of the marketing centre (营销中心).
    Sales,
    /// The general manager (总经理), who takes part in major complaints.
    Manager,
    /// A system administrator of fieldledger.
    Admin,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 14] = [
        Role::Technician,
        Role::ServiceDesk,
        Role::Supervisor,
        Role::Commerce,
        Role::QualityAssurance,
        Role::Inspection,
        Role::Technical,
        Role::RnD,
        Role::Manufacturing,
        Role::Procurement,
        Role::Finance,
        Role::Sales,
        Role::Manager,
        Role::Admin,
    ];

    /// The stable machine name, as stored in documents and databases.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Technician => "technician",
            Role::ServiceDesk => "service_desk",
            Role::Supervisor => "supervisor",
            Role::Commerce => "commerce",
            Role::QualityAssurance => "quality_assurance",
            Role::Inspection => "inspection",
            Role::Technical => "technical",
            Role::RnD => "rn_d",
            Role::Manufacturing => "manufacturing",
            Role::Procurement => "procurement",
            Role::Finance => "finance",
            Role::Sales => "sales",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| Error::invalid("role", format!("{s:?} is not a role")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_serde_and_parse_back() {
        for role in Role::ALL {
            let json = serde_json::to_value(role).ok();
            assert_eq!(json.as_ref().and_then(|v| v.as_str()), Some(role.as_str()));
            assert_eq!(role.as_str().parse::<Role>().ok(), Some(role));
        }
    }
}
