//! Tables for people: plain, aligned, narrow enough for 80 columns.

use std::io::IsTerminal;

use comfy_table::{ContentArrangement, LineStyle, Table, TableStyle};

/// No borders, one rule under the header: reads like `govc ls -l`.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

use super::sanitize::{line, text};
use crate::checks::{Finding, Severity};

/// A rendered table without styling, with server text made safe for a
/// terminal: every table without colours goes through here.
pub fn render(t: &Table) -> String {
    text(&t.to_string()).into_owned()
}

pub fn new_table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_style(STYLE);
    t.set_content_arrangement(ContentArrangement::Dynamic);
    if !std::io::stdout().is_terminal() {
        t.set_width(80);
    }
    t.set_header(header.to_vec());
    t
}

/// The findings, worst first, each with its remedy; then a one-line summary.
pub fn findings(findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    for f in sorted {
        let tag = match f.severity {
            Severity::Error => "ERROR",
            Severity::Warning => "WARN ",
            Severity::Info => "info ",
        };
        out.push_str(&format!("{tag} {}: {}\n", f.code, line(&f.message)));
        out.push_str(&format!("      fix: {}\n", line(&f.remedy)));
    }
    out.push_str(&summary_line(findings));
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
