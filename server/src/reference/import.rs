//! Import of customers and their installed units from a spreadsheet (CSV, as Excel saves it:
//! UTF-8 or GB18030), as the ledger import reads its files ([`crate::import`]): one row per unit
//! (or per customer without units), the first line naming the columns in Chinese or English.
//! The file is read once ([`read`]); its rows go to the server in pieces ([`upload`], or the
//! dashboard's import screen), each piece stored in one transaction ([`import`]). Customers are
//! known by name and units by job number, so that importing the same file again creates
//! nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Code, Error};
use crate::import::{Lines, Rejected, text_of, upload_pieces};
use crate::storage::Storage;
use crate::storage::reference::{Contact, CustomerFields, Imported, ImportedRow, Site, UnitFields};

/// The most rows one import request carries.
pub const MAX_ROWS_PER_REQUEST: usize = 500;
/// The rows the command line sends per request.
const ROWS_PER_UPLOAD: usize = 500;

/// A column of a reference-data file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Field {
    Customer,
    Site,
    Address,
    Contact,
    Phone,
    Product,
    Model,
    JobNumber,
    ContractNumber,
    Serial,
    Commissioned,
}

/// Each column's headers: Chinese, then English (matched ignoring case).
const HEADERS: [(Field, &str, &str); 11] = [
    (Field::Customer, "客户名称", "customer"),
    (Field::Site, "现场", "site"),
    (Field::Address, "现场地址", "address"),
    (Field::Contact, "联系人", "contact"),
    (Field::Phone, "联系电话", "phone"),
    (Field::Product, "产品名称", "product"),
    (Field::Model, "规格型号", "model"),
    (Field::JobNumber, "工号", "job number"),
    (Field::ContractNumber, "合同号", "contract number"),
    (Field::Serial, "出厂编号", "serial"),
    (Field::Commissioned, "投运日期", "commissioned"),
];

/// The column a header names.
fn field_of(header: &str) -> Option<Field> {
    let header = header.trim();
    HEADERS
        .iter()
        .find(|(_, zh, en)| header == *zh || header.eq_ignore_ascii_case(en))
        .map(|(field, _, _)| *field)
}

/// "工号 (job number)".
fn both(field: Field) -> String {
    HEADERS
        .iter()
        .find(|(f, _, _)| *f == field)
        .map_or_else(String::new, |(_, zh, en)| format!("{zh} ({en})"))
}

/// A row of a reference-data file: the line it starts on, its customer and unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceRow {
    /// The line of the file where the row starts.
    pub line: u64,
    /// The customer, with the row's site and contact.
    pub customer: CustomerFields,
    /// The unit, when the row names a job number (its `customer_id` is set on import).
    #[serde(default)]
    pub unit: Option<UnitFields>,
}

/// What a reference-data file holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ReferenceFile {
    /// The rows that read well.
    pub rows: Vec<ReferenceRow>,
    /// The rows that did not, with their lines and why.
    pub rejected: Vec<Rejected>,
    /// Headers of columns that are not read.
    pub ignored_columns: Vec<String>,
}

/// Reads a CSV file of customers and units whose first line names the columns. A file without
/// a customer column is refused whole; a row that does not read is rejected with its line and
/// reason, and the others are kept.
pub fn read(bytes: &[u8]) -> Result<ReferenceFile, Error> {
    let unreadable = |m: String| Error::new(Code::UnreadableFile, m);
    let text = text_of(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| unreadable(format!("the first line does not read as CSV: {e}")))?
        .clone();
    let mut file = ReferenceFile::default();
    let mut columns: BTreeMap<Field, usize> = BTreeMap::new();
    for (index, header) in headers.iter().enumerate() {
        match field_of(header) {
            Some(field) if columns.insert(field, index).is_some() => {
                return Err(unreadable(format!(
                    "the column {} appears twice",
                    both(field)
                )));
            }
            Some(_) => {}
            None if header.trim().is_empty() => {}
            None => file.ignored_columns.push(header.trim().to_owned()),
        }
    }
    if !columns.contains_key(&Field::Customer) {
        return Err(unreadable(format!(
            "the file has no column {}; the first line must name the columns",
            both(Field::Customer)
        )));
    }
    let mut lines = Lines::new(&text);
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, |p| lines.at(p.byte()));
                let reason = format!("the row does not read as CSV: {e}");
                file.rejected.push(Rejected { line, reason });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| lines.at(p.byte()));
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cell = |field: Field| {
            columns
                .get(&field)
                .and_then(|&i| record.get(i))
                .map_or("", |c| crate::columns::as_typed(c).trim())
        };
        match row_of(line, &cell) {
            Ok(row) => file.rows.push(row),
            Err(reason) => file.rejected.push(Rejected { line, reason }),
        }
    }
    Ok(file)
}

