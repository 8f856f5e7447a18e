//! The privilege ids each vCenter version defines, from the cited public
//! pages in `privileges/reference/`, and the ledger of manifest ids those
//! pages have not confirmed yet. Unit tests check every embedded manifest
//! against them, so an id a version lacks is caught before release and an
//! unconfirmed one stays visible.

use std::collections::BTreeSet;

/// (vCenter version, reference list text).
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

/// `VERSION ID` lines: manifest ids no cited page has confirmed for VERSION.
pub const UNCONFIRMED: &str = include_str!("../../privileges/reference/unconfirmed.txt");

/// The meaningful lines of a data file: `#` starts a comment.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// The ids of a reference list.
pub fn ids(text: &str) -> BTreeSet<&str> {
    lines(text).collect()
}

/// The (version, id) pairs of the ledger.
pub fn unconfirmed() -> BTreeSet<(&'static str, &'static str)> {
    lines(UNCONFIRMED)
        .filter_map(|l| l.split_once(' '))
        .map(|(v, id)| (v, id.trim()))
        .collect()
}

/// The versions whose reference list does not confirm `id`, each marked
/// with whether the ledger already records it.
pub fn versions_lacking(id: &str) -> Vec<(&'static str, bool)> {
    let ledger = unconfirmed();
    LISTS
        .iter()
        .filter(|(_, text)| !ids(text).contains(id))
        .map(|(v, _)| (*v, ledger.contains(&(*v, id))))
        .collect()
}
