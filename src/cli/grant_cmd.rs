//! `vaudit grant` (cli.md §3a): the plan from the privileges audit's own
//! answers and verdict, rendered; with `--apply` made behind a journal and
//! audited again; with `--undo` restored from a journal.

use std::collections::BTreeMap;
use std::path::Path;

use super::args::GrantArgs;
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::privileges::{self, Placement};
use crate::checks::tagging::{self, Judged};
use crate::checks::{CheckResult, EntityRef, Finding, Outcome, Severity, Verdict};
use crate::grant::{self, ApplyContext, Gathered, GrantError, Options, Plan};
use crate::inventory::{self, Snapshot};
use crate::report::grant::{self as render, GrantBody};
use crate::report::{self, Document, Format, VCenter};

/// One audit and its plan, from one session.
struct Audited {
    snap: Snapshot,
    targets: BTreeMap<&'static str, EntityRef>,
    gathered: Gathered,
    plan: Result<Plan, grant::PlanError>,
}

fn options(args: &GrantArgs) -> Options {
    Options {
        recommended: args.recommended,
        prefix: args.role.clone(),
        widen_shared_role: args.widen_shared_role,
        replace_existing: args.replace_existing,
    }
}

fn grant_error(e: GrantError) -> Error {
    match e {
        GrantError::Vsphere(v) => v.into(),
        GrantError::Changed { journal, diff } => {
            // One line per difference, each made safe for the terminal.
            eprintln!("what changed since vaudit applied {journal}:");
            for l in diff.lines() {
                eprintln!("{}", report::sanitize::line(l));
            }
            Error::usage(
                format!(
                    "nothing was restored: the state changed since vaudit applied the journal {journal} (the differences are listed above)"
                ),
                "put the listed entries back as vaudit left them and run --undo again, or restore them by hand",
            )
        }
        other => Error::usage(
            other.to_string(),
            "see the journal's \"changes\" for what was applied",
        ),
    }
}

/// The UTC time for a journal's name and record.
fn now() -> (String, String) {
    let t = time::OffsetDateTime::now_utc();
    let name = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    let rfc = t
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| name.clone());
    (name, rfc)
}

async fn audit(
    conn: &Connection,
    client: &crate::vsphere::Client,
    args: &GrantArgs,
    manifest: &crate::manifest::Manifest,
) -> Result<Audited, Error> {
    // Every facet: the placements look at hosts and VMs besides the targets.
    let vc = VCenter::new(
        conn.options.url.as_str(),
        client.about(),
        client.session(),
        conn.options.insecure,
    );
    let limits = crate::vsphere::Limits::with_max_objects(conn.settings.max_objects);
    let snap = inventory::collect(
        client,
        vc,
        crate::inventory::Facets::all(),
        false,
        limits,
        |_| {},
    )
    .await?;
    let spec = args.targets.spec();
    let (targets, errors) = inventory::resolve_each(&snap, &spec);
    if let Some(e) = errors.first() {
        return Err(Error::usage(
            e.to_string(),
            format!(
                "give an existing {} as a path (/DC0/...) or a unique name",
                e.what()
            ),
        ));
    }
    let o = options(args);
    let prefix = o
        .prefix
        .clone()
        .unwrap_or_else(|| grant::plan::default_prefix(manifest));
    let gathered = grant::gather(
        client,
        &snap,
        &targets,
        manifest,
        args.user.as_deref(),
        (conn.username(), conn.password()),
        &prefix,
    )
    .await?;
    let root = privileges::root_entity(&snap.root);
    let mut tmap = report::targets_map(&targets);
    tmap.insert("root", EntityRef::from(&root));
    let plan = gathered.plan(&snap, manifest, &o);
    Ok(Audited {
        targets: tmap,
        gathered,
        plan,
        snap,
    })
}

