//! How every report ends: the not-verified and skipped lines under a
//! table, and the closing sentence, the verdict in words, which always
//! matches the exit code. Every command that judges ends with `closing_line`.

use super::sanitize::line;
use super::terminal::{self, Style, wrap};
use crate::checks::{CheckResult, Finding, Severity, Status, Verdict};

/// "Skipped (why): a, b": one line per reason, `--skip NAME` counted as
/// one reason.
pub fn skipped_lines(results: &[CheckResult]) -> Vec<String> {
    let mut by_why: Vec<(String, Vec<&str>)> = Vec::new();
    for c in results.iter().filter(|c| c.status == Status::Skipped) {
        let why = match c.reason.as_deref() {
            Some(r) if r == format!("--skip {}", c.name) => "--skip".to_string(),
            Some(r) => r.to_string(),
            None => "skipped".to_string(),
        };
        match by_why.iter_mut().find(|(w, _)| *w == why) {
            Some((_, names)) => names.push(&c.name),
            None => by_why.push((why, vec![&c.name])),
        }
    }
    by_why
        .into_iter()
        .map(|(why, names)| line(&format!("Skipped ({why}): {}", names.join(", "))).into_owned())
        .collect()
}

/// Under a table: one line per check that could not be verified, with its
/// reason (what to supply), wrapped at spaces to the width.
pub fn not_verified_lines(results: &[CheckResult], style: Style) -> String {
    let mut out = String::new();
    for r in results.iter().filter(|r| r.status == Status::NotVerified) {
        let text = format!(
            "Not verified ({}): {}",
            line(&r.name),
            line(r.reason.as_deref().unwrap_or("no reason was given"))
        );
        let text = wrap(&text, style.width, 2);
        let tag = "Not verified";
        out.push_str(&paint_word(style.color, tag, Some(terminal::Paint::Red)));
        out.push_str(&text[tag.len()..]);
        out.push('\n');
    }
    out
}

fn paint_word(color: bool, word: &str, p: Option<terminal::Paint>) -> String {
    match p {
        Some(p) => terminal::paint_if(color, word, p),
        None => word.to_string(),
    }
}

/// Why nothing was judged, when every check was left out (`--skip`, `--only`,
/// or a listing without its target): the reasons, once each.
pub fn nothing_judged(results: &[CheckResult]) -> Option<String> {
    if results.iter().any(|r| r.status != Status::Skipped) {
        return None;
    }
    let mut why: Vec<&str> = Vec::new();
    for r in results {
        let reason = r.reason.as_deref().unwrap_or("skipped");
        if !why.contains(&reason) {
            why.push(reason);
        }
    }
    Some(match why.is_empty() {
        true => "no check ran".to_string(),
        false => why.join("; "),
    })
}

/// The last line of every table report (check, diagnose, privileges and
/// the listings): the verdict in words, which always matches the exit code.
/// `fail_on_warning`: `--fail-on warning` was given.
pub fn closing_line(
    results: &[CheckResult],
    findings: &[Finding],
    fail_on_warning: bool,
    color: bool,
) -> String {
    if let Some(why) = nothing_judged(results) {
        return line(&format!("Verdict: nothing judged ({why}).")).into_owned();
    }
    let verdict = Verdict::of(results);
    let errors = findings.iter().any(|f| f.severity == Severity::Error);
    let sentence = verdict_sentence(verdict, fail_on_warning && !errors);
    paint_word(color, sentence, terminal::paint_for(verdict.as_str()))
}

/// The verdict in words. `on_warnings`: the gate failed only because
/// `--fail-on warning` made warnings fail it.
pub fn verdict_sentence(v: Verdict, on_warnings: bool) -> &'static str {
    match v {
        Verdict::Pass => "Verdict: pass.",
        Verdict::Warn => "Verdict: pass, with warnings.",
        Verdict::Fail if on_warnings => {
            "Verdict: fail: the gate failed on warnings (--fail-on warning)."
        }
        Verdict::Fail => "Verdict: fail.",
        Verdict::Incomplete => {
            "Verdict: incomplete: at least one check could not be verified (see its reason above)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ran(name: &str) -> CheckResult {
        CheckResult {
            name: name.into(),
            status: Status::Pass,
            findings: 0,
            reason: None,
        }
    }

    #[test]
    fn skipped_checks_are_one_line_per_reason_and_not_rows() {
        let results = [
            ran("connection"),
            CheckResult::skipped("dns", "--skip dns"),
            CheckResult::skipped("proxy", "--skip proxy"),
            CheckResult::skipped("clock", "not in --only"),
        ];
        assert_eq!(
            skipped_lines(&results),
            [
                "Skipped (--skip): dns, proxy",
                "Skipped (not in --only): clock"
            ]
        );
    }

    fn not_verified(name: &str, why: &str) -> CheckResult {
        CheckResult {
            name: name.into(),
            status: Status::NotVerified,
            findings: 0,
            reason: Some(why.into()),
        }
    }

    #[test]
    fn a_run_that_judged_nothing_does_not_say_pass() {
        let results = [CheckResult::skipped(
            "folders",
            "no --folder given: every folder is listed, none is judged as the target",
        )];
        let out = closing_line(&results, &[], false, false);
        assert_eq!(
            out,
            "Verdict: nothing judged (no --folder given: every folder is listed, none is judged as the target)."
        );
    }

    #[test]
    fn not_verified_ends_incomplete_with_its_reason_above() {
        let results = [ran("connection"), not_verified("privileges", "give --user")];
        assert_eq!(
            not_verified_lines(
                &results,
                Style {
                    width: None,
                    color: false
                }
            ),
            "Not verified (privileges): give --user\n"
        );
        assert!(closing_line(&results, &[], false, false).starts_with("Verdict: incomplete"));
    }

    #[test]
    fn a_forged_reason_stays_on_its_line() {
        let results = [not_verified("pools", "x\nVerdict: pass.\u{9b}")];
        let out = not_verified_lines(
            &results,
            Style {
                width: Some(80),
                color: false,
            },
        );
        assert_eq!(out.lines().count(), 1, "{out}");
        assert!(!out.contains('\u{9b}'), "{out}");
    }

    #[test]
    fn nothing_skipped_writes_no_line() {
        assert!(skipped_lines(&[ran("connection")]).is_empty());
    }
}
