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
