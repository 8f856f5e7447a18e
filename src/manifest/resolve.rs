//! `--manifest NAME|FILE`: an embedded manifest by name, else a user's file,
//! and the options a run switches on.

use std::path::Path;

use super::model::{Manifest, UnknownOption};
use super::{EMBEDDED, ManifestError, builtin, load_file, parse};

/// A manifest as given, with the text it was read from (what `manifest
/// show -o toml` prints, so `--manifest FILE` reads back the same thing).
#[derive(Debug, Clone)]
pub struct Resolved {
    pub manifest: Manifest,
    pub text: String,
    /// `None` for an embedded manifest, else the file it was read from.
    pub file: Option<String>,
}

/// Why `--manifest` or `--manifest-option` cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// The value names no embedded manifest and no file.
    #[error(
        "There is no embedded manifest named {given:?} and no file of that name{}.",
        nearest.as_ref().map(|n| format!(" (did you mean {n}?)")).unwrap_or_default()
    )]
    NotFound {
        given: String,
        nearest: Option<String>,
        names: Vec<String>,
    },
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Option(#[from] UnknownOption),
}

impl ResolveError {
    /// A one-line fix.
    pub fn remedy(&self) -> String {
        match self {
            ResolveError::NotFound { names, .. } => format!(
                "Give one of the embedded manifests ({}; see vaudit manifest list) or the path of a manifest file.",
                names.join(", ")
            ),
            ResolveError::Manifest(e) => e.remedy(),
            ResolveError::Option(e) => {
                if e.known.is_empty() {
                    "Leave --manifest-option out for this manifest.".into()
                } else {
                    format!(
                        "Give --manifest-option with one of: {} (vaudit manifest show {} lists them).",
                        e.known.join(", "),
                        e.manifest
                    )
                }
            }
        }
    }
}

/// The manifest `given` names: an embedded manifest of that name, else the
/// file at that path. A value that is neither is an error naming the
/// nearest embedded name.
pub fn resolve(given: &str) -> Result<Resolved, ResolveError> {
    if let Some((_, text)) = EMBEDDED
        .iter()
        .find(|(path, text)| parse(text, path).is_ok_and(|m| m.name == given))
    {
        let manifest = parse(text, given)?;
        return Ok(Resolved {
            manifest,
            text: (*text).to_string(),
            file: None,
        });
    }
    let path = Path::new(given);
    if path.exists() || looks_like_a_path(given) {
        let manifest = load_file(path)?;
        // Read again only to print it: load_file has just read it whole.
        let text = crate::files::read_text(path, crate::files::MAX_CONFIG).map_err(|e| {
            ManifestError::Unreadable {
                path: path.to_path_buf(),
                source: e.into(),
            }
        })?;
        return Ok(Resolved {
            manifest,
            text,
            file: Some(given.to_string()),
        });
    }
    let names: Vec<String> = builtin().into_iter().map(|m| m.name).collect();
    Err(ResolveError::NotFound {
        given: given.to_string(),
        nearest: nearest(given, &names),
        names,
    })
}

/// The manifest a run checks: `given` (or the default) with `options`
/// switched on. Every kind has a target option; a kind left without one is
/// checked on a stand-in and reported not-verified (`checked_on`).
pub fn load(given: Option<&str>, options: &[String]) -> Result<Manifest, ResolveError> {
    Ok(resolve(given.unwrap_or(super::DEFAULT_NAME))?
        .manifest
        .with_options(options)?)
}

/// A value with a separator or a `.toml` ending is meant as a file, so a
/// missing one is reported as an unreadable file, not as an unknown name.
fn looks_like_a_path(given: &str) -> bool {
    given.contains(['/', '\\']) || given.ends_with(".toml")
}

/// The embedded name closest to `given`, when one is close enough to be a
/// likely typo.
fn nearest(given: &str, names: &[String]) -> Option<String> {
    names
        .iter()
        .map(|n| {
            let score = if !given.is_empty() && n.starts_with(given) {
                1.0
            } else {
                strsim::normalized_damerau_levenshtein(given, n)
            };
            (score, n)
        })
        .filter(|(score, _)| *score >= 0.5)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n.clone())
}
