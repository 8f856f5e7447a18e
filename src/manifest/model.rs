//! The manifest's data: which privileges, at what level, on which entity kinds.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::TargetKind;

/// The kind of inventory entity a privilege is checked on: the root, or a
/// deployment target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    Root,
    Target(TargetKind),
}

impl EntityKind {
    /// Every kind, in the order a manifest lists them.
    pub fn all() -> impl Iterator<Item = EntityKind> {
        std::iter::once(EntityKind::Root).chain(TargetKind::ALL.map(EntityKind::Target))
    }

    /// The word a manifest file uses for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Root => "root",
            EntityKind::Target(t) => t.as_str(),
        }
    }

    /// The kind a manifest word names, if any (exact, lowercase). `vcenter`
    /// is the other products' word for the root, so their lists read as
    /// written.
    pub fn from_word(word: &str) -> Option<EntityKind> {
        if word == "vcenter" {
            return Some(EntityKind::Root);
        }
        EntityKind::all().find(|k| k.as_str() == word)
    }
}

impl From<TargetKind> for EntityKind {
    fn from(t: TargetKind) -> EntityKind {
        EntityKind::Target(t)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for EntityKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How a missing privilege is reported: an error or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Required,
    Recommended,
}

impl Level {
    pub const ALL: [Level; 2] = [Level::Required, Level::Recommended];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Required => "required",
            Level::Recommended => "recommended",
        }
    }

    pub fn from_word(word: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == word)
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a privilege is used on the container the VM is created in (the
/// folder or pool itself: `Folder.Create`, `VApp.Import`,
/// `VirtualMachine.Inventory.Create`) or must be held on the new VM, which
/// gets it only by inheritance from its folder and its pool (vSphere
/// Security, "Hierarchical Inheritance of Permissions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UsedOn {
    Container,
    Vm,
}

impl UsedOn {
    pub const ALL: [UsedOn; 2] = [UsedOn::Container, UsedOn::Vm];

    pub fn as_str(self) -> &'static str {
        match self {
            UsedOn::Container => "container",
            UsedOn::Vm => "vm",
        }
    }

    pub fn from_word(word: &str) -> Option<UsedOn> {
        UsedOn::ALL.into_iter().find(|u| u.as_str() == word)
    }
}

/// The default `used_on` of an id (cli.md §7): `VirtualMachine.*` is used on
/// the VM except the inventory privileges checked on the destination folder
/// (create, create from existing, register), and so is
/// `InventoryService.Tagging.ObjectAttachable`; every other id on the
/// entity it is checked on.
pub fn default_used_on(id: &str) -> UsedOn {
    match id {
        "VirtualMachine.Inventory.Create"
        | "VirtualMachine.Inventory.CreateFromExisting"
        | "VirtualMachine.Inventory.Register" => UsedOn::Container,
        _ if id.starts_with("VirtualMachine.") => UsedOn::Vm,
        "InventoryService.Tagging.ObjectAttachable" => UsedOn::Vm,
        _ => UsedOn::Container,
    }
}

/// One privilege of a manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Privilege {
    /// The vSphere API privilege id, e.g. `VirtualMachine.Config.AddNewDisk`.
    pub id: String,
    /// The vSphere Client's group path, e.g. `Virtual machine > Change Configuration`.
    pub group: String,
    /// The vSphere Client's name for it, e.g. `Add new disk`.
    pub label: String,
    pub level: Level,
    /// The entity kinds it is checked on; never empty.
    pub on: Vec<EntityKind>,
    /// Where it is used when checked on a folder or pool: only `vm` ones are
    /// judged for reaching the VM created inside.
    pub used_on: UsedOn,
    /// Whether the product's instructions grant it with "propagate to
    /// children": `grant` plans the permission that way.
    pub propagate: bool,
    /// The option that switches this entry on; `None` when always needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
}

/// A named option of a manifest: entries whose `condition` names it apply
/// only when `--manifest-option NAME` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManifestOption {
    pub name: String,
    pub description: String,
}

/// Why a set of `--manifest-option` names does not fit a manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("The manifest {manifest} has no option {given:?} ({}).", known_options(.known))]
pub struct UnknownOption {
    pub manifest: String,
    pub given: String,
    pub known: Vec<String>,
}

