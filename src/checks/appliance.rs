//! `vaudit diagnose`: the deployed appliance VM checked against the
//! guide's run-time failures. Each function judges what the diagnosis
//! gathered (`inventory::appliance::Appliance`); none talks to anything.

use std::net::Ipv4Addr;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::target::TargetKind;
use crate::inventory::appliance::{Appliance, FoundBy};
use crate::inventory::{Entity, MoRef, Snapshot};
use crate::vsphere::{VmGuest, host_of};

pub const VM: &str = "appliance-vm";
pub const IP: &str = "appliance-ip";
pub const CONTROL_PLANE: &str = "control-plane";
pub const LOCATION: &str = "appliance-location";
pub const LOGINS: &str = "appliance-logins";
pub const TOOLS: &str = "appliance-tools";
pub const EVENTS: &str = "appliance-events";

/// The port of the bridge's Kubernetes API server.
pub const API_PORT: u16 = 6443;
/// Arc resource bridge must be upgraded within six months of its release,
/// after which its certificates expire; an upgrade replaces the appliance
/// VM, so the VM's age is the time since the last upgrade.
pub const UPGRADE_WINDOW_DAYS: i64 = 183;
/// A month before the window closes: warn.
pub const UPGRADE_WARN_DAYS: i64 = 150;
/// How far back recent events reach.
pub const RECENT_EVENT_DAYS: i64 = 7;

const UPDATE_CREDENTIALS: &str = "update the credentials the appliance keeps with `az arcappliance update-infracredentials vmware --kubeconfig <kubeconfig>` (and `az connectedvmware vcenter connect` if the vCenter's were rotated)";

fn appliance<'a>(f: &Facts<'a>) -> Result<&'a Appliance, Outcome> {
    f.appliance()
        .ok_or_else(|| Outcome::not_verified("the appliance was not looked for in this run"))
}

/// The appliance VMs, or why a check about them cannot run.
fn found<'a>(f: &Facts<'a>) -> Result<&'a [VmGuest], Outcome> {
    let a = appliance(f)?;
    if a.vms.is_empty() {
        return Err(Outcome::not_verified(
            "no appliance VM was found (see the appliance-vm check)",
        ));
    }
    Ok(&a.vms)
}

fn powered_on<'a>(f: &Facts<'a>) -> Result<Vec<&'a VmGuest>, Outcome> {
    let vms = found(f)?;
    let on: Vec<&VmGuest> = vms
        .iter()
        .filter(|v| v.power_state.as_deref() == Some("poweredOn"))
        .collect();
    if on.is_empty() {
        return Err(Outcome::not_verified(
            "the appliance VM is not powered on, so vCenter reports nothing of its guest (see the appliance-vm check)",
        ));
    }
    Ok(on)
}

fn entity<'a>(f: &Facts<'a>, m: &MoRef) -> Option<&'a Entity> {
    f.snapshot().and_then(|s| s.get(m))
}

fn vm_finding(
    f: &Facts<'_>,
    check: &str,
    severity: Severity,
    code: &str,
    vm: &VmGuest,
    message: String,
    remedy: &str,
) -> Finding {
    Finding::new(
        check,
        severity,
        code,
        entity(f, &vm.vm),
        message,
        remedy.into(),
    )
}

fn ipv4(s: Option<&str>) -> Option<Ipv4Addr> {
    s?.trim().parse().ok()
}

/// The node pool `k8snodeippoolstart`–`k8snodeippoolend`, as configured.
pub fn node_pool(f: &Facts<'_>) -> Option<(Ipv4Addr, Ipv4Addr)> {
    let start = ipv4(f.config.node_ip_pool_start.as_deref())?;
    let end = ipv4(f.config.node_ip_pool_end.as_deref()).unwrap_or(start);
    Some((start, end))
}

/// The addresses the appliance may carry, control plane first; a pool
/// larger than 64 addresses is cut (Arc asks for a handful).
pub fn addresses(cfg: &crate::config::ArcConfig) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(cp) = cfg.control_plane_endpoint.as_deref() {
        out.push(host_of(cp).to_string());
    }
    if let Some(start) = ipv4(cfg.node_ip_pool_start.as_deref()) {
        let end = ipv4(cfg.node_ip_pool_end.as_deref()).unwrap_or(start);
        let (s, e) = (u32::from(start), u32::from(end));
        for a in (s..=e.max(s)).take(64) {
            let ip = Ipv4Addr::from(a).to_string();
            if !out.contains(&ip) {
                out.push(ip);
            }
        }
    }
    out
}

