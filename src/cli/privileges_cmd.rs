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
use crate::checks::tagging;
use crate::checks::{CheckResult, EntityRef, Finding, Outcome, Severity, Verdict};
use crate::inventory::{self, PrivilegeAnswers, Snapshot, TargetError};
use crate::manifest::{self, Manifest};
use crate::report::privileges::{Explain, ExplainEntity, ExplainPermission};
use crate::report::{self, Document, Format, table};
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
    /// `--explain`: what `grant`'s plan reads beyond the answers (the
    /// permissions reaching each entity a permission would go on, and the
    /// holders of the roles it may extend), so the lines printed are that
    /// plan.
    reaching: crate::grant::gather::Reaching,
    /// vCenter 9's global permissions, when `AttachTag` is judged there.
    global: Option<tagging::GlobalListing>,
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
    let fail_on = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
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
    let code = Verdict::of(&results).exit_code();
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
                results,
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
                Verdict::of(&results),
                &results,
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
            let style = table::run_style();
            let mut text = report::privileges::render(&view, style);
            text.push_str(&report::gate::not_verified_lines(&results, style));
            if let Some(x) = &explain {
                text.push_str(&report::privileges::render_explain(x));
            }
            text.push_str(&report::gate::closing_line(
                &results,
                &outcome.findings,
                matches!(args.fail_on, FailOn::Warning),
                style.color,
            ));
            text.push('\n');
            print!("{text}");
        }
    }
    Ok(code)
}

/// A named target that does not exist: one report with the targets check's
/// findings, exit 2.
fn no_target(snap: &Snapshot, errors: Vec<TargetError>, format: Format) -> Result<u8, Error> {
    let first = errors.first().map(|e| (e.to_string(), e.what()));
    let findings: Vec<Finding> = errors.iter().map(crate::checks::targets::finding).collect();
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
    let given = path.map(|p| p.to_string_lossy());
    // Options arrive with the pipeline's --manifest-option (issue 22).
    manifest::load(given.as_deref(), &[]).map_err(|e| Error::usage(e.to_string(), e.remedy()))
}

fn answers<'a>(g: &'a Gathered, manifest: &'a Manifest) -> Answers<'a> {
    Answers::of(manifest, &g.placements, &g.answers)
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
    let mut tmap = super::inventory_cmd::targets_map(&targets);
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
    let mut g = Gathered {
        global,
        user: asked.user.clone(),
        answers: asked,
        snap,
        targets: tmap,
        placements,
        applying: vec![],
        reaching: Default::default(),
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
        g.reaching = crate::grant::gather::reaching(
            client,
            &g.snap,
            &g.placements,
            &g.answers,
            &crate::grant::plan::default_prefix(manifest),
        )
        .await?;
    }
    Ok(Session::Done(Box::new(g)))
}

fn explain(
    g: &Gathered,
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
    let r = remediation(g, findings, manifest);
    Explain {
        entities,
        missing,
        govc: r.govc,
        powercli: r.powercli,
        notes: r.notes,
    }
}

/// `--explain`'s lines: `grant`'s plan, rendered (see `grant::explain`).
fn remediation(
    g: &Gathered,
    findings: &[Finding],
    manifest: &Manifest,
) -> crate::grant::explain::Lines {
    crate::grant::explain::lines(&crate::grant::explain::Explained {
        manifest,
        snap: &g.snap,
        placements: &g.placements,
        answers: &g.answers,
        findings,
        global: g.global.as_ref(),
        reaching: &g.reaching,
    })
}
