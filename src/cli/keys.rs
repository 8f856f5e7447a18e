//! `vaudit login` and `vaudit logout`: the keyring entry for one URL and user.

use super::args::ConnectionArgs;
use super::connection::{Connection, Target};
use super::credentials::{self, Source};
use super::error::Error;

/// Logs in for real first, so a mistyped password is never stored.
pub async fn login(args: &ConnectionArgs) -> Result<u8, Error> {
    let conn = Connection::resolve_with(args, Source::NotKeyring, None)?;
    conn.with_session(async |_| Ok(())).await?;
    credentials::store(&conn.target, &conn.password)?;
    eprintln!(
        "Logged in as {} and stored the password for {} in the OS keyring.",
        conn.target.username, conn.target.opts_url
    );
    Ok(0)
}

/// Takes the same flags as `login` so the two lines can be typed alike; only
/// the URL and user matter.
pub fn logout(args: &ConnectionArgs) -> Result<u8, Error> {
    let target = Target::resolve(&args.key)?;
    if credentials::delete(&target)? {
        eprintln!(
            "Deleted the stored password for {} at {}.",
            target.username, target.opts_url
        );
    } else {
        eprintln!(
            "No password was stored for {} at {}.",
            target.username, target.opts_url
        );
    }
    Ok(0)
}
