//! The vim25 data the rest of vaudit sees: plain Rust values, no XML.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A managed object reference: `Folder:group-v3`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MoRef {
    /// One of a few dozen type names, shared rather than copied into each
    /// of the thousands of references an inventory holds.
    #[serde(rename = "type")]
    pub kind: Arc<str>,
    pub value: String,
}

impl MoRef {
    pub fn new(kind: impl Into<Arc<str>>, value: impl Into<String>) -> Self {
        MoRef {
            kind: kind.into(),
            value: value.into(),
        }
    }
}

impl MoRef {
    /// A hash of the reference under one random key for the process: the
    /// read's loop bound and the snapshot's index know references by it,
    /// never by a copy.
    pub(crate) fn hashed(&self) -> u64 {
        use std::hash::BuildHasher;
        static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> =
            std::sync::OnceLock::new();
        STATE
            .get_or_init(std::collections::hash_map::RandomState::new)
            .hash_one(self)
    }
}

impl std::fmt::Display for MoRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.kind, self.value)
    }
}

/// A property value as the PropertyCollector returns it. Complex data objects
/// vaudit does not ask for are kept only as their type name, never mis-read.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Bool(bool),
    Int(i64),
    /// xsd:dateTime, kept as the server wrote it (RFC 3339).
    DateTime(String),
    MoRef(MoRef),
    Strings(Vec<String>),
    MoRefs(Vec<MoRef>),
    /// `Datastore.host`: which hosts mount the datastore, and how.
    HostMounts(Vec<HostMount>),
    /// `ClusterComputeResource.configurationEx` (`ClusterConfigInfoEx`):
    /// only `dasConfig.enabled` is read, `None` when it is absent. The
    /// object is fetched whole because a path into it (`configurationEx.
    /// dasConfig.enabled`) names a property of the subtype, which vCenter
    /// refuses as InvalidProperty for the declared `ComputeResourceConfigInfo`.
    ClusterHa(Option<bool>),
    Other(String),
}

/// One `DatastoreHostMount`: a host and its mount of the datastore. The
/// flags are optional in the API; absent means the server did not say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostMount {
    pub host: MoRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mounted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accessible: Option<bool>,
}

