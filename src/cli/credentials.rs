//! The password as a value that never prints, and its OS keyring entry for
//! one vCenter URL and user. Which source a password is taken from is
//! decided in `settings`.

use super::error::Error;
use super::keystore;

/// A password that never prints: Debug and Display show asterisks.
pub struct Secret(String);

impl Secret {
    pub fn new(s: String) -> Self {
        Secret(s)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

fn keyring_err(action: &'static str) -> impl Fn(keystore::StoreError) -> Error {
    move |e| Error::Keyring {
        action,
        detail: e.0,
    }
}

/// The stored password; `Ok(None)` only when there is no entry, an error
/// when the keyring could not be read.
pub fn get(url: &str, user: &str) -> Result<Option<Secret>, keystore::StoreError> {
    keystore::get(url, user).map(|p| p.map(Secret))
}

pub fn store(url: &str, user: &str, password: &Secret) -> Result<(), Error> {
    keystore::set(url, user, password.expose()).map_err(keyring_err("write"))
}

/// Deletes the entry; `Ok(false)` when there was none.
pub fn delete(url: &str, user: &str) -> Result<bool, Error> {
    keystore::delete(url, user).map_err(keyring_err("delete"))
}
