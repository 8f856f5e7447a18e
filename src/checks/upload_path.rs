//! `upload-path`: `az arcappliance deploy` uploads the appliance image from
//! the management machine straight to an ESXi host that mounts the target
//! datastore (`https://<HostSystem.name>/nfc/…/disk-0.vmdk`), not through
//! the vCenter. A host name that does not resolve there ("lookup
//! esx.lab.local: no such host") or a port 443 a firewall blocks ("dial tcp
//! …") fails the deployment with `ImageProvisionError` after the rest has
//! been set up. What the probe (`probe::upload`) saw is judged here.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::placement;
use crate::inventory::{Entity, Snapshot, TargetSpec};
use crate::probe::upload::{HostProbe, PORT, Reach};

pub const CHECK: &str = "upload-path";

/// The names the probe must try: every candidate host of the targets
/// (none when they cannot be told; the check then says why).
pub fn host_names(snap: &Snapshot, spec: &TargetSpec) -> Vec<String> {
    let (t, _) = crate::inventory::resolve_each(snap, spec);
    match (t.pool, t.datastore) {
        (Some(pool), Some(ds)) => placement::candidates(snap, pool, ds)
            .map(|hs| hs.into_iter().map(|h| h.name.clone()).collect())
            .unwrap_or_default(),
        _ => vec![],
    }
}

const WHERE: &str = "from this machine, where az arcappliance deploy uploads the appliance image to the host (https://";

fn unresolvable(host: &Entity, cr: &str, why: String) -> Finding {
    Finding::new(
        CHECK,
        Severity::Error,
        "esxi-unresolvable",
        Some(host),
        format!(
            "the ESXi host {} of {cr} mounts the target datastore, and its name does not resolve {WHERE}{}/nfc/…): {why}",
            host.name, host.name
        ),
        format!(
            "add a DNS record for {} to the DNS servers this machine uses (or give the host a name they resolve and reconnect it to vCenter under it), then run the deployment from here",
            host.name
        ),
    )
}

fn unreachable(host: &Entity, cr: &str, tried: &str) -> Finding {
    Finding::new(
        CHECK,
        Severity::Error,
        "esxi-unreachable",
        Some(host),
        format!(
            "the ESXi host {} of {cr} mounts the target datastore, and its port {PORT} does not answer {WHERE}{}/nfc/…): {tried}",
            host.name, host.name
        ),
        format!(
            "allow TCP {PORT} from this machine to {} in every firewall between them (or run the deployment from a machine that can reach it)",
            host.name
        ),
    )
}

pub fn run(f: &Facts<'_>) -> Outcome {
    let (Some(snap), Some(pool), Some(ds)) = (f.snapshot(), f.targets.pool, f.targets.datastore)
    else {
        return Outcome::not_verified("no pool or datastore");
    };
    let Some(probes) = f.network.and_then(|n| n.upload.as_ref()) else {
        return Outcome::not_verified(
            "the ESXi hosts were not probed: the upload probe needs --config and a live session or a snapshot",
        );
    };
    judge(snap, pool, ds, probes)
}

/// The verdict on the probes of the candidate hosts of `pool` and `ds`.
pub fn judge(snap: &Snapshot, pool: &Entity, ds: &Entity, probes: &[HostProbe]) -> Outcome {
    let hosts = match placement::candidates(snap, pool, ds) {
        Ok(h) => h,
        Err(why) => return Outcome::not_verified(why),
    };
    let cr =
        crate::checks::pools::owner(snap, pool).map_or(pool.path.as_str(), |c| c.path.as_str());
    if hosts.is_empty() {
        return Outcome::not_verified(format!(
            "no connected host of {cr} outside maintenance mode mounts {}, so there is no host to upload the image to (see the placement check)",
            ds.path
        ));
    }
    let mut out = Vec::new();
    let mut unprobed = Vec::new();
    for h in hosts {
        let Some(p) = probes.iter().find(|p| p.name == h.name) else {
            unprobed.push(h.name.clone());
            continue;
        };
        match &p.reach {
            Reach::Local => out.push(unresolvable(
                h,
                cr,
                "a .local name is multicast DNS, which DNS servers do not answer, so it was not looked up".into(),
            )),
            Reach::Unresolvable(e) => out.push(unresolvable(h, cr, e.clone())),
            r @ Reach::Resolved(tried) if !r.answered() => {
                let tried: Vec<String> = tried
                    .iter()
                    .map(|(ip, o)| format!("{ip} {}", o.describe()))
                    .collect();
                out.push(unreachable(h, cr, &tried.join("; ")));
            }
            Reach::Resolved(_) => {}
        }
    }
    if unprobed.is_empty() {
        Outcome::Verified(out)
    } else {
        Outcome::NotVerified {
            reason: format!("not probed: {}", unprobed.join(", ")),
            findings: out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::placement::tests::placed;
    use crate::probe::tcp::TcpOutcome;

    fn on(probes: Vec<(&str, Reach)>) -> Outcome {
        let p = placed("connected", false, true);
        let probes: Vec<HostProbe> = probes
            .into_iter()
            .map(|(n, reach)| HostProbe {
                name: n.into(),
                reach,
            })
            .collect();
        let pool = p.s.get(&p.pool).unwrap();
        let ds = p.s.get(&p.shared).unwrap();
        let hosts = placement::candidates(&p.s, pool, ds).unwrap();
        assert_eq!(
            hosts.iter().map(|h| h.name.as_str()).collect::<Vec<_>>(),
            ["esx-a", "esx-b"]
        );
        super::judge(&p.s, pool, ds, &probes)
    }

    fn ok() -> Reach {
        Reach::Resolved(vec![("127.0.0.5".parse().unwrap(), TcpOutcome::Connected)])
    }

    #[test]
    fn every_host_answering_passes() {
        assert_eq!(
            on(vec![("esx-a", ok()), ("esx-b", ok())]),
            Outcome::Verified(vec![])
        );
    }

    #[test]
    fn a_refused_port_is_unreachable_naming_the_host() {
        let refused = Reach::Resolved(vec![("127.0.0.6".parse().unwrap(), TcpOutcome::Refused)]);
        let Outcome::Verified(f) = on(vec![("esx-a", ok()), ("esx-b", refused)]) else {
            panic!("not verified")
        };
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "esxi-unreachable");
        assert!(f[0].message.contains("esx-b"), "{}", f[0].message);
        assert!(f[0].remedy.contains("TCP 443"), "{}", f[0].remedy);
    }

    #[test]
    fn a_local_name_and_a_failed_lookup_are_unresolvable() {
        let Outcome::Verified(f) = on(vec![
            ("esx-a", Reach::Local),
            ("esx-b", Reach::Unresolvable("no such host".into())),
        ]) else {
            panic!("not verified")
        };
        let codes: Vec<&str> = f.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["esxi-unresolvable", "esxi-unresolvable"]);
        assert!(f[0].message.contains(".local"), "{}", f[0].message);
        assert!(
            f[1].remedy.contains("DNS record for esx-b"),
            "{}",
            f[1].remedy
        );
    }

    #[test]
    fn a_host_left_unprobed_is_not_verified() {
        assert!(matches!(
            on(vec![("esx-a", ok())]),
            Outcome::NotVerified { .. }
        ));
    }
}
