//! What the terminal on stdout can take, decided once per run: the width a
//! table may use and whether it is coloured. Pure decisions, so tests need
//! no pseudo-terminal; `cli` feeds them the environment once.

use std::io::IsTerminal;
use std::sync::OnceLock;

use unicode_width::UnicodeWidthStr;

/// `--color`: the user's word beats the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour, the way ripgrep and cargo decide: `--color` first,
/// then `NO_COLOR` (any non-empty value) beats `CLICOLOR_FORCE` (non-zero),
/// which beats `CLICOLOR=0`; otherwise colour only on a terminal that is not
/// `TERM=dumb`.
pub fn decide_color(
    choice: ColorChoice,
    env: &dyn Fn(&str) -> Option<String>,
    is_terminal: bool,
) -> bool {
    let set = |k: &str| env(k).filter(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            if set("NO_COLOR").is_some() {
                false
            } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else if set("CLICOLOR").is_some_and(|v| v == "0") {
                false
            } else {
                is_terminal && set("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

/// A terminal narrower than this is taken as one that does not know its
/// width (a pseudo-terminal reports 0 columns under `script` or `docker
/// run -t`): every column would be one character wide.
const NARROWEST: usize = 20;

/// What a terminal of unknown width is taken to be, as `tput` does.
pub const FALLBACK_WIDTH: usize = 80;

/// The width a table may use: none when stdout is not a terminal (a file or
/// a CI log keeps whole lines); on a terminal `COLUMNS` when it is a number
/// of at least 20, else the terminal's own width when it reports at least
/// 20, else 80.
pub fn decide_width(
    is_terminal: bool,
    columns: Option<&str>,
    terminal_width: Option<u16>,
) -> Option<usize> {
    if !is_terminal {
        return None;
    }
    let usable = |w: usize| (w >= NARROWEST).then_some(w);
    columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .and_then(usable)
        .or(terminal_width.map(usize::from).and_then(usable))
        .or(Some(FALLBACK_WIDTH))
}

static COLOR: OnceLock<bool> = OnceLock::new();

/// Decides colour for the run; later calls change nothing.
pub fn init(choice: ColorChoice) {
    let env = |k: &str| std::env::var(k).ok();
    let shows = std::io::stdout().is_terminal() && console_shows_escapes();
    COLOR.get_or_init(|| decide_color(choice, &env, shows));
}

/// A Windows console shows colour escapes only with virtual-terminal
/// processing on, which this asks for; a console that refuses it (before
/// Windows 10, or a host without it) would print them as `←[31m` litter,
/// so colour stays off there unless `--color always` or `CLICOLOR_FORCE`.
/// A table's cells are coloured by crossterm, which on such a console (or
/// a redirected stdout, unless `TERM` names an ANSI terminal) writes no
/// escape but calls the console API, which a string cannot carry: the
/// table is then plain (`Grid::render`), whatever was asked.
#[cfg(windows)]
pub(crate) fn console_shows_escapes() -> bool {
    crossterm::ansi_support::supports_ansi()
}

#[cfg(not(windows))]
pub(crate) fn console_shows_escapes() -> bool {
    true
}

/// Whether reports are coloured (off unless `init` said so).
pub fn color() -> bool {
    COLOR.get().copied().unwrap_or(false)
}

/// The width tables on stdout may use (`None`: unlimited).
pub fn width() -> Option<usize> {
    let tty = std::io::stdout().is_terminal();
    let columns = std::env::var("COLUMNS").ok();
    decide_width(tty, columns.as_deref(), comfy_table::Table::new().width())
}

/// A colour for a severity or status word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Red,
    Yellow,
    Green,
    Dim,
}

impl Paint {
    fn sgr(self) -> &'static str {
        match self {
            Paint::Red => "\x1b[1;31m",
            Paint::Yellow => "\x1b[33m",
            Paint::Green => "\x1b[32m",
            Paint::Dim => "\x1b[2m",
        }
    }

    pub fn comfy(self) -> comfy_table::Color {
        match self {
            Paint::Red => comfy_table::Color::Red,
            Paint::Yellow => comfy_table::Color::Yellow,
            Paint::Green => comfy_table::Color::Green,
            Paint::Dim => comfy_table::Color::DarkGrey,
        }
    }
}

/// `text` (already made safe) in colour when the run is coloured.
pub fn paint(text: &str, p: Paint) -> String {
    paint_if(color(), text, p)
}

pub fn paint_if(on: bool, text: &str, p: Paint) -> String {
    if on {
        format!("{}{text}\x1b[0m", p.sgr())
    } else {
        text.to_string()
    }
}

/// The colour of a status word (`pass`, `fail`, …) or a severity tag.
pub fn paint_for(word: &str) -> Option<Paint> {
    match word.trim().to_ascii_lowercase().as_str() {
        // Not verified fails the gate (exit 2), as an error does.
        "fail" | "error" | "missing" | "not-verified" | "incomplete" => Some(Paint::Red),
        "warn" | "warning" | "unknown" => Some(Paint::Yellow),
        "pass" | "ok" => Some(Paint::Green),
        "skipped" | "info" | "note" => Some(Paint::Dim),
        _ => None,
    }
}

/// How a table is drawn: the width it may use (`None`: unlimited) and colour.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub width: Option<usize>,
    pub color: bool,
}

impl Style {
    /// No width limit, no colour: text for a file or another program.
    pub const PLAIN: Style = Style {
        width: None,
        color: false,
    };
}

pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `s` cut to `max` characters, the cut shown by an ellipsis.
pub fn fit(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Words wrapped at spaces to `width`, later lines indented by `indent`;
/// a word longer than a line (a path, a command) stays whole. Widths are
/// display columns, so wide characters count twice. The one word-wrapper
/// of the reports: table cells use it too (`table::Grid`).
pub fn wrap(s: &str, width: Option<usize>, indent: usize) -> String {
    let Some(width) = width else {
        return s.to_string();
    };
    let lead = s.len() - s.trim_start_matches(' ').len();
    let mut out = " ".repeat(lead);
    let mut col = lead;
    for (i, word) in s[lead..].split(' ').enumerate() {
        let n = word.width();
        if i > 0 && col > indent && col + 1 + n > width {
            // Spaces the server wrote before the break would trail.
            out.truncate(out.trim_end_matches(' ').len());
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            col = indent;
        } else if i > 0 {
            out.push(' ');
            col += 1;
        }
        out.push_str(word);
        col += n;
    }
    out
}

/// The style of the run: the terminal's width and colour.
pub fn run_style() -> Style {
    Style {
        width: width(),
        color: color(),
    }
}

/// A progress line on stderr, only on a terminal, cleared when dropped so
/// that nothing after it is garbled, whatever path the run takes. The one
/// progress line of every command that collects the inventory.
pub struct Progress {
    on: bool,
    lead: &'static str,
}

impl Progress {
    /// `lead` starts every line (`"checking: "`); `first` is shown until
    /// the first count, if given.
    pub fn start(on: bool, lead: &'static str, first: Option<&str>) -> Progress {
        let on = on && std::io::stderr().is_terminal();
        if let (true, Some(f)) = (on, first) {
            eprint!("{lead}{f}");
        }
        Progress { on, lead }
    }

    pub fn objects(&self, n: usize) {
        if self.on {
            eprint!(
                "\r\x1b[2K{}collecting the inventory: {n} objects",
                self.lead
            );
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.on {
            eprint!("\r\x1b[2K");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_colours_a_terminal_only() {
        assert!(decide_color(ColorChoice::Auto, &env(&[]), true));
        assert!(!decide_color(ColorChoice::Auto, &env(&[]), false));
        assert!(!decide_color(
            ColorChoice::Auto,
            &env(&[("TERM", "dumb")]),
            true
        ));
    }

    #[test]
    fn no_color_beats_clicolor_force() {
        let e = env(&[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]);
        assert!(!decide_color(ColorChoice::Auto, &e, true));
    }

    #[test]
    fn clicolor_force_colours_a_pipe() {
        assert!(decide_color(
            ColorChoice::Auto,
            &env(&[("CLICOLOR_FORCE", "1")]),
            false
        ));
        assert!(!decide_color(
            ColorChoice::Auto,
            &env(&[("CLICOLOR_FORCE", "0")]),
            false
        ));
    }

    #[test]
    fn clicolor_0_turns_a_terminal_plain() {
        assert!(!decide_color(
            ColorChoice::Auto,
            &env(&[("CLICOLOR", "0")]),
            true
        ));
    }

    #[test]
    fn the_flag_beats_the_environment() {
        assert!(decide_color(
            ColorChoice::Always,
            &env(&[("NO_COLOR", "1")]),
            false
        ));
        assert!(!decide_color(
            ColorChoice::Never,
            &env(&[("CLICOLOR_FORCE", "1")]),
            true
        ));
    }

    #[test]
    fn a_pipe_has_no_width_limit() {
        assert_eq!(decide_width(false, Some("80"), Some(80)), None);
        assert_eq!(decide_width(true, Some("200"), Some(80)), Some(200));
        assert_eq!(decide_width(true, Some("x"), Some(120)), Some(120));
    }

    #[test]
    fn a_terminal_reporting_no_width_is_80_wide() {
        assert_eq!(decide_width(true, None, Some(0)), Some(80));
        assert_eq!(decide_width(true, None, None), Some(80));
        assert_eq!(decide_width(true, None, Some(3)), Some(80));
    }

    #[test]
    fn columns_0_or_not_a_number_is_ignored() {
        assert_eq!(decide_width(true, Some("0"), Some(0)), Some(80));
        assert_eq!(decide_width(true, Some("abc"), Some(0)), Some(80));
        assert_eq!(decide_width(true, Some("0"), Some(132)), Some(132));
        assert_eq!(decide_width(true, Some("-5"), Some(100)), Some(100));
        assert_eq!(decide_width(true, Some(" 60 "), Some(100)), Some(60));
    }
}
