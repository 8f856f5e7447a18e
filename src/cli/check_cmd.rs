//! `vaudit check`: the pre-deployment gate. Reads the Arc config files, runs
//! every check against the same targets, and answers with one report and one
//! exit code. It fails closed: a check that could not run is never reported
//! as passed, and a connection failure is itself a finding (exit 2).

use std::collections::BTreeMap;
use std::io::IsTerminal;

use clap::ValueEnum;
use serde::Serialize;

use super::args::{CheckArgs, CheckName, ReportFormat};
use super::connection::{Connection, env_first};
use super::error::Error;
use super::inventory_cmd::{exit_code, targets_map};
use super::privileges_cmd::Audit;
use super::settings::{self, ConfigCredentials, Keyring};
use crate::checks::{self, Finding, Severity, ip_plan::IpPlan};
use crate::config::{self, ArcConfig};
use crate::inventory::{self, Snapshot, TargetSpec};
use crate::report::{self, Document, Summary, VCenter, junit, table};
use crate::vsphere;

/// The checks that need a session with the vCenter.
const ONLINE: &[CheckName] = &[
    CheckName::Connection,
    CheckName::Tagging,
    CheckName::Privileges,
    CheckName::Version,
    CheckName::Clock,
    CheckName::Folders,
    CheckName::Pools,
    CheckName::Templates,
    CheckName::Datastore,
    CheckName::Network,
];

/// The online checks that read the deployment targets.
const TARGETED: &[CheckName] = &[
    CheckName::Privileges,
    CheckName::Folders,
    CheckName::Pools,
    CheckName::Templates,
    CheckName::Datastore,
    CheckName::Network,
];

/// Which checks run, and what they found.
struct Gate<'a> {
    only: &'a [CheckName],
    skip: &'a [CheckName],
    findings: Vec<Finding>,
    ran: Vec<CheckName>,
    skipped: Vec<(CheckName, String)>,
}

impl Gate<'_> {
    fn enabled(&self, c: CheckName) -> bool {
        (self.only.is_empty() || self.only.contains(&c)) && !self.skip.contains(&c)
    }

    fn run(&mut self, c: CheckName, f: &mut dyn FnMut() -> Vec<Finding>) {
        if self.enabled(c) {
            self.findings.extend(f());
            self.ran.push(c);
        }
    }

    fn skip_because(&mut self, c: CheckName, why: &str) {
        if self.enabled(c) {
            self.skipped.push((c, why.to_string()));
        }
    }
}

/// What the online phase brings back.
struct Online {
    snap: Snapshot,
    server_time: String,
    /// `None` when the privileges check is not enabled or a target is missing.
    privileges: Option<Vec<Finding>>,
    /// `None` when the tagging check is not enabled.
    tagging: Option<Vec<Finding>>,
    certificate: Option<vsphere::tls::CertSummary>,
    insecure: Option<checks::vcenter::InsecureSource>,
}

