//! The privilege ids each vCenter version defines, from the public lists in
//! `privileges/reference/`: every embedded manifest is checked against them
//! by unit tests, so an id a version lacks is caught before release.

use std::collections::BTreeSet;

/// (vCenter version, list text).
pub const LISTS: &[(&str, &str)] = &[
    (
        "7.0",
        include_str!("../../privileges/reference/vcenter-7.0.txt"),
    ),
    (
        "8.0",
        include_str!("../../privileges/reference/vcenter-8.0.txt"),
    ),
];

/// The ids of a list: one a line, `#` starts a comment.
pub fn ids(text: &str) -> BTreeSet<&str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The versions whose list lacks `id`.
pub fn versions_lacking(id: &str) -> Vec<&'static str> {
    LISTS
        .iter()
        .filter(|(_, text)| !ids(text).contains(id))
        .map(|(v, _)| *v)
        .collect()
}
