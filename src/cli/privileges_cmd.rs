//! `vaudit privileges`: the deploying user's (or `--user`'s) effective
//! privileges on each target entity, diffed against a privilege manifest.
//!
//! One session, a constant number of SOAP calls whatever the manifest size:
//! the inventory pass, privilegeList, roleList, one HasPrivilegeOnEntities
//! (or HasUserPrivilegeOnEntities) for every (entity, privilege) pair, the
//! permissions on the target folder and pool, and with `--explain` the
//! permissions reaching each entity that lacks something.

use super::args::{PrivilegesArgs, fail_on};
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::privileges;
use crate::checks::tagging;
use crate::checks::{CheckResult, EntityRef, Finding, Outcome, Severity};
use crate::inventory::{self, Snapshot, TargetError};
use crate::manifest::Manifest;
use crate::report::emit::{Bare, Judged};
use crate::report::privileges::{PrivilegesPage, View};
use crate::report::remediation::{self, Answered};
use crate::report::{self, Format};
use crate::vsphere::{Client, MoRef};

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
    let outcome = privileges::check(remediation::answers(&g, &manifest));
    let explain = args
        .explain
        .then(|| remediation::explain(&g, &outcome.rows, &outcome.findings, &manifest));
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
        let outcome = privileges::check(remediation::answers(&g, manifest));
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
