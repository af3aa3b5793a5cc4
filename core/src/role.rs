//! The roles of the service organisation (docs/domain.md, "Departments and their duties").

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantArray};

use crate::error::Error;

/// What a user does in the service organisation; it decides which actions on a ticket the user
/// may perform (see [`crate::policy`]). Its names are serde's and strum's, the same snake
/// case of the variant; `Role::VARIANTS` lists every role in a stable order.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    Display,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case", parse_err_ty = Error, parse_err_fn = not_a_role)]
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
    /// The stable machine name, as stored in documents and databases.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

fn not_a_role(s: &str) -> Error {
    Error::invalid("role", format!("{s:?} is not a role"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stable_names::assert_stable_names;

    #[test]
    fn names_are_stable() {
        assert_stable_names::<Role>(&[
            "technician",
            "service_desk",
            "supervisor",
            "commerce",
            "quality_assurance",
            "inspection",
            "technical",
            "rn_d",
            "manufacturing",
            "procurement",
            "finance",
            "sales",
            "manager",
            "admin",
        ]);
        for &role in Role::VARIANTS {
            assert_eq!(role.to_string(), role.as_str());
        }
    }
}
