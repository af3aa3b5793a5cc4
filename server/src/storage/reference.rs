//! The office's reference data as stored: customers (with their sites and contacts), the units
//! installed at them, the product catalogue and the list of cause codes.
//!
//! Every statement is written once for both databases: parameters are `$1`, `$2`, … in the
//! order they first appear (PostgreSQL's numbering, which SQLite reads as named parameters
//! bound in that same order), and text is matched as `lower(column) LIKE lower($n)`. A database
//! gives [`Reference`] only a way to run statements ([`SqlRun`]) on a reader or in a write
//! transaction; the queries and the reading of their rows are here, once.

use fieldledger_core::Date;
use fieldledger_core::ticket::quality::Responsibility;
use serde::{Deserialize, Serialize};

use super::Result;
use crate::error::{Code, Error};

/// A site of a customer: where their equipment stands.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The site's name (a substation, a plant).
    pub name: String,
    /// Its address.
    #[serde(default)]
    pub address: String,
}

/// A contact person of a customer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Their name.
    pub name: String,
    /// Their phone number.
    #[serde(default)]
    pub phone: String,
}

/// What the office records of a customer; the name is unique.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerFields {
    /// The customer's name (客户名称).
    pub name: String,
    /// Their sites.
    #[serde(default)]
    pub sites: Vec<Site>,
    /// Their contact people.
    #[serde(default)]
    pub contacts: Vec<Contact>,
}

/// A customer as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Customer {
    /// Its id.
    pub id: i64,
    /// What the office records of it.
    #[serde(flatten)]
    pub fields: CustomerFields,
}

/// What the office records of an installed unit; the job number is unique.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitFields {
    /// The customer it is installed at.
    pub customer_id: i64,
    /// The customer's site it stands at, by name (empty when not known).
    #[serde(default)]
    pub site: String,
    /// Its product in the catalogue, when catalogued.
    #[serde(default)]
    pub product_code: Option<String>,
    /// Product name (产品名称).
    pub product_name: String,
    /// Specification and model (规格型号).
    #[serde(default)]
    pub model: String,
    /// Factory job number (工号).
    pub job_number: String,
    /// Contract number (合同号).
    #[serde(default)]
    pub contract_number: String,
    /// Serial number.
    #[serde(default)]
    pub serial: String,
    /// The day it was commissioned.
    #[serde(default)]
    pub commissioned_on: Option<Date>,
}

/// An installed unit as stored, with its customer's name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unit {
    /// Its id.
    pub id: i64,
    /// What the office records of it.
    #[serde(flatten)]
    pub fields: UnitFields,
    /// The name of the customer it is installed at.
    pub customer_name: String,
}

/// A product of the catalogue; the code is unique.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    /// Its code (in a replacement, the path's).
    #[serde(default)]
    pub code: String,
    /// Its name.
    pub name: String,
    /// Its model family (the series its models belong to).
    #[serde(default)]
    pub model_family: String,
}

/// A cause of the cause code list, and the responsibility it implies if any; the code is
/// unique.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    /// Its code (in a replacement, the path's).
    #[serde(default)]
    pub code: String,
    /// Its label in Chinese.
    pub label_zh: String,
    /// Its label in English.
    pub label_en: String,
    /// The responsibility it implies, when it implies one.
    #[serde(default)]
    pub responsibility: Option<Responsibility>,
}

/// A ticket of a unit's service history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceEntry {
    /// The ticket.
    pub ticket_id: String,
    /// Its ledger number, once it has one.
    pub ledger_number: Option<String>,
    /// Its status.
    pub status: String,
    /// The complaint content.
    pub content: String,
    /// When it was registered (milliseconds since the epoch).
    pub registered_at: Option<i64>,
}

/// A value bound to a statement or read from a row. A NULL keeps its type, which PostgreSQL
/// needs to bind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// An integer (`BIGINT`), or NULL.
    Int(Option<i64>),
    /// Text, or NULL.
    Text(Option<String>),
}

