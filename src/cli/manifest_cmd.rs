//! `vaudit manifest [list | show NAME|FILE]`: the embedded privilege
//! manifests, or a user's file read the way `--manifest` reads it.

use super::args::{ManifestAction, ManifestArgs, OutputArgs};
use super::error::Error;
use super::output;
use crate::manifest::{self, ResolveError};
use crate::report::manifest::{ListPage, ShowPage};
use crate::report::{self, exit};

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

fn list(out: &OutputArgs) -> Result<u8, Error> {
    let all = manifest::builtin();
    let format = output::resolve("manifest", out.output)?;
    if let Some((message, remedy)) = ListPage::refuses(format) {
        return Err(Error::usage(message, remedy));
    }
    report::emit::print(format, &ListPage(&all))?;
    Ok(exit::SUCCESS)
}

fn show(given: Option<&str>, options: &[String], out: &OutputArgs) -> Result<u8, Error> {
    let usage = |e: ResolveError| Error::usage(e.to_string(), e.remedy());
    let resolved = manifest::resolve(given.unwrap_or(manifest::DEFAULT_NAME)).map_err(usage)?;
    let full = &resolved.manifest;
    let applied = full
        .with_options(options)
        .map_err(|e| usage(ResolveError::Option(e)))?;
    let format = output::resolve("manifest", out.output)?;
    report::emit::print(
        format,
        &ShowPage {
            full,
            applied: &applied,
            options,
            file: resolved.file.as_deref(),
            text: &resolved.text,
        },
    )?;
    Ok(exit::SUCCESS)
}
