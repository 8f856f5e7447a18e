//! `--explain`: the permissions that reach each entity with a gap, and the
//! govc and PowerCLI lines that close every gap, each on the nearest entity
//! that makes the privilege reach what needs it. Rendered from what the
//! session answered, so a later `vaudit grant` can run the same plan.

use std::collections::BTreeMap;

use super::privileges::{Explain, ExplainEntity, ExplainPermission};
use super::quote;
use crate::checks::privileges::{self, Answers, Placement, PrivilegeRow};
use crate::checks::tagging;
use crate::checks::{EntityRef, Finding};
use crate::inventory::{PrivilegeAnswers, Snapshot};
use crate::manifest::{self, Manifest};
use crate::vsphere::{MoRef, Permission};

/// What `vaudit privileges` lists, from what one session gathered: the
/// answers, where each kind was checked and, with `--explain`, the
/// permissions reaching each entity with a gap.
pub struct Answered {
    pub snap: Snapshot,
    pub targets: BTreeMap<&'static str, EntityRef>,
    pub placements: Vec<Placement>,
    pub answers: PrivilegeAnswers,
    pub user: String,
    /// `--explain`: the permissions reaching each entity with a gap.
    pub applying: Vec<(MoRef, Vec<Permission>)>,
    /// vCenter 9's global permissions, when `AttachTag` is judged there.
    pub global: Option<tagging::GlobalListing>,
}

pub fn answers<'a>(g: &'a Answered, manifest: &'a Manifest) -> Answers<'a> {
    answers_of(&g.answers, &g.placements, manifest)
}

/// What the privileges check reads of the session's answers.
pub fn answers_of<'a>(
    a: &'a PrivilegeAnswers,
    placements: &'a [Placement],
    manifest: &'a Manifest,
) -> Answers<'a> {
    Answers {
        manifest,
        placements,
        known: &a.known,
        granted: &a.granted,
        user: &a.user,
        permissions: &a.permissions,
        roles: &a.roles,
        groups: a.membership.as_ref().and_then(|m| m.groups.as_deref()),
    }
}

pub fn explain(
    g: &Answered,
    rows: &[PrivilegeRow],
    findings: &[Finding],
    manifest: &Manifest,
) -> Explain {
    let role_name = |id: i32| {
        g.answers
            .roles
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| format!("role {id}"))
    };
    let path_of = |m: &MoRef| {
        if *m == g.snap.root {
            "/".to_string()
        } else {
            g.snap
                .get(m)
                .map(|e| e.path.clone())
                .unwrap_or_else(|| m.to_string())
        }
    };
    let mut missing: Vec<String> = Vec::new();
    let mut entities = Vec::new();
    for (m, perms) in &g.applying {
        let gaps: Vec<&PrivilegeRow> = rows
            .iter()
            .filter(|r| {
                r.known && !r.granted && *r.entity.kind == *m.kind && r.entity.moref == m.value
            })
            .collect();
        let Some(first) = gaps.first() else { continue };
        for r in &gaps {
            if !missing.contains(&r.id) {
                missing.push(r.id.clone());
            }
        }
        entities.push(ExplainEntity {
            entity: first.entity.clone(),
            missing: gaps.iter().map(|r| r.id.clone()).collect(),
            permissions: perms
                .iter()
                .map(|p| ExplainPermission {
                    defined_on: p
                        .entity
                        .as_ref()
                        .map(&path_of)
                        .unwrap_or_else(|| first.entity.path.clone()),
                    principal: p.principal.clone(),
                    group: p.group,
                    role: role_name(p.role_id),
                    role_id: p.role_id,
                    propagate: p.propagate,
                })
                .collect(),
        });
    }
    let r = remediation(g, &entities, findings, manifest);
    Explain {
        entities,
        missing,
        govc: r.govc,
        powercli: r.powercli,
        notes: r.notes,
    }
}

#[derive(Default)]
struct Remediation {
    govc: Vec<String>,
    powercli: Vec<String>,
    notes: Vec<String>,
}

impl Remediation {
    fn push(&mut self, govc: String, powercli: String) {
        if !self.govc.contains(&govc) {
            self.govc.push(govc);
        }
        if !self.powercli.contains(&powercli) {
            self.powercli.push(powercli);
        }
    }
}

/// PowerCLI's id of a managed object (`Folder-group-v9`), for `Get-Inventory -Id`.
fn powercli_id(m: &MoRef) -> String {
    let kind = match &*m.kind {
        "DistributedVirtualPortgroup" => "DistributedPortgroup",
        k => k,
    };
    format!("{kind}-{}", m.value)
}