impl Value {
    /// Text.
    fn text(s: &str) -> Self {
        Value::Text(Some(s.to_owned()))
    }

    /// An integer.
    fn int(n: i64) -> Self {
        Value::Int(Some(n))
    }
}

/// Runs statements on one connection (or in one transaction) of a database.
pub trait SqlRun {
    /// The rows `sql` finds with `args`, each as its values in column order.
    fn rows(&mut self, sql: &str, args: &[Value]) -> Result<Vec<Vec<Value>>>;
    /// Runs `sql` with `args`; how many rows it changed.
    fn run(&mut self, sql: &str, args: &[Value]) -> Result<u64>;
}

/// A closure given a connection to run statements on.
pub type WithSql<'a> = &'a mut dyn FnMut(&mut dyn SqlRun) -> Result<()>;

/// The office's reference data. A database says how to run statements, on a reader
/// ([`Reference::reference_read`]) or in one write transaction
/// ([`Reference::reference_write`]); everything else is written here once.
pub trait Reference {
    /// Runs `f` on a connection for reading.
    fn reference_read(&self, f: WithSql<'_>) -> Result<()>;
    /// Runs `f` in one write transaction, committed when it returns `Ok`.
    fn reference_write(&self, f: WithSql<'_>) -> Result<()>;

    /// Customers whose name contains `q` (all for an empty `q`), by name, `limit` from
    /// `offset`.
    fn customers(&self, q: &str, offset: i64, limit: i64) -> Result<Vec<Customer>> {
        let args = [
            Value::Text(Some(contains(q))),
            Value::int(limit),
            Value::int(offset),
        ];
        read_all(self, SEARCH_CUSTOMERS, &args, customer_of)
    }

    /// Customer `id`.
    fn customer(&self, id: i64) -> Result<Option<Customer>> {
        read_first(self, SELECT_CUSTOMER, &[Value::int(id)], customer_of)
    }

    /// The customer named exactly `name`.
    fn customer_named(&self, name: &str) -> Result<Option<Customer>> {
        read_first(
            self,
            SELECT_CUSTOMER_NAMED,
            &[Value::text(name)],
            customer_of,
        )
    }

    /// Records a new customer; refused with `exists` when one has its name.
    fn create_customer(&self, fields: &CustomerFields) -> Result<Customer> {
        let mut made = None;
        self.reference_write(&mut |sql| {
            made = Some(insert_customer(sql, fields)?);
            Ok(())
        })?;
        made.ok_or_else(|| Error::internal("a customer was not made"))
    }

    /// Replaces what is recorded of customer `id`; refused with `not_found` when there is no
    /// such customer and `exists` when another has the new name.
    fn update_customer(&self, id: i64, fields: &CustomerFields) -> Result<Customer> {
        self.reference_write(&mut |sql| {
            let taken = sql.rows(SELECT_CUSTOMER_NAMED, &[Value::text(&fields.name)])?;
            if taken.iter().any(|row| int(row, 0) != Some(id)) {
                return Err(exists("customer", "name", &fields.name));
            }
            let args = customer_args(fields)?;
            let args = [args, vec![Value::int(id)]].concat();
            if sql.run(UPDATE_CUSTOMER, &args)? == 0 {
                return Err(Error::not_found(format!("no customer {id}")));
            }
            Ok(())
        })?;
        Ok(Customer {
            id,
            fields: fields.clone(),
        })
    }

    /// Units whose job number, contract number, serial or customer's name contains `q` (all
    /// for an empty `q`), by job number, `limit` from `offset`.
    fn units(&self, q: &str, offset: i64, limit: i64) -> Result<Vec<Unit>> {
        let args = [
            Value::Text(Some(contains(q))),
            Value::int(limit),
            Value::int(offset),
        ];
        read_all(self, SEARCH_UNITS, &args, unit_of)
    }

    /// Unit `id`.
    fn unit(&self, id: i64) -> Result<Option<Unit>> {
        read_first(self, SELECT_UNIT, &[Value::int(id)], unit_of)
    }

    /// The unit of job number `job_number`.
    fn unit_of_job(&self, job_number: &str) -> Result<Option<Unit>> {
        read_first(
            self,
            SELECT_UNIT_OF_JOB,
            &[Value::text(job_number)],
            unit_of,
        )
    }

    /// Records a new unit; refused with `exists` when one has its job number, and with
    /// `not_found` when its customer or product is unknown.
    fn create_unit(&self, fields: &UnitFields) -> Result<Unit> {
        let mut made = None;
        self.reference_write(&mut |sql| {
            made = Some(insert_unit(sql, fields)?);
            Ok(())
        })?;
        made.ok_or_else(|| Error::internal("a unit was not made"))
    }

    /// Replaces what is recorded of unit `id`; refused as [`Reference::create_unit`] is, and
    /// with `not_found` when there is no such unit.
    fn update_unit(&self, id: i64, fields: &UnitFields) -> Result<Unit> {
        let mut customer_name = String::new();
        self.reference_write(&mut |sql| {
            customer_name = check_unit(sql, fields)?;
            let taken = sql.rows(SELECT_UNIT_OF_JOB, &[Value::text(&fields.job_number)])?;
            if taken.iter().any(|row| int(row, 0) != Some(id)) {
                return Err(exists("unit", "job_number", &fields.job_number));
            }
            let args = [unit_args(fields), vec![Value::int(id)]].concat();
            if sql.run(UPDATE_UNIT, &args)? == 0 {
                return Err(Error::not_found(format!("no unit {id}")));
            }
            Ok(())
        })?;
        Ok(Unit {
            id,
            fields: fields.clone(),
            customer_name,
        })
    }

    /// The tickets of the ledger that name job number `job_number`, newest first, at most
    /// `limit`.
    fn service_history(&self, job_number: &str, limit: i64) -> Result<Vec<ServiceEntry>> {
        let args = [Value::text(job_number), Value::int(limit)];
        read_all(self, SELECT_HISTORY, &args, |row| {
            Ok(ServiceEntry {
                ticket_id: text(row, 0)?,
                ledger_number: opt_text(row, 1),
                status: text(row, 2)?,
                content: text(row, 3)?,
                registered_at: int(row, 4),
            })
        })
    }

    /// The product catalogue, by code.
    fn products(&self) -> Result<Vec<Product>> {
        read_all(self, SELECT_PRODUCTS, &[], |row| {
            Ok(Product {
                code: text(row, 0)?,
                name: text(row, 1)?,
                model_family: text(row, 2)?,
            })
        })
    }

    /// Records a product (`create`) or replaces one: refused with `exists` when a new one's
    /// code is taken, `not_found` when the one to replace is unknown.
    fn put_product(&self, product: &Product, create: bool) -> Result<()> {
        let args = [
            Value::text(&product.name),
            Value::text(&product.model_family),
            Value::text(&product.code),
        ];
        let (statement, refusal) = if create {
            (INSERT_PRODUCT, exists("product", "code", &product.code))
        } else {
            let missing = Error::not_found(format!("no product {}", product.code));
            (UPDATE_PRODUCT, missing)
        };
        put_one(self, statement, &args, refusal)
    }

    /// The cause code list, by code.
    fn causes(&self) -> Result<Vec<Cause>> {
        read_all(self, SELECT_CAUSES, &[], cause_of)
    }

    /// Cause `code`.
    fn cause(&self, code: &str) -> Result<Option<Cause>> {
        read_first(self, SELECT_CAUSE, &[Value::text(code)], cause_of)
    }

    /// Records a cause (`create`) or replaces one, refused as [`Reference::put_product`] is.
    fn put_cause(&self, cause: &Cause, create: bool) -> Result<()> {
        let responsibility = cause.responsibility.map(|r| crate::ledger::name(&r));
        let args = [
            Value::text(&cause.label_zh),
            Value::text(&cause.label_en),
            Value::Text(responsibility),
            Value::text(&cause.code),
        ];
        let (statement, refusal) = if create {
            (INSERT_CAUSE, exists("cause", "code", &cause.code))
        } else {
            let missing = Error::not_found(format!("no cause {}", cause.code));
            (UPDATE_CAUSE, missing)
        };
        put_one(self, statement, &args, refusal)
    }

    /// Imports customers and units in one transaction, row by row: a customer whose name is
    /// not recorded yet is recorded, and one that is gains the row's site and contact if it
    /// lacks them; then the row's unit is recorded at that customer unless its job number is.
    /// Returns what became of each row of `rows`, in order.
    fn import_reference(&self, rows: &[ImportedRow]) -> Result<Vec<Imported>> {
        let mut done = Vec::with_capacity(rows.len());
        self.reference_write(&mut |sql| {
            done.clear();
            for row in rows {
                done.push(import_row(sql, row)?);
            }
            Ok(())
        })?;
        Ok(done)
    }
}

/// What became of a row of a reference-data import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Imported {
    /// It recorded a customer or unit, or gave a customer a site or contact.
    Created,
    /// Everything it says was recorded already.
    Existing,
    /// Its job number is a unit of another customer, named.
    OtherCustomer(String),
}

/// A row of a reference-data import: a customer, and the unit installed at them if the row
/// names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedRow {
    /// The customer (created when its name is new).
    pub customer: CustomerFields,
    /// The unit (created when its job number is new); its `customer_id` is set on import.
    pub unit: Option<UnitFields>,
}

