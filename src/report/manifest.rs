//! `vaudit manifest show NAME` and `manifest list` as tables: one line per
//! privilege when piped (so `grep` finds an id with its level and kinds),
//! fitted to a terminal by wrapping only the group, the label and the kinds
//! at spaces; an id is never broken.

use std::io::Write;

use serde::Serialize;

use super::Format;
use super::emit::Page;
use super::markdown::cell;
use super::sanitize::line;
use super::table::{Fit, Grid};
use super::terminal::Style;
use crate::manifest::{Manifest, Privilege};

/// The lines above `manifest show`'s table: name and version, source, and
/// each option with whether this run switched it on, so a reader knows
/// which conditional entries the table leaves out.
pub fn header(full: &Manifest, on: &[String]) -> String {
    let mut out = format!("{}", line(&full.name));
    if let Some(v) = &full.version {
        out.push_str(&format!(" (version {})", line(v)));
    }
    if !full.description.is_empty() {
        out.push_str(&format!(": {}", line(&full.description)));
    }
    out.push('\n');
    if let Some(s) = &full.source {
        out.push_str(&format!("Source: {}", line(s)));
        if let Some(d) = &full.date {
            out.push_str(&format!(" (read {})", line(d)));
        }
        out.push('\n');
    }
    for (o, n) in full.option_counts() {
        let state = if on.contains(&o.name) { "on" } else { "off" };
        out.push_str(&format!(
            "Option {} ({state}, {n} {}): {}\n",
            line(&o.name),
            if n == 1 { "entry" } else { "entries" },
            line(&o.description)
        ));
    }
    if !full.options.is_empty() {
        out.push_str("Switch an option on with --manifest-option NAME.\n");
    }
    out.push('\n');
    out
}

/// The kinds cell: the kinds, then how the product grants the entry when
/// that differs from the usual (no propagation, or only under an option).
fn kinds_cell(p: &Privilege) -> String {
    let kinds: Vec<&str> = p.on.iter().map(|k| k.as_str()).collect();
    let mut s = kinds.join(", ");
    if !p.propagate {
        s.push_str(" (not propagated)");
    }
    if let Some(c) = &p.condition {
        s.push_str(&format!(" (option {c})"));
    }
    s
}

/// The manifest as a table (Group, Privilege, ID, Level, Checked on), one
/// block per vSphere Client group in the order the groups first appear, a
/// blank row between blocks. When even wrapped the group column would push
/// the table past the width, it gives way (the id names its group already)
/// and columns are one space apart.
pub fn render(m: &Manifest, style: Style) -> String {
    let with_group = grid(m, style, true);
    match style.width {
        Some(w) if with_group.min_width() > w => grid(m, style, false).gap(1).render(),
        _ => with_group.render(),
    }
}

fn grid(m: &Manifest, style: Style, group_column: bool) -> Grid {
    let mut columns = vec![
        ("Privilege", Fit::Wrap),
        ("ID", Fit::Whole),
        ("Level", Fit::Whole),
        ("Checked on", Fit::Wrap),
    ];
    if group_column {
        columns.insert(0, ("Group", Fit::Wrap));
    }
    let mut t = Grid::with_style(&columns, style);
    for (n, (group, entries)) in grouped(&m.privileges).into_iter().enumerate() {
        if n > 0 {
            t.row([""; 5]);
        }
        for (i, p) in entries.iter().enumerate() {
            let mut row = vec![
                p.label.clone(),
                p.id.clone(),
                p.level.as_str().to_string(),
                kinds_cell(p),
            ];
            if group_column {
                row.insert(
                    0,
                    if i == 0 {
                        group.to_string()
                    } else {
                        String::new()
                    },
                );
            }
            t.row(row);
        }
    }
    t
}

/// One row of `manifest list`: name, version, entries (always / with
/// options), options, source, date.
fn list_row(m: &Manifest) -> [String; 6] {
    let always = m
        .privileges
        .iter()
        .filter(|p| p.condition.is_none())
        .count();
    let optional = m.privileges.len() - always;
    let entries = if optional == 0 {
        always.to_string()
    } else {
        format!("{always} (+{optional})")
    };
    let options: Vec<&str> = m.options.iter().map(|o| o.name.as_str()).collect();
    [
        m.name.clone(),
        m.version.clone().unwrap_or_default(),
        entries,
        options.join(", "),
        m.source.clone().unwrap_or_default(),
        m.date.clone().unwrap_or_default(),
    ]
}