pub fn run_vm(f: &Facts<'_>) -> Outcome {
    let a = match appliance(f) {
        Ok(a) => a,
        Err(o) => return o,
    };
    if a.searched.is_empty() && a.template.is_none() {
        return Outcome::not_verified(
            "the config names neither the control-plane endpoint, the node pool nor the template: give --config with the appliance and infra files used to deploy",
        );
    }
    let mut out = Vec::new();
    if a.vms.is_empty() {
        let mut looked = Vec::new();
        if !a.searched.is_empty() {
            looked.push(format!("with a guest address in {}", a.searched.join(", ")));
        }
        if let Some(t) = &a.template {
            looked.push(format!("deployed from the template {t:?}"));
        }
        out.push(Finding::new(
            VM,
            Severity::Error,
            "appliance-vm-not-found",
            None,
            format!("no VM {} exists in this vCenter", looked.join(", nor one ")),
            "check that --config is the configuration the bridge was deployed with; a powered-off appliance reports no addresses, so look for it in vCenter and power it on; if it was deleted, redeploy (az arcappliance delete vmware, then deploy)".into(),
        ));
        return Outcome::Verified(out);
    }
    let how = match a.found_by {
        FoundBy::GuestIp => "by its guest address".to_string(),
        FoundBy::Template => format!(
            "as a VM deployed from the template {:?} (no VM holds a configured address)",
            a.template.as_deref().unwrap_or_default()
        ),
        FoundBy::NotFound => String::new(),
    };
    for vm in &a.vms {
        out.push(vm_finding(
            f,
            VM,
            Severity::Info,
            "appliance-vm-found",
            vm,
            format!(
                "the appliance VM {} ({}) was found {how}",
                vm.name, vm.vm.value
            ),
            "nothing to do",
        ));
        if vm.power_state.as_deref() != Some("poweredOn") {
            out.push(vm_finding(
                f,
                VM,
                Severity::Error,
                "appliance-vm-powered-off",
                vm,
                format!(
                    "the appliance VM {} is {}",
                    vm.name,
                    vm.power_state
                        .as_deref()
                        .unwrap_or("in an unknown power state")
                ),
                "power the appliance VM on; the bridge is Offline while it is off",
            ));
        }
    }
    Outcome::Verified(out)
}

pub fn run_ip(f: &Facts<'_>) -> Outcome {
    let on = match powered_on(f) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let Some(cp) = f.config.control_plane_endpoint.as_deref().map(host_of) else {
        return Outcome::not_verified(
            "no control-plane endpoint: give --config with the appliance file (applianceClusterConfig.controlPlaneEndpoint)",
        );
    };
    let reported: Vec<&&VmGuest> = on.iter().filter(|v| !v.ip_addresses.is_empty()).collect();
    if reported.is_empty() {
        return Outcome::not_verified(
            "VMware Tools in the appliance VM report no guest addresses (see the appliance-tools check)",
        );
    }
    let remedy = "reserve the control-plane endpoint and the node-pool addresses on the DHCP server (or exclude them from its scope), then reboot the appliance VM so it takes them back";
    let mut out = Vec::new();
    if !reported
        .iter()
        .any(|v| v.ip_addresses.iter().any(|a| a == cp))
    {
        let vm = reported[0];
        out.push(vm_finding(
            f,
            IP,
            Severity::Error,
            "appliance-ip-drift",
            vm,
            format!(
                "the appliance VM {} no longer holds the control-plane endpoint {cp}: its guest addresses are {} (the bridge is unreachable)",
                vm.name,
                vm.ip_addresses.join(", ")
            ),
            remedy,
        ));
    }
    if let Some((start, end)) = node_pool(f) {
        for vm in &reported {
            let node = vm
                .primary_ip
                .iter()
                .chain(vm.ip_addresses.iter())
                .find(|a| a.as_str() != cp);
            let Some(node) = node else { continue };
            let inside = node
                .parse::<Ipv4Addr>()
                .is_ok_and(|a| a >= start && a <= end);
            if !inside {
                out.push(vm_finding(
                    f,
                    IP,
                    Severity::Error,
                    "appliance-ip-drift",
                    vm,
                    format!(
                        "the appliance VM {}'s node address {node} is outside the configured node pool {start}–{end}",
                        vm.name
                    ),
                    remedy,
                ));
            }
        }
    }
    Outcome::Verified(out)
}

