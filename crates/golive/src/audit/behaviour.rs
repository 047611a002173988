//! The Worker's behaviour under Stripe's delivery guarantees — at least once, in no promised
//! order, late — proven with signed probe events for throwaway customers, the result read
//! from the **tier source** (the reference Worker's KV layout by default: `customer:<id>`
//! holding `{"tier": …}` in the `TIERS` namespace, read with `wrangler kv bulk get`, `--local`
//! when the Worker runs on this machine). The scenarios are data ([`SCENARIOS`]): the events
//! to send, in order, and the tier they must leave. Every key the probes wrote — and the
//! ones Verify's probe left (`customer:cus_golive_…`, `event:evt_golive_…`) — is deleted
//! afterwards.

use crate::environment::Environment;
use crate::findings::Finding;
use crate::wrangler::Wrangler;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use stripe_spec::objects;

/// One event of a scenario.
#[derive(Debug, Clone, Copy)]
pub struct Send {
    pub kind: &'static str,
    /// The subscription's status in the event (`active` gives the tier, others free).
    pub status: &'static str,
    /// How long before now the event was created (seconds). Signed now, whatever its age.
    pub age: i64,
    /// Deliver event number `n` of this scenario again, unchanged (same id), instead.
    pub again: Option<usize>,
}

/// What the tier must be once every event was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The tier probed with.
    Tier,
    Free,
}

/// One guarantee and how to prove the Worker keeps it.
#[derive(Debug, Clone, Copy)]
pub struct Scenario {
    pub id: &'static str,
    pub title: &'static str,
    pub sends: &'static [Send],
    pub expect: Expect,
    /// The finding's title when the tier is wrong: the guarantee broken.
    pub broken: &'static str,
    pub fix: &'static str,
}

const fn send(kind: &'static str, status: &'static str, age: i64) -> Send {
    Send { kind, status, age, again: None }
}

pub const SCENARIOS: [Scenario; 4] = [
    Scenario {
        id: "audit.behaviour.duplicate",
        title: "An event delivered twice is handled once",
        sends: &[
            send("customer.subscription.updated", "active", 0),
            send("customer.subscription.updated", "canceled", 0),
            Send { kind: "", status: "", age: 0, again: Some(0) },
        ],
        expect: Expect::Free,
        broken: "Duplicate deliveries: an event delivered again changed the tier back",
        fix: "Stripe delivers each event at least once: remember each event.id you handled (KV with a 7-day TTL, as the reference Worker does) and skip one you have seen. If the Worker already does, it compares times with >= instead of >: an event created in the same second as the state it holds is then dropped — compare with >.",
    },
    Scenario {
        id: "audit.behaviour.order",
        title: "An older event never overwrites a newer state",
        sends: &[send("customer.subscription.updated", "active", 0), send("customer.subscription.updated", "canceled", 120)],
        expect: Expect::Tier,
        broken: "Out-of-order deliveries: an older event overwrote a newer state",
        fix: "Stripe does not promise order: store event.created with the tier, and ignore an event older than the state you hold (`if (current && current.updated > event.created) return;`).",
    },
    Scenario {
        id: "audit.behaviour.deleted_then_late_created",
        title: "A cancelled customer stays free when a late “created” arrives",
        sends: &[send("customer.subscription.deleted", "canceled", 0), send("customer.subscription.created", "active", 30)],
        expect: Expect::Free,
        broken: "A late customer.subscription.created after customer.subscription.deleted gave a cancelled customer the paid tier",
        fix: "Handle customer.subscription.deleted by setting the tier to free (and record when), and ignore events older than that state.",
    },
    Scenario {
        id: "audit.behaviour.late",
        title: "An event created two days ago, delivered now, is accepted and applied",
        sends: &[send("customer.subscription.created", "active", 2 * 24 * 60 * 60)],
        expect: Expect::Tier,
        broken: "Late deliveries: an event Stripe retried two days later was not applied",
        fix: "Stripe retries for up to three days: check the signature's timestamp (constructEventAsync's tolerance does), never event.created's age.",
    },
];

