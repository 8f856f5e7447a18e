//! What vCenter knows of a VM's guest: the addresses VMware Tools reports,
//! whether Tools runs, and where the VM sits; and `SearchIndex.FindAllByIp`,
//! which finds VMs by those addresses.

use serde::{Deserialize, Serialize};

use super::error::Error;
use super::fault::{Fault, FaultKind};
use super::property::PropertySpec;
use super::session::Client;
use super::types::{MoRef, ObjectContent, Value};

/// One VM as `vaudit diagnose` judges it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct VmGuest {
    pub vm: MoRef,
    pub name: String,
    /// `runtime.powerState`: `poweredOn`, `poweredOff`, `suspended`.
    pub power_state: Option<String>,
    /// `guest.ipAddress`: the primary address Tools reports.
    pub primary_ip: Option<String>,
    /// Every `guest.net[].ipAddress`, in the order reported.
    pub ip_addresses: Vec<String>,
    /// `guest.toolsRunningStatus`: `guestToolsRunning`, `guestToolsNotRunning`…
    pub tools_running: Option<String>,
    /// `config.createDate` (RFC 3339).
    pub created: Option<String>,
    pub template: bool,
    pub resource_pool: Option<MoRef>,
    pub folder: Option<MoRef>,
    pub datastores: Vec<MoRef>,
    pub networks: Vec<MoRef>,
    /// `runtime.host`.
    pub host: Option<MoRef>,
}

const VM_PATHS: &[&str] = &[
    "name",
    "parent",
    "resourcePool",
    "runtime.powerState",
    "runtime.host",
    "guest.ipAddress",
    "guest.net",
    "guest.toolsRunningStatus",
    "config.createDate",
    "config.template",
    "datastore",
    "network",
];

/// VMs asked for in one request, and the page asked for: the server's own
/// cap (about 100 objects on vCenter) pages it anyway, and the token is
/// followed to the end.
const PAGE: u32 = 1_000;

impl Client {
    /// The guest facts of each VM, paged to the end within the session's
    /// bounds (`Limits`; a page past the byte bound is asked again
    /// smaller). A VM deleted since it was found fails the call with
    /// `ManagedObjectNotFound` naming it, as vCenter answers a reference to
    /// a deleted object without `reportMissingObjectsInResults`: the caller
    /// decides what that means.
    pub async fn vm_guests(&self, vms: &[MoRef]) -> Result<Vec<VmGuest>, Error> {
        if vms.is_empty() {
            return Ok(vec![]);
        }
        let spec = PropertySpec {
            kind: "VirtualMachine",
            paths: VM_PATHS,
        };
        let found = self
            .retrieve_objects_bounded(spec, vms, PAGE, self.transport.limits())
            .await?;
        // Reported missing, or left out of the answer as a RetrieveResult
        // may leave a deleted object out.
        let deleted = |vm: &MoRef| {
            found
                .iter()
                .find(|o| o.obj == *vm)
                .is_none_or(|o| o.missing.iter().any(|m| m.fault == "ManagedObjectNotFound"))
        };
        if let Some(vm) = vms.iter().find(|vm| deleted(vm)) {
            return Err(Error::Fault {
                step: "RetrievePropertiesEx".into(),
                fault: Fault {
                    kind: FaultKind::ManagedObjectNotFound {
                        obj: Some(vm.clone()),
                    },
                    message: format!("The object {vm} has already been deleted"),
                },
            });
        }
        Ok(found.into_iter().map(decode_vm).collect())
    }
}

fn decode_vm(o: ObjectContent) -> VmGuest {
    let mut g = VmGuest {
        vm: o.obj,
        ..Default::default()
    };
    let text = |s: String| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    for (path, val) in o.props {
        match (&*path, val) {
            ("name", Value::String(s)) => g.name = s.trim().to_string(),
            ("parent", Value::MoRef(m)) => g.folder = Some(m),
            ("resourcePool", Value::MoRef(m)) => g.resource_pool = Some(m),
            ("runtime.powerState", Value::String(s)) => g.power_state = text(s),
            ("runtime.host", Value::MoRef(m)) => g.host = Some(m),
            ("guest.ipAddress", Value::String(s)) => g.primary_ip = text(s),
            ("guest.toolsRunningStatus", Value::String(s)) => g.tools_running = text(s),
            ("config.createDate", Value::DateTime(s)) => g.created = text(s),
            ("config.template", Value::Bool(b)) => g.template = b,
            ("datastore", Value::MoRefs(m)) => g.datastores = m,
            ("network", Value::MoRefs(m)) => g.networks = m,
            ("guest.net", Value::Strings(ips)) => {
                for ip in ips {
                    if !ip.is_empty() && !g.ip_addresses.contains(&ip) {
                        g.ip_addresses.push(ip);
                    }
                }
            }
            _ => {}
        }
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsphere::decode_page;

    #[test]
    fn decodes_addresses_of_every_nic_once() {
        let xml = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj>
<propSet><name>guest.net</name><val xsi:type="ArrayOfGuestNicInfo"><GuestNicInfo><network>VM Network</network><ipAddress>127.0.0.30</ipAddress><ipAddress>127.0.0.31</ipAddress><ipConfig><ipAddress><ipAddress>127.0.0.99</ipAddress></ipAddress></ipConfig></GuestNicInfo><GuestNicInfo><ipAddress>127.0.0.30</ipAddress></GuestNicInfo></val></propSet>
<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>
<propSet><name>datastore</name><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">datastore-1</ManagedObjectReference></val></propSet>
</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
        let mut page = decode_page(xml.as_bytes()).unwrap();
        let g = decode_vm(page.objects.remove(0));
        assert_eq!(
            g.ip_addresses,
            ["127.0.0.30", "127.0.0.31"],
            "only each NIC's own addresses, once"
        );
        assert_eq!(g.power_state.as_deref(), Some("poweredOn"));
        assert_eq!(g.datastores, [MoRef::new("Datastore", "datastore-1")]);
    }
}
