//! Whether the required endpoints answer ("Not able to connect to URL",
//! "back-off pulling image"), through the proxy when the config has one.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::probe::{Egress, NetworkFacts, TlsCheck};

pub const CHECK: &str = "egress";

pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(net) = f.network else {
        return Outcome::not_verified("the network probes were not run");
    };
    // Whether the appliance goes through a proxy is in
    // applianceClusterConfig, which the registry has made sure was read.
    if net.egress.is_empty() {
        return Outcome::not_verified(format!(
            "the endpoint list ({}) is empty: give --endpoints a file that lists them",
            net.endpoints_from
        ));
    }
    Outcome::Verified(judge(net))
}

pub fn judge(net: &NetworkFacts) -> Vec<Finding> {
    let here = super::FROM_HERE;
    let how = match &net.via {
        Some(p) => format!("through the proxy {}", p.url),
        None => "directly (the config sets no proxy)".into(),
    };
    let mut out = Vec::new();
    for (e, r) in &net.egress {
        let what = if e.purpose.is_empty() {
            String::new()
        } else {
            format!(" ({})", e.purpose)
        };
        let blocked = |detail: &str, by_proxy: bool| {
            let remedy = match (&net.via, by_proxy) {
                (Some(p), true) => format!(
                    "allow {} on the proxy {} (applianceClusterConfig.networking.{})",
                    e.host_port(),
                    p.url,
                    p.setting
                ),
                (Some(p), false) => format!(
                    "make {} reachable through the proxy (applianceClusterConfig.networking.{})",
                    e.host_port(),
                    p.setting
                ),
                (None, _) => format!(
                    "open {} {} on the firewall, or set applianceClusterConfig.networking.proxy if this network needs a proxy",
                    e.host_port(),
                    e.protocol
                ),
            };
            let refused = if by_proxy {
                "the proxy refused it: "
            } else {
                ""
            };
            Finding::new(
                CHECK,
                Severity::Error,
                "egress-blocked",
                None,
                format!(
                    "the required endpoint {}{what} cannot be reached {how}: {refused}{detail}; {here}",
                    e.host_port()
                ),
                remedy,
            )
        };
        match r {
            Egress::Reached {
                tls: Some(TlsCheck::Failed(d)),
            } => out.push(blocked(&format!("the TLS handshake failed: {d}"), false)),
            Egress::Reached { .. } => {}
            Egress::Blocked {
                proxy_refused,
                detail,
            } => out.push(blocked(detail, proxy_refused.is_some())),
            Egress::NotTestable(why) => out.push(Finding::new(
                CHECK,
                Severity::Info,
                "egress-untested",
                None,
                format!("{why}; it was not tested"),
                format!(
                    "allow {} {} on the firewall or proxy as the Arc network requirements list it",
                    e.host_port(),
                    e.protocol
                ),
            )),
        }
    }
    out
}