/// Where the user's Worker keeps a customer's tier, as the session records it: a KV binding
/// and key layout (the reference Worker's by default), or an HTTPS URL that answers the tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TierSetting {
    Kv {
        binding: String,
        /// `{customer}` is replaced by the customer id.
        customer_key: String,
    },
    /// `GET` with `{customer}` replaced answers `{"tier": …}` or the tier as text (404: none).
    Url { url: String },
}

/// The reference Worker's layout: `customer:<id>` in the `TIERS` namespace.
pub const DEFAULT_BINDING: &str = "TIERS";
pub const DEFAULT_CUSTOMER_KEY: &str = "customer:{customer}";

impl Default for TierSetting {
    fn default() -> Self {
        TierSetting::Kv { binding: DEFAULT_BINDING.into(), customer_key: DEFAULT_CUSTOMER_KEY.into() }
    }
}

impl TierSetting {
    /// Checks a setting the user gave: a binding name wrangler accepts, a template with
    /// `{customer}`, an `https://` URL (loopback `http://` in the rehearsal's tests).
    pub fn checked(self) -> Result<Self, crate::problem::Problem> {
        let bad = |what: String, fix: &str| {
            Err(crate::problem::Problem::invalid(what, fix.to_string()).with_code("tier_source"))
        };
        match &self {
            TierSetting::Kv { binding, customer_key } => {
                let ident = !binding.is_empty()
                    && binding.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    && !binding.starts_with(|c: char| c.is_ascii_digit());
                if !ident {
                    return bad(format!("“{binding}” is not a KV binding name."), "Give the binding as it is in wrangler.toml's kv_namespaces (letters, digits and _), e.g. TIERS.");
                }
                if !customer_key.contains("{customer}") {
                    return bad(
                        format!("The key template “{customer_key}” has no {{customer}}."),
                        "Write where the customer id goes, e.g. customer:{customer} or tier/{customer}.",
                    );
                }
            }
            TierSetting::Url { url } => {
                let parsed = url::Url::parse(&url.replace("{customer}", "cus_x"));
                let local = parsed.as_ref().is_ok_and(|u| u.host_str() == Some("127.0.0.1") && u.scheme() == "http");
                if !url.contains("{customer}") || !(parsed.as_ref().is_ok_and(|u| u.scheme() == "https") || local) {
                    return bad(format!("“{url}” is not an https:// URL with {{customer}} in it."), "Give the URL that answers a customer's tier, e.g. https://api.example.com/internal/tier/{customer}.");
                }
            }
        }
        Ok(self)
    }

    /// What the audit reads and cleans with this setting.
    pub fn source(&self) -> TierSource {
        match self {
            TierSetting::Kv { binding, customer_key } => TierSource {
                binding: binding.clone(),
                customer_key: customer_key.clone(),
                url: None,
                cleanup_prefixes: {
                    let prefix = format!("{}cus_golive_", customer_key.split("{customer}").next().unwrap_or(""));
                    let mut prefixes = vec![prefix];
                    if self == &TierSetting::default() {
                        prefixes.push("event:evt_golive_".into());
                    }
                    prefixes
                },
            },
            TierSetting::Url { url } => TierSource {
                binding: String::new(),
                customer_key: String::new(),
                url: Some(url.clone()),
                cleanup_prefixes: Vec::new(),
            },
        }
    }
}

/// Where the Worker keeps a customer's tier, resolved: a KV namespace binding and the key
/// layout, or a URL.
#[derive(Debug, Clone)]
pub struct TierSource {
    pub binding: String,
    /// `{customer}` is replaced by the customer id.
    pub customer_key: String,
    /// Read the tier from this URL instead of KV (nothing to clean up then).
    pub url: Option<String>,
    /// Key prefixes of what the probes (and Verify's) leave, deleted afterwards.
    pub cleanup_prefixes: Vec<String>,
}

impl Default for TierSource {
    fn default() -> Self {
        TierSetting::default().source()
    }
}

impl TierSource {
    /// The KV key holding `customer`'s tier.
    pub fn key_of(&self, customer: &str) -> String {
        self.customer_key.replace("{customer}", customer)
    }
}