const LIST_HEADERS: [&str; 6] = ["Name", "Version", "Entries", "Options", "Source", "Date"];

/// Every manifest: its name, version, how many entries (and how many more
/// its options add), its options, where its list was read and when.
pub fn list(all: &[Manifest], style: Style) -> String {
    let fits = [
        Fit::Whole,
        Fit::Whole,
        Fit::Whole,
        Fit::Wrap,
        Fit::Wrap,
        Fit::Whole,
    ];
    let columns: Vec<(&str, Fit)> = LIST_HEADERS.iter().copied().zip(fits).collect();
    let mut t = Grid::with_style(&columns, style);
    for m in all {
        t.row(list_row(m));
    }
    t.render()
}

/// `manifest list -o markdown`: the same columns as a markdown table.
pub fn list_markdown(all: &[Manifest]) -> String {
    let mut out = format!("| {} |\n", LIST_HEADERS.join(" | "));
    out.push_str(&format!("|{}\n", " --- |".repeat(LIST_HEADERS.len())));
    for m in all {
        let cells: Vec<String> = list_row(m).iter().map(|c| cell(c)).collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    out
}

/// `manifest show -o markdown`: the header as text, then one table row per
/// entry of the manifest with the given options applied.
pub fn render_markdown(full: &Manifest, m: &Manifest, on: &[String]) -> String {
    let mut out = String::new();
    for l in header(full, on).lines().filter(|l| !l.is_empty()) {
        out.push_str(&cell(l));
        out.push_str("  \n");
    }
    out.push_str("\n| Group | Privilege | ID | Level | Checked on |\n");
    out.push_str("| --- | --- | --- | --- | --- |\n");
    for p in &m.privileges {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            cell(&p.group),
            cell(&p.label),
            cell(&p.id),
            p.level,
            cell(&kinds_cell(p))
        ));
    }
    out
}

/// `vaudit manifest list`: every embedded manifest.
pub struct ListPage<'a>(pub &'a [Manifest]);

impl ListPage<'_> {
    /// TOML is one manifest as `--manifest` reads it back: a list has none.
    pub fn refuses(format: Format) -> Option<(&'static str, &'static str)> {
        (format == Format::Toml).then_some((
            "--output toml writes one manifest, and list names them all",
            "give vaudit manifest show NAME --output toml",
        ))
    }
}

/// One manifest in `manifest list -o json`.
#[derive(Serialize)]
struct ListEntry<'a> {
    name: &'a str,
    description: &'a str,
    version: Option<&'a str>,
    source: Option<&'a str>,
    date: Option<&'a str>,
    /// Entries with no condition: what a run without options checks.
    privileges: usize,
    options: Vec<&'a str>,
}

fn unconditional(m: &Manifest) -> usize {
    m.privileges
        .iter()
        .filter(|p| p.condition.is_none())
        .count()
}

impl Page for ListPage<'_> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Doc<'a> {
            schema: &'static str,
            manifests: Vec<ListEntry<'a>>,
        }
        super::write_json(
            out,
            &Doc {
                schema: super::SCHEMA,
                manifests: self
                    .0
                    .iter()
                    .map(|m| ListEntry {
                        name: &m.name,
                        description: &m.description,
                        version: m.version.as_deref(),
                        source: m.source.as_deref(),
                        date: m.date.as_deref(),
                        privileges: unconditional(m),
                        options: m.options.iter().map(|o| o.name.as_str()).collect(),
                    })
                    .collect(),
            },
        )
    }

    fn table(&self, style: Style) -> String {
        format!("{}\n", list(self.0, style))
    }

    fn markdown(&self) -> String {
        format!("{}\n", list_markdown(self.0))
    }
}

/// `vaudit manifest show NAME|FILE`: one manifest with the given options
/// applied, and its TOML as written.
pub struct ShowPage<'a> {
    /// The manifest as read, every option's entries included.
    pub full: &'a Manifest,
    /// With the options of this run applied.
    pub applied: &'a Manifest,
    pub options: &'a [String],
    /// The file it was read from, when not embedded.
    pub file: Option<&'a str>,
    /// The text as written, comments and conditions included.
    pub text: &'a str,
}

