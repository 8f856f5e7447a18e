//! The listing commands' reports (`folders`, `pools`, `templates`) and
//! `about`'s: their tables, and the judged results every listing ends with.

use std::io::Write;

use comfy_table::{Table, presets::NOTHING};
use serde::Serialize;

use super::emit::{Judged, Page};
use super::table::{self, Fit, Grid};
use super::terminal::Style;
use super::verdict::not_verified_lines;
use super::{Document, VCenter};
use crate::checks::folders::FolderRow;
use crate::checks::pools::{PoolKind, PoolRow};
use crate::checks::templates::TemplateRow;
use crate::inventory::Snapshot;

/// A listing's report: its rows (the JSON `body`, the `grid` for people)
/// and its check's results.
pub struct ListingPage<'a, B: Serialize> {
    pub judged: Judged<'a>,
    pub body: B,
    /// The rows as a table, made safe as they were added.
    pub grid: String,
}

impl<B: Serialize> Page for ListingPage<'_, B> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.judged.json(&self.body, out)
    }

    fn table(&self, style: Style) -> String {
        let mut out = format!("{}\n", self.grid);
        out.push_str(&not_verified_lines(self.judged.results, style));
        out.push_str(&table::findings(self.judged.findings));
        out.push_str(&self.judged.closing(style));
        out
    }

    fn markdown(&self) -> String {
        self.judged.markdown()
    }

    fn aside(&self) -> String {
        // Scripts read stdout; a person watching the job reads stderr.
        self.judged.not_verified_aside()
    }
}

/// The folders as an indented tree, datacenters as its branches.
pub fn folders(rows: &[FolderRow], snap: &Snapshot) -> String {
    let mut t = Grid::new(&[
        ("Folder", Fit::Whole),
        ("Kind", Fit::Whole),
        ("Moref", Fit::Whole),
    ]);
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
        t.row([
            format!("{}{name}", "  ".repeat(depth)),
            kind.to_string(),
            moref.to_string(),
        ]);
    }
    t.render()
}

pub fn pools(rows: &[PoolRow]) -> String {
    let mut t = Grid::new(&[
        ("Pool", Fit::Whole),
        ("Kind", Fit::Whole),
        ("Owner", Fit::Whole),
        ("HA", Fit::Whole),
    ]);
    for r in rows {
        let kind = format!(
            "{}{}{}",
            match r.kind {
                PoolKind::Host => "host",
                PoolKind::Cluster => "cluster",
                PoolKind::Unknown => "unknown",
            },
            if r.root { " root" } else { "" },
            if r.vapp { " vApp" } else { "" }
        );
        t.row([
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
    t.render()
}

pub fn templates(rows: &[TemplateRow]) -> String {
    if rows.is_empty() {
        return "No templates are visible to this user.".into();
    }
    let mut t = Grid::new(&[
        ("Template", Fit::Whole),
        ("Created", Fit::Whole),
        ("Age (days)", Fit::Whole),
        ("Deploys", Fit::Whole),
        ("Deleted", Fit::Whole),
        ("Stale", Fit::Whole),
    ]);
    for r in rows {
        t.row([
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
    t.render()
}

/// `vaudit about`: who and what the session reached.
pub struct AboutPage<'a>(pub &'a VCenter);

impl Page for AboutPage<'_> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Nothing {}
        super::write_json(
            out,
            &Document::new(self.0.clone(), None, vec![], vec![], Nothing {}),
        )
    }

    fn table(&self, _: Style) -> String {
        let vc = self.0;
        let mut t = Table::new();
        t.load_style(NOTHING);
        for (k, v) in [
            ("vCenter", vc.url.as_str()),
            ("Product", vc.product.as_str()),
            ("Version", &format!("{} (build {})", vc.version, vc.build)),
            ("API version", vc.api_version.as_str()),
            ("Instance UUID", vc.instance_uuid.as_str()),
            ("User", vc.user.as_str()),
        ] {
            t.add_row(vec![k, v]);
        }
        format!("{}\n", table::render(&t))
    }
}
