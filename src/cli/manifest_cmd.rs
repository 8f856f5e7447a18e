//! `vaudit manifest [list | show NAME|FILE]`: the embedded privilege
//! manifests, or a user's file read the way `--manifest` reads it.

use serde::Serialize;

use super::args::{ManifestAction, ManifestArgs, OutputArgs};
use super::error::Error;
use super::output;
use crate::manifest::{self, Manifest, ResolveError};
use crate::report::{self, Format, table};

pub fn run(args: &ManifestArgs) -> Result<u8, Error> {
    let pick = |o: &OutputArgs| OutputArgs {
        output: o.output.or(args.output.output),
    };
    match &args.action {
        Some(ManifestAction::List { output }) => list(&pick(output)),
        Some(ManifestAction::Show {
            name,
            manifest_option,
            output,
        }) => show(name.as_deref(), manifest_option, &pick(output)),
        None => show(None, &[], &args.output),
    }
}

/// One manifest in `manifest list -o json`.
#[derive(Serialize)]
struct ListEntry<'a> {
    name: &'a str,
    description: &'a str,
    version: Option<&'a str>,
    source: Option<&'a str>,
    date: Option<&'a str>,
    /// Entries with no condition: what a run without options checks.
    privileges: usize,
    options: Vec<&'a str>,
}

fn list(out: &OutputArgs) -> Result<u8, Error> {
    let all = manifest::builtin();
    match output::resolve("manifest", out.output)? {
        Format::Toml => {
            return Err(Error::usage(
                "--output toml writes one manifest, and list names them all",
                "give vaudit manifest show NAME --output toml",
            ));
        }
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                schema: &'static str,
                manifests: Vec<ListEntry<'a>>,
            }
            report::print_json(&Doc {
                schema: report::SCHEMA,
                manifests: all
                    .iter()
                    .map(|m| ListEntry {
                        name: &m.name,
                        description: &m.description,
                        version: m.version.as_deref(),
                        source: m.source.as_deref(),
                        date: m.date.as_deref(),
                        privileges: unconditional(m),
                        options: m.options.iter().map(|o| o.name.as_str()).collect(),
                    })
                    .collect(),
            })?;
        }
        Format::Markdown => println!("{}", report::manifest::list_markdown(&all)),
        _ => println!("{}", report::manifest::list(&all, table::run_style())),
    }
    Ok(0)
}

fn unconditional(m: &Manifest) -> usize {
    m.privileges
        .iter()
        .filter(|p| p.condition.is_none())
        .count()
}

fn show(given: Option<&str>, options: &[String], out: &OutputArgs) -> Result<u8, Error> {
    let usage = |e: ResolveError| Error::usage(e.to_string(), e.remedy());
    let resolved = manifest::resolve(given.unwrap_or(manifest::DEFAULT_NAME)).map_err(usage)?;
    let full = &resolved.manifest;
    let m = full
        .with_options(options)
        .map_err(|e| usage(ResolveError::Option(e)))?;
    match output::resolve("manifest", out.output)? {
        Format::Json => {
            #[derive(Serialize)]
            struct OptionState<'a> {
                name: &'a str,
                description: &'a str,
                enabled: bool,
                privileges: usize,
            }
            #[derive(Serialize)]
            struct Doc<'a> {
                schema: &'static str,
                /// The manifest with the given options applied.
                manifest: &'a Manifest,
                options: Vec<OptionState<'a>>,
                #[serde(skip_serializing_if = "Option::is_none")]
                file: Option<&'a str>,
            }
            report::print_json(&Doc {
                schema: report::SCHEMA,
                manifest: &m,
                options: full
                    .option_counts()
                    .into_iter()
                    .map(|(o, n)| OptionState {
                        name: &o.name,
                        description: &o.description,
                        enabled: options.contains(&o.name),
                        privileges: n,
                    })
                    .collect(),
                file: resolved.file.as_deref(),
            })?;
        }
        Format::Toml => {
            // The file as written, comments and conditions included: the
            // options are chosen by each run, not stored.
            std::io::Write::write_all(&mut std::io::stdout().lock(), resolved.text.as_bytes())?;
        }
        Format::Markdown => println!("{}", report::manifest::render_markdown(full, &m, options)),
        _ => {
            print!("{}", report::manifest::header(full, options));
            println!("{}", report::manifest::render(&m, table::run_style()));
        }
    }
    Ok(0)
}
