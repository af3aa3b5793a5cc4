//! The office's reference data (`/v1/reference/…`): customers, installed units (one with its
//! service history), products and cause codes. Every office role reads them; who may change
//! which list is [`crate::reference::may_write`]. Technicians and sales representatives read
//! none of it here: the tickets they work on carry what they need.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::extract::{Body, Params, Raw, Segment};
use super::guard::Office;
use super::{Result, blocking};
use crate::AppState;
use crate::error::{Code, Error};
use crate::reference::import::{self, ReferenceFile, ReferenceImport, RowOutcome};
use crate::reference::{self, DEFAULT_PER_PAGE, List, MOST_PER_PAGE};
use crate::storage::reference::{
    Cause, Customer, CustomerFields, Product, ServiceEntry, Unit, UnitFields,
};

/// The most tickets a unit's service history shows.
const MOST_HISTORY: i64 = 200;

/// A search of a list: `q` to match (empty for all), a 1-based `page` of `per_page` rows.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Search {
    q: String,
    page: Option<i64>,
    per_page: Option<i64>,
}

impl Search {
    /// The rows to skip and the most to return (one more is asked for, to tell whether
    /// another page follows).
    fn window(&self) -> Result<(i64, i64)> {
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if !(1..=MOST_PER_PAGE).contains(&per_page) {
            return Err(Error::new(
                Code::BadBody,
                format!("per_page must be from 1 to {MOST_PER_PAGE}"),
            ));
        }
        let page = self.page.unwrap_or(1);
        if page < 1 {
            return Err(Error::new(Code::BadBody, "page must be 1 or more"));
        }
        Ok(((page - 1).saturating_mul(per_page), per_page))
    }
}

/// A page of a list.
#[derive(Debug, Serialize)]
pub(super) struct Page<T> {
    /// The rows of the page.
    items: Vec<T>,
    /// Whether another page follows.
    more: bool,
}

/// The page of `found`, asked for `per_page` rows and one more.
fn page<T>(mut found: Vec<T>, per_page: i64) -> Page<T> {
    let per_page = usize::try_from(per_page).unwrap_or(usize::MAX);
    let more = found.len() > per_page;
    found.truncate(per_page);
    Page { items: found, more }
}

/// Which lists the caller may change, for the dashboard to offer its forms.
#[derive(Debug, Serialize)]
pub(super) struct Rights {
    customers: bool,
    products: bool,
    causes: bool,
}

pub(super) async fn rights(Office(caller): Office) -> Json<Rights> {
    let role = caller.user.role;
    Json(Rights {
        customers: reference::may_write(role, List::Customers),
        products: reference::may_write(role, List::Products),
        causes: reference::may_write(role, List::Causes),
    })
}

/// A number in the path.
fn id_of(raw: &str) -> Result<i64> {
    raw.parse()
        .map_err(|_| Error::new(Code::BadId, format!("{raw:?} is not an id")))
}

pub(super) async fn customers(
    State(state): State<AppState>,
    _: Office,
    Params(search): Params<Search>,
) -> Result<Json<Page<Customer>>> {
    let (offset, limit) = search.window()?;
    let storage = state.storage.clone();
    let found = blocking(move || storage.customers(&search.q, offset, limit + 1)).await?;
    Ok(Json(page(found, limit)))
}

