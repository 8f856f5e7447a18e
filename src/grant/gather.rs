//! What the planner reads, asked in the audit's session: the privileges
//! check's answers and verdict (the same calls and the same pure check
//! `vaudit privileges` runs, so there is one verdict), the tagging check's
//! verdict on `AttachTag`, and what only a plan needs: the permissions
//! reaching each entity a permission would go on, and who else holds the
//! roles it may extend.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::{self, Inputs, Options, Plan, PlanError, global_privileges, permission_entity};
use crate::checks::privileges::{self, Answers, Placement, PrivilegeAudit};
use crate::checks::tagging::{self, GlobalListing, Judged};
use crate::inventory::{PrivilegeAnswers, Snapshot, Targets};
use crate::manifest::Manifest;
use crate::vsphere::{Client, Error, MoRef, Permission, Principal, Scope, same_principal};

/// Everything gathered for one plan.
pub struct Gathered {
    pub placements: Vec<Placement>,
    pub answers: PrivilegeAnswers,
    pub audit: PrivilegeAudit,
    pub tag: Judged,
    pub global: Option<GlobalListing>,
    pub permissions: Vec<(MoRef, Vec<Permission>)>,
    pub holders: BTreeMap<i32, Vec<Permission>>,
}

/// The permissions reaching each entity a permission would go on, and the
/// permissions using each role the plan may extend.
pub type Reaching = (
    Vec<(MoRef, Vec<Permission>)>,
    BTreeMap<i32, Vec<Permission>>,
);

/// What only a plan needs beyond the audit's answers: the permissions
/// reaching each entity a permission would go on (nearest first), and every
/// permission using the roles the plan may extend (the principal's own and
/// vaudit's dedicated ones).
pub async fn reaching(
    client: &Client,
    snap: &Snapshot,
    placements: &[Placement],
    answers: &PrivilegeAnswers,
    prefix: &str,
) -> Result<Reaching, Error> {
    let mut on: Vec<MoRef> = Vec::new();
    for p in placements.iter().filter(|p| p.stand_in.is_none()) {
        let (m, _) = permission_entity(snap, &p.moref());
        if !on.contains(&m) {
            on.push(m);
        }
    }
    let mut permissions = Vec::new();
    for m in on {
        let mut perms = client.retrieve_entity_permissions(&m, true).await?;
        perms.sort_by_key(|p| crate::inventory::privileges::distance(snap, &m, p.entity.as_ref()));
        permissions.push((m, perms));
    }
    let mut roles: BTreeSet<i32> = BTreeSet::new();
    for (_, perms) in &permissions {
        for p in perms {
            if !p.group && same_principal(&p.principal, &answers.user) && p.role_id > 0 {
                roles.insert(p.role_id);
            }
        }
    }
    let ours = format!("{}-", prefix.to_lowercase());
    for r in &answers.roles {
        if r.id > 0 && r.name.to_lowercase().starts_with(&ours) {
            roles.insert(r.id);
        }
    }
    let mut holders = BTreeMap::new();
    for id in roles {
        holders.insert(id, client.retrieve_role_permissions(id).await?);
    }
    Ok((permissions, holders))
}

/// Asks everything a plan for these targets needs.
pub async fn gather(
    client: &Client,
    snap: &Snapshot,
    targets: &Targets<'_>,
    manifest: &Manifest,
    for_user: Option<&str>,
    credentials: (&str, &str),
    prefix: &str,
) -> Result<Gathered, Error> {
    let root = privileges::root_entity(&snap.root);
    let placements = privileges::placements(&manifest.kinds(), targets, &root);
    let v9 = tagging::lists_global_permissions(&snap.vcenter.version);
    let want_global = manifest.get(tagging::ATTACH_TAG).is_some() && v9;
    let (answers, global) = tokio::join!(
        crate::inventory::privileges::gather(
            client,
            snap,
            targets,
            manifest,
            for_user,
            Some(credentials),
        ),
        async {
            match want_global {
                true => Some(
                    crate::gate::global_permissions(client, credentials.0, credentials.1).await,
                ),
                false => None,
            }
        }
    );
    let answers = answers?;
    let audit = privileges::check(Answers::of(manifest, &placements, &answers));
    let tag = tagging::attach_tag(
        manifest,
        Some(&answers),
        &snap.root,
        &snap.vcenter.version,
        global.as_ref(),
    );
    let (permissions, holders) = reaching(client, snap, &placements, &answers, prefix).await?;
    Ok(Gathered {
        placements,
        answers,
        audit,
        tag,
        global,
        permissions,
        holders,
    })
}

impl Gathered {
    /// The tagging privileges the tagging check found not held as a global
    /// permission.
    pub fn tag_gaps(&self, manifest: &Manifest, recommended: bool) -> Vec<String> {
        tag_gaps(&self.tag, manifest, recommended)
    }

    /// The principal's own global permission, from vCenter 9's list.
    pub fn global_existing(&self) -> Option<Permission> {
        let Some(Ok(authz)) = &self.global else {
            return None;
        };
        let who = Principal::parse(&self.answers.user);
        authz
            .permissions
            .iter()
            .find(|p| p.scope == Scope::Global && !p.principal.group && p.principal.is(&who))
            .and_then(|p| {
                Some(Permission {
                    entity: None,
                    principal: self.answers.user.clone(),
                    group: false,
                    role_id: p.role.parse().ok()?,
                    propagate: p.propagating,
                })
            })
    }

    /// The not-propagated findings as (entity moref, privilege id).
    pub fn not_propagated(&self) -> Vec<(String, String)> {
        not_propagated(&self.audit.findings)
    }

    /// The plan from what was gathered.
    pub fn plan(
        &self,
        snap: &Snapshot,
        manifest: &Manifest,
        o: &Options,
    ) -> Result<Plan, PlanError> {
        if let Some(f) = privileges::unknown_principal(&self.answers) {
            return Err(PlanError::UnknownPrincipal(format!(
                "{}: {}.",
                f.message, f.remedy
            )));
        }
        let tag_gaps = self.tag_gaps(manifest, o.recommended);
        let not_propagated = self.not_propagated();
        let existing = self.global_existing();
        plan::plan(
            &Inputs {
                manifest,
                snap,
                placements: &self.placements,
                rows: &self.audit.rows,
                not_propagated: &not_propagated,
                tag_gaps: &tag_gaps,
                global_api: tagging::lists_global_permissions(&snap.vcenter.version),
                global_existing: existing.as_ref(),
                principal: &self.answers.user,
                known: &self.answers.known,
                roles: &self.answers.roles,
                permissions: &self.permissions,
                holders: &self.holders,
            },
            o,
        )
    }
}

/// The tagging privileges to grant as a global permission, given the
/// tagging check's verdict on `AttachTag`.
pub fn tag_gaps(tag: &Judged, manifest: &Manifest, recommended: bool) -> Vec<String> {
    match tag {
        Judged::Found(_) => global_privileges(manifest, recommended),
        _ => Vec::new(),
    }
}

/// The privileges check's privilege-not-propagated findings as (entity
/// moref, privilege id).
pub fn not_propagated(findings: &[crate::checks::Finding]) -> Vec<(String, String)> {
    findings
        .iter()
        .filter(|f| f.code == "privilege-not-propagated")
        .filter_map(|f| {
            Some((
                f.entity.as_ref()?.moref.clone(),
                f.privilege.as_ref()?.id.clone(),
            ))
        })
        .collect()
}
