//! `vaudit folders`, `vaudit pools`, `vaudit templates`: one collection pass
//! (or a saved snapshot), the targets resolved in it, one check, one report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::{FailOn, InventoryArgs, OutputFormat, TargetArgs, TemplatesArgs};
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::{self, EntityRef, Finding, Severity};
use crate::inventory::{self, Snapshot, TargetSpec, Targets};
use crate::report::{self, Document, Summary, table};

impl TargetArgs {
    pub fn spec(&self) -> TargetSpec {
        TargetSpec {
            datacenter: self.datacenter.clone(),
            folder: self.folder.clone(),
            pool: self.pool.clone(),
            datastore: self.datastore.clone(),
            network: self.network.clone(),
            template: self.template.clone(),
        }
    }
}

/// Reads the snapshot from `--from`, or collects it (and writes `--save`).
pub async fn snapshot(args: &InventoryArgs, with_events: bool) -> Result<Snapshot, Error> {
    let snap = match &args.snapshot.from {
        Some(path) => Snapshot::load(path)
            .map_err(|e| Error::usage(e.to_string(), "give --from a file written by --save"))?,
        None => {
            let conn = Connection::resolve(&args.connection)?;
            conn.with_session(async |client| conn.collect(client, with_events).await)
                .await?
        }
    };
    if let Some(path) = &args.snapshot.save {
        snap.save(path)
            .map_err(|e| Error::usage(e.to_string(), "choose a writable path for --save"))?;
    }
    Ok(snap)
}

pub fn targets_map(t: &Targets<'_>) -> BTreeMap<&'static str, EntityRef> {
    let mut m = BTreeMap::new();
    for (k, e) in [
        ("datacenter", t.datacenter),
        ("folder", t.folder),
        ("pool", t.pool),
        ("datastore", t.datastore),
        ("network", t.network),
        ("template", t.template),
    ] {
        if let Some(e) = e {
            m.insert(k, EntityRef::from(e));
        }
    }
    m
}

/// Exit code for a finished audit: 1 when a finding reaches the fail level.
pub fn exit_code(findings: &[Finding], fail_on: FailOn) -> u8 {
    let level = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    u8::from(findings.iter().any(|f| f.severity >= level))
}

/// A target that does not resolve ends the audit (exit 2), but JSON users
/// still get one document carrying the `target-not-found` finding.
pub(super) fn target_error(
    e: inventory::TargetError,
    check: &str,
    format: OutputFormat,
    snap: &Snapshot,
) -> Result<u8, Error> {
    if format == OutputFormat::Json {
        let f = Finding::new(
            check,
            Severity::Error,
            "target-not-found",
            None,
            e.to_string(),
            format!("give an existing {} (path or unique name)", e.what()),
        );
        #[derive(Serialize)]
        struct Empty {}
        report::print_json(&Document {
            schema: report::SCHEMA,
            vcenter: snap.vcenter.clone(),
            targets: None,
            findings: vec![f],
            summary: Summary {
                errors: 1,
                warnings: 0,
                checks_run: vec![],
                checks_skipped: vec![check.into()],
            },
            body: Empty {},
        })?;
    }
    Err(Error::usage(
        e.to_string(),
        format!(
            "give an existing {} as a path (/DC0/...) or a unique name",
            e.what()
        ),
    ))
}

/// What every inventory command reports against.
struct Audit<'a> {
    check: &'static str,
    format: OutputFormat,
    fail_on: FailOn,
    snap: &'a Snapshot,
    targets: &'a Targets<'a>,
}

/// Renders one command's result and returns its exit code.
fn finish<T: Serialize>(
    a: Audit<'_>,
    findings: Vec<Finding>,
    body: T,
    table: impl FnOnce() -> String,
) -> Result<u8, Error> {
    let Audit {
        check,
        format,
        fail_on,
        snap,
        targets,
    } = a;
    let code = exit_code(&findings, fail_on);
    match format {
        OutputFormat::Json => {
            let count = |s| findings.iter().filter(|f| f.severity == s).count();
            report::print_json(&Document {
                schema: report::SCHEMA,
                vcenter: snap.vcenter.clone(),
                targets: Some(targets_map(targets)),
                summary: Summary {
                    errors: count(Severity::Error),
                    warnings: count(Severity::Warning),
                    checks_run: vec![check.into()],
                    checks_skipped: vec![],
                },
                findings,
                body,
            })?;
        }
        OutputFormat::Table => {
            println!("{}", report::sanitize::text(&table()));
            print!("{}", table::findings(&findings));
        }
    }
    Ok(code)
}

