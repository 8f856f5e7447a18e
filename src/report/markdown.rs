//! GitHub-flavoured markdown: the verdict line, the check table, then each
//! finding with its remedy; for a CI step summary, a pull-request comment or
//! a change ticket.

use crate::checks::{CheckResult, Finding, Verdict};

/// Text inside a table cell or a line: pipes, backticks and line breaks
/// would break the table, and angle brackets would become HTML.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push_str(&c.escape_unicode().to_string()),
            c => out.push(c),
        }
    }
    out
}

pub fn verdict_line(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "**vaudit: PASS** — every check passed.",
        Verdict::Warn => "**vaudit: PASS with warnings** — no finding at the fail level.",
        Verdict::Fail => "**vaudit: FAIL** — at least one finding at the fail level.",
        Verdict::Incomplete => {
            "**vaudit: INCOMPLETE** — at least one check could not be verified (exit 2)."
        }
    }
}

pub fn render(
    title: &str,
    verdict: Verdict,
    results: &[CheckResult],
    findings: &[Finding],
) -> String {
    let mut out = format!("## {}\n\n{}\n\n", cell(title), verdict_line(verdict));
    out.push_str("| Check | Status | Findings | Reason |\n| --- | --- | --- | --- |\n");
    for r in results {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            cell(&r.name),
            r.status.as_str(),
            r.findings,
            cell(r.reason.as_deref().unwrap_or(""))
        ));
    }
    if !findings.is_empty() {
        out.push_str("\n### Findings\n\n");
        let mut sorted: Vec<&Finding> = findings.iter().collect();
        sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)));
        for f in sorted {
            let on = f
                .entity
                .as_ref()
                .map(|e| format!(" on `{}`", e.path.replace('`', "'")))
                .unwrap_or_default();
            out.push_str(&format!(
                "- **{}** `{}` ({}){on}: {}\n  - fix: {}\n",
                f.severity.as_str(),
                f.code,
                cell(&f.check),
                cell(&f.message),
                cell(&f.remedy)
            ));
        }
    }
    out
}
