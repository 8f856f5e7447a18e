//! JUnit XML for CI (spec §5): one testsuite per check of the registry and
//! one testcase per rule of the check (`checks::rules`), named
//! `<check>.<rule>` plus `[<target>]` for a check that judges a target, the
//! same whether it passes or fails, so CI follows each rule across runs. A
//! rule with findings at the fail level is a `<failure>` (listing every
//! entity), a check that could not be verified is an `<error>` in each of
//! its rules, one left out by the user `<skipped>`. A run that ends before
//! any check (a bad config) is one `<error>` saying why, so CI still reads
//! a valid document.

use std::collections::BTreeMap;

use super::xml::escape as esc;
use crate::checks::registry::rules_of;
use crate::checks::{CheckResult, Finding, Severity, Status};

/// What JUnit needs besides the results.
pub struct Run<'a> {
    pub results: &'a [CheckResult],
    pub findings: &'a [Finding],
    pub seconds: f64,
    /// The lowest severity that fails (`--fail-on`).
    pub fail_on: Severity,
    /// The target each check judges, as asked, for testcase names.
    pub scopes: &'a BTreeMap<String, String>,
}

enum Outcome {
    Pass(String),
    Failure { code: String, body: String },
    Error { reason: String, body: String },
    Skipped(String),
}

struct Case {
    check: String,
    name: String,
    outcome: Outcome,
}

fn body(findings: &[&Finding]) -> String {
    findings
        .iter()
        .map(|f| {
            let on = f
                .entity
                .as_ref()
                .map(|e| format!(" [{}]", e.path))
                .unwrap_or_default();
            format!(
                "{} {}{on}: {}\nfix: {}",
                f.severity.as_str(),
                f.code,
                f.message,
                f.remedy
            )
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn cases(run: &Run<'_>) -> Vec<Case> {
    let mut out = Vec::new();
    for r in run.results {
        let mine: Vec<&Finding> = run.findings.iter().filter(|f| f.check == r.name).collect();
        let mut codes: Vec<String> = rules_of(&r.name);
        // A code the list does not know still gets its testcase.
        for f in &mine {
            if !codes.contains(&f.code) {
                codes.push(f.code.clone());
            }
        }
        let scope = run
            .scopes
            .get(&r.name)
            .map(|s| format!("[{s}]"))
            .unwrap_or_default();
        for code in codes {
            let of_rule: Vec<&Finding> = mine.iter().copied().filter(|f| f.code == code).collect();
            let reason = r.reason.clone().unwrap_or_default();
            let outcome = match r.status {
                Status::Skipped => Outcome::Skipped(reason),
                Status::NotVerified => Outcome::Error {
                    body: match body(&of_rule) {
                        b if b.is_empty() => reason.clone(),
                        b => format!("{reason}\n\n{b}"),
                    },
                    reason,
                },
                _ if of_rule.iter().any(|f| f.severity >= run.fail_on) => Outcome::Failure {
                    code: code.clone(),
                    body: body(&of_rule),
                },
                _ => Outcome::Pass(body(&of_rule)),
            };
            out.push(Case {
                check: r.name.clone(),
                name: format!("{}.{code}{scope}", r.name),
                outcome,
            });
        }
    }
    out
}

fn testcase(c: &Case) -> String {
    let mut out = format!(
        "    <testcase classname=\"vaudit.{}\" name=\"{}\">",
        esc(&c.check),
        esc(&c.name)
    );
    match &c.outcome {
        Outcome::Pass(b) if b.is_empty() => {}
        Outcome::Pass(b) => out.push_str(&format!("<system-out>{}</system-out>", esc(b))),
        Outcome::Failure { code, body } => out.push_str(&format!(
            "<failure type=\"{}\" message=\"{}\">{}</failure>",
            esc(code),
            esc(body.lines().next().unwrap_or(code)),
            esc(body)
        )),
        Outcome::Error { reason, body } => out.push_str(&format!(
            "<error type=\"not-verified\" message=\"{}\">{}</error>",
            esc(reason),
            esc(body)
        )),
        Outcome::Skipped(reason) => {
            out.push_str(&format!("<skipped message=\"{}\"/>", esc(reason)))
        }
    }
    out.push_str("</testcase>\n");
    out
}

fn counts(cases: &[&Case]) -> String {
    let n = |f: fn(&Outcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    format!(
        "tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\"",
        cases.len(),
        n(|o| matches!(o, Outcome::Failure { .. })),
        n(|o| matches!(o, Outcome::Error { .. })),
        n(|o| matches!(o, Outcome::Skipped(_))),
    )
}

pub fn render(run: &Run<'_>) -> String {
    let all = cases(run);
    let refs: Vec<&Case> = all.iter().collect();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"vaudit\" {} time=\"{:.3}\">\n",
        counts(&refs),
        run.seconds
    ));
    for r in run.results {
        let suite: Vec<&Case> = all.iter().filter(|c| c.check == r.name).collect();
        out.push_str(&format!(
            "  <testsuite name=\"{}\" {}>\n",
            esc(&r.name),
            counts(&suite)
        ));
        for c in suite {
            out.push_str(&testcase(c));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The document for a run that ended before any check ran: one error
/// saying why, so a CI step that reads the file finds a valid report.
pub fn aborted(why: &str, seconds: f64) -> String {
    let case = Case {
        check: "vaudit".into(),
        name: "vaudit.run".into(),
        outcome: Outcome::Error {
            reason: why.to_string(),
            body: why.to_string(),
        },
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"vaudit\" {c} time=\"{seconds:.3}\">\n  <testsuite name=\"vaudit\" {c}>\n{}  </testsuite>\n</testsuites>\n",
        testcase(&case),
        c = counts(&[&case]),
    )
}
