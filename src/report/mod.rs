//! Renderers: the same results as a table for people or as the `vaudit/v1`
//! JSON document for scripts.

use serde::Serialize;

use crate::checks::{EntityRef, Finding};
use crate::vsphere::{AboutInfo, UserSession};

pub mod junit;
pub mod quote;
pub mod sanitize;
pub mod table;
pub mod xml;

pub const SCHEMA: &str = "vaudit/v1";

pub use crate::inventory::VCenter;

impl VCenter {
    pub fn new(
        url: &str,
        about: &AboutInfo,
        session: Option<&UserSession>,
        insecure: bool,
    ) -> Self {
        VCenter {
            url: url.to_string(),
            product: about.name.clone(),
            version: about.version.clone(),
            build: about.build.clone(),
            api_version: about.api_version.clone(),
            instance_uuid: about.instance_uuid.clone(),
            user: session.map(|s| s.user_name.clone()).unwrap_or_default(),
            insecure,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub checks_run: Vec<String>,
    pub checks_skipped: Vec<String>,
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
    #[serde(flatten)]
    pub body: T,
}

/// Writes one JSON document and a newline to stdout.
pub fn print_json<T: Serialize>(doc: &T) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, doc).map_err(std::io::Error::other)?;
    writeln!(out)
}
