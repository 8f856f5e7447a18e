//! Why a deployment target a check needs is not there to judge: not given,
//! given empty, or not found. The kinds themselves, how each is given and
//! named, are one table in `config::TargetKind`.

use super::facts::Facts;
pub use crate::config::TargetKind;
use crate::inventory::TargetError;

/// Why a target the check needs is not there to judge, if it is not.
pub fn missing_target(t: TargetKind, facts: &Facts<'_>) -> Option<String> {
    match facts.spec.get(t) {
        None => Some(not_given(t, facts.config)),
        Some(given) if given.trim().is_empty() => Some(format!(
            "{} is empty: give the {} there",
            t.flag(),
            t.what()
        )),
        Some(given) if facts.targets.get(t).is_none() => {
            let ambiguous = facts.target_errors.iter().find_map(|e| match e {
                TargetError::Ambiguous {
                    kind, candidates, ..
                } if *kind == t => candidates.first(),
                _ => None,
            });
            Some(match ambiguous {
                Some(first) => format!(
                    "the {} name {given:?} is ambiguous (see the targets check): give the full path, e.g. {first}",
                    t.what()
                ),
                None => format!(
                    "the {} {given:?} was not found (see the targets check)",
                    t.what()
                ),
            })
        }
        Some(_) => None,
    }
}

/// As `missing_target`, when no targets check runs beside it: the reason
/// itself names the candidates (cli.md §3), not a check that was skipped.
pub fn missing_target_listed(t: TargetKind, facts: &Facts<'_>) -> Option<String> {
    let reason = missing_target(t, facts)?;
    let error = facts.target_errors.iter().find(|e| e.kind() == t);
    Some(match error {
        Some(e @ TargetError::Ambiguous { candidates, .. }) => format!(
            "{e}: give the full path of the {} (in the config or as a flag), e.g. {}",
            t.what(),
            candidates.first().map_or("/DC0/...", String::as_str)
        ),
        Some(e @ TargetError::NotFound { .. }) => format!(
            "{e}: give an existing {} as a path (/DC0/...) or a unique name, in the config or as a flag",
            t.what()
        ),
        None => reason,
    })
}

/// Why a target is not given: its config key is empty, or it is not set.
pub fn not_given(t: TargetKind, config: &crate::config::ArcConfig) -> String {
    if let Some(key) = t.config_key().filter(|k| config.is_empty_key(k)) {
        format!(
            "{} is empty in the config: give the {} there, or {}",
            key,
            t.what(),
            t.flag()
        )
    } else {
        format!("no {} given: set {}", t.what(), t.how_to_give())
    }
}
