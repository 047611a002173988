//! The live webhook URL: candidates derived from the Worker (its workers.dev address and the
//! routes or custom domains in its wrangler configuration), and the check that refuses a URL
//! Stripe cannot deliver live events to (not HTTPS, localhost, a private address).

use crate::connect::worker_config::WorkerConfig;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The path the Worker serves Stripe's events on.
pub const WEBHOOK_PATH: &str = "/webhook/stripe";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlCandidate {
    pub url: String,
    /// Where it came from, in words: "workers.dev", "route api.example.com/*".
    pub source: String,
}

/// The Worker's script name for a wrangler environment: the environment's own `name`, else
/// `<name>-<env>` (wrangler's rule), else the top-level name.
pub fn script_name(config: &WorkerConfig, target_env: Option<&str>) -> String {
    match target_env {
        None => config.name.clone(),
        Some(env) => config
            .environments
            .get(env)
            .and_then(|e| e.name.clone())
            .unwrap_or_else(|| format!("{}-{env}", config.name)),
    }
}

/// Candidate webhook URLs, the most likely first: each route's host (custom domains and
/// zone routes without wildcards in the host), then workers.dev when it is on and the
/// account's subdomain is known.
pub fn candidates(config: &WorkerConfig, target_env: Option<&str>, subdomain: Option<&str>) -> Vec<UrlCandidate> {
    let env = target_env.and_then(|e| config.environments.get(e));
    let (routes, workers_dev) = match env {
        Some(e) => (&e.routes, e.workers_dev),
        None => (&config.routes, config.workers_dev),
    };
    let mut found = Vec::new();
    for pattern in routes {
        let host = pattern.trim_start_matches("https://").trim_start_matches("http://");
        let host = host.split('/').next().unwrap_or_default();
        if !host.is_empty() && !host.contains('*') {
            let url = format!("https://{host}{WEBHOOK_PATH}");
            if !found.iter().any(|c: &UrlCandidate| c.url == url) {
                found.push(UrlCandidate { url, source: format!("route {pattern}") });
            }
        }
    }
    // wrangler serves on workers.dev unless it is turned off (or routes exist and it is unset).
    let on_workers_dev = workers_dev.unwrap_or(routes.is_empty());
    if let (true, Some(sub)) = (on_workers_dev, subdomain) {
        let script = script_name(config, target_env);
        found.push(UrlCandidate {
            url: format!("https://{script}.{sub}.workers.dev{WEBHOOK_PATH}"),
            source: "workers.dev".into(),
        });
    }
    found
}

/// Why a URL cannot be a live webhook endpoint, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UrlProblem {
    pub message: String,
    pub fix: String,
}

fn problem(message: impl Into<String>, fix: &str) -> UrlProblem {
    UrlProblem { message: message.into(), fix: fix.into() }
}

const PUBLIC_FIX: &str = "Use the Worker's public address: its workers.dev URL or the custom domain it is deployed on.";

/// The URL as Stripe will store it, or why a live endpoint cannot use it.
pub fn check_live_url(raw: &str) -> Result<String, UrlProblem> {
    let trimmed = raw.trim();
    let parsed = url::Url::parse(trimmed).map_err(|_| {
        problem(
            format!("“{trimmed}” is not a web address."),
            "Enter a full address starting with https://, such as https://api.example.com/webhook/stripe.",
        )
    })?;
    if parsed.scheme() != "https" {
        return Err(problem(
            format!("Stripe only sends live events to HTTPS addresses, and this one uses {}://.", parsed.scheme()),
            "Use https:// — Workers serve HTTPS on workers.dev and custom domains.",
        ));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(problem("The address contains a user name or password.", "Remove the part before @."));
    }
    let host = parsed.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    let ip: Option<IpAddr> = host.trim_start_matches('[').trim_end_matches(']').parse().ok();
    if host == "localhost" || host.ends_with(".localhost") || ip.is_some_and(|ip| ip.is_loopback()) {
        return Err(problem("This address is this computer (localhost); Stripe cannot reach it.", PUBLIC_FIX));
    }
    if let Some(ip) = ip {
        if !is_public(ip) {
            return Err(problem(format!("{ip} is a private network address; Stripe cannot reach it."), PUBLIC_FIX));
        }
    } else if !host.contains('.') || host.ends_with(".local") || host.ends_with(".internal") || host.ends_with(".lan") {
        return Err(problem(format!("“{host}” is a local network name; Stripe cannot reach it."), PUBLIC_FIX));
    }
    if parsed.fragment().is_some() {
        return Err(problem("The address has a #fragment, which Stripe would not send.", "Remove the part from #."));
    }
    Ok(parsed.to_string())
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private() || v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::worker_config::EnvironmentConfig;

    fn config() -> WorkerConfig {
        WorkerConfig {
            file: "wrangler.toml".into(),
            name: "pan-api".into(),
            account_id: None,
            main: None,
            workers_dev: None,
            routes: vec![],
            environments: [(
                "staging".to_string(),
                EnvironmentConfig {
                    name: None,
                    routes: vec!["api.example.com/*".into(), "*.example.com/*".into()],
                    workers_dev: Some(true),
                },
            )]
            .into(),
            shadowed: vec![],
        }
    }

    #[test]
    fn derives_workers_dev_and_route_candidates() {
        let c = config();
        assert_eq!(
            candidates(&c, None, Some("acme")),
            vec![UrlCandidate {
                url: "https://pan-api.acme.workers.dev/webhook/stripe".into(),
                source: "workers.dev".into()
            }]
        );
        let staging: Vec<String> = candidates(&c, Some("staging"), Some("acme")).into_iter().map(|c| c.url).collect();
        assert_eq!(
            staging,
            vec!["https://api.example.com/webhook/stripe", "https://pan-api-staging.acme.workers.dev/webhook/stripe"]
        );
        assert!(candidates(&c, None, None).is_empty(), "no subdomain, no routes: the user types the URL");
    }

    #[test]
    fn refuses_what_stripe_cannot_reach_live() {
        for (url, says) in [
            ("http://api.example.com/webhook/stripe", "HTTPS"),
            ("https://localhost:8787/webhook/stripe", "localhost"),
            ("https://127.0.0.1/webhook/stripe", "localhost"),
            ("https://10.1.2.3/webhook/stripe", "private"),
            ("https://192.168.0.4/webhook/stripe", "private"),
            ("https://[fd00::1]/webhook/stripe", "private"),
            ("https://myserver/webhook/stripe", "local network"),
            ("https://box.local/webhook/stripe", "local network"),
            ("api.example.com/webhook/stripe", "not a web address"),
        ] {
            let err = check_live_url(url).unwrap_err();
            assert!(err.message.contains(says), "{url}: {}", err.message);
        }
        assert_eq!(
            check_live_url(" https://pan-api.acme.workers.dev/webhook/stripe ").unwrap(),
            "https://pan-api.acme.workers.dev/webhook/stripe"
        );
    }
}