/// Where the Worker's KV is reached: the project's wrangler and config, `--local` when the
/// Worker runs on this machine.
pub struct Kv<'a> {
    pub wrangler: &'a Wrangler,
    pub project_dir: &'a Path,
    pub worker_env: Option<&'a str>,
    pub local: bool,
    pub source: TierSource,
}

/// What the probes need: where to post, the secret to sign with, and where to read tiers.
pub struct Target<'a> {
    /// The URL the probes post to (the endpoint's, or the local Worker's).
    pub url: String,
    pub secret: &'a SecretString,
    pub tier: &'a str,
    pub price_id: &'a str,
    pub api_version: &'a str,
    pub kv: Kv<'a>,
}

impl Kv<'_> {
    /// `wrangler kv <args> --binding B --local|--remote [--env=E]`.
    async fn kv(&self, env: &Environment, args: &[&str]) -> Result<crate::wrangler::Output, String> {
        let mut all: Vec<String> = vec!["kv".into()];
        all.extend(args.iter().map(|a| a.to_string()));
        all.extend([
            "--binding".into(),
            self.source.binding.clone(),
            if self.local { "--local" } else { "--remote" }.into(),
        ]);
        if let Some(e) = self.worker_env {
            all.push(format!("--env={e}"));
        }
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        crate::wrangler::run(&self.wrangler.program, &all, self.project_dir, env).await.map_err(|e| e.message())
    }

    /// The customer's tier as the Worker stored it (`None`: no key).
    pub(crate) async fn tier_of(&self, env: &Environment, customer: &str) -> Result<Option<String>, String> {
        let mut tiers = self.tiers_of(env, &[customer.to_string()]).await?;
        Ok(tiers.remove(customer).flatten())
    }

    /// Each customer's tier as the Worker stored it (`None`: no key), read at once: one
    /// `wrangler kv bulk get` (a wrangler start costs about a second), or one GET per customer
    /// of the tier URL, all in flight together.
    pub(crate) async fn tiers_of(
        &self,
        env: &Environment,
        customers: &[String],
    ) -> Result<BTreeMap<String, Option<String>>, String> {
        if let Some(url) = &self.source.url {
            let reads = customers.iter().map(|customer| async move {
                let answer = crate::http::send(
                    crate::http::Request::get(url.replace("{customer}", customer)),
                    std::time::Duration::from_secs(15),
                )
                .await?;
                let tier = match answer.status {
                    404 => None,
                    200 => Some(tier_in(String::from_utf8_lossy(&answer.body).trim())),
                    other => return Err(format!("the tier URL answered {other}")),
                };
                Ok((customer.clone(), tier))
            });
            return futures::future::try_join_all(reads).await.map(|all| all.into_iter().collect());
        }
        let keys: Vec<String> = customers.iter().map(|c| self.source.key_of(c)).collect();
        let out = self.kv_with_file("bulk-get", &keys, |path| vec!["bulk", "get", path], env).await?;
        if !out.success {
            return Err(crate::wrangler::strip_ansi(&out.stderr).trim().to_string());
        }
        // `{ "<key>": { "value": "<text>" | null }, … }`, then wrangler's "Success!".
        let json = out.stdout.find('{').map(|i| &out.stdout[i..]).unwrap_or_default();
        let values: BTreeMap<String, Value> = serde_json::Deserializer::from_str(json)
            .into_iter()
            .next()
            .and_then(Result::ok)
            .ok_or_else(|| "`wrangler kv bulk get` printed no JSON object".to_string())?;
        Ok(customers
            .iter()
            .map(|c| {
                let text = values.get(&self.source.key_of(c)).and_then(|v| v.get("value")).and_then(Value::as_str);
                (c.clone(), text.map(tier_in))
            })
            .collect())
    }

    /// Runs `wrangler kv <args>` with a file of `names` (key names only, never a value) that
    /// is removed as soon as wrangler has read it.
    async fn kv_with_file(
        &self,
        what: &str,
        names: &[String],
        args: impl FnOnce(&str) -> Vec<&str>,
        env: &Environment,
    ) -> Result<crate::wrangler::Output, String> {
        let file = std::env::temp_dir().join(format!("golive-kv-{what}-{}.json", crate::nonce::token(10)));
        std::fs::write(&file, serde_json::to_string(names).expect("names serialise")).map_err(|e| e.to_string())?;
        let path = file.display().to_string();
        let out = self.kv(env, &args(&path)).await;
        let _ = std::fs::remove_file(&file);
        out
    }

    /// The keys under the cleanup prefixes: one `wrangler kv key list` per prefix, all at once.
    pub(crate) async fn leftovers(&self, env: &Environment) -> Result<Vec<String>, String> {
        if self.source.url.is_some() {
            return Err("golive reads tiers through a URL here, so it cannot delete what its probe customers (cus_golive_…) left in the Worker's store".into());
        }
        let lists = self
            .source
            .cleanup_prefixes
            .iter()
            .map(|prefix| async move { self.kv(env, &["key", "list", "--prefix", prefix]).await });
        let mut names: Vec<String> = Vec::new();
        for out in futures::future::join_all(lists).await {
            let out = out?;
            if !out.success {
                self.failure(&out)?;
                return Ok(Vec::new());
            }
            let json = out.stdout.find('[').map(|i| &out.stdout[i..]).unwrap_or("[]");
            names.extend(
                serde_json::from_str::<Vec<Value>>(json.trim())
                    .map_err(|e| format!("`wrangler kv key list` printed no JSON list ({e})"))?
                    .iter()
                    .filter_map(|k| k.get("name").and_then(Value::as_str).map(str::to_string)),
            );
        }
        Ok(names)
    }

    /// Deletes `names` in one `wrangler kv bulk delete`; how many.
    pub(crate) async fn delete(&self, env: &Environment, names: &[String]) -> Result<usize, String> {
        if names.is_empty() {
            return Ok(0);
        }
        let out = self.kv_with_file("cleanup", names, |path| vec!["bulk", "delete", path, "--force"], env).await?;
        if !out.success {
            self.failure(&out)?;
            return Ok(0);
        }
        Ok(names.len())
    }

    /// What a failed `wrangler kv` run means for a list or a delete: `Ok` when wrangler said
    /// the Worker has no namespace under the binding (such a Worker keeps nothing golive's
    /// probes could leave), else wrangler's words.
    fn failure(&self, out: &crate::wrangler::Output) -> Result<(), String> {
        let said = crate::wrangler::strip_ansi(&format!("{}{}", out.stdout, out.stderr));
        match no_such_binding(&self.source.binding, &said) {
            true => Ok(()),
            false => Err(said.trim().to_string()),
        }
    }

    /// Deletes every key under the cleanup prefixes; how many.
    pub async fn clean_up(&self, env: &Environment) -> Result<usize, String> {
        let names = self.leftovers(env).await?;
        self.delete(env, &names).await
    }
}