/// The row starting on `line`, read through `cell`, checked as the API checks what it is
/// sent; the reason names the column.
fn row_of<'a>(line: u64, cell: &dyn Fn(Field) -> &'a str) -> Result<ReferenceRow, String> {
    let site = cell(Field::Site);
    let contact = cell(Field::Contact);
    let customer = CustomerFields {
        name: cell(Field::Customer).to_owned(),
        sites: (!site.is_empty())
            .then(|| Site {
                name: site.to_owned(),
                address: cell(Field::Address).to_owned(),
            })
            .into_iter()
            .collect(),
        contacts: (!contact.is_empty())
            .then(|| Contact {
                name: contact.to_owned(),
                phone: cell(Field::Phone).to_owned(),
            })
            .into_iter()
            .collect(),
    };
    let customer = super::customer(&customer).map_err(|e| e.to_string())?;
    let job = cell(Field::JobNumber);
    let unit = if job.is_empty() {
        None
    } else {
        let commissioned = cell(Field::Commissioned);
        let commissioned_on = if commissioned.is_empty() {
            None
        } else {
            let day = commissioned.replace('/', "-");
            Some(day.parse().map_err(|_| {
                format!(
                    "{}: {commissioned:?} is not a day like 2026-03-05",
                    both(Field::Commissioned)
                )
            })?)
        };
        let fields = UnitFields {
            customer_id: 0,
            site: site.to_owned(),
            product_code: None,
            product_name: cell(Field::Product).to_owned(),
            model: cell(Field::Model).to_owned(),
            job_number: job.to_owned(),
            contract_number: cell(Field::ContractNumber).to_owned(),
            serial: cell(Field::Serial).to_owned(),
            commissioned_on,
        };
        let sites: Vec<String> = customer.sites.iter().map(|s| s.name.clone()).collect();
        Some(super::unit(&fields, &sites).map_err(|e| e.to_string())?)
    };
    Ok(ReferenceRow {
        line,
        customer,
        unit,
    })
}

/// The body of `POST /v1/reference/import`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceImport {
    /// At most [`MAX_ROWS_PER_REQUEST`] rows.
    pub rows: Vec<ReferenceRow>,
}

/// What became of one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// It recorded a customer or unit, or gave a customer a site or contact.
    Created,
    /// Everything it says was recorded already.
    Existing,
    /// Not imported.
    Rejected {
        /// Why.
        reason: String,
    },
}

/// The outcome of the row that starts at `line`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOutcome {
    /// The line of the file.
    pub line: u64,
    /// What became of it.
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// Imports `request`'s rows in one transaction: each row checked again (it may not come from
/// [`read`]), then recorded. A row refused changes nothing.
pub fn import(storage: &dyn Storage, request: &ReferenceImport) -> Result<Vec<RowOutcome>, Error> {
    if request.rows.len() > MAX_ROWS_PER_REQUEST {
        return Err(Error::new(
            Code::TooManyRows,
            format!("an import request may carry at most {MAX_ROWS_PER_REQUEST} rows"),
        ));
    }
    let mut outcomes: Vec<RowOutcome> = Vec::with_capacity(request.rows.len());
    let mut checked = Vec::new();
    for row in &request.rows {
        let customer = super::customer(&row.customer);
        let sites: Vec<String> = row.customer.sites.iter().map(|s| s.name.clone()).collect();
        let unit = row
            .unit
            .as_ref()
            .map(|u| super::unit(u, &sites))
            .transpose();
        match (customer, unit) {
            (Ok(customer), Ok(unit)) => {
                checked.push(ImportedRow { customer, unit });
                // Settled once stored, below.
                outcomes.push(RowOutcome {
                    line: row.line,
                    outcome: Outcome::Existing,
                });
            }
            (Err(e), _) | (_, Err(e)) => outcomes.push(RowOutcome {
                line: row.line,
                outcome: Outcome::Rejected {
                    reason: e.to_string(),
                },
            }),
        }
    }
    let mut stored = storage.import_reference(&checked)?.into_iter();
    for outcome in &mut outcomes {
        if outcome.outcome != Outcome::Existing {
            continue;
        }
        outcome.outcome = match stored.next() {
            Some(Imported::Created) => Outcome::Created,
            Some(Imported::Existing) => Outcome::Existing,
            Some(Imported::OtherCustomer(name)) => Outcome::Rejected {
                reason: format!("the job number is a unit of another customer ({name})"),
            },
            None => Outcome::Rejected {
                reason: "the server did not store it".into(),
            },
        };
    }
    Ok(outcomes)
}

/// Sends `file`'s rows to the server at `server` with `token`, a piece at a time, calling
/// `progress` with the rows done so far; returns each row's outcome, the file's own rejections
/// among them, in line order.
pub fn upload(
    file: &ReferenceFile,
    server: &str,
    token: &str,
    progress: impl FnMut(usize),
) -> Result<Vec<RowOutcome>, Error> {
    let url = format!("{}/v1/reference/import", server.trim_end_matches('/'));
    let rejected = file.rejected.iter().map(|r| RowOutcome {
        line: r.line,
        outcome: Outcome::Rejected {
            reason: r.reason.clone(),
        },
    });
    let body = |rows: &[ReferenceRow]| {
        serde_json::to_vec(&ReferenceImport {
            rows: rows.to_vec(),
        })
        .map_err(Error::internal)
    };
    let mut outcomes = upload_pieces(&url, token, &file.rows, ROWS_PER_UPLOAD, body, progress)?;
    outcomes.extend(rejected);
    outcomes.sort_by_key(|o| o.line);
    Ok(outcomes)
}
