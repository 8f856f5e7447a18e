//! Folder kinds, and whether the target folder can hold the appliance VM
//! and its template ("Unable to find folders" in the troubleshooting guide).

use serde::Serialize;

use super::facts::Facts;
use super::finding::{EntityRef, Finding, Severity, list_paths};
use super::outcome::Outcome;
use crate::inventory::{Entity, Snapshot};

pub const CHECK: &str = "folders";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FolderKind {
    Vm,
    Host,
    Datastore,
    Network,
    Datacenter,
    Mixed,
}

impl FolderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FolderKind::Vm => "vm",
            FolderKind::Host => "host",
            FolderKind::Datastore => "datastore",
            FolderKind::Network => "network",
            FolderKind::Datacenter => "datacenter",
            FolderKind::Mixed => "mixed",
        }
    }
}

/// Classifies by the one child type that marks each kind, compared as a set:
/// vCenter and vcsim list childType in different orders, and newer vCenters
/// add types (StoragePod, OpaqueNetwork) that do not change the kind.
pub fn kind_of(child_types: &[String]) -> FolderKind {
    const MARKS: [(&str, FolderKind); 5] = [
        ("VirtualMachine", FolderKind::Vm),
        ("ComputeResource", FolderKind::Host),
        ("Datastore", FolderKind::Datastore),
        ("Network", FolderKind::Network),
        ("Datacenter", FolderKind::Datacenter),
    ];
    let found: Vec<FolderKind> = MARKS
        .iter()
        .filter(|(t, _)| child_types.iter().any(|c| c == t))
        .map(|(_, k)| *k)
        .collect();
    match found.as_slice() {
        [one] => *one,
        _ => FolderKind::Mixed,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FolderRow {
    pub entity: EntityRef,
    pub child_types: Vec<String>,
    pub kind: FolderKind,
}

pub fn rows(snap: &Snapshot) -> Vec<FolderRow> {
    snap.of_kind(&["Folder"])
        .map(|f| FolderRow {
            entity: f.into(),
            child_types: f.child_types.clone(),
            kind: kind_of(&f.child_types),
        })
        .collect()
}

/// `non-vm-folder` when the target cannot hold VMs and templates, with the
/// VM folders of its datacenter as the fix.
pub fn check(snap: &Snapshot, target: Option<&Entity>) -> Vec<Finding> {
    let Some(folder) = target else {
        return vec![];
    };
    let kind = kind_of(&folder.child_types);
    if kind == FolderKind::Vm {
        return vec![];
    }
    let dc = snap.datacenter_of(folder);
    let vm_folders: Vec<&str> = snap
        .of_kind(&["Folder"])
        .filter(|f| kind_of(&f.child_types) == FolderKind::Vm)
        .filter(|f| dc.is_none() || snap.datacenter_of(f).map(|d| &d.moref) == dc.map(|d| &d.moref))
        .map(|f| f.path.as_str())
        .collect();
    vec![Finding::new(
        "folders",
        Severity::Error,
        "non-vm-folder",
        Some(folder),
        format!(
            "the target folder {} is a {} folder: the resource bridge needs a \"VM and template\" folder",
            folder.path,
            kind.as_str()
        ),
        format!(
            "choose a VM and template folder instead, such as {}",
            list_paths(vm_folders, 5)
        ),
    )]
}

/// The registry's entry: the target folder (the registry made sure there is one).
pub fn run(f: &Facts<'_>) -> Outcome {
    match f.snapshot() {
        Some(snap) => Outcome::Verified(check(snap, f.targets.folder)),
        None => Outcome::not_verified("no inventory"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::datacenter;

    fn types(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn kinds_compare_as_sets() {
        assert_eq!(
            kind_of(&types(&["VirtualApp", "Folder", "VirtualMachine"])),
            FolderKind::Vm
        );
        assert_eq!(
            kind_of(&types(&["Folder", "ComputeResource"])),
            FolderKind::Host
        );
        assert_eq!(
            kind_of(&types(&["StoragePod", "Datastore", "Folder"])),
            FolderKind::Datastore
        );
        assert_eq!(
            kind_of(&types(&[
                "Folder",
                "Network",
                "DistributedVirtualSwitch",
                "OpaqueNetwork"
            ])),
            FolderKind::Network
        );
        assert_eq!(
            kind_of(&types(&["Datacenter", "Folder"])),
            FolderKind::Datacenter
        );
        assert_eq!(
            kind_of(&types(&["VirtualMachine", "Datastore"])),
            FolderKind::Mixed
        );
        assert_eq!(kind_of(&[]), FolderKind::Mixed);
    }

    #[test]
    fn vm_folder_target_passes_others_fail_with_vm_folders_suggested() {
        let d = datacenter();
        let (arc, host, ds, net) = (
            d.arc.clone(),
            d.host.clone(),
            d.datastore.clone(),
            d.network.clone(),
        );
        let s = d.b.build();
        assert!(check(&s, s.get(&arc)).is_empty());
        for (target, kind) in [(host, "host"), (ds, "datastore"), (net, "network")] {
            let f = check(&s, s.get(&target));
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].code, "non-vm-folder");
            assert_eq!(f[0].severity, Severity::Error);
            assert!(
                f[0].message.contains(&format!("is a {kind} folder")),
                "{}",
                f[0].message
            );
            assert!(f[0].remedy.contains("/DC0/vm/Arc"), "{}", f[0].remedy);
            assert!(
                f[0].remedy.contains("/DC0/vm,") || f[0].remedy.contains("/DC0/vm "),
                "{}",
                f[0].remedy
            );
        }
    }

    #[test]
    fn rows_classify_every_folder() {
        let s = datacenter().b.build();
        let r = rows(&s);
        assert_eq!(r.len(), 5);
        assert_eq!(r.iter().filter(|r| r.kind == FolderKind::Vm).count(), 2);
    }
}
