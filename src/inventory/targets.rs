//! Resolving the deployment targets (`--datacenter --folder --pool
//! --datastore --network --template --cluster --host --switch`) to entities
//! of the snapshot. A `--network` that names a distributed port group is
//! also the `portgroup` target (the kind other products' manifests use).
//!
//! A path starting with `/` is an inventory path as govc writes it; a bare
//! name is accepted when it is unique (within `--datacenter` when given).
//! A missing or ambiguous name is an error listing the candidates.

use serde::Serialize;

use super::{Entity, Snapshot};
use crate::config::TargetKind;

/// What the user asked for, by name or path.
#[derive(Debug, Clone, Default)]
pub struct TargetSpec {
    pub datacenter: Option<String>,
    pub folder: Option<String>,
    pub pool: Option<String>,
    pub datastore: Option<String>,
    pub network: Option<String>,
    pub template: Option<String>,
    pub cluster: Option<String>,
    pub host: Option<String>,
    pub switch: Option<String>,
}

impl TargetSpec {
    /// What names a target of this kind, as given (a kind within another
    /// is named by that one's flag).
    pub fn get(&self, kind: TargetKind) -> Option<&str> {
        match kind {
            TargetKind::Datacenter => &self.datacenter,
            TargetKind::Folder => &self.folder,
            TargetKind::Pool => &self.pool,
            TargetKind::Datastore => &self.datastore,
            TargetKind::Network | TargetKind::Portgroup => &self.network,
            TargetKind::Template => &self.template,
            TargetKind::Cluster => &self.cluster,
            TargetKind::Host => &self.host,
            TargetKind::Switch => &self.switch,
        }
        .as_deref()
    }
}

/// The resolved targets.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Targets<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datacenter: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datastore: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<&'a Entity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub switch: Option<&'a Entity>,
    /// The network, when it is a distributed port group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portgroup: Option<&'a Entity>,
}

impl<'a> Targets<'a> {
    /// The target of this kind, if it was given and found.
    pub fn get(&self, kind: TargetKind) -> Option<&'a Entity> {
        match kind {
            TargetKind::Datacenter => self.datacenter,
            TargetKind::Folder => self.folder,
            TargetKind::Pool => self.pool,
            TargetKind::Datastore => self.datastore,
            TargetKind::Network => self.network,
            TargetKind::Template => self.template,
            TargetKind::Cluster => self.cluster,
            TargetKind::Host => self.host,
            TargetKind::Switch => self.switch,
            TargetKind::Portgroup => self.portgroup,
        }
    }

    fn slot_mut(&mut self, kind: TargetKind) -> &mut Option<&'a Entity> {
        match kind {
            TargetKind::Datacenter => &mut self.datacenter,
            TargetKind::Folder => &mut self.folder,
            TargetKind::Pool => &mut self.pool,
            TargetKind::Datastore => &mut self.datastore,
            TargetKind::Network => &mut self.network,
            TargetKind::Template => &mut self.template,
            TargetKind::Cluster => &mut self.cluster,
            TargetKind::Host => &mut self.host,
            TargetKind::Switch => &mut self.switch,
            TargetKind::Portgroup => &mut self.portgroup,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetError {
    #[error("no {} {given:?} is visible to this user{}", .kind.what(), candidates_suffix(.candidates))]
    NotFound {
        kind: TargetKind,
        given: String,
        candidates: Vec<String>,
    },
    #[error("the {} name {given:?} is ambiguous: it matches {}", .kind.what(), .candidates.join(", "))]
    Ambiguous {
        kind: TargetKind,
        given: String,
        candidates: Vec<String>,
    },
}

impl TargetError {
    pub fn kind(&self) -> TargetKind {
        match self {
            TargetError::NotFound { kind, .. } | TargetError::Ambiguous { kind, .. } => *kind,
        }
    }

    pub fn what(&self) -> &'static str {
        self.kind().what()
    }
}

fn candidates_suffix(c: &[String]) -> String {
    if c.is_empty() {
        String::new()
    } else {
        format!("; candidates: {}", c.join(", "))
    }
}

const MAX_CANDIDATES: usize = 10;

/// Every target on its own, in `TargetKind::ALL` order: those found, and an
/// error for each one asked for and not found, so a report can name them
/// all at once. The others are looked for within the `--datacenter` when it
/// was found; a kind within another is that target when of its types.
pub fn resolve_each<'a>(snap: &'a Snapshot, spec: &TargetSpec) -> (Targets<'a>, Vec<TargetError>) {
    let mut t = Targets::default();
    let mut errors = Vec::new();
    for kind in TargetKind::ALL {
        let found = match kind.within() {
            Some(of) => t.get(of).filter(|e| kind.types().contains(&e.kind())),
            None => find(snap, kind, spec.get(kind), t.datacenter).unwrap_or_else(|e| {
                errors.push(e);
                None
            }),
        };
        *t.slot_mut(kind) = found;
    }
    (t, errors)
}

