//! `vaudit manifest [list | show NAME]`: the embedded privilege manifests.

use super::args::{ManifestAction, ManifestArgs, OutputArgs};
use super::error::Error;
use super::output;
use crate::manifest;
use crate::report::manifest::{ListPage, ShowPage};
use crate::report::{self, exit};

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
    let format = output::resolve("manifest", out.output)?;
    if let Some((message, remedy)) = ListPage::refuses(format) {
        return Err(Error::usage(message, remedy));
    }
    report::emit::print(format, &ListPage(&all))?;
    Ok(exit::SUCCESS)
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
    let format = output::resolve("manifest", out.output)?;
    // Found by the same name a moment ago.
    let source = manifest::builtin_source(&m.name).unwrap_or_default();
    report::emit::print(
        format,
        &ShowPage {
            manifest: &m,
            source,
        },
    )?;
    Ok(exit::SUCCESS)
}
