//! The support matrix as data: the vCenter and ESXi versions Arc supports
//! and the inventory's limit, from `data/support-matrix.toml` or
//! `--support-matrix FILE`. The `support-matrix` check judges against it.

use std::path::Path;
use std::sync::LazyLock;

use serde::Deserialize;

pub(super) const EMBEDDED: &str = include_str!("../../data/support-matrix.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    Supported,
    Deprecated,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub version: String,
    pub status: Support,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportMatrix {
    pub source: String,
    pub date: String,
    pub max_vms: usize,
    pub vcenter: Vec<Entry>,
    pub esxi: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum MatrixError {
    #[error("cannot read the support matrix {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("the support matrix {path} is not valid: {reason}")]
    Format { path: String, reason: String },
}

impl MatrixError {
    pub fn remedy(&self) -> String {
        "give a TOML file of the form of vaudit's data/support-matrix.toml (source, date, max_vms, [[vcenter]] and [[esxi]] entries with version and status = \"supported\" or \"deprecated\")".into()
    }
}

/// The matrix compiled into vaudit.
pub fn embedded() -> &'static SupportMatrix {
    static M: LazyLock<SupportMatrix> = LazyLock::new(|| {
        parse(EMBEDDED, "data/support-matrix.toml").expect("the embedded support matrix is valid")
    });
    &M
}

pub(super) fn parse(text: &str, path: &str) -> Result<SupportMatrix, MatrixError> {
    let m: SupportMatrix = toml::from_str(text).map_err(|e| MatrixError::Format {
        path: path.into(),
        reason: e.message().to_string(),
    })?;
    let bad = m
        .vcenter
        .iter()
        .chain(&m.esxi)
        .find(|e| components(&e.version).is_none());
    if let Some(e) = bad {
        return Err(MatrixError::Format {
            path: path.into(),
            reason: format!("{:?} is not a version like 8.0", e.version),
        });
    }
    Ok(m)
}

pub fn load(path: &Path) -> Result<SupportMatrix, MatrixError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| MatrixError::Read {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    parse(&text, &shown)
}

fn components(v: &str) -> Option<Vec<u32>> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    v.split('.').map(|c| c.parse().ok()).collect()
}

/// The entry a version falls under; `None` when it is outside the matrix
/// (or not a version at all).
pub fn lookup<'a>(entries: &'a [Entry], version: &str) -> Option<&'a Entry> {
    let v = components(version)?;
    entries.iter().find(|e| {
        components(&e.version).is_some_and(|c| c.len() <= v.len() && v[..c.len()] == c[..])
    })
}
