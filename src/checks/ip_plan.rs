//! The appliance's IP plan: the control-plane endpoint and the node pool
//! inside the prefix, clear of the gateway and of the prefix's network and
//! broadcast addresses, in a subnet of at least /29, and clear of the
//! ranges the appliance's Kubernetes keeps for itself.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::Ipv4Net;

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::config::keys::{CONTROL_PLANE, DNS_SERVERS, GATEWAY, POOL_END, POOL_START, PREFIX};

pub const CHECK: &str = "ip-plan";

#[derive(Debug, Default, Clone)]
pub struct IpPlan {
    pub control_plane: Option<String>,
    pub pool_start: Option<String>,
    pub pool_end: Option<String>,
    pub prefix: Option<String>,
    pub gateway: Option<String>,
    /// `vsphereprovider.network.dnsservers`: must lie outside the reserved
    /// ranges, or the cluster routes DNS inside itself.
    pub dns_servers: Vec<String>,
    /// (setting, URL) of each proxy setting, for the same reason.
    pub proxies: Vec<(String, String)>,
}

/// The ranges the Arc resource bridge's Kubernetes uses inside the
/// appliance: pods and services. An address of the plan in them is routed
/// into the cluster instead of onto the network.
pub const RESERVED: &[(&str, &str)] = &[
    ("pod range", "10.244.0.0/16"),
    ("service range", "10.96.0.0/12"),
];

fn reserved() -> impl Iterator<Item = (&'static str, Ipv4Net)> {
    RESERVED
        .iter()
        .map(|(what, net)| (*what, net.parse().expect("a valid reserved range")))
}

fn finding(message: String, remedy: String) -> Finding {
    Finding::new("ip-plan", Severity::Error, "ip-plan", None, message, remedy)
}

/// An address of the plan, with the key that gives it.
#[derive(Clone, Copy)]
struct Addr {
    key: &'static str,
    ip: Ipv4Addr,
}

fn parse_ip(key: &'static str, s: &str, example: &str, out: &mut Vec<Finding>) -> Option<Addr> {
    match s.trim().parse() {
        Ok(ip) => Some(Addr { key, ip }),
        Err(_) => {
            out.push(finding(
                format!("{key} {s:?} is not an IPv4 address"),
                format!("write {key} as a dotted IPv4 address alone (no scheme, port or name), e.g. {example}"),
            ));
            None
        }
    }
}

/// The prefix as a subnet, each mistake in it reported; `None` when it
/// cannot be read as one.
fn parse_prefix(prefix: &str, out: &mut Vec<Finding>) -> Option<Ipv4Net> {
    let Some((net, len)) = prefix.split_once('/') else {
        let example = match prefix.trim().parse::<Ipv4Addr>() {
            Ok(ip) => format!("{ip}/24"),
            Err(_) => "10.0.0.0/24".into(),
        };
        out.push(finding(
            format!("{PREFIX} {prefix:?} has no /length"),
            format!("write {PREFIX} as network/length, e.g. {example}"),
        ));
        return None;
    };
    let net = match net.trim().parse::<Ipv4Addr>() {
        Ok(n) => Some(n),
        Err(_) => {
            out.push(finding(
                format!("the network {net:?} of {PREFIX} {prefix:?} is not an IPv4 address"),
                format!("write {PREFIX} as network/length, e.g. 10.0.0.0/24"),
            ));
            None
        }
    };
    let shown_net = net.map_or("10.0.0.0".to_string(), |n| n.to_string());
    let digits = len.trim();
    let len = if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        out.push(finding(
            format!("the prefix length {len:?} of {PREFIX} {prefix:?} is not a number"),
            format!("write {PREFIX} as network/length, e.g. {shown_net}/24"),
        ));
        None
    } else if let Some(l) = digits.parse::<u8>().ok().filter(|l| *l <= 32) {
        Some(l)
    } else {
        out.push(finding(
            format!("the prefix length /{digits} of {PREFIX} {prefix:?} is larger than 32, the most an IPv4 prefix can have"),
            format!("give the appliance subnet's real prefix length, /29 or shorter, e.g. {shown_net}/24"),
        ));
        None
    };
    let (net, len) = (net?, len?);
    let subnet = Ipv4Net::new(net, len).ok()?.trunc();
    if len > 29 {
        out.push(finding(
            format!("{PREFIX} {prefix} is smaller than /29: too few addresses for the control plane, the nodes and an upgrade"),
            format!("use a subnet of /29 or larger for {PREFIX}, e.g. {}/29", Ipv4Net::new(net, 29).map(|n| n.trunc().network()).unwrap_or(net)),
        ));
    }
    for (what, range) in reserved() {
        if range.contains(&subnet.network()) || subnet.contains(&range.network()) {
            out.push(finding(
                format!("{PREFIX} {prefix} overlaps the Arc-reserved {what} {range}, which the appliance's Kubernetes routes inside the cluster"),
                format!("use a {PREFIX} outside 10.244.0.0/16 and 10.96.0.0/12"),
            ));
        }
    }
    Some(subnet)
}