pub(super) async fn create_customer(
    State(state): State<AppState>,
    Office(caller): Office,
    Body(fields): Body<CustomerFields>,
) -> Result<(StatusCode, Json<Customer>)> {
    reference::check_write(caller.user.role, List::Customers)?;
    let fields = reference::customer(&fields)?;
    let storage = state.storage.clone();
    let made = blocking(move || storage.create_customer(&fields)).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn update_customer(
    State(state): State<AppState>,
    Office(caller): Office,
    Segment(id): Segment<String>,
    Body(fields): Body<CustomerFields>,
) -> Result<Json<Customer>> {
    reference::check_write(caller.user.role, List::Customers)?;
    let id = id_of(&id)?;
    let fields = reference::customer(&fields)?;
    let storage = state.storage.clone();
    Ok(Json(
        blocking(move || storage.update_customer(id, &fields)).await?,
    ))
}

pub(super) async fn units(
    State(state): State<AppState>,
    _: Office,
    Params(search): Params<Search>,
) -> Result<Json<Page<Unit>>> {
    let (offset, limit) = search.window()?;
    let storage = state.storage.clone();
    let found = blocking(move || storage.units(&search.q, offset, limit + 1)).await?;
    Ok(Json(page(found, limit)))
}

/// A unit with the tickets of its job number, newest first.
#[derive(Debug, Serialize)]
pub(super) struct UnitWithHistory {
    #[serde(flatten)]
    unit: Unit,
    history: Vec<ServiceEntry>,
}

pub(super) async fn unit(
    State(state): State<AppState>,
    _: Office,
    Segment(id): Segment<String>,
) -> Result<Json<UnitWithHistory>> {
    let id = id_of(&id)?;
    let storage = state.storage.clone();
    let shown = blocking(move || {
        let unit = storage
            .unit(id)?
            .ok_or_else(|| Error::not_found(format!("no unit {id}")))?;
        let history = storage.service_history(&unit.fields.job_number, MOST_HISTORY)?;
        Ok(UnitWithHistory { unit, history })
    })
    .await?;
    Ok(Json(shown))
}

pub(super) async fn create_unit(
    State(state): State<AppState>,
    Office(caller): Office,
    Body(fields): Body<UnitFields>,
) -> Result<(StatusCode, Json<Unit>)> {
    reference::check_write(caller.user.role, List::Customers)?;
    let storage = state.storage.clone();
    let made = blocking(move || {
        let fields = reference::checked_unit(storage.as_ref(), &fields)?;
        storage.create_unit(&fields)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(made)))
}

pub(super) async fn update_unit(
    State(state): State<AppState>,
    Office(caller): Office,
    Segment(id): Segment<String>,
    Body(fields): Body<UnitFields>,
) -> Result<Json<Unit>> {
    reference::check_write(caller.user.role, List::Customers)?;
    let id = id_of(&id)?;
    let storage = state.storage.clone();
    let updated = blocking(move || {
        let fields = reference::checked_unit(storage.as_ref(), &fields)?;
        storage.update_unit(id, &fields)
    })
    .await?;
    Ok(Json(updated))
}

pub(super) async fn products(
    State(state): State<AppState>,
    _: Office,
) -> Result<Json<Vec<Product>>> {
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.products()).await?))
}

/// Records or replaces a product, as `caller` may.
async fn put_product(
    state: AppState,
    office: Office,
    product: Product,
    create: bool,
) -> Result<()> {
    reference::check_write(office.0.user.role, List::Products)?;
    let product = reference::product(&product)?;
    let storage = state.storage.clone();
    blocking(move || storage.put_product(&product, create)).await
}

pub(super) async fn create_product(
    State(state): State<AppState>,
    office: Office,
    Body(product): Body<Product>,
) -> Result<StatusCode> {
    put_product(state, office, product, true).await?;
    Ok(StatusCode::CREATED)
}

pub(super) async fn update_product(
    State(state): State<AppState>,
    office: Office,
    Segment(code): Segment<String>,
    Body(product): Body<Product>,
) -> Result<StatusCode> {
    put_product(state, office, Product { code, ..product }, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn causes(State(state): State<AppState>, _: Office) -> Result<Json<Vec<Cause>>> {
    let storage = state.storage.clone();
    Ok(Json(blocking(move || storage.causes()).await?))
}

/// Records or replaces a cause, as `caller` may.
async fn put_cause(state: AppState, office: Office, cause: Cause, create: bool) -> Result<()> {
    reference::check_write(office.0.user.role, List::Causes)?;
    let cause = reference::cause(&cause)?;
    let storage = state.storage.clone();
    blocking(move || storage.put_cause(&cause, create)).await
}

pub(super) async fn create_cause(
    State(state): State<AppState>,
    office: Office,
    Body(cause): Body<Cause>,
) -> Result<StatusCode> {
    put_cause(state, office, cause, true).await?;
    Ok(StatusCode::CREATED)
}

pub(super) async fn update_cause(
    State(state): State<AppState>,
    office: Office,
    Segment(code): Segment<String>,
    Body(cause): Body<Cause>,
) -> Result<StatusCode> {
    put_cause(state, office, Cause { code, ..cause }, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reads a spreadsheet of customers and units (the file as the body) into rows for
/// [`import_rows`], with the lines that do not read; stores nothing.
pub(super) async fn read_import(
    Office(caller): Office,
    Raw(bytes): Raw,
) -> Result<Json<ReferenceFile>> {
    reference::check_write(caller.user.role, List::Customers)?;
    Ok(Json(blocking(move || import::read(&bytes)).await?))
}

/// Imports a piece of a spreadsheet's rows: what became of each.
pub(super) async fn import_rows(
    State(state): State<AppState>,
    Office(caller): Office,
    Body(request): Body<ReferenceImport>,
) -> Result<Json<Vec<RowOutcome>>> {
    reference::check_write(caller.user.role, List::Customers)?;
    let storage = state.storage.clone();
    Ok(Json(
        blocking(move || import::import(storage.as_ref(), &request)).await?,
    ))
}
