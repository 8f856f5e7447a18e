//! `--apply` and `--undo`: the plan's changes made in order, after a
//! journal of the prior state of every role and permission they touch is
//! written; and that state restored from the journal, refused when what is
//! there now is not what vaudit left.
//!
//! The journal is rewritten after each change with what was applied, so a
//! run stopped by a failure (or a signal) leaves a record undo can use.
//! It holds names, ids and privilege lists, never a credential.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::plan::{ADMIN, Plan};
use crate::checks::EntityRef;
use crate::report::grant::{Action, Change};
use crate::vsphere::{
    Client, Error, MoRef, Permission, Principal, RestSession, Scope, same_principal,
};

pub const JOURNAL_KIND: &str = "vaudit-grant-journal";

/// A permission's state for one principal on one entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermState {
    pub role_id: i32,
    pub propagate: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleRecord {
    pub name: String,
    /// Known once it exists.
    pub id: Option<i32>,
    /// Its privileges before; `None`: vaudit created it.
    pub prior: Option<Vec<String>>,
    /// Its privileges after vaudit's change; `None`: not changed yet.
    pub after: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PermissionRecord {
    pub entity: EntityRef,
    pub principal: String,
    pub group: bool,
    pub prior: Option<PermState>,
    pub after: Option<PermState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GlobalRecord {
    pub principal: String,
    pub group: bool,
    pub prior: Option<PermState>,
    pub after: Option<PermState>,
    /// The permission's id in the REST API, once created.
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalVCenter {
    pub url: String,
    pub instance_uuid: String,
}

/// The undo record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub kind: String,
    pub version: u32,
    pub vcenter: JournalVCenter,
    pub principal: String,
    pub written_at: String,
    pub roles: Vec<RoleRecord>,
    pub permissions: Vec<PermissionRecord>,
    #[serde(default)]
    pub global: Vec<GlobalRecord>,
    pub changes: Vec<Change>,
}

/// Why apply or undo stopped.
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("{0}")]
    Vsphere(#[from] Error),
    #[error("cannot write the journal {path}: {reason}; nothing was changed after that")]
    JournalWrite { path: String, reason: String },
    #[error("cannot read the journal {path}: {reason}")]
    JournalRead { path: String, reason: String },
    #[error(
        "{path} is not a vaudit grant journal ({reason}): give the file `vaudit grant --apply` wrote"
    )]
    NotJournal { path: String, reason: String },
    #[error(
        "the journal {path} is from another vCenter (instance {journal}, this one is {this}): run --undo against the vCenter it names ({url})"
    )]
    OtherVCenter {
        path: String,
        journal: String,
        this: String,
        url: String,
    },
    #[error("vaudit never grants Admin or a system role; the plan asked for role {0}")]
    SystemRole(String),
    /// `what`: what was applied, what failed and why, what was not.
    #[error(
        "{what}. The journal {journal} records what was applied: `vaudit grant --undo {journal}` restores the prior state"
    )]
    Stopped { what: String, journal: String },
    #[error(
        "nothing was restored: the state changed since vaudit applied the journal {journal}:\n{diff}\nrestore these by hand, or re-run --undo once they are back as vaudit left them"
    )]
    Changed { journal: String, diff: String },
    /// `what`: what was restored, what failed and why, what was not.
    #[error("{what}")]
    UndoStopped { what: String },
}

/// The default journal name: `vaudit-grant-<vcenter>-<UTC time>.json`.
pub fn default_journal(host: &str, now: &str) -> PathBuf {
    let safe: String = format!("vaudit-grant-{host}-{now}.json")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    PathBuf::from(safe)
}

fn moref(e: &EntityRef) -> MoRef {
    MoRef::new(e.kind.clone(), e.moref.clone())
}

/// The principal's own permission defined on `entity`.
async fn own_permission(
    client: &Client,
    entity: &MoRef,
    principal: &str,
    group: bool,
) -> Result<Option<PermState>, Error> {
    Ok(client
        .retrieve_entity_permissions(entity, false)
        .await?
        .into_iter()
        .find(|p| {
            p.group == group
                && same_principal(&p.principal, principal)
                && p.entity.as_ref().is_none_or(|e| e == entity)
        })
        .map(|p| PermState {
            role_id: p.role_id,
            propagate: p.propagate,
        }))
}

