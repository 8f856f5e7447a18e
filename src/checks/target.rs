//! The deployment targets a check can need (datacenter, folder, pool,
//! datastore, network, template, and the cluster, host, distributed switch
//! and port group other products' manifests name): how each is given,
//! found and named, and why one a check needs is not there to judge.

use super::facts::Facts;
use crate::inventory::{Entity, Facet, TargetError, TargetSpec, Targets};

/// A deployment target a check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl TargetKind {
    /// The config key and the flag that set it, for reasons and remedies.
    pub fn how_to_give(self) -> &'static str {
        match self {
            TargetKind::Datacenter => "vsphereprovider.datacenter in the config, or --datacenter",
            TargetKind::Folder => "vsphereprovider.folder in the config, or --folder",
            TargetKind::Pool => "vsphereprovider.resourcepool in the config, or --pool",
            TargetKind::Datastore => "vsphereprovider.datastore in the config, or --datastore",
            TargetKind::Network => "vsphereprovider.network.segment in the config, or --network",
            TargetKind::Template => {
                "vsphereprovider.appliancevm.vmtemplate in the config, or --template"
            }
            TargetKind::Cluster => "--cluster, or computeCluster in an OpenShift install-config",
            TargetKind::Host => "--host",
            TargetKind::Switch => "--switch",
            TargetKind::Portgroup => "--network naming a distributed port group",
        }
    }

    /// The Arc config key that names it; the kinds only other products
    /// need have none.
    pub fn config_key(self) -> Option<&'static str> {
        use crate::config::keys;
        Some(match self {
            TargetKind::Datacenter => keys::DATACENTER,
            TargetKind::Folder => keys::FOLDER,
            TargetKind::Pool => keys::POOL,
            TargetKind::Datastore => keys::DATASTORE,
            TargetKind::Network | TargetKind::Portgroup => keys::NETWORK,
            TargetKind::Template => keys::TEMPLATE,
            TargetKind::Cluster | TargetKind::Host | TargetKind::Switch => return None,
        })
    }

    /// The flag that names it.
    pub fn flag(self) -> &'static str {
        match self {
            TargetKind::Datacenter => "--datacenter",
            TargetKind::Folder => "--folder",
            TargetKind::Pool => "--pool",
            TargetKind::Datastore => "--datastore",
            TargetKind::Network | TargetKind::Portgroup => "--network",
            TargetKind::Template => "--template",
            TargetKind::Cluster => "--cluster",
            TargetKind::Host => "--host",
            TargetKind::Switch => "--switch",
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            TargetKind::Datacenter => "datacenter",
            TargetKind::Folder => "folder",
            TargetKind::Pool => "resource pool",
            TargetKind::Datastore => "datastore",
            TargetKind::Network => "network",
            TargetKind::Template => "template",
            TargetKind::Cluster => "cluster",
            TargetKind::Host => "host",
            TargetKind::Switch => "distributed switch",
            TargetKind::Portgroup => "distributed port group",
        }
    }

    pub fn asked(self, spec: &TargetSpec) -> Option<&str> {
        match self {
            TargetKind::Datacenter => spec.datacenter.as_deref(),
            TargetKind::Folder => spec.folder.as_deref(),
            TargetKind::Pool => spec.pool.as_deref(),
            TargetKind::Datastore => spec.datastore.as_deref(),
            TargetKind::Network | TargetKind::Portgroup => spec.network.as_deref(),
            TargetKind::Template => spec.template.as_deref(),
            TargetKind::Cluster => spec.cluster.as_deref(),
            TargetKind::Host => spec.host.as_deref(),
            TargetKind::Switch => spec.switch.as_deref(),
        }
    }

    /// What finding it in the inventory reads.
    pub fn facet(self) -> Facet {
        match self {
            TargetKind::Datacenter => Facet::Datacenters,
            TargetKind::Folder => Facet::Folders,
            TargetKind::Pool => Facet::Pools,
            TargetKind::Datastore => Facet::Datastores,
            TargetKind::Network | TargetKind::Portgroup => Facet::Networks,
            TargetKind::Template => Facet::Templates,
            TargetKind::Cluster => Facet::Compute,
            TargetKind::Host => Facet::Hosts,
            TargetKind::Switch => Facet::Switches,
        }
    }

    pub fn found<'a>(self, t: &Targets<'a>) -> Option<&'a Entity> {
        match self {
            TargetKind::Datacenter => t.datacenter,
            TargetKind::Folder => t.folder,
            TargetKind::Pool => t.pool,
            TargetKind::Datastore => t.datastore,
            TargetKind::Network => t.network,
            TargetKind::Template => t.template,
            TargetKind::Cluster => t.cluster,
            TargetKind::Host => t.host,
            TargetKind::Switch => t.switch,
            TargetKind::Portgroup => t.portgroup,
        }
    }

    /// The target a manifest kind is checked on; `None` for the root,
    /// which is always known.
    pub fn of_manifest(k: crate::manifest::EntityKind) -> Option<TargetKind> {
        use crate::manifest::EntityKind as E;
        Some(match k {
            E::Root => return None,
            E::Datacenter => TargetKind::Datacenter,
            E::Folder => TargetKind::Folder,
            E::Pool => TargetKind::Pool,
            E::Datastore => TargetKind::Datastore,
            E::Network => TargetKind::Network,
            E::Template => TargetKind::Template,
            E::Cluster => TargetKind::Cluster,
            E::Host => TargetKind::Host,
            E::Switch => TargetKind::Switch,
            E::Portgroup => TargetKind::Portgroup,
        })
    }
}

