//! vaudit: audits a VMware vCenter before an appliance (the Azure Arc
//! resource bridge) is deployed into it.
//!
//! Data flows one way: connect ([`vsphere`]) → collect → check → report.

pub mod checks;
pub mod cli;
pub mod config;
pub mod files;
pub mod gate;
pub mod grant;
pub mod inventory;
pub mod manifest;
pub mod plan;
pub mod probe;
pub mod report;
pub mod vsphere;
