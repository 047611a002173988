//! Products: create, retrieve, update and list (filters `active`, `ids[]`, `shippable`,
//! `type`, `url`), as Stripe documents (reference: `Products.d.ts` of npm `stripe` 23.1.0, API
//! `2026-10-28.endive`). Create takes every writable field — `default_price_data` (creating
//! the default price with it), `marketing_features`, `package_dimensions`, `shippable`,
//! `tax_details`, `type` — and objects render with every field of the typings' `Product`.
//! A `default_price` that does not exist is 400 `resource_missing` with its `param`.

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool};
use crate::ids::{new_id, now};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::resources::prices::{create_default_price, missing_reference, DefaultPriceData};
use crate::state::{check_metadata, merge_metadata, ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The `object` field of this resource's answers (a restored object takes it from here).
fn object_name() -> &'static str {
    "product"
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketingFeature {
    pub name: Option<String>,
}

/// Inches and ounces, at most two decimal places each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackageDimensions {
    pub height: f64,
    pub length: f64,
    pub weight: f64,
    pub width: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaxDetails {
    pub performance_location: Option<String>,
    pub tax_code: Option<String>,
}

/// A product, serialised with every field of the typings' `Product`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Product {
    pub id: String,
    #[serde(skip_deserializing, default = "object_name")]
    pub object: &'static str,
    pub active: bool,
    pub created: i64,
    pub updated: i64,
    pub default_price: Option<String>,
    pub description: Option<String>,
    pub images: Vec<String>,
    pub livemode: bool,
    pub marketing_features: Vec<MarketingFeature>,
    pub metadata: BTreeMap<String, String>,
    pub name: String,
    pub package_dimensions: Option<PackageDimensions>,
    pub shippable: Option<bool>,
    pub statement_descriptor: Option<String>,
    pub tax_code: Option<String>,
    pub tax_details: Option<TaxDetails>,
    #[serde(rename = "type")]
    pub kind: String,
    pub unit_label: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MarketingFeatureParams {
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageDimensionsParams {
    height: Option<String>,
    length: Option<String>,
    weight: Option<String>,
    width: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TaxDetailsParams {
    performance_location: Option<String>,
    tax_code: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateParams {
    name: String,
    id: Option<String>,
    active: Option<String>,
    default_price_data: Option<DefaultPriceData>,
    description: Option<String>,
    images: Option<Vec<String>>,
    marketing_features: Option<Vec<MarketingFeatureParams>>,
    metadata: Option<BTreeMap<String, String>>,
    package_dimensions: Option<PackageDimensionsParams>,
    shippable: Option<String>,
    statement_descriptor: Option<String>,
    tax_code: Option<String>,
    tax_details: Option<TaxDetailsParams>,
    #[serde(rename = "type")]
    kind: Option<String>,
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
    #[serde(default)]
    images: Value,
    #[serde(default)]
    marketing_features: Value,
    metadata: Option<BTreeMap<String, String>>,
    #[serde(default)]
    package_dimensions: Value,
    shippable: Option<String>,
    statement_descriptor: Option<String>,
    tax_code: Option<String>,
    #[serde(default)]
    tax_details: Value,
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
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
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

fn marketing_features(list: Vec<MarketingFeatureParams>) -> ApiResult<Vec<MarketingFeature>> {
    if list.len() > 15 {
        return Err(
            ApiError::invalid_request("A product can have at most 15 marketing features.").param("marketing_features")
        );
    }
    list.into_iter()
        .enumerate()
        .map(|(i, f)| {
            let param = format!("marketing_features[{i}][name]");
            let name = f.name.filter(|n| !n.is_empty()).ok_or_else(|| ApiError::missing_param(&param))?;
            if name.chars().count() > 80 {
                return Err(ApiError::invalid_request(format!("Invalid {param}: must be at most 80 characters long."))
                    .param(param));
            }
            Ok(MarketingFeature { name: Some(name) })
        })
        .collect()
}

fn package_dimensions(d: PackageDimensionsParams) -> ApiResult<PackageDimensions> {
    let field = |name: &str, raw: Option<String>| -> ApiResult<f64> {
        let param = format!("package_dimensions[{name}]");
        let raw = raw.ok_or_else(|| ApiError::missing_param(&param))?;
        let places = raw.split_once('.').map(|(_, f)| f.len()).unwrap_or(0);
        match raw.parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 && places <= 2 => Ok(v),
            _ => Err(ApiError::invalid_request(format!(
                "Invalid {param}: {raw} must be a positive number with at most 2 decimal places."
            ))
            .param(param)),
        }
    };
    Ok(PackageDimensions {
        height: field("height", d.height)?,
        length: field("length", d.length)?,
        weight: field("weight", d.weight)?,
        width: field("width", d.width)?,
    })
}

fn tax_details(t: TaxDetailsParams, tax_code: &Option<String>) -> ApiResult<TaxDetails> {
    let code = t.tax_code.filter(|c| !c.is_empty());
    if let (Some(a), Some(b)) = (&code, tax_code) {
        if a != b {
            return Err(ApiError::invalid_request(
                "tax_code and tax_details[tax_code] must be the same when both are given.",
            )
            .param("tax_details[tax_code]"));
        }
    }
    Ok(TaxDetails { performance_location: t.performance_location, tax_code: code.or_else(|| tax_code.clone()) })
}

/// Form values arrive as strings and indexed maps (`images[0]=…`): arrays where Stripe means them.
fn as_arrays(value: Value) -> Value {
    match value {
        Value::Object(map) if !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok()) => {
            let mut items: Vec<(usize, Value)> =
                map.into_iter().map(|(k, v)| (k.parse().expect("checked"), as_arrays(v))).collect();
            items.sort_by_key(|(i, _)| *i);
            Value::Array(items.into_iter().map(|(_, v)| v).collect())
        }
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, as_arrays(v))).collect()),
        other => other,
    }
}

