//! `vaudit folders`, `vaudit pools`, `vaudit templates`: one collection pass
//! (or a saved snapshot), the targets resolved in it, one check, one report.

use std::collections::BTreeMap;

use serde::Serialize;

use super::args::{FailOn, InventoryArgs, TargetArgs, TemplatesArgs, fail_on};
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks::facts::{Facts, Vcenter};
use crate::checks::registry;
use crate::checks::{self, CheckResult, EntityRef, Finding, Outcome};
use crate::inventory::{self, Facets, Snapshot, TargetSpec, Targets};
use crate::report::emit::Judged;
use crate::report::listing::ListingPage;
use crate::report::{self, Format};

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
/// A saved snapshot is always complete (the whole inventory, the event
/// history and the vCenter's clock), so any command's `--save` serves every
/// offline check; without `--save` only what `check` and the named targets
/// read is asked for.
pub async fn snapshot(args: &InventoryArgs, check: &str, history: bool) -> Result<Snapshot, Error> {
    let save = args.snapshot.save.is_some();
    let history = history || save;
    let facets = if save {
        Facets::all()
    } else {
        reads(check, &args.targets.spec())
    };
    let snap = match &args.snapshot.from {
        Some(path) => Snapshot::load(path)
            .map_err(|e| Error::usage(e.to_string(), "give --from a file written by --save"))?,
        None => {
            let conn = Connection::resolve(&args.connection)?;
            conn.with_session(async |client| {
                // Whether this user's listing may be partial, asked beside
                // the collection as the gate does (two calls, any size).
                let root = client.content().root_folder.clone();
                let (snap, visibility) = tokio::join!(
                    conn.collect(client, facets, history),
                    inventory::visibility::gather(client, &root, None)
                );
                let mut snap = snap?;
                snap.visibility = Some(visibility?);
                if history {
                    snap.server_time = Some(client.current_time().await?);
                }
                Ok(snap)
            })
            .await?
        }
    };
    if let Some(path) = &args.snapshot.save {
        snap.save(path)
            .map_err(|e| Error::usage(e.to_string(), "choose a writable path for --save"))?;
    }
    Ok(snap)
}

/// What a listing reads: its check's inventory and that of every target
/// named (the targets check resolves each).
fn reads(check: &str, spec: &TargetSpec) -> Facets {
    let own = registry::get(check)
        .map(registry::needs)
        .unwrap_or_else(Facets::all);
    registry::CHECKS
        .iter()
        .flat_map(|c| c.targets)
        .filter(|t| t.asked(spec).is_some())
        .fold(own, |acc, t| acc.with(Facets::of(&[t.facet()])))
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

/// What every listing command reports against.
struct Audit<'a> {
    check: &'static str,
    format: Format,
    fail_on: FailOn,
    snap: &'a Snapshot,
    spec: &'a TargetSpec,
    max_age: Option<u32>,
}

