//! Renderers: the same results as a table for people, the `vaudit/v1` JSON
//! document for scripts, JUnit XML for CI, markdown for step summaries and
//! tickets. Every command feeds them the same `Document`.

use serde::Serialize;

use crate::checks::{CheckResult, EntityRef, Finding, Severity, Status, Verdict};

pub mod check;
pub mod emit;
pub mod exit;
pub mod format;
pub mod grant;
pub mod junit;
pub mod listing;
pub mod manifest;
pub mod markdown;
pub mod privileges;
pub mod quote;
pub mod remediation;
pub mod sanitize;
pub mod table;
pub mod terminal;
pub mod verdict;
pub mod xml;

pub use format::Format;

pub const SCHEMA: &str = "vaudit/v1";

/// The JSON Schema of every document with `"schema": "vaudit/v1"`, kept in
/// the repository and checked against every JSON output by the tests.
pub const SCHEMA_FILE: &str = include_str!("../../schema/vaudit-v1.json");

pub use crate::inventory::VCenter;

impl VCenter {
    /// What the connected `client` says of itself.
    pub fn new(url: &str, client: &crate::vsphere::Client, insecure: bool) -> Self {
        let (about, session) = (client.about(), client.session());
        VCenter {
            url: url.to_string(),
            product: about.name.clone(),
            version: about.version.clone(),
            build: about.build.clone(),
            api_version: about.api_version.clone(),
            instance_uuid: about.instance_uuid.clone(),
            user: session.map(|s| s.user_name.clone()).unwrap_or_default(),
            insecure,
            proxy: client.proxy().map(Into::into),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub verdict: Verdict,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub checks_run: Vec<String>,
    pub checks_skipped: Vec<String>,
    pub checks_not_verified: Vec<String>,
}

impl Summary {
    pub fn new(results: &[CheckResult], findings: &[Finding]) -> Summary {
        let count = |s| findings.iter().filter(|f| f.severity == s).count();
        let named = |keep: &dyn Fn(Status) -> bool| {
            results
                .iter()
                .filter(|r| keep(r.status))
                .map(|r| r.name.clone())
                .collect()
        };
        Summary {
            verdict: Verdict::of(results),
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Info),
            checks_run: named(&|s| !matches!(s, Status::Skipped | Status::NotVerified)),
            checks_skipped: named(&|s| s == Status::Skipped),
            checks_not_verified: named(&|s| s == Status::NotVerified),
        }
    }
}

/// The top of every JSON document; commands flatten their own lists in.
#[derive(Debug, Serialize)]
pub struct Document<T: Serialize> {
    pub schema: &'static str,
    pub vcenter: VCenter,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub targets: Option<std::collections::BTreeMap<&'static str, EntityRef>>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub checks: Vec<CheckResult>,
    #[serde(flatten)]
    pub body: T,
}

impl<T: Serialize> Document<T> {
    pub fn new(
        vcenter: VCenter,
        targets: Option<std::collections::BTreeMap<&'static str, EntityRef>>,
        checks: Vec<CheckResult>,
        findings: Vec<Finding>,
        body: T,
    ) -> Self {
        Document {
            schema: SCHEMA,
            summary: Summary::new(&checks, &findings),
            vcenter,
            targets,
            findings,
            checks,
            body,
        }
    }
}

/// Writes one JSON document and a newline.
pub fn write_json<T: Serialize>(out: &mut dyn std::io::Write, doc: &T) -> std::io::Result<()> {
    // Keep the kind of a write error, so a closed pipe stays one.
    serde_json::to_writer_pretty(&mut *out, doc).map_err(|e| match e.io_error_kind() {
        Some(kind) => std::io::Error::from(kind),
        None => std::io::Error::other(e),
    })?;
    writeln!(out)
}

/// Writes one JSON document and a newline to stdout.
pub fn print_json<T: Serialize>(doc: &T) -> std::io::Result<()> {
    write_json(&mut std::io::stdout().lock(), doc)
}

/// The targets found, by kind, as every JSON document lists them.
pub fn targets_map(
    t: &crate::inventory::Targets<'_>,
) -> std::collections::BTreeMap<&'static str, EntityRef> {
    let mut m = std::collections::BTreeMap::new();
    for (k, e) in [
        ("datacenter", t.datacenter),
        ("folder", t.folder),
        ("pool", t.pool),
        ("datastore", t.datastore),
        ("network", t.network),
        ("template", t.template),
        ("cluster", t.cluster),
        ("host", t.host),
        ("switch", t.switch),
        ("portgroup", t.portgroup),
    ] {
        if let Some(e) = e {
            m.insert(k, EntityRef::from(e));
        }
    }
    m
}
