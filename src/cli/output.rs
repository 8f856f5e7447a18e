//! Choosing the output format, once for every command: the flag, then
//! VAUDIT_OUTPUT, then table on a terminal and JSON when stdout is piped.

use std::io::IsTerminal;

use super::connection::env_first;
use super::error::Error;
use crate::report::format::{self, Format};

/// The format `command` renders. An explicit `--output` it cannot render is
/// an error naming the commands that can; `VAUDIT_OUTPUT`, set once for a
/// whole CI job, applies only where the command renders it.
pub fn resolve(command: &str, explicit: Option<Format>) -> Result<Format, Error> {
    let supported = format::supported(command);
    if let Some(f) = explicit {
        if supported.contains(&f) {
            return Ok(f);
        }
        let names: Vec<&str> = supported.iter().map(|f| f.as_str()).collect();
        return Err(Error::usage(
            format!(
                "--output {} is for {}; {command} writes {}",
                f.as_str(),
                format::commands_for(f).join(", "),
                names.join(", ")
            ),
            format!("give {command} --output {}", names.join(" or ")),
        ));
    }
    if let Some((name, v)) = env_first(&["VAUDIT_OUTPUT"]) {
        let Some(f) = Format::parse(&v) else {
            return Err(Error::usage(
                format!(
                    "{name}={:?} is not an output format",
                    super::error::quoted(&v)
                ),
                format!("set {name} to one of {}", Format::NAMES.join(", ")),
            ));
        };
        if supported.contains(&f) {
            return Ok(f);
        }
    }
    Ok(if std::io::stdout().is_terminal() {
        Format::Table
    } else {
        Format::Json
    })
}
