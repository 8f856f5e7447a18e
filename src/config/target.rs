//! The kinds of deployment target: the datacenter, folder, pool, datastore,
//! network and template the Arc config names, and the cluster, host,
//! distributed switch and port group other products' manifests name. One
//! row per kind says what it is called, which vSphere types it is, and how
//! the config and the flags give it, so resolving, judging and reporting a
//! target read the same table, and a new kind is one variant and one row.
//!
//! It sits this low because the manifest's entity kinds are these plus the
//! root (`manifest::EntityKind`), and the inventory resolves them.

use super::keys;

/// A deployment target, in the order targets are resolved and listed: the
/// datacenter first, as it scopes the others, and the port group after
/// the network it narrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetKind {
    Datacenter,
    Folder,
    Pool,
    Datastore,
    Network,
    Template,
    Cluster,
    Host,
    Switch,
    /// The `--network`, when it names a distributed port group.
    Portgroup,
}

struct Row {
    /// The manifest's word for it, and its key in the JSON targets.
    name: &'static str,
    /// The words a reason or an error names it by.
    what: &'static str,
    /// The vSphere types an entity of this kind has.
    types: &'static [&'static str],
    /// Only virtual machines marked as templates are templates.
    templates_only: bool,
    /// Set when no flag of its own names it: it is the target of that kind,
    /// when that target is of this kind's types.
    within: Option<TargetKind>,
    flag: &'static str,
    /// The Arc config key that names it; the kinds only other products
    /// need have none.
    config_key: Option<&'static str>,
    /// The config key and the flag that set it, for reasons and remedies.
    how_to_give: &'static str,
}

impl TargetKind {
    pub const ALL: [TargetKind; 10] = [
        TargetKind::Datacenter,
        TargetKind::Folder,
        TargetKind::Pool,
        TargetKind::Datastore,
        TargetKind::Network,
        TargetKind::Template,
        TargetKind::Cluster,
        TargetKind::Host,
        TargetKind::Switch,
        TargetKind::Portgroup,
    ];

    /// The kinds a flag of their own names: all but those within another.
    pub fn flagged() -> impl Iterator<Item = TargetKind> {
        TargetKind::ALL.into_iter().filter(|k| k.within().is_none())
    }

    fn row(self) -> &'static Row {
        match self {
            TargetKind::Datacenter => &Row {
                name: "datacenter",
                what: "datacenter",
                types: &["Datacenter"],
                templates_only: false,
                within: None,
                flag: "--datacenter",
                config_key: Some(keys::DATACENTER),
                how_to_give: "vsphereprovider.datacenter in the config, or --datacenter",
            },
            TargetKind::Folder => &Row {
                name: "folder",
                what: "folder",
                types: &["Folder"],
                templates_only: false,
                within: None,
                flag: "--folder",
                config_key: Some(keys::FOLDER),
                how_to_give: "vsphereprovider.folder in the config, or --folder",
            },
            TargetKind::Pool => &Row {
                name: "pool",
                what: "resource pool",
                types: &["ResourcePool", "VirtualApp"],
                templates_only: false,
                within: None,
                flag: "--pool",
                config_key: Some(keys::POOL),
                how_to_give: "vsphereprovider.resourcepool in the config, or --pool",
            },
            TargetKind::Datastore => &Row {
                name: "datastore",
                what: "datastore",
                types: &["Datastore"],
                templates_only: false,
                within: None,
                flag: "--datastore",
                config_key: Some(keys::DATASTORE),
                how_to_give: "vsphereprovider.datastore in the config, or --datastore",
            },
            TargetKind::Network => &Row {
                name: "network",
                what: "network",
                types: &["Network", "DistributedVirtualPortgroup", "OpaqueNetwork"],
                templates_only: false,
                within: None,
                flag: "--network",
                config_key: Some(keys::NETWORK),
                how_to_give: "vsphereprovider.network.segment in the config, or --network",
            },
            TargetKind::Template => &Row {
                name: "template",
                what: "template",
                types: &["VirtualMachine"],
                templates_only: true,
                within: None,
                flag: "--template",
                config_key: Some(keys::TEMPLATE),
                how_to_give: "vsphereprovider.appliancevm.vmtemplate in the config, or --template",
            },
            TargetKind::Cluster => &Row {
                name: "cluster",
                what: "cluster",
                types: &["ClusterComputeResource"],
                templates_only: false,
                within: None,
                flag: "--cluster",
                config_key: None,
                how_to_give: "--cluster, or computeCluster in an OpenShift install-config",
            },
            TargetKind::Host => &Row {
                name: "host",
                what: "host",
                types: &["HostSystem"],
                templates_only: false,
                within: None,
                flag: "--host",
                config_key: None,
                how_to_give: "--host",
            },
            TargetKind::Switch => &Row {
                name: "switch",
                what: "distributed switch",
                types: &["VmwareDistributedVirtualSwitch", "DistributedVirtualSwitch"],
                templates_only: false,
                within: None,
                flag: "--switch",
                config_key: None,
                how_to_give: "--switch",
            },
            TargetKind::Portgroup => &Row {
                name: "portgroup",
                what: "distributed port group",
                types: &["DistributedVirtualPortgroup"],
                templates_only: false,
                within: Some(TargetKind::Network),
                flag: "--network",
                config_key: Some(keys::NETWORK),
                how_to_give: "--network naming a distributed port group",
            },
        }
    }

    /// The manifest's word for it, and its key in the JSON targets.
    pub fn as_str(self) -> &'static str {
        self.row().name
    }

    /// The words a reason or an error names it by.
    pub fn what(self) -> &'static str {
        self.row().what
    }

    /// The vSphere types an entity of this kind has.
    pub fn types(self) -> &'static [&'static str] {
        self.row().types
    }

    /// Whether only virtual machines marked as templates are of this kind.
    pub fn templates_only(self) -> bool {
        self.row().templates_only
    }

    /// The kind whose target this one is, when it is of this kind's types;
    /// `None` when a flag of its own names it.
    pub fn within(self) -> Option<TargetKind> {
        self.row().within
    }

    /// The flag that names it.
    pub fn flag(self) -> &'static str {
        self.row().flag
    }

    /// The Arc config key that names it; the kinds only other products
    /// need have none.
    pub fn config_key(self) -> Option<&'static str> {
        self.row().config_key
    }

    /// The config key and the flag that set it, for reasons and remedies.
    pub fn how_to_give(self) -> &'static str {
        self.row().how_to_give
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_within_another_is_given_as_that_one() {
        for k in TargetKind::ALL {
            if let Some(of) = k.within() {
                assert_eq!(k.flag(), of.flag(), "{k:?}");
                assert_eq!(k.config_key(), of.config_key(), "{k:?}");
                assert!(of.within().is_none(), "{k:?}");
                assert!(of < k, "{k:?} must be resolved after {of:?}");
                assert!(k.types().iter().all(|t| of.types().contains(t)), "{k:?}");
            }
        }
    }

    #[test]
    fn names_are_distinct_and_the_datacenter_comes_first() {
        let names: std::collections::BTreeSet<_> =
            TargetKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), TargetKind::ALL.len());
        assert_eq!(TargetKind::ALL[0], TargetKind::Datacenter);
    }
}
