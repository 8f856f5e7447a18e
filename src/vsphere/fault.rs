//! vim25 SOAP faults as typed values.

use super::types::MoRef;
use super::xml::Node;

/// The fault types an auditor reacts to, and any other by its type name.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    InvalidLogin,
    NotAuthenticated {
        privilege_id: Option<String>,
    },
    NoPermission {
        object: Option<MoRef>,
        privilege_id: Option<String>,
    },
    ManagedObjectNotFound {
        obj: Option<MoRef>,
    },
    InvalidArgument {
        property: Option<String>,
    },
    InvalidProperty {
        name: Option<String>,
    },
    MethodNotFound {
        method: Option<String>,
    },
    /// A role of that name exists (`AddAuthorizationRole`,
    /// `UpdateAuthorizationRole`).
    AlreadyExists {
        name: Option<String>,
    },
    /// vCenter does not accept the name (a role's).
    InvalidName {
        name: Option<String>,
    },
    /// The change would leave no administrator (`RemoveEntityPermission`,
    /// `SetEntityPermissions`).
    AuthMinimumAdminPermission,
    Other {
        type_name: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    pub kind: FaultKind,
    /// The server's `faultstring`.
    pub message: String,
}

impl Fault {
    pub fn type_name(&self) -> &str {
        match &self.kind {
            FaultKind::InvalidLogin => "InvalidLogin",
            FaultKind::NotAuthenticated { .. } => "NotAuthenticated",
            FaultKind::NoPermission { .. } => "NoPermission",
            FaultKind::ManagedObjectNotFound { .. } => "ManagedObjectNotFound",
            FaultKind::InvalidArgument { .. } => "InvalidArgument",
            FaultKind::InvalidProperty { .. } => "InvalidProperty",
            FaultKind::MethodNotFound { .. } => "MethodNotFound",
            FaultKind::AlreadyExists { .. } => "AlreadyExists",
            FaultKind::InvalidName { .. } => "InvalidName",
            FaultKind::AuthMinimumAdminPermission => "AuthMinimumAdminPermission",
            FaultKind::Other { type_name } => type_name,
        }
    }

    /// Decodes a `<Fault>` element (SOAP 1.1).
    pub fn from_node(fault: &Node) -> Fault {
        let message = fault.text_of("faultstring").unwrap_or_default().to_string();
        let detail = fault
            .child("detail")
            .and_then(|d| d.children.first())
            .cloned()
            .unwrap_or_default();
        let type_name = detail
            .xsi_type
            .clone()
            .unwrap_or_else(|| detail.name.trim_end_matches("Fault").to_string());
        let moref = |name: &str| {
            detail.child(name).map(|n| {
                MoRef::new(
                    n.attr("type").unwrap_or_default().to_string(),
                    n.text.trim(),
                )
            })
        };
        let text = |name: &str| detail.text_of(name).map(str::to_owned);
        let kind = match type_name.as_str() {
            "InvalidLogin" => FaultKind::InvalidLogin,
            "NotAuthenticated" => FaultKind::NotAuthenticated {
                privilege_id: text("privilegeId"),
            },
            "NoPermission" => FaultKind::NoPermission {
                object: moref("object"),
                privilege_id: text("privilegeId"),
            },
            "ManagedObjectNotFound" => FaultKind::ManagedObjectNotFound { obj: moref("obj") },
            "InvalidArgument" => FaultKind::InvalidArgument {
                property: text("invalidProperty"),
            },
            "InvalidProperty" => FaultKind::InvalidProperty { name: text("name") },
            "MethodNotFound" => FaultKind::MethodNotFound {
                method: text("method"),
            },
            "AlreadyExists" => FaultKind::AlreadyExists { name: text("name") },
            "InvalidName" => FaultKind::InvalidName { name: text("name") },
            "AuthMinimumAdminPermission" => FaultKind::AuthMinimumAdminPermission,
            "" => FaultKind::Other {
                type_name: fault
                    .text_of("faultcode")
                    .unwrap_or("unknown")
                    .rsplit(':')
                    .next()
                    .unwrap_or("unknown")
                    .to_string(),
            },
            other => FaultKind::Other {
                type_name: other.to_string(),
            },
        };
        Fault { kind, message }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            FaultKind::NoPermission {
                object,
                privilege_id,
            } => {
                write!(f, "NoPermission: the privilege ")?;
                write!(f, "{}", privilege_id.as_deref().unwrap_or("(unnamed)"))?;
                if let Some(o) = object {
                    write!(f, " is missing on {o}")?;
                }
                Ok(())
            }
            FaultKind::ManagedObjectNotFound { obj: Some(o) } => {
                write!(f, "ManagedObjectNotFound: {o} does not exist")
            }
            // vCenter often leaves faultstring empty for these; the detail
            // is what names the culprit.
            FaultKind::InvalidProperty { name: Some(n) } if self.message.is_empty() => {
                write!(f, "InvalidProperty: the property path {n} does not exist")
            }
            FaultKind::InvalidArgument { property: Some(p) } if self.message.is_empty() => {
                write!(f, "InvalidArgument: the parameter {p} is not valid")
            }
            FaultKind::MethodNotFound { method: Some(m) } if self.message.is_empty() => {
                write!(f, "MethodNotFound: the server does not implement {m}")
            }
            _ if self.message.is_empty() => write!(f, "{}", self.type_name()),
            _ => write!(f, "{}: {}", self.type_name(), self.message),
        }
    }
}
