//! `vaudit privileges`: the deploying user's (or `--user`'s) effective
//! privileges on each target entity, diffed against a privilege manifest.
//! Its verdict is the registry's privileges and tagging checks', run by the
//! gate library as `check --only privileges,tagging` runs them; the rows
//! and `--explain` are its listing body.
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
use super::settings;
use crate::checks::privileges::{self};
use crate::checks::{CheckResult, Finding, Outcome, Severity};
use crate::gate::{self, PRIVILEGE_CHECKS, Privileges};
use crate::inventory::{Snapshot, TargetError};
use crate::plan::{Asked, Command, Plan};
use crate::report::emit::{Bare, Judged};
use crate::report::privileges::{PrivilegesPage, View};
use crate::report::{self, Format, remediation};

/// The run's plan: the gate with the privileges and tagging checks
/// selected (`vaudit privileges` and `vaudit grant`).
pub(super) fn privileges_plan(
    connection: &super::args::ConnectionArgs,
    asked: Asked,
    format: Format,
) -> Result<Plan<Connection>, Error> {
    let asked = Asked {
        only: PRIVILEGE_CHECKS.iter().map(|c| c.to_string()).collect(),
        ..asked
    };
    Plan::resolve(
        Command::CHECK,
        format,
        asked,
        // Always a session: without an address the connection settings
        // say what is missing (after the manifest was read).
        |_| settings::address(&connection.key, None).map_or(Some(String::new()), |s| Some(s.value)),
        |_| Connection::resolve(connection).map(Ok),
    )
}

pub async fn run(args: &PrivilegesArgs) -> Result<u8, Error> {
    let format = output::resolve("privileges", args.output.output)?;
    let plan = privileges_plan(
        &args.connection,
        Asked {
            targets: args.targets.spec(),
            fail_on: Some(fail_on(args.fail_on)),
            ..args.audited.asked()
        },
        format,
    )?;
    let (g, results, findings) = match gate::privileges(&plan, args.explain).await? {
        Privileges::Judged {
            answered,
            results,
            findings,
        } => (answered, results, findings),
        Privileges::NoTarget(snap, errors) => return no_target(&snap, errors, format),
    };
    let manifest = &plan.manifest;
    let rows = privileges::check(remediation::answers(&g, manifest)).rows;
    // An entity deleted while it was read left the privileges check not
    // verified: a plan from what remains would be a plan for a partial set.
    let explain = (args.explain && g.snap.vanished.is_empty()).then(|| {
        let lines = crate::grant::explain::for_privileges(&g, &findings, manifest);
        remediation::explain(&g, &rows, lines)
    });
    let page = PrivilegesPage {
        judged: Judged {
            title: format!("vaudit privileges: {}", g.user),
            vcenter: &g.snap.vcenter,
            targets: Some(g.targets.clone()),
            results: &results,
            findings: &findings,
            fail_on: plan.fail_on,
        },
        view: View {
            user: &g.user,
            manifest: &manifest.name,
            manifest_version: manifest.version.as_deref(),
            manifest_options: &manifest.switched_on,
            placements: &g.placements,
            rows: &rows,
            findings: &findings,
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
