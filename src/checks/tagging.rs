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
use super::finding::{EntityRef, Finding, Severity};
use super::outcome::Outcome;
use crate::inventory::checked_on::root_entity;
use crate::inventory::{Membership, PrivilegeAnswers};
use crate::manifest::Manifest;
use crate::vsphere::{Authorization, MoRef, RestPermission, Scope};
use crate::vsphere::{Principal, same_principal};

/// The endpoints the verdict names.
const PERMISSIONS_LIST: &str = "POST /api/vcenter/authorization/permissions?action=list";
const ROLES: &str = "GET /api/vcenter/authorization/roles";

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
                && f.privileges_user.is_none_or(|u| same_principal(u, &a.user))
        });
        let global = f.live().and_then(|l| l.global_permissions.as_deref());
        // A principal the vCenter does not know holds nothing to judge.
        if let Some(a) = answers
            && crate::checks::privileges::unknown_principal(a).is_some()
        {
            unverified.push(format!(
                "the principal {} is not known (see the privileges check)",
                a.user
            ));
            return Outcome::partly(findings, unverified);
        }
        match attach_tag(
            f.manifest,
            answers,
            &snap.root,
            &snap.vcenter.version,
            global,
        ) {
            Judged::NotAsked | Judged::Passed => {}
            Judged::Found(x) => findings.push(*x),
            Judged::Unknown(reason) => unverified.push(reason),
        }
    }
    Outcome::partly(findings, unverified)
}

/// What could be said of `AttachTag`.
#[derive(Debug, PartialEq)]
pub enum Judged {
    /// The manifest does not list it.
    NotAsked,
    /// vCenter 9's permission list shows a propagating global permission
    /// holding it for the principal (or its groups): no finding.
    Passed,
    /// A finding (an error, or the 7/8 warning).
    Found(Box<Finding>),
    /// Why it could not be judged.
    Unknown(String),
}

fn major(version: &str) -> Option<u32> {
    version.split('.').next()?.parse().ok()
}

/// Whether the vCenter lists global permissions over REST (vSphere API
/// 9.0.0.0 added `com.vmware.vcenter.authorization`).
pub fn lists_global_permissions(version: &str) -> bool {
    major(version).is_some_and(|m| m >= 9)
}

/// vCenter 9's permission and role lists, or why they are missing.
pub type GlobalListing = Result<Authorization, String>;

