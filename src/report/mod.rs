//! Renderers: the same results as a table for people or as the `vaudit/v1`
//! JSON document for scripts.

use serde::Serialize;

use crate::vsphere::{AboutInfo, UserSession};

pub const SCHEMA: &str = "vaudit/v1";

/// The `vcenter` block every report carries.
#[derive(Debug, Clone, Serialize)]
pub struct VCenter {
    pub url: String,
    pub product: String,
    pub version: String,
    pub build: String,
    pub api_version: String,
    pub instance_uuid: String,
    pub user: String,
    /// Whether certificate verification was skipped for this run.
    pub insecure: bool,
}

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
    pub findings: Vec<serde_json::Value>,
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
