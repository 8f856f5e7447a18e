//! `vaudit grant` (cli.md §3a): the plan from the privileges audit's own
//! answers and verdict, rendered; with `--apply` made behind a journal and
//! audited again; with `--undo` restored from a journal.

use std::collections::BTreeMap;
use std::path::Path;

use super::args::GrantArgs;
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::privileges::{self, Answers};
use crate::checks::tagging;
use crate::checks::{CheckResult, EntityRef, Finding, Severity, Verdict};
use crate::gate::{self, Privileges};
use crate::grant::{self, ApplyContext, Gathered, GrantError, Options, Plan};
use crate::plan::{Asked, Source};
use crate::report::grant::{self as render, GrantBody};
use crate::report::{self, Document, Format, VCenter};

/// The privileges audit (the gate's: the same results `vaudit privileges`
/// gives) and the plan made from it.
struct Audited {
    vcenter: VCenter,
    targets: BTreeMap<&'static str, EntityRef>,
    results: Vec<CheckResult>,
    findings: Vec<Finding>,
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

/// The run's plan for the gate: the privileges and tagging checks, as
/// `vaudit privileges` runs them.
fn gate_plan(args: &GrantArgs, format: Format) -> Result<crate::plan::Plan<Connection>, Error> {
    super::privileges_cmd::privileges_plan(
        &args.connection,
        Asked {
            targets: args.targets.spec(),
            fail_on: Some(Severity::Error),
            ..args.audited.asked()
        },
        format,
    )
}

fn connection(p: &crate::plan::Plan<Connection>) -> Result<&Connection, Error> {
    match &p.source {
        Source::Live(Ok(c)) => Ok(c),
        _ => Err(Error::usage(
            "vaudit grant needs a live session",
            "give --url and the credentials",
        )),
    }
}

/// The gate's privileges audit, then (in a session of its own) what only
/// the plan reads, and the plan.
async fn audit(p: &crate::plan::Plan<Connection>, args: &GrantArgs) -> Result<Audited, Error> {
    let (g, results, findings) = match gate::privileges(p, false).await? {
        Privileges::Judged {
            answered,
            results,
            findings,
        } => (answered, results, findings),
        Privileges::NoTarget(_, errors) => {
            let e = &errors[0];
            return Err(Error::usage(
                e.to_string(),
                format!(
                    "give an existing {} as a path (/DC0/...) or a unique name",
                    e.what()
                ),
            ));
        }
    };
    let manifest = &p.manifest;
    let o = options(args);
    let prefix = o
        .prefix
        .clone()
        .unwrap_or_else(|| grant::plan::default_prefix(manifest));
    let (permissions, holders) = connection(p)?
        .with_session(async |client| {
            grant::gather::reaching(client, &g.snap, &g.placements, &g.answers, &prefix)
                .await
                .map_err(|e| vanished(&e, &g.snap).unwrap_or_else(|| Error::from(e)))
        })
        .await?;
    let gathered = Gathered {
        audit: privileges::check(Answers::of(manifest, &g.placements, &g.answers)),
        tag: tagging::attach_tag(
            manifest,
            Some(&g.answers),
            &g.snap.root,
            &g.snap.vcenter.version,
            g.global.as_ref(),
        ),
        placements: g.placements.clone(),
        answers: g.answers.clone(),
        global: g.global.clone(),
        permissions,
        holders,
    };
    let plan = gathered.plan(&g.snap, manifest, &o);
    Ok(Audited {
        vcenter: g.snap.vcenter.clone(),
        targets: g.targets.clone(),
        results,
        findings,
        plan,
    })
}

/// An entity deleted since the audit read it: no plan is made from the
/// rest (it would be a plan for a partial set), and nothing is changed.
fn vanished(e: &crate::vsphere::Error, snap: &crate::inventory::Snapshot) -> Option<Error> {
    let v = crate::inventory::vanished::Vanished::from_error(e, &[])?;
    Some(Error::usage(
        format!("No plan was made: {}.", v.what(snap)),
        "run vaudit grant again; nothing was changed",
    ))
}

fn print_plan(format: Format, a: &Audited, plan: &Plan, extra: &[Finding]) -> Result<(), Error> {
    let results = a.results.clone();
    let mut findings = a.findings.clone();
    findings.extend(extra.iter().cloned());
    match format {
        Format::Json => report::print_json(&Document::new(
            a.vcenter.clone(),
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
    if let Some(path) = &args.undo {
        let conn = Connection::resolve(&args.connection)?;
        return undo(&conn, path, format).await;
    }
    // The manifest is read here, before any connection.
    let p = gate_plan(args, format)?;
    let a = audit(&p, args).await?;
    let plan = match &a.plan {
        Ok(x) => x.clone(),
        Err(e) => {
            return Err(Error::usage(
                e.to_string(),
                "fix the input named and run again; nothing was changed",
            ));
        }
    };
    if !args.apply {
        print_plan(format, &a, &plan, &[])?;
        return Ok(plan.exit_code());
    }
    if !plan.not_planned.is_empty() {
        print_plan(format, &a, &plan, &[])?;
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
        print_plan(format, &a, &plan, std::slice::from_ref(&f))?;
        return Err(Error::usage(
            format!("grant-refused: {}", f.message),
            f.remedy,
        ));
    }
    let conn = connection(&p)?;
    let applied = conn
        .with_session(async |client| {
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
            Ok(applied)
        })
        .await?;
    // The audit again: its verdict is the exit code.
    let again = audit(&p, args).await?;
    let left = match &again.plan {
        Ok(x) => x.clone(),
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
    print_plan(format, &again, &shown_plan, &[])?;
    let v = Verdict::of(&again.results);
    if matches!(format, Format::Table) {
        println!(
            "The audit after applying: {}",
            report::verdict::verdict_sentence(v, false)
        );
    }
    Ok(report::exit::of_verdict(v))
}

async fn undo(conn: &Connection, path: &Path, format: Format) -> Result<u8, Error> {
    let j = grant::read_journal(path).map_err(grant_error)?;
    let (restored, vcenter) = conn
        .with_session(async |client| {
            let vcenter = VCenter::new(client.endpoint(), client, false);
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
