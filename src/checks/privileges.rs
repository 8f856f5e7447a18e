//! The deploying user's effective privileges against a manifest (cli.md §6:
//! missing-privilege, missing-recommended-privilege, unknown-privilege,
//! privilege-not-propagated, unknown-principal; tagging privileges on the
//! root are the tagging check's).
//!
//! Pure: the server's answers come in as data. The server is authoritative
//! for what is granted (it counts groups and global permissions); this module
//! only decides where each privilege is checked and what a gap means.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use super::facts::Facts;
use super::finding::{EntityRef, Finding, PrivilegeRef, Severity};
use super::outcome::Outcome;
use crate::inventory::PrivilegeAnswers;
use crate::manifest::{EntityKind, IMPLIED, Level, Manifest, Privilege, TargetKind, UsedOn};
use crate::vsphere::{EntityPrivilege, MoRef, Permission, Principal, Role, same_principal};

pub const CHECK: &str = "privileges";

pub use crate::inventory::checked_on::{
    Placement, entities_to_query, ids_to_query, placements, root_entity,
};
const TAGGING: &str = "InventoryService.Tagging.";

/// Tagging privileges vSphere honours only as global permissions or on the
/// tag itself; `ObjectAttachable` is object-side, judged like any other.
pub fn must_be_global(id: &str) -> bool {
    id.starts_with(TAGGING) && id != "InventoryService.Tagging.ObjectAttachable"
}

/// What the server answered.
#[derive(Debug, Clone, Copy)]
pub struct Answers<'a> {
    pub manifest: &'a Manifest,
    pub placements: &'a [Placement],
    /// privilegeList; empty means the server did not say.
    pub known: &'a BTreeSet<String>,
    pub granted: &'a [EntityPrivilege],
    /// The user checked (the logged-in one or `--user`).
    pub user: &'a str,
    /// The permissions on the target folder and pool: those defined there
    /// and those that reach them from ancestors (`entity` tells which),
    /// nearest first.
    pub permissions: &'a [(MoRef, Vec<Permission>)],
    pub roles: &'a [Role],
    /// The groups the user is in (canonical), from SSO; `None` when they
    /// could not be determined, and then a verdict that depends on a group
    /// permission is not given.
    pub groups: Option<&'a [String]>,
}

impl<'a> Answers<'a> {
    /// The gathered answers, as the check reads them.
    pub fn of(
        manifest: &'a Manifest,
        placements: &'a [Placement],
        a: &'a PrivilegeAnswers,
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
}

/// One (manifest privilege, entity it is checked on).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PrivilegeRow {
    pub entity: EntityRef,
    pub id: String,
    pub group: String,
    pub label: String,
    pub level: Level,
    pub granted: bool,
    /// False when the server's privilegeList does not know the id.
    #[serde(skip_serializing_if = "is_true")]
    pub known: bool,
}

fn is_true(b: &bool) -> bool {
    *b
}

pub struct PrivilegeAudit {
    pub rows: Vec<PrivilegeRow>,
    pub findings: Vec<Finding>,
    /// Privileges whether they reach the VM depends on whether the user is
    /// in some groups while its groups are not known, with those groups:
    /// not judged.
    pub uncertain: Vec<(String, Vec<String>)>,
}

pub(super) fn privilege_ref(p: &Privilege) -> PrivilegeRef {
    PrivilegeRef {
        id: p.id.clone(),
        group: p.group.clone(),
        label: p.label.clone(),
    }
}

fn finding(
    severity: Severity,
    code: &str,
    entity: Option<&EntityRef>,
    p: &Privilege,
    message: String,
    remedy: String,
) -> Finding {
    Finding {
        check: CHECK.into(),
        severity,
        code: code.into(),
        entity: entity.cloned(),
        privilege: Some(privilege_ref(p)),
        message,
        remedy,
    }
}

pub fn check(a: Answers<'_>) -> PrivilegeAudit {
    let granted: HashMap<(&MoRef, &str), bool> = a
        .granted
        .iter()
        .flat_map(|e| {
            e.granted
                .iter()
                .map(move |(id, g)| ((&e.entity, id.as_str()), *g))
        })
        .collect();
    let mut rows = Vec::new();
    let mut findings = Vec::new();
    let mut unknown_reported = HashSet::new();
    let mut row_seen = HashSet::new();
    // An id listed for two kinds that land on one entity (two kinds on one
    // stand-in) is one row there, at the stricter of the two levels.
    let mut strictest: HashMap<(&str, MoRef), Level> = HashMap::new();
    for p in &a.manifest.privileges {
        for pl in a.placements.iter().filter(|pl| p.on.contains(&pl.kind)) {
            strictest
                .entry((p.id.as_str(), pl.moref()))
                .and_modify(|l| {
                    if p.level == Level::Required {
                        *l = Level::Required;
                    }
                })
                .or_insert(p.level);
        }
    }
    // A privilege the VM needs is judged once, whatever entities it is
    // checked on: the VM inherits from the folder and the pool together.
    let mut vm_judged = HashSet::new();
    let mut uncertain = Vec::new();
    for p in &a.manifest.privileges {
        if IMPLIED.contains(&p.id.as_str()) {
            continue;
        }
        let known = a.known.is_empty() || a.known.contains(&p.id);
        if !known && unknown_reported.insert(p.id.clone()) {
            findings.push(finding(
                Severity::Warning,
                "unknown-privilege",
                None,
                p,
                format!(
                    "the server does not know the privilege {} ({} > {}); the manifest may be for another vSphere version, so it is not counted as missing",
                    p.id, p.group, p.label
                ),
                format!(
                    "check the id against the server's privileges (govc role.ls Admin) and fix or remove {} in the manifest",
                    p.id
                ),
            ));
        }
        for pl in a.placements.iter().filter(|pl| p.on.contains(&pl.kind)) {
            let moref = pl.moref();
            if !row_seen.insert((p.id.clone(), moref.clone())) {
                continue;
            }
            let level = strictest[&(p.id.as_str(), moref.clone())];
            let is_granted = known && granted.get(&(&moref, p.id.as_str())).copied() == Some(true);
            rows.push(PrivilegeRow {
                entity: pl.entity.clone(),
                id: p.id.clone(),
                group: p.group.clone(),
                label: p.label.clone(),
                level,
                granted: is_granted,
                known,
            });
            if !known {
                continue;
            }
            let severity = severity(level);
            let path = &pl.entity.path;
            if pl.kind == EntityKind::Root && must_be_global(&p.id) {
                // Honoured only as a global permission: the tagging check
                // judges it, so an unanswerable tag question leaves these
                // verdicts standing.
                continue;
            } else if !is_granted {
                let (code, what) = match level {
                    Level::Required => ("missing-privilege", "required"),
                    Level::Recommended => ("missing-recommended-privilege", "recommended"),
                };
                findings.push(finding(
                    severity,
                    code,
                    Some(&pl.entity),
                    p,
                    format!(
                        "{} ({} > {}) is {what} but not granted to {} on {path}",
                        p.id, p.group, p.label, a.user
                    ),
                    format!(
                        "add {} to a role {} holds on {path} or on an ancestor with propagate on, or grant {} one holding it there (`vaudit privileges --explain` with the same targets shows the roles and the commands)",
                        p.id, a.user, a.user
                    ),
                ));
            } else if p.used_on == UsedOn::Vm
                && matches!(
                    pl.kind,
                    EntityKind::Target(TargetKind::Folder | TargetKind::Pool)
                )
                && pl.stand_in.is_none()
                && vm_judged.insert(p.id.clone())
                && let Some(stranded) = match reach_vm(&a, &p.id, &granted) {
                    Reach::Yes => None,
                    Reach::No(stranded) => Some(stranded),
                    Reach::Depends(groups) => {
                        uncertain.push((p.id.clone(), groups));
                        None
                    }
                }
            {
                let chains = chain_words(&a);
                let because = if stranded.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; the grant here comes from a permission with propagate off ({})",
                        stranded.join(", ")
                    )
                };
                findings.push(finding(
                    Severity::Warning,
                    "privilege-not-propagated",
                    Some(&pl.entity),
                    p,
                    format!(
                        "{} is granted on {path}, but the VM created there would not have it: it reaches the VM through neither {chains}{because}",
                        p.id
                    ),
                    format!(
                        "grant {} to {} with \"Propagate to children\" on, on {path} (run with --explain for the commands)",
                        p.id, a.user
                    ),
                ));
            }
        }
    }
    PrivilegeAudit {
        rows,
        findings,
        uncertain,
    }
}