async fn global_permission(
    rest: &RestSession<'_>,
    principal: &str,
    group: bool,
) -> Result<Option<(String, PermState)>, Error> {
    let who = Principal::parse(principal);
    Ok(rest
        .authorization()
        .await?
        .permissions
        .into_iter()
        .find(|p| p.scope == Scope::Global && p.principal.group == group && p.principal.is(&who))
        .and_then(|p| {
            Some((
                p.id,
                PermState {
                    role_id: p.role.parse().ok()?,
                    propagate: p.propagating,
                },
            ))
        }))
}

/// A role's privileges as compared: sorted, without the implied ones
/// (vCenter adds them to every role).
fn sorted(v: &[String]) -> Vec<String> {
    let s: BTreeSet<String> = v
        .iter()
        .filter(|p| !crate::manifest::IMPLIED.contains(&p.as_str()))
        .cloned()
        .collect();
    s.into_iter().collect()
}

/// Writes the journal through a temporary file and a rename, readable by
/// its owner only, so a reader never sees half of one.
pub fn write_journal(path: &Path, j: &Journal) -> Result<(), GrantError> {
    let err = |e: std::io::Error| GrantError::JournalWrite {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let text = serde_json::to_string_pretty(j).map_err(|e| err(std::io::Error::other(e)))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    {
        use std::io::Write;
        let mut o = std::fs::OpenOptions::new();
        o.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600);
        }
        let mut f = o.open(&tmp).map_err(err)?;
        f.write_all(text.as_bytes()).map_err(err)?;
        f.write_all(b"\n").map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    std::fs::rename(&tmp, path).map_err(err)
}

pub fn read_journal(path: &Path) -> Result<Journal, GrantError> {
    let text = std::fs::read_to_string(path).map_err(|e| GrantError::JournalRead {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    let not = |reason: String| GrantError::NotJournal {
        path: path.display().to_string(),
        reason,
    };
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not(format!("not JSON: {e}")))?;
    if v.get("kind").and_then(|k| k.as_str()) != Some(JOURNAL_KIND) {
        return Err(not(format!("no \"kind\": \"{JOURNAL_KIND}\"")));
    }
    serde_json::from_value(v).map_err(|e| not(e.to_string()))
}

/// What `apply` needs beyond the plan.
pub struct ApplyContext<'a> {
    pub client: &'a Client,
    /// For the REST session a global permission needs (vCenter 9).
    pub credentials: Option<(&'a str, &'a str)>,
    pub journal: &'a Path,
    pub now: String,
}

fn describe(c: &Change) -> String {
    let mut s = c.action.as_str().to_string();
    if let Some(r) = &c.role {
        let _ = write!(s, " {}", r.name);
    }
    if let Some(e) = &c.entity {
        let _ = write!(s, " on {}", e.path);
    }
    s
}

