//! `vaudit privileges`: the deploying user's (or `--user`'s) effective
//! privileges on each target entity, diffed against a privilege manifest.
//!
//! One session, a constant number of SOAP calls whatever the manifest size:
//! the inventory pass, privilegeList, roleList, one HasPrivilegeOnEntities
//! (or HasUserPrivilegeOnEntities) for every (entity, privilege) pair, the
//! permissions on the target folder and pool, and with `--explain` the
//! permissions reaching each entity that lacks something.

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::{FailOn, PrivilegesArgs};
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::privileges::{self, Answers, Placement, PrivilegeRow};
use crate::checks::{CheckResult, EntityRef, Finding, Outcome, Severity, Verdict};
use crate::inventory::{self, PrivilegeAnswers, Snapshot, TargetError};
use crate::manifest::{self, Manifest};
use crate::report::privileges::{Explain, ExplainEntity, ExplainPermission};
use crate::report::{self, Document, Format, quote, table};
use crate::vsphere::{Client, MoRef, Permission};

/// Everything the session gathered.
struct Gathered {
    snap: Snapshot,
    targets: BTreeMap<&'static str, EntityRef>,
    placements: Vec<Placement>,
    answers: PrivilegeAnswers,
    user: String,
    /// `--explain`: the permissions reaching each entity with a gap.
    applying: Vec<(MoRef, Vec<Permission>)>,
}

enum Session {
    Done(Box<Gathered>),
    NoTarget(Box<Snapshot>, Vec<TargetError>),
}

pub async fn run(args: &PrivilegesArgs) -> Result<u8, Error> {
    let format = output::resolve("privileges", args.output.output)?;
    let manifest = load_manifest(args.manifest.as_deref())?;
    let conn = Connection::resolve(&args.connection)?;
    let spec = args.targets.spec();
    let session = conn
        .with_session(async |client| {
            let snap = conn.collect(client, false).await?;
            gather(
                client,
                snap,
                &spec,
                &manifest,
                args.user.as_deref(),
                args.explain,
            )
            .await
        })
        .await?;
    let g = match session {
        Session::Done(g) => g,
        Session::NoTarget(snap, errors) => return no_target(&snap, errors, format),
    };
    let outcome = privileges::check(answers(&g, &manifest));
    let explain = args.explain.then(|| explain(&g, &outcome.rows, &manifest));
    let fail_on = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    let result = CheckResult::from_outcome(
        privileges::CHECK,
        &Outcome::Verified(outcome.findings.clone()),
        fail_on,
    );
    let code = Verdict::of(std::slice::from_ref(&result)).exit_code();
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Body<'a> {
                user: &'a str,
                manifest: &'a str,
                checked_on: &'a [Placement],
                privileges: &'a [PrivilegeRow],
                #[serde(skip_serializing_if = "Option::is_none")]
                explain: Option<&'a Explain>,
            }
            report::print_json(&Document::new(
                g.snap.vcenter.clone(),
                Some(g.targets.clone()),
                vec![result],
                outcome.findings.clone(),
                Body {
                    user: &g.user,
                    manifest: &manifest.name,
                    checked_on: &g.placements,
                    privileges: &outcome.rows,
                    explain: explain.as_ref(),
                },
            ))?;
        }
        Format::Markdown => print!(
            "{}",
            report::markdown::render(
                &format!("vaudit privileges: {}", g.user),
                Verdict::of(std::slice::from_ref(&result)),
                std::slice::from_ref(&result),
                &outcome.findings
            )
        ),
        _ => {
            let view = report::privileges::View {
                user: &g.user,
                manifest: &manifest.name,
                placements: &g.placements,
                rows: &outcome.rows,
                findings: &outcome.findings,
                all: args.all,
                explained: explain.is_some(),
            };
            let mut text = report::privileges::render(&view, table::run_style());
            if let Some(x) = &explain {
                text.push_str(&report::privileges::render_explain(x));
            }
            print!("{text}");
        }
    }
    Ok(code)
}

/// A named target that does not exist: one report with the targets check's
/// findings, exit 2.
fn no_target(snap: &Snapshot, errors: Vec<TargetError>, format: Format) -> Result<u8, Error> {
    let first = errors.first().map(|e| (e.to_string(), e.what()));
    let findings: Vec<Finding> = errors
        .iter()
        .map(|e| {
            Finding::new(
                crate::checks::targets::CHECK,
                Severity::Error,
                "target-not-found",
                None,
                e.to_string(),
                format!("give an existing {} (path or unique name)", e.what()),
            )
        })
        .collect();
    if format == Format::Json {
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
        #[derive(Serialize)]
        struct Empty {}
        report::print_json(&Document::new(
            snap.vcenter.clone(),
            None,
            results,
            findings,
            Empty {},
        ))?;
    }
    let (message, what) = first.unwrap_or_default();
    Err(Error::usage(
        message,
        format!("give an existing {what} as a path (/DC0/...) or a unique name"),
    ))
}