/// A missing privilege weighs what the manifest says it is worth.
pub fn severity(level: Level) -> Severity {
    match level {
        Level::Required => Severity::Error,
        Level::Recommended => Severity::Warning,
    }
}

/// `unknown-principal` for a `--user` the server cannot know: no permission
/// anywhere names it, and it is granted nothing on any entity asked about
/// (so no group of its holds anything there either). vSphere accepts any
/// name in `HasUserPrivilegeOnEntities` and answers "not granted" for a
/// misspelled one, which would otherwise read as dozens of missing
/// privileges. The nearest principals that do hold permissions are named.
pub fn unknown_principal(answers: &PrivilegeAnswers) -> Option<Finding> {
    let principals = answers.principals.as_ref()?;
    if !answers.for_user {
        return None;
    }
    let user = Principal::parse(&answers.user);
    if principals
        .iter()
        .any(|(p, group)| *group && Principal::parse(p).is(&user))
    {
        // A group holds permissions but logs in as nobody: what a member
        // may do depends on the member's own permissions and other groups.
        return Some(Finding {
            check: CHECK.into(),
            severity: Severity::Error,
            code: "unknown-principal".into(),
            entity: None,
            privilege: None,
            message: format!(
                "--user {} names a group, and --user audits one user: what a member may do also depends on its own permissions and its other groups",
                answers.user
            ),
            remedy: "give --user one of the group's members (user@domain or DOMAIN\\user), e.g. the account the deployment will use".into(),
        });
    }
    let directory = answers.membership.as_ref().and_then(|m| m.known);
    if directory == Some(true) {
        return None;
    }
    if directory != Some(false)
        && principals
            .iter()
            .any(|(p, _)| Principal::parse(p).is(&user))
        || answers
            .granted
            .iter()
            .any(|e| e.granted.iter().any(|(_, g)| *g))
    {
        return None;
    }
    let nearest = nearest_principals(&user.canonical(), principals);
    let suggestion = if nearest.is_empty() {
        String::new()
    } else {
        format!(
            " (nearest principals holding permissions: {})",
            nearest.join(", ")
        )
    };
    Some(Finding {
        check: CHECK.into(),
        severity: Severity::Error,
        code: "unknown-principal".into(),
        entity: None,
        privilege: None,
        message: if directory == Some(false) {
            format!(
                "--user {} names a principal the SSO directory does not know{suggestion}",
                answers.user
            )
        } else {
            format!(
                "--user {} names a principal that holds no permission anywhere and is granted nothing on the targets: it is unknown or misspelled{suggestion}",
                answers.user
            )
        },
        remedy: "give --user as the principal is spelled in vCenter (user@domain or DOMAIN\\user); if it is right, grant it the manifest's role (run with --explain)".into(),
    })
}

/// Up to three principals nearest to `user` by spelling, close enough to be
/// a typo: normalised Damerau-Levenshtein on the names without their domain
/// (a shared `@vsphere.local` would make every name look alike), a little
/// less for another domain.
fn nearest_principals(user: &str, principals: &[(String, bool)]) -> Vec<String> {
    let split = |p: &str| -> (String, String) {
        let p = Principal::parse(p);
        (p.name, p.domain.unwrap_or_default())
    };
    let (name, domain) = split(user);
    let mut scored: Vec<(f64, &str)> = principals
        .iter()
        .map(|(p, _)| {
            let (n, d) = split(&Principal::parse(p).canonical());
            let s = strsim::normalized_damerau_levenshtein(&name, &n);
            (if d == domain { s } else { s * 0.9 }, p.as_str())
        })
        .filter(|(s, _)| *s >= 0.6)
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let mut out: Vec<String> = Vec::new();
    for (_, p) in scored {
        if !out.iter().any(|o| o == p) && out.len() < 3 {
            out.push(p.to_string());
        }
    }
    out
}

