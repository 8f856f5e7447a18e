//! The one output-format type. Each command says which formats it renders;
//! an explicit `--output` it cannot render is an error naming the commands
//! that can, while `VAUDIT_OUTPUT` (set once for a whole CI job) falls back
//! to the command's default.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Junit,
    Markdown,
    /// A manifest as `--manifest` reads it back.
    Toml,
    /// `grant`'s plan as govc commands.
    Sh,
    /// `grant`'s plan as PowerCLI commands.
    Ps1,
}

impl Format {
    pub const ALL: [Format; 7] = [
        Format::Table,
        Format::Json,
        Format::Junit,
        Format::Markdown,
        Format::Toml,
        Format::Sh,
        Format::Ps1,
    ];
    pub const NAMES: [&'static str; 7] =
        ["table", "json", "junit", "markdown", "toml", "sh", "ps1"];

    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    pub fn parse(s: &str) -> Option<Format> {
        let s = s.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// The formats each command renders, for the error that names them.
pub const SUPPORT: &[(&str, &[Format])] = &[
    (
        "check",
        &[Format::Table, Format::Json, Format::Junit, Format::Markdown],
    ),
    (
        "diagnose",
        &[Format::Table, Format::Json, Format::Junit, Format::Markdown],
    ),
    (
        "privileges",
        &[Format::Table, Format::Json, Format::Markdown],
    ),
    ("folders", &[Format::Table, Format::Json, Format::Markdown]),
    ("pools", &[Format::Table, Format::Json, Format::Markdown]),
    (
        "templates",
        &[Format::Table, Format::Json, Format::Markdown],
    ),
    ("about", &[Format::Table, Format::Json]),
    (
        "grant",
        &[
            Format::Table,
            Format::Json,
            Format::Markdown,
            Format::Sh,
            Format::Ps1,
        ],
    ),
    (
        "manifest",
        &[Format::Table, Format::Json, Format::Markdown, Format::Toml],
    ),
];

pub fn supported(command: &str) -> &'static [Format] {
    SUPPORT
        .iter()
        .find(|(c, _)| *c == command)
        .map(|(_, f)| *f)
        .unwrap_or(&[Format::Table, Format::Json])
}

/// The commands that render `f`, for an error message.
pub fn commands_for(f: Format) -> Vec<&'static str> {
    SUPPORT
        .iter()
        .filter(|(_, fs)| fs.contains(&f))
        .map(|(c, _)| *c)
        .collect()
}
