//! OpenShift's `install-config.yaml` as a `--config`: its `platform.vsphere`
//! section names the vCenter and the targets the `openshift-ipi` manifest
//! is checked on. Both forms are read: the failure domains of OpenShift
//! 4.13 and later (`vcenters`, `failureDomains[].topology`), and the older
//! flat keys (`vCenter`, `datacenter`, `cluster`, `defaultDatastore`,
//! `network`, `folder`, `resourcePool`).

use std::path::Path;

use serde_norway::Value;

use super::{ArcConfig, ConfigError};

/// Whether the file is an install-config with a vSphere platform.
pub fn is_install_config(v: &Value) -> bool {
    v.get("platform").and_then(|p| p.get("vsphere")).is_some()
}

fn text(v: Option<&Value>) -> Option<String> {
    v.and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Reads the vCenter and the targets. More than one failure domain or
/// vCenter is refused: vaudit audits one set of targets, and checking the
/// first alone would pass an install whose other zones it never saw.
pub fn apply(cfg: &mut ArcConfig, path: &Path, v: &Value) -> Result<(), ConfigError> {
    let shown = path.display().to_string();
    let vs = &v["platform"]["vsphere"];
    let many = |key: &str| vs.get(key).and_then(Value::as_sequence).map(Vec::len);
    for key in ["vcenters", "failureDomains"] {
        if let Some(n @ 2..) = many(key) {
            return Err(ConfigError::Malformed {
                path: shown,
                reason: format!(
                    "platform.vsphere.{key} lists {n} entries, and vaudit audits one: run it once per entry, giving that entry's targets as flags (--datacenter, --cluster, --datastore, --network, --folder, --pool)"
                ),
            });
        }
    }
    let vcenter = &vs["vcenters"][0];
    let topology = &vs["failureDomains"][0]["topology"];
    cfg.address = text(vcenter.get("server")).or(text(vs.get("vCenter")));
    cfg.username = text(vcenter.get("user")).or(text(vs.get("username")));
    cfg.password = text(vcenter.get("password")).or(text(vs.get("password")));
    cfg.datacenter = text(topology.get("datacenter"))
        .or(text(vcenter["datacenters"].get(0)))
        .or(text(vs.get("datacenter")));
    cfg.cluster = text(topology.get("computeCluster")).or(text(vs.get("cluster")));
    cfg.datastore = text(topology.get("datastore")).or(text(vs.get("defaultDatastore")));
    cfg.network = text(topology["networks"].get(0)).or(text(vs.get("network")));
    cfg.folder = text(topology.get("folder")).or(text(vs.get("folder")));
    cfg.resource_pool = text(topology.get("resourcePool")).or(text(vs.get("resourcePool")));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::load;

    fn loaded(text: &str) -> Result<super::ArcConfig, super::ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("install-config.yaml");
        std::fs::write(&p, text).unwrap();
        load(&p)
    }

    #[test]
    fn failure_domain_topology_names_the_targets() {
        let sample = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/mocks/config/openshift-install-config.yaml"
        );
        let c = load(std::path::Path::new(sample)).unwrap();
        assert_eq!(c.address.as_deref(), Some("127.0.0.1"));
        assert_eq!(c.username.as_deref(), Some("administrator@vsphere.local"));
        assert_eq!(c.datacenter.as_deref(), Some("DC0"));
        assert_eq!(c.cluster.as_deref(), Some("/DC0/host/DC0_C0"));
        assert_eq!(c.network.as_deref(), Some("DC0_DVPG0"));
        assert_eq!(c.datastore.as_deref(), Some("/DC0/datastore/LocalDS_0"));
        assert_eq!(c.folder.as_deref(), Some("/DC0/vm/Arc"));
        assert_eq!(
            c.resource_pool.as_deref(),
            Some("/DC0/host/DC0_C0/Resources")
        );
    }

    #[test]
    fn the_older_flat_keys_name_the_targets() {
        let c = loaded(
            "platform:
  vsphere:
    vCenter: vcenter.example.com
    datacenter: DC0
    cluster: DC0_C0
    defaultDatastore: LocalDS_0
    network: DC0_DVPG0
",
        )
        .unwrap();
        assert_eq!(c.address.as_deref(), Some("vcenter.example.com"));
        assert_eq!(c.cluster.as_deref(), Some("DC0_C0"));
        assert_eq!(c.datastore.as_deref(), Some("LocalDS_0"));
        assert_eq!(c.network.as_deref(), Some("DC0_DVPG0"));
        assert_eq!(c.folder, None);
    }

    #[test]
    fn several_failure_domains_are_refused() {
        let e = loaded(
            "platform:
  vsphere:
    failureDomains:
    - topology: {datacenter: DC0}
    - topology: {datacenter: DC1}
",
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("failureDomains lists 2 entries"), "{msg}");
    }
}
