//! `vaudit check`: parse, resolve the settings, open the session (or read
//! the snapshot), hand everything to the gate, print. The checks, the
//! verdict and the renderers live in the library (`checks::registry`,
//! `gate`, `report::gate`).

use std::io::IsTerminal;
use std::time::Instant;

use super::args::{CheckArgs, FailOn};
use super::connection::Connection;
use super::error::Error;
use super::output;
use super::privileges_cmd::load_manifest;
use super::settings::{self, ConfigCredentials, Keyring};
use crate::checks::facts::{Live, Vcenter};
use crate::checks::registry::Selection;
use crate::checks::support_matrix;
use crate::checks::{Severity, tagging};
use crate::config::{self, ArcConfig};
use crate::gate::{self, Inputs, Wants};
use crate::inventory::{self, Snapshot, TargetSpec};
use crate::manifest::Manifest;
use crate::report::{self, VCenter, gate::GateReport};

/// Where the vCenter facts came from, owned.
enum Gathered {
    Live(Box<Snapshot>, Live),
    Offline(Box<Snapshot>),
    Unavailable(String, Option<Box<crate::checks::Finding>>),
}

pub async fn run(args: &CheckArgs) -> Result<u8, Error> {
    let started = Instant::now();
    let format = output::resolve("check", args.output.output)?;
    let manifest = load_manifest(args.manifest.as_deref())?;
    let loaded_matrix = match &args.support_matrix {
        Some(p) => {
            Some(support_matrix::load(p).map_err(|e| Error::usage(e.to_string(), e.remedy()))?)
        }
        None => None,
    };
    let matrix = loaded_matrix
        .as_ref()
        .unwrap_or_else(|| support_matrix::embedded());
    let cfg = match &args.config {
        Some(p) => config::load(p).map_err(|e| Error::usage(e.to_string(), e.remedy()))?,
        None => ArcConfig::default(),
    };
    let spec = gate::targets(&args.targets.spec(), &cfg);
    let selection = Selection {
        only: &args.only,
        skip: &args.skip,
    };
    let fail_on = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };

    // The address the password may go to is decided with the credentials,
    // in one place (settings): a config file cannot redirect an outside
    // password.
    let from_config = ConfigCredentials::from_config(&cfg);
    let vcenter_address =
        settings::address(&args.connection.key, Some(&from_config)).map(|s| s.value);

    let gathered = if let Some(path) = &args.snapshot.from {
        let snap = Snapshot::load(path)
            .map_err(|e| Error::usage(e.to_string(), "give --from a file written by --save"))?;
        Gathered::Offline(Box::new(snap))
    } else if !gate::needs_vcenter(&selection) {
        Gathered::Unavailable("no check that reads the vCenter was asked for".into(), None)
    } else if vcenter_address.is_none() {
        Gathered::Unavailable(
            "no vCenter address: set vsphereprovider.credentials.address in the config, --url or VAUDIT_URL".into(),
            None,
        )
    } else {
        online(
            &args.connection,
            &from_config,
            &spec,
            &selection,
            &manifest,
            args,
            format,
        )
        .await?
    };
    if let (Some(path), Gathered::Live(snap, _)) = (&args.snapshot.save, &gathered) {
        snap.save(path)
            .map_err(|e| Error::usage(e.to_string(), "choose a writable path for --save"))?;
    }

    let vcenter = match &gathered {
        Gathered::Live(snap, live) => Vcenter::Live {
            snap: snap.as_ref(),
            live,
        },
        Gathered::Offline(snap) => Vcenter::Offline {
            snap: snap.as_ref(),
        },
        Gathered::Unavailable(reason, finding) => Vcenter::Unavailable {
            reason: reason.clone(),
            finding: finding.clone(),
        },
    };
    let vc: VCenter = match &gathered {
        Gathered::Live(s, _) | Gathered::Offline(s) => s.vcenter.clone(),
        Gathered::Unavailable(..) => VCenter {
            url: vcenter_address.clone().unwrap_or_default(),
            ..Default::default()
        },
    };
    let snap_for_targets = match &gathered {
        Gathered::Live(s, _) | Gathered::Offline(s) => Some(s.as_ref()),
        Gathered::Unavailable(..) => None,
    };
    let inputs = Inputs {
        config: &cfg,
        config_given: args.config.is_some(),
        spec: &spec,
        vcenter_address: vcenter_address.as_deref(),
        max_age: args.max_age,
        manifest: &manifest,
        support_matrix: matrix,
        privileges_user: args.user.as_deref(),
        now: time::OffsetDateTime::now_utc(),
    };
    let eval = gate::evaluate(&inputs, vcenter, &selection, fail_on);
    let targets = snap_for_targets
        .map(|s| super::inventory_cmd::targets_map(&inventory::resolve_each(s, &spec).0))
        .unwrap_or_default();
    let from = args.snapshot.from.as_ref().map(|p| p.display().to_string());
    report::gate::render(
        format,
        &GateReport {
            vcenter: &vc,
            targets,
            privileges_user: args.user.as_deref(),
            results: &eval.results,
            findings: &eval.findings,
            seconds: started.elapsed().as_secs_f64(),
            fail_on_warning: fail_on == Severity::Warning,
            snapshot: from.as_deref(),
        },
        &mut std::io::stdout().lock(),
    )?;
    Ok(eval.verdict.exit_code())
}