pub fn run_control_plane(f: &Facts<'_>) -> Outcome {
    let Some(p) = f.probe else {
        return Outcome::not_verified(
            "no control-plane endpoint: give --config with the appliance file (applianceClusterConfig.controlPlaneEndpoint)",
        );
    };
    let here = "the probe ran from this machine, not from the vCenter or the appliance";
    Outcome::Verified(vec![match &p.error {
        None => Finding::new(
            CONTROL_PLANE,
            Severity::Info,
            "control-plane-reachable",
            None,
            format!("the bridge's API server answers at {} ({here})", p.target),
            "nothing to do".into(),
        ),
        Some(e) => Finding::new(
            CONTROL_PLANE,
            Severity::Error,
            "control-plane-unreachable",
            None,
            format!(
                "nothing answers at {}, the bridge's API server: {e} ({here})",
                p.target
            ),
            "check that the appliance VM is on and holds the control-plane endpoint (appliance-ip), and that this machine may reach it on 6443 (firewall); reboot the appliance VM to recover a lost virtual IP".into(),
        ),
    }])
}

pub fn run_location(f: &Facts<'_>) -> Outcome {
    let vms = match found(f) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let Some(snap) = f.snapshot() else {
        return Outcome::not_verified("no inventory was read");
    };
    let given: Vec<TargetKind> = [
        TargetKind::Datacenter,
        TargetKind::Folder,
        TargetKind::Pool,
        TargetKind::Datastore,
        TargetKind::Network,
    ]
    .into_iter()
    .filter(|t| f.spec.get(*t).is_some())
    .collect();
    if given.is_empty() {
        return Outcome::not_verified(
            "the config names no datacenter, folder, pool, datastore or network to compare with: give --config",
        );
    }
    let mut out = Vec::new();
    let remedy = "put the config back in line with where the appliance VM is (or move the VM back): `az arcappliance upgrade` and other operations look the config's objects up by name and fail with \"… not found\"";
    for vm in vms {
        let e = snap.get(&vm.vm);
        for &t in &given {
            let asked = f.spec.get(t).unwrap_or_default();
            let Some(target) = f.targets.get(t) else {
                out.push(vm_finding(
                    f,
                    LOCATION,
                    Severity::Error,
                    "appliance-location-drift",
                    vm,
                    format!(
                        "the config's {} {asked:?} no longer exists (or is not visible), while the appliance VM {} still runs",
                        t.what(),
                        vm.name
                    ),
                    remedy,
                ));
                continue;
            };
            let here: Option<bool> = match t {
                TargetKind::Datacenter => e
                    .and_then(|e| snap.datacenter_of(e))
                    .map(|dc| dc.moref == target.moref),
                TargetKind::Folder => vm.folder.as_ref().map(|m| *m == target.moref),
                TargetKind::Pool => vm.resource_pool.as_ref().map(|m| *m == target.moref),
                // Empty: vCenter did not say, which is not "elsewhere".
                TargetKind::Datastore => {
                    (!vm.datastores.is_empty()).then(|| vm.datastores.contains(&target.moref))
                }
                TargetKind::Network => {
                    (!vm.networks.is_empty()).then(|| vm.networks.contains(&target.moref))
                }
                TargetKind::Template
                | TargetKind::Cluster
                | TargetKind::Host
                | TargetKind::Switch
                | TargetKind::Portgroup => None,
            };
            if here == Some(false) {
                out.push(vm_finding(
                    f,
                    LOCATION,
                    Severity::Error,
                    "appliance-location-drift",
                    vm,
                    format!(
                        "the appliance VM {} is not in the config's {} {} (it was moved, or the config is not the deployed one)",
                        vm.name,
                        t.what(),
                        target.path
                    ),
                    remedy,
                ));
            }
        }
        if let Some(pool) = vm.resource_pool.as_ref().and_then(|p| snap.get(p))
            && host_pool(snap, pool)
        {
            out.push(vm_finding(
                f,
                LOCATION,
                Severity::Error,
                "host-resource-pool",
                vm,
                format!(
                    "the appliance VM {} runs in {}, a standalone host's resource pool: no vSphere HA restarts it when the host fails",
                    vm.name, pool.path
                ),
                "redeploy the bridge into a pool of a cluster with vSphere HA",
            ));
        }
    }
    Outcome::Verified(out)
}

fn host_pool(snap: &Snapshot, pool: &Entity) -> bool {
    super::pools::owner(snap, pool).is_some_and(|o| o.kind() == "ComputeResource")
}