/// The listing's check, through the registry: the `targets` check when a
/// target is named, then the command's own. Without its target a listing
/// judges what applies to the whole inventory (pools, templates) or, for
/// folders, nothing: the result then says so (`skipped`, listed only).
fn judge(a: &Audit<'_>) -> (Vec<CheckResult>, Vec<Finding>) {
    let manifest = crate::manifest::default_manifest();
    let config = crate::config::ArcConfig::default();
    let (targets, target_errors) = inventory::resolve_each(a.snap, a.spec);
    let facts = Facts {
        config: &config,
        config_given: false,
        spec: a.spec,
        vcenter_address: None,
        now: time::OffsetDateTime::now_utc(),
        max_age: a.max_age,
        manifest: &manifest,
        support_matrix: crate::checks::support_matrix::embedded(),
        privileges_user: None,
        whole_inventory: true,
        vcenter: Vcenter::Offline { snap: a.snap },
        targets,
        target_errors,
        probe: None,
        network: None,
    };
    let fail_on = fail_on(a.fail_on);
    let mut results = Vec::new();
    let mut findings = Vec::new();
    let mut push = |name: &str, o: Outcome| {
        results.push(CheckResult::from_outcome(name, &o, fail_on));
        findings.extend(o.findings().iter().cloned());
    };
    let named = a.spec.datacenter.is_some()
        || a.spec.folder.is_some()
        || a.spec.pool.is_some()
        || a.spec.datastore.is_some()
        || a.spec.network.is_some()
        || a.spec.template.is_some();
    if named {
        push(checks::targets::CHECK, checks::targets::run(&facts));
    }
    let Some(check) = registry::get(a.check) else {
        return (results, findings);
    };
    // The targets check says when the view may be partial; without it the
    // listing's own check carries the same note.
    let notes = if named {
        vec![]
    } else {
        checks::targets::inventory_filtered(&facts, a.check)
    };
    let given = check.targets.iter().all(|t| t.asked(a.spec).is_some());
    if given {
        push(a.check, with_notes(registry::run_one(check, &facts), notes));
    } else if a.check == checks::folders::CHECK {
        let mut skipped = CheckResult::skipped(
            a.check,
            "no --folder given: every folder is listed, none is judged as the target",
        );
        skipped.findings = notes.len();
        results.push(skipped);
        findings.extend(notes);
    } else {
        push(a.check, with_notes((check.run)(&facts), notes));
    }
    (results, findings)
}

/// `o` with `notes` (info findings, which change no status) added.
fn with_notes(o: Outcome, notes: Vec<Finding>) -> Outcome {
    match o {
        Outcome::Verified(mut f) => {
            f.extend(notes);
            Outcome::Verified(f)
        }
        Outcome::NotVerified {
            reason,
            mut findings,
        } => {
            findings.extend(notes);
            Outcome::NotVerified { reason, findings }
        }
    }
}

/// Renders one command's result and returns its exit code.
fn finish<T: Serialize>(a: Audit<'_>, body: T, grid: String) -> Result<u8, Error> {
    let (results, findings) = judge(&a);
    let page = ListingPage {
        judged: Judged {
            title: format!("vaudit {}", a.check),
            vcenter: &a.snap.vcenter,
            targets: Some(targets_map(&inventory::resolve_each(a.snap, a.spec).0)),
            results: &results,
            findings: &findings,
            fail_on: fail_on(a.fail_on),
        },
        body,
        grid,
    };
    report::emit::print(a.format, &page)?;
    Ok(page.judged.exit_code())
}

pub async fn folders(args: &InventoryArgs) -> Result<u8, Error> {
    let format = output::resolve("folders", args.output.output)?;
    let snap = snapshot(args, checks::folders::CHECK, false).await?;
    let spec = args.targets.spec();
    let rows = checks::folders::rows(&snap);
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
            spec: &spec,
            max_age: None,
        },
        Body { folders: &rows },
        report::listing::folders(&rows, &snap),
    )
}

pub async fn pools(args: &InventoryArgs) -> Result<u8, Error> {
    let format = output::resolve("pools", args.output.output)?;
    let snap = snapshot(args, checks::pools::CHECK, false).await?;
    let spec = args.targets.spec();
    let rows = checks::pools::rows(&snap);
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
            spec: &spec,
            max_age: None,
        },
        Body { pools: &rows },
        report::listing::pools(&rows),
    )
}

pub async fn templates(args: &TemplatesArgs) -> Result<u8, Error> {
    let inv = &args.inventory;
    let format = output::resolve("templates", inv.output.output)?;
    let snap = snapshot(inv, checks::templates::CHECK, true).await?;
    let spec = inv.targets.spec();
    let now = time::OffsetDateTime::now_utc();
    let rows = checks::templates::rows(&snap, now, args.max_age);
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
            spec: &spec,
            max_age: args.max_age,
        },
        Body { templates: &rows },
        report::listing::templates(&rows),
    )
}
