//! `vaudit check`'s report in every format, from the registry's results.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use comfy_table::Cell;

use super::sanitize::line;
use super::{Document, Format, VCenter, junit, markdown, table, terminal};
use crate::checks::{CheckResult, EntityRef, Finding, Status, Verdict};

pub struct GateReport<'a> {
    pub vcenter: &'a VCenter,
    pub targets: BTreeMap<&'static str, EntityRef>,
    /// `--user`: whose privileges were audited, when not the logged-in user's.
    pub privileges_user: Option<&'a str>,
    pub results: &'a [CheckResult],
    pub findings: &'a [Finding],
    pub seconds: f64,
    pub fail_on_warning: bool,
    /// Where the facts came from when not from a live session.
    pub snapshot: Option<&'a str>,
    /// `check` or `diagnose`, for titles.
    pub command: &'a str,
    /// The target each check judges, as asked (check name → target), for
    /// JUnit testcase names that stay the same across runs.
    pub scopes: BTreeMap<String, String>,
}

/// The target each check of the registry judges, as the user asked for it
/// (so the same config gives the same names whatever the vCenter answers).
pub fn scopes(spec: &crate::inventory::TargetSpec) -> BTreeMap<String, String> {
    crate::checks::registry::CHECKS
        .iter()
        .chain(crate::checks::registry::DIAGNOSE.iter())
        .filter_map(|c| {
            let asked: Vec<&str> = c.targets.iter().filter_map(|t| t.asked(spec)).collect();
            (!asked.is_empty()).then(|| (c.name.to_string(), asked.join(" ")))
        })
        .collect()
}

pub fn render(format: Format, r: &GateReport<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let verdict = Verdict::of(r.results);
    match format {
        Format::Json => {
            #[derive(Serialize)]
            struct Body<'a> {
                /// Whose privileges were checked, when not the logged-in
                /// user's (`--user`).
                #[serde(skip_serializing_if = "Option::is_none")]
                privileges_user: Option<&'a str>,
                #[serde(skip_serializing_if = "Option::is_none")]
                snapshot: Option<&'a str>,
            }
            super::write_json(
                out,
                &Document::new(
                    r.vcenter.clone(),
                    Some(r.targets.clone()),
                    r.results.to_vec(),
                    r.findings.to_vec(),
                    Body {
                        privileges_user: r.privileges_user,
                        snapshot: r.snapshot,
                    },
                ),
            )
        }
        Format::Junit => {
            let fail_on = if r.fail_on_warning {
                crate::checks::Severity::Warning
            } else {
                crate::checks::Severity::Error
            };
            let text = junit::render(&junit::Run {
                results: r.results,
                findings: r.findings,
                seconds: r.seconds,
                fail_on,
                scopes: &r.scopes,
            });
            out.write_all(text.as_bytes())
        }
        Format::Markdown => {
            let title = match r.vcenter.url.as_str() {
                "" => format!("vaudit {}", r.command),
                u => format!("vaudit {}: {u}", r.command),
            };
            out.write_all(markdown::render(&title, verdict, r.results, r.findings).as_bytes())
        }
        // `output::resolve` never picks toml for check or diagnose.
        Format::Table | Format::Toml => {
            if !r.vcenter.product.is_empty() {
                writeln!(
                    out,
                    "{}",
                    super::sanitize::line(&format!(
                        "{} {} at {} as {}",
                        r.vcenter.product, r.vcenter.version, r.vcenter.url, r.vcenter.user
                    ))
                )?;
            }
            if let Some(path) = r.snapshot {
                writeln!(out, "From the offline snapshot {path}")?;
            }
            if let Some(u) = r.privileges_user {
                writeln!(out, "Privileges audited for {}", super::sanitize::line(u))?;
            }
            writeln!(out)?;
            let mut t = table::new_table(&["Check", "Status", "Findings"]);
            // Skipped checks are the user's own choice: one line under the
            // table names them, so the rows left are the ones that ran.
            for c in r.results.iter().filter(|c| c.status != Status::Skipped) {
                let detail = match (c.status, &c.reason) {
                    (Status::NotVerified | Status::Skipped, Some(why)) => why.clone(),
                    _ => c.findings.to_string(),
                };
                // Made safe cell by cell, so the status keeps its colour.
                t.add_row(vec![
                    Cell::new(line(&c.name)),
                    table::status_cell(c.status.as_str()),
                    Cell::new(line(&detail)),
                ]);
            }
            writeln!(out, "{}", table::render_safe(&t))?;
            for line in skipped_lines(r.results) {
                writeln!(out, "{line}")?;
            }
            writeln!(out)?;
            write!(out, "{}", table::findings(r.findings))?;
            let errors = r
                .findings
                .iter()
                .any(|f| f.severity == crate::checks::Severity::Error);
            let sentence = verdict_sentence(verdict, r.fail_on_warning && !errors);
            match terminal::paint_for(verdict.as_str()) {
                Some(p) => writeln!(out, "{}", terminal::paint(sentence, p)),
                None => writeln!(out, "{sentence}"),
            }
        }
    }
}

/// "Skipped (why): a, b": one line per reason, `--skip NAME` counted as
/// one reason.
fn skipped_lines(results: &[CheckResult]) -> Vec<String> {
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

/// The last line of a table: the verdict in words, which always matches the
/// exit code. `on_warnings`: the gate failed only because `--fail-on
/// warning` made warnings fail it.
pub fn verdict_sentence(v: Verdict, on_warnings: bool) -> &'static str {
    match v {
        Verdict::Pass => "Verdict: pass.",
        Verdict::Warn => "Verdict: pass, with warnings.",
        Verdict::Fail if on_warnings => {
            "Verdict: fail: the gate failed on warnings (--fail-on warning)."
        }
        Verdict::Fail => "Verdict: fail.",
        Verdict::Incomplete => {
            "Verdict: incomplete: at least one check could not be verified (see its reason)."
        }
    }
}

#[cfg(test)]
mod skipped_tests {
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

    #[test]
    fn nothing_skipped_writes_no_line() {
        assert!(skipped_lines(&[ran("connection")]).is_empty());
    }
}