fn known_options(known: &[String]) -> String {
    if known.is_empty() {
        "it has none: leave --manifest-option out".into()
    } else {
        format!("its options: {}", known.join(", "))
    }
}

/// A named list of privileges, embedded or loaded from a user's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub name: String,
    pub description: String,
    /// Where the list was read: repository, path and commit, or page and date.
    pub source: Option<String>,
    /// The manifest's own version, bumped when its list changes.
    pub version: Option<String>,
    /// The day the source was last read against this file (YYYY-MM-DD).
    pub date: Option<String>,
    /// The named options its entries' conditions refer to, in file order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<ManifestOption>,
    /// In file order. An id may appear in more than one entry (another
    /// kind, propagation or condition), never twice on one kind.
    pub privileges: Vec<Privilege>,
    /// The options a run switched on (`with_options`), for its report.
    #[serde(skip)]
    pub switched_on: Vec<String>,
}

impl Manifest {
    /// The privilege ids, in file order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.privileges.iter().map(|p| p.id.as_str())
    }

    /// The entity kinds any privilege is checked on.
    pub fn kinds(&self) -> BTreeSet<EntityKind> {
        self.privileges
            .iter()
            .flat_map(|p| p.on.iter().copied())
            .collect()
    }

    /// The first entry of this id, if the manifest lists it.
    pub fn get(&self, id: &str) -> Option<&Privilege> {
        self.privileges.iter().find(|p| p.id == id)
    }

    /// The manifest as a run with these options switched on sees it: the
    /// entries with no condition and those whose condition is among `on`.
    /// Every name must be one of the manifest's options, so a typo cannot
    /// silently leave entries out.
    pub fn with_options(&self, on: &[String]) -> Result<Manifest, UnknownOption> {
        if let Some(given) = on
            .iter()
            .find(|n| !self.options.iter().any(|o| &o.name == *n))
        {
            return Err(UnknownOption {
                manifest: self.name.clone(),
                given: given.clone(),
                known: self.options.iter().map(|o| o.name.clone()).collect(),
            });
        }
        let mut m = self.clone();
        m.privileges
            .retain(|p| p.condition.as_ref().is_none_or(|c| on.contains(c)));
        m.switched_on = self
            .options
            .iter()
            .filter(|o| on.contains(&o.name))
            .map(|o| o.name.clone())
            .collect();
        Ok(m)
    }

    /// The number of entries each option switches on, in option order.
    pub fn option_counts(&self) -> Vec<(&ManifestOption, usize)> {
        self.options
            .iter()
            .map(|o| {
                let n = self
                    .privileges
                    .iter()
                    .filter(|p| p.condition.as_deref() == Some(o.name.as_str()))
                    .count();
                (o, n)
            })
            .collect()
    }
}

/// The spec's default `on` for a privilege id (cli.md §7), used when a
/// manifest entry leaves `on` out; `None` when no default covers the id.
pub fn default_on(id: &str) -> Option<Vec<EntityKind>> {
    use TargetKind::*;
    let on = match id {
        "Sessions.ValidateSession" => vec![EntityKind::Root],
        // Object-side: it limits which objects may receive tags, so it is
        // needed on the VM created in the folder.
        "InventoryService.Tagging.ObjectAttachable" => vec![Folder.into()],
        _ if id.starts_with("InventoryService.Tagging.") => vec![EntityKind::Root],
        _ if id.starts_with("Datastore.") => vec![Datastore.into()],
        "Network.Assign" => vec![Network.into()],
        "VApp.Import" => vec![Pool.into(), Folder.into()],
        "VApp.AssignResourcePool" => vec![Pool.into()],
        _ if id.starts_with("Resource.") => vec![Pool.into()],
        "VirtualMachine.Provisioning.DeployTemplate"
        | "VirtualMachine.Provisioning.Clone"
        | "VirtualMachine.Provisioning.MarkAsVM" => vec![Folder.into(), Template.into()],
        "Folder.Create" => vec![Folder.into()],
        _ if id.starts_with("VirtualMachine.") => vec![Folder.into()],
        _ => return None,
    };
    Some(on)
}
