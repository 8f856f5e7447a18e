//! `vaudit privileges`: the deploying user's (or `--user`'s) effective
//! privileges on each target entity, diffed against a privilege manifest.
//!
//! One session, a constant number of SOAP calls whatever the manifest size:
//! the inventory pass, privilegeList, roleList, one HasPrivilegeOnEntities
//! (or HasUserPrivilegeOnEntities) for every (entity, privilege) pair, the
//! permissions on the target folder and pool, and with `--explain` the
//! permissions reaching each entity that lacks something.

use std::collections::BTreeMap;

use super::args::{PrivilegesArgs, fail_on};
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::privileges::{self, Answers, Placement, PrivilegeRow};
use crate::checks::tagging;
use crate::checks::{CheckResult, EntityRef, Finding, Outcome, Severity};
use crate::inventory::{self, PrivilegeAnswers, Snapshot, TargetError};
use crate::manifest::{self, Manifest};
use crate::report::emit::{Bare, Judged};
use crate::report::privileges::{Explain, ExplainEntity, ExplainPermission, PrivilegesPage, View};
use crate::report::{self, Format, quote};
use crate::vsphere::{Client, MoRef, Permission};

/// Everything the session gathered.
struct Answered {
    snap: Snapshot,
    targets: BTreeMap<&'static str, EntityRef>,
    placements: Vec<Placement>,
    answers: PrivilegeAnswers,
    user: String,
    /// `--explain`: the permissions reaching each entity with a gap.
    applying: Vec<(MoRef, Vec<Permission>)>,
    /// vCenter 9's global permissions, when `AttachTag` is judged there.
    global: Option<tagging::GlobalListing>,
}

enum Session {
    Done(Box<Answered>),
    NoTarget(Box<Snapshot>, Vec<TargetError>),
}

pub async fn run(args: &PrivilegesArgs) -> Result<u8, Error> {
    let format = output::resolve("privileges", args.output.output)?;
    let manifest = crate::plan::load_manifest(args.manifest.as_deref())?;
    let conn = Connection::resolve(&args.connection)?;
    let spec = args.targets.spec();
    let session = conn
        .with_session(async |client| {
            // The placements look at hosts and VMs besides the targets: all of it.
            let snap = conn
                .collect(client, crate::inventory::Facets::all(), false)
                .await?;
            gather(
                client,
                snap,
                &spec,
                &manifest,
                args.user.as_deref(),
                args.explain,
                (conn.username(), conn.password()),
            )
            .await
        })
        .await?;
    let g = match session {
        Session::Done(g) => g,
        Session::NoTarget(snap, errors) => return no_target(&snap, errors, format),
    };
    let outcome = privileges::check(answers(&g, &manifest));
    let explain = args
        .explain
        .then(|| explain(&g, &outcome.rows, &outcome.findings, &manifest));
    let fail_on = fail_on(args.fail_on);
    let mut outcome = outcome;
    let checked = match privileges::unknown_principal(&g.answers) {
        Some(unknown) => {
            // Every gap would be the misspelling's doing: say that alone.
            outcome.findings = vec![unknown];
            Outcome::NotVerified {
                reason: format!("the principal {} is not known", g.user),
                findings: outcome.findings.clone(),
            }
        }
        None => match privileges::uncertain_reason(&g.answers, &outcome) {
            Some(reason) => Outcome::NotVerified {
                reason,
                findings: outcome.findings.clone(),
            },
            None => Outcome::Verified(outcome.findings.clone()),
        },
    };
    let result = CheckResult::from_outcome(privileges::CHECK, &checked, fail_on);
    // AttachTag is the tagging check's verdict (spec §6); this command
    // reports it too, under that check's name.
    let unknown = !matches!(checked, Outcome::Verified(_));
    let tag_outcome = match tagging::attach_tag(
        &manifest,
        Some(&g.answers),
        &g.snap.root,
        &g.snap.vcenter.version,
        g.global.as_ref(),
    ) {
        _ if unknown => None,
        tagging::Judged::NotAsked => None,
        tagging::Judged::Passed => Some(Outcome::Verified(vec![])),
        tagging::Judged::Found(f) => Some(Outcome::Verified(vec![*f])),
        tagging::Judged::Unknown(reason) => Some(Outcome::not_verified(reason)),
    };
    let mut results = vec![result];
    if let Some(t) = &tag_outcome {
        outcome.findings.extend(t.findings().iter().cloned());
        results.push(CheckResult::from_outcome(tagging::CHECK, t, fail_on));
    }
    let page = PrivilegesPage {
        judged: Judged {
            title: format!("vaudit privileges: {}", g.user),
            vcenter: &g.snap.vcenter,
            targets: Some(g.targets.clone()),
            results: &results,
            findings: &outcome.findings,
            fail_on,
        },
        view: View {
            user: &g.user,
            manifest: &manifest.name,
            placements: &g.placements,
            rows: &outcome.rows,
            findings: &outcome.findings,
            all: args.all,
            explained: explain.is_some(),
        },
        explain: explain.as_ref(),
    };
    report::emit::print(format, &page)?;
    Ok(page.judged.exit_code())
}