/// Whether wrangler's output `said` is its refusal of a binding the configuration lacks.
fn no_such_binding(binding: &str, said: &str) -> bool {
    said.contains(&format!("binding name \"{binding}\"")) && said.contains("not found")
}

/// The tier in a stored value: `{"tier": …}`, or the text itself.
fn tier_in(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(o)) => o.get("tier").and_then(Value::as_str).unwrap_or(text).to_string(),
        Ok(Value::String(s)) => s,
        _ => text.to_string(),
    }
}

/// The event of `send` for `customer` (ids unique to this run).
fn event(target: &Target<'_>, customer: &str, n: usize, send: &Send, now: i64, nonce: &str) -> (String, i64) {
    let created = now - send.age;
    let price = objects::price(&json!({ "id": target.price_id, "created": created, "livemode": true }));
    let subscription = objects::subscription(&objects::SubscriptionSeed {
        id: &format!("sub_golive_audit_{nonce}"),
        item_id: &format!("si_golive_audit_{nonce}"),
        customer,
        created,
        livemode: true,
        status: send.status,
        metadata: json!({ "plan": target.tier }),
        price,
        quantity: 1,
    });
    let event = objects::event(
        &format!("evt_golive_audit_{nonce}_{n}"),
        send.kind,
        target.api_version,
        created,
        true,
        subscription,
    );
    (objects::to_stripe_json(&event), created)
}

