//! `support-matrix`: the vCenter, the ESXi hosts behind the target pool and
//! the inventory's size against the limits Arc documents. The matrix is data
//! (`data/support-matrix.toml`, with its source and date) so that a user can
//! follow Microsoft's matrix without a new vaudit: `--support-matrix FILE`.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::pools;
use super::target::{TargetKind, missing_target};
use crate::inventory::{Entity, Snapshot};

pub const CHECK: &str = "support-matrix";

pub use super::matrix::{Entry, MatrixError, Support, SupportMatrix, embedded, load, lookup};

fn listed(entries: &[Entry]) -> String {
    entries
        .iter()
        .map(|e| match e.status {
            Support::Supported => e.version.clone(),
            Support::Deprecated => format!("{} (deprecated)", e.version),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `unsupported-version` for one product's version, if it needs one.
fn judge(
    m: &SupportMatrix,
    entries: &[Entry],
    what: &str,
    version: &str,
    entity: Option<&Entity>,
) -> Option<Finding> {
    let (severity, state) = match lookup(entries, version).map(|e| e.status) {
        Some(Support::Supported) => return None,
        Some(Support::Deprecated) => (Severity::Warning, "deprecated"),
        None => (Severity::Error, "not supported"),
    };
    Some(Finding::new(
        CHECK,
        severity,
        "unsupported-version",
        entity,
        format!(
            "{what} {version:?} is {state} by the Arc resource bridge (supported: {}; matrix of {}, {})",
            listed(entries),
            m.date,
            m.source
        ),
        format!(
            "upgrade {what} to a supported version before deploying, or give the current matrix with --support-matrix FILE"
        ),
    ))
}

/// The vCenter's version and the inventory's size.
pub fn vcenter(m: &SupportMatrix, snap: &Snapshot) -> Result<Vec<Finding>, String> {
    let version = snap.vcenter.version.trim();
    if version.is_empty() {
        return Err("the vCenter did not report its version (ServiceContent.about)".into());
    }
    let mut out: Vec<Finding> = judge(m, &m.vcenter, "the vCenter", version, None)
        .into_iter()
        .collect();
    let vms = snap.of_kind(&["VirtualMachine"]).count();
    if vms > m.max_vms {
        out.push(Finding::new(
            CHECK,
            Severity::Warning,
            "inventory-too-large",
            None,
            format!(
                "this vCenter holds {vms} VMs (templates included); Arc-enabled VMware vSphere supports at most {} per vCenter",
                m.max_vms
            ),
            "remove unused VMs and templates, or split the inventory across vCenters".into(),
        ));
    }
    Ok(out)
}

/// The ESXi versions of the hosts of the pool's compute resource.
pub fn esxi(m: &SupportMatrix, snap: &Snapshot, pool: &Entity) -> Result<Vec<Finding>, String> {
    let (cr, hosts) = pools::hosts(snap, pool)?;
    let mut out = Vec::new();
    let mut unread = Vec::new();
    for h in hosts {
        match snap.get(h) {
            Some(host) => match host.product_version.as_deref() {
                Some(v) if !v.trim().is_empty() => out.extend(judge(
                    m,
                    &m.esxi,
                    &format!("the ESXi host {}", host.name),
                    v.trim(),
                    Some(host),
                )),
                _ => unread.push(host.path.clone()),
            },
            None => unread.push(h.to_string()),
        }
    }
    if unread.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "the ESXi version of {} was not read (config.product.version): grant the user Read-only on the hosts of {}",
            unread.join(", "),
            cr.path
        ))
    }
}

/// The registry's entry. Without a pool the vCenter is still judged, and
/// the check says the hosts were not.
pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(snap) = f.snapshot() else {
        return Outcome::not_verified("no inventory");
    };
    let m = f.support_matrix;
    let mut findings = Vec::new();
    let mut unverified = Vec::new();
    match vcenter(m, snap) {
        Ok(v) => findings.extend(v),
        Err(why) => unverified.push(why),
    }
    match (missing_target(TargetKind::Pool, f), f.targets.pool) {
        (None, Some(pool)) => match esxi(m, snap, pool) {
            Ok(v) => findings.extend(v),
            Err(why) => unverified.push(why),
        },
        (why, _) => unverified.push(format!(
            "the ESXi hosts behind the pool were not checked: {}",
            why.unwrap_or_else(|| "no resource pool".into())
        )),
    }
    Outcome::partly(findings, unverified)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::matrix::{EMBEDDED, parse};
    use crate::checks::placement::tests::placed;

    #[test]
    fn the_embedded_matrix_parses_and_matches_by_prefix() {
        let m = embedded();
        assert!(m.source.starts_with("https://") && !m.date.is_empty());
        assert_eq!(
            lookup(&m.vcenter, "8.0.2").unwrap().status,
            Support::Supported
        );
        assert_eq!(
            lookup(&m.vcenter, "7.0.3").unwrap().status,
            Support::Deprecated
        );
        assert!(lookup(&m.vcenter, "6.7.0").is_none());
        assert!(lookup(&m.vcenter, "80.0").is_none());
        assert!(lookup(&m.vcenter, "").is_none());
        assert!(lookup(&m.vcenter, "8.x").is_none());
    }

    #[test]
    fn vcenter_versions_and_inventory_size() {
        let m = embedded();
        let mut s = placed("connected", false, true).s;
        assert!(vcenter(m, &s).is_err());
        s.vcenter.version = "8.0.2".into();
        assert!(vcenter(m, &s).unwrap().is_empty());
        s.vcenter.version = "7.0.3".into();
        assert_eq!(vcenter(m, &s).unwrap()[0].severity, Severity::Warning);
        s.vcenter.version = "6.7.0".into();
        let f = vcenter(m, &s).unwrap();
        assert_eq!(
            (f[0].code.as_str(), f[0].severity),
            ("unsupported-version", Severity::Error)
        );
        let small = SupportMatrix {
            max_vms: 0,
            ..m.clone()
        };
        let mut s = s.clone();
        s.vcenter.version = "8.0.2".into();
        s.entities.push(Entity {
            moref: crate::inventory::MoRef::new("VirtualMachine", "vm-1"),
            ..Default::default()
        });
        assert_eq!(vcenter(&small, &s).unwrap()[0].code, "inventory-too-large");
    }

    #[test]
    fn esxi_versions_of_the_pools_hosts() {
        let m = embedded();
        let mut p = placed("connected", false, true);
        let pool = p.s.get(&p.pool).unwrap().clone();
        assert!(esxi(m, &p.s, &pool).unwrap().is_empty());
        let i = p.s.entities.iter().position(|e| e.moref == p.h1).unwrap();
        p.s.entities[i].product_version = Some("6.7.0".into());
        let f = esxi(m, &p.s, &pool).unwrap();
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("esx-a"), "{}", f[0].message);
        p.s.entities[i].product_version = None;
        assert!(esxi(m, &p.s, &pool).is_err());
    }

    #[test]
    fn a_bad_matrix_file_is_an_error() {
        assert!(parse("source = 1", "x").is_err());
        let bad = EMBEDDED.replace("version = \"8.0\"", "version = \"eight\"");
        assert!(parse(&bad, "x").is_err());
    }
}
