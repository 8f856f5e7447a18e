//! `capacity`: room for the appliance VM. Arc's system requirements: 8 GB
//! memory and 4 vCPU for the VM, 200 GB free on its datastore for deployment
//! and upgrades.
//!
//! Memory and CPU are judged on the target pool's `unreservedForVm`, which is
//! what vSphere's admission control will let a new VM reserve there, an
//! expandable reservation's borrowing from its parents included. The pool
//! counts CPU in MHz: 4 vCPU are 4 cores at the speed of the fastest
//! connected host of the pool's compute resource (the VM may land on it).
//!
//! The 400 GB of a highly available deployment is not applied: the VMware
//! `*-appliance.yaml` / `*-infra.yaml` that `az arcappliance createconfig
//! vmware` writes has no key asking for one, so 200 GB is the threshold.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::pools;
use crate::inventory::{Entity, Snapshot};

pub const CHECK: &str = "capacity";

/// GB as vSphere shows it: 2^30 bytes (the stricter reading of Arc's "GB").
const GIB: i64 = 1 << 30;
/// Free space the deployment and its upgrades need.
pub const DATASTORE_NEEDED_GIB: i64 = 200;
/// Below this, a warning: the next upgrade's images will not fit for long.
pub const DATASTORE_WARN_GIB: i64 = 250;
pub const MEMORY_NEEDED_GIB: i64 = 8;
pub const VCPUS_NEEDED: i64 = 4;

/// `datastore-space` on free space that is known and possible.
pub fn datastore(ds: &Entity, free: i64) -> Vec<Finding> {
    let severity = if free < DATASTORE_NEEDED_GIB * GIB {
        Severity::Error
    } else if free < DATASTORE_WARN_GIB * GIB {
        Severity::Warning
    } else {
        return vec![];
    };
    vec![Finding::new(
        CHECK,
        severity,
        "datastore-space",
        Some(ds),
        format!(
            "{} has {} GB free; the appliance needs {DATASTORE_NEEDED_GIB} GB for deployment and upgrades ({DATASTORE_WARN_GIB} GB leaves room)",
            ds.path,
            free / GIB
        ),
        "free space on the datastore or choose another one".into(),
    )]
}

/// Free space below zero or above the capacity, or no capacity at all, is a
/// server answer that cannot be true: no verdict rests on it.
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

/// The datastore's findings, or why there can be none.
fn datastore_space(ds: &Entity) -> Result<Vec<Finding>, String> {
    if let Some(why) = impossible_space(ds) {
        return Err(why);
    }
    match ds.free_space {
        Some(free) => Ok(datastore(ds, free)),
        None => Err(format!(
            "the free space of {} was not read (summary.freeSpace): grant the user Read-only on the datastore",
            ds.path
        )),
    }
}

/// The MHz one vCPU may take: a core of the fastest connected host of the
/// pool's compute resource.
fn mhz_per_vcpu(snap: &Snapshot, pool: &Entity) -> Result<i64, String> {
    let cr = pools::owner(snap, pool).ok_or_else(|| {
        format!(
            "the cluster or host that owns {} is not visible to this user, so its CPU speed is unknown",
            pool.path
        )
    })?;
    let hosts = cr.hosts.as_deref().unwrap_or_default();
    hosts
        .iter()
        .filter_map(|h| snap.get(h))
        .filter(|h| h.connection_state.as_deref() == Some("connected"))
        .filter_map(|h| h.cpu_mhz)
        .filter(|&m| m > 0)
        .max()
        .ok_or_else(|| {
            format!(
                "the CPU speed of the hosts of {} was not read (HostSystem summary.hardware.cpuMhz): grant the user Read-only on the hosts",
                cr.path
            )
        })
}

