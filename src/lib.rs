//! vaudit: audits a VMware vCenter before an appliance (the Azure Arc
//! resource bridge) is deployed into it.
//!
//! Data flows one way: connect ([`vsphere`]) → collect → check → report.

pub mod cli;
pub mod manifest;
pub mod inventory;
pub mod report;
pub mod vsphere;
