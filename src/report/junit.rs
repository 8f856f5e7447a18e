//! JUnit XML for CI systems: one testsuite per check, one testcase per
//! finding (or one passing case for a clean check), failures carrying the
//! finding's message and remedy.

use super::xml::escape as esc;
use crate::checks::{Finding, Severity};

/// `checks`: (name, ran) in report order.
pub fn render(checks: &[(String, bool)], findings: &[Finding]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total_fail = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    out.push_str(&format!(
        "<testsuites name=\"vaudit\" failures=\"{total_fail}\">\n"
    ));
    for (check, ran) in checks {
        let mine: Vec<&Finding> = findings.iter().filter(|f| &f.check == check).collect();
        let failures = mine
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let tests = mine.len().max(1);
        let skipped = usize::from(!ran && mine.is_empty());
        out.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">\n",
            esc(check)
        ));
        if mine.is_empty() {
            out.push_str(&format!(
                "    <testcase classname=\"vaudit.{0}\" name=\"{0}\">",
                esc(check)
            ));
            if !ran {
                out.push_str("<skipped/>");
            }
            out.push_str("</testcase>\n");
        }
        for f in mine {
            let target = f.entity.as_ref().map(|e| e.path.as_str()).unwrap_or("");
            let name = match &f.privilege {
                Some(p) => format!("{} {} {}", f.code, target, p.id),
                None => format!("{} {}", f.code, target),
            };
            out.push_str(&format!(
                "    <testcase classname=\"vaudit.{}\" name=\"{}\">",
                esc(check),
                esc(name.trim())
            ));
            let body = format!("{}\nfix: {}", f.message, f.remedy);
            match f.severity {
                Severity::Error => out.push_str(&format!(
                    "<failure type=\"{}\" message=\"{}\">{}</failure>",
                    esc(&f.code),
                    esc(&f.message),
                    esc(&body)
                )),
                _ => out.push_str(&format!(
                    "<system-out>{}: {}</system-out>",
                    f.severity.as_str(),
                    esc(&body)
                )),
            }
            out.push_str("</testcase>\n");
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