/// `pool-capacity`, or why it could not be told.
pub fn pool(snap: &Snapshot, pool: &Entity) -> Result<Vec<Finding>, String> {
    let unread = |what: &str| {
        format!(
            "{} of {} was not read: grant the user Read-only on the pool, or write the snapshot again with --save",
            what, pool.path
        )
    };
    let mem = pool
        .unreserved_memory
        .ok_or_else(|| unread("runtime.memory.unreservedForVm"))?;
    let cpu = pool
        .unreserved_cpu
        .ok_or_else(|| unread("runtime.cpu.unreservedForVm"))?;
    if mem < 0 || cpu < 0 {
        return Err(format!(
            "the vCenter reports negative unreserved memory ({mem} bytes) or CPU ({cpu} MHz) for {}, which cannot be true",
            pool.path
        ));
    }
    let mhz = mhz_per_vcpu(snap, pool)?;
    let mut short = Vec::new();
    if mem < MEMORY_NEEDED_GIB * GIB {
        short.push(format!(
            "{:.1} GB memory unreserved (needs {MEMORY_NEEDED_GIB} GB)",
            mem as f64 / GIB as f64
        ));
    }
    if cpu < VCPUS_NEEDED * mhz {
        short.push(format!(
            "{cpu} MHz CPU unreserved (needs {VCPUS_NEEDED} vCPU = {} MHz at {mhz} MHz a core)",
            VCPUS_NEEDED * mhz
        ));
    }
    if short.is_empty() {
        return Ok(vec![]);
    }
    Ok(vec![Finding::new(
        CHECK,
        Severity::Error,
        "pool-capacity",
        Some(pool),
        format!(
            "{} has {}: the appliance VM will not power on there",
            pool.path,
            short.join(" and ")
        ),
        "lower the reservations of the pool's other VMs and child pools, raise the pool's reservation or make it expandable, or choose another pool".into(),
    )])
}

/// The registry's entry: the pool and the datastore, each judged when it
/// can be; one that cannot makes the check not verified, with the other's
/// findings kept.
pub fn run(f: &Facts<'_>) -> Outcome {
    let (Some(snap), Some(p), Some(ds)) = (f.snapshot(), f.targets.pool, f.targets.datastore)
    else {
        return Outcome::not_verified("no pool or datastore");
    };
    let mut findings = Vec::new();
    let mut unverified = Vec::new();
    for r in [datastore_space(ds), pool(snap, p)] {
        match r {
            Ok(f) => findings.extend(f),
            Err(why) => unverified.push(why),
        }
    }
    Outcome::partly(findings, unverified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::placement::tests::placed;

    #[test]
    fn space_thresholds() {
        let ds = Entity::default();
        assert_eq!(datastore(&ds, 150 * GIB)[0].severity, Severity::Error);
        assert_eq!(datastore(&ds, 199 * GIB)[0].severity, Severity::Error);
        assert_eq!(datastore(&ds, 220 * GIB)[0].severity, Severity::Warning);
        assert!(datastore(&ds, 300 * GIB).is_empty());
    }

    #[test]
    fn unknown_or_impossible_space_is_not_verified() {
        let mut ds = Entity::default();
        assert!(datastore_space(&ds).is_err());
        ds.free_space = Some(-1);
        assert!(datastore_space(&ds).is_err());
        ds.free_space = Some(10);
        ds.capacity = Some(5);
        assert!(datastore_space(&ds).is_err());
    }

    fn with_pool(mem_gib: i64, cpu: i64) -> Result<Vec<Finding>, String> {
        let mut p = placed("connected", false, true);
        let i = p.s.entities.iter().position(|e| e.moref == p.pool).unwrap();
        p.s.entities[i].unreserved_memory = Some(mem_gib * GIB);
        p.s.entities[i].unreserved_cpu = Some(cpu);
        pool(&p.s, &p.s.entities[i])
    }

    #[test]
    fn pool_thresholds_at_8_gb_and_4_vcpu() {
        // The fixture's hosts run 2000 MHz cores.
        assert!(with_pool(8, 8000).unwrap().is_empty());
        let f = with_pool(6, 8000).unwrap();
        assert_eq!(f[0].code, "pool-capacity");
        assert!(f[0].message.contains("6.0 GB memory"), "{}", f[0].message);
        let f = with_pool(64, 7999).unwrap();
        assert!(f[0].message.contains("7999 MHz"), "{}", f[0].message);
    }

    #[test]
    fn unread_pool_counters_or_host_speed_are_not_verified() {
        let p = placed("connected", false, true);
        assert!(pool(&p.s, p.s.get(&p.pool).unwrap()).is_err());
        let mut p = placed("connected", false, false);
        let i = p.s.entities.iter().position(|e| e.moref == p.pool).unwrap();
        p.s.entities[i].unreserved_memory = Some(64 * GIB);
        p.s.entities[i].unreserved_cpu = Some(64_000);
        let why = pool(&p.s, &p.s.entities[i]).unwrap_err();
        assert!(why.contains("cpuMhz"), "{why}");
    }
}
