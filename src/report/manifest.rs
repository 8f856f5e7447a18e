//! `vaudit manifest show NAME` and `manifest list` as tables: one line per
//! privilege when piped (so `grep` finds an id with its level and kinds),
//! fitted to a terminal by wrapping only the group, the label and the kinds
//! at spaces; an id is never broken.

use std::io::Write;

use serde::Serialize;

use super::Format;
use super::emit::Page;
use super::table::{Fit, Grid};
use super::terminal::Style;
use crate::manifest::{Manifest, Privilege};

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
            let kinds: Vec<&str> = p.on.iter().map(|k| k.as_str()).collect();
            let mut row = vec![
                p.label.clone(),
                p.id.clone(),
                p.level.as_str().to_string(),
                kinds.join(", "),
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

/// Every manifest: its name, how many privileges, what it is for.
pub fn list(all: &[Manifest], style: Style) -> String {
    let mut t = Grid::with_style(
        &[
            ("Name", Fit::Whole),
            ("Privileges", Fit::Whole),
            ("Description", Fit::Wrap),
        ],
        style,
    );
    for m in all {
        t.row([
            m.name.clone(),
            m.privileges.len().to_string(),
            m.description.clone(),
        ]);
    }
    t.render()
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

impl Page for ListPage<'_> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Entry<'a> {
            name: &'a str,
            description: &'a str,
            source: Option<&'a str>,
            privileges: usize,
        }
        #[derive(Serialize)]
        struct Doc<'a> {
            schema: &'static str,
            manifests: Vec<Entry<'a>>,
        }
        super::write_json(
            out,
            &Doc {
                schema: super::SCHEMA,
                manifests: self
                    .0
                    .iter()
                    .map(|m| Entry {
                        name: &m.name,
                        description: &m.description,
                        source: m.source.as_deref(),
                        privileges: m.privileges.len(),
                    })
                    .collect(),
            },
        )
    }

    fn table(&self, style: Style) -> String {
        format!("{}\n", list(self.0, style))
    }
}

/// `vaudit manifest show NAME`: one manifest, and its TOML source.
pub struct ShowPage<'a> {
    pub manifest: &'a Manifest,
    /// The file it was read from, as `--output toml` writes it back.
    pub source: &'a str,
}

impl Page for ShowPage<'_> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Doc<'a> {
            schema: &'static str,
            manifest: &'a Manifest,
        }
        super::write_json(
            out,
            &Doc {
                schema: super::SCHEMA,
                manifest: self.manifest,
            },
        )
    }

    fn table(&self, style: Style) -> String {
        format!("{}\n", render(self.manifest, style))
    }

    fn toml(&self) -> String {
        self.source.to_string()
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