pub fn run_logins(f: &Facts<'_>) -> Outcome {
    let a = match appliance(f) {
        Ok(a) => a,
        Err(o) => return o,
    };
    if a.searched.is_empty() && a.vms.iter().all(|v| v.ip_addresses.is_empty()) {
        return Outcome::not_verified(
            "no address of the appliance is known (config or guest), so its logins cannot be told apart",
        );
    }
    if a.bad_logins.is_empty() {
        return Outcome::Verified(vec![]);
    }
    let mut from: Vec<&str> = a
        .bad_logins
        .iter()
        .filter_map(|e| e.ip_address.as_deref())
        .collect();
    from.sort();
    from.dedup();
    let last = a.bad_logins.last().expect("not empty");
    Outcome::Verified(vec![Finding::new(
        LOGINS,
        Severity::Error,
        "appliance-bad-logins",
        None,
        format!(
            "{} failed vCenter logins (BadUsernameSessionEvent) came from the appliance's addresses {}; the last as {:?} at {}: the credentials it keeps are stale, and retries can lock the account",
            a.bad_logins.len(),
            from.join(", "),
            last.user,
            last.created
        ),
        UPDATE_CREDENTIALS.into(),
    )])
}

fn age_days(created: &str, now: OffsetDateTime) -> Option<i64> {
    let t = OffsetDateTime::parse(created, &Rfc3339).ok()?;
    Some((now - t).whole_days())
}

pub fn run_tools(f: &Facts<'_>) -> Outcome {
    let vms = match found(f) {
        Ok(v) => v,
        Err(o) => return o,
    };
    let mut out = Vec::new();
    for vm in vms {
        if vm.power_state.as_deref() == Some("poweredOn")
            && vm.tools_running.as_deref() != Some("guestToolsRunning")
        {
            out.push(vm_finding(
                f,
                TOOLS,
                Severity::Warning,
                "appliance-tools-not-running",
                vm,
                format!(
                    "VMware Tools do not run in the appliance VM {} ({}), so vCenter cannot see its addresses or shut it down cleanly",
                    vm.name,
                    vm.tools_running.as_deref().unwrap_or("no status")
                ),
                "reboot the appliance VM; if Tools stay down, collect logs with az arcappliance logs vmware",
            ));
        }
        let Some(age) = vm.created.as_deref().and_then(|c| age_days(c, f.now)) else {
            return Outcome::NotVerified {
                reason: format!(
                    "vCenter reports no creation date (config.createDate) for {}, so its age against the six-month upgrade window is unknown",
                    vm.name
                ),
                findings: out,
            };
        };
        let severity = if age > UPGRADE_WINDOW_DAYS {
            Some(Severity::Error)
        } else if age > UPGRADE_WARN_DAYS {
            Some(Severity::Warning)
        } else {
            None
        };
        if let Some(severity) = severity {
            out.push(vm_finding(
                f,
                TOOLS,
                severity,
                "appliance-upgrade-window",
                vm,
                format!(
                    "the appliance VM {} was created {age} days ago: a bridge not upgraded within six months ({UPGRADE_WINDOW_DAYS} days) falls out of support and its certificates expire",
                    vm.name
                ),
                "upgrade the bridge (az arcappliance upgrade vmware --config-file <appliance.yaml>), which replaces the appliance VM",
            ));
        }
    }
    Outcome::Verified(out)
}

pub fn run_events(f: &Facts<'_>) -> Outcome {
    let a = match appliance(f) {
        Ok(a) => a,
        Err(o) => return o,
    };
    if a.vms.is_empty() {
        return Outcome::not_verified("no appliance VM was found (see the appliance-vm check)");
    }
    let recent = a
        .events
        .iter()
        .filter(|e| age_days(&e.created, f.now).is_none_or(|d| d <= RECENT_EVENT_DAYS));
    Outcome::Verified(
        recent
            .map(|e| {
                let vm = a.vms.iter().find(|v| Some(&v.vm) == e.vm.as_ref());
                let who = if e.user.is_empty() {
                    String::new()
                } else {
                    format!(" by {}", e.user)
                };
                let what = if e.message.is_empty() {
                    e.kind.clone()
                } else {
                    format!("{}: {}", e.kind, e.message)
                };
                Finding::new(
                    EVENTS,
                    Severity::Info,
                    "appliance-vm-event",
                    vm.and_then(|v| entity(f, &v.vm)),
                    format!("{} {what}{who}", e.created),
                    "nothing to do unless it explains the failure".into(),
                )
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_the_endpoint_then_the_pool() {
        let cfg = crate::config::ArcConfig {
            control_plane_endpoint: Some("127.0.0.31".into()),
            node_ip_pool_start: Some("127.0.0.30".into()),
            node_ip_pool_end: Some("127.0.0.32".into()),
            ..Default::default()
        };
        assert_eq!(addresses(&cfg), ["127.0.0.31", "127.0.0.30", "127.0.0.32"]);
    }
}
