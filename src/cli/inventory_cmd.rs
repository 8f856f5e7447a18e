//! `vaudit folders`, `vaudit pools`, `vaudit templates`: one collection pass
//! (or a saved snapshot), the targets resolved in it, one check, one report.

use serde::Serialize;

use super::args::{FailOn, InventoryArgs, TargetArgs, TemplatesArgs, fail_on};
use super::connection::Connection;
use super::error::Error;
use super::output;
use crate::checks;
use crate::inventory::{self, Snapshot, TargetSpec};
use crate::plan::{Asked, Command, Plan};
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
            cluster: self.cluster.clone(),
            host: self.host.clone(),
            switch: self.switch.clone(),
        }
    }
}

/// The plan of a listing, resolved once, and its inventory (`gate::listing`).
pub async fn snapshot(
    args: &InventoryArgs,
    format: Format,
    check: &str,
    history: bool,
) -> Result<Snapshot, Error> {
    let asked = Asked {
        targets: args.targets.spec(),
        only: vec![check.to_string()],
        fail_on: Some(fail_on(args.fail_on)),
        save: args.snapshot.save.clone(),
        from: args.snapshot.from.clone(),
        ..Default::default()
    };
    let plan: Plan<Connection> = Plan::resolve(
        Command::CHECK,
        format,
        asked,
        // Always a session unless --from: without an address the
        // connection settings say what is missing.
        |_| Some(String::new()),
        |_| Connection::resolve(&args.connection).map(Ok),
    )?;
    crate::gate::listing(&plan, check, history).await
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

/// Renders one command's result and returns its exit code.
fn finish<T: Serialize>(a: Audit<'_>, body: T, grid: String) -> Result<u8, Error> {
    let (results, findings) =
        crate::gate::judge_listing(a.check, a.snap, a.spec, a.max_age, fail_on(a.fail_on));
    let page = ListingPage {
        judged: Judged {
            title: format!("vaudit {}", a.check),
            vcenter: &a.snap.vcenter,
            targets: Some(report::targets_map(
                &inventory::resolve_each(a.snap, a.spec).0,
            )),
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
    let snap = snapshot(args, format, checks::folders::CHECK, false).await?;
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
    let snap = snapshot(args, format, checks::pools::CHECK, false).await?;
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
    let snap = snapshot(inv, format, checks::templates::CHECK, true).await?;
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
