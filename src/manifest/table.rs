//! `vaudit manifest show NAME`: a manifest as a table.

use std::io::IsTerminal;

use comfy_table::presets::{ASCII_FULL_CONDENSED, UTF8_FULL_CONDENSED};
use comfy_table::{ColumnConstraint, ContentArrangement, Table};

use super::model::{Manifest, Privilege};

/// Below this width the table wraps ids at their dots and lists entity kinds
/// one a line, so labels keep room; above it every cell fits on one line.
const WIDE: u16 = 170;

/// The longest line an id is packed into when the table is narrow (the
/// longest single id part, `UpgradeVirtualHardware`, is 22).
const ID_LINE: usize = 24;

/// The manifest as a table (Group, Privilege, ID, Level, Checked on), one
/// block per vSphere Client group in the order the groups first appear;
/// UTF-8 borders at the terminal's width on a terminal, ASCII at 80 columns
/// otherwise.
pub fn render_table(m: &Manifest) -> String {
    render(m, std::io::stdout().is_terminal())
}

pub(super) fn render(m: &Manifest, tty: bool) -> String {
    let mut t = Table::new();
    t.load_style(if tty {
        UTF8_FULL_CONDENSED
    } else {
        ASCII_FULL_CONDENSED
    });
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if !tty {
        t.set_width(80);
    }
    let narrow = t.width().is_none_or(|w| w < WIDE);
    t.set_header(vec!["Group", "Privilege", "ID", "Level", "Checked on"]);
    for (group, entries) in grouped(&m.privileges) {
        for (i, p) in entries.iter().enumerate() {
            let kinds: Vec<&str> = p.on.iter().map(|k| k.as_str()).collect();
            let (group_cell, id, on) = if narrow {
                // "Virtual machine >" above "Change Configuration".
                (
                    group.replace(" > ", " >\n"),
                    pack_id(&p.id),
                    kinds.join("\n"),
                )
            } else {
                (group.to_string(), p.id.clone(), kinds.join(", "))
            };
            t.add_row(vec![
                if i == 0 { group_cell } else { String::new() },
                p.label.clone(),
                id,
                p.level.as_str().to_string(),
                on,
            ]);
        }
    }
    // Ids, levels and kinds are never broken mid-word; group and label wrap.
    for col in 2..5 {
        if let Some(c) = t.column_mut(col) {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    t.to_string()
}

/// An id broken after dots into lines of at most [`ID_LINE`] characters.
fn pack_id(id: &str) -> String {
    let mut lines: Vec<String> = vec![String::new()];
    let parts: Vec<&str> = id.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{part}.")
        } else {
            (*part).to_string()
        };
        let last = lines.last_mut().expect("never empty");
        if !last.is_empty() && last.len() + piece.len() > ID_LINE {
            lines.push(piece);
        } else {
            last.push_str(&piece);
        }
    }
    lines.join("\n")
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
