//! The proxy the appliance will use: well-formed as the Arc release notes
//! require, answering `CONNECT`, its TLS trusted by the appliance (the
//! guide's "SSL proxy configuration issues"), and a `noproxy` list that
//! keeps the vCenter and the cluster's own traffic off it.

use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::probe::{Egress, NetworkFacts, TlsCheck, Tunnel};
use crate::vsphere::host_of;

pub const CHECK: &str = "proxy";

const NOPROXY: &str = "applianceClusterConfig.networking.proxy.noproxy";
const CERT: &str = "applianceClusterConfig.networking.proxy.certificateFilePath";

fn finding(code: &str, message: String, remedy: String) -> Finding {
    Finding::new(CHECK, Severity::Error, code, None, message, remedy)
}

fn key(setting: &str) -> String {
    format!("applianceClusterConfig.networking.{setting}")
}

pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(net) = f.network else {
        return Outcome::not_verified("the network probes were not run");
    };
    // The registry has made sure applianceClusterConfig was read: no proxy
    // there is the config's word, not a part left unread.
    let c = f.config;
    if c.proxies.is_empty() {
        return Outcome::Verified(vec![Finding::new(
            CHECK,
            Severity::Info,
            "no-proxy",
            None,
            "the config sets no proxy (applianceClusterConfig.networking.proxy): the appliance connects directly, as the egress check tests".into(),
            "none needed; set applianceClusterConfig.networking.proxy.https if this network requires a proxy".into(),
        )]);
    }
    let mut out = well_formed(
        &c.proxies,
        c.noproxy.as_deref(),
        c.proxy_certificate.as_deref(),
    );
    let required = noproxy_required(f.vcenter_address, c.ip_prefix.as_deref());
    let missing = noproxy_missing(c.noproxy.as_deref().unwrap_or(""), &required);
    if !missing.is_empty() {
        out.push(finding(
            "noproxy-missing",
            format!(
                "{NOPROXY} lacks {}: the appliance would send these to the proxy",
                missing.join(", ")
            ),
            format!("add {} to {NOPROXY}", missing.join(",")),
        ));
    }
    out.extend(probed(net));
    Outcome::Verified(out)
}

/// The Arc release notes' rules for the proxy settings.
pub fn well_formed(
    proxies: &[(String, String)],
    noproxy: Option<&str>,
    cert: Option<&Path>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (setting, url) in proxies {
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("http" | "https")) {
            out.push(finding(
                "proxy-malformed",
                format!(
                    "{} {url:?} does not start with http:// or https://",
                    key(setting)
                ),
                format!("write {} as http://host:port", key(setting)),
            ));
        }
    }
    if let Some(n) = noproxy {
        let mut wrong = Vec::new();
        if n.split(',').any(|e| e.is_empty()) {
            wrong.push("an empty entry (,, or a comma at either end)");
        }
        if n.contains(['<', '>']) {
            wrong.push("< or >");
        }
        if n.contains(char::is_whitespace) {
            wrong.push("a space (after a comma or inside an entry)");
        }
        if !wrong.is_empty() {
            out.push(finding(
                "proxy-malformed",
                format!("{NOPROXY} {n:?} holds {}", wrong.join(" and ")),
                format!("write {NOPROXY} as comma-separated entries without spaces, e.g. localhost,127.0.0.1,.svc,10.0.0.0/24"),
            ));
        }
    }
    if let Some(path) = cert {
        let shown = path.display();
        let problem = match crate::files::read_text(path, crate::files::MAX_CONFIG) {
            Err(e) => Some(format!("cannot be read: {e}")),
            Ok(text) => match text.matches("-----BEGIN CERTIFICATE-----").count() {
                1 => None,
                0 => Some("holds no PEM certificate".into()),
                n => Some(format!("holds {n} certificates (a bundle)")),
            },
        };
        if let Some(p) = problem {
            out.push(finding(
                "proxy-malformed",
                format!("the proxy certificate {shown} ({CERT}) {p}"),
                format!(
                    "point {CERT} at a file holding the proxy's single X.509 CA certificate (PEM)"
                ),
            ));
        }
    }
    out
}

/// What `noproxy` must hold: the vCenter, the node prefix, the loopback
/// names and the cluster's `.svc` names.
pub fn noproxy_required(vcenter: Option<&str>, prefix: Option<&str>) -> Vec<String> {
    let mut r = Vec::new();
    if let Some(v) = vcenter {
        r.push(host_of(v).to_string());
    }
    if let Some(p) = prefix {
        r.push(p.trim().to_string());
    }
    for fixed in ["localhost", "127.0.0.1", ".svc"] {
        if !r.iter().any(|x| x == fixed) {
            r.push(fixed.to_string());
        }
    }
    r
}

