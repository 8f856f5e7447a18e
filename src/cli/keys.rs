//! `vaudit login` and `vaudit logout`: the keyring entry for one URL and user.

use super::args::ConnectionArgs;
use super::connection::Connection;
use super::credentials;
use super::error::{Error, for_terminal};
use super::settings::{self, Keyring};

/// Logs in for real first, so a mistyped password is never stored.
pub async fn login(args: &ConnectionArgs) -> Result<u8, Error> {
    let conn = Connection::resolve_with(args, None, Keyring::Skip)?;
    conn.with_session(async |_| Ok(())).await?;
    let s = &conn.settings;
    credentials::store(s.url.value.as_str(), &s.username.value, &s.password.value)?;
    eprintln!(
        "Logged in as {} and stored the password for {} in the OS keyring.",
        for_terminal(&s.username.value),
        s.url.value
    );
    Ok(crate::report::exit::SUCCESS)
}

/// Takes the same flags as `login` so the two lines can be typed alike; only
/// the URL and user matter.
pub fn logout(args: &ConnectionArgs) -> Result<u8, Error> {
    let target = settings::target(&args.key, None)?;
    let (url, user) = (&target.url.value, &target.username.value);
    if credentials::delete(url.as_str(), user)? {
        eprintln!(
            "Deleted the stored password for {} at {url}.",
            for_terminal(user)
        );
    } else {
        eprintln!(
            "No password was stored for {} at {url}.",
            for_terminal(user)
        );
    }
    Ok(crate::report::exit::SUCCESS)
}
