//! The privilege and permission answers for the targets, collected in the
//! same session as the inventory and saved with it, so the privilege check
//! judges a snapshot offline exactly as it judged it live.
//!
//! One session, a constant number of calls whatever the manifest size:
//! privilegeList, roleList, one HasPrivilegeOnEntities (or
//! HasUserPrivilegeOnEntities) for every (entity, privilege) pair, and the
//! permissions reaching the target folder and pool.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::checked_on::{self as privileges, Placement};
use super::{Entity, Snapshot, Targets};
use crate::manifest::Manifest;
use crate::vsphere::{
    Client, EntityPrivilege, Error, MoRef, Permission, Principal, Role, same_principal, sso,
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrivilegeAnswers {
    /// Whose privileges: the logged-in user, or `--user`'s principal.
    pub user: String,
    /// Whether `user` came from `--user` (HasUserPrivilegeOnEntities).
    pub for_user: bool,
    /// privilegeList; empty means the server did not say.
    pub known: BTreeSet<String>,
    pub roles: Vec<Role>,
    /// The entities and ids asked about: an offline run may only reuse
    /// answers to the questions it would ask itself.
    pub entities: Vec<MoRef>,
    pub ids: Vec<String>,
    pub granted: Vec<EntityPrivilege>,
    /// The permissions reaching the target folder and pool, nearest first.
    pub permissions: Vec<(MoRef, Vec<Permission>)>,
    /// With `--user`: every principal named by a permission anywhere
    /// (`RetrieveAllPermissions`), `(name, is a group)`, to tell a
    /// misspelled principal from one whose rights are elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principals: Option<Vec<(String, bool)>>,
    /// The groups `user` is in, from SSO; `None` in a snapshot written
    /// before vaudit asked (membership then unknown).
    #[serde(default)]
    pub membership: Option<Membership>,
}

/// Which groups the principal audited is in (vCenter decides permissions
/// through them), and where that answer came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Membership {
    /// Canonical group principals (`name@domain`); `None` when it could not
    /// be determined.
    pub groups: Option<Vec<String>>,
    /// The source (the user's SSO token, or the SSO admin service), or why
    /// there is no answer.
    pub source: String,
    /// With `--user`: whether the SSO directory knows the principal, when
    /// it could be asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<bool>,
}

impl Membership {
    fn unknown(source: String) -> Membership {
        Membership {
            groups: None,
            source,
            known: None,
        }
    }
}

/// Asks SSO which groups the principal is in: the logged-in user's own
/// token (issued with its credentials) carries its groups; for `--user`,
/// the SSO admin service answers with the logged-in user's token. Asked
/// on its own, beside the SOAP questions: no SOAP call waits on SSO's
/// chain (the Lookup Service, the token, the admin service).
pub async fn membership(
    client: &Client,
    sso: &sso::Cache,
    credentials: Option<(&str, &str)>,
    for_user: Option<&str>,
) -> Membership {
    let Some((login, password)) = credentials else {
        return Membership::unknown("no credentials for the SSO token service".into());
    };
    let token = match sso.token(client, login, password).await {
        Ok(t) => t,
        Err(e) => return Membership::unknown(format!("no SSO token: {e}")),
    };
    match for_user {
        Some(u) if !same_principal(u, login) => {
            let admin = sso::SsoAdmin::new(client, &token);
            let user = Principal::parse(u);
            let known = admin.user_exists(&user).await.ok();
            match admin.parent_groups(&user).await {
                Ok(g) => Membership {
                    groups: Some(g.iter().map(Principal::canonical).collect()),
                    source: format!(
                        "the SSO admin service (FindAllParentGroups, asked as {login})"
                    ),
                    known,
                },
                Err(e) => Membership {
                    known,
                    ..Membership::unknown(format!("the SSO admin service did not answer: {e}"))
                },
            }
        }
        _ => Membership {
            groups: Some(
                token
                    .groups
                    .iter()
                    .map(|g| Principal::parse_group(g).canonical())
                    .collect(),
            ),
            source: format!("the SSO token of {} (GroupIdentity)", token.subject),
            known: None,
        },
    }
}

