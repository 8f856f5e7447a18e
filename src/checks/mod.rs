//! The checks: each a pure function from a snapshot (and the targets) to
//! findings and the rows it reports, tested without a network.

pub mod finding;
pub mod folders;
pub mod pools;
pub mod privileges;
pub mod templates;

pub use finding::{EntityRef, Finding, Severity};
pub mod capacity;
pub mod endpoints;
pub mod ip_plan;
pub mod vcenter;
