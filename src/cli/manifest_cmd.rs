//! `vaudit manifest [list | show NAME]`: the embedded privilege manifests.

use serde::Serialize;

use super::args::{ManifestAction, ManifestArgs, OutputArgs};
use super::error::Error;
use super::output;
use crate::manifest::{self, Manifest};
use crate::report::{self, Format, table};

pub fn run(args: &ManifestArgs) -> Result<u8, Error> {
    let pick = |o: &OutputArgs| OutputArgs {
        output: o.output.or(args.output.output),
    };
    match &args.action {
        Some(ManifestAction::List { output }) => list(&pick(output)),
        Some(ManifestAction::Show { name, output }) => show(name.as_deref(), &pick(output)),
        None => show(None, &args.output),
    }
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
            struct Entry<'a> {
                name: &'a str,
                description: &'a str,
                source: Option<&'a str>,
                privileges: usize,
            }
            #[derive(Serialize)]
            struct Doc<'a> {
                schema: &'static str,
                manifests: Vec<Entry<'a>>,
            }
            report::print_json(&Doc {
                schema: report::SCHEMA,
                manifests: all
                    .iter()
                    .map(|m| Entry {
                        name: &m.name,
                        description: &m.description,
                        source: m.source.as_deref(),
                        privileges: m.privileges.len(),
                    })
                    .collect(),
            })?;
        }
        _ => println!("{}", report::manifest::list(&all, table::run_style())),
    }
    Ok(0)
}

fn show(name: Option<&str>, out: &OutputArgs) -> Result<u8, Error> {
    let name = name.unwrap_or(manifest::DEFAULT_NAME);
    let Some(m) = manifest::builtin_named(name) else {
        let names: Vec<String> = manifest::builtin().into_iter().map(|m| m.name).collect();
        return Err(Error::usage(
            format!("there is no embedded manifest named {name:?}"),
            format!("give one of: {}", names.join(", ")),
        ));
    };
    match output::resolve("manifest", out.output)? {
        Format::Json => {
            #[derive(Serialize)]
            struct Doc<'a> {
                schema: &'static str,
                manifest: &'a Manifest,
            }
            report::print_json(&Doc {
                schema: report::SCHEMA,
                manifest: &m,
            })?;
        }
        Format::Toml => {
            // Found by the same name a moment ago.
            let text = manifest::builtin_source(&m.name).unwrap_or_default();
            std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes())?;
        }
        _ => println!("{}", report::manifest::render(&m, table::run_style())),
    }
    Ok(0)
}
