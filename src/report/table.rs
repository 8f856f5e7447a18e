//! Tables for people: plain and aligned. On a terminal they fit its width
//! as far as they can without breaking an id, a path or a word; anywhere
//! else lines are kept whole (a CI log or a file has no width, and `grep`
//! must find an id on one line). Every cell is made safe for a terminal as
//! it is added, so no caller can forget: a newline or a control character
//! from the server is shown escaped and can never start a line of its own.

use comfy_table::{Cell, ContentArrangement, LineStyle, Row, Table, TableStyle};
use unicode_width::UnicodeWidthStr;

/// No borders, one rule under the header: reads like `govc ls -l`.
const STYLE: TableStyle =
    TableStyle::new().header_separator(LineStyle::none().fill('─').junction('─'));

/// Spaces between two columns unless a table asks for fewer.
const GAP: usize = 2;

use super::sanitize::line;
pub use super::terminal::run_style;
use super::terminal::{self, Paint, paint_if};
use super::terminal::{Style, wrap};
use crate::checks::{Finding, Severity};

/// How a column gives way on a narrow terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Ids, paths, names, morefs, numbers, status words: never broken. A
    /// table grows past the width before one of them is cut.
    Whole,
    /// Prose: wrapped at spaces to share the width the whole columns leave;
    /// a word longer than its share stays whole.
    Wrap,
}

/// One cell: its text (made safe when the row is added) and its colour.
#[derive(Debug, Clone, Default)]
pub struct Text {
    text: String,
    paint: Option<Paint>,
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text {
            text: s.to_string(),
            paint: None,
        }
    }
}

impl From<String> for Text {
    fn from(text: String) -> Text {
        Text { text, paint: None }
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::from(s.as_str())
    }
}

/// A status word (`pass`, `fail`, …) as a cell, coloured when the run is.
pub fn status(word: &str) -> Text {
    Text {
        text: word.to_string(),
        paint: terminal::paint_for(word),
    }
}

/// A table whose every cell is one safe line, laid out by `Fit`.
pub struct Grid {
    columns: Vec<(String, Fit)>,
    rows: Vec<Vec<Text>>,
    style: Style,
    gap: usize,
}

impl Grid {
    /// A table for stdout at the run's width and colour.
    pub fn new(columns: &[(&str, Fit)]) -> Grid {
        Grid::with_style(columns, run_style())
    }

    pub fn with_style(columns: &[(&str, Fit)], style: Style) -> Grid {
        Grid {
            columns: columns
                .iter()
                .map(|(h, f)| (line(h).into_owned(), *f))
                .collect(),
            rows: Vec::new(),
            style,
            gap: GAP,
        }
    }

    /// Spaces between columns (2 unless a wide table needs every column).
    pub fn gap(mut self, gap: usize) -> Grid {
        self.gap = gap;
        self
    }

    /// What the spaces between the columns take.
    fn gaps(&self) -> usize {
        self.gap * self.columns.len().saturating_sub(1)
    }