fn find<'a>(
    snap: &'a Snapshot,
    kind: TargetKind,
    given: Option<&str>,
    datacenter: Option<&Entity>,
) -> Result<Option<&'a Entity>, TargetError> {
    let Some(given) = given.map(str::trim).filter(|g| !g.is_empty()) else {
        return Ok(None);
    };
    let given_path = given.trim_end_matches('/');
    let pool: Vec<&Entity> = snap
        .of_kind(kind.types())
        .filter(|e| !kind.templates_only() || e.template)
        .filter(|e| {
            datacenter.is_none_or(|dc| snap.datacenter_of(e).map(|d| &d.moref) == Some(&dc.moref))
        })
        .collect();
    let matches: Vec<&Entity> = if given_path.starts_with('/') {
        pool.iter()
            .copied()
            .filter(|e| e.path == given_path)
            .collect()
    } else if given_path.contains('/') {
        // A path relative to the datacenter or below it: "vm/Arc".
        let suffix = format!("/{given_path}");
        pool.iter()
            .copied()
            .filter(|e| e.path.ends_with(&suffix))
            .collect()
    } else {
        pool.iter()
            .copied()
            .filter(|e| e.name == given_path)
            .collect()
    };
    match matches.as_slice() {
        [one] => Ok(Some(one)),
        [] => Err(TargetError::NotFound {
            kind,
            given: given.to_string(),
            candidates: nearest(&pool, given_path),
        }),
        many => Err(TargetError::Ambiguous {
            kind,
            given: given.to_string(),
            candidates: many.iter().map(|e| e.path.clone()).collect(),
        }),
    }
}

/// The candidates closest to what was typed (edit distance of the last path
/// element), so a typo's fix comes first.
fn nearest(pool: &[&Entity], given: &str) -> Vec<String> {
    let needle = given.rsplit('/').next().unwrap_or(given).to_lowercase();
    let mut v: Vec<(usize, &str)> = pool
        .iter()
        .map(|e| {
            (
                strsim::levenshtein(&e.name.to_lowercase(), &needle),
                e.path.as_str(),
            )
        })
        .collect();
    v.sort();
    v.into_iter()
        .take(MAX_CANDIDATES)
        .map(|(_, p)| p.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::{datacenter, root};

    /// The targets, or the first one not found.
    fn resolve<'a>(snap: &'a Snapshot, spec: &TargetSpec) -> Result<Targets<'a>, TargetError> {
        match resolve_each(snap, spec) {
            (t, errors) if errors.is_empty() => Ok(t),
            (_, mut errors) => Err(errors.remove(0)),
        }
    }

    #[test]
    fn paths_bare_names_and_relative_paths() {
        let s = datacenter().b.build();
        let spec = TargetSpec {
            datacenter: Some("DC0".into()),
            folder: Some("/DC0/vm/Arc".into()),
            pool: Some("C0/Resources/Arc".into()),
            ..Default::default()
        };
        let t = resolve(&s, &spec).unwrap();
        assert_eq!(t.folder.unwrap().moref.value, "group-v7");
        assert_eq!(t.pool.unwrap().moref.value, "resgroup-10");
        let t = resolve(
            &s,
            &TargetSpec {
                folder: Some("vm".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.folder.unwrap().path, "/DC0/vm");
    }

    #[test]
    fn missing_and_ambiguous_names_list_candidates() {
        let mut d = datacenter();
        let dc2 = d.b.add("Datacenter", "datacenter-50", "DC1", &root());
        d.b.folder("group-v51", "vm", &dc2, &["Folder", "VirtualMachine"]);
        let s = d.b.build();
        let err = resolve(
            &s,
            &TargetSpec {
                folder: Some("vm".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(matches!(err, TargetError::Ambiguous { .. }));
        assert!(err.to_string().contains("/DC0/vm, /DC1/vm"), "{err}");

        // Within a datacenter the bare name is unique again.
        let t = resolve(
            &s,
            &TargetSpec {
                datacenter: Some("DC1".into()),
                folder: Some("vm".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.folder.unwrap().path, "/DC1/vm");

        let err = resolve(
            &s,
            &TargetSpec {
                folder: Some("/DC0/vm/Ark".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("no folder \"/DC0/vm/Ark\""), "{msg}");
        assert!(msg.contains("candidates: /DC0/vm/Arc"), "{msg}");
    }

    #[test]
    fn cluster_host_and_switch_resolve_by_name() {
        let mut d = datacenter();
        let (cluster, network) = (d.cluster.clone(), d.network.clone());
        d.b.add("HostSystem", "host-20", "esx2", &cluster);
        d.b.add(
            "VmwareDistributedVirtualSwitch",
            "dvs-21",
            "DSwitch",
            &network,
        );
        let s = d.b.build();
        let t = resolve(
            &s,
            &TargetSpec {
                cluster: Some("C0".into()),
                host: Some("esx2".into()),
                switch: Some("DSwitch".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(t.cluster.unwrap().path, "/DC0/host/C0");
        assert_eq!(t.host.unwrap().path, "/DC0/host/C0/esx2");
        assert_eq!(t.switch.unwrap().path, "/DC0/network/DSwitch");
    }

    #[test]
    fn a_distributed_port_group_network_is_the_portgroup_target() {
        let mut d = datacenter();
        let network = d.network.clone();
        d.b.add(
            "DistributedVirtualPortgroup",
            "dvportgroup-22",
            "DPG",
            &network,
        );
        d.b.add("Network", "network-23", "VM Network", &network);
        let s = d.b.build();
        let pg = |name: &str| {
            let spec = TargetSpec {
                network: Some(name.into()),
                ..Default::default()
            };
            resolve(&s, &spec)
                .unwrap()
                .portgroup
                .map(|e| e.path.clone())
        };
        assert_eq!(pg("DPG").as_deref(), Some("/DC0/network/DPG"));
        assert_eq!(pg("VM Network"), None);
    }
}
