//! `billing_portal/configurations`: create, retrieve, update and list (filters `active`,
//! `is_default`), rendering every field of the typings' `BillingPortal.Configuration`. The
//! parameters are the typings' (`ConfigurationCreateParams`, `ConfigurationUpdateParams`),
//! with their required fields and enums checked; products offered for plan switching must
//! exist (400 `resource_missing` otherwise). An update merges `features` as Stripe does: a
//! partial `features[subscription_cancel][mode]` changes that one setting and keeps every
//! other. The first configuration created in a mode is the default.

use crate::error::{ApiError, ApiResult};
use crate::form::{parse, parse_bool, parse_int, Param};
use crate::ids::{new_id, now, random_alnum};
use crate::keys::Caller;
use crate::list::{envelope, paginate, Page};
use crate::state::{check_metadata, merge_metadata, ModeData, Shared};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// The `object` field of this resource's answers (a restored object takes it from here).
fn object_name() -> &'static str {
    "billing_portal.configuration"
}

// ---- the object, as the typings' `BillingPortal.Configuration` ----

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BusinessProfile {
    pub headline: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub terms_of_service_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CustomerUpdate {
    pub allowed_updates: Vec<String>,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvoiceHistory {
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentMethodUpdate {
    pub enabled: bool,
    pub payment_method_configuration: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CancellationReason {
    pub enabled: bool,
    pub feedback_options: Option<Vec<String>>,
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionCancel {
    pub cancellation_reason: CancellationReason,
    pub enabled: bool,
    pub mode: String,
    pub proration_behavior: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntervalOption {
    pub interval: String,
    pub interval_count: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PauseDuration {
    pub interval_options: Vec<IntervalOption>,
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionPause {
    pub duration: PauseDuration,
    pub enabled: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AdjustableQuantity {
    pub enabled: bool,
    pub maximum: Option<i64>,
    pub minimum: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UpdateProduct {
    pub adjustable_quantity: AdjustableQuantity,
    pub prices: Vec<String>,
    pub product: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScheduleAtPeriodEnd {
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionUpdate {
    pub billing_cycle_anchor: Option<String>,
    pub default_allowed_updates: Vec<String>,
    pub enabled: bool,
    pub products: Vec<UpdateProduct>,
    pub proration_behavior: String,
    pub schedule_at_period_end: ScheduleAtPeriodEnd,
    pub trial_update_behavior: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Features {
    pub customer_update: CustomerUpdate,
    pub invoice_history: InvoiceHistory,
    pub payment_method_update: PaymentMethodUpdate,
    pub subscription_cancel: SubscriptionCancel,
    pub subscription_pause: SubscriptionPause,
    pub subscription_update: SubscriptionUpdate,
}

impl Default for Features {
    /// What Stripe shows for a feature the creating request left out: off.
    fn default() -> Self {
        Features {
            customer_update: CustomerUpdate { allowed_updates: vec![], enabled: false },
            invoice_history: InvoiceHistory { enabled: false },
            payment_method_update: PaymentMethodUpdate { enabled: false, payment_method_configuration: None },
            subscription_cancel: SubscriptionCancel {
                cancellation_reason: CancellationReason { enabled: false, feedback_options: None, options: vec![] },
                enabled: false,
                mode: "at_period_end".into(),
                proration_behavior: "none".into(),
            },
            subscription_pause: SubscriptionPause {
                duration: PauseDuration { interval_options: vec![], kind: "indefinite".into() },
                enabled: false,
            },
            subscription_update: SubscriptionUpdate {
                billing_cycle_anchor: None,
                default_allowed_updates: vec![],
                enabled: false,
                products: vec![],
                proration_behavior: "none".into(),
                schedule_at_period_end: ScheduleAtPeriodEnd { conditions: vec![] },
                trial_update_behavior: "end_trial".into(),
            },
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginPage {
    pub enabled: bool,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortalConfiguration {
    pub id: String,
    #[serde(skip_deserializing, default = "object_name")]
    pub object: &'static str,
    pub active: bool,
    pub application: Option<String>,
    pub business_profile: BusinessProfile,
    pub created: i64,
    pub default_return_url: Option<String>,
    pub features: Features,
    pub is_default: bool,
    pub livemode: bool,
    pub login_page: LoginPage,
    pub metadata: BTreeMap<String, String>,
    pub name: Option<String>,
    pub updated: i64,
}

// ---- the parameters, as the typings' create and update params (every leaf arrives as a string) ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerUpdateParams {
    #[serde(default)]
    allowed_updates: Param<Vec<String>>,
    enabled: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnabledParams {
    enabled: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentMethodUpdateParams {
    enabled: Option<String>,
    #[serde(default)]
    payment_method_configuration: Param<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CancellationReasonParams {
    enabled: Option<String>,
    #[serde(default)]
    feedback_options: Param<Vec<String>>,
    #[serde(default)]
    options: Param<Vec<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionCancelParams {
    cancellation_reason: Option<CancellationReasonParams>,
    enabled: Option<String>,
    mode: Option<String>,
    proration_behavior: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntervalOptionParams {
    interval: Option<String>,
    interval_count: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DurationParams {
    #[serde(default)]
    interval_options: Param<Vec<IntervalOptionParams>>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionPauseParams {
    duration: Option<DurationParams>,
    enabled: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdjustableQuantityParams {
    enabled: Option<String>,
    maximum: Option<String>,
    minimum: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateProductParams {
    adjustable_quantity: Option<AdjustableQuantityParams>,
    prices: Option<Vec<String>>,
    product: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionParams {
    #[serde(rename = "type")]
    kind: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleAtPeriodEndParams {
    #[serde(default)]
    conditions: Param<Vec<ConditionParams>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SubscriptionUpdateParams {
    billing_cycle_anchor: Option<String>,
    #[serde(default)]
    default_allowed_updates: Param<Vec<String>>,
    enabled: Option<String>,
    #[serde(default)]
    products: Param<Vec<UpdateProductParams>>,
    proration_behavior: Option<String>,
    schedule_at_period_end: Option<ScheduleAtPeriodEndParams>,
    trial_update_behavior: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeaturesParams {
    customer_update: Option<CustomerUpdateParams>,
    invoice_history: Option<EnabledParams>,
    payment_method_update: Option<PaymentMethodUpdateParams>,
    subscription_cancel: Option<SubscriptionCancelParams>,
    subscription_pause: Option<SubscriptionPauseParams>,
    subscription_update: Option<SubscriptionUpdateParams>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BusinessProfileParams {
    #[serde(default)]
    headline: Param<String>,
    #[serde(default)]
    privacy_policy_url: Param<String>,
    #[serde(default)]
    terms_of_service_url: Param<String>,
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Params {
    active: Option<String>,
    business_profile: Option<BusinessProfileParams>,
    #[serde(default)]
    default_return_url: Param<String>,
    expand: Option<Vec<String>>,
    features: Option<FeaturesParams>,
    login_page: Option<EnabledParams>,
    /// Keys to set (an empty value removes one), or `metadata=` to remove them all.
    #[serde(default)]
    metadata: Param<BTreeMap<String, String>>,
    #[serde(default)]
    name: Param<String>,
}

// ---- applying parameters: create starts from the defaults, update from what is there ----

/// Whether the request creates (every given feature needs `enabled`) or updates.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Create,
    Update,
}

const CANCEL_MODES: &[&str] = &["at_period_end", "immediately"];
const PRORATION_BEHAVIORS: &[&str] = &["always_invoice", "create_prorations", "none"];
const CANCELLATION_OPTIONS: &[&str] = &[
    "customer_service",
    "low_quality",
    "missing_features",
    "other",
    "switched_service",
    "too_complex",
    "too_expensive",
    "unused",
];
const CUSTOMER_UPDATES: &[&str] = &["address", "email", "name", "phone", "shipping", "tax_id"];
const DEFAULT_ALLOWED_UPDATES: &[&str] = &["price", "promotion_code", "quantity"];
const BILLING_CYCLE_ANCHORS: &[&str] = &["now", "unchanged"];
const TRIAL_UPDATE_BEHAVIORS: &[&str] = &["continue_trial", "end_trial"];
const DURATION_TYPES: &[&str] = &["indefinite", "interval_options"];
const INTERVALS: &[&str] = &["day", "month", "week", "year"];
const CONDITIONS: &[&str] = &["decreasing_item_amount", "shortening_interval"];

fn one_of(param: &str, value: String, allowed: &[&str]) -> ApiResult<String> {
    if allowed.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(ApiError::not_one_of(param, allowed))
    }
}

fn each_one_of(param: &str, values: Vec<String>, allowed: &[&str]) -> ApiResult<Vec<String>> {
    values.into_iter().enumerate().map(|(i, v)| one_of(&format!("{param}[{i}]"), v, allowed)).collect()
}

/// A boolean the typings require here (on create, or always for some features).
fn required_bool(param: &str, raw: &Option<String>) -> ApiResult<bool> {
    parse_bool(param, raw)?.ok_or_else(|| ApiError::missing_param(param))
}

/// A boolean required on create and optional on update (then `current` stays).
fn bool_for(mode: Mode, param: &str, raw: &Option<String>, current: bool) -> ApiResult<bool> {
    match mode {
        Mode::Create => required_bool(param, raw),
        Mode::Update => Ok(parse_bool(param, raw)?.unwrap_or(current)),
    }
}

fn product_list(param: &str, raw: Vec<UpdateProductParams>, data: &ModeData) -> ApiResult<Vec<UpdateProduct>> {
    let mut products = Vec::new();
    for (i, p) in raw.into_iter().enumerate() {
        let at = |field: &str| format!("{param}[{i}][{field}]");
        let product = p.product.ok_or_else(|| ApiError::missing_param(&at("product")))?;
        if !data.products.iter().any(|x| x.id == product) {
            return Err(ApiError::no_such("product", &product).param(at("product")));
        }
        let prices = p.prices.ok_or_else(|| ApiError::missing_param(&at("prices")))?;
        for (j, price) in prices.iter().enumerate() {
            let param = format!("{}[{j}]", at("prices"));
            match data.prices.iter().find(|x| &x.id == price) {
                None => return Err(ApiError::no_such("price", price).param(param)),
                Some(found) if found.product != product => {
                    return Err(ApiError::invalid_request(format!(
                        "The price `{price}` does not belong to the product `{product}`."
                    ))
                    .param(param))
                }
                Some(_) => {}
            }
        }
        let adjustable_quantity = match p.adjustable_quantity {
            None => AdjustableQuantity { enabled: false, maximum: None, minimum: 1 },
            Some(q) => {
                let param = at("adjustable_quantity");
                AdjustableQuantity {
                    enabled: required_bool(&format!("{param}[enabled]"), &q.enabled)?,
                    maximum: parse_int(&format!("{param}[maximum]"), &q.maximum)?,
                    minimum: parse_int(&format!("{param}[minimum]"), &q.minimum)?.unwrap_or(1),
                }
            }
        };
        products.push(UpdateProduct { adjustable_quantity, prices, product });
    }
    Ok(products)
}

/// Applies `features[…]` to `features`: only what the request names changes.
fn apply_features(mode: Mode, params: FeaturesParams, features: &mut Features, data: &ModeData) -> ApiResult<()> {
    const F: &str = "features";
    if let Some(p) = params.customer_update {
        let f = &mut features.customer_update;
        f.enabled = bool_for(mode, &format!("{F}[customer_update][enabled]"), &p.enabled, f.enabled)?;
        if let Some(list) = p.allowed_updates.update() {
            let param = format!("{F}[customer_update][allowed_updates]");
            f.allowed_updates = each_one_of(&param, list.unwrap_or_default(), CUSTOMER_UPDATES)?;
        }
    }
    if let Some(p) = params.invoice_history {
        features.invoice_history.enabled = required_bool(&format!("{F}[invoice_history][enabled]"), &p.enabled)?;
    }
    if let Some(p) = params.payment_method_update {
        let f = &mut features.payment_method_update;
        f.enabled = required_bool(&format!("{F}[payment_method_update][enabled]"), &p.enabled)?;
        if let Some(config) = p.payment_method_configuration.update() {
            f.payment_method_configuration = config;
        }
    }
    if let Some(p) = params.subscription_cancel {
        let f = &mut features.subscription_cancel;
        let param = |field: &str| format!("{F}[subscription_cancel][{field}]");
        f.enabled = bool_for(mode, &param("enabled"), &p.enabled, f.enabled)?;
        if let Some(m) = p.mode {
            f.mode = one_of(&param("mode"), m, CANCEL_MODES)?;
        }
        if let Some(b) = p.proration_behavior {
            f.proration_behavior = one_of(&param("proration_behavior"), b, PRORATION_BEHAVIORS)?;
        }
        if let Some(r) = p.cancellation_reason {
            let param = |field: &str| format!("{F}[subscription_cancel][cancellation_reason][{field}]");
            f.cancellation_reason.enabled = required_bool(&param("enabled"), &r.enabled)?;
            match (mode, r.options.update()) {
                (_, Some(list)) => {
                    let list = list.unwrap_or_default();
                    f.cancellation_reason.options = each_one_of(&param("options"), list, CANCELLATION_OPTIONS)?
                }
                (Mode::Create, None) => return Err(ApiError::missing_param(&param("options"))),
                (Mode::Update, None) => {}
            }
            if let Some(list) = r.feedback_options.update() {
                f.cancellation_reason.feedback_options = list;
            }
        }
    }
    if let Some(p) = params.subscription_pause {
        let f = &mut features.subscription_pause;
        let param = |field: &str| format!("{F}[subscription_pause][{field}]");
        if let Some(enabled) = parse_bool(&param("enabled"), &p.enabled)? {
            f.enabled = enabled;
        }
        if let Some(d) = p.duration {
            let kind = d.kind.ok_or_else(|| ApiError::missing_param(&format!("{}[type]", param("duration"))))?;
            f.duration.kind = one_of(&format!("{}[type]", param("duration")), kind, DURATION_TYPES)?;
            if let Some(options) = d.interval_options.update() {
                let mut parsed = Vec::new();
                for (i, o) in options.unwrap_or_default().into_iter().enumerate() {
                    let at = format!("{}[interval_options][{i}]", param("duration"));
                    let interval = o.interval.ok_or_else(|| ApiError::missing_param(&format!("{at}[interval]")))?;
                    parsed.push(IntervalOption {
                        interval: one_of(&format!("{at}[interval]"), interval, INTERVALS)?,
                        interval_count: parse_int(&format!("{at}[interval_count]"), &o.interval_count)?.unwrap_or(1),
                    });
                }
                f.duration.interval_options = parsed;
            }
        }
    }
    if let Some(p) = params.subscription_update {
        let f = &mut features.subscription_update;
        let param = |field: &str| format!("{F}[subscription_update][{field}]");
        f.enabled = bool_for(mode, &param("enabled"), &p.enabled, f.enabled)?;
        if let Some(anchor) = p.billing_cycle_anchor {
            f.billing_cycle_anchor = Some(one_of(&param("billing_cycle_anchor"), anchor, BILLING_CYCLE_ANCHORS)?);
        }
        if let Some(list) = p.default_allowed_updates.update() {
            let list = list.unwrap_or_default();
            f.default_allowed_updates = each_one_of(&param("default_allowed_updates"), list, DEFAULT_ALLOWED_UPDATES)?;
        }
        if let Some(list) = p.products.update() {
            f.products = product_list(&param("products"), list.unwrap_or_default(), data)?;
        }
        if let Some(b) = p.proration_behavior {
            f.proration_behavior = one_of(&param("proration_behavior"), b, PRORATION_BEHAVIORS)?;
        }
        if let Some(s) = p.schedule_at_period_end {
            if let Some(list) = s.conditions.update() {
                let mut conditions = Vec::new();
                for (i, c) in list.unwrap_or_default().into_iter().enumerate() {
                    let at = format!("{}[conditions][{i}][type]", param("schedule_at_period_end"));
                    let kind = c.kind.ok_or_else(|| ApiError::missing_param(&at))?;
                    conditions.push(Condition { kind: one_of(&at, kind, CONDITIONS)? });
                }
                f.schedule_at_period_end.conditions = conditions;
            }
        }
        if let Some(b) = p.trial_update_behavior {
            f.trial_update_behavior = one_of(&param("trial_update_behavior"), b, TRIAL_UPDATE_BEHAVIORS)?;
        }
    }
    Ok(())
}

fn apply_business_profile(params: BusinessProfileParams, profile: &mut BusinessProfile) {
    if let Some(h) = params.headline.update() {
        profile.headline = h;
    }
    if let Some(u) = params.privacy_policy_url.update() {
        profile.privacy_policy_url = u;
    }
    if let Some(u) = params.terms_of_service_url.update() {
        profile.terms_of_service_url = u;
    }
}

fn login_page(enabled: bool, livemode: bool, current: &LoginPage) -> LoginPage {
    let url = match (enabled, &current.url) {
        (false, _) => None,
        (true, Some(url)) => Some(url.clone()),
        (true, None) => Some(format!(
            "https://billing.stripe.com/p/login/{}{}",
            if livemode { "" } else { "test_" },
            random_alnum(20)
        )),
    };
    LoginPage { enabled, url }
}

/// Applies everything but `features` and `active` to `config`.
fn apply_rest(params: &mut Params, config: &mut PortalConfiguration) -> ApiResult<()> {
    if let Some(profile) = params.business_profile.take() {
        apply_business_profile(profile, &mut config.business_profile);
    }
    if let Some(url) = std::mem::take(&mut params.default_return_url).update() {
        config.default_return_url = url;
    }
    if let Some(page) = params.login_page.take() {
        let enabled = required_bool("login_page[enabled]", &page.enabled)?;
        config.login_page = login_page(enabled, config.livemode, &config.login_page);
    }
    if let Some(name) = std::mem::take(&mut params.name).update() {
        config.name = name;
    }
    let mut metadata = config.metadata.clone();
    match std::mem::take(&mut params.metadata) {
        Param::Empty => metadata.clear(),
        Param::Given(update) => merge_metadata(&mut metadata, update),
        Param::Absent => {}
    }
    check_metadata(&metadata)?;
    config.metadata = metadata;
    Ok(())
}

pub async fn create(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<PortalConfiguration>> {
    caller.require("billing_portal", true)?;
    let mut params: Params = parse(&body)?;
    if params.active.is_some() {
        return Err(ApiError::unknown_param("active"));
    }
    let features = params.features.take().ok_or_else(|| ApiError::missing_param("features"))?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let created = now();
    let mut config = PortalConfiguration {
        id: new_id("bpc"),
        object: "billing_portal.configuration",
        active: true,
        application: None,
        business_profile: BusinessProfile { headline: None, privacy_policy_url: None, terms_of_service_url: None },
        created,
        default_return_url: None,
        features: Features::default(),
        is_default: data.portal_configurations.is_empty(),
        livemode: caller.livemode,
        login_page: LoginPage { enabled: false, url: None },
        metadata: BTreeMap::new(),
        name: None,
        updated: created,
    };
    apply_features(Mode::Create, features, &mut config.features, data)?;
    apply_rest(&mut params, &mut config)?;
    data.portal_configurations.push(config.clone());
    Ok(Json(config))
}

pub async fn retrieve(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult<Json<PortalConfiguration>> {
    caller.require("billing_portal", false)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    data.portal_configurations
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .map(Json)
        .ok_or_else(|| ApiError::no_such("configuration", &id))
}

pub async fn update(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<PortalConfiguration>> {
    caller.require("billing_portal", true)?;
    let mut params: Params = parse(&body)?;
    let active = parse_bool("active", &params.active)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let index = data
        .portal_configurations
        .iter()
        .position(|c| c.id == id)
        .ok_or_else(|| ApiError::no_such("configuration", &id))?;
    // Work on a copy so that a refused update changes nothing.
    let mut config = data.portal_configurations[index].clone();
    if let Some(features) = params.features.take() {
        apply_features(Mode::Update, features, &mut config.features, data)?;
    }
    apply_rest(&mut params, &mut config)?;
    if let Some(active) = active {
        config.active = active;
    }
    config.updated = now();
    data.portal_configurations[index] = config.clone();
    Ok(Json(config))
}

// Accepts every parameter Stripe does; the ones the stand-in does not model are read and dropped.
#[allow(dead_code)]
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    active: Option<String>,
    is_default: Option<String>,
    expand: Option<Vec<String>>,
    limit: Option<String>,
    starting_after: Option<String>,
    ending_before: Option<String>,
}

pub async fn list(
    State(state): State<Shared>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult<Json<Value>> {
    caller.require("billing_portal", false)?;
    let params: ListParams = parse(query.unwrap_or_default().as_bytes())?;
    let active = parse_bool("active", &params.active)?;
    let is_default = parse_bool("is_default", &params.is_default)?;
    let mut state = state.lock().unwrap();
    let data = state.mode(&caller.account_id, caller.livemode);
    let items: Vec<&PortalConfiguration> = data
        .portal_configurations
        .iter()
        .rev()
        .filter(|c| active.is_none_or(|a| c.active == a))
        .filter(|c| is_default.is_none_or(|d| c.is_default == d))
        .collect();
    let page = Page { limit: params.limit, starting_after: params.starting_after, ending_before: params.ending_before };
    let (window, has_more) = paginate(items, |c| c.id.as_str(), &page)?;
    Ok(Json(envelope("/v1/billing_portal/configurations", has_more, window)))
}
