//! vim25 SOAP over HTTPS: transport, envelopes, faults, the session and the
//! PropertyCollector. Nothing above this module sees XML.

mod authorization;
mod authz_rest;
mod cert;
mod envelope;
mod error;
mod events;
mod fault;
mod guest;
mod host;
mod limits;
mod perf;
mod property;
mod proxy;
mod rest;
mod runs;
mod search;
mod session;
pub mod sso;
pub mod tls;
mod transport;
mod types;
pub(crate) mod xml;

pub use authorization::{EntityPrivilege, Permission, Role};
pub use authz_rest::{Authorization, RestPermission, RestRole, Scope};
pub use envelope::escape_markup;
pub use error::{Error, ProxyFailure};
pub use events::{Event, VmEvent};
pub use fault::{Fault, FaultKind};
pub use guest::VmGuest;
pub use host::host_of;
pub use limits::Limits;
pub use perf::{HostSeries, PerfCatalog, StatsInterval};
pub use property::{InventorySink, Page, PropertySpec, decode_page};
pub use proxy::{Proxy, ProxySetting};
pub use rest::{RestProbe, RestSession, TagCategories};
pub use session::Client;
pub use transport::ConnectOptions;
pub use types::{
    AboutInfo, DEFAULT_SSO_DOMAIN, HostMount, MissingProperty, MoRef, ObjectContent, Principal,
    ServiceContent, UserSession, Value, same_principal,
};
