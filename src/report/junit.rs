//! JUnit XML for CI (spec §5): one testsuite per check of the registry and
//! one testcase per check, named after the check whatever its outcome, so a
//! CI system follows each check across runs. A failed check is a
//! `<failure>`, a check that could not be verified an `<error>`, one left
//! out by the user `<skipped>`.

use super::xml::escape as esc;
use crate::checks::{CheckResult, Finding, Severity, Status};

pub fn render(results: &[CheckResult], findings: &[Finding], seconds: f64) -> String {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str(&format!(
        "<testsuites name=\"vaudit\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{seconds:.3}\">\n",
        results.len(),
        count(Status::Fail),
        count(Status::NotVerified),
        count(Status::Skipped),
    ));
    for r in results {
        let mine: Vec<&Finding> = findings.iter().filter(|f| f.check == r.name).collect();
        let is = |s: Status| usize::from(r.status == s);
        out.push_str(&format!(
            "  <testsuite name=\"{n}\" tests=\"1\" failures=\"{}\" errors=\"{}\" skipped=\"{}\">\n    <testcase classname=\"vaudit.{n}\" name=\"{n}\">",
            is(Status::Fail),
            is(Status::NotVerified),
            is(Status::Skipped),
            n = esc(&r.name),
        ));
        let body = mine
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
            .join("\n\n");
        let reason = r.reason.as_deref().unwrap_or("");
        match r.status {
            Status::Fail => {
                let errors = mine
                    .iter()
                    .filter(|f| f.severity >= Severity::Warning)
                    .count();
                out.push_str(&format!(
                    "<failure type=\"{}\" message=\"{}\">{}</failure>",
                    esc(mine.first().map(|f| f.code.as_str()).unwrap_or("fail")),
                    esc(&format!("{errors} finding(s) at the fail level")),
                    esc(&body)
                ));
            }
            Status::NotVerified => out.push_str(&format!(
                "<error type=\"not-verified\" message=\"{}\">{}</error>",
                esc(reason),
                esc(&if body.is_empty() {
                    reason.to_string()
                } else {
                    format!("{reason}\n\n{body}")
                })
            )),
            Status::Skipped => out.push_str(&format!("<skipped message=\"{}\"/>", esc(reason))),
            Status::Pass | Status::Warn => {
                if !body.is_empty() {
                    out.push_str(&format!("<system-out>{}</system-out>", esc(&body)));
                }
            }
        }
        out.push_str("</testcase>\n  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
