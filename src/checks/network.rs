//! The target network's name: the deployment finds its network by name.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::inventory::{Entity, Snapshot};

pub const CHECK: &str = "network";

/// `duplicate-network`: the name matches several networks of the datacenter.
pub fn network(snap: &Snapshot, net: &Entity) -> Vec<Finding> {
    let dc = snap.datacenter_of(net).map(|d| d.moref.clone());
    let same: Vec<&str> = snap
        .of_kind(&["Network", "DistributedVirtualPortgroup", "OpaqueNetwork"])
        .filter(|n| n.name == net.name && n.moref != net.moref)
        .filter(|n| snap.datacenter_of(n).map(|d| d.moref.clone()) == dc)
        .map(|n| n.path.as_str())
        .collect();
    if same.is_empty() {
        return vec![];
    }
    vec![Finding::new(
        CHECK,
        Severity::Error,
        "duplicate-network",
        Some(net),
        format!(
            "the network name {:?} also names {}",
            net.name,
            same.join(", ")
        ),
        "rename the port groups so the appliance's network name is unique in the datacenter".into(),
    )]
}

/// The registry's entry for the target network.
pub fn run(f: &Facts<'_>) -> Outcome {
    match (f.snapshot(), f.targets.network) {
        (Some(snap), Some(n)) => Outcome::Verified(network(snap, n)),
        _ => Outcome::not_verified("no network"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::datacenter;

    #[test]
    fn a_name_shared_in_the_datacenter_is_a_duplicate() {
        let mut d = datacenter();
        let netf = d.network.clone();
        let n1 = d.b.add("Network", "network-1", "VM Network", &netf);
        let sub = d.b.folder("group-n9", "sub", &netf, &["Network"]);
        d.b.add(
            "DistributedVirtualPortgroup",
            "dvportgroup-2",
            "VM Network",
            &sub,
        );
        let s = d.b.build();
        let f = network(&s, s.get(&n1).unwrap());
        assert_eq!(f[0].code, "duplicate-network");
        assert!(
            f[0].message.contains("/DC0/network/sub/VM Network"),
            "{}",
            f[0].message
        );
    }
}
