//! `targets`: every target the config or the flags name exists and is
//! visible to the user. A missing one is `target-not-found` here, once, and
//! the checks that needed it say they could not run.

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use super::target::TargetKind;
use crate::inventory::TargetError;

pub const CHECK: &str = "targets";

pub fn run(f: &Facts<'_>) -> Outcome {
    let notes = inventory_filtered(f, CHECK);
    // A key written empty names nothing: not a target to look for, but
    // not one the user left out either.
    let empty: Vec<String> = TargetKind::flagged()
        .filter(|&t| {
            f.spec.get(t).is_none() && t.config_key().is_some_and(|k| f.config.is_empty_key(k))
        })
        .map(|t| super::target::not_given(t, f.config))
        .collect();
    if TargetKind::flagged().all(|t| f.spec.get(t).is_none()) && empty.is_empty() {
        return Outcome::NotVerified {
            reason: "no target given: give --config (the Arc appliance or infra file) or the target flags (--folder, --pool, --datastore, --network, --template)".into(),
            findings: notes,
        };
    }
    let mut findings: Vec<Finding> = f.target_errors.iter().map(finding).collect();
    let mut unverified = empty;
    if !findings.is_empty() {
        unverified.push(format!(
            "{} target(s) not found or ambiguous: the checks on them could not run",
            findings.len()
        ));
    }
    findings.extend(notes);
    Outcome::partly(findings, unverified)
}

/// The finding for a target not found or ambiguous (also the privileges
/// command's, which stops on one).
pub fn finding(e: &TargetError) -> Finding {
    let (code, remedy) = match e {
        TargetError::Ambiguous { candidates, .. } => (
            "target-ambiguous",
            format!(
                "give the full path of the {} (in the config or as a flag), e.g. {}",
                e.what(),
                candidates.first().map_or("/DC0/...", String::as_str)
            ),
        ),
        TargetError::NotFound { .. } => (
            "target-not-found",
            format!(
                "give an existing {} as a path (/DC0/...) or a unique name, in the config or as a flag",
                e.what()
            ),
        ),
    };
    Finding::new(CHECK, Severity::Error, code, None, e.to_string(), remedy)
}

/// `inventory-filtered` notes: the viewer's inventory may be partial, or
/// the `--user` audited sees less than the viewer whose view was judged.
/// `check` is the check they are reported under: this one in `vaudit
/// check`, the listing's own in `vaudit folders|pools|templates` when no
/// target is named (a listing is as partial as the view it was read in).
pub fn inventory_filtered(f: &Facts<'_>, check: &str) -> Vec<Finding> {
    let Some(v) = f.snapshot().and_then(|s| s.visibility.as_ref()) else {
        // A snapshot saved without the visibility answers cannot say
        // whether its inventory was partial: say that, not nothing.
        if let super::facts::Access::Offline { .. } = f.vcenter {
            return vec![Finding::new(
                check,
                Severity::Info,
                "inventory-filtered",
                None,
                "whether the inventory in this snapshot is partial is unknown: it holds no answer on what its user could see".to_string(),
                "save the snapshot again with `vaudit check --save` (which asks), or run without --from".to_string(),
            )];
        }
        return vec![];
    };
    let mut out = Vec::new();
    if !v.viewer_partial.is_empty() {
        out.push(Finding::new(
            check,
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
            check,
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
