//! Reading a manifest file: TOML into [`Manifest`], with errors that name the
//! file, the line and what to change.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::IMPLIED;
use super::model::{
    EntityKind, Level, Manifest, ManifestOption, Privilege, UsedOn, default_on, default_used_on,
};

/// Why a manifest could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("Cannot read the manifest file {}: {source}.", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The file is not valid TOML, or a key has the wrong type or name.
    #[error(
        "The manifest {origin} is not valid TOML{}{}: {message}.",
        at(location),
        key_note(key)
    )]
    Syntax {
        origin: String,
        location: Option<Location>,
        /// The key on (or above) the line the error points at.
        key: Option<String>,
        message: String,
    },
    /// The TOML is well formed but an entry is not usable.
    #[error("The manifest {origin}{}: {problem}.", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Invalid {
        origin: String,
        /// The line of the offending entry (its value), when there is one.
        line: Option<usize>,
        problem: Problem,
    },
}

/// A 1-based line and column in a manifest file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Location {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

fn at(location: &Option<Location>) -> String {
    location.map(|l| format!(" at {l}")).unwrap_or_default()
}

fn key_note(key: &Option<String>) -> String {
    key.as_ref()
        .map(|k| format!(" (key `{k}`)"))
        .unwrap_or_default()
}

/// What is wrong with well-formed manifest content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    EmptyName,
    NoPrivileges,
    EmptyId,
    /// The id is not `Group.Sub.Name` of letters, digits and dots.
    BadId {
        id: String,
    },
    /// The id is one of [`IMPLIED`].
    Implied {
        id: String,
    },
    Duplicate {
        id: String,
        first_line: usize,
    },
    /// `group` or `label` is empty.
    EmptyField {
        id: String,
        field: &'static str,
    },
    UnknownLevel {
        id: String,
        value: String,
    },
    UnknownKind {
        id: String,
        value: String,
    },
    /// `used_on` is neither `container` nor `vm`.
    UnknownUsedOn {
        id: String,
        value: String,
    },
    /// `on` is empty, or left out for an id the default table does not cover.
    NoKinds {
        id: String,
        missing: bool,
    },
    /// `condition` names no `[[option]]` of the manifest.
    UnknownCondition {
        id: String,
        value: String,
        known: Vec<String>,
    },
    /// An `[[option]]` name is empty or not lowercase letters, digits and dashes.
    BadOptionName {
        name: String,
    },
    /// Two `[[option]]` tables share a name.
    DuplicateOption {
        name: String,
    },
}

fn kinds_list() -> String {
    EntityKind::all()
        .map(|k| k.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn levels_list() -> String {
    Level::ALL
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::EmptyName => f.write_str("the manifest name is empty"),
            Problem::NoPrivileges => f.write_str("it lists no privileges"),
            Problem::EmptyId => f.write_str("a privilege has an empty id"),
            Problem::BadId { id } => write!(
                f,
                "privilege id {id:?} is not of the form Group.Sub.Name (letters and digits separated by dots)"
            ),
            Problem::Implied { id } => write!(
                f,
                "privilege {id} is implied in every vSphere role and cannot be checked"
            ),
            Problem::Duplicate { id, first_line } => write!(
                f,
                "privilege {id} is already listed on the same entity kind at line {first_line}"
            ),
            Problem::EmptyField { id, field } => write!(f, "privilege {id} has an empty {field}"),
            Problem::UnknownLevel { id, value } => write!(
                f,
                "privilege {id} has unknown level {value:?} (valid levels: {})",
                levels_list()
            ),
            Problem::UnknownKind { id, value } => write!(
                f,
                "privilege {id} has unknown entity kind {value:?} in on (valid kinds: {})",
                kinds_list()
            ),
            Problem::UnknownUsedOn { id, value } => write!(
                f,
                "privilege {id} has unknown used_on {value:?} (valid: container, vm)"
            ),
            Problem::NoKinds { id, missing: false } => {
                write!(f, "privilege {id} has an empty on list")
            }
            Problem::NoKinds { id, missing: true } => write!(
                f,
                "privilege {id} has no on list and no default applies to it"
            ),
            Problem::UnknownCondition { id, value, known } => write!(
                f,
                "privilege {id} has condition {value:?}, which is not one of the manifest's options ({})",
                if known.is_empty() {
                    "it declares none".to_string()
                } else {
                    known.join(", ")
                }
            ),
            Problem::BadOptionName { name } => write!(
                f,
                "option name {name:?} is not a word of lowercase letters, digits and dashes"
            ),
            Problem::DuplicateOption { name } => write!(f, "option {name} is declared twice"),
        }
    }
}