/// The manifest a command was given, or the embedded one; read before any
/// connection, so a bad file costs no login.
pub(super) fn load_manifest(path: Option<&std::path::Path>) -> Result<Manifest, Error> {
    match path {
        Some(path) => {
            manifest::load_file(path).map_err(|e| Error::usage(e.to_string(), e.remedy()))
        }
        None => Ok(manifest::default_manifest()),
    }
}

fn answers<'a>(g: &'a Gathered, manifest: &'a Manifest) -> Answers<'a> {
    Answers {
        manifest,
        placements: &g.placements,
        known: &g.answers.known,
        granted: &g.answers.granted,
        user: &g.user,
        permissions: &g.answers.permissions,
        roles: &g.answers.roles,
    }
}

async fn gather(
    client: &Client,
    snap: Snapshot,
    spec: &inventory::TargetSpec,
    manifest: &Manifest,
    for_user: Option<&str>,
    with_explain: bool,
) -> Result<Session, Error> {
    let (targets, errors) = inventory::resolve_each(&snap, spec);
    if !errors.is_empty() {
        return Ok(Session::NoTarget(Box::new(snap), errors));
    }
    let root = privileges::root_entity(&snap.root);
    let placements = privileges::placements(&manifest.kinds(), &targets, &root);
    let mut tmap = super::inventory_cmd::targets_map(&targets);
    tmap.insert("root", EntityRef::from(&root));
    let asked = inventory::privileges::gather(client, &snap, &targets, manifest, for_user).await?;
    let mut g = Gathered {
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

fn explain(g: &Gathered, rows: &[PrivilegeRow], manifest: &Manifest) -> Explain {
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
    // The roles to extend: those of the permissions that decide for the user
    // on each entity with a gap (custom roles only; system ones are fixed).
    let mut extend: Vec<String> = entities
        .iter()
        .flat_map(|e| deciding(&e.permissions, &g.user))
        .filter(|p| p.role_id > 0)
        .map(|p| p.role.clone())
        .collect();
    extend.sort();
    extend.dedup();
    let ids = missing
        .iter()
        .map(|i| quote::sh(i))
        .collect::<Vec<_>>()
        .join(" ");
    let quoted = missing
        .iter()
        .map(|i| quote::powershell(i))
        .collect::<Vec<_>>()
        .join(",");
    let mut govc = Vec::new();
    let mut powercli = Vec::new();
    if !missing.is_empty() {
        for r in &extend {
            govc.push(format!("govc role.update -a {} {ids}", quote::sh(r)));
            powercli.push(format!(
                "Set-VIRole -Role {} -AddPrivilege (Get-VIPrivilege -Id {quoted})",
                quote::powershell(r)
            ));
        }
        let all: Vec<&str> = manifest
            .ids()
            .filter(|i| !manifest::IMPLIED.contains(i))
            .filter(|i| g.answers.known.is_empty() || g.answers.known.contains(*i))
            .collect();
        govc.push(format!(
            "govc role.create {} {}",
            quote::sh(&manifest.name),
            all.iter()
                .map(|i| quote::sh(i))
                .collect::<Vec<_>>()
                .join(" ")
        ));
        powercli.push(format!(
            "New-VIRole -Name {} -Privilege (Get-VIPrivilege -Id {})",
            quote::powershell(&manifest.name),
            all.iter()
                .map(|i| quote::powershell(i))
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    Explain {
        entities,
        missing,
        govc,
        powercli,
    }
}

/// The permissions that decide for the user, given every permission that
/// reaches an entity, nearest first: the nearest entity holding a permission
/// of the user's own or of a group (membership is not known here) decides;
/// there the user's own permissions beat the groups'.
fn deciding<'a>(perms: &'a [ExplainPermission], user: &str) -> Vec<&'a ExplainPermission> {
    let user = privileges::canonical_principal(user);
    let own =
        |p: &ExplainPermission| !p.group && privileges::canonical_principal(&p.principal) == user;
    let Some(first) = perms.iter().find(|p| p.group || own(p)) else {
        return vec![];
    };
    let there: Vec<&ExplainPermission> = perms
        .iter()
        .filter(|p| p.defined_on == first.defined_on && (p.group || own(p)))
        .collect();
    if there.iter().any(|p| own(p)) {
        there.into_iter().filter(|p| own(p)).collect()
    } else {
        there
    }
}
