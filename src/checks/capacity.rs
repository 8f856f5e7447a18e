//! The target datastore's free space and the target network's name.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::inventory::{Entity, Snapshot};

pub const DATASTORE: &str = "datastore";
pub const NETWORK: &str = "network";

const GIB: i64 = 1 << 30;

/// `datastore-space`: deploying needs 100 GiB free, an upgrade 200 GiB.
pub fn datastore(ds: &Entity) -> Vec<Finding> {
    let Some(free) = ds.free_space else {
        return vec![Finding::new(
            "datastore",
            Severity::Warning,
            "datastore-space",
            Some(ds),
            format!("the free space of {} is not visible to this user", ds.path),
            "grant the user Read-only on the datastore".into(),
        )];
    };
    let severity = if free < 100 * GIB {
        Severity::Error
    } else if free < 200 * GIB {
        Severity::Warning
    } else {
        return vec![];
    };
    vec![Finding::new(
        "datastore",
        severity,
        "datastore-space",
        Some(ds),
        format!(
            "{} has {} GiB free; the appliance needs 100 GiB, and 200 GiB to upgrade",
            ds.path,
            free / GIB
        ),
        "free space on the datastore or choose another one".into(),
    )]
}

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
        "network",
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

/// The registry's entry for the target datastore. Free space below zero or
/// above the capacity, or no capacity at all, is a server answer that cannot
/// be true: no verdict rests on it.
pub fn run_datastore(f: &Facts<'_>) -> Outcome {
    let Some(ds) = f.targets.datastore else {
        return Outcome::not_verified("no datastore");
    };
    if let Some(why) = impossible_space(ds) {
        return Outcome::not_verified(why);
    }
    Outcome::Verified(datastore(ds))
}

pub fn impossible_space(ds: &Entity) -> Option<String> {
    let (free, cap) = (ds.free_space?, ds.capacity);
    let bad = if free < 0 {
        format!("negative free space ({free} bytes)")
    } else if let Some(c) = cap.filter(|&c| c <= 0) {
        format!("a capacity of {c} bytes")
    } else if let Some(c) = cap.filter(|&c| free > c) {
        format!("more free space ({free} bytes) than capacity ({c} bytes)")
    } else {
        return None;
    };
    Some(format!(
        "the vCenter reports {bad} for the datastore {}, which cannot be true: refresh the datastore's storage information (Datastore > Refresh Capacity Information) and check it in the vSphere Client",
        ds.path
    ))
}

/// The registry's entry for the target network.
pub fn run_network(f: &Facts<'_>) -> Outcome {
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
    fn space_thresholds_and_duplicate_names() {
        let mut d = datacenter();
        let dsf = d.datastore.clone();
        let ds = d.b.add("Datastore", "datastore-1", "ds1", &dsf);
        d.b.with(&ds, |e| e.free_space = Some(150 * GIB));
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
        let f = datastore(s.get(&ds).unwrap());
        assert_eq!(f[0].severity, Severity::Warning);
        let mut e = s.get(&ds).unwrap().clone();
        e.free_space = Some(50 * GIB);
        assert_eq!(datastore(&e)[0].severity, Severity::Error);
        e.free_space = Some(300 * GIB);
        assert!(datastore(&e).is_empty());
        let f = network(&s, s.get(&n1).unwrap());
        assert_eq!(f[0].code, "duplicate-network");
        assert!(
            f[0].message.contains("/DC0/network/sub/VM Network"),
            "{}",
            f[0].message
        );
    }
}
