//! What vCenter knows of a VM's guest: the addresses VMware Tools reports,
//! whether Tools runs, and where the VM sits; and `SearchIndex.FindAllByIp`,
//! which finds VMs by those addresses.

use serde::{Deserialize, Serialize};

use super::envelope::Request;
use super::error::Error;
use super::session::Client;
use super::types::MoRef;
use super::xml::Node;

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

impl Client {
    /// The guest facts of each VM (one call). A VM deleted since it was
    /// found fails the call with `ManagedObjectNotFound` naming it, as
    /// vCenter answers a reference to a deleted object: the caller decides
    /// what that means.
    pub async fn vm_guests(&self, vms: &[MoRef]) -> Result<Vec<VmGuest>, Error> {
        if vms.is_empty() {
            return Ok(vec![]);
        }
        let pc = self.content().property_collector.clone();
        let mut req = Request::new("RetrievePropertiesEx", &pc);
        req.open("specSet")
            .open("propSet")
            .text("type", "VirtualMachine");
        for p in VM_PATHS {
            req.text("pathSet", p);
        }
        req.close("propSet");
        for vm in vms {
            req.open("objectSet").moref("obj", vm).close("objectSet");
        }
        req.close("specSet");
        req.open("options").close("options");
        let step = "RetrievePropertiesEx";
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree(step, &body)?;
        let mut out = Vec::new();
        for o in node
            .children_named("returnval")
            .flat_map(|r| r.children_named("objects"))
        {
            if o.children_named("missingSet").any(|m| {
                m.child("fault").and_then(|f| f.xsi_type.as_deref()) == Some("NotAuthenticated")
            }) {
                return Err(Client::not_authenticated(step));
            }
            let Some(obj) = o.child("obj") else { continue };
            out.push(decode_vm(moref(obj, "VirtualMachine"), o));
        }
        Ok(out)
    }
}

fn moref(n: &Node, default: &str) -> MoRef {
    MoRef::new(n.attr("type").unwrap_or(default), n.text.trim())
}

fn decode_vm(vm: MoRef, o: &Node) -> VmGuest {
    let mut g = VmGuest {
        vm,
        ..Default::default()
    };
    for p in o.children_named("propSet") {
        let Some(val) = p.child("val") else { continue };
        let text = || Some(val.text.trim().to_string()).filter(|s| !s.is_empty());
        let morefs = |kind: &str| val.children.iter().map(|c| moref(c, kind)).collect();
        match p.text_of("name").unwrap_or_default() {
            "name" => g.name = val.text.trim().to_string(),
            "parent" => g.folder = Some(moref(val, "Folder")),
            "resourcePool" => g.resource_pool = Some(moref(val, "ResourcePool")),
            "runtime.powerState" => g.power_state = text(),
            "runtime.host" => g.host = Some(moref(val, "HostSystem")),
            "guest.ipAddress" => g.primary_ip = text(),
            "guest.toolsRunningStatus" => g.tools_running = text(),
            "config.createDate" => g.created = text(),
            "config.template" => g.template = val.text.trim() == "true",
            "datastore" => g.datastores = morefs("Datastore"),
            "network" => g.networks = morefs("Network"),
            "guest.net" => {
                for nic in &val.children {
                    for ip in nic.children_named("ipAddress") {
                        let ip = ip.text.trim();
                        if !ip.is_empty() && !g.ip_addresses.iter().any(|a| a == ip) {
                            g.ip_addresses.push(ip.to_string());
                        }
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
    use crate::vsphere::xml::Cursor;

    #[test]
    fn decodes_addresses_of_every_nic_once() {
        let xml = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><RetrievePropertiesExResponse xmlns="urn:vim25"><returnval><objects><obj type="VirtualMachine">vm-1</obj>
<propSet><name>guest.net</name><val xsi:type="ArrayOfGuestNicInfo"><GuestNicInfo><network>VM Network</network><ipAddress>127.0.0.30</ipAddress><ipAddress>127.0.0.31</ipAddress></GuestNicInfo><GuestNicInfo><ipAddress>127.0.0.30</ipAddress></GuestNicInfo></val></propSet>
<propSet><name>runtime.powerState</name><val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>
<propSet><name>datastore</name><val xsi:type="ArrayOfManagedObjectReference"><ManagedObjectReference type="Datastore">datastore-1</ManagedObjectReference></val></propSet>
</objects></returnval></RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"#;
        let mut cur = Cursor::new(xml.as_bytes());
        let tag = cur.enter_body().unwrap();
        let node = Node::read(&mut cur, tag).unwrap();
        let o = node.child("returnval").unwrap().child("objects").unwrap();
        let g = decode_vm(MoRef::new("VirtualMachine", "vm-1"), o);
        assert_eq!(g.ip_addresses, ["127.0.0.30", "127.0.0.31"]);
        assert_eq!(g.power_state.as_deref(), Some("poweredOn"));
        assert_eq!(g.datastores, [MoRef::new("Datastore", "datastore-1")]);
    }
}
