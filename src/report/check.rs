//! `vaudit check`'s report in every format, from the registry's results.

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use super::emit::{Bare, Judged, Page};
use super::sanitize::line;
use super::table::{Fit, Grid};
use super::terminal::{Style, wrap};
use super::verdict::{not_verified_lines, skipped_lines};
use super::{VCenter, junit, table};
use crate::checks::{CheckResult, EntityRef, Finding, Severity, Status};

pub struct CheckReport<'a> {
    pub vcenter: &'a VCenter,
    pub targets: BTreeMap<&'static str, EntityRef>,
    /// `--user`: whose privileges were audited, when not the logged-in user's.
    pub privileges_user: Option<&'a str>,
    /// The manifest the privileges check judged against, when it ran.
    pub manifest: Option<&'a crate::manifest::Manifest>,
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
            let asked: Vec<&str> = c.targets.iter().filter_map(|t| spec.get(*t)).collect();
            (!asked.is_empty()).then(|| (c.name.to_string(), asked.join(" ")))
        })
        .collect()
}

impl CheckReport<'_> {
    fn judged(&self) -> Judged<'_> {
        Judged {
            title: match self.vcenter.url.as_str() {
                "" => format!("vaudit {}", self.command),
                u => format!("vaudit {}: {u}", self.command),
            },
            vcenter: self.vcenter,
            targets: Some(self.targets.clone()),
            results: self.results,
            findings: self.findings,
            fail_on: if self.fail_on_warning {
                Severity::Warning
            } else {
                Severity::Error
            },
        }
    }
}

impl Page for CheckReport<'_> {
    fn json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Body<'a> {
            /// Whose privileges were checked, when not the logged-in
            /// user's (`--user`).
            #[serde(skip_serializing_if = "Option::is_none")]
            privileges_user: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            snapshot: Option<&'a str>,
            /// The manifest's name, version and options switched on.
            #[serde(skip_serializing_if = "Option::is_none")]
            manifest: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            manifest_version: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            manifest_options: Option<&'a [String]>,
        }
        let m = self.manifest;
        self.judged().json(
            Body {
                privileges_user: self.privileges_user,
                snapshot: self.snapshot,
                manifest: m.map(|m| m.name.as_str()),
                manifest_version: m.and_then(|m| m.version.as_deref()),
                manifest_options: m.map(|m| m.switched_on.as_slice()),
            },
            out,
        )
    }

    fn junit(&self) -> String {
        junit::render(&junit::Run {
            results: self.results,
            findings: self.findings,
            seconds: self.seconds,
            fail_on: self.judged().fail_on,
            scopes: &self.scopes,
        })
    }

    fn markdown(&self) -> String {
        self.judged().markdown()
    }

    fn table(&self, style: Style) -> String {
        let r = self;
        let mut out = String::new();
        if !r.vcenter.product.is_empty() {
            out.push_str(&line(&format!(
                "{} {} at {} as {}",
                r.vcenter.product, r.vcenter.version, r.vcenter.url, r.vcenter.user
            )));
            out.push('\n');
        }
        if let Some(path) = r.snapshot {
            out.push_str(&format!("From the offline snapshot {}\n", line(path)));
        }
        if let Some(u) = r.privileges_user {
            out.push_str(&format!("Privileges audited for {}\n", line(u)));
        }
        out.push('\n');
        let mut t = Grid::with_style(
            &[
                ("Check", Fit::Whole),
                ("Status", Fit::Whole),
                ("Findings", Fit::Whole),
            ],
            style,
        );
        // Skipped checks are the user's own choice: one line under the
        // table names them, so the rows left are the ones that ran.
        for c in r.results.iter().filter(|c| c.status != Status::Skipped) {
            t.row([
                (&c.name).into(),
                table::status(c.status.as_str()),
                c.findings.to_string().into(),
            ]);
        }
        out.push_str(&t.render());
        out.push('\n');
        for line in skipped_lines(r.results) {
            out.push_str(&wrap(&line, style.width, 2));
            out.push('\n');
        }
        out.push_str(&not_verified_lines(r.results, style));
        out.push('\n');
        out.push_str(&table::findings(r.findings));
        out.push_str(&self.judged().closing(style));
        out
    }
}

/// The pseudo-check an aborted run's document reports, as in JUnit.
const RUN: &str = "vaudit";

/// A run that ended before any check ran (a bad config, a bad manifest):
/// still one valid document (spec §5), its verdict `incomplete`, the error
/// as the one not-verified finding. Nothing for a table: the error on
/// stderr is the whole story there.
pub struct Aborted {
    command: String,
    results: [CheckResult; 1],
    findings: [Finding; 1],
    junit: String,
    vcenter: VCenter,
}

impl Aborted {
    pub fn new(command: &str, error: &str, remedy: Option<String>, seconds: f64) -> Aborted {
        let why = match &remedy {
            Some(r) => format!("{error}; fix: {r}"),
            None => error.to_string(),
        };
        let finding = Finding::new(
            RUN,
            Severity::Error,
            "not-verified",
            None,
            error.to_string(),
            remedy.unwrap_or_default(),
        );
        let outcome = crate::checks::Outcome::NotVerified {
            reason: format!("the {command} did not run: {error}"),
            findings: vec![finding.clone()],
        };
        Aborted {
            command: command.to_string(),
            results: [CheckResult::from_outcome(RUN, &outcome, Severity::Error)],
            findings: [finding],
            junit: junit::aborted(&why, seconds),
            vcenter: VCenter::default(),
        }
    }

    pub fn page(&self) -> Bare<'_> {
        Bare {
            judged: Judged {
                title: format!("vaudit {}", self.command),
                vcenter: &self.vcenter,
                targets: Some(Default::default()),
                results: &self.results,
                findings: &self.findings,
                fail_on: Severity::Error,
            },
            junit: Some(self.junit.clone()),
            markdown: true,
        }
    }
}
