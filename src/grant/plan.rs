//! The smallest set of changes that makes every privilege the audit found
//! missing reach what needs it. Pure: the audit's verdict (its rows and
//! findings) and the permissions gathered come in as data.
//!
//! Least privilege, as the OpenShift and CSI documentation define their
//! roles: one dedicated role per entity kind, holding only that kind's
//! privileges, granted on the kind's target (or, where vSphere refuses a
//! permission there, on the nearest entity above that it accepts), with
//! propagation only where the manifest needs it; the tagging privileges
//! as a global permission. Where the principal already holds a
//! permission that decides there, the plan either widens that role or
//! replaces the permission, and `--apply` needs the flag that says which.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::checks::EntityRef;
use crate::checks::privileges::{Placement, PrivilegeRow, must_be_global};
use crate::inventory::Snapshot;
use crate::manifest::{EntityKind, IMPLIED, Level, Manifest, TargetKind, UsedOn};
use crate::report::grant::{Action, Change, Flag, NotPlanned, Replaces, RoleRef};
use crate::vsphere::{MoRef, Permission, Role, same_principal};

/// The role id of Admin; vaudit never grants it, nor any system role
/// (negative ids).
pub const ADMIN: i32 = -1;

/// What the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub recommended: bool,
    /// `--role PREFIX`; `None`: from the manifest's name and version.
    pub prefix: Option<String>,
    pub widen_shared_role: bool,
    pub replace_existing: bool,
}

/// Everything the planner reads.
pub struct Inputs<'a> {
    pub manifest: &'a Manifest,
    pub snap: &'a Snapshot,
    /// Where each kind was checked (the privileges check's placements).
    pub placements: &'a [Placement],
    /// The privileges check's rows and its privilege-not-propagated
    /// findings: (entity moref, privilege id).
    pub rows: &'a [PrivilegeRow],
    pub not_propagated: &'a [(String, String)],
    /// The tagging privileges not held as a global permission (the
    /// tagging check's verdict).
    pub tag_gaps: &'a [String],
    /// Whether the vCenter can create global permissions (vSphere API 9).
    pub global_api: bool,
    /// The principal's global permission, when the vCenter could list it.
    pub global_existing: Option<&'a Permission>,
    pub principal: &'a str,
    pub known: &'a BTreeSet<String>,
    pub roles: &'a [Role],
    /// The permissions reaching each entity the plan grants on
    /// (RetrieveEntityPermissions, inherited), nearest first.
    pub permissions: &'a [(MoRef, Vec<Permission>)],
    /// Every permission using a role (RetrieveRolePermissions), for the
    /// roles the plan may extend.
    pub holders: &'a BTreeMap<i32, Vec<Permission>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub principal: String,
    pub changes: Vec<Change>,
    pub not_planned: Vec<NotPlanned>,
}

impl Plan {
    /// cli.md §3a: 2 when a kind could not be planned, 1 when changes are
    /// left to make, 0 when nothing is (manual steps are warnings).
    pub fn exit_code(&self) -> u8 {
        if !self.not_planned.is_empty() {
            2
        } else if self.changes.iter().any(Change::actionable) {
            1
        } else {
            0
        }
    }

    /// The changes `--apply` may not make with these flags, with the flag
    /// each needs.
    pub fn refused(&self, widen: bool, replace: bool, move_up: bool) -> Vec<(&Change, Flag)> {
        self.changes
            .iter()
            .filter(|c| c.actionable())
            .filter_map(|c| {
                let f = c.needs?;
                let allowed = match f {
                    Flag::WidenSharedRole => widen,
                    Flag::ReplaceExisting => replace,
                    Flag::AllowMoveUp => move_up,
                };
                (!allowed).then_some((c, f))
            })
            .collect()
    }
}