/// Imports `row`; a row refused changes nothing.
fn import_row(sql: &mut dyn SqlRun, row: &ImportedRow) -> Result<Imported> {
    let found = sql.rows(SELECT_CUSTOMER_NAMED, &[Value::text(&row.customer.name)])?;
    let stored = found.first().map(|r| customer_of(r)).transpose()?;
    let unit_taken = match &row.unit {
        Some(unit) => {
            let taken = sql.rows(SELECT_UNIT_OF_JOB, &[Value::text(&unit.job_number)])?;
            taken.first().map(|r| unit_of(r)).transpose()?
        }
        None => None,
    };
    if let Some(other) = &unit_taken
        && stored
            .as_ref()
            .is_none_or(|c| c.id != other.fields.customer_id)
    {
        return Ok(Imported::OtherCustomer(other.customer_name.clone()));
    }
    let mut made = false;
    let customer_id = match stored {
        Some(mut customer) => {
            let before = customer.fields.clone();
            for site in &row.customer.sites {
                if !customer.fields.sites.iter().any(|s| s.name == site.name) {
                    customer.fields.sites.push(site.clone());
                }
            }
            for contact in &row.customer.contacts {
                if !customer.fields.contacts.contains(contact) {
                    customer.fields.contacts.push(contact.clone());
                }
            }
            if customer.fields != before {
                let args = [
                    customer_args(&customer.fields)?,
                    vec![Value::int(customer.id)],
                ];
                sql.run(UPDATE_CUSTOMER, &args.concat())?;
                made = true;
            }
            customer.id
        }
        None => {
            made = true;
            insert_customer(sql, &row.customer)?.id
        }
    };
    if let Some(unit) = &row.unit
        && unit_taken.is_none()
    {
        let unit = UnitFields {
            customer_id,
            ..unit.clone()
        };
        insert_unit(sql, &unit)?;
        made = true;
    }
    Ok(if made {
        Imported::Created
    } else {
        Imported::Existing
    })
}