/// The live session: everything the selected checks read, or why not. An
/// interruption (a signal) is the one error that ends the command instead.
async fn online(
    connection: &super::args::ConnectionArgs,
    config: &ConfigCredentials,
    spec: &TargetSpec,
    selection: &Selection<'_>,
    manifest: &Manifest,
    args: &CheckArgs,
    format: report::Format,
) -> Result<Gathered, Error> {
    let conn = match Connection::resolve_with(connection, Some(config), Keyring::Read) {
        Ok(c) => c,
        Err(e) if e.is_interrupted() => return Err(e),
        Err(e) => {
            // Settings that cannot be used (no password, an address the
            // password may not go to…): nothing was sent, and the
            // connection check says why.
            let f = crate::checks::Finding::new(
                crate::checks::connection::CHECK,
                Severity::Error,
                "connection-failed",
                None,
                e.to_string(),
                e.remedy()
                    .unwrap_or_else(|| "fix the connection settings".into()),
            );
            return Ok(Gathered::Unavailable(
                format!("not connected: {e}"),
                Some(Box::new(f)),
            ));
        }
    };
    let progress = Progress::start(format == report::Format::Table);
    let password = conn.password().to_string();
    let wants = Wants {
        events: selection.enabled(crate::checks::templates::CHECK),
        // The tagging check judges AttachTag from the same answers.
        privileges: (selection.enabled(crate::checks::privileges::CHECK)
            || selection.enabled(tagging::CHECK))
        .then_some((manifest, args.user.as_deref())),
        tagging: selection
            .enabled(tagging::CHECK)
            .then_some((conn.username(), password.as_str())),
        limits: crate::vsphere::Limits::with_max_objects(conn.settings.max_objects),
        sso: Some((conn.username(), password.as_str())),
        visibility: selection
            .enabled(crate::checks::targets::CHECK)
            .then_some(args.user.as_deref()),
    };
    let result = conn
        .with_session(async |client| {
            let vc = VCenter::new(
                conn.options.url.as_str(),
                client.about(),
                client.session(),
                conn.options.insecure,
            );
            Ok(gate::gather(client, vc, spec, &wants, |n| progress.objects(n)).await?)
        })
        .await;
    drop(progress);
    Ok(match result {
        Ok((snap, mut live)) => {
            live.insecure = conn.settings.insecure;
            Gathered::Live(Box::new(snap), live)
        }
        Err(e) if e.is_interrupted() => return Err(e),
        Err(Error::VSphere(e)) => {
            let f = gate::connection_finding(&e, Some(conn.username()));
            Gathered::Unavailable(gate::not_run_because(&f), Some(Box::new(f)))
        }
        Err(e) => Gathered::Unavailable(e.to_string(), None),
    })
}

/// A progress line on stderr, only on a terminal, cleared when dropped so
/// that nothing after it is garbled, whatever path the run takes.
struct Progress {
    on: bool,
}

impl Progress {
    fn start(table: bool) -> Progress {
        let on = table && std::io::stderr().is_terminal();
        if on {
            eprint!("checking: connecting to the vCenter…");
        }
        Progress { on }
    }

    fn objects(&self, n: usize) {
        if self.on {
            eprint!("\r\x1b[2Kchecking: collecting the inventory: {n} objects");
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}
