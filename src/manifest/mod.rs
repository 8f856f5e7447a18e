//! Privilege manifests: which vSphere privileges an appliance needs, at what
//! level and on which entity kinds (cli.md §7).
//!
//! The built-in manifests live in `privileges/*.toml` and are compiled in;
//! `--manifest FILE` loads a user's file of the same form with [`load_file`].

mod load;
mod model;
#[cfg(test)]
mod reference;
mod resolve;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_products;

/// The deployment targets, which with the root are the kinds a manifest names.
pub use crate::config::TargetKind;
pub use load::{Location, ManifestError, Problem, load_file, parse};
pub use model::{
    EntityKind, Level, Manifest, ManifestOption, Privilege, UnknownOption, UsedOn, default_on,
    default_used_on,
};
pub use resolve::{ResolveError, Resolved, load, resolve};

/// System.Anonymous/View/Read are implied in every role and never reported.
pub const IMPLIED: &[&str] = &["System.Anonymous", "System.View", "System.Read"];

/// The name of the manifest used when none is given.
pub const DEFAULT_NAME: &str = "arc-resource-bridge";

/// The embedded manifest files: (path in the repository, text).
const EMBEDDED: &[(&str, &str)] = &[
    (
        "privileges/arc-resource-bridge.toml",
        include_str!("../../privileges/arc-resource-bridge.toml"),
    ),
    (
        "privileges/openshift-ipi.toml",
        include_str!("../../privileges/openshift-ipi.toml"),
    ),
    (
        "privileges/eks-anywhere.toml",
        include_str!("../../privileges/eks-anywhere.toml"),
    ),
    (
        "privileges/vsphere-csi.toml",
        include_str!("../../privileges/vsphere-csi.toml"),
    ),
];

/// Every built-in manifest, sorted by name. The embedded files are checked
/// by unit tests, so none is ever left out in practice.
pub fn builtin() -> Vec<Manifest> {
    let mut all: Vec<Manifest> = EMBEDDED
        .iter()
        .filter_map(|(path, text)| parse(text, path).ok())
        .collect();
    all.sort_by(|a, b| a.name.cmp(&b.name));
    all
}

/// The built-in manifest with this name.
pub fn builtin_named(name: &str) -> Option<Manifest> {
    builtin().into_iter().find(|m| m.name == name)
}

/// The embedded file of the manifest called `name`, as written: what
/// `manifest show -o toml` prints, so `--manifest` reads back the same
/// manifest, comments and sources included.
pub fn builtin_source(name: &str) -> Option<&'static str> {
    EMBEDDED
        .iter()
        .find(|(path, text)| parse(text, path).is_ok_and(|m| m.name == name))
        .map(|(_, text)| *text)
}

/// The `arc-resource-bridge` manifest.
pub fn default_manifest() -> Manifest {
    // The embedded file is validated by `tests::embedded_manifest_parses`.
    builtin_named(DEFAULT_NAME).expect("the embedded arc-resource-bridge manifest is valid")
}
