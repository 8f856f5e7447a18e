//! Resource pools and vApps with their owners: a standalone host's pool has
//! no HA ("Default host resource pools are unavailable for deployment").

use serde::Serialize;

use super::facts::Facts;
use super::finding::{EntityRef, Finding, Severity, list_paths};
use super::outcome::Outcome;
use crate::inventory::{Entity, Snapshot};
use crate::vsphere::MoRef;

pub const CHECK: &str = "pools";

const COMPUTE: &[&str] = &["ComputeResource", "ClusterComputeResource"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PoolKind {
    Host,
    Cluster,
    /// The owner is not visible to this user and no ancestor tells.
    Unknown,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolRow {
    pub entity: EntityRef,
    pub owner: Option<EntityRef>,
    pub kind: PoolKind,
    pub root: bool,
    pub vapp: bool,
    /// The owning cluster's HA state; absent for hosts and unknown owners.
    pub ha_enabled: Option<bool>,
}

/// The compute resource a pool belongs to: `owner` when visible, else the
/// nearest compute resource up the parent chain.
pub fn owner<'a>(snap: &'a Snapshot, pool: &'a Entity) -> Option<&'a Entity> {
    pool.owner
        .as_ref()
        .and_then(|o| snap.get(o))
        .or_else(|| snap.ancestor_of_kind(pool, COMPUTE))
}

/// The compute resource that owns `pool` and its hosts, or why they are
/// out of reach (not visible, or not read).
pub fn hosts<'a>(
    snap: &'a Snapshot,
    pool: &'a Entity,
) -> Result<(&'a Entity, &'a [MoRef]), String> {
    let cr = owner(snap, pool).ok_or_else(|| {
        format!(
            "the cluster or host that owns {} is not visible to this user: grant it Read-only on the cluster (or host) of the pool",
            pool.path
        )
    })?;
    let hosts = cr.hosts.as_deref().ok_or_else(|| {
        format!(
            "the hosts of {} were not read (ComputeResource.host): grant the user Read-only on the cluster and its hosts, or write the snapshot again with --save",
            cr.path
        )
    })?;
    Ok((cr, hosts))
}

pub fn row(snap: &Snapshot, pool: &Entity) -> PoolRow {
    let owner = owner(snap, pool);
    let kind = match owner.map(Entity::kind) {
        Some("ClusterComputeResource") => PoolKind::Cluster,
        Some("ComputeResource") => PoolKind::Host,
        _ => match pool.owner.as_ref().map(|m| &*m.kind) {
            Some("ClusterComputeResource") => PoolKind::Cluster,
            Some("ComputeResource") => PoolKind::Host,
            _ => PoolKind::Unknown,
        },
    };
    PoolRow {
        entity: pool.into(),
        owner: owner.map(EntityRef::from),
        kind,
        root: pool
            .parent
            .as_ref()
            .is_some_and(|p| COMPUTE.contains(&&*p.kind)),
        vapp: pool.kind() == "VirtualApp",
        ha_enabled: owner.and_then(|o| o.ha_enabled),
    }
}

pub fn rows(snap: &Snapshot) -> Vec<PoolRow> {
    snap.of_kind(&["ResourcePool", "VirtualApp"])
        .map(|p| row(snap, p))
        .collect()
}

/// `host-resource-pool`: an error for the target, info for the others.
pub fn check(snap: &Snapshot, target: Option<&Entity>) -> Vec<Finding> {
    let mut out = Vec::new();
    for pool in snap.of_kind(&["ResourcePool", "VirtualApp"]) {
        let is_target = target.is_some_and(|t| t.moref == pool.moref);
        let r = row(snap, pool);
        match r.kind {
            PoolKind::Host => {
                let cluster_pools: Vec<&str> = snap
                    .of_kind(&["ResourcePool"])
                    .filter(|p| row(snap, p).kind == PoolKind::Cluster)
                    .filter(|p| {
                        snap.datacenter_of(p).map(|d| &d.moref)
                            == snap.datacenter_of(pool).map(|d| &d.moref)
                    })
                    .map(|p| p.path.as_str())
                    .collect();
                let host = r.owner.as_ref().map(|o| o.name.as_str()).unwrap_or("?");
                out.push(Finding::new(
                    "pools",
                    if is_target { Severity::Error } else { Severity::Info },
                    "host-resource-pool",
                    Some(pool),
                    format!(
                        "{} belongs to the standalone host {host}: an appliance there has no high availability if the host fails",
                        pool.path
                    ),
                    format!(
                        "deploy into a cluster's resource pool instead, such as {}",
                        list_paths(cluster_pools, 5)
                    ),
                ));
            }
            PoolKind::Unknown if is_target => out.push(Finding::new(
                "pools",
                Severity::Warning,
                "host-resource-pool",
                Some(pool),
                format!(
                    "cannot tell whether {} belongs to a cluster: its owner is not visible to this user",
                    pool.path
                ),
                "grant the deploying user Read-only on the pool's cluster or host, then run the audit again".into(),
            )),
            _ => {}
        }
    }
    out
}

/// The registry's entry. With a target only the target matters (the other
/// host pools are notes `vaudit pools` lists without one).
pub fn run(f: &Facts<'_>) -> Outcome {
    let target = f.targets.pool;
    match f.snapshot() {
        Some(snap) => Outcome::Verified(
            check(snap, target)
                .into_iter()
                .filter(|x| f.whole_inventory || target.is_none() || x.severity != Severity::Info)
                .collect(),
        ),
        None => Outcome::not_verified("no inventory"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::datacenter;

    #[test]
    fn standalone_host_pool_is_flagged_cluster_pools_and_vapps_are_not() {
        let mut d = datacenter();
        let vapp = d.b.add("VirtualApp", "resgroup-v20", "app", &d.child_pool);
        let cluster = d.cluster.clone();
        d.b.with(&vapp, |e| e.owner = Some(cluster));
        let (host_pool, child, root) = (
            d.host_pool.clone(),
            d.child_pool.clone(),
            d.cluster_pool.clone(),
        );
        let s = d.b.build();

        let f = check(&s, s.get(&host_pool));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "host-resource-pool");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].message.contains("esx1.example.com"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].remedy.contains("/DC0/host/C0/Resources"),
            "{}",
            f[0].remedy
        );

        // Not the target: still reported, as info.
        let f = check(&s, s.get(&child));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Info);

        for t in [child, root, vapp] {
            let r = row(&s, s.get(&t).unwrap());
            assert_eq!(r.kind, PoolKind::Cluster, "{t}");
            assert_eq!(r.ha_enabled, Some(true));
        }
        let r = row(&s, s.get(&host_pool).unwrap());
        assert!(r.root && !r.vapp && r.kind == PoolKind::Host);
        let v = rows(&s);
        assert_eq!(v.iter().filter(|r| r.vapp).count(), 1);
    }

    #[test]
    fn pool_with_no_visible_owner() {
        let mut b = crate::inventory::fixture::Builder::new();
        let hidden = crate::vsphere::MoRef::new("Folder", "group-hidden");
        let p = b.add("ResourcePool", "resgroup-1", "Orphan", &hidden);
        let s = b.build();
        let r = row(&s, s.get(&p).unwrap());
        assert_eq!(r.kind, PoolKind::Unknown);
        let f = check(&s, s.get(&p));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(check(&s, None).is_empty());
    }
}