async fn post(target: &Target<'_>, payload: &str) -> Result<u16, String> {
    let answer = crate::verify::probe::deliver_now(&target.url, payload, target.secret, "golive-audit").await?;
    Ok(answer.status)
}

/// Delivers one scenario's events for a new probe customer: the customer, and what was
/// delivered — or the finding when the Worker refused or did not answer.
async fn deliver(target: &Target<'_>, scenario: &Scenario) -> Result<(String, Vec<String>), Finding> {
    let nonce = crate::nonce::token(10).to_lowercase();
    let customer = format!("cus_golive_audit_{nonce}");
    let now = crate::clock::unix_now();
    let mut sent: Vec<String> = Vec::new();
    let mut log = Vec::new();
    for (n, step) in scenario.sends.iter().enumerate() {
        let (payload, what) = match step.again {
            Some(i) => (sent[i].clone(), format!("event {} again", i + 1)),
            None => {
                let (payload, created) = event(target, &customer, n, step, now, &nonce);
                (payload, format!("{} ({}, created {}s ago)", step.kind, step.status, now - created))
            }
        };
        match post(target, &payload).await {
            Ok(200..=299) => log.push(format!("{}. {what} → accepted", n + 1)),
            Ok(status) => {
                return Err(Finding::fail(
                    scenario.id,
                    format!("{}: the Worker refused a correctly signed event", scenario.broken),
                    format!("{}; {}. {what} → {status}", log.join("; "), n + 1),
                    scenario.fix,
                ))
            }
            Err(e) => {
                return Err(Finding::fail(
                    scenario.id,
                    "The Worker did not answer a probe event",
                    format!("{what}: {e}"),
                    "Check that the Worker is deployed and answers at the endpoint's URL, then run the audit again.",
                ))
            }
        }
        sent.push(payload);
    }
    Ok((customer, log))
}

/// The finding for a scenario whose events were accepted, from the tier read afterwards.
fn judge(
    target: &Target<'_>,
    scenario: &Scenario,
    customer: &str,
    log: &[String],
    read: Result<Option<&str>, &str>,
) -> Finding {
    let expected = match scenario.expect {
        Expect::Tier => target.tier.to_string(),
        Expect::Free => "free".to_string(),
    };
    match read {
        Ok(Some(tier)) if tier == expected => {
            Finding::pass(scenario.id, scenario.title, format!("{}; tier read for {customer}: {tier}", log.join("; ")))
        }
        Ok(Some(found)) => Finding::fail(
            scenario.id,
            scenario.broken,
            format!("{}; tier read for {customer}: {found} (expected {expected})", log.join("; ")),
            scenario.fix,
        ),
        // Events accepted, nothing stored where golive looks: most likely another layout.
        Ok(None) => Finding::warn(
            scenario.id,
            format!("{} — not proven: nothing was stored where golive reads tiers", scenario.title),
            format!("{}; nothing stored for {customer} (expected {expected})", log.join("; ")),
            match &target.kv.source.url {
                Some(url) => format!("{url} answered 404 for the probe customer. If the Worker stores tiers elsewhere, give that URL to `golive audit --tier-url`."),
                None => format!(
                    "golive read `{}` in the KV binding {}. If your Worker keeps tiers elsewhere, tell golive where: `golive audit --tier-binding <BINDING> --tier-key '<prefix>{{customer}}'` or `--tier-url https://…/{{customer}}`.",
                    target.kv.source.key_of(customer),
                    target.kv.source.binding
                ),
            },
        ),
        Err(e) => Finding::warn(
            scenario.id,
            format!("{} — not proven: golive could not read the tier", scenario.title),
            format!("{}; reading the tier of {customer}: {e}", log.join("; ")),
            format!(
                "golive reads tiers from the KV binding {} at `{}` (the reference Worker's layout). If your Worker keeps tiers elsewhere, this check cannot read them yet.",
                target.kv.source.binding, target.kv.source.customer_key
            ),
        ),
    }
}