/// Every mistake of the plan in one run, each naming its key: what one
/// value gets wrong does not hide what another does.
pub fn check(plan: &IpPlan) -> Vec<Finding> {
    let mut out = Vec::new();
    let subnet = plan
        .prefix
        .as_deref()
        .and_then(|p| parse_prefix(p, &mut out));
    // Examples for the fixes come from the subnet when there is one.
    let host = |n: u32| {
        subnet.map_or_else(
            || Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 0, 0, 0)) + n),
            |s| Ipv4Addr::from(u32::from(s.network()).saturating_add(n)),
        )
    };
    let gateway = plan
        .gateway
        .as_deref()
        .and_then(|g| parse_ip(GATEWAY, g, &host(1).to_string(), &mut out));
    let control_plane = plan
        .control_plane
        .as_deref()
        .and_then(|v| parse_ip(CONTROL_PLANE, v, &host(60).to_string(), &mut out));
    let start = plan
        .pool_start
        .as_deref()
        .and_then(|v| parse_ip(POOL_START, v, &host(50).to_string(), &mut out));
    let end = plan
        .pool_end
        .as_deref()
        .and_then(|v| parse_ip(POOL_END, v, &host(54).to_string(), &mut out));
    let nodes: Vec<Addr> = [control_plane, start, end].into_iter().flatten().collect();

    if let Some(subnet) = subnet {
        // /31 and /32 have no network or broadcast address to avoid (and
        // are reported as too small).
        let edges = (subnet.prefix_len() <= 30).then(|| (subnet.network(), subnet.broadcast()));
        for a in gateway.iter().chain(&nodes) {
            if !subnet.contains(&a.ip) {
                out.push(finding(
                    format!(
                        "{} {} is outside the prefix {subnet} ({PREFIX})",
                        a.key, a.ip
                    ),
                    format!(
                        "choose {} inside {subnet}, or correct {PREFIX} if the subnet is another",
                        a.key
                    ),
                ));
                continue;
            }
            if let Some((network, broadcast)) = edges {
                let edge = if a.ip == network {
                    "network"
                } else if a.ip == broadcast {
                    "broadcast"
                } else {
                    continue;
                };
                out.push(finding(
                    format!(
                        "{} {} is the {edge} address of {subnet}, which no machine can hold",
                        a.key, a.ip
                    ),
                    format!(
                        "choose {} between {} and {}",
                        a.key,
                        Ipv4Addr::from(u32::from(network) + 1),
                        Ipv4Addr::from(u32::from(broadcast) - 1)
                    ),
                ));
            }
        }
    }
    if let Some(g) = gateway {
        for a in &nodes {
            if a.ip == g.ip {
                out.push(finding(
                    format!("{} {} is the gateway's address ({GATEWAY})", a.key, a.ip),
                    format!("give {} an address other than the gateway's", a.key),
                ));
            }
        }
    }
    if let (Some(s), Some(e)) = (start, end) {
        if u32::from(s.ip) > u32::from(e.ip) {
            out.push(finding(
                format!(
                    "the node pool starts after it ends: {POOL_START} {} is after {POOL_END} {}",
                    s.ip, e.ip
                ),
                format!("swap {POOL_START} and {POOL_END}"),
            ));
        } else {
            let pool = u32::from(s.ip)..=u32::from(e.ip);
            if let Some(g) = gateway
                && pool.contains(&u32::from(g.ip))
            {
                out.push(finding(
                    format!("the node pool {}–{} ({POOL_START}–{POOL_END}) contains the gateway {} ({GATEWAY})", s.ip, e.ip, g.ip),
                    format!("move {POOL_START}–{POOL_END} so the pool excludes the gateway {}", g.ip),
                ));
            }
            if let Some(cp) = control_plane
                && pool.contains(&u32::from(cp.ip))
            {
                out.push(finding(
                    format!("{CONTROL_PLANE} {} lies inside the node pool {}–{} ({POOL_START}–{POOL_END})", cp.ip, s.ip, e.ip),
                    format!("give {CONTROL_PLANE} an address outside the node pool {}–{}", s.ip, e.ip),
                ));
            }
        }
    }
    // (how the message names it, the address, the key to move)
    let mut others: Vec<(String, Ipv4Addr, String)> = nodes
        .iter()
        .map(|a| (format!("{} {}", a.key, a.ip), a.ip, a.key.to_string()))
        .collect();
    for d in &plan.dns_servers {
        if let Ok(ip) = d.trim().parse() {
            others.push((
                format!("the DNS server {ip} ({DNS_SERVERS})"),
                ip,
                DNS_SERVERS.to_string(),
            ));
        }
    }
    for (setting, url) in &plan.proxies {
        if let Ok(IpAddr::V4(ip)) = crate::vsphere::host_of(url).parse() {
            let key = format!("applianceClusterConfig.networking.{setting}");
            others.push((format!("the proxy {ip} ({key})"), ip, key));
        }
    }
    for (what, ip, key) in others {
        for (range_what, range) in reserved() {
            if range.contains(&ip) {
                out.push(finding(
                    format!("{what} lies in the Arc-reserved {range_what} {range}: the appliance's Kubernetes would route it inside the cluster"),
                    format!("move {key} outside 10.244.0.0/16 and 10.96.0.0/12"),
                ));
            }
        }
    }
    out
}