/// The privileges and tagging verdicts of an audit, as `vaudit privileges`
/// gives them.
fn verdict(a: &Audited) -> (Vec<CheckResult>, Vec<Finding>) {
    let g = &a.gathered;
    let mut findings = g.audit.findings.clone();
    let checked = match privileges::unknown_principal(&g.answers) {
        Some(unknown) => {
            findings = vec![unknown];
            Outcome::NotVerified {
                reason: format!("the principal {} is not known", g.answers.user),
                findings: findings.clone(),
            }
        }
        None => match privileges::uncertain_reason(&g.answers, &g.audit) {
            Some(reason) => Outcome::NotVerified {
                reason,
                findings: findings.clone(),
            },
            None => {
                let stand_ins: Vec<&Placement> = g
                    .placements
                    .iter()
                    .filter(|p| p.stand_in.is_some())
                    .collect();
                if stand_ins.is_empty() {
                    Outcome::Verified(findings.clone())
                } else {
                    Outcome::NotVerified {
                        reason: format!(
                            "checked only on a stand-in: {}",
                            stand_ins
                                .iter()
                                .map(|p| p.kind.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        findings: findings.clone(),
                    }
                }
            }
        },
    };
    let mut results = vec![CheckResult::from_outcome(
        privileges::CHECK,
        &checked,
        Severity::Error,
    )];
    let tag = match &g.tag {
        Judged::NotAsked => None,
        Judged::Passed => Some(Outcome::Verified(vec![])),
        Judged::Found(f) => Some(Outcome::Verified(vec![(**f).clone()])),
        Judged::Unknown(reason) => Some(Outcome::not_verified(reason.clone())),
    };
    if let Some(t) = tag {
        findings.extend(t.findings().iter().cloned());
        results.push(CheckResult::from_outcome(
            tagging::CHECK,
            &t,
            Severity::Error,
        ));
    }
    (results, findings)
}

fn print_plan(
    format: Format,
    vcenter: &VCenter,
    a: &Audited,
    plan: &Plan,
    extra: &[Finding],
) -> Result<(), Error> {
    let (results, mut findings) = verdict(a);
    findings.extend(extra.iter().cloned());
    match format {
        Format::Json => report::print_json(&Document::new(
            vcenter.clone(),
            Some(a.targets.clone()),
            results,
            findings,
            GrantBody {
                changes: &plan.changes,
                not_planned: &plan.not_planned,
            },
        ))?,
        Format::Markdown => print!("{}", render::markdown(&plan.changes, &plan.not_planned)),
        Format::Sh => print!("{}", render::sh(&plan.changes)),
        Format::Ps1 => print!("{}", render::ps1(&plan.changes)),
        _ => {
            println!("vaudit grant: plan for {}", plan.principal);
            print!("{}", render::table(&plan.changes, &plan.not_planned));
        }
    }
    Ok(())
}

fn refused_finding(plan: &Plan, args: &GrantArgs) -> Option<Finding> {
    let refused = plan.refused(
        args.widen_shared_role,
        args.replace_existing,
        args.allow_move_up,
    );
    if refused.is_empty() {
        return None;
    }
    let what: Vec<String> = refused
        .iter()
        .map(|(c, f)| {
            let on = c
                .entity
                .as_ref()
                .map(|e| format!(" on {}", e.path))
                .unwrap_or_default();
            let role = c.role.as_ref().map(|r| r.name.as_str()).unwrap_or("");
            format!("{} {role}{on} needs {}", c.action.as_str(), f.as_str())
        })
        .collect();
    Some(Finding {
        check: "grant".into(),
        severity: Severity::Error,
        code: "grant-refused".into(),
        entity: None,
        privilege: None,
        message: format!(
            "--apply refused, nothing was changed: {}",
            what.join("; ")
        ),
        remedy: "give the flag each change needs once you accept what the plan says it does (other principals gaining privileges, a permission replaced, a permission moved up), or change the permissions by hand".into(),
    })
}

pub async fn run(args: &GrantArgs) -> Result<u8, Error> {
    let format = output::resolve("grant", args.output.output)?;
    let conn = Connection::resolve(&args.connection)?;
    if let Some(path) = &args.undo {
        return undo(&conn, path, format).await;
    }
    // Read before any connection, so a bad file costs no login.
    let given = args.manifest.as_deref().map(|p| p.to_string_lossy());
    let manifest = crate::manifest::load(given.as_deref(), &[])
        .map_err(|e| Error::usage(e.to_string(), e.remedy()))?;
    conn.with_session(async |client| {
        let a = audit(&conn, client, args, &manifest).await?;
        let vcenter = a.snap.vcenter.clone();
        let plan = match &a.plan {
            Ok(p) => p.clone(),
            Err(e) => {
                return Err(Error::usage(
                    e.to_string(),
                    "fix the input named and run again; nothing was changed",
                ));
            }
        };
        if !args.apply {
            print_plan(format, &vcenter, &a, &plan, &[])?;
            return Ok(plan.exit_code());
        }
        if !plan.not_planned.is_empty() {
            print_plan(format, &vcenter, &a, &plan, &[])?;
            return Err(Error::usage(
                format!(
                    "--apply refused, nothing was changed: {} no target, and vaudit never grants on a stand-in",
                    plan.not_planned
                        .iter()
                        .map(|n| format!("{} has", n.kind))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                plan.not_planned
                    .iter()
                    .map(|n| format!("set {}", n.how))
                    .collect::<Vec<_>>()
                    .join("; "),
            ));
        }
        if let Some(f) = refused_finding(&plan, args) {
            print_plan(format, &vcenter, &a, &plan, std::slice::from_ref(&f))?;
            return Err(Error::usage(format!("grant-refused: {}", f.message), f.remedy));
        }
        let (stamp, rfc) = now();
        let host = client
            .endpoint()
            .split("://")
            .last()
            .unwrap_or("vcenter")
            .split(['/', ':'])
            .next()
            .unwrap_or("vcenter")
            .to_string();
        let journal = args
            .journal
            .clone()
            .unwrap_or_else(|| grant::default_journal(&host, &stamp));
        let applied = grant::apply(
            &ApplyContext {
                client,
                credentials: Some((conn.username(), conn.password())),
                journal: &journal,
                now: rfc,
            },
            &plan,
        )
        .await
        .map_err(grant_error)?;
        eprintln!(
            "vaudit grant: applied {} changes; the undo record is {} (`vaudit grant --undo {}`)",
            applied.changes.iter().filter(|c| c.applied == Some(true)).count(),
            journal.display(),
            journal.display()
        );
        // The audit again: its verdict is the exit code.
        let again = audit(&conn, client, args, &manifest).await?;
        let (results, _) = verdict(&again);
        let left = match &again.plan {
            Ok(p) => p.clone(),
            Err(_) => plan.clone(),
        };
        // What was applied, then the manual steps still left.
        let mut shown: Vec<_> = applied
            .changes
            .iter()
            .filter(|c| c.actionable())
            .cloned()
            .collect();
        shown.extend(left.changes.into_iter().filter(|c| c.manual));
        let shown_plan = Plan {
            principal: plan.principal.clone(),
            changes: shown,
            not_planned: vec![],
        };
        print_plan(format, &vcenter, &again, &shown_plan, &[])?;
        let v = Verdict::of(&results);
        if matches!(format, Format::Table) {
            println!(
                "The audit after applying: {}",
                report::verdict::verdict_sentence(v, false)
            );
        }
        Ok(report::exit::of_verdict(v))
    })
    .await
}

async fn undo(conn: &Connection, path: &Path, format: Format) -> Result<u8, Error> {
    let j = grant::read_journal(path).map_err(grant_error)?;
    let (restored, vcenter) = conn
        .with_session(async |client| {
            let vcenter = VCenter::new(client.endpoint(), client.about(), client.session(), false);
            grant::undo(client, Some((conn.username(), conn.password())), path, &j)
                .await
                .map(|r| (r, vcenter))
                .map_err(grant_error)
        })
        .await?;
    match format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Body<'a> {
                journal: String,
                restored: &'a [String],
            }
            report::print_json(&Document::new(
                vcenter,
                None,
                vec![],
                vec![],
                Body {
                    journal: path.display().to_string(),
                    restored: &restored,
                },
            ))?
        }
        _ => {
            println!("vaudit grant --undo {}: restored", path.display());
            for r in &restored {
                println!("  {}", report::sanitize::line(r));
            }
        }
    }
    Ok(0)
}
