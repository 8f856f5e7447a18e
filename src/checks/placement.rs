//! `placement`: the appliance VM is placed in the target pool and its disks
//! on the target datastore, so some host of the pool's cluster (or its
//! standalone host) must mount that datastore, be connected and be out of
//! maintenance mode. Each target on its own can look fine while the pair
//! cannot hold the VM.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::pools;
use crate::inventory::{Entity, MoRef, Snapshot};

pub const CHECK: &str = "placement";

/// Why a host cannot take the appliance, or `None` when it can.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HostState {
    Usable,
    Unusable(String),
    /// A fact about it was not readable.
    Unknown(String),
}

fn host_state(h: &Entity) -> HostState {
    match (h.connection_state.as_deref(), h.in_maintenance) {
        (Some("connected"), Some(false)) => HostState::Usable,
        (Some("connected"), Some(true)) => HostState::Unusable("in maintenance mode".into()),
        (Some(state), _) if state != "connected" => HostState::Unusable(state.to_string()),
        _ => HostState::Unknown(format!(
            "the state of the host {} was not read (runtime.connectionState, runtime.inMaintenanceMode)",
            h.path
        )),
    }
}

/// Whether the datastore's mount list says the host mounts it and can use it:
/// `Some(false)` for not mounted or inaccessible, `None` when it does not say.
fn mounted_on(mounts: &[crate::inventory::HostMount], host: &MoRef) -> Option<bool> {
    match mounts.iter().find(|m| &m.host == host) {
        None => Some(false),
        Some(m) if m.mounted == Some(false) || m.accessible == Some(false) => Some(false),
        Some(m) if m.accessible == Some(true) => Some(true),
        Some(_) => None,
    }
}

/// The datastores the host mounts and can reach, by name.
fn datastores_of<'a>(snap: &'a Snapshot, host: &MoRef) -> Vec<&'a str> {
    let mut v: Vec<&str> = snap
        .of_kind(&["Datastore"])
        .filter(|d| {
            d.mounts
                .as_deref()
                .is_some_and(|m| mounted_on(m, host) == Some(true))
        })
        .map(|d| d.name.as_str())
        .collect();
    v.sort_unstable();
    v
}

/// The hosts the appliance's disks can be written through: those of the
/// pool's compute resource that mount the datastore, minus those known to
/// be disconnected, in maintenance or unable to reach it (a host whose
/// state or access was not reported stays in: it may be chosen). `Err`
/// says why the list cannot be told. The `upload-path` probe and check both
/// take their hosts from here.
pub fn candidates<'a>(
    snap: &'a Snapshot,
    pool: &Entity,
    ds: &Entity,
) -> Result<Vec<&'a Entity>, String> {
    let (cr, hosts) = pools::hosts(snap, pool)?;
    let mounts = ds.mounts.as_deref().ok_or_else(|| {
        format!(
            "the hosts that mount {} were not read (Datastore.host): grant the user Read-only on the datastore, or write the snapshot again with --save",
            ds.path
        )
    })?;
    let mut out = Vec::new();
    for h in hosts {
        if mounted_on(mounts, h) == Some(false) {
            continue;
        }
        let host = snap.get(h).ok_or_else(|| {
            format!(
                "the host {h} of {} is not visible to this user: grant it Read-only on the hosts of {}",
                cr.path, cr.path
            )
        })?;
        if !matches!(host_state(host), HostState::Unusable(_)) {
            out.push(host);
        }
    }
    Ok(out)
}

/// `datastore-not-on-pool-hosts`, or why it could not be told.
pub fn check(snap: &Snapshot, pool: &Entity, ds: &Entity) -> Outcome {
    let Some(cr) = pools::owner(snap, pool) else {
        return Outcome::not_verified(format!(
            "the cluster or host that owns {} is not visible to this user: grant it Read-only on the cluster (or host) of the pool",
            pool.path
        ));
    };
    let Some(hosts) = cr.hosts.as_deref() else {
        return Outcome::not_verified(format!(
            "the hosts of {} were not read (ComputeResource.host): grant the user Read-only on the cluster and its hosts, or write the snapshot again with --save",
            cr.path
        ));
    };
    let Some(mounts) = ds.mounts.as_deref() else {
        return Outcome::not_verified(format!(
            "the hosts that mount {} were not read (Datastore.host): grant the user Read-only on the datastore, or write the snapshot again with --save",
            ds.path
        ));
    };
    let mut unknown = Vec::new();
    let mut described = Vec::new();
    for h in hosts {
        let Some(host) = snap.get(h) else {
            unknown.push(format!("the host {h} is not visible to this user"));
            described.push(format!("{h} (not visible)"));
            continue;
        };
        let state = host_state(host);
        let mounted = mounted_on(mounts, h);
        match (&state, mounted) {
            (HostState::Usable, Some(true)) => return Outcome::Verified(vec![]),
            (HostState::Unknown(why), _) => unknown.push(why.clone()),
            (_, None) => unknown.push(format!(
                "whether {} can reach {} was not reported (DatastoreHostMount.mountInfo.accessible)",
                host.name, ds.name
            )),
            _ => {}
        }
        let state = match state {
            HostState::Usable => String::new(),
            HostState::Unusable(s) => format!(" ({s})"),
            HostState::Unknown(_) => " (state unknown)".into(),
        };
        let dss = datastores_of(snap, h);
        let dss = if dss.is_empty() {
            "no datastore".to_string()
        } else {
            dss.join(", ")
        };
        described.push(format!("{}{state} mounts {dss}", host.name));
    }
    if !unknown.is_empty() {
        return Outcome::not_verified(format!(
            "{}; grant the user Read-only on the hosts of {}",
            unknown.join("; "),
            cr.path
        ));
    }
    let hosts_text = if described.is_empty() {
        format!("{} has no host", cr.path)
    } else {
        format!("the hosts of {}: {}", cr.path, described.join("; "))
    };
    Outcome::Verified(vec![Finding::new(
        CHECK,
        Severity::Error,
        "datastore-not-on-pool-hosts",
        Some(ds),
        format!(
            "{} is not mounted on any connected host of {} outside maintenance mode, so the appliance VM placed in {} cannot have its disks there; {hosts_text}",
            ds.path, cr.path, pool.path
        ),
        format!(
            "choose a datastore those hosts mount, mount {} on a host of {}, or choose a pool whose hosts mount it",
            ds.name, cr.name
        ),
    )])
}

