//! `SearchIndex.FindAllByIp`: which VMs (by their guest address) and which
//! hosts (by their vNIC addresses) vCenter already knows at an address.

use super::envelope::Request;
use super::error::Error;
use super::session::Client;
use super::types::MoRef;

impl Client {
    /// The VMs (`vm_search`) or hosts holding `ip`, as vCenter sees them.
    /// VMs are found only through VMware Tools' guest address: a VM without
    /// Tools running is not found, which is why the caller probes too.
    pub async fn find_all_by_ip(
        &self,
        ip: &str,
        datacenter: Option<&MoRef>,
        vm_search: bool,
    ) -> Result<Vec<MoRef>, Error> {
        let si = self.require("SearchIndex", &self.content().search_index)?;
        let mut req = Request::new("FindAllByIp", &si);
        // FindAllByIp's parameters in WSDL order: datacenter (left out:
        // every datacenter), ip, vmSearch.
        if let Some(dc) = datacenter {
            req.moref("datacenter", dc);
        }
        req.text("ip", ip);
        req.text("vmSearch", if vm_search { "true" } else { "false" });
        let body = self.transport.call(req).await?;
        let node = self.transport.decode_tree("FindAllByIp", &body)?;
        // An answer without a type attribute still says what was searched.
        let kind = if vm_search {
            "VirtualMachine"
        } else {
            "HostSystem"
        };
        let found: Vec<MoRef> = node
            .children_named("returnval")
            .map(|n| MoRef::new(n.attr("type").unwrap_or(kind), n.text.trim()))
            .collect();
        // Every VM found is asked about again (its guest, its events):
        // no more than the inventory itself may hold.
        let limit = self.transport.limits().max_objects;
        if found.len() > limit {
            return Err(Error::TooLarge {
                endpoint: self.transport.endpoint().to_string(),
                what: "objects",
                limit,
                during: format!("in answer to FindAllByIp for {ip}"),
            });
        }
        Ok(found)
    }
}