impl PrivilegeAnswers {
    /// The answers for `entities` alone, in their order (as if only they
    /// had been asked); `None` when one of them was not asked.
    pub fn keep_only(mut self, entities: Vec<MoRef>) -> Option<PrivilegeAnswers> {
        if !entities.iter().all(|m| self.entities.contains(m)) {
            return None;
        }
        let at = |m: &MoRef| entities.iter().position(|e| e == m);
        self.granted.retain(|g| at(&g.entity).is_some());
        self.granted.sort_by_key(|g| at(&g.entity));
        self.entities = entities;
        Some(self)
    }

    /// Whether these answers cover every question the placements and the
    /// manifest ask, for the same principal.
    pub fn covers(&self, placements: &[Placement], ids: &[String], user: Option<&str>) -> bool {
        if let Some(u) = user
            && (!self.for_user || !same_principal(u, &self.user))
        {
            return false;
        }
        if user.is_none() && self.for_user {
            return false;
        }
        privileges::entities_to_query(placements)
            .iter()
            .all(|m| self.entities.contains(m))
            && ids.iter().all(|i| self.ids.contains(i))
    }
}

/// The entities the privilege call asks about for these targets: where the
/// manifest's kinds are placed (a stand-in where a target is not given).
pub fn entities_asked(snap: &Snapshot, targets: &Targets<'_>, manifest: &Manifest) -> Vec<MoRef> {
    let root = root_entity(snap);
    privileges::entities_to_query(&privileges::placements(&manifest.kinds(), targets, &root))
}

/// The root folder as an entity, for placements.
pub fn root_entity(snap: &Snapshot) -> Entity {
    privileges::root_entity(&snap.root)
}

/// How many parents up from `entity` a permission is defined (0: on it;
/// unknown places last).
pub fn distance(snap: &Snapshot, entity: &MoRef, defined_on: Option<&MoRef>) -> usize {
    let Some(on) = defined_on else { return 0 };
    let mut cur = Some(entity);
    for depth in 0..=snap.entities.len() {
        match cur {
            Some(m) if m == on => return depth,
            Some(m) => cur = snap.get(m).and_then(|e| e.parent.as_ref()),
            None => break,
        }
    }
    usize::MAX
}

/// What the server says about privileges whatever the targets: its
/// privilege list and roles, and the principals holding permissions (for
/// `--user`). None of it needs the inventory, so the gate asks it while
/// the inventory is being read. The group membership (`membership`) is
/// asked beside it and added to the answers at the end.
#[derive(Clone)]
pub struct Prelude {
    known: BTreeSet<String>,
    roles: Vec<Role>,
    principals: Option<Vec<(String, bool)>>,
}

pub async fn prelude(client: &Client, for_user: Option<&str>) -> Result<Prelude, Error> {
    let principals = async {
        match for_user {
            Some(_) => {
                let mut all: Vec<(String, bool)> = client
                    .retrieve_all_permissions()
                    .await?
                    .into_iter()
                    .map(|p| (p.principal, p.group))
                    .collect();
                all.sort();
                all.dedup();
                Ok(Some(all))
            }
            None => Ok(None),
        }
    };
    let lists = async { tokio::try_join!(client.privilege_list(), client.role_list()) };
    let (lists, principals) = tokio::join!(lists, principals);
    let (known, roles) = lists?;
    if known.is_empty() {
        tracing::warn!(
            "the server's privilegeList is empty: unknown privilege ids cannot be told apart"
        );
    }
    Ok(Prelude {
        known,
        roles,
        principals: principals?,
    })
}

/// Asks the server everything the privilege check needs for these targets.
pub async fn gather(
    client: &Client,
    snap: &Snapshot,
    targets: &Targets<'_>,
    manifest: &Manifest,
    for_user: Option<&str>,
    credentials: Option<(&str, &str)>,
) -> Result<PrivilegeAnswers, Error> {
    let sso = sso::Cache::default();
    let (p, groups) = tokio::join!(
        prelude(client, for_user),
        membership(client, &sso, credentials, for_user)
    );
    let mut answers = gather_with(client, snap, targets, manifest, for_user, p?, &[]).await?;
    answers.membership = Some(groups);
    Ok(answers)
}

