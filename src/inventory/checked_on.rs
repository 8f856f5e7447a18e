//! Where each kind of a privilege manifest is checked: on its target when
//! one is given, else on a stand-in (the datacenter or the root folder),
//! which is only an approximation and is marked as one.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use super::{Entity, EntityRef, Targets};
use crate::manifest::{EntityKind, IMPLIED, Manifest, TargetKind};
use crate::vsphere::MoRef;

/// The entity one manifest kind is checked on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Placement {
    pub kind: EntityKind,
    pub entity: EntityRef,
    /// Set when no target of this kind was given and another entity stands
    /// in: `"datacenter"` or `"root folder"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stand_in: Option<&'static str>,
}

impl Placement {
    pub fn moref(&self) -> MoRef {
        MoRef::new(self.entity.kind.clone(), self.entity.moref.clone())
    }
}

/// Where each kind the manifest uses is checked: its target when given, else
/// the datacenter when given, else the root folder. `template` is checked
/// only when a template is named.
pub fn placements(kinds: &BTreeSet<EntityKind>, t: &Targets<'_>, root: &Entity) -> Vec<Placement> {
    let fallback = || match t.datacenter {
        Some(dc) => (dc, Some("datacenter")),
        None => (root, Some("root folder")),
    };
    let mut out = Vec::new();
    for &kind in kinds {
        let given = match kind {
            EntityKind::Root => Some(root),
            EntityKind::Target(TargetKind::Template) if t.template.is_none() => continue,
            // The --network, when it is a distributed port group; a
            // standard network is not one, and gets a stand-in.
            EntityKind::Target(k) => t.get(k),
        };
        let (entity, stand_in) = match given {
            Some(e) => (e, None),
            None if kind == EntityKind::Target(TargetKind::Datacenter) => {
                (root, Some("root folder"))
            }
            None => fallback(),
        };
        out.push(Placement {
            kind,
            entity: entity.into(),
            stand_in,
        });
    }
    out
}

/// The root folder as an entity (the snapshot lists only what is below it).
pub fn root_entity(root: &MoRef) -> Entity {
    Entity {
        moref: root.clone(),
        name: "Datacenters".into(),
        path: "/".into(),
        ..Default::default()
    }
}

/// The ids to ask the server about: the manifest's, without the implied
/// ones and (when the server listed its privileges) without unknown ones.
pub fn ids_to_query(manifest: &Manifest, known: &BTreeSet<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    manifest
        .ids()
        .filter(|id| !IMPLIED.contains(id))
        .filter(|id| known.is_empty() || known.contains(*id))
        .filter(|id| seen.insert(*id))
        .map(str::to_owned)
        .collect()
}

/// The distinct entities of the placements, in order.
pub fn entities_to_query(placements: &[Placement]) -> Vec<MoRef> {
    let mut seen = HashSet::new();
    placements
        .iter()
        .map(Placement::moref)
        .filter(|m| seen.insert(m.clone()))
        .collect()
}