/// Why no plan can be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    /// `unknown-principal`: the privileges check's finding, as one sentence.
    #[error("{0}")]
    UnknownPrincipal(String),
    #[error(
        "The role {name:?} exists but is not vaudit's dedicated {kind} role (it holds {extra}, which the manifest does not give that kind): choose another prefix with --role."
    )]
    NotDedicated {
        name: String,
        kind: String,
        extra: String,
    },
}

/// The default prefix: `vaudit-<manifest>-v<version>`.
pub fn default_prefix(m: &Manifest) -> String {
    match &m.version {
        Some(v) => format!("vaudit-{}-v{}", m.name, v),
        None => format!("vaudit-{}", m.name),
    }
}

/// The name of the dedicated role for a kind (`global` for the tagging
/// privileges).
pub fn role_name(prefix: &str, kind: &str) -> String {
    format!("{prefix}-{kind}")
}

/// The privileges the dedicated role of `kind` holds: the manifest's for
/// that kind at the asked level, known to the server, without the implied
/// ones and without those honoured only as a global permission.
pub fn kind_privileges(
    m: &Manifest,
    kind: EntityKind,
    recommended: bool,
    known: &BTreeSet<String>,
) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &m.privileges {
        if p.on.contains(&kind)
            && (p.level == Level::Required || recommended)
            && !IMPLIED.contains(&p.id.as_str())
            && !must_be_global(&p.id)
            && (known.is_empty() || known.contains(&p.id))
            && !out.contains(&p.id)
        {
            out.push(p.id.clone());
        }
    }
    out
}

/// The tagging privileges the global role holds.
pub fn global_privileges(m: &Manifest, recommended: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in &m.privileges {
        if must_be_global(&p.id)
            && (p.level == Level::Required || recommended)
            && !out.contains(&p.id)
        {
            out.push(p.id.clone());
        }
    }
    out
}

/// Whether the kind's permission must propagate: some entry says so and is
/// used on the VM created inside, or the kind is a container the product
/// creates objects in.
pub fn needs_propagation(m: &Manifest, kind: EntityKind, recommended: bool) -> bool {
    m.privileges.iter().any(|p| {
        p.on.contains(&kind)
            && (p.level == Level::Required || recommended)
            && p.propagate
            && (p.used_on == UsedOn::Vm
                || matches!(
                    kind,
                    EntityKind::Target(
                        TargetKind::Folder | TargetKind::Pool | TargetKind::Datacenter
                    )
                ))
    })
}

/// Where a permission for `entity` can go: the entity itself, or, where
/// vSphere refuses one (a datacenter's top folders, the root resource pool
/// of a cluster or standalone host: SetEntityPermissions, vSphere API
/// reference), its parent, with the reason.
pub fn permission_entity(snap: &Snapshot, entity: &MoRef) -> (MoRef, Option<String>) {
    let Some(e) = snap.get(entity) else {
        return (entity.clone(), None);
    };
    let Some(parent) = &e.parent else {
        return (entity.clone(), None);
    };
    let why = match (&*entity.kind, &*parent.kind) {
        ("Folder", "Datacenter") => format!(
            "vSphere refuses a permission on a datacenter's top folder ({}): moved up to the datacenter",
            e.path
        ),
        ("ResourcePool", "ClusterComputeResource") => format!(
            "vSphere refuses a permission on a cluster's root resource pool ({}): moved up to the cluster",
            e.path
        ),
        ("ResourcePool", "ComputeResource") => format!(
            "vSphere refuses a permission on a standalone host's root resource pool ({}): moved up to the host's compute resource",
            e.path
        ),
        _ => return (entity.clone(), None),
    };
    (parent.clone(), Some(why))
}

/// How many inventory objects a permission on `entity` reaches: every
/// descendant with propagation, the direct children without (vSphere's
/// complex entities pass a permission on to their hidden children).
pub fn reach(snap: &Snapshot, entity: &MoRef, propagate: bool) -> usize {
    let mut children: HashMap<&MoRef, Vec<&MoRef>> = HashMap::new();
    for e in &snap.entities {
        if let Some(p) = &e.parent {
            children.entry(p).or_default().push(&e.moref);
        }
    }
    let mut count = 0;
    let mut stack = vec![entity];
    while let Some(m) = stack.pop() {
        for c in children.get(m).into_iter().flatten() {
            count += 1;
            if propagate {
                stack.push(c);
            }
        }
    }
    count
}

