//! Tables for people: plain and aligned; on a terminal they fit its width,
//! anywhere else lines are kept whole (a CI log or a file has no width).

use comfy_table::{Cell, ContentArrangement, LineStyle, Table, TableStyle};

/// No borders, one rule under the header: reads like `govc ls -l`.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use super::privileges::{Style, wrap};
use super::sanitize::{line, text};
use super::terminal::{self, Paint, paint_if};
use crate::checks::{Finding, Severity};

/// A rendered table without styling, with server text made safe for a
/// terminal: every table without colours goes through here.
pub fn render(t: &Table) -> String {
    text(&t.to_string()).into_owned()
}

pub fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE);
    match terminal::width() {
        Some(w) => {
            t.set_content_arrangement(ContentArrangement::Dynamic);
            t.set_width(u16::try_from(w).unwrap_or(u16::MAX));
        }
        None => {
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    if terminal::color() {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t.set_header(header.to_vec());
    t
}

/// A rendered table whose cells were made safe when added (so colours set
/// on them survive).
pub fn render_safe(t: &Table) -> String {
    t.to_string()
}

/// A status word (`pass`, `fail`, …) as a cell, coloured when the run is.
pub fn status_cell(word: &str) -> Cell {
    let c = Cell::new(word);
    match terminal::paint_for(word) {
        Some(p) if terminal::color() => c.fg(p.comfy()),
        _ => c,
    }
}

/// The style of the run: the terminal's width and colour.
pub fn run_style() -> Style {
    Style {
        width: terminal::width(),
        color: terminal::color(),
    }
}

/// The findings, worst first, each with its remedy; then a one-line summary.
pub fn findings(findings: &[Finding]) -> String {
    let mut out = finding_lines(findings, run_style());
    out.push_str(&summary_line(findings));
    out
}

/// The findings, worst first, each with its remedy wrapped to the width.
pub fn finding_lines(findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    for f in sorted {
        let (tag, p) = match f.severity {
            Severity::Error => ("ERROR", Paint::Red),
            Severity::Warning => ("WARN ", Paint::Yellow),
            Severity::Info => ("info ", Paint::Dim),
        };
        let head = wrap(
            &format!("{tag} {}: {}", f.code, line(&f.message)),
            style.width,
            6,
        );
        let head = format!("{}{}", paint_if(style.color, tag, p), &head[tag.len()..]);
        out.push_str(&head);
        out.push('\n');
        out.push_str(&wrap(
            &format!("      fix: {}", line(&f.remedy)),
            style.width,
            6,
        ));
        out.push('\n');
    }
    out
}

pub fn summary_line(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if e + w + i == 0 {
        return "No findings.\n".into();
    }
    format!(
        "{}, {}, {}.\n",
        plural(e, "error"),
        plural(w, "warning"),
        plural(i, "note")
    )
}
