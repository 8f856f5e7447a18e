//! The appliance's IP plan: the control-plane endpoint and the node pool
//! inside the prefix, clear of the gateway and of the prefix's network and
//! broadcast addresses, in a subnet of at least /29, and clear of the
//! ranges the appliance's Kubernetes keeps for itself.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::Ipv4Net;

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;

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

fn finding(message: String, remedy: &str) -> Finding {
    Finding::new(
        "ip-plan",
        Severity::Error,
        "ip-plan",
        None,
        message,
        remedy.into(),
    )
}

fn parse_ip(what: &str, s: &str, out: &mut Vec<Finding>) -> Option<Ipv4Addr> {
    match s.trim().parse() {
        Ok(ip) => Some(ip),
        Err(_) => {
            out.push(finding(
                format!("the {what} {s:?} is not an IPv4 address"),
                "give a dotted IPv4 address such as 10.0.0.50",
            ));
            None
        }
    }
}

pub fn check(plan: &IpPlan) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(prefix) = plan.prefix.as_deref() else {
        return out;
    };
    let Some((net, len)) = prefix.split_once('/') else {
        out.push(finding(
            format!("the IP prefix {prefix:?} has no /length"),
            "write the prefix as network/length, e.g. 10.0.0.0/24",
        ));
        return out;
    };
    let (Some(net), Ok(len)) = (
        parse_ip("prefix network", net, &mut out),
        len.trim().parse::<u32>(),
    ) else {
        if out.is_empty() {
            out.push(finding(
                format!("the prefix length in {prefix:?} is not a number"),
                "write the prefix as network/length, e.g. 10.0.0.0/24",
            ));
        }
        return out;
    };
    if len > 32 {
        out.push(finding(
            format!("the prefix length /{len} is larger than 32"),
            "use a prefix length of /29 or shorter",
        ));
        return out;
    }
    if len > 29 {
        out.push(finding(
            format!("the prefix {prefix} is smaller than /29: too few addresses for the control plane, the nodes and an upgrade"),
            "use a subnet of /29 or larger (a shorter prefix length)",
        ));
    }
    let Ok(subnet) = Ipv4Net::new(net, len as u8).map(|n| n.trunc()) else {
        return out;
    };
    let inside = |ip: Ipv4Addr| subnet.contains(&ip);
    for (what, range) in reserved() {
        if range.contains(&subnet.network()) || subnet.contains(&range.network()) {
            out.push(finding(
                format!("the prefix {prefix} overlaps the Arc-reserved {what} {range}, which the appliance's Kubernetes routes inside the cluster"),
                "use vsphereprovider.network.ipaddressprefix outside 10.244.0.0/16 and 10.96.0.0/12",
            ));
        }
    }
    // /31 and /32 have no network or broadcast address to avoid (and are
    // reported as too small above).
    let edges = (len <= 30).then(|| (subnet.network(), subnet.broadcast()));
    let gateway = plan
        .gateway
        .as_deref()
        .and_then(|g| parse_ip("gateway", g, &mut out));
    if let Some(g) = gateway
        && !inside(g)
    {
        out.push(finding(
            format!("the gateway {g} is outside the prefix {prefix}"),
            "use a gateway inside the appliance's subnet",
        ));
    }
    let named = [
        ("control-plane endpoint", plan.control_plane.as_deref()),
        ("node pool start", plan.pool_start.as_deref()),
        ("node pool end", plan.pool_end.as_deref()),
    ];
    let mut ips = Vec::new();
    for (what, v) in named {
        let Some(v) = v else { continue };
        let Some(ip) = parse_ip(what, v, &mut out) else {
            continue;
        };
        if !inside(ip) {
            out.push(finding(
                format!("the {what} {ip} is outside the prefix {prefix}"),
                "choose addresses inside the appliance's subnet",
            ));
        }
        if Some(ip) == gateway {
            out.push(finding(
                format!("the {what} {ip} is the gateway's address"),
                "choose addresses other than the gateway's",
            ));
        }
        if let Some((network, broadcast)) = edges {
            let edge = if ip == network {
                Some("network")
            } else if ip == broadcast {
                Some("broadcast")
            } else {
                None
            };
            if let Some(edge) = edge {
                out.push(finding(
                    format!("the {what} {ip} is the {edge} address of {subnet}, which no machine can hold"),
                    "choose addresses between the prefix's network and broadcast addresses",
                ));
            }
        }
        ips.push((what, ip));
    }
    let mut others: Vec<(String, Ipv4Addr, &str)> = ips
        .iter()
        .map(|(w, ip)| (w.to_string(), *ip, "the control-plane and node addresses (applianceClusterConfig.controlPlaneEndpoint, vsphereprovider.network.k8snodeippool*)"))
        .collect();
    for d in &plan.dns_servers {
        if let Ok(ip) = d.trim().parse() {
            others.push((
                "DNS server".into(),
                ip,
                "vsphereprovider.network.dnsservers",
            ));
        }
    }
    for (setting, url) in &plan.proxies {
        if let Ok(IpAddr::V4(ip)) = crate::probe::host_of(url).parse() {
            others.push((
                format!("proxy ({setting})"),
                ip,
                "the proxy (applianceClusterConfig.networking.proxy)",
            ));
        }
    }
    for (what, ip, key) in others {
        for (range_what, range) in reserved() {
            if range.contains(&ip) {
                out.push(finding(
                    format!("the {what} {ip} lies in the Arc-reserved {range_what} {range}: the appliance's Kubernetes would route it inside the cluster"),
                    &format!("move {key} outside 10.244.0.0/16 and 10.96.0.0/12"),
                ));
            }
        }
    }
    let find = |w: &str| ips.iter().find(|(k, _)| *k == w).map(|(_, ip)| *ip);
    if let (Some(s), Some(e)) = (find("node pool start"), find("node pool end")) {
        if u32::from(s) > u32::from(e) {
            out.push(finding(
                format!("the node pool starts at {s}, after its end {e}"),
                "swap the node pool's start and end",
            ));
        } else {
            if let Some(g) = gateway
                && (u32::from(s)..=u32::from(e)).contains(&u32::from(g))
            {
                out.push(finding(
                    format!("the node pool {s}–{e} contains the gateway {g}"),
                    "move the node pool so it excludes the gateway",
                ));
            }
            if let Some(cp) = find("control-plane endpoint")
                && (u32::from(s)..=u32::from(e)).contains(&u32::from(cp))
            {
                out.push(finding(
                    format!("the control-plane endpoint {cp} lies inside the node pool {s}–{e}"),
                    "give the control plane an address outside the node pool",
                ));
            }
        }
    }
    out
}

/// The registry's entry: the plan is judged only when the config gives one.
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
    if plan.prefix.is_none() {
        let why = if f.config_given {
            "the config has no vsphereprovider.network.ipaddressprefix"
        } else {
            "no config given"
        };
        return Outcome::not_verified(format!(
            "{why}: give --config with vsphereprovider.network.{{ipaddressprefix, gateway, k8snodeippoolstart, k8snodeippoolend}} and applianceClusterConfig.controlPlaneEndpoint"
        ));
    }
    Outcome::Verified(check(&plan))
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
                "the control-plane endpoint 10.0.0.0 is the network address of 10.0.0.0/24, which no machine can hold",
                "the node pool end 10.0.0.255 is the broadcast address of 10.0.0.0/24, which no machine can hold",
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
        assert!(m[0].contains("DNS server 10.244.1.10 lies in the Arc-reserved pod range"));
        assert!(
            m[1].contains("proxy (proxy.https) 10.100.0.5 lies in the Arc-reserved service range")
        );
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
                "after its end",
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
}