/// The refusal of a new `what` whose `field` `value` is taken.
fn exists(what: &str, field: &str, value: &str) -> Error {
    Error::new(
        Code::Exists,
        format!("a {what} with the {field} {value:?} exists already"),
    )
}

/// `q` as a pattern of `LIKE` that matches text containing it, its wildcards escaped.
fn contains(q: &str) -> String {
    let escaped = q
        .trim()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Runs `statement`, which changes one row or none; `refusal` when none.
fn put_one<R: Reference + ?Sized>(
    db: &R,
    statement: &str,
    args: &[Value],
    refusal: Error,
) -> Result<()> {
    let mut changed = 0;
    db.reference_write(&mut |sql| {
        changed = sql.run(statement, args)?;
        Ok(())
    })?;
    if changed == 0 { Err(refusal) } else { Ok(()) }
}

/// Every row `sql` finds with `args`, each read by `read`.
fn read_all<R: Reference + ?Sized, T>(
    db: &R,
    statement: &str,
    args: &[Value],
    mut read: impl FnMut(&[Value]) -> Result<T>,
) -> Result<Vec<T>> {
    let mut found = Vec::new();
    db.reference_read(&mut |sql| {
        found = sql
            .rows(statement, args)?
            .iter()
            .map(|row| read(row))
            .collect::<Result<_>>()?;
        Ok(())
    })?;
    Ok(found)
}

/// The first row `sql` finds with `args`, read by `read`.
fn read_first<R: Reference + ?Sized, T>(
    db: &R,
    statement: &str,
    args: &[Value],
    read: impl FnMut(&[Value]) -> Result<T>,
) -> Result<Option<T>> {
    Ok(read_all(db, statement, args, read)?.into_iter().next())
}

/// Records `fields` as a new customer.
fn insert_customer(sql: &mut dyn SqlRun, fields: &CustomerFields) -> Result<Customer> {
    let rows = sql.rows(INSERT_CUSTOMER, &customer_args(fields)?)?;
    let id = rows
        .first()
        .and_then(|row| int(row, 0))
        .ok_or_else(|| exists("customer", "name", &fields.name))?;
    Ok(Customer {
        id,
        fields: fields.clone(),
    })
}

/// The name of the customer of `fields`, once its customer and product are known to exist.
fn check_unit(sql: &mut dyn SqlRun, fields: &UnitFields) -> Result<String> {
    let customer = sql.rows(SELECT_CUSTOMER, &[Value::int(fields.customer_id)])?;
    let Some(customer) = customer.first() else {
        return Err(Error::not_found(format!(
            "no customer {}",
            fields.customer_id
        )));
    };
    if let Some(code) = &fields.product_code {
        let product = sql.rows(SELECT_PRODUCT, &[Value::text(code)])?;
        if product.is_empty() {
            return Err(Error::not_found(format!("no product {code}")));
        }
    }
    text(customer, 1)
}

/// Records `fields` as a new unit.
fn insert_unit(sql: &mut dyn SqlRun, fields: &UnitFields) -> Result<Unit> {
    let customer_name = check_unit(sql, fields)?;
    let rows = sql.rows(INSERT_UNIT, &unit_args(fields))?;
    let id = rows
        .first()
        .and_then(|row| int(row, 0))
        .ok_or_else(|| exists("unit", "job_number", &fields.job_number))?;
    Ok(Unit {
        id,
        fields: fields.clone(),
        customer_name,
    })
}

/// The values of a customer's columns after its id: name, sites, contacts (as JSON text).
fn customer_args(fields: &CustomerFields) -> Result<Vec<Value>> {
    let sites = serde_json::to_string(&fields.sites).map_err(Error::internal)?;
    let contacts = serde_json::to_string(&fields.contacts).map_err(Error::internal)?;
    Ok(vec![
        Value::text(&fields.name),
        Value::Text(Some(sites)),
        Value::Text(Some(contacts)),
    ])
}

/// The values of a unit's columns after its id.
fn unit_args(fields: &UnitFields) -> Vec<Value> {
    vec![
        Value::int(fields.customer_id),
        Value::text(&fields.site),
        Value::Text(fields.product_code.clone()),
        Value::text(&fields.product_name),
        Value::text(&fields.model),
        Value::text(&fields.job_number),
        Value::text(&fields.contract_number),
        Value::text(&fields.serial),
        Value::Text(fields.commissioned_on.map(|d| d.to_string())),
    ]
}

/// Column `i` of `row` as an integer, if it is one.
fn int(row: &[Value], i: usize) -> Option<i64> {
    match row.get(i) {
        Some(Value::Int(n)) => *n,
        _ => None,
    }
}

/// Column `i` of `row` as text, if it is text.
fn opt_text(row: &[Value], i: usize) -> Option<String> {
    match row.get(i) {
        Some(Value::Text(t)) => t.clone(),
        _ => None,
    }
}

/// Column `i` of `row`, text that must be there.
fn text(row: &[Value], i: usize) -> Result<String> {
    opt_text(row, i).ok_or_else(|| corrupt("reference data"))
}

/// The error of a stored value that does not read.
fn corrupt(what: &str) -> Error {
    Error::Core(fieldledger_core::Error::Corrupt(format!(
        "unreadable {what} in the server database"
    )))
}

/// JSON text of column `i` of `row`, read as `T`.
fn json<T: serde::de::DeserializeOwned>(row: &[Value], i: usize) -> Result<T> {
    serde_json::from_str(&text(row, i)?).map_err(|_| corrupt("reference data"))
}

/// A customer from a row of [`CUSTOMER_COLUMNS`].
fn customer_of(row: &[Value]) -> Result<Customer> {
    Ok(Customer {
        id: int(row, 0).ok_or_else(|| corrupt("customer id"))?,
        fields: CustomerFields {
            name: text(row, 1)?,
            sites: json(row, 2)?,
            contacts: json(row, 3)?,
        },
    })
}

/// A unit from a row of [`UNIT_COLUMNS`].
fn unit_of(row: &[Value]) -> Result<Unit> {
    let commissioned_on = opt_text(row, 9)
        .map(|d| d.parse().map_err(|_| corrupt("commissioning day")))
        .transpose()?;
    Ok(Unit {
        id: int(row, 0).ok_or_else(|| corrupt("unit id"))?,
        fields: UnitFields {
            customer_id: int(row, 1).ok_or_else(|| corrupt("unit customer"))?,
            site: text(row, 2)?,
            product_code: opt_text(row, 3),
            product_name: text(row, 4)?,
            model: text(row, 5)?,
            job_number: text(row, 6)?,
            contract_number: text(row, 7)?,
            serial: text(row, 8)?,
            commissioned_on,
        },
        customer_name: text(row, 10)?,
    })
}

/// A cause from a row of [`SELECT_CAUSES`].
fn cause_of(row: &[Value]) -> Result<Cause> {
    let responsibility = opt_text(row, 3)
        .map(|r| {
            serde_json::from_value(serde_json::Value::String(r))
                .map_err(|_| corrupt("cause responsibility"))
        })
        .transpose()?;
    Ok(Cause {
        code: text(row, 0)?,
        label_zh: text(row, 1)?,
        label_en: text(row, 2)?,
        responsibility,
    })
}

/// The columns a customer is read from.
macro_rules! customer_columns {
    () => {
        "SELECT customer_id, name, sites, contacts FROM ref_customers"
    };
}
/// The columns a unit is read from.
macro_rules! unit_columns {
    () => {
        "SELECT u.unit_id, u.customer_id, u.site, u.product_code, u.product_name, u.model,
            u.job_number, u.contract_number, u.serial, u.commissioned_on, c.name
        FROM ref_units u JOIN ref_customers c ON c.customer_id = u.customer_id"
    };
}

const SEARCH_CUSTOMERS: &str = concat!(
    customer_columns!(),
    " WHERE lower(name) LIKE lower($1) ESCAPE '\\' ORDER BY name LIMIT $2 OFFSET $3"
);
const SELECT_CUSTOMER: &str = concat!(customer_columns!(), " WHERE customer_id = $1");
const SELECT_CUSTOMER_NAMED: &str = concat!(customer_columns!(), " WHERE name = $1");
const INSERT_CUSTOMER: &str = "INSERT INTO ref_customers (name, sites, contacts)
    VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING customer_id";
const UPDATE_CUSTOMER: &str = "UPDATE ref_customers SET name = $1, sites = $2, contacts = $3
    WHERE customer_id = $4";
const SEARCH_UNITS: &str = concat!(
    unit_columns!(),
    " WHERE lower(u.job_number) LIKE lower($1) ESCAPE '\\'
        OR lower(u.contract_number) LIKE lower($1) ESCAPE '\\'
        OR lower(u.serial) LIKE lower($1) ESCAPE '\\'
        OR lower(c.name) LIKE lower($1) ESCAPE '\\'
    ORDER BY u.job_number LIMIT $2 OFFSET $3"
);
const SELECT_UNIT: &str = concat!(unit_columns!(), " WHERE u.unit_id = $1");
const SELECT_UNIT_OF_JOB: &str = concat!(unit_columns!(), " WHERE u.job_number = $1");
const INSERT_UNIT: &str = "INSERT INTO ref_units (customer_id, site, product_code, product_name,
        model, job_number, contract_number, serial, commissioned_on)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (job_number) DO NOTHING RETURNING unit_id";
