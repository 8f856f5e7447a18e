//! `vaudit manifest show NAME`: a manifest as a table.

use std::io::IsTerminal;

use comfy_table::{ColumnConstraint, ContentArrangement, LineStyle, Table, TableStyle};

use super::model::{Manifest, Privilege};

/// Below this width the table wraps ids at their dots and lists entity kinds
/// one a line, so labels keep room; above it every cell fits on one line.
const WIDE: u16 = 170;

/// The longest line an id is packed into when the table is narrow: the
/// longest single id part, `UpgradeVirtualHardware`.
const ID_LINE: usize = 22;

/// No borders or column lines, two spaces between columns and a rule under
/// the header (as `kubectl get` prints): five columns need every character
/// of 80.
const ASCII: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('-').junction('-'));

const UTF8: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

/// The manifest as a table (Group, Privilege, ID, Level, Checked on), one
/// block per vSphere Client group in the order the groups first appear;
/// UTF-8 lines at the terminal's width on a terminal, ASCII at 80 columns
/// otherwise.
pub fn render_table(m: &Manifest) -> String {
    if std::io::stdout().is_terminal() {
        render(m, true, None)
    } else {
        render(m, false, Some(80))
    }
}

/// The table in UTF-8 or ASCII lines, `width` columns wide (the terminal's
/// when `None`), without trailing spaces.
pub(super) fn render(m: &Manifest, utf8: bool, width: Option<u16>) -> String {
    let mut t = Table::new();
    t.load_style(if utf8 { UTF8 } else { ASCII });
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if let Some(w) = width {
        t.set_width(w);
    }
    let narrow = t.width().is_none_or(|w| w < WIDE);
    t.set_header(vec!["Group", "Privilege", "ID", "Level", "Checked on"]);
    for (n, (group, entries)) in grouped(&m.privileges).into_iter().enumerate() {
        if n > 0 {
            // A blank row between groups.
            t.add_row(vec![""; 5]);
        }
        for (i, p) in entries.iter().enumerate() {
            let kinds: Vec<&str> = p.on.iter().map(|k| k.as_str()).collect();
            let (group_cell, id, on) = if narrow {
                // "Virtual machine" above "> Change Configuration", the `>`
                // held to its word by a no-break space.
                (
                    group.replace(" > ", "\n>\u{a0}"),
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
    for (i, c) in t.column_iter_mut().enumerate() {
        c.set_padding((0, u16::from(i < 4)));
        // Ids, levels and kinds are never broken mid-word; group and label wrap.
        if i >= 2 {
            c.set_constraint(ColumnConstraint::ContentWidth);
        }
    }
    t.lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
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
