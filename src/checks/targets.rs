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
    let notes = filtered(f);
    if ALL.iter().all(|t| t.asked(f.spec).is_none()) {
        return Outcome::NotVerified {
            reason: "no target given: give --config (the Arc appliance or infra file) or the target flags (--folder, --pool, --datastore, --network, --template)".into(),
            findings: notes,
        };
    }
    if f.target_errors.is_empty() {
        return Outcome::Verified(notes);
    }
    let mut findings: Vec<Finding> = f
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
    let missing = findings.len();
    findings.extend(notes);
    Outcome::NotVerified {
        reason: format!(
            "{missing} target(s) not found or ambiguous: the checks on them could not run"
        ),
        findings,
    }
}

/// `inventory-filtered` notes: the viewer's inventory may be partial, or
/// the `--user` audited sees less than the viewer whose view was judged.
fn filtered(f: &Facts<'_>) -> Vec<Finding> {
    let Some(v) = f.snapshot().and_then(|s| s.visibility.as_ref()) else {
        return vec![];
    };
    let mut out = Vec::new();
    if !v.viewer_partial.is_empty() {
        out.push(Finding::new(
            CHECK,
            Severity::Info,
            "inventory-filtered",
            None,
            format!(
                "the inventory was read as {} and may be partial: {}; the folder, pool, template and target verdicts cover what {} sees, which is also what a deployment with this account will see",
                v.viewer,
                v.viewer_partial.join("; "),
                v.viewer
            ),
            format!(
                "a target {} cannot see is reported as not found: grant it Read-only with propagate on the root folder to judge the whole inventory",
                v.viewer
            ),
        ));
    }
    if let Some((user, why)) = &v.audited
        && !why.is_empty()
    {
        out.push(Finding::new(
            CHECK,
            Severity::Info,
            "inventory-filtered",
            None,
            format!(
                "--user {user} sees only part of the inventory ({}), but the folder, pool and template verdicts were judged in the view of {}, who logged in: {user} may not see objects they name",
                why.join("; "),
                v.viewer
            ),
            format!(
                "run the check logged in as {user} to judge in its own view"
            ),
        ));
    }
    out
}
