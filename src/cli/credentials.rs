//! The password: from the environment, then the OS keyring entry that
//! `vaudit login` stored, then a prompt on a terminal. Never from a flag.

use std::io::IsTerminal;

use super::connection::{Target, env_first};
use super::error::Error;

/// A password that never prints: Debug and Display show asterisks.
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Where a password may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    All,
    /// `vaudit login` must not read back the entry it is about to replace.
    NotKeyring,
}

const SERVICE_PREFIX: &str = "vaudit:";

/// The keyring entry is scoped to both the URL and the user.
pub fn keyring_entry(target: &Target) -> Result<keyring::Entry, Error> {
    let service = format!("{SERVICE_PREFIX}{}", target.opts_url);
    keyring::Entry::new(&service, &target.username).map_err(|e| Error::Keyring {
        action: "look-up",
        detail: e.to_string(),
    })
}

pub fn password(target: &Target, source: Source) -> Result<Secret, Error> {
    if let Some((name, v)) = env_first(&["VAUDIT_PASSWORD", "GOVC_PASSWORD"]) {
        tracing::debug!("password from {name}");
        return Ok(Secret(v));
    }
    if source == Source::All {
        match keyring_entry(target).and_then(|e| {
            e.get_password().map_err(|e| Error::Keyring {
                action: "read",
                detail: e.to_string(),
            })
        }) {
            Ok(p) => {
                tracing::debug!("password from the OS keyring");
                return Ok(Secret(p));
            }
            Err(e) => tracing::debug!("no keyring password: {e}"),
        }
    }
    if std::io::stdin().is_terminal() {
        let prompt = format!("Password for {} at {}: ", target.username, target.opts_url);
        let p = rpassword::prompt_password(prompt).map_err(|e| {
            Error::usage(
                format!("cannot read the password from the terminal: {e}"),
                "",
            )
        })?;
        if p.is_empty() {
            return Err(Error::usage("an empty password was entered", ""));
        }
        return Ok(Secret(p));
    }
    Err(Error::usage(
        format!(
            "no password for {} at {}: VAUDIT_PASSWORD is not set, the OS keyring has no entry, and stdin is not a terminal to prompt on",
            target.username, target.opts_url
        ),
        "set VAUDIT_PASSWORD, or store the password once with `vaudit login`",
    ))
}

pub fn store(target: &Target, password: &Secret) -> Result<(), Error> {
    keyring_entry(target)?
        .set_password(password.expose())
        .map_err(|e| Error::Keyring {
            action: "write",
            detail: e.to_string(),
        })
}

/// Deletes the entry; `Ok(false)` when there was none.
pub fn delete(target: &Target) -> Result<bool, Error> {
    match keyring_entry(target)?.delete_credential() {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(Error::Keyring {
            action: "delete",
            detail: e.to_string(),
        }),
    }
}