    /// Adds a row; each cell becomes one line with its control characters
    /// (newlines too) shown escaped. Missing cells are blank.
    pub fn row<T: Into<Text>>(&mut self, cells: impl IntoIterator<Item = T>) {
        let mut row: Vec<Text> = cells
            .into_iter()
            .map(|c| {
                let mut t: Text = c.into();
                if let std::borrow::Cow::Owned(s) = line(&t.text) {
                    t.text = s;
                }
                t
            })
            .collect();
        row.resize(self.columns.len(), Text::default());
        self.rows.push(row);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The width each column's content gets: whole columns their longest
    /// cell; wrapped ones share what is left (none when there is no width).
    fn widths(&self) -> Vec<usize> {
        let cells = |i: usize| {
            std::iter::once(self.columns[i].0.as_str())
                .chain(self.rows.iter().map(move |r| r[i].text.as_str()))
        };
        let natural: Vec<usize> = (0..self.columns.len())
            .map(|i| cells(i).map(UnicodeWidthStr::width).max().unwrap_or(0))
            .collect();
        let Some(width) = self.style.width else {
            return natural;
        };
        let whole: usize = (0..self.columns.len())
            .filter(|&i| self.columns[i].1 == Fit::Whole)
            .map(|i| natural[i])
            .sum();
        let left = width.saturating_sub(whole + self.gaps());
        let mut wrapped: Vec<usize> = (0..self.columns.len())
            .filter(|&i| self.columns[i].1 == Fit::Wrap)
            .collect();
        // Each wrapped column gets its longest word first; what is left goes
        // to those needing least more first, shared evenly among the rest.
        let mut out = natural.clone();
        for &i in &wrapped {
            out[i] = cells(i)
                .flat_map(|c| c.split(' '))
                .map(UnicodeWidthStr::width)
                .max()
                .unwrap_or(0);
        }
        let mut rest = left.saturating_sub(wrapped.iter().map(|&i| out[i]).sum());
        wrapped.sort_by_key(|&i| natural[i] - out[i]);
        let mut n = wrapped.len();
        for i in wrapped {
            let more = (natural[i] - out[i]).min(rest / n);
            out[i] += more;
            rest -= more;
            n -= 1;
        }
        out
    }

    /// The width the table needs at least, every word and id whole.
    pub fn min_width(&self) -> usize {
        let narrowest = Grid {
            columns: self.columns.clone(),
            rows: self.rows.clone(),
            style: Style {
                width: Some(0),
                color: false,
            },
            gap: self.gap,
        };
        narrowest.widths().iter().sum::<usize>() + self.gaps()
    }

    /// The table, lines without trailing spaces and without a final newline.
    pub fn render(&self) -> String {
        let widths = self.widths();
        let fill = |i: usize, s: &str| match self.columns[i].1 {
            Fit::Wrap if self.style.width.is_some() => wrap_words(s, widths[i]),
            _ => s.to_string(),
        };
        let mut t = Table::new();
        t.load_style(STYLE);
        t.set_content_arrangement(ContentArrangement::Disabled);
        // Where crossterm cannot write escapes, its colour would cut the
        // cell short (Windows without virtual-terminal processing).
        let color = self.style.color && terminal::console_shows_escapes();
        if color {
            t.enforce_styling();
        } else {
            t.force_no_tty();
        }
        t.set_header(
            self.columns
                .iter()
                .enumerate()
                .map(|(i, (h, _))| Cell::new(fill(i, h)))
                .collect::<Vec<_>>(),
        );
        for r in &self.rows {
            t.add_row(
                r.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let cell = Cell::new(fill(i, &c.text));
                        match c.paint {
                            Some(p) if color => cell.fg(p.comfy()),
                            _ => cell,
                        }
                    })
                    .collect::<Vec<_>>(),
            );
        }
        // The rule's junctions make comfy-table put one space between
        // columns; padding adds the rest.
        let last = self.columns.len().saturating_sub(1);
        for (i, c) in t.column_iter_mut().enumerate() {
            let right = if i == last {
                0
            } else {
                self.gap.saturating_sub(1)
            };
            c.set_padding((0, u16::try_from(right).unwrap_or(1)));
        }
        t.lines()
            .map(|l| l.trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `s` in lines of at most `width` columns, broken at spaces only: the
/// report's one wrapper, over the words alone (runs of spaces count as one).
fn wrap_words(s: &str, width: usize) -> String {
    let words: Vec<&str> = s.split(' ').filter(|w| !w.is_empty()).collect();
    wrap(&words.join(" "), Some(width), 0)
}

/// A comfy-table built elsewhere, rendered with every cell made one safe
/// line first (a newline in a cell would otherwise start a line of its own).
pub fn render(t: &Table) -> String {
    let safe_row = |r: &Row| -> Vec<Cell> {
        r.cell_iter()
            .map(|c| Cell::new(line(&c.content())))
            .collect()
    };
    let mut safe = Table::new();
    safe.load_style(t.style());
    safe.set_content_arrangement(ContentArrangement::Disabled);
    safe.force_no_tty();
    if let Some(h) = t.header() {
        safe.set_header(safe_row(h));
    }
    for r in t.row_iter() {
        safe.add_row(safe_row(r));
    }
    safe.lines()
        .map(|l| l.trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The findings, worst first, each with its remedy; then a one-line summary.
pub fn findings(findings: &[Finding]) -> String {
    let mut out = finding_lines(findings, run_style());
    out.push_str(&summary_line(findings));
    out
}

/// The findings, worst first, each with its remedy wrapped to the width.
/// A message wraps at 8 columns and a remedy at 11, so `fix:` only ever
/// stands at column 6 on the line vaudit wrote: a server name holding
/// spaces cannot wrap into a line that looks like a fix.
pub fn finding_lines(findings: &[Finding], style: Style) -> String {
    let mut out = String::new();
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    sorted.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.code.cmp(&b.code)));
    for f in sorted {
        let (tag, p) = match f.severity {
            Severity::Error => ("ERROR", Paint::Red),
            Severity::Warning => ("WARN ", Paint::Yellow),
            Severity::Info => ("info ", Paint::Dim),
        };
        let head = wrap(
            &format!("{tag} {}: {}", line(&f.code), line(&f.message)),
            style.width,
            8,
        );
        let head = format!("{}{}", paint_if(style.color, tag, p), &head[tag.len()..]);
        out.push_str(&head);
        out.push('\n');
        out.push_str(&wrap(
            &format!("      fix: {}", line(&f.remedy)),
            style.width,
            11,
        ));
        out.push('\n');
    }
    out
}

pub fn summary_line(findings: &[Finding]) -> String {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    let (e, w, i) = (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    );
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    if e + w + i == 0 {
        return "No findings.\n".into();
    }
    format!(
        "{}, {}, {}.\n",
        plural(e, "error"),
        plural(w, "warning"),
        plural(i, "note")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORGED: &str = "evil\nVerdict: pass.\u{9b}31m\u{202e}txt.exe\r\u{2066}";

    fn plain(width: Option<usize>) -> Style {
        Style {
            width,
            color: false,
        }
    }

    fn assert_clean(out: &str) {
        let bad: Vec<char> = out
            .chars()
            .filter(|&c| c != '\n' && super::super::sanitize::is_control(c))
            .collect();
        assert!(bad.is_empty(), "raw {bad:?} in:\n{out}");
        assert!(
            out.lines().all(|l| !l.trim_start().starts_with("Verdict")),
            "a forged line:\n{out}"
        );
    }

    #[test]
    fn a_newline_in_a_cell_cannot_start_a_line() {
        for width in [None, Some(80), Some(30)] {
            let mut t =
                Grid::with_style(&[("Folder", Fit::Whole), ("Note", Fit::Wrap)], plain(width));
            t.row([FORGED, FORGED]);
            let out = t.render();
            assert_clean(&out);
            assert_eq!(
                out.lines().filter(|l| l.contains("evil")).count(),
                1,
                "{out}"
            );
            assert!(
                out.contains(r"evil\nVerdict: pass.\u{9b}31m\u{202e}txt.exe"),
                "{out}"
            );
        }
    }

    #[test]
    fn a_comfy_table_built_elsewhere_is_made_safe_too() {
        let mut t = Table::new();
        t.set_header(vec!["Key", "Value"]);
        t.add_row(vec!["Product", FORGED]);
        let out = render(&t);
        assert_clean(&out);
    }

    #[test]
    fn piped_nothing_is_wrapped() {
        let prose = "a long sentence of prose ".repeat(10);
        let mut t = Grid::with_style(&[("Id", Fit::Whole), ("Why", Fit::Wrap)], plain(None));
        t.row(["Datastore.AllocateSpace", prose.trim()]);
        let out = t.render();
        assert_eq!(out.lines().count(), 3, "{out}");
    }

    #[test]
    fn a_narrow_terminal_wraps_prose_at_spaces_and_keeps_ids_whole() {
        let id = "VirtualMachine.Config.AddNewDisk";
        let prose = "grant the privilege on the folder or an ancestor with propagate on";
        let mut t = Grid::with_style(&[("Id", Fit::Whole), ("Why", Fit::Wrap)], plain(Some(60)));
        t.row([id, prose]);
        let out = t.render();
        assert_eq!(out.lines().filter(|l| l.contains(id)).count(), 1, "{out}");
        assert!(out.lines().all(|l| l.chars().count() <= 60), "{out}");
        let words: Vec<&str> = out
            .lines()
            .skip(2)
            .flat_map(str::split_whitespace)
            .collect();
        let mut want = vec![id];
        want.extend(prose.split(' '));
        assert_eq!(words, want, "a word was broken:\n{out}");
    }

    #[test]
    fn a_table_too_wide_for_the_terminal_grows_rather_than_cut_an_id() {
        let id = "/DC0/vm/a-very-long-folder-name/with/a/deep/path/to/the/template";
        let mut t = Grid::with_style(
            &[("Path", Fit::Whole), ("Kind", Fit::Whole)],
            plain(Some(20)),
        );
        t.row([id, "vm"]);
        let out = t.render();
        assert!(out.lines().any(|l| l.starts_with(id)), "{out}");
        assert_eq!(t.min_width(), id.len() + GAP + 4);
    }

    #[test]
    fn a_status_cell_is_coloured_only_when_the_run_is() {
        let mut t = Grid::with_style(
            &[("Check", Fit::Whole), ("Status", Fit::Whole)],
            plain(None),
        );
        t.row(["clock".into(), status("fail")]);
        assert!(!t.render().contains('\u{1b}'));
        let mut t = Grid::with_style(
            &[("Check", Fit::Whole), ("Status", Fit::Whole)],
            Style {
                width: None,
                color: true,
            },
        );
        t.row(["clock".into(), status("fail")]);
        let out = t.render();
        assert!(out.contains("fail"), "the status cell is whole: {out}");
        // Windows without virtual-terminal processing (Wine with no
        // console, TERM=dumb) cannot carry the escapes in text.
        assert_eq!(
            out.contains("\u{1b}["),
            terminal::console_shows_escapes(),
            "{out}"
        );
    }
}