/// The lines that close every gap, each on the nearest entity that makes the
/// privilege reach what needs it: a missing privilege on the entity it is
/// checked on (propagating, so the VM created inside has it too), a
/// stranded one by turning on propagation of the permission that grants it,
/// a tagging one as a global permission. A custom role that decides for the
/// user on the entity is extended; where none does (no permission, or only a
/// system role such as Read-only), the manifest's role is created and granted.
fn remediation(
    g: &Answered,
    entities: &[ExplainEntity],
    findings: &[Finding],
    manifest: &Manifest,
) -> Remediation {
    let mut r = Remediation::default();
    let user = g.user.as_str();
    let role = manifest.name.as_str();
    let all: Vec<&str> = manifest
        .ids()
        .filter(|i| !manifest::IMPLIED.contains(i))
        .filter(|i| g.answers.known.is_empty() || g.answers.known.contains(*i))
        .collect();
    let mut create_role = false;
    // Entities to grant the manifest's role on, with propagation.
    let mut grant_on: Vec<&EntityRef> = Vec::new();
    let tagging: Vec<&str> = entities
        .iter()
        .flat_map(|e| e.missing.iter())
        .map(String::as_str)
        .filter(|i| privileges::must_be_global(i))
        .collect();
    for e in entities {
        let ids: Vec<&str> = e
            .missing
            .iter()
            .map(String::as_str)
            .filter(|i| !privileges::must_be_global(i))
            .collect();
        if ids.is_empty() {
            continue;
        }
        let groups = g
            .answers
            .membership
            .as_ref()
            .and_then(|m| m.groups.as_deref());
        let extend: Vec<&ExplainPermission> = deciding(&e.permissions, user, groups)
            .into_iter()
            .filter(|p| p.role_id > 0)
            .collect();
        if extend.is_empty() {
            create_role = true;
            grant_on.push(&e.entity);
            continue;
        }
        for p in extend {
            r.push(
                format!(
                    "govc role.update -a {} {}",
                    quote::sh(&p.role),
                    ids.iter()
                        .map(|i| quote::sh(i))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                format!(
                    "Set-VIRole -Role {} -AddPrivilege (Get-VIPrivilege -Id {})",
                    quote::powershell(&p.role),
                    ids.iter()
                        .map(|i| quote::powershell(i))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            );
        }
    }
    // Stranded grants: propagate the permission that holds them; where none
    // can be named (a nearer permission masks them), grant the role.
    let answers = answers(g, manifest);
    let mut repropagate: Vec<(MoRef, &Permission)> = Vec::new();
    for f in findings
        .iter()
        .filter(|f| f.code == "privilege-not-propagated")
    {
        let Some(id) = f.privilege.as_ref().map(|p| p.id.as_str()) else {
            continue;
        };
        let stranded = privileges::stranded(&answers, id);
        if stranded.is_empty()
            && let Some(e) = &f.entity
            && !grant_on.contains(&e)
        {
            create_role = true;
            grant_on.push(e);
        }
        for (m, p) in stranded {
            if !repropagate.iter().any(|(x, q)| x == m && *q == p) {
                repropagate.push((m.clone(), p));
            }
        }
    }
    let path_of = |m: &MoRef| {
        if *m == g.snap.root {
            "/".to_string()
        } else {
            g.snap
                .get(m)
                .map(|e| e.path.clone())
                .unwrap_or_else(|| m.to_string())
        }
    };
    for (m, p) in &repropagate {
        let role_name = g
            .answers
            .roles
            .iter()
            .find(|r| r.id == p.role_id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| p.role_id.to_string());
        r.push(
            format!(
                "govc permissions.set -principal {}{} -role {} -propagate=true {}",
                quote::sh(&p.principal),
                if p.group { " -group=true" } else { "" },
                quote::sh(&role_name),
                quote::sh(&path_of(m))
            ),
            format!(
                "Get-VIPermission -Entity (Get-Inventory -Id {}) -Principal {} | Set-VIPermission -Propagate:$true",
                quote::powershell(&powercli_id(m)),
                quote::powershell(&p.principal)
            ),
        );
    }
    if create_role {
        r.push(
            format!(
                "govc role.create {} {}",
                quote::sh(role),
                all.iter()
                    .map(|i| quote::sh(i))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            format!(
                "New-VIRole -Name {} -Privilege (Get-VIPrivilege -Id {})",
                quote::powershell(role),
                all.iter()
                    .map(|i| quote::powershell(i))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        for e in grant_on {
            let m = MoRef::new(e.kind.clone(), e.moref.clone());
            r.push(
                format!(
                    "govc permissions.set -principal {} -role {} -propagate=true {}",
                    quote::sh(user),
                    quote::sh(role),
                    quote::sh(&e.path)
                ),
                format!(
                    "New-VIPermission -Entity (Get-Inventory -Id {}) -Principal {} -Role {} -Propagate:$true",
                    quote::powershell(&powercli_id(&m)),
                    quote::powershell(user),
                    quote::powershell(role)
                ),
            );
        }
    }
    if !tagging.is_empty() {
        r.notes.push(format!(
            "{}: vSphere honours tagging privileges only as a global permission (or on the tag): add them to a role and grant it to {user} in the vSphere Client under Administration > Access Control > Global Permissions, with \"Propagate to children\" on (neither govc nor PowerCLI has a command for global permissions)",
            tagging.join(", ")
        ));
    }
    r
}

/// The permissions that decide for the user, given every permission that
/// reaches an entity, nearest first: the nearest entity holding a permission
/// of the user's own or of a group (membership is not known here) decides;
/// there the user's own permissions beat the groups'.
fn deciding<'a>(
    perms: &'a [ExplainPermission],
    user: &str,
    groups: Option<&[String]>,
) -> Vec<&'a ExplainPermission> {
    let own =
        |p: &ExplainPermission| !p.group && crate::vsphere::same_principal(&p.principal, user);
    // A group's permission counts when the user is in it (every group's
    // when the groups are not known).
    let mine = |p: &ExplainPermission| {
        p.group
            && groups.is_none_or(|g| {
                g.iter()
                    .any(|x| crate::vsphere::same_principal(x, &p.principal))
            })
    };
    let Some(first) = perms.iter().find(|p| mine(p) || own(p)) else {
        return vec![];
    };
    let there: Vec<&ExplainPermission> = perms
        .iter()
        .filter(|p| p.defined_on == first.defined_on && (mine(p) || own(p)))
        .collect();
    if there.iter().any(|p| own(p)) {
        there.into_iter().filter(|p| own(p)).collect()
    } else {
        there
    }
}