/// The required entries `noproxy` does not cover, as the appliance's Go
/// proxy rules match them: a host by name or domain suffix, an address or
/// a prefix by a CIDR that contains it.
pub fn noproxy_missing(noproxy: &str, required: &[String]) -> Vec<String> {
    let entries: Vec<String> = noproxy
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    let nets: Vec<IpNet> = entries
        .iter()
        .filter_map(|e| {
            e.parse::<IpNet>()
                .ok()
                .or_else(|| e.parse::<IpAddr>().ok().map(IpNet::from))
        })
        .collect();
    required
        .iter()
        .filter(|want| {
            let w = want.to_ascii_lowercase();
            let covered = entries.contains(&w)
                || match (w.parse::<IpAddr>(), w.parse::<IpNet>()) {
                    (Ok(ip), _) => nets.iter().any(|n| n.contains(&ip)),
                    (_, Ok(p)) => nets.iter().any(|n| n.contains(&p)),
                    _ => entries.iter().any(|e| {
                        let suffix = e.trim_start_matches('.');
                        !suffix.is_empty() && w.ends_with(&format!(".{suffix}"))
                    }),
                };
            !covered
        })
        .cloned()
        .collect()
}

/// What the probes saw of the proxy.
fn probed(net: &NetworkFacts) -> Vec<Finding> {
    let here = super::FROM_HERE;
    let mut out = Vec::new();
    let mut unreachable = Vec::new();
    for (p, r) in &net.proxies {
        let what = match r {
            Ok(()) => continue,
            Err(Tunnel::NoProxy(o)) => o.describe(),
            Err(Tunnel::Broken(d)) => d.clone(),
            Err(Tunnel::Refused(c, r)) => format!("answered HTTP {c} {r}"),
        };
        unreachable.push(p.url.clone());
        out.push(finding(
            "proxy-unreachable",
            format!("the proxy {} ({}) {what}; {here}", p.url, key(&p.setting)),
            format!(
                "fix {} (host and port of a proxy the appliance can reach), or start the proxy",
                key(&p.setting)
            ),
        ));
    }
    let Some(via) = &net.via else { return out };
    if unreachable.contains(&via.url) {
        return out;
    }
    let tunnels: Vec<&Egress> = net
        .egress
        .iter()
        .filter(|(e, _)| !e.is_wildcard() && !e.is_udp())
        .map(|(_, r)| r)
        .collect();
    let refused = |code: Option<u16>| {
        tunnels.iter().filter(move |r| match r {
            Egress::Blocked {
                proxy_refused: Some((c, _)),
                ..
            } => code.is_none_or(|w| w == *c),
            _ => false,
        })
    };
    if refused(Some(407)).next().is_some() {
        out.push(finding(
            "proxy-unreachable",
            format!("the proxy {} ({}) demands authentication (HTTP 407), which the appliance does not send; {here}", via.url, key(&via.setting)),
            format!("point {} at a proxy that lets the appliance through without authentication", key(&via.setting)),
        ));
    } else if !tunnels.is_empty() && refused(None).count() == tunnels.len() {
        out.push(finding(
            "proxy-unreachable",
            format!("the proxy {} ({}) refused CONNECT to every required endpoint (see the egress check); {here}", via.url, key(&via.setting)),
            format!("allow the required endpoints on the proxy, or fix {}", key(&via.setting)),
        ));
    }
    let trusted_with = match &net.proxy_ca {
        Some(p) => format!("the system roots plus {} ({CERT})", p.display()),
        None => format!("the system roots ({CERT} is not set)"),
    };
    for (e, r) in &net.egress {
        if let Egress::Reached {
            tls: Some(TlsCheck::Untrusted { reason, cert }),
        } = r
        {
            let who = cert
                .as_ref()
                .map(|c| {
                    format!(
                        "; the appliance would see a certificate issued by {} for {}",
                        c.issuer, c.subject
                    )
                })
                .unwrap_or_default();
            out.push(finding(
                "proxy-tls-untrusted",
                format!(
                    "through the proxy {}, the certificate of {} does not verify against {trusted_with}: {reason}{who}; {here}",
                    via.url,
                    e.host_port()
                ),
                format!("if the proxy inspects TLS, set {CERT} to its CA certificate (one PEM certificate), or exempt {} from inspection", e.host),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Vec<String> {
        noproxy_required(Some("https://vc.corp.example/sdk"), Some("10.0.0.0/24"))
    }

    #[test]
    fn a_complete_noproxy_misses_nothing() {
        assert!(
            noproxy_missing(
                "localhost,127.0.0.1,.svc,10.0.0.0/24,vc.corp.example",
                &req()
            )
            .is_empty()
        );
        // A domain suffix and a covering prefix count too.
        assert!(
            noproxy_missing(
                "localhost,127.0.0.0/8,.svc,10.0.0.0/16,.corp.example",
                &req()
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_entries_are_listed() {
        assert_eq!(
            noproxy_missing("localhost,10.0.0.0/25", &req()),
            ["vc.corp.example", "10.0.0.0/24", "127.0.0.1", ".svc"]
        );
    }

    #[test]
    fn malformed_settings_are_named() {
        let p = vec![("proxy.https".to_string(), "proxy.example:3128".to_string())];
        let f = well_formed(&p, Some("localhost, 127.0.0.1,,<local>"), None);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("http://"), "{}", f[0].message);
        assert!(
            f[1].message.contains("empty entry")
                && f[1].message.contains("< or >")
                && f[1].message.contains("a space"),
            "{}",
            f[1].message
        );
    }
}