impl ManifestError {
    /// A one-line fix an administrator can apply.
    pub fn remedy(&self) -> String {
        match self {
            ManifestError::Unreadable { path, .. } => format!(
                "Check that {} exists and is readable by this user, or omit --manifest to use the built-in manifest.",
                path.display()
            ),
            ManifestError::Syntax {
                origin, location, ..
            } => format!(
                "Fix the TOML{} of {origin}; each entry is a [[privilege]] table with the keys id, group, label, level and on.",
                location
                    .map(|l| format!(" at line {}", l.line))
                    .unwrap_or_default()
            ),
            ManifestError::Invalid { problem, line, .. } => {
                let at = line.map(|l| format!(" at line {l}")).unwrap_or_default();
                match problem {
                    Problem::EmptyName => {
                        "Set name to a short word, e.g. name = \"my-appliance\".".into()
                    }
                    Problem::NoPrivileges => {
                        "Add at least one [[privilege]] table with id, group, label, level and on."
                            .into()
                    }
                    Problem::EmptyId | Problem::BadId { .. } => format!(
                        "Set id{at} to the vSphere API privilege id, e.g. \"VirtualMachine.Config.AddNewDisk\"; the vSphere Client's name goes in label."
                    ),
                    Problem::Implied { .. } => format!(
                        "Remove the entry{at}: System.Anonymous, System.View and System.Read are part of every role."
                    ),
                    Problem::Duplicate { first_line, .. } => format!(
                        "Remove one of the two entries (line {first_line}{}).",
                        line.map(|l| format!(" or line {l}")).unwrap_or_default()
                    ),
                    Problem::EmptyField { field, .. } => format!(
                        "Set {field}{at} to the words the vSphere Client shows for this privilege."
                    ),
                    Problem::UnknownLevel { .. } => {
                        format!("Set level{at} to \"required\" or \"recommended\".")
                    }
                    Problem::UnknownUsedOn { .. } => format!(
                        "Set used_on{at} to \"vm\" when the new VM itself needs it, or \"container\" when it is used on the folder or pool."
                    ),
                    Problem::UnknownKind { .. } | Problem::NoKinds { .. } => format!(
                        "List in on{at} one or more of {} (vcenter is the root), e.g. on = [\"folder\"].",
                        kinds_list()
                    ),
                    Problem::UnknownCondition { value, .. } => format!(
                        "Declare the option with [[option]] name = \"{value}\" and a description, or fix condition{at}."
                    ),
                    Problem::BadOptionName { .. } => format!(
                        "Name the option{at} with lowercase letters, digits and dashes, e.g. \"installer-creates-folder\"."
                    ),
                    Problem::DuplicateOption { .. } => {
                        format!("Remove one of the two [[option]] tables (one is{at}).")
                    }
                }
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    option: Vec<RawOption>,
    #[serde(default)]
    privilege: Vec<RawPrivilege>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOption {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPrivilege {
    id: Spanned<String>,
    group: Spanned<String>,
    label: Spanned<String>,
    level: Spanned<String>,
    #[serde(default)]
    on: Option<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    used_on: Option<Spanned<String>>,
    #[serde(default)]
    propagate: Option<bool>,
    #[serde(default)]
    condition: Option<Spanned<String>>,
}

/// Reads and validates a manifest file.
pub fn load_file(path: &Path) -> Result<Manifest, ManifestError> {
    let text = crate::files::read_text(path, crate::files::MAX_CONFIG).map_err(|e| {
        ManifestError::Unreadable {
            path: path.to_path_buf(),
            source: e.into(),
        }
    })?;
    parse(&text, &path.display().to_string())
}

/// Parses and validates manifest text; `origin` names it in errors (a path).
pub fn parse(text: &str, origin: &str) -> Result<Manifest, ManifestError> {
    let raw: RawManifest = toml::from_str(text).map_err(|e| syntax_error(text, origin, &e))?;
    let invalid = |span: Option<Range<usize>>, problem: Problem| ManifestError::Invalid {
        origin: origin.to_string(),
        line: span.map(|s| location(text, s.start).line),
        problem,
    };
    let line_of = |span: Range<usize>| location(text, span.start).line;

    if raw.name.get_ref().trim().is_empty() {
        return Err(invalid(Some(raw.name.span()), Problem::EmptyName));
    }
    if raw.privilege.is_empty() {
        return Err(invalid(None, Problem::NoPrivileges));
    }

    let mut options: Vec<ManifestOption> = Vec::with_capacity(raw.option.len());
    for o in raw.option {
        let span = o.name.span();
        let name = o.name.into_inner();
        if !valid_option_name(&name) {
            return Err(invalid(Some(span), Problem::BadOptionName { name }));
        }
        if options.iter().any(|known| known.name == name) {
            return Err(invalid(Some(span), Problem::DuplicateOption { name }));
        }
        options.push(ManifestOption {
            name,
            description: o.description,
        });
    }

    // (id, kind) -> the line of the entry that first named it.
    let mut seen: HashMap<(String, EntityKind), usize> = HashMap::new();
    let mut privileges = Vec::with_capacity(raw.privilege.len());
    for p in raw.privilege {
        let id_span = p.id.span();
        let id = p.id.into_inner();
        if id.is_empty() {
            return Err(invalid(Some(id_span), Problem::EmptyId));
        }
        if IMPLIED.contains(&id.as_str()) {
            return Err(invalid(Some(id_span), Problem::Implied { id }));
        }
        if !valid_id(&id) {
            return Err(invalid(Some(id_span), Problem::BadId { id }));
        }
        for (field, value) in [("group", &p.group), ("label", &p.label)] {
            if value.get_ref().trim().is_empty() {
                return Err(invalid(
                    Some(value.span()),
                    Problem::EmptyField { id, field },
                ));
            }
        }

        let Some(level) = Level::from_word(p.level.get_ref()) else {
            let value = p.level.get_ref().clone();
            return Err(invalid(
                Some(p.level.span()),
                Problem::UnknownLevel { id, value },
            ));
        };

        let on = match p.on {
            Some(list) => {
                let list_span = list.span();
                let mut on = Vec::new();
                for word in list.into_inner() {
                    let Some(kind) = EntityKind::from_word(word.get_ref()) else {
                        let value = word.get_ref().clone();
                        return Err(invalid(
                            Some(word.span()),
                            Problem::UnknownKind { id, value },
                        ));
                    };
                    if !on.contains(&kind) {
                        on.push(kind);
                    }
                }
                if on.is_empty() {
                    return Err(invalid(
                        Some(list_span),
                        Problem::NoKinds { id, missing: false },
                    ));
                }
                on
            }
            None => match default_on(&id) {
                Some(on) => on,
                None => {
                    return Err(invalid(
                        Some(id_span),
                        Problem::NoKinds { id, missing: true },
                    ));
                }
            },
        };

        for &kind in &on {
            if let Some(&first_line) = seen.get(&(id.clone(), kind)) {
                return Err(invalid(
                    Some(id_span),
                    Problem::Duplicate { id, first_line },
                ));
            }
        }
        for &kind in &on {
            seen.insert((id.clone(), kind), line_of(id_span.clone()));
        }

        let condition = match p.condition {
            None => None,
            Some(c) => {
                if !options.iter().any(|o| &o.name == c.get_ref()) {
                    let value = c.get_ref().clone();
                    let known = options.iter().map(|o| o.name.clone()).collect();
                    return Err(invalid(
                        Some(c.span()),
                        Problem::UnknownCondition { id, value, known },
                    ));
                }
                Some(c.into_inner())
            }
        };

        let used_on = match p.used_on {
            None => default_used_on(&id),
            Some(w) => match UsedOn::from_word(w.get_ref()) {
                Some(u) => u,
                None => {
                    let value = w.get_ref().clone();
                    return Err(invalid(
                        Some(w.span()),
                        Problem::UnknownUsedOn { id, value },
                    ));
                }
            },
        };
        privileges.push(Privilege {
            used_on,
            id,
            group: p.group.into_inner(),
            label: p.label.into_inner(),
            level,
            on,
            propagate: p.propagate.unwrap_or(true),
            condition,
        });
    }

    Ok(Manifest {
        name: raw.name.into_inner(),
        description: raw.description,
        source: raw.source,
        version: raw.version,
        date: raw.date,
        options,
        privileges,
        switched_on: Vec::new(),
    })
}

/// An option name: lowercase ASCII letters, digits and dashes, starting
/// with a letter, so it reads the same on a command line and in a file.
fn valid_option_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `Group.Sub.Name`: two or more dot-separated parts of ASCII letters and
/// digits, each starting with a letter.
fn valid_id(id: &str) -> bool {
    let mut parts = 0;
    for part in id.split('.') {
        parts += 1;
        let mut chars = part.chars();
        match chars.next() {
            Some(c) if c.is_ascii_alphabetic() => {}
            _ => return false,
        }
        if !chars.all(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
    }
    parts >= 2
}

fn syntax_error(text: &str, origin: &str, e: &toml::de::Error) -> ManifestError {
    let location = e.span().map(|s| location(text, s.start));
    let key = e.span().and_then(|s| key_at(text, s.start));
    let message = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    // The value TOML quotes may come from a file that is no manifest.
    let message = crate::files::withhold_quoted(message.trim_end_matches('.'));
    ManifestError::Syntax {
        origin: origin.to_string(),
        location,
        key,
        message,
    }
}

/// The 1-based line and column (in characters) of a byte offset.
pub(super) fn location(text: &str, offset: usize) -> Location {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    Location { line, column }
}

/// The key the error at `offset` belongs to: the key of the `key = value`
/// line it is on, or of the nearest such line above it (a value spanning
/// lines), or the name of a `[table]` header.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let line_no = location(text, offset).line;
    let lines: Vec<&str> = text.lines().collect();
    let last = line_no.min(lines.len());
    for line in lines[..last].iter().rev() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        if t.starts_with('[') {
            let name = t.trim_start_matches('[');
            let name = name.split(']').next().unwrap_or("").trim();
            return (!name.is_empty()).then(|| name.to_string());
        }
        if let Some((k, _)) = t.split_once('=') {
            let k = k.trim();
            if !k.is_empty()
                && k.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '"' | '\'' | ' ')
                })
            {
                return Some(k.trim_matches(['"', '\'']).to_string());
            }
        }
    }
    None
}
