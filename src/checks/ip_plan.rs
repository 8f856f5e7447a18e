//! The appliance's IP plan: the control-plane endpoint and the node pool
//! inside the prefix, clear of the gateway, in a subnet of at least /29.

use std::net::Ipv4Addr;

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
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    let inside = |ip: Ipv4Addr| u32::from(ip) & mask == u32::from(net) & mask;
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
        ips.push((what, ip));
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
        }
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