/// Judges `AttachTag`: on vCenter 9 from the global permissions the REST
/// API lists, else from the privilege answers for the root folder.
/// `global`: `None` when the lists were not asked for (offline, or a
/// command that does not open a REST session).
pub fn attach_tag(
    manifest: &Manifest,
    answers: Option<&PrivilegeAnswers>,
    root: &MoRef,
    version: &str,
    global: Option<&GlobalListing>,
) -> Judged {
    let Some(p) = manifest.get(ATTACH_TAG) else {
        return Judged::NotAsked;
    };
    let Some(a) = answers else {
        return Judged::Unknown(format!(
            "{ATTACH_TAG} was not asked about (the privilege answers were not gathered: run the privileges check too, or save the snapshot with it)"
        ));
    };
    let severity = super::privileges::severity(p.level);
    let v9 = lists_global_permissions(version);
    if !v9 && !a.known.is_empty() && !a.known.contains(ATTACH_TAG) {
        // The privileges check reports it as unknown-privilege. On 9 the
        // REST lists below judge it whatever the SOAP list says.
        return Judged::NotAsked;
    }
    // Asked and left unanswered counts as not granted, as in the
    // privileges check; never asked is unknown.
    let asked = a.entities.contains(root) && a.ids.iter().any(|i| i == ATTACH_TAG);
    if v9 && let Some(Err(e)) = global {
        // Not even the root folder's answer decides here: a nearer
        // permission there may mask a global one (nearest wins).
        return Judged::Unknown(format!(
            "whether {ATTACH_TAG} is a global permission of {} could not be read from vCenter's REST permissions API ({e}): run as a user who may read permissions ({PERMISSIONS_LIST}), or give --user {} with an administrator's session",
            a.user, a.user
        ));
    }
    if v9 && let Some(Ok(authz)) = global {
        return match judge_global(authz, &a.user, a.membership.as_ref()) {
            Global::Holds => Judged::Passed,
            Global::Unknown(reason) => Judged::Unknown(reason),
            Global::Lacks(why) => Judged::Found(Box::new(not_global(
                p,
                root,
                &a.user,
                severity,
                format!(
                    "{ATTACH_TAG} ({}) {why}, as vCenter's permission list (REST, {PERMISSIONS_LIST}) shows: the deployment's tagging step will fail",
                    p.label
                ),
            ))),
        };
    }
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
    let finding = |severity, message: String| {
        Judged::Found(Box::new(not_global(p, root, user, severity, message)))
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
    if v9 {
        return Judged::Unknown(format!(
            "{ATTACH_TAG} is granted to {user} on the root folder, but whether as a global permission is read from vCenter 9's REST permissions API, which only a live `vaudit check` (tagging) reads: run it, or check Administration > Access Control > Global Permissions"
        ));
    }
    finding(
        Severity::Warning,
        format!(
            "{ATTACH_TAG} is granted to {user} on the root folder, but vSphere honours it only as a global permission (or on the tag), and vCenter {version} has no public API listing global permissions, so this cannot be confirmed: a permission on the root folder would pass here and fail at deployment"
        ),
    )
}

fn not_global(
    p: &crate::manifest::Privilege,
    root: &MoRef,
    user: &str,
    severity: Severity,
    message: String,
) -> Finding {
    Finding {
        check: CHECK.into(),
        severity,
        code: "tag-privilege-not-global".into(),
        entity: Some(EntityRef::from(&root_entity(root))),
        privilege: Some(super::privileges::privilege_ref(p)),
        message,
        remedy: format!(
            "grant {user} a role holding {ATTACH_TAG} as a global permission: vSphere Client > Administration > Access Control > Global Permissions, \"Propagate to children\" on (a permission on the root folder does not count)"
        ),
    }
}

/// What vCenter 9's global permissions say of `AttachTag` for a principal.
#[derive(Debug, PartialEq)]
pub enum Global {
    Holds,
    /// Why not (completes "AttachTag (label) …").
    Lacks(String),
    /// What could not be classified or known.
    Unknown(String),
}

/// Whether `role` holds `AttachTag`; `None` when the role is not listed.
/// The Administrator role holds every privilege (vSphere Security,
/// "System Roles").
fn role_holds(authz: &Authorization, role: &str) -> Option<bool> {
    let r = authz.roles.iter().find(|r| r.id == role)?;
    Some(r.privileges.contains(ATTACH_TAG) || (r.system && (r.id == "-1" || r.name == "Admin")))
}

fn role_name<'a>(authz: &'a Authorization, role: &'a str) -> &'a str {
    authz
        .roles
        .iter()
        .find(|r| r.id == role)
        .map(|r| r.name.as_str())
        .unwrap_or(role)
}

/// vSphere's rules for the global root, which tags hang under (vSphere
/// Security, "Global Permissions", "Permissions on Tag Objects",
/// "Multiple Permission Settings"):
/// - only global permissions (or one on the tag itself) count for tags;
/// - a global permission that does not propagate reaches no object, tags
///   included ("they only have access to some global functionality");
/// - the principal's own permission takes precedence over its groups';
///   without one, the roles of the groups it is in are united.
///
/// Whatever cannot be classified (an unknown object type, a role missing
/// from the list, groups not known) is `Unknown`, never a pass.
pub fn judge_global(authz: &Authorization, user: &str, membership: Option<&Membership>) -> Global {
    let principal = Principal::parse(user);
    let me = principal.canonical();
    if principal.domain.is_none() {
        // Permissions name `name@domain`: a bare name matches none of the
        // principal's own, and its groups' would then decide.
        return Global::Unknown(format!(
            "{user} names no domain, so its own global permissions cannot be told from another domain's: give it as name@domain (e.g. {user}@vsphere.local)"
        ));
    }
    let groups = membership.and_then(|m| m.groups.as_ref());
    // A user permission of the same name in another spelling of the domain
    // (an AD domain's NetBIOS name against its DNS name) may be the
    // principal's own, which would beat its groups'.
    let namesake = authz.permissions.iter().find(|p| {
        !p.principal.group
            && p.scope == Scope::Global
            && p.principal.canonical() != me
            && p.principal.name.to_lowercase() == principal.name.to_lowercase()
    });
    let mine = |p: &RestPermission| !p.principal.group && p.principal.canonical() == me;
    let in_group = |p: &RestPermission| {
        p.principal.group
            && groups.is_some_and(|g| g.iter().any(|x| Principal::parse(x).is(&p.principal)))
    };
    let maybe_group = |p: &RestPermission| p.principal.group && groups.is_none();
    let concerns = |p: &RestPermission| mine(p) || in_group(p) || maybe_group(p);

    // Permissions of the principal on objects vaudit cannot place.
    for p in authz.permissions.iter().filter(|p| concerns(p)) {
        // Whatever its role: one on a tag or category grants or withholds
        // AttachTag there, nearer than any global permission.
        if let Scope::Unrecognised { kind, id } = &p.scope {
            return Global::Unknown(format!(
                "a permission of {} on an object of type {kind} ({id}) may decide {ATTACH_TAG} (on a tag or category it is nearer than a global one), and vaudit cannot tell what that object is",
                p.principal.canonical()
            ));
        }
    }
    let reaching: Vec<&RestPermission> = authz
        .permissions
        .iter()
        .filter(|p| p.scope == Scope::Global && p.propagating && concerns(p))
        .collect();
    let holds = |p: &RestPermission| role_holds(authz, &p.role);
    let unknown_role = |p: &RestPermission| {
        Global::Unknown(format!(
            "the role {} of the global permission of {} is not in vCenter's role list ({ROLES})",
            p.role,
            p.principal.canonical()
        ))
    };
    let own: Vec<&RestPermission> = reaching.iter().copied().filter(|p| mine(p)).collect();
    let from_groups: Vec<&RestPermission> = reaching.iter().copied().filter(|p| !mine(p)).collect();
    if !own.is_empty() {
        for p in &own {
            match holds(p) {
                Some(true) => return Global::Holds,
                Some(false) => {}
                None => return unknown_role(p),
            }
        }
        if from_groups.iter().any(|p| holds(p) != Some(false)) {
            return Global::Lacks(format!(
                "is not in {user}'s own global permission (role {}), which takes precedence over the global permissions of its groups",
                role_name(authz, &own[0].role)
            ));
        }
    } else {
        let mut unsure = Vec::new();
        for p in &from_groups {
            match holds(p) {
                Some(true) if in_group(p) => {
                    return match namesake {
                        Some(n) => Global::Unknown(format!(
                            "{ATTACH_TAG} reaches {user} through the global permission of its group {}, but a global permission of {} may be {user}'s own under another spelling of its domain, and a user's own permission beats its groups'",
                            p.principal.canonical(),
                            n.principal.canonical()
                        )),
                        None => Global::Holds,
                    };
                }
                Some(false) => {}
                None if in_group(p) => return unknown_role(p),
                _ => unsure.push(p.principal.canonical()),
            }
        }
        if !unsure.is_empty() {
            let why = membership
                .map(|m| m.source.clone())
                .unwrap_or_else(|| "membership was not gathered".into());
            return Global::Unknown(format!(
                "only global permissions of groups ({}) could grant {ATTACH_TAG} to {user}, and its groups are not known ({why})",
                unsure.join(", ")
            ));
        }
    }
    // Nothing reaches tags: name a global permission that would, had it
    // propagated.
    if let Some(p) = authz.permissions.iter().find(|p| {
        p.scope == Scope::Global
            && !p.propagating
            && (mine(p) || in_group(p))
            && holds(p) == Some(true)
    }) {
        return Global::Lacks(format!(
            "is in a global permission of {} (role {}) that does not propagate, and such a permission reaches no object, tags included (vSphere Security, \"Global Permissions\")",
            p.principal.canonical(),
            role_name(authz, &p.role)
        ));
    }
    Global::Lacks(format!(
        "is in no global permission of {user} or of its groups"
    ))
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
        judge_with(granted, version, None)
    }

    fn judge_with(granted: Option<bool>, version: &str, global: Option<&GlobalListing>) -> Judged {
        let m = crate::manifest::default_manifest();
        attach_tag(
            &m,
            Some(&answers(granted)),
            &MoRef::new("Folder", "group-d1"),
            version,
            global,
        )
    }

    const USER: &str = "deployer@vsphere.local";
    const GROUP: &str = "arc-admins@vsphere.local";

    fn perm(who: &str, group: bool, scope: Scope, role: &str, propagating: bool) -> RestPermission {
        // The domain in another case than the user's: compared without it.
        let mut principal = Principal::parse(who);
        principal.domain = principal.domain.map(|d| d.to_uppercase());
        principal.group = group;
        RestPermission {
            id: format!("{who}:{role}"),
            scope,
            principal,
            role: role.into(),
            propagating,
        }
    }

    fn role(id: &str, name: &str, privileges: &[&str], system: bool) -> crate::vsphere::RestRole {
        crate::vsphere::RestRole {
            id: id.into(),
            name: name.into(),
            privileges: privileges.iter().map(|p| p.to_string()).collect(),
            system,
        }
    }

    fn authz(permissions: Vec<RestPermission>) -> Authorization {
        Authorization {
            permissions,
            roles: vec![
                role("-1", "Admin", &[], true),
                role("-2", "ReadOnly", &["System.Read"], true),
                role("1001", "arc-tag", &[ATTACH_TAG, "System.Read"], false),
            ],
        }
    }

    fn member_of(groups: Option<&[&str]>) -> Membership {
        Membership {
            groups: groups.map(|g| g.iter().map(|x| x.to_string()).collect()),
            source: "the SSO token".into(),
            known: None,
        }
    }

    fn global(permissions: Vec<RestPermission>, groups: Option<&[&str]>) -> Global {
        judge_global(&authz(permissions), USER, Some(&member_of(groups)))
    }

    #[test]
    fn own_propagating_global_permission_holds() {
        let p = perm(USER, false, Scope::Global, "1001", true);
        assert_eq!(global(vec![p], Some(&[])), Global::Holds);
    }

    #[test]
    fn the_administrator_role_holds_every_privilege() {
        let p = perm(USER, false, Scope::Global, "-1", true);
        assert_eq!(global(vec![p], Some(&[])), Global::Holds);
    }

    #[test]
    fn a_group_the_user_is_in_holds() {
        let p = perm(GROUP, true, Scope::Global, "1001", true);
        assert_eq!(global(vec![p], Some(&[GROUP])), Global::Holds);
    }

    #[test]
    fn a_group_the_user_is_not_in_lacks() {
        let p = perm(GROUP, true, Scope::Global, "1001", true);
        assert!(matches!(global(vec![p], Some(&[])), Global::Lacks(_)));
    }

    #[test]
    fn a_group_with_membership_unknown_is_unknown() {
        let p = perm(GROUP, true, Scope::Global, "1001", true);
        match global(vec![p], None) {
            Global::Unknown(r) => assert!(r.contains(GROUP), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_non_propagating_global_permission_lacks_and_says_so() {
        let p = perm(USER, false, Scope::Global, "1001", false);
        match global(vec![p], Some(&[])) {
            Global::Lacks(r) => assert!(r.contains("does not propagate"), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_root_folder_permission_is_not_global() {
        let root = Scope::Inventory {
            kind: "Folder".into(),
            id: "group-d1".into(),
        };
        let p = perm(USER, false, root, "1001", true);
        match global(vec![p], Some(&[])) {
            Global::Lacks(r) => assert!(r.contains("no global permission"), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_users_own_global_permission_overrides_its_groups() {
        let own = perm(USER, false, Scope::Global, "-2", true);
        let group = perm(GROUP, true, Scope::Global, "1001", true);
        match global(vec![own, group], Some(&[GROUP])) {
            Global::Lacks(r) => assert!(r.contains("precedence"), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_unrecognised_object_type_is_unknown() {
        let odd = Scope::Unrecognised {
            kind: "com.vmware.cis.tagging.Tag".into(),
            id: "urn:tag".into(),
        };
        let p = perm(USER, false, odd, "1001", true);
        assert!(matches!(global(vec![p], Some(&[])), Global::Unknown(_)));
    }

    #[test]
    fn a_read_only_permission_on_an_unrecognised_object_is_unknown() {
        // On a tag or category, even ReadOnly is nearer than a global grant.
        let odd = Scope::Unrecognised {
            kind: "com.vmware.cis.tagging.Category".into(),
            id: "urn:cat".into(),
        };
        let grant = perm(USER, false, Scope::Global, "1001", true);
        let read_only = perm(USER, false, odd, "-2", true);
        assert!(matches!(
            global(vec![grant, read_only], Some(&[])),
            Global::Unknown(_)
        ));
    }

    #[test]
    fn a_user_without_a_domain_is_unknown() {
        let p = perm(GROUP, true, Scope::Global, "1001", true);
        let a = authz(vec![p]);
        match judge_global(&a, "deployer", Some(&member_of(Some(&[GROUP])))) {
            Global::Unknown(r) => assert!(r.contains("name@domain"), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_backslash_name_without_a_domain_field_is_the_same_principal() {
        let mut own = perm(USER, false, Scope::Global, "-2", true);
        own.principal = crate::vsphere::Principal::from_parts("VSPHERE.LOCAL\\deployer", "", false);
        let group = perm(GROUP, true, Scope::Global, "1001", true);
        // Its own ReadOnly is found, and beats the group's grant.
        assert!(matches!(
            global(vec![own, group], Some(&[GROUP])),
            Global::Lacks(_)
        ));
    }

    #[test]
    fn a_namesake_in_another_domain_spelling_makes_a_group_grant_unknown() {
        let namesake = perm("deployer@vsphere", false, Scope::Global, "-2", true);
        let group = perm(GROUP, true, Scope::Global, "1001", true);
        match global(vec![namesake, group], Some(&[GROUP])) {
            Global::Unknown(r) => assert!(r.contains("another spelling"), "{r}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn on_9_a_privilege_list_without_attach_tag_does_not_skip_the_rest_lists() {
        let m = crate::manifest::default_manifest();
        let root = MoRef::new("Folder", "group-d1");
        let mut a = answers(Some(true));
        a.known = ["System.Read".to_string()].into_iter().collect();
        let listing = Ok(authz(vec![]));
        assert!(matches!(
            attach_tag(&m, Some(&a), &root, "9.0.0", Some(&listing)),
            Judged::Found(_)
        ));
        // On 8 the privileges check reports it as unknown-privilege.
        assert_eq!(
            attach_tag(&m, Some(&a), &root, "8.0.2", None),
            Judged::NotAsked
        );
    }

    #[test]
    fn a_role_missing_from_the_list_is_unknown() {
        let p = perm(USER, false, Scope::Global, "4242", true);
        assert!(matches!(global(vec![p], Some(&[])), Global::Unknown(_)));
    }

    #[test]
    fn on_9_a_listed_global_permission_passes() {
        let listing = Ok(authz(vec![perm(USER, false, Scope::Global, "1001", true)]));
        assert_eq!(
            judge_with(Some(true), "9.0.0", Some(&listing)),
            Judged::Passed
        );
    }

    #[test]
    fn on_9_only_at_the_root_is_an_error() {
        let root = Scope::Inventory {
            kind: "Folder".into(),
            id: "group-d1".into(),
        };
        let listing = Ok(authz(vec![perm(USER, false, root, "1001", true)]));
        assert_eq!(
            severity(judge_with(Some(true), "9.0.0", Some(&listing))),
            Severity::Error
        );
    }

    #[test]
    fn on_9_a_refused_list_is_not_verified_naming_the_endpoint() {
        let listing = Err(
            "https://vc refused POST /api/vcenter/authorization/permissions?action=list (HTTP 403)"
                .to_string(),
        );
        // Whatever the root folder answered.
        for root in [Some(true), Some(false)] {
            match judge_with(root, "9.0.0", Some(&listing)) {
                Judged::Unknown(r) => {
                    assert!(r.contains("403"), "{r}");
                    assert!(r.contains("--user"), "{r}");
                }
                other => panic!("{other:?}"),
            }
        }
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
            attach_tag(&m, None, &root, "8.0.2", None),
            Judged::Unknown(_)
        ));
    }
}
