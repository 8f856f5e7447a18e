//! Choosing the output format: the flag, then VAUDIT_OUTPUT, then table on a
//! terminal and JSON when stdout is piped to a script.

use std::io::IsTerminal;

use clap::ValueEnum;

use super::args::{OutputArgs, OutputFormat};
use super::connection::env_first;
use super::error::Error;

pub fn format(args: &OutputArgs) -> Result<OutputFormat, Error> {
    if let Some(f) = args.output {
        return Ok(f);
    }
    if let Some((name, v)) = env_first(&["VAUDIT_OUTPUT"]) {
        return OutputFormat::from_str(v.trim(), true).map_err(|_| {
            Error::usage(
                format!("{name}={v:?} is not an output format"),
                format!("set {name} to table or json"),
            )
        });
    }
    Ok(if std::io::stdout().is_terminal() {
        OutputFormat::Table
    } else {
        OutputFormat::Json
    })
}