fn list(changes: &[&Change]) -> String {
    if changes.is_empty() {
        "nothing".into()
    } else {
        changes
            .iter()
            .map(|c| describe(c))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Applies the plan's actionable changes in order. The journal is written
/// before the first; on a failure the rest are left undone and the error
/// says what was and was not applied.
pub async fn apply(cx: &ApplyContext<'_>, plan: &Plan) -> Result<Journal, GrantError> {
    let client = cx.client;
    let todo: Vec<&Change> = plan.changes.iter().filter(|c| c.actionable()).collect();
    for c in &todo {
        if let Some(r) = &c.role
            && (r.id.is_some_and(|id| id < 0) || r.name.eq_ignore_ascii_case("Admin"))
            && c.action != Action::ExtendRole
        {
            return Err(GrantError::SystemRole(r.name.clone()));
        }
        if c.action == Action::ExtendRole
            && c.role.as_ref().and_then(|r| r.id).is_some_and(|id| id < 0)
        {
            return Err(GrantError::SystemRole(
                c.role.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            ));
        }
    }
    // An earlier run's record is never overwritten: it may be the only way
    // back from that run.
    if cx.journal.exists() {
        return Err(GrantError::JournalWrite {
            path: cx.journal.display().to_string(),
            reason: "it already exists (an earlier run's undo record?): give another --journal"
                .into(),
        });
    }
    // The prior state of everything touched.
    let roles_now = client.role_list().await?;
    let mut j = Journal {
        kind: JOURNAL_KIND.into(),
        version: 1,
        vcenter: JournalVCenter {
            url: client.endpoint().to_string(),
            instance_uuid: client.about().instance_uuid.clone(),
        },
        principal: plan.principal.clone(),
        written_at: cx.now.clone(),
        roles: Vec::new(),
        permissions: Vec::new(),
        global: Vec::new(),
        changes: plan.changes.clone(),
    };
    let rest = if todo.iter().any(|c| c.action == Action::GlobalPermission) {
        let (u, p) = cx.credentials.ok_or_else(|| Error::Decode {
            endpoint: client.endpoint().to_string(),
            step: "POST /api/session".into(),
            detail: "no credentials for the REST session a global permission needs".into(),
        })?;
        Some(client.rest_session(u, p).await?)
    } else {
        None
    };
    for c in &todo {
        match c.action {
            Action::CreateRole | Action::ExtendRole => {
                let name = c.role.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                let existing = roles_now
                    .iter()
                    .find(|r| r.name.eq_ignore_ascii_case(&name));
                j.roles.push(RoleRecord {
                    id: existing.map(|r| r.id),
                    prior: existing.map(|r| sorted(&r.privileges)),
                    name,
                    after: None,
                });
            }
            Action::AddPermission | Action::ReplacePermission => {
                let e = c
                    .entity
                    .clone()
                    .expect("a permission change names its entity");
                let prior = own_permission(client, &moref(&e), &c.principal, c.group).await?;
                j.permissions.push(PermissionRecord {
                    entity: e,
                    principal: c.principal.clone(),
                    group: c.group,
                    prior,
                    after: None,
                });
            }
            Action::GlobalPermission => {
                let prior = match &rest {
                    Some(r) => global_permission(r, &c.principal, c.group)
                        .await?
                        .map(|x| x.1),
                    None => None,
                };
                j.global.push(GlobalRecord {
                    principal: c.principal.clone(),
                    group: c.group,
                    prior,
                    after: None,
                    id: None,
                });
            }
            Action::NoOp => {}
        }
    }
    write_journal(cx.journal, &j)?;
    let mut ids: BTreeMap<String, i32> = roles_now
        .iter()
        .map(|r| (r.name.to_lowercase(), r.id))
        .collect();
    let result = async {
        for (n, c) in todo.iter().enumerate() {
            let r = step(client, rest.as_ref(), c, &mut j, &mut ids, &roles_now).await;
            if let Some(x) = j.changes.iter_mut().filter(|x| x.actionable()).nth(n) {
                x.applied = Some(r.is_ok());
            }
            write_journal(cx.journal, &j)?;
            if let Err(e) = r {
                return Err(GrantError::Stopped {
                    what: format!(
                        "applied: {}; then {} failed: {e}; not applied: {}",
                        list(&todo[..n]),
                        describe(c),
                        list(&todo[n..])
                    ),
                    journal: cx.journal.display().to_string(),
                });
            }
        }
        Ok(())
    }
    .await;
    if let Some(r) = rest {
        r.close().await;
    }
    result.map(|()| j)
}

/// One change, recorded in the journal once made.
async fn step(
    client: &Client,
    rest: Option<&RestSession<'_>>,
    c: &Change,
    j: &mut Journal,
    ids: &mut BTreeMap<String, i32>,
    roles_now: &[crate::vsphere::Role],
) -> Result<(), Error> {
    let name = c.role.as_ref().map(|r| r.name.clone()).unwrap_or_default();
    let role_id = |ids: &BTreeMap<String, i32>| ids.get(&name.to_lowercase()).copied();
    match c.action {
        Action::CreateRole => {
            let id = client.add_authorization_role(&name, &c.privileges).await?;
            ids.insert(name.to_lowercase(), id);
            if let Some(r) = j.roles.iter_mut().find(|r| r.name == name) {
                r.id = Some(id);
                r.after = Some(sorted(&c.privileges));
            }
        }
        Action::ExtendRole => {
            // Read, add, write back: vSphere replaces the whole set.
            let current = client.role_list().await?;
            let role = current
                .iter()
                .find(|r| r.name.eq_ignore_ascii_case(&name))
                .or_else(|| {
                    roles_now
                        .iter()
                        .find(|r| r.name.eq_ignore_ascii_case(&name))
                })
                .ok_or_else(|| Error::Decode {
                    endpoint: client.endpoint().to_string(),
                    step: "UpdateAuthorizationRole".into(),
                    detail: format!("the role {name} is gone"),
                })?;
            let mut all: Vec<String> = role.privileges.clone();
            for p in &c.privileges {
                if !all.contains(p) {
                    all.push(p.clone());
                }
            }
            client
                .update_authorization_role(role.id, &role.name, &all)
                .await?;
            if let Some(r) = j.roles.iter_mut().find(|r| r.name == name) {
                r.after = Some(sorted(&all));
            }
        }
        Action::AddPermission | Action::ReplacePermission => {
            let e = c
                .entity
                .as_ref()
                .expect("a permission change names its entity");
            let id = role_id(ids)
                .or(c.role.as_ref().and_then(|r| r.id))
                .ok_or_else(|| Error::Decode {
                    endpoint: client.endpoint().to_string(),
                    step: "SetEntityPermissions".into(),
                    detail: format!("the role {name} does not exist"),
                })?;
            let state = PermState {
                role_id: id,
                propagate: c.propagate.unwrap_or(true),
            };
            client
                .set_entity_permission(
                    &moref(e),
                    &Permission {
                        entity: None,
                        principal: c.principal.clone(),
                        group: c.group,
                        role_id: state.role_id,
                        propagate: state.propagate,
                    },
                )
                .await?;
            if let Some(r) = j
                .permissions
                .iter_mut()
                .find(|r| r.entity == *e && r.principal == c.principal)
            {
                r.after = Some(state);
            }
        }
        Action::GlobalPermission => {
            let rest = rest.expect("a REST session for a global permission");
            let id = role_id(ids)
                .or(c.role.as_ref().and_then(|r| r.id))
                .unwrap_or(ADMIN);
            let mut who = Principal::parse(&c.principal);
            who.group = c.group;
            let state = PermState {
                role_id: id,
                propagate: c.propagate.unwrap_or(true),
            };
            let pid = rest
                .create_global_permission(&who, state.role_id, state.propagate)
                .await?;
            if let Some(r) = j.global.iter_mut().find(|r| r.principal == c.principal) {
                r.after = Some(state);
                r.id = Some(pid);
            }
        }
        Action::NoOp => {}
    }
    Ok(())
}

/// Restores what the journal recorded. Refuses, changing nothing, when the
/// journal is for another vCenter or what vaudit changed is no longer as it
/// left it.
pub async fn undo(
    client: &Client,
    credentials: Option<(&str, &str)>,
    path: &Path,
    j: &Journal,
) -> Result<Vec<String>, GrantError> {
    let this = &client.about().instance_uuid;
    if !j.vcenter.instance_uuid.is_empty() && !this.is_empty() && *this != j.vcenter.instance_uuid
        || j.vcenter.instance_uuid.is_empty() != this.is_empty()
    {
        return Err(GrantError::OtherVCenter {
            path: path.display().to_string(),
            journal: j.vcenter.instance_uuid.clone(),
            this: this.clone(),
            url: j.vcenter.url.clone(),
        });
    }
    let roles_now = client.role_list().await?;
    let rest = if j.global.iter().any(|g| g.after.is_some()) {
        let (u, p) = credentials.ok_or_else(|| Error::Decode {
            endpoint: client.endpoint().to_string(),
            step: "POST /api/session".into(),
            detail: "no credentials for the REST session a global permission needs".into(),
        })?;
        Some(client.rest_session(u, p).await?)
    } else {
        None
    };
    // What is there now, against what vaudit left.
    let mut diff = String::new();
    for r in j.roles.iter().filter(|r| r.after.is_some()) {
        let now = roles_now
            .iter()
            .find(|x| Some(x.id) == r.id || x.name == r.name)
            .map(|x| sorted(&x.privileges));
        if now != r.after {
            let _ = writeln!(
                diff,
                "  role {}: vaudit left {:?}, now {}",
                r.name,
                r.after.clone().unwrap_or_default(),
                match now {
                    Some(p) => format!("{p:?}"),
                    None => "it is gone".into(),
                }
            );
        }
    }
    let mut current = Vec::new();
    for p in j.permissions.iter().filter(|p| p.after.is_some()) {
        let now = own_permission(client, &moref(&p.entity), &p.principal, p.group).await?;
        if now != p.after {
            let _ = writeln!(
                diff,
                "  permission of {} on {}: vaudit left {}, now {}",
                p.principal,
                p.entity.path,
                state_words(p.after, &roles_now),
                state_words(now, &roles_now)
            );
        }
        current.push(now);
    }
    if let Some(rest) = &rest {
        for g in j.global.iter().filter(|g| g.after.is_some()) {
            let now = global_permission(rest, &g.principal, g.group)
                .await?
                .map(|x| x.1);
            if now != g.after {
                let _ = writeln!(
                    diff,
                    "  global permission of {}: vaudit left {}, now {}",
                    g.principal,
                    state_words(g.after, &roles_now),
                    state_words(now, &roles_now)
                );
            }
        }
    }
    if !diff.is_empty() {
        if let Some(r) = rest {
            r.close().await;
        }
        return Err(GrantError::Changed {
            journal: path.display().to_string(),
            diff: diff.trim_end().to_string(),
        });
    }
    let mut done: Vec<String> = Vec::new();
    let mut steps: Vec<String> = Vec::new();
    for p in j.permissions.iter().rev().filter(|p| p.after.is_some()) {
        steps.push(format!(
            "the permission of {} on {}",
            p.principal, p.entity.path
        ));
    }
    for g in j.global.iter().rev().filter(|g| g.after.is_some()) {
        steps.push(format!("the global permission of {}", g.principal));
    }
    for r in j.roles.iter().rev().filter(|r| r.after.is_some()) {
        steps.push(format!("the role {}", r.name));
    }
    let result = async {
        for p in j.permissions.iter().rev().filter(|p| p.after.is_some()) {
            let e = moref(&p.entity);
            match p.prior {
                None => {
                    client
                        .remove_entity_permission(&e, &p.principal, p.group)
                        .await?
                }
                Some(s) => {
                    client
                        .set_entity_permission(
                            &e,
                            &Permission {
                                entity: None,
                                principal: p.principal.clone(),
                                group: p.group,
                                role_id: s.role_id,
                                propagate: s.propagate,
                            },
                        )
                        .await?
                }
            }
            done.push(steps[done.len()].clone());
        }
        if let Some(rest) = &rest {
            for g in j.global.iter().rev().filter(|g| g.after.is_some()) {
                if let Some(id) = &g.id {
                    rest.delete_permission(id).await?;
                }
                if let Some(s) = g.prior {
                    let mut who = Principal::parse(&g.principal);
                    who.group = g.group;
                    rest.create_global_permission(&who, s.role_id, s.propagate)
                        .await?;
                }
                done.push(steps[done.len()].clone());
            }
        }
        for r in j.roles.iter().rev().filter(|r| r.after.is_some()) {
            let Some(id) = r.id else { continue };
            match &r.prior {
                Some(privs) => client.update_authorization_role(id, &r.name, privs).await?,
                None => {
                    // A created role is removed only when no one holds it.
                    if client.retrieve_role_permissions(id).await?.is_empty() {
                        client.remove_authorization_role(id).await?;
                    }
                }
            }
            done.push(steps[done.len()].clone());
        }
        Ok::<(), Error>(())
    }
    .await;
    if let Some(r) = rest {
        r.close().await;
    }
    match result {
        Ok(()) => Ok(done),
        Err(e) => Err(GrantError::UndoStopped {
            what: format!(
                "{}; then restoring {} failed: {e}; not restored: {}",
                if done.is_empty() {
                    "nothing was restored".to_string()
                } else {
                    format!("restored {}", done.join(", "))
                },
                steps[done.len()],
                steps[done.len()..].join(", ")
            ),
        }),
    }
}

fn state_words(s: Option<PermState>, roles: &[crate::vsphere::Role]) -> String {
    match s {
        None => "none".into(),
        Some(s) => format!(
            "role {} (propagate {})",
            roles
                .iter()
                .find(|r| r.id == s.role_id)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| s.role_id.to_string()),
            s.propagate
        ),
    }
}
