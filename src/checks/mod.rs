//! The checks: each a pure function from gathered facts to findings, and
//! the one registry that names them all (`registry::CHECKS`).

pub mod appliance;
pub mod capacity;
pub mod check;
pub mod connection;
pub mod credential_expiry;
pub mod dns;
pub mod egress;
pub mod endpoints;
pub mod facts;
pub mod finding;
pub mod folders;
pub mod ip_conflict;
pub mod ip_plan;
pub mod latency;
pub mod matrix;
pub mod network;
pub mod outcome;
pub mod placement;
pub mod pools;
pub mod privileges;
pub mod proxy;
pub mod registry;
pub mod support_matrix;
pub mod tagging;
pub mod target;
pub mod targets;
pub mod templates;
pub mod upload_path;
pub mod vcenter;

pub use facts::{Access, Facts, Live};

/// Said by every finding of a network probe: this machine's view can differ
/// from the appliance's segment (another firewall, another route).
pub const FROM_HERE: &str = "observed from this machine, not from the appliance's network segment";
pub use finding::{EntityRef, Finding, Severity};
pub use outcome::{CheckResult, Outcome, Status, Verdict};
