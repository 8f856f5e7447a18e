//! The one place that chooses a renderer: `emit` is the only `match` on the
//! output format. Each command's report is a `Page` that knows how it reads
//! in each format it writes (the formats it does not write were refused by
//! `format::supported` before anything ran).

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::sanitize::for_terminal;
use super::terminal::{Style, run_style};
use super::{Document, Format, VCenter, markdown, verdict};
use crate::checks::{CheckResult, EntityRef, Finding, Severity, Status, Verdict};

/// A report, in every format a command writes.
pub trait Page {
    /// The `vaudit/v1` document (or, for `manifest`, its own).
    fn json(&self, out: &mut dyn Write) -> io::Result<()>;
    /// The report for people, its closing sentence included.
    fn table(&self, style: Style) -> String;
    fn markdown(&self) -> String {
        self.table(Style::PLAIN)
    }
    fn junit(&self) -> String {
        self.markdown()
    }
    fn toml(&self) -> String {
        self.markdown()
    }
    /// `grant`'s plan as govc commands.
    fn sh(&self) -> String {
        self.markdown()
    }
    /// `grant`'s plan as PowerCLI commands.
    fn ps1(&self) -> String {
        self.markdown()
    }
    /// Said on stderr when stdout is for a script (every format but table).
    fn aside(&self) -> String {
        String::new()
    }
}

/// Writes `page` in `format` to `out`, and its aside to `err`.
pub fn emit(
    format: Format,
    page: &dyn Page,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    let text = match format {
        Format::Table => return out.write_all(page.table(run_style()).as_bytes()),
        Format::Json => {
            err.write_all(page.aside().as_bytes())?;
            return page.json(out);
        }
        Format::Junit => page.junit(),
        Format::Markdown => page.markdown(),
        Format::Toml => page.toml(),
        Format::Sh => page.sh(),
        Format::Ps1 => page.ps1(),
    };
    err.write_all(page.aside().as_bytes())?;
    out.write_all(text.as_bytes())
}

/// `emit` to this process's stdout and stderr.
pub fn print(format: Format, page: &dyn Page) -> io::Result<()> {
    emit(
        format,
        page,
        &mut io::stdout().lock(),
        &mut io::stderr().lock(),
    )
}

/// Whether a progress line may be drawn on stderr: only beside a table,
/// a report for people.
pub fn shows_progress(format: Format) -> bool {
    format == Format::Table
}

/// What every command that judges reports, whatever its body: the
/// results, the findings, the verdict and its closing sentence.
pub struct Judged<'a> {
    /// The markdown heading.
    pub title: String,
    pub vcenter: &'a VCenter,
    pub targets: Option<BTreeMap<&'static str, EntityRef>>,
    pub results: &'a [CheckResult],
    pub findings: &'a [Finding],
    pub fail_on: Severity,
}

impl Judged<'_> {
    pub fn verdict(&self) -> Verdict {
        Verdict::of(self.results)
    }

    /// The exit code the report ends with.
    pub fn exit_code(&self) -> u8 {
        super::exit::of_verdict(self.verdict())
    }

    /// The `vaudit/v1` document with the command's `body` flattened in.
    pub fn json<B: Serialize>(&self, body: B, out: &mut dyn Write) -> io::Result<()> {
        super::write_json(
            out,
            &Document::new(
                self.vcenter.clone(),
                self.targets.clone(),
                self.results.to_vec(),
                self.findings.to_vec(),
                body,
            ),
        )
    }

    pub fn markdown(&self) -> String {
        markdown::render(&self.title, self.verdict(), self.results, self.findings)
    }

    /// The last line of every table report, and its newline.
    pub fn closing(&self, style: Style) -> String {
        let mut s = verdict::closing_line(
            self.results,
            self.findings,
            self.fail_on == Severity::Warning,
            style.color,
        );
        s.push('\n');
        s
    }

    /// For stderr: each check not verified, its reason and its findings
    /// (reasons and findings quote inventory names from the server).
    pub fn not_verified_aside(&self) -> String {
        let mut out = String::new();
        for r in self
            .results
            .iter()
            .filter(|r| r.status == Status::NotVerified)
        {
            out.push_str(&format!(
                "error: {} not verified: {}\n",
                r.name,
                for_terminal(r.reason.as_deref().unwrap_or(""))
            ));
            for f in self.findings.iter().filter(|f| f.check == r.name) {
                out.push_str(&format!(
                    "  {}\n  fix: {}\n",
                    for_terminal(&f.message),
                    for_terminal(&f.remedy)
                ));
            }
        }
        out
    }
}

/// A run that ended without its own body: the results and findings alone,
/// nothing at all in a table (the error on stderr is the whole story there).
pub struct Bare<'a> {
    pub judged: Judged<'a>,
    /// The JUnit document, when the command writes JUnit.
    pub junit: Option<String>,
    /// Whether markdown shows it (else it writes nothing).
    pub markdown: bool,
}

impl Page for Bare<'_> {
    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        #[derive(Serialize)]
        struct Empty {}
        self.judged.json(Empty {}, out)
    }

    fn table(&self, _: Style) -> String {
        String::new()
    }

    fn markdown(&self) -> String {
        match self.markdown {
            true => self.judged.markdown(),
            false => String::new(),
        }
    }

    fn junit(&self) -> String {
        self.junit.clone().unwrap_or_default()
    }
}