impl Page for ShowPage<'_> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct OptionState<'a> {
            name: &'a str,
            description: &'a str,
            enabled: bool,
            privileges: usize,
        }
        #[derive(Serialize)]
        struct Doc<'a> {
            schema: &'static str,
            /// The manifest with the given options applied.
            manifest: &'a Manifest,
            options: Vec<OptionState<'a>>,
            #[serde(skip_serializing_if = "Option::is_none")]
            file: Option<&'a str>,
        }
        super::write_json(
            out,
            &Doc {
                schema: super::SCHEMA,
                manifest: self.applied,
                options: self
                    .full
                    .option_counts()
                    .into_iter()
                    .map(|(o, n)| OptionState {
                        name: &o.name,
                        description: &o.description,
                        enabled: self.options.contains(&o.name),
                        privileges: n,
                    })
                    .collect(),
                file: self.file,
            },
        )
    }

    fn table(&self, style: Style) -> String {
        format!(
            "{}{}\n",
            header(self.full, self.options),
            render(self.applied, style)
        )
    }

    fn markdown(&self) -> String {
        format!(
            "{}\n",
            render_markdown(self.full, self.applied, self.options)
        )
    }

    fn toml(&self) -> String {
        // The options are chosen by each run, not stored.
        self.text.to_string()
    }
}

/// Privileges gathered by group, groups in order of first appearance and
/// entries in file order within each.
fn grouped(privileges: &[Privilege]) -> Vec<(&str, Vec<&Privilege>)> {
    let mut groups: Vec<(&str, Vec<&Privilege>)> = Vec::new();
    for p in privileges {
        match groups.iter_mut().find(|(g, _)| *g == p.group) {
            Some((_, list)) => list.push(p),
            None => groups.push((&p.group, vec![p])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedded() -> Manifest {
        crate::manifest::builtin_named(crate::manifest::DEFAULT_NAME).unwrap()
    }

    fn at(width: Option<usize>) -> String {
        render(
            &embedded(),
            Style {
                width,
                color: false,
            },
        )
    }

    /// Each id of the manifest on exactly one line, with its level.
    fn assert_ids_whole(out: &str) {
        for p in &embedded().privileges {
            let lines: Vec<&str> = out
                .lines()
                .filter(|l| l.split_whitespace().any(|w| w == p.id))
                .collect();
            assert_eq!(lines.len(), 1, "{} not whole on one line:\n{out}", p.id);
            assert!(lines[0].contains(p.level.as_str()), "{}", lines[0]);
        }
    }

    #[test]
    fn piped_every_privilege_is_one_whole_line() {
        let out = at(None);
        assert_ids_whole(&out);
        assert!(
            out.lines()
                .any(|l| l.contains("Add new disk")
                    && l.contains("VirtualMachine.Config.AddNewDisk")),
            "{out}"
        );
        assert!(out.lines().all(|l| !l.ends_with(' ')));
    }

    #[test]
    fn at_80_columns_ids_stay_whole_and_lines_fit() {
        let out = at(Some(80));
        assert_ids_whole(&out);
        for l in out.lines() {
            assert!(l.chars().count() <= 80, "{} wide: {l}\n{out}", l.len());
        }
    }

    #[test]
    fn at_60_columns_no_word_is_broken() {
        let out = at(Some(60));
        assert_ids_whole(&out);
        let words: std::collections::BTreeSet<String> = embedded()
            .privileges
            .iter()
            .flat_map(|p| {
                format!("{} {}", p.group, p.label)
                    .split(' ')
                    .map(str::to_string)
                    .collect::<Vec<_>>()
            })
            .collect();
        for w in out.split_whitespace() {
            let known = words.contains(w)
                || embedded().privileges.iter().any(|p| p.id == w)
                || [
                    "Privilege",
                    "ID",
                    "Level",
                    "Checked",
                    "on",
                    "required",
                    "recommended",
                ]
                .contains(&w)
                || w.trim_end_matches(',')
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-')
                || w.chars().all(|c| c == '─');
            assert!(known, "{w:?} is a broken word:\n{out}");
        }
    }

    #[test]
    fn wide_terminal_keeps_cells_on_one_line() {
        let out = at(Some(220));
        assert!(
            out.contains("Virtual machine > Change Configuration"),
            "{out}"
        );
        assert!(out.contains("folder, template"), "{out}");
        assert_ids_whole(&out);
    }
}
