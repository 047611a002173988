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
        if let Some(what) = non_global(ip) {
            return Err(problem(format!("{ip} is {what}; Stripe cannot deliver to it."), PUBLIC_FIX));
        }
    } else if !host.contains('.') || host.ends_with(".local") || host.ends_with(".internal") || host.ends_with(".lan") {
        return Err(problem(format!("“{host}” is a local network name; Stripe cannot reach it."), PUBLIC_FIX));
    }
    if parsed.fragment().is_some() {
        return Err(problem("The address has a #fragment, which Stripe would not send.", "Remove the part from #."));
    }
    Ok(parsed.to_string())
}

/// Every address block that is not reachable on the public internet (IANA's special-purpose
/// registries for IPv4 and IPv6), with what it is — one table, a test row per entry.
const NON_GLOBAL: [(&str, &str); 25] = [
    ("0.0.0.0/8", "a “this network” address"),
    ("10.0.0.0/8", "a private network address"),
    ("100.64.0.0/10", "a carrier-grade NAT address"),
    ("127.0.0.0/8", "this computer (loopback)"),
    ("169.254.0.0/16", "a link-local address"),
    ("172.16.0.0/12", "a private network address"),
    ("192.0.0.0/24", "an IETF protocol address"),
    ("192.0.2.0/24", "a documentation address"),
    ("192.88.99.0/24", "a 6to4 relay address"),
    ("192.168.0.0/16", "a private network address"),
    ("198.18.0.0/15", "a benchmarking address"),
    ("198.51.100.0/24", "a documentation address"),
    ("203.0.113.0/24", "a documentation address"),
    ("224.0.0.0/4", "a multicast address"),
    ("240.0.0.0/4", "a reserved address"),
    ("::/127", "an unspecified or loopback address"),
    ("64:ff9b:1::/48", "a local-use NAT64 address"),
    ("100::/64", "a discard-only address"),
    ("2001::/23", "an IETF protocol address"),
    ("2001:db8::/32", "a documentation address"),
    ("3fff::/20", "a documentation address"),
    ("5f00::/16", "a segment-routing address"),
    ("fc00::/7", "a private network address (unique local)"),
    ("fe80::/10", "a link-local address"),
    ("ff00::/8", "a multicast address"),
];

/// What `ip` is when the public internet cannot reach it; `None` for a global address. An
/// IPv6 address that carries an IPv4 one (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`,
/// NAT64 `64:ff9b::a.b.c.d`, 6to4 `2002:AABB:CCDD::`) is judged by that IPv4 address.
fn non_global(ip: IpAddr) -> Option<&'static str> {
    if let IpAddr::V6(v6) = ip {
        let s = v6.segments();
        let embedded = if let Some(v4) = v6.to_ipv4_mapped() {
            Some(v4)
        } else if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
            v6.to_ipv4()
        } else if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
            Some(std::net::Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8))
        } else if s[0] == 0x2002 {
            Some(std::net::Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8))
        } else {
            None
        };
        if let Some(v4) = embedded {
            return non_global(IpAddr::V4(v4));
        }
    }
    if ip == IpAddr::V4(std::net::Ipv4Addr::BROADCAST) {
        return Some("the broadcast address");
    }
    NON_GLOBAL
        .iter()
        .find(|(net, _)| net.parse::<ipnet::IpNet>().expect("the table holds networks").contains(&ip))
        .map(|(_, what)| *what)
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
                    account_id: None,
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
    fn every_non_global_block_is_refused_and_public_addresses_pass() {
        for (net, what) in NON_GLOBAL {
            let net: ipnet::IpNet = net.parse().unwrap();
            for ip in [net.network(), net.broadcast()] {
                let url = match ip {
                    IpAddr::V4(v4) => format!("https://{v4}/webhook/stripe"),
                    IpAddr::V6(v6) => format!("https://[{v6}]/webhook/stripe"),
                };
                let err = check_live_url(&url).unwrap_err();
                let named = [what, "localhost", "the broadcast address"].into_iter().any(|w| err.message.contains(w));
                assert!(named, "{url}: {}", err.message);
            }
        }
        // IPv4 carried in IPv6, and the cases the first filter let through
        for url in [
            "https://[::ffff:127.0.0.1]/webhook/stripe",
            "https://[::ffff:10.0.0.1]/webhook/stripe",
            "https://[::10.0.0.1]/webhook/stripe",
            "https://[64:ff9b::c0a8:1]/webhook/stripe",
            "https://[2002:c0a8:101::1]/webhook/stripe",
            "https://0.1.2.3/webhook/stripe",
            "https://224.0.0.1/webhook/stripe",
            "https://[ff02::1]/webhook/stripe",
            "https://255.255.255.255/webhook/stripe",
        ] {
            assert!(check_live_url(url).is_err(), "{url} was accepted");
        }
        for url in [
            "https://1.1.1.1/webhook/stripe",
            "https://[2606:4700::1111]/webhook/stripe",
            "https://[::ffff:8.8.8.8]/webhook/stripe",
        ] {
            assert!(check_live_url(url).is_ok(), "{url} was refused");
        }
    }

    #[test]
    fn refuses_what_stripe_cannot_reach_live() {
        for (url, says) in [
            ("http://api.example.com/webhook/stripe", "HTTPS"),
            ("https://localhost:8787/webhook/stripe", "localhost"),
            ("https://127.0.0.1/webhook/stripe", "localhost"),
            ("https://10.1.2.3/webhook/stripe", "private"),
            ("https://[::1]/webhook/stripe", "localhost"),
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