const UPDATE_UNIT: &str = "UPDATE ref_units SET customer_id = $1, site = $2, product_code = $3,
        product_name = $4, model = $5, job_number = $6, contract_number = $7, serial = $8,
        commissioned_on = $9
    WHERE unit_id = $10";
const SELECT_HISTORY: &str = "SELECT ticket_id, ledger_number, status, content, registered_at
    FROM ledger WHERE job_number = $1 ORDER BY registered_at DESC, ticket_id DESC LIMIT $2";
const SELECT_PRODUCTS: &str = "SELECT code, name, model_family FROM ref_products ORDER BY code";
const SELECT_PRODUCT: &str = "SELECT code FROM ref_products WHERE code = $1";
const INSERT_PRODUCT: &str = "INSERT INTO ref_products (name, model_family, code)
    VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING";
const UPDATE_PRODUCT: &str = "UPDATE ref_products SET name = $1, model_family = $2 WHERE code = $3";
const SELECT_CAUSES: &str =
    "SELECT code, label_zh, label_en, responsibility FROM ref_causes ORDER BY code";
const SELECT_CAUSE: &str =
    "SELECT code, label_zh, label_en, responsibility FROM ref_causes WHERE code = $1";
const INSERT_CAUSE: &str = "INSERT INTO ref_causes (label_zh, label_en, responsibility, code)
    VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING";