/// Why a target the check needs is not there to judge, if it is not.
pub fn missing_target(t: TargetKind, facts: &Facts<'_>) -> Option<String> {
    match t.asked(facts.spec) {
        None => Some(not_given(t, facts.config)),
        Some(given) if given.trim().is_empty() => Some(format!(
            "{} is empty: give the {} there",
            t.flag(),
            t.what()
        )),
        Some(given) if t.found(&facts.targets).is_none() => {
            let ambiguous = facts.target_errors.iter().find_map(|e| match e {
                TargetError::Ambiguous {
                    what, candidates, ..
                } if *what == t.what() => candidates.first(),
                _ => None,
            });
            Some(match ambiguous {
                Some(first) => format!(
                    "the {} name {given:?} is ambiguous (see the targets check): give the full path, e.g. {first}",
                    t.what()
                ),
                None => format!(
                    "the {} {given:?} was not found (see the targets check)",
                    t.what()
                ),
            })
        }
        Some(_) => None,
    }
}

/// As `missing_target`, when no targets check runs beside it: the reason
/// itself names the candidates (cli.md §3), not a check that was skipped.
pub fn missing_target_listed(t: TargetKind, facts: &Facts<'_>) -> Option<String> {
    let reason = missing_target(t, facts)?;
    let error = facts.target_errors.iter().find(|e| e.what() == t.what());
    Some(match error {
        Some(e @ TargetError::Ambiguous { candidates, .. }) => format!(
            "{e}: give the full path of the {} (in the config or as a flag), e.g. {}",
            t.what(),
            candidates.first().map_or("/DC0/...", String::as_str)
        ),
        Some(e @ TargetError::NotFound { .. }) => format!(
            "{e}: give an existing {} as a path (/DC0/...) or a unique name, in the config or as a flag",
            t.what()
        ),
        None => reason,
    })
}

/// Why a target is not given: its config key is empty, or it is not set.
pub fn not_given(t: TargetKind, config: &crate::config::ArcConfig) -> String {
    if let Some(key) = t.config_key().filter(|k| config.is_empty_key(k)) {
        format!(
            "{} is empty in the config: give the {} there, or {}",
            key,
            t.what(),
            t.flag()
        )
    } else {
        format!("no {} given: set {}", t.what(), t.how_to_give())
    }
}