/// An `Emptyable` update parameter (read as a `Value`, `Null` when absent: serde_qs reads an
/// empty `Option` as not sent): `None` not sent, `Some(None)` unset (`""`), `Some(Some(v))` set.
fn emptyable<T: serde::de::DeserializeOwned>(param: &str, value: Value) -> ApiResult<Option<Option<T>>> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(Some(None)),
        Value::String(s) => Err(ApiError::invalid_request(format!("Invalid {param}: {s}")).param(param)),
        v => serde_json::from_value(as_arrays(v)).map(|t| Some(Some(t))).map_err(|e| {
            let message = e.to_string();
            match message.split('`').nth(1) {
                Some(field) if message.contains("unknown field") => {
                    ApiError::unknown_param(&format!("{param}[{field}]"))
                }
                _ => ApiError::invalid_request(format!("Invalid {param}: {message}")).param(param),
            }
        }),
    }
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Product>> {
    caller.require("products", true)?;
    let params: CreateParams = parse(&body)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    create_in(&caller, params, data).map(Json)
}

/// Creates a product (and its `default_price_data` price) in `data`, or nothing at all.
fn create_in(caller: &Caller, params: CreateParams, data: &mut ModeData) -> ApiResult<Product> {
    let _ = params.expand;
    if params.name.trim().is_empty() {
        return Err(ApiError::invalid_value("name", "You passed an empty string for 'name'. We assume empty values are an attempt to unset a parameter; however 'name' cannot be unset. You should remove 'name' from your request or supply a non-empty value."));
    }
    let metadata = params.metadata.unwrap_or_default();
    check_metadata(&metadata)?;
    check_statement_descriptor(&params.statement_descriptor)?;
    let active = parse_bool("active", &params.active)?.unwrap_or(true);
    let shippable = parse_bool("shippable", &params.shippable)?;
    let kind = params.kind.unwrap_or_else(|| "service".into());
    if !["good", "service"].contains(&kind.as_str()) {
        return Err(ApiError::invalid_request("Invalid type: must be one of good, service").param("type"));
    }
    let images = params.images.unwrap_or_default();
    if images.len() > 8 {
        return Err(ApiError::invalid_request("A product can have at most 8 images.").param("images"));
    }
    let marketing_features = marketing_features(params.marketing_features.unwrap_or_default())?;
    let package_dimensions = params.package_dimensions.map(package_dimensions).transpose()?;
    let tax_details = match params.tax_details {
        Some(t) => Some(tax_details(t, &params.tax_code)?),
        None => params.tax_code.clone().map(|code| TaxDetails { performance_location: None, tax_code: Some(code) }),
    };
    let tax_code = params.tax_code.or_else(|| tax_details.as_ref().and_then(|t| t.tax_code.clone()));
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
        images,
        livemode: caller.livemode,
        marketing_features,
        metadata,
        name: params.name,
        package_dimensions,
        shippable,
        statement_descriptor: params.statement_descriptor,
        tax_code,
        tax_details,
        kind,
        unit_label: params.unit_label,
        url: params.url,
    };
    data.products.push(product);
    if let Some(price_data) = params.default_price_data {
        let id = data.products.last().expect("just pushed").id.clone();
        match create_default_price(caller, data, &id, price_data) {
            Ok(price) => data.products.last_mut().expect("just pushed").default_price = Some(price.id),
            Err(err) => {
                // Nothing is created when the default price is refused.
                data.products.pop();
                return Err(err);
            }
        }
    }
    Ok(data.products.last().expect("just pushed").clone())
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<Product>> {
    caller.require("products", false)?;
    let mut state = state.lock().unwrap();
    let elsewhere = state.mode(&caller.account_id, !caller.livemode).products.iter().any(|p| p.id == id);
    let data = state.mode(&caller.account_id, caller.livemode);
    data.products
        .iter()
        .find(|p| p.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::no_such_in_mode("product", &id, caller.livemode, elsewhere))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Product>> {
    caller.require("products", true)?;
    let params: UpdateParams = parse(&body)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    update_in(&id, params, data).map(Json)
}

/// Applies an update to product `id` in `data`: everything is checked before anything changes.
fn update_in(id: &str, params: UpdateParams, data: &mut ModeData) -> ApiResult<Product> {
    let _ = params.expand;
    check_statement_descriptor(&params.statement_descriptor)?;
    let active = parse_bool("active", &params.active)?;
    let shippable = parse_bool("shippable", &params.shippable)?;
    let images: Option<Option<Vec<String>>> = emptyable("images", params.images)?;
    if images.as_ref().and_then(|i| i.as_ref()).is_some_and(|i| i.len() > 8) {
        return Err(ApiError::invalid_request("A product can have at most 8 images.").param("images"));
    }
    let features = emptyable::<Vec<MarketingFeatureParams>>("marketing_features", params.marketing_features)?
        .map(|f| f.map(marketing_features).transpose())
        .transpose()?;
    let dimensions = emptyable::<PackageDimensionsParams>("package_dimensions", params.package_dimensions)?
        .map(|d| d.map(package_dimensions).transpose())
        .transpose()?;
    let details = emptyable::<TaxDetailsParams>("tax_details", params.tax_details)?
        .map(|t| t.map(|t| tax_details(t, &params.tax_code.clone().filter(|c| !c.is_empty()))).transpose())
        .transpose()?;
    if let Some(price_id) = &params.default_price {
        match data.prices.iter().find(|p| &p.id == price_id) {
            None => return Err(missing_reference("price", price_id, "default_price")),
            Some(price) if price.product != id => {
                return Err(ApiError::invalid_request(format!(
                    "The price `{price_id}` belongs to another product; a default price must be one of this product's prices."
                ))
                .param("default_price"))
            }
            Some(price) if !price.active => {
                return Err(ApiError::invalid_request(format!(
                    "The price `{price_id}` is archived; an archived price cannot be a product's default price."
                ))
                .param("default_price"))
            }
            Some(_) => {}
        }
    }
    let product = data.products.iter_mut().find(|p| p.id == id).ok_or_else(|| ApiError::no_such("product", id))?;
    let metadata = match params.metadata {
        None => None,
        Some(update) => {
            let mut merged = product.metadata.clone();
            merge_metadata(&mut merged, update);
            check_metadata(&merged)?;
            Some(merged)
        }
    };
    if let Some(metadata) = metadata {
        product.metadata = metadata;
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
    if let Some(images) = images {
        product.images = images.unwrap_or_default();
    }
    if let Some(features) = features {
        product.marketing_features = features.unwrap_or_default();
    }
    if let Some(dimensions) = dimensions {
        product.package_dimensions = dimensions;
    }
    if shippable.is_some() {
        product.shippable = shippable;
    }
    if params.statement_descriptor.is_some() {
        product.statement_descriptor = params.statement_descriptor;
    }
    if let Some(code) = params.tax_code {
        product.tax_code = Some(code).filter(|c| !c.is_empty());
        if let Some(details) = product.tax_details.as_mut() {
            details.tax_code = product.tax_code.clone();
        }
    }
    if let Some(details) = details {
        if let Some(code) = details.as_ref().and_then(|t| t.tax_code.clone()) {
            product.tax_code = Some(code);
        }
        product.tax_details = details;
    }
    if let (Some(code), None) = (&product.tax_code, &product.tax_details) {
        product.tax_details = Some(TaxDetails { performance_location: None, tax_code: Some(code.clone()) });
    }
    if params.unit_label.is_some() {
        product.unit_label = params.unit_label;
    }
    if params.url.is_some() {
        product.url = params.url;
    }
    product.updated = now();
    Ok(product.clone())
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
        .filter(|p| params.kind.as_ref().is_none_or(|k| &p.kind == k))
        .filter(|p| params.url.as_ref().is_none_or(|u| p.url.as_ref() == Some(u)))
        .filter(|p| params.ids.as_ref().is_none_or(|ids| ids.contains(&p.id)))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |p| p.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/products", has_more, window)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::Access;

    fn caller() -> Caller {
        Caller { key: "sk_test_x".into(), account_id: "acct_1".into(), livemode: false, access: Access::Full }
    }

    fn create(body: &str, data: &mut ModeData) -> ApiResult<Product> {
        create_in(&caller(), parse(body.as_bytes())?, data)
    }

    fn update(id: &str, body: &str, data: &mut ModeData) -> ApiResult<Product> {
        update_in(id, parse(body.as_bytes())?, data)
    }

    #[test]
    fn every_writable_field_is_taken_and_rendered() {
        let mut data = ModeData::default();
        let body = "name=Pro&type=good&marketing_features[0][name]=Unlimited&marketing_features[1][name]=SSO\
            &package_dimensions[height]=1.5&package_dimensions[length]=2&package_dimensions[width]=3&package_dimensions[weight]=10.25\
            &shippable=true&tax_code=txcd_99999999&tax_details[performance_location]=taxloc_1\
            &default_price_data[currency]=usd&default_price_data[unit_amount]=2900&default_price_data[recurring][interval]=month";
        let product = create(&body.replace(' ', ""), &mut data).unwrap();
        assert_eq!(product.kind, "good");
        assert_eq!(product.marketing_features.len(), 2);
        assert_eq!(product.package_dimensions.as_ref().unwrap().weight, 10.25);
        assert_eq!(product.shippable, Some(true));
        let details = product.tax_details.clone().unwrap();
        assert_eq!(
            (details.tax_code.as_deref(), details.performance_location.as_deref()),
            (Some("txcd_99999999"), Some("taxloc_1"))
        );
        let default = product.default_price.clone().expect("default_price_data makes the default price");
        assert_eq!(data.prices.iter().find(|p| p.id == default).unwrap().unit_amount, Some(2900));
        let value = serde_json::to_value(&product).unwrap();
        let fields: Vec<&String> = value.as_object().unwrap().keys().collect();
        assert_eq!(
            fields,
            [
                "active",
                "created",
                "default_price",
                "description",
                "id",
                "images",
                "livemode",
                "marketing_features",
                "metadata",
                "name",
                "object",
                "package_dimensions",
                "shippable",
                "statement_descriptor",
                "tax_code",
                "tax_details",
                "type",
                "unit_label",
                "updated",
                "url"
            ]
        );
    }

    #[test]
    fn bad_fields_are_refused_and_nothing_is_created() {
        let mut data = ModeData::default();
        let cases = [
            ("name=P&package_dimensions[height]=1.555&package_dimensions[length]=1&package_dimensions[width]=1&package_dimensions[weight]=1", "package_dimensions[height]"),
            ("name=P&package_dimensions[height]=1", "package_dimensions[length]"),
            ("name=P&marketing_features[0][name]=", "marketing_features[0][name]"),
            ("name=P&type=gift", "type"),
            ("name=P&default_price_data[currency]=usd", "default_price_data[unit_amount]"),
            ("name=P&default_price_data[currency]=usd&default_price_data[unit_amount]=1&default_price_data[recurring][interval]=month&default_price_data[recurring][interval_count]=37", "default_price_data[recurring][interval_count]"),
        ];
        for (body, param) in cases {
            let err = create(body, &mut data).expect_err(body);
            assert_eq!(err.param.as_deref(), Some(param), "{body}: {err:?}");
        }
        assert!(data.products.is_empty() && data.prices.is_empty());
    }

    #[test]
    fn a_default_price_must_exist_belong_and_be_active() {
        let mut data = ModeData::default();
        let a = create("name=A&default_price_data[currency]=usd&default_price_data[unit_amount]=1", &mut data).unwrap();
        let b = create("name=B", &mut data).unwrap();
        let err = update(&b.id, "default_price=price_nope", &mut data).unwrap_err();
        assert_eq!(err.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!((err.code, err.param.as_deref()), (Some("resource_missing"), Some("default_price")));
        let other = a.default_price.clone().unwrap();
        assert_eq!(
            update(&b.id, &format!("default_price={other}"), &mut data).unwrap_err().param.as_deref(),
            Some("default_price")
        );
        assert_eq!(update(&a.id, &format!("default_price={other}"), &mut data).unwrap().default_price, Some(other));
    }

    #[test]
    fn emptyable_fields_unset_with_an_empty_string() {
        let mut data = ModeData::default();
        let p = create("name=A&package_dimensions[height]=1&package_dimensions[length]=1&package_dimensions[width]=1&package_dimensions[weight]=1&marketing_features[0][name]=x&images[0]=https://example.com/a.png", &mut data).unwrap();
        let p = update(&p.id, "package_dimensions=&marketing_features=&images[0]=https://example.com/b.png", &mut data)
            .unwrap();
        assert_eq!(p.package_dimensions, None);
        assert!(p.marketing_features.is_empty());
        assert_eq!(p.images, ["https://example.com/b.png"]);
        let err = update(&p.id, "package_dimensions[depth]=1", &mut data).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("package_dimensions[depth]"));
    }
}