impl Value {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::DateTime(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }
    pub fn as_moref(&self) -> Option<&MoRef> {
        match self {
            Value::MoRef(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_strings(&self) -> Option<&[String]> {
        match self {
            Value::Strings(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_host_mounts(&self) -> Option<&[HostMount]> {
        match self {
            Value::HostMounts(v) => Some(v),
            _ => None,
        }
    }
    pub fn as_morefs(&self) -> Option<&[MoRef]> {
        match self {
            Value::MoRefs(v) => Some(v),
            _ => None,
        }
    }
}

/// A property the server could not return, with the fault it gave instead.
#[derive(Debug, Clone, PartialEq)]
pub struct MissingProperty {
    pub path: String,
    pub fault: String,
}

/// One object of a PropertyCollector answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectContent {
    pub obj: MoRef,
    /// Names are shared by every object of a page that has them: a
    /// 10,000-VM inventory repeats nine names 10,000 times.
    pub props: Vec<(Arc<str>, Value)>,
    pub missing: Vec<MissingProperty>,
}

impl ObjectContent {
    pub fn get(&self, path: &str) -> Option<&Value> {
        self.props
            .iter()
            .find(|(p, _)| &**p == path)
            .map(|(_, v)| v)
    }
}

/// The parts of ServiceContent vaudit uses.
#[derive(Debug, Clone)]
pub struct ServiceContent {
    pub about: AboutInfo,
    pub root_folder: MoRef,
    pub property_collector: MoRef,
    pub view_manager: Option<MoRef>,
    pub session_manager: Option<MoRef>,
    pub authorization_manager: Option<MoRef>,
    pub event_manager: Option<MoRef>,
    pub perf_manager: Option<MoRef>,
    pub search_index: Option<MoRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AboutInfo {
    pub name: String,
    pub full_name: String,
    pub vendor: String,
    pub version: String,
    pub build: String,
    pub api_type: String,
    pub api_version: String,
    pub instance_uuid: String,
    pub os_type: String,
}

/// The logged-in session, from the `Login` answer.
#[derive(Debug, Clone)]
pub struct UserSession {
    /// The server's session key, needed by `HasPrivilegeOnEntities`.
    pub key: String,
    pub user_name: String,
    pub full_name: String,
    pub login_time: String,
}

/// The SSO domain a principal written without one belongs to (vCenter's
/// default system domain).
pub const DEFAULT_SSO_DOMAIN: &str = "vsphere.local";

/// A user or group as vSphere permissions and SSO name it. vCenter writes
/// one principal two ways (`name@domain` in permissions, `DOMAIN\name` in
/// tokens and the vim25 permission list) and compares them without case,
/// so every comparison goes through `canonical`, and every spelling is read
/// by `parse`, the one parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// As written, case kept (SSO calls send it back as given).
    pub name: String,
    /// As written; `None` when the spelling named no domain.
    pub domain: Option<String>,
    pub group: bool,
}

impl Principal {
    /// Reads `name@domain`, `DOMAIN\name` or a bare name, as a user.
    pub fn parse(s: &str) -> Principal {
        let s = s.trim();
        let (name, domain) = match s.split_once('\\') {
            Some((d, n)) => (n, Some(d)),
            None => match s.rsplit_once('@') {
                Some((n, d)) => (n, Some(d)),
                None => (s, None),
            },
        };
        Principal {
            name: name.trim().to_string(),
            domain: domain
                .map(str::trim)
                .filter(|d| !d.is_empty())
                .map(str::to_string),
            group: false,
        }
    }

    /// Reads a group in any spelling `parse` reads.
    pub fn parse_group(s: &str) -> Principal {
        Principal {
            group: true,
            ..Principal::parse(s)
        }
    }

    /// From a name and a domain given apart (the REST API, SSO answers);
    /// an empty domain leaves the name to say it (`DOMAIN\name`).
    pub fn from_parts(name: &str, domain: &str, group: bool) -> Principal {
        if domain.trim().is_empty() {
            return Principal {
                group,
                ..Principal::parse(name)
            };
        }
        Principal {
            name: name.trim().to_string(),
            domain: Some(domain.trim().to_string()),
            group,
        }
    }

    /// `name@domain` in lower case (a bare `name` when no domain was
    /// written): the form two spellings of one principal share.
    pub fn canonical(&self) -> String {
        match &self.domain {
            Some(d) => format!("{}@{}", self.name, d).to_lowercase(),
            None => self.name.to_lowercase(),
        }
    }

    /// Whether `self` and `other` name the same principal, whatever the
    /// spelling and the case (user or group is not compared: vSphere names
    /// them from one namespace).
    pub fn is(&self, other: &Principal) -> bool {
        self.canonical() == other.canonical()
    }

    /// The domain as written, or the default system domain when none
    /// was: how SSO reads a bare name.
    pub fn domain_or_default(&self) -> &str {
        self.domain.as_deref().unwrap_or(DEFAULT_SSO_DOMAIN)
    }
}

/// Whether two principal spellings (`name@domain`, `DOMAIN\name`) name the
/// same principal.
pub fn same_principal(a: &str, b: &str) -> bool {
    Principal::parse(a).is(&Principal::parse(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_backslash_name_is_name_at_domain() {
        assert_eq!(
            Principal::parse(r"VSPHERE.LOCAL\Arc").canonical(),
            "arc@vsphere.local"
        );
    }

    #[test]
    fn name_at_domain_compares_without_case() {
        assert!(same_principal("Arc@VSPHERE.local", r"vsphere.local\arc"));
    }

    #[test]
    fn a_bare_name_keeps_no_domain_but_is_read_in_the_default_one() {
        let p = Principal::parse("Arc");
        assert_eq!(p.canonical(), "arc");
        assert_eq!(p.domain_or_default(), "vsphere.local");
    }

    #[test]
    fn the_last_at_sign_separates_the_domain() {
        let p = Principal::parse("a@b@corp.example");
        assert_eq!(
            (p.name.as_str(), p.domain.as_deref()),
            ("a@b", Some("corp.example"))
        );
    }

    #[test]
    fn parts_given_apart_keep_their_case_as_written() {
        let p = Principal::from_parts("Arc-Admins", "CORP", true);
        assert_eq!(
            (p.name.as_str(), p.domain.as_deref(), p.group),
            ("Arc-Admins", Some("CORP"), true)
        );
        assert_eq!(p.canonical(), "arc-admins@corp");
    }
}
