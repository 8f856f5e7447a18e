//! GitHub-flavoured markdown: the verdict line, the check table, then each
//! finding with its remedy; for a CI step summary, a pull-request comment or
//! a change ticket. Every string from the server goes through `cell` or
//! `code`, which first make it one line with its controls shown escaped (as
//! on a terminal), then keep markdown from reading anything in it.

use super::sanitize::line;
use crate::checks::{CheckResult, Finding, Status, Verdict};

/// Text inside a table cell or a line: one line, controls shown as escapes
/// (`\n`, `\u{9b}`), and every character markdown could read as markup
/// escaped: pipes and backticks would break the table or open code,
/// emphasis and link brackets would restyle it, angle brackets would become
/// HTML, `$` math, `@` and `#` mentions and references.
pub fn cell(s: &str) -> String {
    let s = line(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' | '@' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
    out
}

/// A code span (an entity path, a rule code) outside a table: one line,
/// controls shown as escapes, fenced by one backtick more than the longest
/// run inside, so nothing in it can end it early. Inside a code span
/// markdown reads nothing else, so nothing else is escaped.
pub fn code(s: &str) -> String {
    let s = line(s);
    let mut longest = 0;
    let mut run = 0;
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    // A space each side keeps a backtick at an end apart from the fence;
    // markdown takes one space off each side again.
    let pad = if s.is_empty() || s.starts_with(['`', ' ']) || s.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

/// The verdict in words, bold first, which always matches the exit code; a
/// run where every check was left out says nothing was judged, and why.
pub fn verdict_line(verdict: Verdict, results: &[CheckResult]) -> String {
    if let Some(why) = super::verdict::nothing_judged(results) {
        return format!("**vaudit: NOTHING JUDGED** — {}.", cell(&why));
    }
    match verdict {
        Verdict::Pass => "**vaudit: PASS** — every check passed.",
        Verdict::Warn => "**vaudit: PASS with warnings** — no finding at the fail level.",
        Verdict::Fail => "**vaudit: FAIL** — at least one finding at the fail level.",
        Verdict::Incomplete => {
            "**vaudit: INCOMPLETE** — at least one check could not be verified (exit 2)."
        }
    }
    .to_string()
}

pub fn render(
    title: &str,
    verdict: Verdict,
    results: &[CheckResult],
    findings: &[Finding],
) -> String {
    let mut out = format!(
        "## {}\n\n{}\n\n",
        cell(title),
        verdict_line(verdict, results)
    );
    out.push_str("| Check | Status | Findings | Reason |\n| --- | --- | --- | --- |\n");
    for r in results {
        let count = match r.status {
            Status::Skipped => "-".to_string(),
            _ => r.findings.to_string(),
        };
        out.push_str(&format!(
            "| {} | {} | {count} | {} |\n",
            cell(&r.name),
            r.status.as_str(),
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
                .map(|e| format!(" on {}", code(&e.path)))
                .unwrap_or_default();
            out.push_str(&format!(
                "- **{}** {} ({}){on}: {}\n  - fix: {}\n",
                f.severity.as_str(),
                code(&f.code),
                cell(&f.check),
                cell(&f.message),
                cell(&f.remedy)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::{EntityRef, Severity};

    const FORGED: &str = "evil\nVerdict: pass.\u{9b}2J\u{202e}txt.exe";

    /// No raw C0, DEL, C1, bidi or line-separator character.
    fn assert_clean(out: &str) {
        let bad: Vec<char> = out
            .chars()
            .filter(|&c| c != '\n' && super::super::sanitize::is_control(c))
            .collect();
        assert!(bad.is_empty(), "raw {bad:?} in:\n{out}");
    }

    fn finding_on(path: &str) -> Finding {
        let mut f = Finding::new(
            "templates",
            Severity::Warning,
            "stale-template",
            None,
            format!("the template {path} is stale"),
            format!("delete {path}"),
        );
        f.entity = Some(EntityRef {
            kind: "VirtualMachine".into(),
            moref: "vm-1".into(),
            name: path.rsplit('/').next().unwrap_or("").into(),
            path: path.into(),
        });
        f
    }

    #[test]
    fn a_newline_in_a_cell_is_shown_not_obeyed() {
        let out = cell(FORGED);
        assert!(!out.contains('\n'), "{out}");
        assert!(out.contains(r"evil\\nVerdict: pass."), "{out}");
        assert_clean(&out);
    }

    #[test]
    fn markup_in_a_cell_is_escaped() {
        assert_eq!(
            cell("a|b`c`*d*_e_[f](g)<h>&~$@#!"),
            r"a\|b\`c\`\*d\*\_e\_\[f\](g)&lt;h&gt;&amp;\~\$\@\#\!"
        );
    }

    #[test]
    fn a_code_span_outlasts_the_backticks_inside() {
        assert_eq!(code("/DC0/vm/Arc"), "`/DC0/vm/Arc`");
        assert_eq!(code("a`b``c"), "```a`b``c```");
        assert_eq!(code("`x"), "`` `x ``");
        let out = code(FORGED);
        assert!(!out.contains('\n'), "{out}");
        assert!(out.contains(r"\u{9b}2J\u{202e}txt.exe"), "{out}");
        assert_clean(&out);
    }

    #[test]
    fn a_forged_path_stays_inside_its_list_item() {
        let path = format!("/DC0/vm/Arc/{FORGED}");
        let out = render(
            "vaudit templates",
            Verdict::Warn,
            &[CheckResult {
                name: "templates".into(),
                status: Status::Warn,
                findings: 1,
                reason: None,
            }],
            &[finding_on(&path)],
        );
        assert_clean(&out);
        assert!(
            out.lines().all(|l| !l.starts_with("Verdict")),
            "a forged line:\n{out}"
        );
        let items: Vec<&str> = out.lines().filter(|l| l.starts_with("- ")).collect();
        assert_eq!(items.len(), 1, "{out}");
        assert!(
            items[0].contains(r"`/DC0/vm/Arc/evil\nVerdict: pass."),
            "{out}"
        );
    }

    #[test]
    fn a_listing_that_judged_nothing_says_so() {
        let results = [CheckResult::skipped(
            "folders",
            "no --folder given: every folder is listed, none is judged as the target",
        )];
        let out = render("vaudit folders", Verdict::of(&results), &results, &[]);
        assert!(!out.contains("PASS"), "{out}");
        assert!(
            out.contains("**vaudit: NOTHING JUDGED** — no --folder given"),
            "{out}"
        );
    }
}
