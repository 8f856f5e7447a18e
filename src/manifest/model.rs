//! The manifest's data: which privileges, at what level, on which entity kinds.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

/// The kind of inventory entity a privilege is checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Root,
    Datacenter,
    Folder,
    Pool,
    Datastore,
    Network,
    Template,
}

impl EntityKind {
    /// Every kind, in the order a manifest lists them.
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Root,
        EntityKind::Datacenter,
        EntityKind::Folder,
        EntityKind::Pool,
        EntityKind::Datastore,
        EntityKind::Network,
        EntityKind::Template,
    ];

    /// The word a manifest file uses for this kind.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Root => "root",
            EntityKind::Datacenter => "datacenter",
            EntityKind::Folder => "folder",
            EntityKind::Pool => "pool",
            EntityKind::Datastore => "datastore",
            EntityKind::Network => "network",
            EntityKind::Template => "template",
        }
    }

    /// The kind a manifest word names, if any (exact, lowercase).
    pub fn from_word(word: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == word)
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
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
}

/// A named list of privileges, embedded or loaded from a user's file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub name: String,
    pub description: String,
    pub source: Option<String>,
    /// In file order; ids are unique.
    pub privileges: Vec<Privilege>,
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

    /// The privilege with this id, if the manifest lists it.
    pub fn get(&self, id: &str) -> Option<&Privilege> {
        self.privileges.iter().find(|p| p.id == id)
    }
}

/// The spec's default `on` for a privilege id (cli.md §7), used when a
/// manifest entry leaves `on` out; `None` when no default covers the id.
pub fn default_on(id: &str) -> Option<Vec<EntityKind>> {
    use EntityKind::*;
    let on = match id {
        "Sessions.ValidateSession" => vec![Root],
        // Object-side: it limits which objects may receive tags, so it is
        // needed on the VM created in the folder.
        "InventoryService.Tagging.ObjectAttachable" => vec![Folder],
        _ if id.starts_with("InventoryService.Tagging.") => vec![Root],
        _ if id.starts_with("Datastore.") => vec![Datastore],
        "Network.Assign" => vec![Network],
        "VApp.Import" => vec![Pool, Folder],
        "VApp.AssignResourcePool" => vec![Pool],
        _ if id.starts_with("Resource.") => vec![Pool],
        "VirtualMachine.Provisioning.DeployTemplate"
        | "VirtualMachine.Provisioning.Clone"
        | "VirtualMachine.Provisioning.MarkAsVM" => vec![Folder, Template],
        "Folder.Create" => vec![Folder],
        _ if id.starts_with("VirtualMachine.") => vec![Folder],
        _ => return None,
    };
    Some(on)
}
