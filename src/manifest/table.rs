//! `vaudit manifest show NAME`: a manifest as a table.

use std::io::IsTerminal;

use comfy_table::presets::{ASCII_FULL_CONDENSED, UTF8_FULL_CONDENSED};
use comfy_table::{ContentArrangement, Table};

use super::model::{Manifest, Privilege};

/// The manifest as a table (Group, Privilege, ID, Level, Checked on), one
/// block per vSphere Client group in the order the groups first appear;
/// UTF-8 borders on a terminal (its width), ASCII at 80 columns otherwise.
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
    t.set_header(vec!["Group", "Privilege", "ID", "Level", "Checked on"]);
    for (group, entries) in grouped(&m.privileges) {
        for (i, p) in entries.iter().enumerate() {
            let on =
                p.on.iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
            // Break "Virtual machine > Change Configuration" after the `>`
            // so the group column stays narrow.
            let group_cell = if i == 0 {
                group.replace(" > ", " >\n")
            } else {
                String::new()
            };
            t.add_row(vec![
                group_cell,
                p.label.clone(),
                p.id.clone(),
                p.level.as_str().to_string(),
                on,
            ]);
        }
    }
    t.to_string()
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