/// The registry's entry: the target pool and datastore together.
pub fn run(f: &Facts<'_>) -> Outcome {
    match (f.snapshot(), f.targets.pool, f.targets.datastore) {
        (Some(snap), Some(pool), Some(ds)) => check(snap, pool, ds),
        _ => Outcome::not_verified("no pool or datastore"),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::inventory::HostMount;
    use crate::inventory::fixture::{Dc, datacenter};

    pub fn host(
        d: &mut Dc,
        id: &str,
        name: &str,
        parent: &MoRef,
        state: &str,
        maint: bool,
    ) -> MoRef {
        let h = d.b.add("HostSystem", id, name, parent);
        d.b.with(&h, |e| {
            e.connection_state = Some(state.into());
            e.in_maintenance = Some(maint);
            e.cpu_mhz = Some(2000);
            e.product_version = Some("8.0.2".into());
        });
        h
    }

    pub fn mount(host: &MoRef) -> HostMount {
        HostMount {
            host: host.clone(),
            mounted: Some(true),
            accessible: Some(true),
        }
    }

    /// A cluster of two hosts and a standalone host; `shared` is on all of
    /// them, `local` only on the standalone host.
    pub struct Placed {
        pub s: Snapshot,
        pub pool: MoRef,
        pub shared: MoRef,
        pub local: MoRef,
        pub h1: MoRef,
    }

    pub fn placed(h1_state: &str, h2_maint: bool, set_hosts: bool) -> Placed {
        let mut d = datacenter();
        let (cluster, standalone, dsf) =
            (d.cluster.clone(), d.standalone.clone(), d.datastore.clone());
        let h1 = host(&mut d, "host-1", "esx-a", &cluster, h1_state, false);
        let h2 = host(&mut d, "host-2", "esx-b", &cluster, "connected", h2_maint);
        let h3 = host(
            &mut d,
            "host-3",
            "esx1.example.com",
            &standalone,
            "connected",
            false,
        );
        if set_hosts {
            let (a, b) = (h1.clone(), h2.clone());
            d.b.with(&cluster, |e| e.hosts = Some(vec![a, b]));
            let c = h3.clone();
            d.b.with(&standalone, |e| e.hosts = Some(vec![c]));
        }
        let shared = d.b.add("Datastore", "datastore-1", "shared", &dsf);
        let ms = vec![mount(&h1), mount(&h2), mount(&h3)];
        d.b.with(&shared, |e| e.mounts = Some(ms));
        let local = d.b.add("Datastore", "datastore-2", "local", &dsf);
        let ml = vec![mount(&h3)];
        d.b.with(&local, |e| e.mounts = Some(ml));
        let pool = d.child_pool.clone();
        Placed {
            s: d.b.build(),
            pool,
            shared,
            local,
            h1,
        }
    }

    fn run_on(p: &Placed, ds: &MoRef) -> Outcome {
        check(&p.s, p.s.get(&p.pool).unwrap(), p.s.get(ds).unwrap())
    }

    #[test]
    fn a_datastore_the_cluster_mounts_passes() {
        let p = placed("connected", false, true);
        assert_eq!(run_on(&p, &p.shared), Outcome::Verified(vec![]));
    }

    #[test]
    fn a_datastore_only_on_the_standalone_host_is_a_finding_naming_hosts_and_their_datastores() {
        let p = placed("connected", false, true);
        let Outcome::Verified(f) = run_on(&p, &p.local) else {
            panic!("not verified")
        };
        assert_eq!(f[0].code, "datastore-not-on-pool-hosts");
        assert_eq!(f[0].severity, Severity::Error);
        let m = &f[0].message;
        assert!(
            m.contains("esx-a mounts shared") && m.contains("esx-b mounts shared"),
            "{m}"
        );
    }

    #[test]
    fn hosts_disconnected_or_in_maintenance_do_not_count() {
        let p = placed("disconnected", true, true);
        let Outcome::Verified(f) = run_on(&p, &p.shared) else {
            panic!("not verified")
        };
        let m = &f[0].message;
        assert!(
            m.contains("esx-a (disconnected)") && m.contains("esx-b (in maintenance mode)"),
            "{m}"
        );
    }

    #[test]
    fn unread_hosts_are_not_verified() {
        let p = placed("connected", false, false);
        assert!(matches!(run_on(&p, &p.shared), Outcome::NotVerified { .. }));
    }

    #[test]
    fn unread_mounts_or_host_state_are_not_verified() {
        let mut p = placed("connected", false, true);
        let i =
            p.s.entities
                .iter()
                .position(|e| e.moref == p.shared)
                .unwrap();
        p.s.entities[i].mounts = None;
        assert!(matches!(run_on(&p, &p.shared), Outcome::NotVerified { .. }));
        let mut p = placed("connected", true, true);
        let i = p.s.entities.iter().position(|e| e.moref == p.h1).unwrap();
        p.s.entities[i].connection_state = None;
        let Outcome::NotVerified { reason, .. } = run_on(&p, &p.shared) else {
            panic!("verified")
        };
        assert!(reason.contains("esx-a"), "{reason}");
    }
}
