//! `tagging`: the deployment tags the appliance through the vAPI REST
//! endpoint; a vCenter whose REST session or tag list fails breaks it, and
//! so does a deploying user whose `InventoryService.Tagging.AttachTag` is not
//! a global permission (`tag-privilege-not-global`).
//!
//! vSphere honours `AttachTag` only as a global permission or on the tag
//! itself (vSphere Security, "Global Permissions" and "Permissions on Tag
//! Objects"): an ordinary permission on the root folder makes
//! `HasPrivilegeOnEntities` on the root answer "granted" while the tagging
//! step still fails. A global permission reaches the root folder too, so a
//! root without it is certainly not global (an error); a root with it may
//! be either, and on vCenter 7 and 8 no public API lists global permissions,
//! so that is a warning saying it cannot be confirmed, never a pass.
//! `ObjectAttachable` limits which objects may receive tags: it is judged on
//! the target objects by the `privileges` check like any other privilege.

use super::facts::Facts;
use super::finding::{EntityRef, Finding, PrivilegeRef, Severity};
use super::outcome::Outcome;
use crate::inventory::PrivilegeAnswers;
use crate::inventory::placement::canonical_principal;
use crate::manifest::{Level, Manifest};
use crate::vsphere::MoRef;

pub const CHECK: &str = "tagging";

/// The privilege that must be global.
pub const ATTACH_TAG: &str = "InventoryService.Tagging.AttachTag";

pub fn run(f: &Facts<'_>) -> Outcome {
    let mut findings = Vec::new();
    let mut unverified = Vec::new();
    match f.live().map(|l| l.tagging.as_ref()) {
        None => unverified.push(
            "offline: the vAPI REST endpoint can be asked only in a live session".to_string(),
        ),
        Some(None) => unverified.push("the vAPI REST endpoint was not asked".to_string()),
        Some(Some(Ok(()))) => {}
        Some(Some(Err(e))) => findings.push(unavailable(e)),
    }
    if let Some(snap) = f.snapshot() {
        // Answers for another principal than the one asked about say nothing.
        let answers = snap.privileges.as_ref().filter(|a| {
            a.for_user == f.privileges_user.is_some()
                && f.privileges_user
                    .is_none_or(|u| canonical_principal(u) == canonical_principal(&a.user))
        });
        match attach_tag(f.manifest, answers, &snap.root, &snap.vcenter.version) {
            Judged::NotAsked => {}
            Judged::Found(x) => findings.push(*x),
            Judged::Unknown(reason) => unverified.push(reason),
        }
    }
    if unverified.is_empty() {
        Outcome::Verified(findings)
    } else {
        Outcome::NotVerified {
            reason: unverified.join("; "),
            findings,
        }
    }
}

/// What could be said of `AttachTag`.
#[derive(Debug, PartialEq)]
pub enum Judged {
    /// The manifest does not list it.
    NotAsked,
    /// A finding (an error or the 7/8 warning); `None` never: a global
    /// grant cannot be confirmed on any version vaudit reads.
    Found(Box<Finding>),
    /// Why it could not be judged.
    Unknown(String),
}

fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Judges `AttachTag` from the privilege answers for the root folder.
pub fn attach_tag(
    manifest: &Manifest,
    answers: Option<&PrivilegeAnswers>,
    root: &MoRef,
    version: &str,
) -> Judged {
    let Some(p) = manifest.get(ATTACH_TAG) else {
        return Judged::NotAsked;
    };
    let Some(a) = answers else {
        return Judged::Unknown(format!(
            "{ATTACH_TAG} was not asked about (the privilege answers were not gathered: run the privileges check too, or save the snapshot with it)"
        ));
    };
    if !a.known.is_empty() && !a.known.contains(ATTACH_TAG) {
        // The privileges check reports it as unknown-privilege.
        return Judged::NotAsked;
    }
    // Asked and left unanswered counts as not granted, as in the
    // privileges check; never asked is unknown.
    let asked = a.entities.contains(root) && a.ids.iter().any(|i| i == ATTACH_TAG);
    let granted = a
        .granted
        .iter()
        .find(|e| e.entity == *root)
        .and_then(|e| e.granted.iter().find(|(id, _)| id == ATTACH_TAG))
        .map(|(_, g)| *g)
        .or(asked.then_some(false));
    let Some(granted) = granted else {
        return Judged::Unknown(format!(
            "{ATTACH_TAG} on the root folder is not among the saved answers: save the snapshot again with this manifest"
        ));
    };
    let user = &a.user;
    let severity = match p.level {
        Level::Required => Severity::Error,
        Level::Recommended => Severity::Warning,
    };
    let how = format!(
        "grant {user} a role holding {ATTACH_TAG} as a global permission: vSphere Client > Administration > Access Control > Global Permissions, \"Propagate to children\" on (a permission on the root folder does not count)"
    );
    let root_ref = EntityRef {
        kind: root.kind.to_string(),
        moref: root.value.to_string(),
        name: "Datacenters".into(),
        path: "/".into(),
    };
    let finding = |severity, message: String| {
        Judged::Found(Box::new(Finding {
            check: CHECK.into(),
            severity,
            code: "tag-privilege-not-global".into(),
            entity: Some(root_ref.clone()),
            privilege: Some(PrivilegeRef {
                id: p.id.clone(),
                group: p.group.clone(),
                label: p.label.clone(),
            }),
            message,
            remedy: how.clone(),
        }))
    };
    if !granted {
        return finding(
            severity,
            format!(
                "{ATTACH_TAG} ({}) is not granted to {user} on the root folder, so it is not a global permission either: the deployment's tagging step will fail",
                p.label
            ),
        );
    }
    if major(version).is_some_and(|m| m >= 9) {
        return Judged::Unknown(format!(
            "{ATTACH_TAG} is granted to {user} on the root folder, but whether as a global permission is read from the REST permissions API of vCenter 9, which vaudit does not read yet: check Administration > Access Control > Global Permissions"
        ));
    }
    finding(
        Severity::Warning,
        format!(
            "{ATTACH_TAG} is granted to {user} on the root folder, but vSphere honours it only as a global permission (or on the tag), and vCenter {version} has no public API listing global permissions, so this cannot be confirmed: a permission on the root folder would pass here and fail at deployment"
        ),
    )
}

/// `tagging-unavailable`, naming what failed.
pub fn unavailable(detail: &str) -> Finding {
    Finding::new(
        CHECK,
        Severity::Error,
        "tagging-unavailable",
        None,
        format!("the vAPI REST endpoint for tags did not work: {detail}"),
        "the appliance is tagged during deployment: make sure https://<vcenter>/api (or /rest) is reachable, and grant the tagging privileges as a global permission (Administration > Global Permissions), since vSphere honours them only there or on the tag".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vsphere::EntityPrivilege;

    fn answers(granted: Option<bool>) -> PrivilegeAnswers {
        let root = MoRef::new("Folder", "group-d1");
        PrivilegeAnswers {
            user: "deployer@vsphere.local".into(),
            for_user: false,
            known: Default::default(),
            roles: vec![],
            entities: vec![root.clone()],
            ids: vec![ATTACH_TAG.into()],
            granted: granted
                .map(|g| {
                    vec![EntityPrivilege {
                        entity: root,
                        granted: vec![(ATTACH_TAG.into(), g)],
                    }]
                })
                .unwrap_or_default(),
            permissions: vec![],
            principals: None,
            membership: None,
        }
    }

    fn judge(granted: Option<bool>, version: &str) -> Judged {
        let m = crate::manifest::default_manifest();
        attach_tag(
            &m,
            Some(&answers(granted)),
            &MoRef::new("Folder", "group-d1"),
            version,
        )
    }

    fn severity(j: Judged) -> Severity {
        match j {
            Judged::Found(f) => {
                assert_eq!(f.code, "tag-privilege-not-global");
                f.severity
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn not_at_the_root_is_not_global_an_error() {
        assert_eq!(severity(judge(Some(false), "8.0.2")), Severity::Error);
        // Asked and not answered: not granted.
        assert_eq!(severity(judge(None, "7.0.3")), Severity::Error);
    }

    #[test]
    fn at_the_root_on_7_and_8_cannot_be_confirmed_a_warning() {
        for v in ["7.0.3", "8.0.2"] {
            assert_eq!(severity(judge(Some(true), v)), Severity::Warning, "{v}");
        }
    }

    #[test]
    fn at_the_root_on_9_is_not_verified() {
        assert!(matches!(judge(Some(true), "9.0.0"), Judged::Unknown(_)));
    }

    #[test]
    fn without_answers_it_is_not_verified() {
        let m = crate::manifest::default_manifest();
        let root = MoRef::new("Folder", "group-d1");
        assert!(matches!(
            attach_tag(&m, None, &root, "8.0.2"),
            Judged::Unknown(_)
        ));
    }
}