/// A named target that does not exist: one report with the targets check's
/// findings, exit 2.
fn no_target(snap: &Snapshot, errors: Vec<TargetError>, format: Format) -> Result<u8, Error> {
    let first = errors.first().map(|e| (e.to_string(), e.what()));
    let findings: Vec<Finding> = errors.iter().map(crate::checks::targets::finding).collect();
    let results = vec![
        CheckResult::from_outcome(
            crate::checks::targets::CHECK,
            &Outcome::NotVerified {
                reason: "a target was not found".into(),
                findings: findings.clone(),
            },
            Severity::Error,
        ),
        CheckResult::from_outcome(
            privileges::CHECK,
            &Outcome::not_verified("a target was not found (see the targets check)"),
            Severity::Error,
        ),
    ];
    let page = Bare {
        judged: Judged {
            title: "vaudit privileges".into(),
            vcenter: &snap.vcenter,
            targets: None,
            results: &results,
            findings: &findings,
            fail_on: Severity::Error,
        },
        junit: None,
        markdown: false,
    };
    // A document for scripts only: the error on stderr says it to people.
    report::emit::print(format, &page)?;
    let (message, what) = first.unwrap_or_default();
    Err(Error::usage(
        message,
        format!("give an existing {what} as a path (/DC0/...) or a unique name"),
    ))
}

fn answers<'a>(g: &'a Answered, manifest: &'a Manifest) -> Answers<'a> {
    Answers {
        manifest,
        placements: &g.placements,
        known: &g.answers.known,
        granted: &g.answers.granted,
        user: &g.user,
        permissions: &g.answers.permissions,
        roles: &g.answers.roles,
        groups: g
            .answers
            .membership
            .as_ref()
            .and_then(|m| m.groups.as_deref()),
    }
}

async fn gather(
    client: &Client,
    snap: Snapshot,
    spec: &inventory::TargetSpec,
    manifest: &Manifest,
    for_user: Option<&str>,
    with_explain: bool,
    credentials: (&str, &str),
) -> Result<Session, Error> {
    let (targets, errors) = inventory::resolve_each(&snap, spec);
    if !errors.is_empty() {
        return Ok(Session::NoTarget(Box::new(snap), errors));
    }
    let root = privileges::root_entity(&snap.root);
    let placements = privileges::placements(&manifest.kinds(), &targets, &root);
    let mut tmap = report::targets_map(&targets);
    tmap.insert("root", EntityRef::from(&root));
    // vCenter 9 lists global permissions, where AttachTag counts: asked
    // beside the privilege answers, in a REST session of its own.
    let global = manifest.get(tagging::ATTACH_TAG).is_some()
        && tagging::lists_global_permissions(&snap.vcenter.version);
    let (asked, global) = tokio::join!(
        inventory::privileges::gather(
            client,
            &snap,
            &targets,
            manifest,
            for_user,
            Some(credentials),
        ),
        async {
            match global {
                true => Some(
                    crate::gate::global_permissions(client, credentials.0, credentials.1).await,
                ),
                false => None,
            }
        }
    );
    let asked = asked?;
    let mut g = Answered {
        global,
        user: asked.user.clone(),
        answers: asked,
        snap,
        targets: tmap,
        placements,
        applying: vec![],
    };
    if with_explain {
        let outcome = privileges::check(answers(&g, manifest));
        let mut gaps: Vec<MoRef> = Vec::new();
        for r in outcome.rows.iter().filter(|r| r.known && !r.granted) {
            let m = MoRef::new(r.entity.kind.clone(), r.entity.moref.clone());
            if !gaps.contains(&m) {
                gaps.push(m);
            }
        }
        // At most one call per entity kind: bounded by the seven kinds.
        for m in gaps {
            let perms = client.retrieve_entity_permissions(&m, true).await?;
            g.applying.push((m, perms));
        }
    }
    Ok(Session::Done(Box::new(g)))
}

fn explain(
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