/// The registry's entry. Kinds with no target were checked on a stand-in
/// (the datacenter or the root folder): a grant there may not reach the
/// objects below, so the gate cannot call them verified.
pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(snap) = f.snapshot() else {
        return Outcome::not_verified("no inventory");
    };
    if !f.target_errors.is_empty() {
        return Outcome::not_verified("a target was not found (see the targets check)");
    }
    let root = root_entity(&snap.root);
    let placements = placements(&f.manifest.kinds(), &f.targets, &root);
    let Some(answers) = &snap.privileges else {
        return Outcome::not_verified(
            "the snapshot holds no privilege answers: save it with `vaudit check --save` and the same targets",
        );
    };
    let ids = ids_to_query(f.manifest, &answers.known);
    if !answers.covers(&placements, &ids, f.privileges_user) {
        return Outcome::not_verified(format!(
            "the snapshot's privilege answers (for {}) do not cover these targets, this manifest or this --user: save it again with the same ones",
            answers.user
        ));
    }
    if let Some(unknown) = unknown_principal(answers) {
        return Outcome::NotVerified {
            reason: format!("the principal {} is not known", answers.user),
            findings: vec![unknown],
        };
    }
    let audit = check(Answers::of(f.manifest, &placements, answers));
    if let Some(reason) = uncertain_reason(answers, &audit) {
        return Outcome::NotVerified {
            reason,
            findings: audit.findings,
        };
    }
    let stand_ins: Vec<&Placement> = placements.iter().filter(|p| p.stand_in.is_some()).collect();
    if stand_ins.is_empty() {
        return Outcome::Verified(audit.findings);
    }
    let approximate = |e: &Option<EntityRef>| {
        e.as_ref()
            .is_some_and(|e| stand_ins.iter().any(|p| p.entity == *e))
    };
    let kinds: Vec<String> = stand_ins
        .iter()
        .map(|p| format!("{} (set {})", p.kind.as_str(), how_to_give(p.kind)))
        .collect();
    Outcome::NotVerified {
        reason: format!(
            "checked only on a stand-in, which a grant may not reach below: {}",
            kinds.join("; ")
        ),
        findings: audit
            .findings
            .into_iter()
            .filter(|x| !approximate(&x.entity))
            .collect(),
    }
}

/// Why some verdicts were not given: the user's groups are unknown and
/// they decide whether those privileges reach the VM.
pub fn uncertain_reason(answers: &PrivilegeAnswers, audit: &PrivilegeAudit) -> Option<String> {
    if audit.uncertain.is_empty() {
        return None;
    }
    let why = answers
        .membership
        .as_ref()
        .map(|m| m.source.clone())
        .unwrap_or_else(|| "the snapshot was saved without them".into());
    let ids: Vec<&str> = audit.uncertain.iter().map(|(id, _)| id.as_str()).collect();
    let mut groups: Vec<&str> = audit
        .uncertain
        .iter()
        .flat_map(|(_, g)| g.iter().map(String::as_str))
        .collect();
    groups.sort_unstable();
    groups.dedup();
    if groups.is_empty() {
        return Some(format!(
            "whether {} reach the VM depends on permissions vaudit cannot attribute to {} (a user permission under another spelling of its name, or a grant the server counts that the permission lists do not show): give --user as vCenter spells it, user@domain",
            ids.join(", "),
            answers.user
        ));
    }
    Some(format!(
        "the groups of {} could not be determined ({why}), and whether {} reach the VM depends on whether it is in {}: run where the vCenter's SSO (/sts, /sso-adminserver) answers",
        answers.user,
        ids.join(", "),
        groups.join(", ")
    ))
}

fn how_to_give(k: EntityKind) -> &'static str {
    match k {
        EntityKind::Target(t) => t.how_to_give(),
        EntityKind::Root => "nothing: the root is always known",
    }
}

/// Which groups count as the user's: the ones SSO named, or, while they
/// are unknown, an assumption (`Assumed`) the caller is trying out.
#[derive(Clone, Copy)]
enum Member<'m> {
    Known(&'m [String]),
    /// The user is taken to be in exactly these (canonical) groups, among
    /// the groups whose membership is unknown.
    Assumed(&'m BTreeSet<String>),
    /// Every group counts (the widest reading, for remedies).
    Any,
}

impl Member<'_> {
    fn holds(&self, group: &str) -> bool {
        let g = Principal::parse(group).canonical();
        match self {
            Member::Known(groups) => groups.iter().any(|x| same_principal(x, group)),
            Member::Assumed(set) => set.contains(&g),
            Member::Any => true,
        }
    }
}

/// Whether a permission is for the user checked: its own, or one of its
/// groups'.
fn for_user(a: &Answers<'_>, p: &Permission, member: Member<'_>) -> bool {
    if p.group {
        member.holds(&p.principal)
    } else {
        same_principal(&p.principal, a.user)
    }
}

fn role_has(a: &Answers<'_>, p: &Permission, id: &str) -> bool {
    a.roles
        .iter()
        .find(|r| r.id == p.role_id)
        .is_some_and(|r| r.privileges.iter().any(|x| x == id))
}

/// The permissions that decide at one level: the user's own, else its
/// groups' (vSphere Security, "Multiple Permission Settings": a permission
/// for the user itself takes precedence over its groups' on the same
/// entity); none when the level has none for the user.
fn deciding<'p>(
    a: &Answers<'_>,
    level: &[&'p Permission],
    member: Member<'_>,
) -> Vec<&'p Permission> {
    let (own, groups): (Vec<&Permission>, Vec<&Permission>) = level
        .iter()
        .copied()
        .filter(|p| for_user(a, p, member))
        .partition(|p| !p.group);
    if own.is_empty() { groups } else { own }
}

/// Whether `p`, among the permissions reaching `entity`, is defined on
/// `entity` itself.
fn defined_on(p: &Permission, entity: &MoRef) -> bool {
    p.entity.as_ref().is_none_or(|e| e == entity)
}

