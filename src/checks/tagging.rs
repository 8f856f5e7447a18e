//! `tagging`: the deployment tags the appliance through the vAPI REST
//! endpoint; a vCenter whose REST session or tag list fails breaks it.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;

pub const CHECK: &str = "tagging";

pub fn run(f: &Facts<'_>) -> Outcome {
    match f.live().and_then(|l| l.tagging.as_ref()) {
        None => Outcome::not_verified("the vAPI REST endpoint was not asked"),
        Some(Ok(())) => Outcome::Verified(vec![]),
        Some(Err(e)) => Outcome::Verified(vec![unavailable(e)]),
    }
}

/// `tagging-unavailable`, naming what failed.
pub fn unavailable(detail: &str) -> Finding {
    Finding::new(
        CHECK,
        Severity::Error,
        "tagging-unavailable",
        None,
        format!("the vAPI REST endpoint for tags did not work: {detail}"),
        "the appliance is tagged during deployment: make sure https://<vcenter>/api (or /rest) is reachable, and grant the tagging privileges as a global permission (Administration > Global Permissions), since vSphere honours them only there or on the tag".into(),
    )
}