pub async fn run(args: &CheckArgs) -> Result<u8, Error> {
    let format = report_format(args)?;
    let manifest = super::privileges_cmd::load_manifest(args.manifest.as_deref())?;
    let cfg = match &args.config {
        Some(p) => config::load(p).map_err(|e| Error::usage(e.to_string(), e.remedy()))?,
        None => ArcConfig::default(),
    };
    let mut gate = Gate {
        only: &args.only,
        skip: &args.skip,
        findings: Vec::new(),
        ran: Vec::new(),
        skipped: Vec::new(),
    };

    // Checks that need no vCenter run first, whatever happens after.
    let from_config = ConfigCredentials::from_config(&cfg);
    let vcenter_url = settings::address(&args.connection.key, Some(&from_config)).map(|s| s.value);
    gate.run(CheckName::Endpoints, &mut || {
        let mut eps: Vec<(String, String)> = Vec::new();
        if let Some(u) = &vcenter_url {
            eps.push(("the vCenter address".into(), u.clone()));
        }
        eps.extend(cfg.proxies.iter().cloned());
        for d in &cfg.dns_servers {
            eps.push(("a DNS server".into(), d.clone()));
        }
        checks::endpoints::check(&eps)
    });
    gate.run(CheckName::IpPlan, &mut || {
        checks::ip_plan::check(&IpPlan {
            control_plane: cfg.control_plane_endpoint.clone(),
            pool_start: cfg.node_ip_pool_start.clone(),
            pool_end: cfg.node_ip_pool_end.clone(),
            prefix: cfg.ip_prefix.clone(),
            gateway: cfg.gateway.clone(),
        })
    });

    let online_needed = ONLINE.iter().any(|&c| gate.enabled(c));

    let spec = TargetSpec {
        datacenter: args.targets.datacenter.clone().or(cfg.datacenter.clone()),
        folder: args.targets.folder.clone().or(cfg.folder.clone()),
        pool: args.targets.pool.clone().or(cfg.resource_pool.clone()),
        datastore: args.targets.datastore.clone().or(cfg.datastore.clone()),
        network: args.targets.network.clone().or(cfg.network.clone()),
        template: args.targets.template.clone().or(cfg.template.clone()),
    };

    let mut incomplete = false;
    let mut vcenter = VCenter {
        url: vcenter_url.clone().unwrap_or_default(),
        ..Default::default()
    };
    let mut target_refs = BTreeMap::new();
    if online_needed {
        let progress = std::io::stderr().is_terminal() && format == ReportFormat::Table;
        if progress {
            eprint!("checking: connecting to the vCenter…");
        }
        match online(
            &args.connection,
            &from_config,
            gate.enabled(CheckName::Templates),
            gate.enabled(CheckName::Privileges).then_some(&Audit {
                spec: &spec,
                manifest: &manifest,
                user: args.user.as_deref(),
            }),
            gate.enabled(CheckName::Tagging),
        )
        .await
        {
            Err(e) if e.is_interrupted() => return Err(e),
            Err(e) => {
                incomplete = true;
                if gate.enabled(CheckName::Connection) {
                    gate.ran.push(CheckName::Connection);
                }
                // Connection is where a failure is reported even when the
                // check itself was skipped: the gate must not look green.
                gate.findings.push(connection_finding(&e));
                for &c in ONLINE.iter().filter(|&&c| c != CheckName::Connection) {
                    gate.skip_because(c, "the vCenter could not be reached");
                }
            }
            Ok(on) => {
                if progress {
                    eprint!("\r\x1b[2K");
                }
                vcenter = on.snap.vcenter.clone();
                gate.run(CheckName::Connection, &mut || {
                    let mut f = checks::vcenter::certificate(
                        on.certificate.as_ref(),
                        time::OffsetDateTime::now_utc(),
                    );
                    f.extend(checks::vcenter::tls_verification(on.insecure));
                    f
                });
                if let Some(t) = &on.tagging {
                    gate.run(CheckName::Tagging, &mut || t.clone());
                }
                gate.run(CheckName::Version, &mut || {
                    checks::vcenter::version(&vcenter.version)
                });
                gate.run(CheckName::Clock, &mut || {
                    checks::vcenter::clock(&on.server_time, time::OffsetDateTime::now_utc())
                });
                match inventory::resolve(&on.snap, &spec) {
                    Err(e) => {
                        incomplete = true;
                        gate.findings.push(Finding::new(
                            "targets",
                            Severity::Error,
                            "target-not-found",
                            None,
                            e.to_string(),
                            format!("give an existing {} in the config or as a flag", e.what()),
                        ));
                        for &c in TARGETED {
                            gate.skip_because(c, "a target was not found");
                        }
                    }
                    Ok(t) => {
                        target_refs = targets_map(&t);
                        let snap = &on.snap;
                        let now = time::OffsetDateTime::now_utc();
                        if let Some(p) = &on.privileges {
                            gate.run(CheckName::Privileges, &mut || p.clone());
                        }
                        gate.run(CheckName::Folders, &mut || {
                            checks::folders::check(snap, t.folder)
                        });
                        gate.run(CheckName::Pools, &mut || {
                            // Only the target matters to the gate; the
                            // other host pools are listed by `vaudit pools`.
                            checks::pools::check(snap, t.pool)
                                .into_iter()
                                .filter(|f| f.severity != Severity::Info)
                                .collect()
                        });
                        gate.run(CheckName::Templates, &mut || {
                            checks::templates::check(snap, t.template, now, args.max_age)
                        });
                        gate.run(CheckName::Datastore, &mut || {
                            t.datastore
                                .map(checks::capacity::datastore)
                                .unwrap_or_default()
                        });
                        gate.run(CheckName::Network, &mut || {
                            t.network
                                .map(|n| checks::capacity::network(snap, n))
                                .unwrap_or_default()
                        });
                    }
                }
            }
        }
    }

    let code = if incomplete {
        2
    } else {
        exit_code(&gate.findings, args.fail_on)
    };
    render(
        format,
        &vcenter,
        args.user.as_deref(),
        target_refs,
        &gate.findings,
        &gate.ran,
        &gate.skipped,
    )?;
    Ok(code)
}

async fn online(
    args: &super::args::ConnectionArgs,
    config: &ConfigCredentials,
    with_events: bool,
    privileges_for: Option<&Audit<'_>>,
    with_tagging: bool,
) -> Result<Online, Error> {
    let conn = Connection::resolve_with(args, Some(config), Keyring::Read)?;
    conn.with_session(async |client| {
        let snap = conn.collect(client, with_events).await?;
        let server_time = client.current_time().await?;
        let tagging = if with_tagging {
            Some(match client.rest_tag_categories(conn.username(), conn.password()).await {
                Ok(_) => vec![],
                Err(e) => vec![Finding::new(
                    "tagging",
                    Severity::Error,
                    "tagging-unavailable",
                    None,
                    format!("the vAPI REST endpoint for tags did not work: {e}"),
                    "the appliance is tagged during deployment: make sure https://<vcenter>/api (or /rest) is reachable, and grant the tagging privileges as a global permission (Administration > Global Permissions), since vSphere honours them only there or on the tag".into(),
                )],
            })
        } else {
            None
        };
        let privileges = match privileges_for {
            Some(audit) => super::privileges_cmd::check_findings(client, &snap, audit)
                .await?
                .ok(),
            None => None,
        };
        Ok(Online {
            snap,
            server_time,
            privileges,
            tagging,
            certificate: client.server_certificate(),
            insecure: conn.settings.insecure,
        })
    })
    .await
}