fn entity_ref(snap: &Snapshot, m: &MoRef) -> EntityRef {
    if *m == snap.root {
        return (&crate::inventory::checked_on::root_entity(&snap.root)).into();
    }
    match snap.get(m) {
        Some(e) => e.into(),
        None => EntityRef {
            kind: m.kind.to_string(),
            moref: m.value.clone(),
            name: m.value.clone(),
            path: m.to_string(),
        },
    }
}

fn role_by_id(roles: &[Role], id: i32) -> Option<&Role> {
    roles.iter().find(|r| r.id == id)
}

fn role_by_name<'r>(roles: &'r [Role], name: &str) -> Option<&'r Role> {
    roles.iter().find(|r| r.name.eq_ignore_ascii_case(name))
}

/// The principal's own permission that decides on `entity`: defined there
/// or the nearest propagating one above (a user's own permission beats its
/// groups' at a level, and the nearest level wins).
fn own_deciding<'p>(
    principal: &str,
    entity: &MoRef,
    perms: &'p [Permission],
) -> Option<(MoRef, &'p Permission)> {
    perms
        .iter()
        .filter(|p| !p.group && same_principal(&p.principal, principal))
        .find(|p| p.entity.as_ref().is_none_or(|e| e == entity) || p.propagate)
        .map(|p| (p.entity.clone().unwrap_or_else(|| entity.clone()), p))
}