/// Whether the user holds `id` on `entity` (`child` false) or on a child
/// created in it (`child` true), given every permission reaching `entity`,
/// nearest first: the nearest level holding a permission for the user
/// decides (vSphere Security, "Hierarchical Inheritance of Permissions"),
/// and of the entity's own permissions only those with propagate on reach a
/// child.
fn holds(
    a: &Answers<'_>,
    entity: &MoRef,
    perms: &[Permission],
    id: &str,
    member: Member<'_>,
    child: bool,
) -> bool {
    // The entity a permission is defined on, `None` for `entity` itself.
    let level = |p: &Permission| p.entity.clone().filter(|e| e != entity);
    let mut levels: Vec<Vec<&Permission>> = perms
        .chunk_by(|x, y| level(x) == level(y))
        .map(|l| l.iter().collect())
        .collect();
    if child
        && let Some(first) = levels.first_mut()
        && first.first().is_some_and(|p| defined_on(p, entity))
    {
        first.retain(|p| p.propagate);
    }
    levels
        .iter()
        .map(|l| deciding(a, l, member))
        .find(|d| !d.is_empty())
        .is_some_and(|d| d.iter().any(|p| role_has(a, p, id)))
}

/// Whether a privilege the new VM needs reaches it through one chain (the
/// target folder's or pool's), or whether that depends on groups.
#[derive(Debug, PartialEq)]
enum Reach {
    Yes,
    /// It does not; with the principals whose non-propagating permissions
    /// on the target folder or pool grant it there.
    No(Vec<String>),
    /// It depends on whether the user is in these groups, which SSO could
    /// not say.
    Depends(Vec<String>),
}

/// Beyond this many groups of unknown membership on one chain, their
/// combinations are not tried one by one (2^n); the verdict depends on them.
const MAX_UNKNOWN_GROUPS: usize = 10;

/// Whether a VM created in `entity` inherits `id` through it.
///
/// What a child inherits through its parent is decided by the propagating
/// permissions that apply to the user on the nearest entity, from the parent
/// upwards, that holds any: the user's own beating its groups', groups
/// uniting (vSphere Security, "Hierarchical Inheritance of Permissions" and
/// "Multiple Permission Settings"). The parent itself is decided the same
/// way, except that its own non-propagating permissions count too. So where
/// no non-propagating permission on the parent might apply to the user,
/// the child and the parent are decided alike, and the server's own answer
/// on the parent (which counts groups, global permissions and all) is the
/// child's. Only otherwise is membership needed, and then only for the
/// groups whose membership changes the answer: every combination of the
/// unknown groups that agrees with the server's answer on the parent is
/// tried, and the verdict stands when they all say the same.
fn reach_through(
    a: &Answers<'_>,
    entity: &MoRef,
    perms: &[Permission],
    id: &str,
    server: Option<bool>,
) -> Option<bool> {
    if let Some(known) = a.groups {
        return Some(holds(a, entity, perms, id, Member::Known(known), true));
    }
    // A user permission counts as possibly the user's own whenever its name
    // matches, whatever the domain's spelling (`CORP\\deployer` against
    // `deployer@corp.example.com`, or a `--user` given without a domain):
    // taking the server's answer past one would pass a VM it stops at.
    let user = Principal::parse(a.user);
    let might_apply = |p: &Permission| {
        p.group
            || Principal::parse(&p.principal)
                .name
                .eq_ignore_ascii_case(&user.name)
    };
    let stops_here = perms
        .iter()
        .any(|p| defined_on(p, entity) && !p.propagate && might_apply(p));
    if !stops_here && let Some(granted) = server {
        return Some(granted);
    }
    None
}

/// The groups of unknown membership among `perms`, canonical and sorted.
fn unknown_groups(perms: &[Permission]) -> Vec<String> {
    let mut g: Vec<String> = perms
        .iter()
        .filter(|p| p.group)
        .map(|p| Principal::parse(&p.principal).canonical())
        .collect();
    g.sort_unstable();
    g.dedup();
    g
}

/// The VM's verdict for `id`: it reaches the VM through the folder's chain
/// or the pool's (a VM inherits from both at once, and vSphere takes the
/// union: vSphere Security, "Hierarchical Inheritance of Permissions").
/// No chain known: nothing to say (`Yes`, as before).
fn reach_vm(a: &Answers<'_>, id: &str, granted: &HashMap<(&MoRef, &str), bool>) -> Reach {
    if a.permissions.is_empty() {
        return Reach::Yes;
    }
    // The chains whose verdict needs membership, with their groups.
    let mut open: Vec<(&MoRef, &[Permission], Vec<String>)> = Vec::new();
    for (e, perms) in a.permissions {
        let server = granted.get(&(e, id)).copied();
        match reach_through(a, e, perms, id, server) {
            Some(true) => return Reach::Yes,
            Some(false) => {}
            None => open.push((e, perms.as_slice(), unknown_groups(perms))),
        }
    }
    if open.is_empty() {
        return Reach::No(stranded_principals(a, id));
    }
    // Every combination of the open chains' unknown groups, kept where it
    // agrees with the server's answers on the parents.
    let mut groups: Vec<String> = open.iter().flat_map(|(_, _, g)| g.clone()).collect();
    groups.sort_unstable();
    groups.dedup();
    if groups.len() > MAX_UNKNOWN_GROUPS {
        return Reach::Depends(groups);
    }
    let tried: Vec<(BTreeSet<String>, bool)> = (0u32..1 << groups.len())
        .map(|bits| {
            groups
                .iter()
                .enumerate()
                .filter(|(i, _)| bits & (1 << i) != 0)
                .map(|(_, g)| g.clone())
                .collect::<BTreeSet<String>>()
        })
        .filter(|set| {
            open.iter().all(|(e, perms, _)| {
                granted
                    .get(&(*e, id))
                    .is_none_or(|&g| holds(a, e, perms, id, Member::Assumed(set), false) == g)
            })
        })
        .map(|set| {
            let reaches = open
                .iter()
                .any(|(e, perms, _)| holds(a, e, perms, id, Member::Assumed(&set), true));
            (set, reaches)
        })
        .collect();
    // No combination agrees with the server: the permissions read are not
    // all it counts (global permissions, or one changed between the two
    // reads), so none of them can be trusted to decide.
    if tried.is_empty() {
        return Reach::Depends(groups);
    }
    if tried.iter().all(|(_, r)| *r) {
        return Reach::Yes;
    }
    if tried.iter().all(|(_, r)| !*r) {
        return Reach::No(stranded_principals(a, id));
    }
    // The groups whose membership alone flips the verdict somewhere.
    let deciding: Vec<String> = groups
        .iter()
        .filter(|g| {
            tried.iter().any(|(set, r)| {
                let mut other = set.clone();
                if !other.remove(*g) {
                    other.insert((*g).clone());
                }
                tried.iter().any(|(s, r2)| *s == other && r2 != r)
            })
        })
        .cloned()
        .collect();
    Reach::Depends(if deciding.is_empty() {
        groups
    } else {
        deciding
    })
}

