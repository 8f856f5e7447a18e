//! The OS keyring, scoped to one vCenter URL and one user.
//!
//! On Linux the entry lives in the kernel's user keyring (`@u`): it needs no
//! desktop session (CI has none) and every shell of the same user sees it.
//! keyring-rs's keyutils backend is not used there because it links each entry
//! into the persistent keyring and fails outright where that link is denied,
//! as it is in containers. Elsewhere the platform store comes from keyring-rs.

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

fn description(service: &str, user: &str) -> String {
    format!("vaudit:{user}@{service}")
}

#[cfg(target_os = "linux")]
mod imp {
    use super::{StoreError, description};
    use linux_keyutils::{KeyError, KeyRing, KeyRingIdentifier};

    fn user_keyring() -> Result<KeyRing, StoreError> {
        KeyRing::from_special_id(KeyRingIdentifier::User, false)
            .map_err(|e| StoreError(format!("the kernel user keyring is not available ({e:?})")))
    }

    pub fn set(service: &str, user: &str, secret: &str) -> Result<(), StoreError> {
        user_keyring()?
            .add_key(&description(service, user), secret.as_bytes())
            .map(|_| ())
            .map_err(|e| StoreError(format!("adding the key failed ({e:?})")))
    }

    pub fn get(service: &str, user: &str) -> Result<Option<String>, StoreError> {
        match user_keyring()?.search(&description(service, user)) {
            Ok(key) => {
                let bytes = key
                    .read_to_vec()
                    .map_err(|e| StoreError(format!("reading the key failed ({e:?})")))?;
                String::from_utf8(bytes)
                    .map(Some)
                    .map_err(|_| StoreError("the stored password is not UTF-8".into()))
            }
            Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => {
                Ok(None)
            }
            Err(e) => Err(StoreError(format!("searching the keyring failed ({e:?})"))),
        }
    }

    pub fn delete(service: &str, user: &str) -> Result<bool, StoreError> {
        match user_keyring()?.search(&description(service, user)) {
            Ok(key) => key
                .invalidate()
                .map(|_| true)
                .map_err(|e| StoreError(format!("deleting the key failed ({e:?})"))),
            Err(KeyError::KeyDoesNotExist | KeyError::KeyRevoked | KeyError::KeyExpired) => {
                Ok(false)
            }
            Err(e) => Err(StoreError(format!("searching the keyring failed ({e:?})"))),
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::{StoreError, description};

    fn entry(service: &str, user: &str) -> Result<keyring::Entry, StoreError> {
        keyring::Entry::new(&description(service, user), user)
            .map_err(|e| StoreError(e.to_string()))
    }

    pub fn set(service: &str, user: &str, secret: &str) -> Result<(), StoreError> {
        entry(service, user)?
            .set_password(secret)
            .map_err(|e| StoreError(e.to_string()))
    }

    pub fn get(service: &str, user: &str) -> Result<Option<String>, StoreError> {
        match entry(service, user)?.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(StoreError(e.to_string())),
        }
    }

    pub fn delete(service: &str, user: &str) -> Result<bool, StoreError> {
        match entry(service, user)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(StoreError(e.to_string())),
        }
    }
}

pub use imp::{delete, get, set};