/// Turns why the vCenter could not be audited into the finding that says so.
fn connection_finding(e: &Error) -> Finding {
    let code = match e {
        Error::VSphere(v) => match v.as_ref() {
            vsphere::Error::Dns { .. }
            | vsphere::Error::Refused { .. }
            | vsphere::Error::Timeout { .. }
            | vsphere::Error::Connect { .. } => "endpoint-unreachable",
            vsphere::Error::Untrusted { .. } => "tls-untrusted",
            v if v.is_invalid_login() => "login-failed",
            _ => "connection-failed",
        },
        _ => "connection-failed",
    };
    Finding::new(
        "connection",
        Severity::Error,
        code,
        None,
        e.to_string(),
        e.remedy()
            .unwrap_or_else(|| "fix the connection settings and run the check again".into()),
    )
}

fn report_format(args: &CheckArgs) -> Result<ReportFormat, Error> {
    if let Some(f) = args.output {
        return Ok(f);
    }
    if let Some((name, v)) = env_first(&["VAUDIT_OUTPUT"]) {
        return ReportFormat::from_str(v.trim(), true).map_err(|_| {
            Error::usage(
                format!("{name}={v:?} is not an output format"),
                format!("set {name} to table, json or junit"),
            )
        });
    }
    Ok(if std::io::stdout().is_terminal() {
        ReportFormat::Table
    } else {
        ReportFormat::Json
    })
}

fn render(
    format: ReportFormat,
    vcenter: &VCenter,
    privileges_user: Option<&str>,
    targets: BTreeMap<&'static str, crate::checks::EntityRef>,
    findings: &[Finding],
    ran: &[CheckName],
    skipped: &[(CheckName, String)],
) -> Result<(), Error> {
    let name = |c: &CheckName| {
        c.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    };
    match format {
        ReportFormat::Json => {
            #[derive(Serialize)]
            struct Body {
                skipped_reasons: BTreeMap<String, String>,
                /// Whose privileges were checked, when not the logged-in
                /// user's (`--user`).
                #[serde(skip_serializing_if = "Option::is_none")]
                privileges_user: Option<String>,
            }
            let count = |s| findings.iter().filter(|f| f.severity == s).count();
            report::print_json(&Document {
                schema: report::SCHEMA,
                vcenter: vcenter.clone(),
                targets: Some(targets),
                findings: findings.to_vec(),
                summary: Summary {
                    errors: count(Severity::Error),
                    warnings: count(Severity::Warning),
                    checks_run: ran.iter().map(name).collect(),
                    checks_skipped: skipped.iter().map(|(c, _)| name(c)).collect(),
                },
                body: Body {
                    skipped_reasons: skipped.iter().map(|(c, r)| (name(c), r.clone())).collect(),
                    privileges_user: privileges_user.map(str::to_string),
                },
            })?;
        }
        ReportFormat::Junit => {
            let mut suites: Vec<(String, bool)> = ran.iter().map(|c| (name(c), true)).collect();
            suites.extend(skipped.iter().map(|(c, _)| (name(c), false)));
            // Findings of checks outside the list (targets) get their suite.
            for f in findings {
                if !suites.iter().any(|(n, _)| n == &f.check) {
                    suites.push((f.check.clone(), true));
                }
            }
            print!("{}", junit::render(&suites, findings));
        }
        ReportFormat::Table => {
            let mut t = table::new_table(&["Check", "Status", "Findings"]);
            let status_of = |check: &str| {
                let mine: Vec<&Finding> = findings.iter().filter(|f| f.check == check).collect();
                let worst = mine.iter().map(|f| f.severity).max();
                let status = match worst {
                    Some(Severity::Error) => "FAIL",
                    Some(Severity::Warning) => "warn",
                    _ => "pass",
                };
                (status, mine.len())
            };
            for c in ran {
                let (status, n) = status_of(&name(c));
                t.add_row(vec![name(c), status.to_string(), n.to_string()]);
            }
            if findings.iter().any(|f| f.check == "targets") {
                let (status, n) = status_of("targets");
                t.add_row(vec!["targets".into(), status.to_string(), n.to_string()]);
            }
            for (c, why) in skipped {
                t.add_row(vec![name(c), "skipped".into(), why.clone()]);
            }
            if !vcenter.product.is_empty() {
                println!(
                    "{}\n",
                    report::sanitize::line(&format!(
                        "{} {} at {} as {}",
                        vcenter.product, vcenter.version, vcenter.url, vcenter.user
                    ))
                );
            }
            println!("{}\n", table::render(&t));
            print!("{}", table::findings(findings));
        }
    }
    Ok(())
}
