//! Products: create, retrieve, update and list (filters `active`, `ids[]`), as Stripe documents.

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool};
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{check_metadata, merge_metadata, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A product, serialised with every field Stripe always sends.
#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub id: String,
    pub object: &'static str,
    pub active: bool,
    pub created: i64,
    pub updated: i64,
    pub default_price: Option<String>,
    pub description: Option<String>,
    pub images: Vec<String>,
    pub marketing_features: Vec<Value>,
    pub livemode: bool,
    pub metadata: BTreeMap<String, String>,
    pub name: String,
    pub package_dimensions: Option<Value>,
    pub shippable: Option<bool>,
    pub statement_descriptor: Option<String>,
    pub tax_code: Option<String>,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub unit_label: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    name: String,
    id: Option<String>,
    active: Option<String>,
    description: Option<String>,
    images: Option<Vec<String>>,
    metadata: Option<BTreeMap<String, String>>,
    statement_descriptor: Option<String>,
    tax_code: Option<String>,
    unit_label: Option<String>,
    url: Option<String>,
    expand: Option<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateParams {
    name: Option<String>,
    active: Option<String>,
    default_price: Option<String>,
    description: Option<String>,
    images: Option<Vec<String>>,
    metadata: Option<BTreeMap<String, String>>,
    statement_descriptor: Option<String>,
    tax_code: Option<String>,
    unit_label: Option<String>,
    url: Option<String>,
    expand: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    active: Option<String>,
    ids: Option<Vec<String>>,
    shippable: Option<String>,
    expand: Option<Vec<String>>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

fn check_statement_descriptor(value: &Option<String>) -> ApiResult<()> {
    if let Some(text) = value {
        if text.len() < 5 || text.len() > 22 || text.chars().any(|c| "<>\\'\"*".contains(c)) {
            return Err(ApiError::invalid_request(
                "The statement descriptor must be between 5 and 22 characters and cannot contain <, >, \\, ', \" or *.",
            )
            .param("statement_descriptor"));
        }
    }
    Ok(())
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Product>> {
    caller.require("products", true)?;
    let params: CreateParams = parse(&body)?;
    let _ = params.expand;
    if params.name.trim().is_empty() {
        return Err(ApiError::invalid_value("name", "You passed an empty string for 'name'. We assume empty values are an attempt to unset a parameter; however 'name' cannot be unset. You should remove 'name' from your request or supply a non-empty value."));
    }
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    check_statement_descriptor(&params.statement_descriptor)?;
    let active = parse_bool("active", &params.active)?.unwrap_or(true);
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    if let Some(id) = &params.id {
        if data.products.iter().any(|p| &p.id == id) {
            return Err(ApiError::invalid_request("Product already exists.")
                .code("resource_already_exists")
                .param("id"));
        }
    }
    let created = now();
    let product = Product {
        id: params.id.unwrap_or_else(|| new_id("prod")),
        object: "product",
        active,
        created,
        updated: created,
        default_price: None,
        description: params.description.filter(|d| !d.is_empty()),
        images: params.images.unwrap_or_default(),
        marketing_features: vec![],
        livemode: caller.livemode,
        metadata,
        name: params.name,
        package_dimensions: None,
        shippable: None,
        statement_descriptor: params.statement_descriptor,
        tax_code: params.tax_code,
        kind: "service",
        unit_label: params.unit_label,
        url: params.url,
    };
    data.products.push(product.clone());
    Ok(Json(product))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Product>> {
    caller.require("products", false)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.products.iter().find(|p| p.id == id).cloned().map(Json).ok_or_else(|| ApiError::no_such("product", &id))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Product>> {
    caller.require("products", true)?;
    let params: UpdateParams = parse(&body)?;
    let _ = params.expand;
    check_statement_descriptor(&params.statement_descriptor)?;
    let active = parse_bool("active", &params.active)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    if let Some(price_id) = &params.default_price {
        if !data.prices.iter().any(|p| &p.id == price_id && p.product == id) {
            return Err(ApiError::no_such("price", price_id).param("default_price"));
        }
    }
    let product = data.products.iter_mut().find(|p| p.id == id).ok_or_else(|| ApiError::no_such("product", &id))?;
    if let Some(metadata) = params.metadata {
        let mut merged = product.metadata.clone();
        merge_metadata(&mut merged, metadata);
        check_metadata(&merged)?;
        product.metadata = merged;
    }
    if let Some(name) = params.name {
        product.name = name;
    }
    if let Some(active) = active {
        product.active = active;
    }
    if params.default_price.is_some() {
        product.default_price = params.default_price;
    }
    if let Some(description) = params.description {
        product.description = Some(description).filter(|d| !d.is_empty());
    }
    if let Some(images) = params.images {
        product.images = images;
    }
    if params.statement_descriptor.is_some() {
        product.statement_descriptor = params.statement_descriptor;
    }
    if params.tax_code.is_some() {
        product.tax_code = params.tax_code;
    }
    if params.unit_label.is_some() {
        product.unit_label = params.unit_label;
    }
    if params.url.is_some() {
        product.url = params.url;
    }
    product.updated = now();
    Ok(Json(product.clone()))
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("products", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let _ = params.expand;
    let active = parse_bool("active", &params.active)?;
    let shippable = parse_bool("shippable", &params.shippable)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&Product> = data
        .products
        .iter()
        .rev()
        .filter(|p| active.is_none_or(|a| p.active == a))
        .filter(|p| shippable.is_none_or(|s| p.shippable == Some(s)))
        .filter(|p| params.ids.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |p| p.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/products", has_more, window)))
}
