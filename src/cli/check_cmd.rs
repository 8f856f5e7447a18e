//! `vaudit check` and `vaudit diagnose`: parse, resolve the plan, run the
//! gate library (`gate::run`: gather, evaluate), print.

use std::time::Instant;

use super::args::{CheckArgs, DiagnoseArgs, fail_on};
use super::connection::Connection;
use super::error::Error;
use super::output;
use super::settings::{self, ConfigCredentials, Keyring};
use crate::gate;
use crate::plan::{Asked, Command, Plan};
use crate::report;

pub async fn run(args: &CheckArgs) -> Result<u8, Error> {
    run_command(args, Command::CHECK).await
}

/// `vaudit diagnose`: the same pipeline over the `DIAGNOSE` checks, plus
/// the appliance search and the control-plane probe.
pub async fn diagnose(args: &DiagnoseArgs) -> Result<u8, Error> {
    run_command(&args.as_check(), Command::DIAGNOSE).await
}

async fn run_command(args: &CheckArgs, command: Command) -> Result<u8, Error> {
    let started = Instant::now();
    let format = output::resolve(command.name, args.gate.output.output)?;
    let result = audit(args, command, format, started).await;
    // Read by CI: a run that ends before any check (a bad config, a bad
    // manifest) is still one valid document (spec §5), its verdict
    // `incomplete` and one error saying why. A signal prints nothing
    // partial (spec §4); a failed write has nowhere to go.
    if let Err(e) = &result
        && !e.is_interrupted()
        && !matches!(e, Error::Output(_))
    {
        // The run's own error is the one to report: a document that cannot
        // be written (stdout closed) does not replace it.
        let _ = aborted(e, format, command.name, started);
    }
    result
}

async fn audit(
    args: &CheckArgs,
    command: Command,
    format: report::Format,
    started: Instant,
) -> Result<u8, Error> {
    let asked = Asked {
        config: args.gate.config.clone(),
        support_matrix: args.support_matrix.clone(),
        endpoints: args.endpoints.clone(),
        targets: args.gate.targets.spec(),
        only: args.only.clone(),
        skip: args.skip.clone(),
        fail_on: Some(fail_on(args.gate.fail_on)),
        max_age: args.gate.max_age,
        save: args.snapshot.save.clone(),
        from: args.snapshot.from.clone(),
        ..args.audited.asked()
    };
    // The address the password may go to is decided with the credentials,
    // in one place (settings): a config file cannot redirect an outside
    // password.
    let key = &args.gate.connection;
    let plan: Plan<Connection> = Plan::resolve(
        command,
        format,
        asked,
        |cfg| {
            settings::address(&key.key, Some(&ConfigCredentials::from_config(cfg))).map(|s| s.value)
        },
        |cfg| Connection::for_plan(key, &ConfigCredentials::from_config(cfg), Keyring::Read),
    )?;
    let audit = gate::run(&plan).await?;
    let from = plan.from().map(|p| p.display().to_string());
    let page = audit.page(&plan, started.elapsed().as_secs_f64(), from.as_deref());
    report::emit::print(format, &page)?;
    Ok(report::exit::of_verdict(audit.verdict))
}

/// The document of a run that ended before any check ran: `e` as the one
/// not-verified finding of the run.
fn aborted(
    e: &Error,
    format: report::Format,
    command: &str,
    started: Instant,
) -> Result<(), Error> {
    let page = report::check::Aborted::new(
        command,
        &e.to_string(),
        e.remedy(),
        started.elapsed().as_secs_f64(),
    );
    report::emit::print(format, &page.page())?;
    Ok(())
}
