//! The password: from the environment, then the OS keyring entry that
//! `vaudit login` stored, then a prompt on a terminal. Never from a flag.

use std::io::IsTerminal;

use super::connection::{Target, env_first};
use super::error::Error;
use super::keystore;

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

fn keyring_err(action: &'static str) -> impl Fn(keystore::StoreError) -> Error {
    move |e| Error::Keyring {
        action,
        detail: e.0,
    }
}

/// `from_config` is the password an Arc infra file carries: after the
/// environment, before the keyring.
pub fn password(
    target: &Target,
    source: Source,
    from_config: Option<&str>,
) -> Result<Secret, Error> {
    if let Some((name, v)) = env_first(&["VAUDIT_PASSWORD", "GOVC_PASSWORD"]) {
        tracing::debug!("password from {name}");
        return Ok(Secret(v));
    }
    if let Some(p) = from_config {
        tracing::debug!("password from the config file");
        return Ok(Secret(p.to_string()));
    }
    if source == Source::All {
        match keystore::get(target.opts_url.as_str(), &target.username) {
            Ok(Some(p)) => {
                tracing::debug!("password from the OS keyring");
                return Ok(Secret(p));
            }
            Ok(None) => tracing::debug!("no password in the OS keyring"),
            // An unusable keyring is not fatal: the prompt or the error below
            // still tell the user what to do.
            Err(e) => tracing::warn!("cannot read the OS keyring: {e}"),
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
    keystore::set(
        target.opts_url.as_str(),
        &target.username,
        password.expose(),
    )
    .map_err(keyring_err("write"))
}

/// Deletes the entry; `Ok(false)` when there was none.
pub fn delete(target: &Target) -> Result<bool, Error> {
    keystore::delete(target.opts_url.as_str(), &target.username).map_err(keyring_err("delete"))
}
