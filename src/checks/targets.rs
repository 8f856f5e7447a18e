//! `targets`: every target the config or the flags name exists and is
//! visible to the user. A missing one is `target-not-found` here, once, and
//! the checks that needed it say they could not run.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::registry::Target;

pub const CHECK: &str = "targets";

const ALL: [Target; 6] = [
    Target::Datacenter,
    Target::Folder,
    Target::Pool,
    Target::Datastore,
    Target::Network,
    Target::Template,
];

pub fn run(f: &Facts<'_>) -> Outcome {
    if ALL.iter().all(|t| t.asked(f.spec).is_none()) {
        return Outcome::not_verified(
            "no target given: give --config (the Arc appliance or infra file) or the target flags (--folder, --pool, --datastore, --network, --template)",
        );
    }
    if f.target_errors.is_empty() {
        return Outcome::Verified(vec![]);
    }
    let findings: Vec<Finding> = f
        .target_errors
        .iter()
        .map(|e| {
            Finding::new(
                CHECK,
                Severity::Error,
                "target-not-found",
                None,
                e.to_string(),
                format!(
                    "give an existing {} as a path (/DC0/...) or a unique name, in the config or as a flag",
                    e.what()
                ),
            )
        })
        .collect();
    Outcome::NotVerified {
        reason: format!(
            "{} target(s) not found or ambiguous: the checks on them could not run",
            findings.len()
        ),
        findings,
    }
}
