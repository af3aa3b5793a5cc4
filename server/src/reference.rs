//! Reference data owned by the office: customers with their sites and contacts, the units
//! installed at them, the product catalogue and the cause code list (stored by
//! [`crate::storage::Reference`]).
//!
//! This module says who may change which list, checks what is written to them, and resolves a
//! registration against them: a registration naming a unit takes the unit's product, model,
//! job number, contract number and customer; one naming new free text may create the customer
//! and the unit on the spot, so that the desk's first call does not wait for master data.
//! Customers and units are also imported from spreadsheets ([`import`]).

pub mod import;

use fieldledger_core::Role;
use fieldledger_core::ticket::intake::Registration;
use serde::Deserialize;

use crate::error::Error;
use crate::storage::Storage;
use crate::storage::reference::{Cause, CustomerFields, Product, UnitFields};

type Result<T, E = Error> = std::result::Result<T, E>;

/// The longest name, code or number the lists take (as the ticket's own short fields).
pub const SHORT: usize = 200;
/// The most sites or contacts one customer has.
pub const MOST_PER_CUSTOMER: usize = 200;
/// The most rows one page of a list holds.
pub const MOST_PER_PAGE: i64 = 100;
/// The rows a page of a list holds when the caller does not say.
pub const DEFAULT_PER_PAGE: i64 = 20;

/// The lists of reference data, as permissions name them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    /// Customers and the units installed at them.
    Customers,
    /// The product catalogue.
    Products,
    /// The cause code list.
    Causes,
}

/// Whether `role` may change `list`: the service desk and its supervisors keep customers,
/// units and products (they register the cases that name them); quality assurance keeps the
/// causes it judges. Administrators may change every list. Every office role reads them all.
pub fn may_write(role: Role, list: List) -> bool {
    match list {
        List::Customers | List::Products => {
            matches!(role, Role::ServiceDesk | Role::Supervisor | Role::Admin)
        }
        List::Causes => matches!(role, Role::QualityAssurance | Role::Admin),
    }
}

/// Refuses `role` a change of `list` it may not make.
pub fn check_write(role: Role, list: List) -> Result<()> {
    if may_write(role, list) {
        return Ok(());
    }
    let what = match list {
        List::Customers => "customers and units",
        List::Products => "the product catalogue",
        List::Causes => "the cause code list",
    };
    Err(Error::forbidden(format!(
        "the role {role} may not change {what}"
    )))
}

/// The refusal of `field`, which is not valid for `reason`.
fn invalid(field: &'static str, reason: &str) -> Error {
    Error::Core(fieldledger_core::Error::invalid(field, reason))
}

