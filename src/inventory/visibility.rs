//! Whether the inventory a principal sees may be partial. vCenter shows a
//! user only the objects it holds `System.View` on (and their ancestors, to
//! navigate to them): a deployer granted one datacenter lists that
//! datacenter only, and a gate that judged that listing must say so
//! (`inventory-filtered`, spec §6).
//!
//! The rule (vSphere Security, "Hierarchical Inheritance of Permissions",
//! "Multiple Permission Settings", and the API reference of
//! `AuthorizationManager`: `System.View` is needed to see an object, and the
//! No Access role, id -5, is the one role without it): a principal's view
//! may be partial when
//! 1. it does not hold `System.View` on the root folder (the server answers
//!    for the principal, groups and global permissions counted), or
//! 2. the permissions for it on the root folder (its own, else its groups')
//!    all have propagate off, so nothing below inherits them, or
//! 3. a No Access permission for it lies below the root folder, hiding
//!    that subtree.
//!
//! Group membership is not known here: every group's permission is taken as
//! possibly the principal's, which can only add a note, never remove one.
//! Two calls, whatever the inventory: `RetrieveAllPermissions` and one
//! privilege question on the root folder.

use serde::{Deserialize, Serialize};

use crate::vsphere::same_principal;
use crate::vsphere::{Client, EntityPrivilege, Error, MoRef, Permission};

/// The No Access system role: the one role without `System.View`.
pub const NO_ACCESS: i32 = -5;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visibility {
    /// Whose view the inventory was read in: the session's user.
    pub viewer: String,
    /// Why the viewer's inventory may be partial; empty when it is whole.
    pub viewer_partial: Vec<String>,
    /// With `--user X` for another principal: X, and why X's own view may
    /// be partial (the folder, pool and template verdicts were judged in
    /// the viewer's view, not X's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audited: Option<(String, Vec<String>)>,
}

/// Why `principal`'s view may be partial, from every permission in the
/// inventory and whether it holds `System.View` on the root.
pub fn reasons(
    principal: &str,
    root: &MoRef,
    all: Option<&[Permission]>,
    view_on_root: Option<bool>,
) -> Vec<String> {
    let mut out = Vec::new();
    if view_on_root == Some(false) {
        out.push(format!(
            "{principal} does not hold System.View on the root folder, so it sees only what it is granted below"
        ));
    }
    let Some(all) = all else {
        out.push(format!(
            "the permissions could not be listed, so whether {principal} sees everything is not known"
        ));
        return out;
    };
    let own = |p: &Permission| !p.group && same_principal(&p.principal, principal);
    let at_root: Vec<&Permission> = all
        .iter()
        .filter(|p| p.entity.as_ref() == Some(root))
        .collect();
    let deciding: Vec<&Permission> = if at_root.iter().any(|p| own(p)) {
        at_root.iter().copied().filter(|p| own(p)).collect()
    } else {
        at_root.iter().copied().filter(|p| p.group).collect()
    };
    if !deciding.is_empty() && deciding.iter().all(|p| !p.propagate) {
        out.push(format!(
            "the root folder's permission for {principal} ({}) does not propagate, so nothing below inherits it",
            deciding
                .iter()
                .map(|p| p.principal.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let hidden: Vec<String> = all
        .iter()
        .filter(|p| p.entity.as_ref() != Some(root) && p.role_id == NO_ACCESS)
        .filter(|p| p.group || own(p))
        .map(|p| {
            let on = p.entity.as_ref().map(|e| e.to_string()).unwrap_or_default();
            if p.group {
                format!("group {} on {on}", p.principal)
            } else {
                on
            }
        })
        .collect();
    if !hidden.is_empty() {
        out.push(format!(
            "a No Access permission below the root hides part of the inventory ({})",
            hidden.join("; ")
        ));
    }
    out
}

fn view_granted(answers: &[EntityPrivilege], root: &MoRef) -> Option<bool> {
    answers
        .iter()
        .find(|e| e.entity == *root)
        .and_then(|e| e.granted.iter().find(|(id, _)| id == "System.View"))
        .map(|(_, g)| *g)
}

/// Asks the server what the rule needs, for the session's user and, with
/// `--user`, for that principal too.
pub async fn gather(
    client: &Client,
    root: &MoRef,
    for_user: Option<&str>,
) -> Result<Visibility, Error> {
    let viewer = client
        .session()
        .map(|s| s.user_name.clone())
        .unwrap_or_default();
    // A user that may not list permissions is answered "not known" below,
    // which is itself a reason for the note.
    let all = client.retrieve_all_permissions().await.ok();
    let view = vec!["System.View".to_string()];
    let key = client.session().map(|s| s.key.clone()).unwrap_or_default();
    let mine = client
        .has_privilege_on_entities(std::slice::from_ref(root), &key, &view)
        .await
        .ok()
        .and_then(|a| view_granted(&a, root));
    let viewer_partial = reasons(&viewer, root, all.as_deref(), mine);
    let audited = match for_user {
        Some(u) if !same_principal(u, &viewer) => {
            let theirs = client
                .has_user_privilege_on_entities(std::slice::from_ref(root), u, &view)
                .await
                .ok()
                .and_then(|a| view_granted(&a, root));
            Some((u.to_string(), reasons(u, root, all.as_deref(), theirs)))
        }
        _ => None,
    };
    Ok(Visibility {
        viewer,
        viewer_partial,
        audited,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> MoRef {
        MoRef::new("Folder", "group-d1")
    }

    fn perm(on: &str, principal: &str, group: bool, role: i32, propagate: bool) -> Permission {
        Permission {
            entity: Some(MoRef::new("Folder", on)),
            principal: principal.into(),
            group,
            role_id: role,
            propagate,
        }
    }

    const U: &str = "deployer@vsphere.local";

    #[test]
    fn a_propagating_root_grant_and_nothing_hidden_is_whole() {
        let all = [perm("group-d1", U, false, -1, true)];
        assert!(reasons(U, &root(), Some(&all), Some(true)).is_empty());
    }

    #[test]
    fn no_view_on_the_root_is_partial() {
        let all = [perm("datacenter-2", U, false, -1, true)];
        let r = reasons(U, &root(), Some(&all), Some(false));
        assert_eq!(r.len(), 1);
        assert!(r[0].contains("System.View"), "{r:?}");
    }

    #[test]
    fn a_root_grant_that_does_not_propagate_is_partial() {
        let all = [perm("group-d1", U, false, -2, false)];
        let r = reasons(U, &root(), Some(&all), Some(true));
        assert!(r[0].contains("does not propagate"), "{r:?}");
        // The user's own propagating permission decides over a group's.
        let all = [
            perm("group-d1", U, false, -2, true),
            perm("group-d1", "admins@vsphere.local", true, -1, false),
        ];
        assert!(reasons(U, &root(), Some(&all), Some(true)).is_empty());
    }

    #[test]
    fn no_access_below_the_root_is_partial_for_its_principal_only() {
        let all = [
            perm("group-d1", U, false, -1, true),
            perm("group-v9", U, false, NO_ACCESS, true),
        ];
        let r = reasons(U, &root(), Some(&all), Some(true));
        assert!(r[0].contains("No Access"), "{r:?}");
        assert!(reasons("other@vsphere.local", &root(), Some(&all), Some(true)).is_empty());
    }

    #[test]
    fn unlisted_permissions_are_not_known() {
        assert_eq!(reasons(U, &root(), None, Some(true)).len(), 1);
    }
}