pub async fn folders(args: &InventoryArgs) -> Result<u8, Error> {
    let format = output::format(&args.output)?;
    let snap = snapshot(args, false).await?;
    let targets = match inventory::resolve(&snap, &args.targets.spec()) {
        Ok(t) => t,
        Err(e) => return target_error(e, "folders", format, &snap),
    };
    let rows = checks::folders::rows(&snap);
    let findings = checks::folders::check(&snap, targets.folder);
    #[derive(Serialize)]
    struct Body<'a> {
        folders: &'a [checks::folders::FolderRow],
    }
    finish(
        Audit {
            check: "folders",
            format,
            fail_on: args.fail_on,
            snap: &snap,
            targets: &targets,
        },
        findings,
        Body { folders: &rows },
        || {
            // An indented tree, datacenters as its branches.
            let mut t = table::new_table(&["Folder", "Kind", "Moref"]);
            let mut lines: Vec<(&str, &str, &str)> = rows
                .iter()
                .map(|r| {
                    (
                        r.entity.path.as_str(),
                        r.kind.as_str(),
                        r.entity.moref.as_str(),
                    )
                })
                .collect();
            lines.extend(
                snap.of_kind(&["Datacenter"])
                    .map(|d| (d.path.as_str(), "(datacenter)", d.moref.value.as_str())),
            );
            lines.sort();
            for (path, kind, moref) in lines {
                let depth = path.matches('/').count().saturating_sub(1);
                let name = path.rsplit('/').next().unwrap_or("");
                t.add_row(vec![
                    format!("{}{name}", "  ".repeat(depth)),
                    kind.to_string(),
                    moref.to_string(),
                ]);
            }
            t.to_string()
        },
    )
}

pub async fn pools(args: &InventoryArgs) -> Result<u8, Error> {
    let format = output::format(&args.output)?;
    let snap = snapshot(args, false).await?;
    let targets = match inventory::resolve(&snap, &args.targets.spec()) {
        Ok(t) => t,
        Err(e) => return target_error(e, "pools", format, &snap),
    };
    let rows = checks::pools::rows(&snap);
    let findings = checks::pools::check(&snap, targets.pool);
    #[derive(Serialize)]
    struct Body<'a> {
        pools: &'a [checks::pools::PoolRow],
    }
    finish(
        Audit {
            check: "pools",
            format,
            fail_on: args.fail_on,
            snap: &snap,
            targets: &targets,
        },
        findings,
        Body { pools: &rows },
        || {
            let mut t = table::new_table(&["Pool", "Kind", "Owner", "HA"]);
            for r in &rows {
                let kind = format!(
                    "{}{}{}",
                    match r.kind {
                        checks::pools::PoolKind::Host => "host",
                        checks::pools::PoolKind::Cluster => "cluster",
                        checks::pools::PoolKind::Unknown => "unknown",
                    },
                    if r.root { " root" } else { "" },
                    if r.vapp { " vApp" } else { "" }
                );
                t.add_row(vec![
                    r.entity.path.clone(),
                    kind,
                    r.owner
                        .as_ref()
                        .map(|o| o.name.clone())
                        .unwrap_or_else(|| "?".into()),
                    match r.ha_enabled {
                        Some(true) => "on".into(),
                        Some(false) => "off".into(),
                        None => "-".into(),
                    },
                ]);
            }
            t.to_string()
        },
    )
}

pub async fn templates(args: &TemplatesArgs) -> Result<u8, Error> {
    let inv = &args.inventory;
    let format = output::format(&inv.output)?;
    let snap = snapshot(inv, true).await?;
    let targets = match inventory::resolve(&snap, &inv.targets.spec()) {
        Ok(t) => t,
        Err(e) => return target_error(e, "templates", format, &snap),
    };
    let now = time::OffsetDateTime::now_utc();
    let rows = checks::templates::rows(&snap, now, args.max_age);
    let findings = checks::templates::check(&snap, targets.template, now, args.max_age);
    #[derive(Serialize)]
    struct Body<'a> {
        templates: &'a [checks::templates::TemplateRow],
    }
    finish(
        Audit {
            check: "templates",
            format,
            fail_on: inv.fail_on,
            snap: &snap,
            targets: &targets,
        },
        findings,
        Body { templates: &rows },
        || {
            let mut t = table::new_table(&[
                "Template",
                "Created",
                "Age (days)",
                "Deploys",
                "Deleted",
                "Stale",
            ]);
            for r in &rows {
                t.add_row(vec![
                    r.entity.path.clone(),
                    r.created
                        .as_deref()
                        .map(|c| c.get(..10).unwrap_or(c))
                        .unwrap_or("-")
                        .to_string(),
                    r.age_days
                        .map(|a| a.to_string())
                        .unwrap_or_else(|| "-".into()),
                    r.deploys.to_string(),
                    r.removed.to_string(),
                    if r.stale { "STALE".into() } else { "".into() },
                ]);
            }
            if rows.is_empty() {
                "No templates are visible to this user.".into()
            } else {
                t.to_string()
            }
        },
    )
}