/// `value` trimmed, at most [`SHORT`] characters, and not empty when `required`.
fn short(field: &'static str, value: &str, required: bool) -> Result<String> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if value.chars().count() > SHORT {
        return Err(invalid(
            field,
            &format!("must be at most {SHORT} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// `fields` checked and trimmed: a name, sites with names, contacts with names.
pub fn customer(fields: &CustomerFields) -> Result<CustomerFields> {
    if fields.sites.len() > MOST_PER_CUSTOMER || fields.contacts.len() > MOST_PER_CUSTOMER {
        return Err(invalid(
            "sites",
            &format!("a customer has at most {MOST_PER_CUSTOMER} sites and contacts"),
        ));
    }
    let mut checked = CustomerFields {
        name: short("name", &fields.name, true)?,
        ..CustomerFields::default()
    };
    for site in &fields.sites {
        checked.sites.push(crate::storage::reference::Site {
            name: short("site", &site.name, true)?,
            address: short("address", &site.address, false)?,
        });
    }
    for contact in &fields.contacts {
        checked.contacts.push(crate::storage::reference::Contact {
            name: short("contact", &contact.name, true)?,
            phone: short("phone", &contact.phone, false)?,
        });
    }
    Ok(checked)
}

/// `fields` checked and trimmed: a product name and a job number; a site, when named, that
/// its customer has (`sites`).
pub fn unit(fields: &UnitFields, sites: &[String]) -> Result<UnitFields> {
    let site = short("site", &fields.site, false)?;
    if !site.is_empty() && !sites.contains(&site) {
        return Err(invalid("site", "is not a site of the unit's customer"));
    }
    let product_code = match &fields.product_code {
        Some(code) => Some(short("product_code", code, true)?),
        None => None,
    };
    Ok(UnitFields {
        customer_id: fields.customer_id,
        site,
        product_code,
        product_name: short("product_name", &fields.product_name, true)?,
        model: short("model", &fields.model, false)?,
        job_number: short("job_number", &fields.job_number, true)?,
        contract_number: short("contract_number", &fields.contract_number, false)?,
        serial: short("serial", &fields.serial, false)?,
        commissioned_on: fields.commissioned_on,
    })
}

/// `fields` checked against the store: its customer exists (its sites are the ones a site may
/// name) and the fields are valid.
pub fn checked_unit(storage: &dyn Storage, fields: &UnitFields) -> Result<UnitFields> {
    let customer = storage
        .customer(fields.customer_id)?
        .ok_or_else(|| Error::not_found(format!("no customer {}", fields.customer_id)))?;
    let sites: Vec<String> = customer.fields.sites.into_iter().map(|s| s.name).collect();
    unit(fields, &sites)
}

/// `product` checked and trimmed: a code and a name.
pub fn product(product: &Product) -> Result<Product> {
    Ok(Product {
        code: short("code", &product.code, true)?,
        name: short("name", &product.name, true)?,
        model_family: short("model_family", &product.model_family, false)?,
    })
}

/// `cause` checked and trimmed: a code and both labels.
pub fn cause(cause: &Cause) -> Result<Cause> {
    Ok(Cause {
        code: short("code", &cause.code, true)?,
        label_zh: short("label_zh", &cause.label_zh, true)?,
        label_en: short("label_en", &cause.label_en, true)?,
        responsibility: cause.responsibility,
    })
}

/// A registration as the desk sends it: the registration, and whether a customer and unit it
/// names by free text that the lists lack are to be created on the spot.
#[derive(Clone, Debug, Deserialize)]
pub struct RegistrationRequest {
    /// The registration.
    #[serde(flatten)]
    pub registration: Registration,
    /// Create the customer (by name) and the unit (by job number) when the lists lack them.
    #[serde(default)]
    pub create_reference: bool,
}

/// The registration to store for `request`, resolved against the lists:
/// - a unit id takes the unit's product, model, job and contract number and its customer
///   (the contact person and method, when left empty, from the customer's first contact);
/// - a customer id alone takes the customer's name;
/// - otherwise, with `create_reference`, the customer named is found or created, and so is the
///   unit of the job number given, if any.
///
/// An unknown unit or customer id is refused with `not_found`, and a registration the ticket
/// would refuse is refused before anything is created.
pub fn resolve(storage: &dyn Storage, request: &RegistrationRequest) -> Result<Registration> {
    let mut reg = request.registration.clone();
    if let Some(unit_id) = reg.unit_id {
        let unit = storage
            .unit(unit_id)?
            .ok_or_else(|| Error::not_found(format!("no unit {unit_id}")))?;
        reg.product_name = unit.fields.product_name;
        reg.model = unit.fields.model;
        reg.job_number = unit.fields.job_number;
        reg.contract_number = unit.fields.contract_number;
        reg.customer_id = Some(unit.fields.customer_id);
    }
    if let Some(customer_id) = reg.customer_id {
        let customer = storage
            .customer(customer_id)?
            .ok_or_else(|| Error::not_found(format!("no customer {customer_id}")))?;
        reg.customer_name = customer.fields.name;
        if let Some(contact) = customer.fields.contacts.first() {
            if reg.contact_person.trim().is_empty() {
                reg.contact_person = contact.name.clone();
            }
            if reg.contact_method.trim().is_empty() {
                reg.contact_method = contact.phone.clone();
            }
        }
    }
    let reg = reg.validated()?;
    if !request.create_reference || reg.unit_id.is_some() {
        return Ok(reg);
    }
    create_on_the_spot(storage, reg)
}

/// `reg` with the ids of its customer and unit, found by name and job number or created.
fn create_on_the_spot(storage: &dyn Storage, mut reg: Registration) -> Result<Registration> {
    let customer_id = match reg.customer_id {
        Some(id) => id,
        None => match storage.customer_named(&reg.customer_name)? {
            Some(found) => found.id,
            None => {
                let fields = customer(&CustomerFields {
                    name: reg.customer_name.clone(),
                    sites: Vec::new(),
                    contacts: named_contact(&reg),
                })?;
                storage.create_customer(&fields)?.id
            }
        },
    };
    reg.customer_id = Some(customer_id);
    if reg.job_number.is_empty() {
        return Ok(reg);
    }
    let unit_id = match storage.unit_of_job(&reg.job_number)? {
        Some(found) if found.fields.customer_id == customer_id => found.id,
        // The job number is another customer's unit: the ticket keeps the free text the desk
        // typed and names no unit, for the office to sort out later.
        Some(_) => return Ok(reg),
        None => {
            let fields = unit(
                &UnitFields {
                    customer_id,
                    product_name: reg.product_name.clone(),
                    model: reg.model.clone(),
                    job_number: reg.job_number.clone(),
                    contract_number: reg.contract_number.clone(),
                    ..UnitFields::default()
                },
                &[],
            )?;
            storage.create_unit(&fields)?.id
        }
    };
    reg.unit_id = Some(unit_id);
    Ok(reg)
}

/// The contact a registration names, as a new customer's first contact.
fn named_contact(reg: &Registration) -> Vec<crate::storage::reference::Contact> {
    if reg.contact_person.is_empty() {
        return Vec::new();
    }
    vec![crate::storage::reference::Contact {
        name: reg.contact_person.clone(),
        phone: reg.contact_method.clone(),
    }]
}
