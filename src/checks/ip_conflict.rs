//! Nothing may hold the control-plane endpoint or the node addresses before
//! deployment ("Azure Arc resource bridge is unreachable"): vCenter is asked
//! first (`FindAllByIp`), then the addresses are probed from this machine.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::probe::tcp::{AddressVerdict, decide};

pub const CHECK: &str = "ip-conflict";

fn in_use(entity: Option<&crate::inventory::Entity>, message: String, key: &str) -> Finding {
    Finding::new(
        CHECK,
        Severity::Error,
        "ip-in-use",
        entity,
        message,
        format!(
            "choose a free address for {key} (reserved outside any DHCP range), or free this one"
        ),
    )
}

pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(net) = f.network else {
        return Outcome::not_verified("the network probes were not run");
    };
    // Each address the plan should give and the probes did not get: a key
    // that is missing, or not an address (ip-plan names the mistake).
    let mut undecided: Vec<String> = missing_addresses(f.config, net);
    if net.addresses.is_empty() {
        return Outcome::not_verified(undecided.join("; "));
    }
    let key_of = |ip: &str| {
        net.addresses
            .iter()
            .find(|a| a.ip.to_string() == ip)
            .map(|a| a.key.as_str())
            .unwrap_or("the address")
    };
    let mut out = Vec::new();
    match f.live().and_then(|l| l.ip_holders.as_ref()) {
        Some(Ok(holders)) => {
            for h in holders {
                let entity = f.snapshot().and_then(|s| s.get(&h.moref));
                let name = entity.map_or(h.moref.value.as_str(), |e| e.name.as_str());
                let as_what = if h.vm {
                    format!("the VM {name:?} (its guest address)")
                } else {
                    format!("the host {name:?} (a VMkernel address)")
                };
                out.push(in_use(
                    entity,
                    format!(
                        "vCenter already knows {as_what} at {} ({})",
                        h.ip,
                        key_of(&h.ip)
                    ),
                    key_of(&h.ip),
                ));
            }
        }
        Some(Err(e)) => undecided.push(format!("vCenter's SearchIndex.FindAllByIp failed: {e}")),
        None => undecided.push(
            "vCenter was not asked what holds the addresses: this needs a live session".into(),
        ),
    }
    for a in &net.addresses {
        let (key, ip) = (&a.key, a.ip);
        match decide(&a.ports) {
            AddressVerdict::Taken(port, o) => out.push(in_use(
                None,
                format!(
                    "{ip} ({key}) is already taken: on port {port} it {}; {}",
                    o.describe(),
                    super::FROM_HERE
                ),
                key,
            )),
            AddressVerdict::Free => {}
            AddressVerdict::Unknown(why) => {
                undecided.push(format!("{ip} could not be probed ({why})"))
            }
        }
    }
    Outcome::partly(out, undecided)
}

/// Why each of the plan's addresses was not probed.
fn missing_addresses(
    cfg: &crate::config::ArcConfig,
    net: &crate::probe::NetworkFacts,
) -> Vec<String> {
    use crate::config::keys::{CONTROL_PLANE, POOL_END, POOL_START};
    [
        (CONTROL_PLANE, &cfg.control_plane_endpoint),
        (POOL_START, &cfg.node_ip_pool_start),
        (POOL_END, &cfg.node_ip_pool_end),
    ]
    .into_iter()
    .filter(|(k, _)| !net.addresses.iter().any(|a| a.key == *k))
    .map(|(k, v)| match v {
        None => cfg.why_missing(k),
        Some(v) => format!("{k} {v:?} is not an IP address, so it was not probed (see ip-plan)"),
    })
    .collect()
}