fn stranded_principals(a: &Answers<'_>, id: &str) -> Vec<String> {
    let mut stranded: Vec<String> = stranded(a, id)
        .into_iter()
        .map(|(_, p)| p.principal.clone())
        .collect();
    stranded.dedup();
    stranded
}

/// The permissions with propagate off, defined on the target folder or pool,
/// that grant `id` to the user there (with the entity they are on): turning
/// propagation on for them makes `id` reach the VM created inside.
pub fn stranded<'p>(a: &Answers<'p>, id: &str) -> Vec<(&'p MoRef, &'p Permission)> {
    a.permissions
        .iter()
        .flat_map(|(e, perms)| {
            perms
                .iter()
                .filter(move |p| {
                    defined_on(p, e)
                        && !p.propagate
                        && for_user(a, p, a.groups.map_or(Member::Any, Member::Known))
                        && role_has(a, p, id)
                })
                .map(move |p| (e, p))
        })
        .collect()
}

/// "the folder's chain nor the pool's", naming the chains that were known.
fn chain_words(a: &Answers<'_>) -> String {
    let words: Vec<&str> = a
        .permissions
        .iter()
        .map(|(e, _)| match &*e.kind {
            "Folder" => "the folder's chain",
            "VirtualApp" => "the vApp's chain",
            _ => "the pool's chain",
        })
        .collect();
    match words.as_slice() {
        [one] => format!("{one} (the only one known: give both --folder and --pool to judge both)"),
        _ => words.join(" nor "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::Targets;

    fn er(kind: &str, moref: &str, path: &str) -> EntityRef {
        EntityRef {
            kind: kind.into(),
            moref: moref.into(),
            name: path.rsplit('/').next().unwrap().into(),
            path: path.into(),
        }
    }

    fn priv_(id: &str, level: Level, on: &[EntityKind]) -> Privilege {
        Privilege {
            id: id.into(),
            group: "G".into(),
            label: id.rsplit('.').next().unwrap().into(),
            level,
            on: on.to_vec(),
            used_on: crate::manifest::default_used_on(id),
            propagate: true,
            condition: None,
        }
    }

    fn manifest(p: Vec<Privilege>) -> Manifest {
        Manifest {
            name: "t".into(),
            description: String::new(),
            source: None,
            version: None,
            date: None,
            options: Vec::new(),
            privileges: p,
            switched_on: Vec::new(),
        }
    }

    fn root() -> Placement {
        Placement {
            kind: EntityKind::Root,
            entity: er("Folder", "group-d1", "/"),
            stand_in: None,
        }
    }

    fn folder() -> Placement {
        Placement {
            kind: EntityKind::Target(TargetKind::Folder),
            entity: er("Folder", "group-v9", "/DC0/vm/Arc"),
            stand_in: None,
        }
    }

    fn answer(pl: &Placement, granted: &[(&str, bool)]) -> EntityPrivilege {
        EntityPrivilege {
            entity: pl.moref(),
            granted: granted.iter().map(|(i, g)| (i.to_string(), *g)).collect(),
        }
    }

    fn known(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn codes(o: &PrivilegeAudit) -> Vec<(String, Option<String>, String)> {
        o.findings
            .iter()
            .map(|f| {
                (
                    f.code.clone(),
                    f.privilege.as_ref().map(|p| p.id.clone()),
                    f.severity.as_str().to_string(),
                )
            })
            .collect()
    }

    fn run(
        m: &Manifest,
        pls: &[Placement],
        k: &BTreeSet<String>,
        g: &[EntityPrivilege],
        perms: &[(MoRef, Vec<Permission>)],
        roles: &[Role],
    ) -> PrivilegeAudit {
        check(Answers {
            manifest: m,
            placements: pls,
            known: k,
            granted: g,
            user: "deployer@vsphere.local",
            permissions: perms,
            roles,
            groups: None,
        })
    }

    #[test]
    fn missing_required_and_recommended() {
        let m = manifest(vec![
            priv_(
                "VirtualMachine.Config.AddNewDisk",
                Level::Required,
                &[EntityKind::Target(TargetKind::Folder)],
            ),
            priv_(
                "VirtualMachine.Provisioning.Customize",
                Level::Recommended,
                &[EntityKind::Target(TargetKind::Folder)],
            ),
            priv_(
                "Folder.Create",
                Level::Required,
                &[EntityKind::Target(TargetKind::Folder)],
            ),
        ]);
        let pls = [folder()];
        let k = known(&[
            "VirtualMachine.Config.AddNewDisk",
            "VirtualMachine.Provisioning.Customize",
            "Folder.Create",
        ]);
        let g = [answer(
            &pls[0],
            &[
                ("VirtualMachine.Config.AddNewDisk", false),
                ("VirtualMachine.Provisioning.Customize", false),
                ("Folder.Create", true),
            ],
        )];
        let o = run(&m, &pls, &k, &g, &[], &[]);
        assert_eq!(
            codes(&o),
            vec![
                (
                    "missing-privilege".into(),
                    Some("VirtualMachine.Config.AddNewDisk".into()),
                    "error".into()
                ),
                (
                    "missing-recommended-privilege".into(),
                    Some("VirtualMachine.Provisioning.Customize".into()),
                    "warning".into()
                ),
            ]
        );
        assert_eq!(o.rows.len(), 3);
        assert!(o.rows[2].granted);
        assert_eq!(o.findings[0].entity.as_ref().unwrap().path, "/DC0/vm/Arc");
    }

    #[test]
    fn unknown_is_a_warning_not_missing_and_implied_never_reported() {
        let m = manifest(vec![
            priv_(
                "Bogus.Thing",
                Level::Required,
                &[EntityKind::Target(TargetKind::Folder)],
            ),
            priv_(
                "System.Read",
                Level::Required,
                &[EntityKind::Target(TargetKind::Folder)],
            ),
        ]);
        let pls = [folder()];
        let k = known(&["Folder.Create"]);
        let o = run(&m, &pls, &k, &[], &[], &[]);
        assert_eq!(
            codes(&o),
            vec![(
                "unknown-privilege".into(),
                Some("Bogus.Thing".into()),
                "warning".into()
            )]
        );
        assert_eq!(o.rows.len(), 1);
        assert!(!o.rows[0].known && !o.rows[0].granted);
        assert_eq!(ids_to_query(&m, &k), Vec::<String>::new());
    }

    #[test]
    fn an_unanswered_pair_is_not_granted() {
        let m = manifest(vec![priv_(
            "Folder.Create",
            Level::Required,
            &[EntityKind::Target(TargetKind::Folder)],
        )]);
        let pls = [folder()];
        let o = run(&m, &pls, &known(&["Folder.Create"]), &[], &[], &[]);
        assert_eq!(codes(&o)[0].0, "missing-privilege");
    }

    #[test]
    fn tagging_at_the_root_is_left_to_the_tagging_check() {
        let id = "InventoryService.Tagging.AttachTag";
        let m = manifest(vec![priv_(id, Level::Required, &[EntityKind::Root])]);
        let pls = [root()];
        let g = [answer(&pls[0], &[(id, false)])];
        let o = run(&m, &pls, &known(&[id]), &g, &[], &[]);
        assert!(o.findings.is_empty());
        assert_eq!(o.rows.len(), 1);
        assert!(!o.rows[0].granted);
    }

    fn perm(principal: &str, group: bool, role: i32, propagate: bool) -> Permission {
        Permission {
            entity: None,
            principal: principal.into(),
            group,
            role_id: role,
            propagate,
        }
    }

    #[test]
    fn non_propagating_permission_on_the_folder() {
        let id = "VirtualMachine.Config.AddNewDisk";
        let m = manifest(vec![priv_(
            id,
            Level::Required,
            &[EntityKind::Target(TargetKind::Folder)],
        )]);
        let pls = [folder()];
        let g = [answer(&pls[0], &[(id, true)])];
        let roles = [Role {
            id: 1001,
            name: "arc".into(),
            privileges: vec![id.into()],
        }];
        let k = known(&[id]);
        let perms = vec![(
            pls[0].moref(),
            vec![perm(r"VSPHERE.LOCAL\deployer", false, 1001, false)],
        )];
        let o = run(&m, &pls, &k, &g, &perms, &roles);
        assert_eq!(
            codes(&o),
            vec![(
                "privilege-not-propagated".into(),
                Some(id.into()),
                "warning".into()
            )]
        );

        // Propagating: fine.
        let perms = vec![(
            pls[0].moref(),
            vec![perm("deployer@vsphere.local", false, 1001, true)],
        )];
        assert!(run(&m, &pls, &k, &g, &perms, &roles).findings.is_empty());

        // A group's non-propagating permission while the user's own
        // read-only one (which wins, and propagates) does not hold it: the
        // server says so on the folder itself (the user's own permission
        // beats its group's there too), so it is missing, not stranded.
        let perms = vec![(
            pls[0].moref(),
            vec![
                perm("arc-admins@vsphere.local", true, 1001, false),
                perm("deployer@vsphere.local", false, -2, true),
            ],
        )];
        let refused = [answer(&pls[0], &[(id, false)])];
        assert_eq!(
            codes(&run(&m, &pls, &k, &refused, &perms, &roles)),
            vec![("missing-privilege".into(), Some(id.into()), "error".into())]
        );

        // Only a group's non-propagating permission: flagged.
        let perms = vec![(
            pls[0].moref(),
            vec![perm("arc-admins@vsphere.local", true, 1001, false)],
        )];
        assert_eq!(run(&m, &pls, &k, &g, &perms, &roles).findings.len(), 1);

        // The same, while a permission inherited from an ancestor (it
        // propagates, or it would not reach here) grants it too: what is
        // created inside has it from there.
        let at_root = |principal: &str, group: bool, role: i32| Permission {
            entity: Some(MoRef::new("Folder", "group-d1")),
            ..perm(principal, group, role, true)
        };
        let perms = vec![(
            pls[0].moref(),
            vec![
                perm("deployer@vsphere.local", false, 1001, false),
                at_root("deployer@vsphere.local", false, 1001),
            ],
        )];
        assert!(run(&m, &pls, &k, &g, &perms, &roles).findings.is_empty());
        // ... but not when the inherited role lacks it, nor when only a group
        // inherits it while the user's own inherited permission wins.
        for inherited in [
            vec![at_root("deployer@vsphere.local", false, -2)],
            vec![
                at_root("arc-admins@vsphere.local", true, 1001),
                at_root("deployer@vsphere.local", false, -2),
            ],
        ] {
            let mut here = vec![perm("deployer@vsphere.local", false, 1001, false)];
            here.extend(inherited);
            let perms = vec![(pls[0].moref(), here)];
            assert_eq!(run(&m, &pls, &k, &g, &perms, &roles).findings.len(), 1);
        }

        // Levels resolve nearest first: the user's own read-only permission
        // on a nearer ancestor masks the root's grant; a nearer level with
        // nothing for the user does not.
        let at = |kind: &str, id: &str, principal: &str, role: i32| Permission {
            entity: Some(MoRef::new(kind, id)),
            ..perm(principal, false, role, true)
        };
        let masked = vec![
            perm("deployer@vsphere.local", false, 1001, false),
            at("Folder", "group-v3", "deployer@vsphere.local", -2),
            at("Folder", "group-d1", "deployer@vsphere.local", 1001),
        ];
        let perms = vec![(pls[0].moref(), masked)];
        assert_eq!(run(&m, &pls, &k, &g, &perms, &roles).findings.len(), 1);
        let someone_else = vec![
            perm("deployer@vsphere.local", false, 1001, false),
            at("Folder", "group-v3", "other@vsphere.local", -2),
            at("Folder", "group-d1", "deployer@vsphere.local", 1001),
        ];
        let perms = vec![(pls[0].moref(), someone_else)];
        assert!(run(&m, &pls, &k, &g, &perms, &roles).findings.is_empty());

        // A stand-in entity is never judged for propagation.
        let mut dc = folder();
        dc.stand_in = Some("datacenter");
        let perms = vec![(
            dc.moref(),
            vec![perm("deployer@vsphere.local", false, 1001, false)],
        )];
        assert!(run(&m, &[dc], &k, &g, &perms, &roles).findings.is_empty());
    }

    /// Runs the folder audit with the user's groups unknown, on `perms`
    /// reaching the folder and the server's answer `granted` there.
    fn unknown_groups_audit(perms: Vec<Permission>, granted: bool) -> PrivilegeAudit {
        let id = "VirtualMachine.Config.AddNewDisk";
        let m = manifest(vec![priv_(
            id,
            Level::Required,
            &[EntityKind::Target(TargetKind::Folder)],
        )]);
        let pls = [folder()];
        let g = [answer(&pls[0], &[(id, granted)])];
        let roles = [Role {
            id: 1001,
            name: "arc".into(),
            privileges: vec![id.into()],
        }];
        run(
            &m,
            &pls,
            &known(&[id]),
            &g,
            &[(pls[0].moref(), perms)],
            &roles,
        )
    }

    /// Judged, and nothing found: no verdict left open, no finding.
    fn assert_exact_pass(o: &PrivilegeAudit) {
        assert!(
            o.uncertain.is_empty() && o.findings.is_empty(),
            "{:?} {:?}",
            o.uncertain,
            codes(o)
        );
    }

    fn at_root(principal: &str, group: bool, role: i32, propagate: bool) -> Permission {
        Permission {
            entity: Some(MoRef::new("Folder", "group-d1")),
            ..perm(principal, group, role, propagate)
        }
    }

    /// Rights only through a group at the root, every permission
    /// propagating: nothing on the folder stops at it, so the server's
    /// "granted" there is the VM's too, whatever the groups.
    #[test]
    fn a_group_grant_at_the_root_is_judged_from_the_servers_answer() {
        let o = unknown_groups_audit(vec![at_root("arc-a@vsphere.local", true, 1001, true)], true);
        assert_exact_pass(&o);
    }

    /// Two groups at the root whose union holds everything: exact.
    #[test]
    fn two_group_grants_at_the_root_are_judged_from_the_servers_answer() {
        let o = unknown_groups_audit(
            vec![
                at_root("arc-a@vsphere.local", true, 1001, true),
                at_root("arc-b@vsphere.local", true, -2, true),
            ],
            true,
        );
        assert_exact_pass(&o);
    }

    /// A group on the folder (propagating) and another at the root: exact.
    #[test]
    fn a_group_on_the_folder_and_one_at_the_root_are_judged_exactly() {
        let o = unknown_groups_audit(
            vec![
                perm("arc-a@vsphere.local", true, 1001, true),
                at_root("arc-b@vsphere.local", true, 1001, true),
            ],
            true,
        );
        assert_exact_pass(&o);
    }

    /// The user's own permission on the folder stops there (propagate off)
    /// and a group's grant at the root would reach the VM: only membership
    /// of that group decides, and it is named.
    #[test]
    fn own_propagate_off_on_the_folder_over_a_group_at_the_root_names_the_group() {
        let o = unknown_groups_audit(
            vec![
                perm("deployer@vsphere.local", false, 1001, false),
                at_root("arc-b@vsphere.local", true, 1001, true),
                at_root("arc-c@vsphere.local", true, -2, true),
            ],
            true,
        );
        assert!(o.findings.is_empty(), "{:?}", codes(&o));
        assert_eq!(
            o.uncertain,
            vec![(
                "VirtualMachine.Config.AddNewDisk".to_string(),
                vec!["arc-b@vsphere.local".to_string()]
            )]
        );
    }

    /// A group's non-propagating grant on the folder: the server's
    /// "granted" there can only come from that group (nothing else holds
    /// it), so the user is in it, and its grant stops at the folder.
    #[test]
    fn a_groups_propagate_off_grant_that_alone_explains_the_answer_is_flagged() {
        let o = unknown_groups_audit(
            vec![
                perm("arc-a@vsphere.local", true, 1001, false),
                at_root("arc-b@vsphere.local", true, -2, true),
            ],
            true,
        );
        assert!(o.uncertain.is_empty(), "{:?}", o.uncertain);
        assert_eq!(
            codes(&o),
            vec![(
                "privilege-not-propagated".into(),
                Some("VirtualMachine.Config.AddNewDisk".into()),
                "warning".into()
            )]
        );
    }

    /// The user's own propagate-off permission written under another
    /// spelling of its domain: it may be the user's, so the server's
    /// "granted" on the folder is not taken for the VM's.
    #[test]
    fn a_namesake_propagate_off_permission_is_not_passed_over() {
        let o = unknown_groups_audit(vec![perm(r"CORP\deployer", false, 1001, false)], true);
        assert!(o.findings.is_empty(), "{:?}", codes(&o));
        assert_eq!(
            o.uncertain,
            vec![("VirtualMachine.Config.AddNewDisk".to_string(), vec![])]
        );
    }

    /// No combination of groups explains the server's answer (a grant
    /// the lists do not show): not judged, never passed.
    #[test]
    fn an_answer_no_combination_explains_is_not_judged() {
        let o = unknown_groups_audit(
            vec![
                perm("deployer@vsphere.local", false, -2, false),
                at_root("arc-b@vsphere.local", true, 1001, true),
            ],
            true,
        );
        assert!(o.findings.is_empty(), "{:?}", codes(&o));
        assert_eq!(o.uncertain.len(), 1, "{:?}", o.uncertain);
    }

    /// More unknown groups than can be tried one combination at a time:
    /// not judged, every group named.
    #[test]
    fn too_many_unknown_groups_leave_the_verdict_open() {
        let mut perms = vec![perm("deployer@vsphere.local", false, 1001, false)];
        for i in 0..=MAX_UNKNOWN_GROUPS {
            perms.push(at_root(&format!("g{i:02}@vsphere.local"), true, 1001, true));
        }
        let o = unknown_groups_audit(perms, true);
        assert_eq!(o.uncertain.len(), 1);
        assert_eq!(o.uncertain[0].1.len(), MAX_UNKNOWN_GROUPS + 1);
    }

    fn pool() -> Placement {
        Placement {
            kind: EntityKind::Target(TargetKind::Pool),
            entity: er("ResourcePool", "resgroup-9", "/DC0/host/C0/Resources/Arc"),
            stand_in: None,
        }
    }

    /// The VM inherits from its folder and its pool at once: a privilege
    /// reaching it through either is held.
    #[test]
    fn a_vm_privilege_reaches_through_the_folder_or_the_pool() {
        let vm_id = "VirtualMachine.Config.AddNewDisk";
        let used_on_folder = ["Folder.Create", "VirtualMachine.Inventory.Create"];
        let mut ps = vec![priv_(
            vm_id,
            Level::Required,
            &[EntityKind::Target(TargetKind::Folder)],
        )];
        ps.extend(used_on_folder.iter().map(|i| {
            priv_(
                i,
                Level::Required,
                &[EntityKind::Target(TargetKind::Folder)],
            )
        }));
        ps.push(priv_(
            "VApp.Import",
            Level::Required,
            &[EntityKind::Target(TargetKind::Pool)],
        ));
        let m = manifest(ps);
        let pls = [folder(), pool()];
        let ids = [vm_id, used_on_folder[0], used_on_folder[1], "VApp.Import"];
        let k = known(&ids);
        let all: Vec<(&str, bool)> = ids.iter().map(|i| (*i, true)).collect();
        let g = [answer(&pls[0], &all), answer(&pls[1], &all)];
        let roles = [Role {
            id: 1001,
            name: "arc".into(),
            privileges: ids.iter().map(|i| i.to_string()).collect(),
        }];
        let with = |folder_propagates: bool, pool_propagates: bool| {
            vec![
                (
                    pls[0].moref(),
                    vec![perm(
                        "deployer@vsphere.local",
                        false,
                        1001,
                        folder_propagates,
                    )],
                ),
                (
                    pls[1].moref(),
                    vec![perm("deployer@vsphere.local", false, 1001, pool_propagates)],
                ),
            ]
        };
        // Folder off, pool on: the VM has everything from the pool.
        let o = run(&m, &pls, &k, &g, &with(false, true), &roles);
        assert!(o.findings.is_empty(), "{:?}", codes(&o));
        // Pool off, folder on: from the folder.
        let o = run(&m, &pls, &k, &g, &with(true, false), &roles);
        assert!(o.findings.is_empty(), "{:?}", codes(&o));
        // Both off: only the privilege the VM itself needs, once.
        let o = run(&m, &pls, &k, &g, &with(false, false), &roles);
        assert_eq!(
            codes(&o),
            vec![(
                "privilege-not-propagated".into(),
                Some(vm_id.into()),
                "warning".into()
            )]
        );
        assert!(
            o.findings[0].message.contains("pool's chain"),
            "{}",
            o.findings[0].message
        );
    }

    #[test]
    fn used_on_defaults() {
        use crate::manifest::{UsedOn, default_used_on};
        for id in [
            "Folder.Create",
            "VApp.Import",
            "VirtualMachine.Inventory.Create",
            "Resource.AssignVMToPool",
        ] {
            assert_eq!(default_used_on(id), UsedOn::Container, "{id}");
        }
        for id in [
            "VirtualMachine.Config.AddNewDisk",
            "VirtualMachine.Interact.PowerOn",
            "VirtualMachine.Inventory.Delete",
        ] {
            assert_eq!(default_used_on(id), UsedOn::Vm, "{id}");
        }
    }

    #[test]
    fn kinds_without_a_target_fall_back_and_rows_are_deduplicated() {
        use crate::inventory::fixture;
        let snap = fixture::datacenter().b.build();
        let root = &root_entity(&snap.root);
        let dc = snap.of_kind(&["Datacenter"]).next().unwrap();
        let kinds: BTreeSet<EntityKind> = [
            EntityKind::Root,
            EntityKind::Target(TargetKind::Folder),
            EntityKind::Target(TargetKind::Pool),
            EntityKind::Target(TargetKind::Template),
        ]
        .into();
        let none = Targets::default();
        let pls = placements(&kinds, &none, root);
        assert_eq!(pls.len(), 3, "no template named: not checked");
        assert!(
            pls.iter()
                .skip(1)
                .all(|p| p.stand_in == Some("root folder"))
        );
        let with_dc = Targets {
            datacenter: Some(dc),
            ..Default::default()
        };
        let pls = placements(&kinds, &with_dc, root);
        assert_eq!(pls[1].stand_in, Some("datacenter"));
        assert_eq!(pls[1].entity.path, dc.path);
        assert_eq!(entities_to_query(&pls).len(), 2);

        // VApp.Import on pool and folder, both standing in as the datacenter: one row.
        let m = manifest(vec![priv_(
            "VApp.Import",
            Level::Required,
            &[
                EntityKind::Target(TargetKind::Pool),
                EntityKind::Target(TargetKind::Folder),
            ],
        )]);
        let o = run(&m, &pls, &known(&["VApp.Import"]), &[], &[], &[]);
        assert_eq!(o.rows.len(), 1);
    }

    /// One id recommended on one kind and required on another, both on one
    /// stand-in: one row, and a missing one is an error, not a warning.
    #[test]
    fn one_row_for_two_kinds_on_one_entity_keeps_the_stricter_level() {
        let mut root_too = folder();
        root_too.kind = EntityKind::Target(TargetKind::Pool);
        let pls = [folder(), root_too];
        let id = "VApp.Import";
        let mut m = manifest(vec![priv_(
            id,
            Level::Recommended,
            &[EntityKind::Target(TargetKind::Folder)],
        )]);
        m.privileges.push(priv_(
            id,
            Level::Required,
            &[EntityKind::Target(TargetKind::Pool)],
        ));
        let g = [answer(&pls[0], &[(id, false)])];
        let o = run(&m, &pls, &known(&[id]), &g, &[], &[]);
        assert_eq!(o.rows.len(), 1);
        assert_eq!(o.rows[0].level, Level::Required);
        assert_eq!(
            codes(&o),
            vec![("missing-privilege".into(), Some(id.into()), "error".into())]
        );
    }

    #[test]
    fn nearest_principals_are_typos_not_the_shared_domain() {
        let known: Vec<(String, bool)> = [
            ("deployer@vsphere.local", false),
            (r"VSPHERE.LOCAL\deployers", true),
            ("administrator@vsphere.local", false),
            ("deployer@corp.example", false),
        ]
        .iter()
        .map(|(p, g)| (p.to_string(), *g))
        .collect();
        assert_eq!(
            nearest_principals("deploier@vsphere.local", &known),
            [
                "deployer@vsphere.local",
                "deployer@corp.example",
                r"VSPHERE.LOCAL\deployers"
            ]
        );
        assert!(nearest_principals("nobody@vsphere.local", &known).is_empty());
    }
}