/// The registry's entry (which has made sure both sections were read):
/// what the plan gets wrong, and each key it lacks left unverified.
pub fn run(f: &Facts<'_>) -> Outcome {
    let c = f.config;
    let plan = IpPlan {
        control_plane: c.control_plane_endpoint.clone(),
        pool_start: c.node_ip_pool_start.clone(),
        pool_end: c.node_ip_pool_end.clone(),
        prefix: c.ip_prefix.clone(),
        gateway: c.gateway.clone(),
        dns_servers: c.dns_servers.clone(),
        proxies: c.proxies.clone(),
    };
    let missing: Vec<String> = [
        (PREFIX, &plan.prefix),
        (GATEWAY, &plan.gateway),
        (POOL_START, &plan.pool_start),
        (POOL_END, &plan.pool_end),
        (CONTROL_PLANE, &plan.control_plane),
    ]
    .into_iter()
    .filter(|(_, v)| v.is_none())
    .map(|(k, _)| c.why_missing(k))
    .collect();
    Outcome::partly(check(&plan), missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(cp: &str, s: &str, e: &str, prefix: &str, gw: &str) -> IpPlan {
        IpPlan {
            control_plane: Some(cp.into()),
            pool_start: Some(s.into()),
            pool_end: Some(e.into()),
            prefix: Some(prefix.into()),
            gateway: Some(gw.into()),
            ..Default::default()
        }
    }

    #[test]
    fn network_and_broadcast_addresses_are_refused() {
        let f = check(&plan(
            "10.0.0.0",
            "10.0.0.50",
            "10.0.0.255",
            "10.0.0.0/24",
            "10.0.0.1",
        ));
        let m: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            m,
            [
                "applianceClusterConfig.controlPlaneEndpoint 10.0.0.0 is the network address of 10.0.0.0/24, which no machine can hold",
                "vsphereprovider.network.k8snodeippoolend 10.0.0.255 is the broadcast address of 10.0.0.0/24, which no machine can hold",
            ]
        );
    }

    #[test]
    fn a_prefix_overlapping_a_reserved_range_is_refused() {
        let f = check(&plan(
            "10.96.0.60",
            "10.96.0.50",
            "10.96.0.54",
            "10.96.0.0/24",
            "10.96.0.1",
        ));
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(
            f[0].message
                .contains("overlaps the Arc-reserved service range 10.96.0.0/12")
        );
        assert!(
            f[1..]
                .iter()
                .all(|f| f.message.contains("lies in the Arc-reserved service range"))
        );
        // A wider prefix that contains a reserved range overlaps it too.
        let f = check(&plan(
            "10.0.0.60",
            "10.0.0.50",
            "10.0.0.54",
            "10.0.0.0/8",
            "10.0.0.1",
        ));
        assert_eq!(f.len(), 2, "{f:?}");
    }

    #[test]
    fn dns_servers_and_proxies_in_a_reserved_range_are_refused() {
        let mut p = plan(
            "10.0.0.60",
            "10.0.0.50",
            "10.0.0.54",
            "10.0.0.0/24",
            "10.0.0.1",
        );
        p.dns_servers = vec!["10.244.1.10".into(), "10.0.0.2".into()];
        p.proxies = vec![("proxy.https".into(), "http://10.100.0.5:3128".into())];
        let f = check(&p);
        let m: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].contains(
            "DNS server 10.244.1.10 (vsphereprovider.network.dnsservers) lies in the Arc-reserved pod range"
        ));
        assert!(m[1].contains(
            "proxy 10.100.0.5 (applianceClusterConfig.networking.proxy.https) lies in the Arc-reserved service range"
        ));
        assert!(f[0].remedy.contains("vsphereprovider.network.dnsservers"));
    }

    #[test]
    fn a_good_plan_passes() {
        assert!(
            check(&plan(
                "10.0.0.60",
                "10.0.0.50",
                "10.0.0.54",
                "10.0.0.0/24",
                "10.0.0.1"
            ))
            .is_empty()
        );
    }

    #[test]
    fn each_mistake_is_named() {
        let cases = [
            (
                plan(
                    "10.0.1.60",
                    "10.0.0.50",
                    "10.0.0.54",
                    "10.0.0.0/24",
                    "10.0.0.1",
                ),
                "outside the prefix",
            ),
            (
                plan(
                    "10.0.0.52",
                    "10.0.0.50",
                    "10.0.0.54",
                    "10.0.0.0/24",
                    "10.0.0.1",
                ),
                "inside the node pool",
            ),
            (
                plan(
                    "10.0.0.1",
                    "10.0.0.50",
                    "10.0.0.54",
                    "10.0.0.0/24",
                    "10.0.0.1",
                ),
                "gateway's address",
            ),
            (
                plan(
                    "10.0.0.2",
                    "10.0.0.3",
                    "10.0.0.4",
                    "10.0.0.0/30",
                    "10.0.0.1",
                ),
                "smaller than /29",
            ),
            (
                plan(
                    "10.0.0.60",
                    "10.0.0.54",
                    "10.0.0.50",
                    "10.0.0.0/24",
                    "10.0.0.1",
                ),
                "the node pool starts after it ends",
            ),
            (
                plan(
                    "10.0.0.60",
                    "10.0.0.50",
                    "10.0.0.54",
                    "10.0.0.0/24",
                    "10.9.0.1",
                ),
                "gateway 10.9.0.1 is outside",
            ),
            (
                plan(
                    "not-an-ip",
                    "10.0.0.50",
                    "10.0.0.54",
                    "10.0.0.0/24",
                    "10.0.0.1",
                ),
                "not an IPv4 address",
            ),
        ];
        for (p, want) in cases {
            let f = check(&p);
            assert!(
                f.iter().any(|f| f.message.contains(want)),
                "{want}: {:?}",
                f.iter().map(|f| &f.message).collect::<Vec<_>>()
            );
            assert!(
                f.iter()
                    .all(|f| f.code == "ip-plan" && f.severity == Severity::Error)
            );
        }
    }

    /// The exploratory tester's badip.yaml: four independent mistakes, all
    /// reported in one run, each naming its key with a fix that is right.
    #[test]
    fn every_independent_mistake_is_reported_by_its_key() {
        let f = check(&plan(
            "notanip",
            "127.0.0.54",
            "127.0.0.50",
            "127.0.0.0/33",
            "999.1.1.1",
        ));
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.message.as_str(), f.remedy.as_str()))
            .collect();
        let want = [
            (
                PREFIX,
                "larger than 32",
                "/29 or shorter, e.g. 127.0.0.0/24",
            ),
            (
                GATEWAY,
                "\"999.1.1.1\" is not an IPv4 address",
                "e.g. 10.0.0.1",
            ),
            (
                CONTROL_PLANE,
                "\"notanip\" is not an IPv4 address",
                "e.g. 10.0.0.60",
            ),
            (POOL_START, "127.0.0.54 is after", "swap"),
        ];
        assert_eq!(got.len(), want.len(), "{got:#?}");
        for ((m, r), (key, says, fix)) in got.iter().zip(want) {
            assert!(m.contains(key) && m.contains(says), "{m}");
            assert!(r.contains(fix), "{m}: {r}");
        }
    }

    /// A key the plan needs and the config lacks leaves the check
    /// unverified, naming it, while what was given is still judged.
    #[test]
    fn a_missing_key_is_named_and_the_rest_judged() {
        let p = IpPlan {
            control_plane: None,
            ..plan("", "10.0.0.50", "10.0.0.54", "10.0.0.0/24", "10.9.0.1")
        };
        let config = crate::config::ArcConfig {
            files: vec!["a-appliance.yaml".into()],
            sections: vec![
                (crate::config::Section::Appliance, "a-appliance.yaml".into()),
                (crate::config::Section::Infra, "a-infra.yaml".into()),
            ],
            empty: vec![CONTROL_PLANE],
            node_ip_pool_start: p.pool_start.clone(),
            node_ip_pool_end: p.pool_end.clone(),
            ip_prefix: p.prefix.clone(),
            gateway: p.gateway.clone(),
            ..Default::default()
        };
        let out = crate::checks::registry::tests::run_with_config(CHECK, &config);
        let Outcome::NotVerified { reason, findings } = out else {
            panic!("{out:?}")
        };
        assert_eq!(
            reason,
            "applianceClusterConfig.controlPlaneEndpoint is empty in a-appliance.yaml: give it a value"
        );
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0].message.contains("gateway 10.9.0.1 is outside"));
    }
}
