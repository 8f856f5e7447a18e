//! Findings as spec §5 and §6 define them.

use serde::{Deserialize, Serialize};

use crate::inventory::Entity;
pub use crate::inventory::EntityRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrivilegeRef {
    pub id: String,
    pub group: String,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check: String,
    pub severity: Severity,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub privilege: Option<PrivilegeRef>,
    pub message: String,
    pub remedy: String,
}

impl Finding {
    pub fn new(
        check: &str,
        severity: Severity,
        code: &str,
        entity: Option<&Entity>,
        message: String,
        remedy: String,
    ) -> Self {
        Finding {
            check: check.into(),
            severity,
            code: code.into(),
            entity: entity.map(EntityRef::from),
            privilege: None,
            message,
            remedy,
        }
    }
}

/// Lists up to `max` paths, with a count of the rest, for remedies.
pub fn list_paths<'a>(paths: impl IntoIterator<Item = &'a str>, max: usize) -> String {
    let all: Vec<&str> = paths.into_iter().collect();
    if all.is_empty() {
        return "(none visible to this user)".into();
    }
    let mut s = all.iter().take(max).copied().collect::<Vec<_>>().join(", ");
    if all.len() > max {
        s.push_str(&format!(" and {} more", all.len() - max));
    }
    s
}