/// The answers for these targets, given the prelude. The privilege call and
/// the permissions of the folder and the pool do not depend on each other:
/// they are asked at once. The membership is left for the caller to add
/// (`membership`, asked beside). `also` are entities asked about beside
/// the placements' (every template of a first pass, before the second
/// says which one the template target names); `keep_only` trims them off.
pub async fn gather_with(
    client: &Client,
    snap: &Snapshot,
    targets: &Targets<'_>,
    manifest: &Manifest,
    for_user: Option<&str>,
    prelude: Prelude,
    also: &[MoRef],
) -> Result<PrivilegeAnswers, Error> {
    let Prelude {
        known,
        roles,
        principals,
    } = prelude;
    let ids = privileges::ids_to_query(manifest, &known);
    let mut entities = entities_asked(snap, targets, manifest);
    for m in also {
        if !entities.contains(m) {
            entities.push(m.clone());
        }
    }
    let user = match for_user {
        Some(u) => u.to_string(),
        None => client
            .session()
            .map(|s| s.user_name.clone())
            .unwrap_or_default(),
    };
    let granted = async {
        if ids.is_empty() || entities.is_empty() {
            Ok(vec![])
        } else if let Some(u) = for_user {
            client
                .has_user_privilege_on_entities(&entities, u, &ids)
                .await
        } else {
            let key = client.session().map(|s| s.key.clone()).unwrap_or_default();
            client
                .has_privilege_on_entities(&entities, &key, &ids)
                .await
        }
    };
    // The target folder and pool themselves (not a stand-in) are where a
    // non-propagating permission would strand a privilege.
    let on: Vec<MoRef> = [targets.folder, targets.pool]
        .into_iter()
        .flatten()
        .map(|e| e.moref.clone())
        .collect();
    let permission_of = |m: usize| {
        let on = &on;
        async move {
            match on.get(m) {
                Some(m) => client.retrieve_entity_permissions(m, true).await.map(Some),
                None => Ok(None),
            }
        }
    };
    // At most the folder and the pool: two calls, side by side.
    let (granted, first, second) = tokio::try_join!(granted, permission_of(0), permission_of(1))?;
    let mut permissions = Vec::new();
    for (m, perms) in on.iter().zip([first, second]) {
        let mut perms = perms.unwrap_or_default();
        // Nearest first, as vSphere resolves them: the server does not
        // promise an order.
        perms.sort_by_key(|p| distance(snap, m, p.entity.as_ref()));
        permissions.push((m.clone(), perms));
    }
    Ok(PrivilegeAnswers {
        membership: None,
        principals,
        user,
        for_user: for_user.is_some(),
        known,
        roles,
        entities,
        ids,
        granted,
        permissions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answers(entities: &[&str]) -> PrivilegeAnswers {
        let m = |v: &str| MoRef::new("VirtualMachine", v);
        PrivilegeAnswers {
            user: "u@vsphere.local".into(),
            for_user: false,
            known: BTreeSet::new(),
            roles: vec![],
            entities: entities.iter().map(|e| m(e)).collect(),
            ids: vec!["A.b".into()],
            granted: entities
                .iter()
                .map(|e| EntityPrivilege {
                    entity: m(e),
                    granted: vec![("A.b".into(), e.ends_with('1'))],
                })
                .collect(),
            permissions: vec![],
            principals: None,
            membership: None,
        }
    }

    /// Asked about every template, kept for the named one: as if only it
    /// had been asked, in the order asked for.
    #[test]
    fn kept_answers_are_those_of_the_entities_named_in_their_order() {
        let kept = answers(&["vm-0", "vm-1", "vm-2", "vm-9"])
            .keep_only(vec![
                MoRef::new("VirtualMachine", "vm-9"),
                MoRef::new("VirtualMachine", "vm-1"),
            ])
            .unwrap();
        assert_eq!(kept, answers(&["vm-9", "vm-1"]));
    }

    #[test]
    fn an_entity_not_asked_about_keeps_nothing() {
        let none = answers(&["vm-0"]).keep_only(vec![MoRef::new("VirtualMachine", "vm-1")]);
        assert!(none.is_none());
    }
}