const UPDATE_CAUSE: &str = "UPDATE ref_causes SET label_zh = $1, label_en = $2,
    responsibility = $3 WHERE code = $4";

#[cfg(test)]
mod tests {
    use super::*;

    /// Every statement, for the check of its parameters.
    const STATEMENTS: &[&str] = &[
        SEARCH_CUSTOMERS,
        SELECT_CUSTOMER,
        SELECT_CUSTOMER_NAMED,
        INSERT_CUSTOMER,
        UPDATE_CUSTOMER,
        SEARCH_UNITS,
        SELECT_UNIT,
        SELECT_UNIT_OF_JOB,
        INSERT_UNIT,
        UPDATE_UNIT,
        SELECT_HISTORY,
        SELECT_PRODUCTS,
        SELECT_PRODUCT,
        INSERT_PRODUCT,
        UPDATE_PRODUCT,
        SELECT_CAUSES,
        SELECT_CAUSE,
        INSERT_CAUSE,
        UPDATE_CAUSE,
    ];

    /// SQLite numbers `$n` parameters in the order they first appear, PostgreSQL by `n`: a
    /// statement serves both only when the two agree.
    #[test]
    fn every_statement_numbers_its_parameters_in_the_order_they_first_appear() {
        for statement in STATEMENTS {
            let mut seen: Vec<u32> = Vec::new();
            for (i, _) in statement.match_indices('$') {
                let digits: String = statement[i + 1..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect();
                let n: u32 = digits.parse().expect("a numbered parameter");
                if !seen.contains(&n) {
                    seen.push(n);
                }
            }
            let expected: Vec<u32> = (1..=seen.len() as u32).collect();
            assert_eq!(seen, expected, "{statement}");
        }
    }
}