/// The other principals holding a role, sorted.
fn held_by(holders: &BTreeMap<i32, Vec<Permission>>, role: i32, principal: &str) -> Vec<String> {
    let mut out: Vec<String> = holders
        .get(&role)
        .into_iter()
        .flatten()
        .filter(|p| p.group || !same_principal(&p.principal, principal))
        .map(|p| {
            if p.group {
                format!("{} (group)", p.principal)
            } else {
                p.principal.clone()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A role change: create it holding `privileges`, or add what it lacks.
struct RoleWork {
    name: String,
    want: BTreeSet<String>,
}

pub fn plan(i: &Inputs<'_>, o: &Options) -> Result<Plan, PlanError> {
    let prefix = o
        .prefix
        .clone()
        .unwrap_or_else(|| default_prefix(i.manifest));
    let mut not_planned = Vec::new();
    let mut roles: Vec<RoleWork> = Vec::new();
    let mut perms: Vec<Change> = Vec::new();
    let mut noops: Vec<Change> = Vec::new();
    let want_role = |roles: &mut Vec<RoleWork>, name: &str, ids: &[String]| match roles
        .iter_mut()
        .find(|r| r.name == name)
    {
        Some(r) => r.want.extend(ids.iter().cloned()),
        None => roles.push(RoleWork {
            name: name.to_string(),
            want: ids.iter().cloned().collect(),
        }),
    };
    // Replacements of a permission defined above the target, merged per
    // entity: (entity, the permission, ids to add, propagate).
    let mut replace_up: Vec<(MoRef, Permission, BTreeSet<String>, bool)> = Vec::new();
    for pl in i.placements {
        if pl.stand_in.is_some() {
            not_planned.push(NotPlanned {
                kind: pl.kind.as_str().to_string(),
                how: how_to_give(pl.kind).to_string(),
            });
            continue;
        }
        let mut kind_ids = kind_privileges(i.manifest, pl.kind, o.recommended, i.known);
        if pl.kind == EntityKind::Root && !i.global_api {
            // Before vCenter 9 a global permission cannot be read or made
            // through an API: the root folder's permission carries the
            // tagging privileges too, so the audit can see them (and warns
            // until the global permission is confirmed by hand).
            for id in global_privileges(i.manifest, o.recommended) {
                if (i.known.is_empty() || i.known.contains(&id)) && !kind_ids.contains(&id) {
                    kind_ids.push(id);
                }
            }
        }
        if kind_ids.is_empty() {
            continue;
        }
        let dedicated = role_name(&prefix, pl.kind.as_str());
        if let Some(r) = role_by_name(i.roles, &dedicated) {
            let extra: Vec<&str> = r
                .privileges
                .iter()
                .map(String::as_str)
                .filter(|p| !IMPLIED.contains(p) && !kind_ids.iter().any(|k| k == p))
                .collect();
            if !extra.is_empty() {
                return Err(PlanError::NotDedicated {
                    name: dedicated,
                    kind: pl.kind.as_str().to_string(),
                    extra: extra.join(", "),
                });
            }
        }
        let moref = pl.moref();
        let missing: Vec<String> = kind_ids
            .iter()
            .filter(|id| {
                i.rows
                    .iter()
                    .any(|r| &r.id == *id && !r.granted && r.known && r.entity.moref == moref.value)
                    || i.not_propagated
                        .iter()
                        .any(|(m, p)| *m == moref.value && p == *id)
            })
            .cloned()
            .collect();
        let propagate = needs_propagation(i.manifest, pl.kind, o.recommended);
        let (on, reason) = permission_entity(i.snap, &moref);
        if missing.is_empty() {
            let mut c = Change::new(Action::NoOp, i.principal);
            c.entity = Some(pl.entity.clone());
            c.reason = Some(format!(
                "every {} privilege of the manifest reaches {}",
                pl.kind, pl.entity.path
            ));
            noops.push(c);
            continue;
        }
        let reaching: &[Permission] = i
            .permissions
            .iter()
            .find(|(m, _)| *m == on)
            .map(|(_, p)| p.as_slice())
            .unwrap_or(&[]);
        let mut add = |role: &str, needs: Option<Flag>, replaces: Option<&Permission>| {
            let mut c = Change::new(
                if replaces.is_some() {
                    Action::ReplacePermission
                } else {
                    Action::AddPermission
                },
                i.principal,
            );
            c.entity = Some(entity_ref(i.snap, &on));
            c.role = Some(RoleRef {
                name: role.to_string(),
                id: role_by_name(i.roles, role).map(|r| r.id),
            });
            c.propagate = Some(propagate || replaces.is_some_and(|p| p.propagate));
            c.replaces = replaces.map(|p| Replaces {
                role: RoleRef {
                    name: role_by_id(i.roles, p.role_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| p.role_id.to_string()),
                    id: Some(p.role_id),
                },
                propagate: p.propagate,
            });
            c.needs = needs;
            if let Some(why) = &reason {
                c.reason = Some(why.clone());
                c.reaches = Some(reach(i.snap, &on, c.propagate == Some(true)));
                c.needs = c.needs.or(Some(Flag::AllowMoveUp));
            }
            perms.push(c);
        };
        match own_deciding(i.principal, &on, reaching) {
            // Admin holds everything; nothing to do here for this principal.
            Some((_, p)) if p.role_id == ADMIN => {}
            None => {
                want_role(&mut roles, &dedicated, &kind_ids);
                add(&dedicated, None, None);
            }
            Some((defined, p)) => {
                let old: BTreeSet<String> = role_by_id(i.roles, p.role_id)
                    .map(|r| r.privileges.iter().cloned().collect())
                    .unwrap_or_default();
                let within = old
                    .iter()
                    .all(|x| IMPLIED.contains(&x.as_str()) || kind_ids.contains(x));
                let is_dedicated = role_by_id(i.roles, p.role_id)
                    .is_some_and(|r| r.name.eq_ignore_ascii_case(&dedicated));
                if is_dedicated && (p.propagate || !propagate) {
                    // vaudit's own role, granted as needed: it only lacks
                    // privileges.
                    want_role(&mut roles, &dedicated, &kind_ids);
                } else if defined != on && within {
                    // A permission on the target holding the dedicated role
                    // loses the principal nothing there.
                    want_role(&mut roles, &dedicated, &kind_ids);
                    add(&dedicated, None, None);
                } else if o.widen_shared_role && p.role_id > 0 {
                    let name = role_by_id(i.roles, p.role_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| p.role_id.to_string());
                    want_role(&mut roles, &name, &missing);
                    if propagate && !p.propagate {
                        let mut q = p.clone();
                        q.entity = Some(defined.clone());
                        replace_up.push((defined, q, BTreeSet::new(), true));
                    }
                } else if defined == on && within {
                    want_role(&mut roles, &dedicated, &kind_ids);
                    add(&dedicated, Some(Flag::ReplaceExisting), Some(p));
                } else {
                    let mut q = p.clone();
                    q.entity = Some(defined.clone());
                    match replace_up
                        .iter_mut()
                        .find(|(m, x, _, _)| *m == defined && x.role_id == p.role_id)
                    {
                        Some((_, _, ids, prop)) => {
                            ids.extend(missing.iter().cloned());
                            *prop |= propagate;
                        }
                        None => replace_up.push((
                            defined,
                            q,
                            missing.iter().cloned().collect(),
                            propagate,
                        )),
                    }
                }
            }
        }
    }
    // Replacements: a role holding the old role's privileges and the
    // needed ones, so the principal loses nothing.
    for (on, p, ids, propagate) in replace_up {
        let old = role_by_id(i.roles, p.role_id);
        let old_name = old
            .map(|r| r.name.clone())
            .unwrap_or_else(|| p.role_id.to_string());
        let (name, action_role) = if ids.is_empty() {
            // Only propagation is missing: same role, propagating.
            (old_name.clone(), old_name.clone())
        } else {
            let name = format!("{prefix}-with-{old_name}");
            let mut all: Vec<String> = old
                .map(|r| {
                    r.privileges
                        .iter()
                        .filter(|x| !IMPLIED.contains(&x.as_str()))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            for id in ids {
                if !all.contains(&id) {
                    all.push(id);
                }
            }
            want_role(&mut roles, &name, &all);
            (name.clone(), name)
        };
        let mut c = Change::new(Action::ReplacePermission, i.principal);
        c.entity = Some(entity_ref(i.snap, &on));
        c.role = Some(RoleRef {
            id: role_by_name(i.roles, &action_role).map(|r| r.id),
            name,
        });
        c.propagate = Some(propagate || p.propagate);
        c.replaces = Some(Replaces {
            role: RoleRef {
                name: old_name,
                id: Some(p.role_id),
            },
            propagate: p.propagate,
        });
        c.needs = Some(Flag::ReplaceExisting);
        perms.push(c);
    }
    // The tagging privileges, as a global permission.
    let tags: Vec<String> = global_privileges(i.manifest, o.recommended)
        .into_iter()
        .filter(|id| i.tag_gaps.contains(id))
        .collect();
    if !tags.is_empty() {
        let name = role_name(&prefix, "global");
        want_role(&mut roles, &name, &tags);
        let mut c = Change::new(Action::GlobalPermission, i.principal);
        c.role = Some(RoleRef {
            id: role_by_name(i.roles, &name).map(|r| r.id),
            name,
        });
        c.propagate = Some(true);
        c.manual = !i.global_api;
        if let Some(g) = i.global_existing {
            c.replaces = Some(Replaces {
                role: RoleRef {
                    name: role_by_id(i.roles, g.role_id)
                        .map(|r| r.name.clone())
                        .unwrap_or_else(|| g.role_id.to_string()),
                    id: Some(g.role_id),
                },
                propagate: g.propagate,
            });
            c.needs = Some(Flag::ReplaceExisting);
        }
        if c.manual {
            c.reason = Some(
                "vCenter before 9 has no public API for global permissions: add it in the vSphere Client".into(),
            );
        }
        perms.push(c);
    }
    // Roles first: a permission names its role.
    let mut changes = Vec::new();
    for r in roles {
        let held = |id| held_by(i.holders, id, i.principal);
        match role_by_name(i.roles, &r.name) {
            None => {
                let mut c = Change::new(Action::CreateRole, i.principal);
                c.role = Some(RoleRef {
                    name: r.name,
                    id: None,
                });
                c.privileges = r.want.into_iter().collect();
                changes.push(c);
            }
            Some(existing) => {
                let lacks: Vec<String> = r
                    .want
                    .iter()
                    .filter(|x| !existing.privileges.contains(x))
                    .cloned()
                    .collect();
                if lacks.is_empty() {
                    continue;
                }
                let mut c = Change::new(Action::ExtendRole, i.principal);
                c.role = Some(RoleRef {
                    name: r.name.clone(),
                    id: Some(existing.id),
                });
                c.privileges = lacks;
                c.held_by = held(existing.id);
                let ours = r.name.starts_with(&format!("{prefix}-"));
                if !ours || !c.held_by.is_empty() {
                    c.needs = Some(Flag::WidenSharedRole);
                }
                changes.push(c);
            }
        }
    }
    changes.extend(perms);
    changes.extend(noops);
    Ok(Plan {
        principal: i.principal.to_string(),
        changes,
        not_planned,
    })
}

fn how_to_give(k: EntityKind) -> &'static str {
    use TargetKind::*;
    let EntityKind::Target(t) = k else {
        return "nothing: the root is always known";
    };
    match t {
        Datacenter => "--datacenter or the config's datacenter",
        Folder => "--folder or the config's folder",
        Pool => "--pool or the config's resourcepool",
        Datastore => "--datastore or the config's datastore",
        Network => "--network or the config's network",
        Template => "--template or the config's appliancevm.vmtemplate",
        Cluster => "--cluster",
        Host => "--host",
        Switch => "--switch",
        Portgroup => "--network naming a distributed port group",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_group_is_named_by_the_network_flag_not_the_switch() {
        let how = how_to_give(EntityKind::Target(TargetKind::Portgroup));
        assert!(how.starts_with("--network"), "{how}");
        assert_ne!(how, how_to_give(EntityKind::Target(TargetKind::Switch)));
    }
    use crate::inventory::{Entity, VCenter};
    use crate::manifest::Privilege;

    fn entity(kind: &str, value: &str, path: &str, parent: Option<(&str, &str)>) -> Entity {
        Entity {
            moref: MoRef::new(kind, value),
            name: path.rsplit('/').next().unwrap_or("").into(),
            path: path.into(),
            parent: parent.map(|(k, v)| MoRef::new(k, v)),
            ..Default::default()
        }
    }

    fn snap() -> Snapshot {
        let entities = vec![
            entity("Datacenter", "dc", "/DC0", Some(("Folder", "root"))),
            entity("Folder", "vm", "/DC0/vm", Some(("Datacenter", "dc"))),
            entity("Folder", "arc", "/DC0/vm/Arc", Some(("Folder", "vm"))),
            entity(
                "VirtualMachine",
                "vm1",
                "/DC0/vm/Arc/a",
                Some(("Folder", "arc")),
            ),
            entity(
                "ClusterComputeResource",
                "c",
                "/DC0/host/C",
                Some(("Folder", "host")),
            ),
            entity(
                "ResourcePool",
                "rp",
                "/DC0/host/C/Resources",
                Some(("ClusterComputeResource", "c")),
            ),
            entity(
                "ResourcePool",
                "child",
                "/DC0/host/C/Resources/P",
                Some(("ResourcePool", "rp")),
            ),
        ];
        Snapshot::new(
            VCenter::default(),
            MoRef::new("Folder", "root"),
            entities,
            None,
            String::new(),
        )
    }

    fn privilege(id: &str, on: &[EntityKind], used_on: UsedOn, propagate: bool) -> Privilege {
        Privilege {
            id: id.into(),
            group: "G".into(),
            label: id.into(),
            level: Level::Required,
            on: on.to_vec(),
            used_on,
            propagate,
            condition: None,
        }
    }

    #[test]
    fn a_datacenters_top_folder_moves_up_to_the_datacenter() {
        let s = snap();
        let (on, why) = permission_entity(&s, &MoRef::new("Folder", "vm"));
        assert_eq!(on, MoRef::new("Datacenter", "dc"));
        assert!(why.unwrap().contains("top folder"));
    }

    #[test]
    fn a_clusters_root_pool_moves_up_to_the_cluster_and_a_child_pool_stays() {
        let s = snap();
        let (on, why) = permission_entity(&s, &MoRef::new("ResourcePool", "rp"));
        assert_eq!(on, MoRef::new("ClusterComputeResource", "c"));
        assert!(why.is_some());
        let (on, why) = permission_entity(&s, &MoRef::new("ResourcePool", "child"));
        assert_eq!((on, why), (MoRef::new("ResourcePool", "child"), None));
        let (on, why) = permission_entity(&s, &MoRef::new("Folder", "arc"));
        assert_eq!((on, why), (MoRef::new("Folder", "arc"), None));
    }

    #[test]
    fn reach_counts_descendants_with_propagation_and_children_without() {
        let s = snap();
        let dc = MoRef::new("Datacenter", "dc");
        assert_eq!(reach(&s, &dc, true), 3);
        assert_eq!(reach(&s, &dc, false), 1);
    }

    #[test]
    fn propagation_only_where_the_manifest_needs_it() {
        let m = Manifest {
            name: "m".into(),
            description: String::new(),
            source: None,
            version: Some("2".into()),
            date: None,
            options: vec![],
            switched_on: vec![],
            privileges: vec![
                privilege(
                    "Datastore.AllocateSpace",
                    &[EntityKind::Target(TargetKind::Datastore)],
                    UsedOn::Container,
                    true,
                ),
                privilege(
                    "VirtualMachine.Config.AddNewDisk",
                    &[EntityKind::Target(TargetKind::Folder)],
                    UsedOn::Vm,
                    true,
                ),
                privilege(
                    "Sessions.ValidateSession",
                    &[EntityKind::Root],
                    UsedOn::Container,
                    false,
                ),
            ],
        };
        assert!(!needs_propagation(
            &m,
            EntityKind::Target(TargetKind::Datastore),
            false
        ));
        assert!(needs_propagation(
            &m,
            EntityKind::Target(TargetKind::Folder),
            false
        ));
        assert!(!needs_propagation(&m, EntityKind::Root, false));
        assert_eq!(default_prefix(&m), "vaudit-m-v2");
        assert_eq!(role_name("p", "folder"), "p-folder");
    }

    #[test]
    fn the_tag_privileges_go_to_the_global_role_not_the_kinds() {
        let m = Manifest {
            name: "m".into(),
            description: String::new(),
            source: None,
            version: None,
            date: None,
            options: vec![],
            switched_on: vec![],
            privileges: vec![
                privilege(
                    "InventoryService.Tagging.AttachTag",
                    &[EntityKind::Root],
                    UsedOn::Container,
                    true,
                ),
                privilege(
                    "Sessions.ValidateSession",
                    &[EntityKind::Root],
                    UsedOn::Container,
                    true,
                ),
                privilege("System.Read", &[EntityKind::Root], UsedOn::Container, true),
            ],
        };
        let known = BTreeSet::new();
        assert_eq!(
            kind_privileges(&m, EntityKind::Root, false, &known),
            vec!["Sessions.ValidateSession".to_string()]
        );
        assert_eq!(
            global_privileges(&m, false),
            vec!["InventoryService.Tagging.AttachTag".to_string()]
        );
    }
}