/// Every scenario's events, then every tier in one read (while the keys the probes left are
/// listed), then the clean-up; the findings (a last one for the clean-up).
pub async fn run(target: &Target<'_>, env: &Environment) -> Vec<Finding> {
    let mut delivered = Vec::new();
    for scenario in &SCENARIOS {
        delivered.push(deliver(target, scenario).await);
    }
    let customers: Vec<String> = delivered.iter().filter_map(|d| d.as_ref().ok().map(|(c, _)| c.clone())).collect();
    let (tiers, leftovers) = tokio::join!(
        async {
            match customers.is_empty() {
                true => Ok(BTreeMap::new()),
                false => target.kv.tiers_of(env, &customers).await,
            }
        },
        target.kv.leftovers(env)
    );
    let mut findings: Vec<Finding> = SCENARIOS
        .iter()
        .zip(delivered)
        .map(|(scenario, delivered)| match delivered {
            Err(finding) => finding,
            Ok((customer, log)) => {
                let read = match &tiers {
                    Ok(tiers) => Ok(tiers.get(&customer).and_then(|t| t.as_deref())),
                    Err(e) => Err(e.as_str()),
                };
                judge(target, scenario, &customer, &log, read)
            }
        })
        .collect();
    let cleaned = match leftovers {
        Ok(names) => target.kv.delete(env, &names).await,
        Err(e) => Err(e),
    };
    findings.push(match cleaned {
        Ok(n) => Finding::pass(
            "audit.behaviour.cleanup",
            "The probes' keys are gone from the Worker's KV",
            format!("{n} keys under {} deleted", target.kv.source.cleanup_prefixes.join(", ")),
        ),
        Err(e) => Finding::warn(
            "audit.behaviour.cleanup",
            "golive could not delete the probes' keys from the Worker's KV",
            e,
            match &target.kv.source.url {
                Some(_) => {
                    "Delete the probe customers (cus_golive_audit_…) from where your Worker keeps tiers.".to_string()
                }
                None => format!(
                    "Delete the keys under {} with `npx wrangler kv key delete --binding {} <key> --remote`.",
                    target.kv.source.cleanup_prefixes.join(", "),
                    target.kv.source.binding
                ),
            },
        ),
    });
    findings
}

#[cfg(test)]
mod tests {
    use super::TierSetting;

    #[test]
    fn a_worker_without_the_namespace_is_told_from_a_failure() {
        // wrangler 4.86's words when the configuration has no such KV binding.
        let said =
            "✘ [ERROR] A namespace with binding name \"TIERS\" was not found in the configured \"kv_namespaces\".";
        assert!(super::no_such_binding("TIERS", said));
        assert!(!super::no_such_binding("PLANS", said));
        assert!(!super::no_such_binding("TIERS", "✘ [ERROR] Authentication error [code: 10000]"));
    }

    #[test]
    fn a_tier_source_is_checked_and_its_cleanup_follows_its_layout() {
        let kv = |b: &str, k: &str| TierSetting::Kv { binding: b.into(), customer_key: k.into() };
        assert!(kv("TIERS", "customer:{customer}").checked().is_ok());
        assert!(kv("2TIERS", "customer:{customer}").checked().unwrap_err().fix.contains("kv_namespaces"));
        assert!(kv("TIERS", "customer").checked().unwrap_err().message.contains("{customer}"));
        let url = |u: &str| TierSetting::Url { url: u.into() };
        assert!(url("https://api.example.com/tier/{customer}").checked().is_ok());
        assert!(url("http://api.example.com/tier/{customer}").checked().is_err());
        assert!(url("https://api.example.com/tier").checked().is_err());
        assert_eq!(kv("PLANS", "plan/{customer}").source().cleanup_prefixes, ["plan/cus_golive_"]);
        assert_eq!(TierSetting::default().source().cleanup_prefixes, ["customer:cus_golive_", "event:evt_golive_"]);
        assert!(url("https://api.example.com/tier/{customer}").source().cleanup_prefixes.is_empty());
    }
}
