//! An open-able connection: the resolved settings (see `settings`) and the
//! session around a command's work.

use super::args::ConnectionArgs;
use super::error::Error;
use super::settings::{self, ConfigCredentials, Keyring, Settings};
use super::stop;
use crate::vsphere::{Client, ConnectOptions};

pub use super::settings::env_first;

/// Everything needed to open a session.
pub struct Connection {
    pub settings: Settings,
    pub options: ConnectOptions,
}

impl Connection {
    pub fn resolve(args: &ConnectionArgs) -> Result<Connection, Error> {
        Self::resolve_with(args, None, Keyring::Read)
    }

    pub fn resolve_with(
        args: &ConnectionArgs,
        config: Option<&ConfigCredentials>,
        keyring: Keyring,
    ) -> Result<Connection, Error> {
        let settings = settings::resolve(args, config, keyring)?;
        Ok(Connection {
            options: settings.connect_options(),
            settings,
        })
    }

    pub fn username(&self) -> &str {
        &self.settings.username.value
    }

    pub fn password(&self) -> &str {
        self.settings.password.value.expose()
    }

    /// The user and where each credential came from: what a rejected login
    /// is reported with, so the wrong one can be found.
    pub fn who(&self) -> String {
        format!(
            "{}; the user name came from {}, the password from {}",
            self.username(),
            self.settings.username.source,
            self.settings.password.source
        )
    }

    /// One collection pass in an open session, with progress on stderr when
    /// it is a terminal: the start of every command that audits the inventory.
    pub async fn collect(
        &self,
        client: &Client,
        facets: crate::inventory::Facets,
        with_events: bool,
    ) -> Result<crate::inventory::Snapshot, Error> {
        use std::io::IsTerminal;
        let vc =
            crate::report::VCenter::new(self.options.url.as_str(), client, self.options.insecure);
        let progress = std::io::stderr().is_terminal();
        let limits = crate::vsphere::Limits::with_max_objects(self.settings.max_objects);
        let snap = crate::inventory::collect(client, vc, facets, with_events, limits, |n| {
            if progress {
                eprint!("\rcollecting the inventory: {n} objects");
            }
        })
        .await?;
        if progress {
            eprint!("\r\x1b[2K");
        }
        Ok(snap)
    }

    /// Connects and logs in, runs `body`, and logs out whatever `body`
    /// returned, so no session is left open on the vCenter.
    pub async fn with_session<T>(
        &self,
        body: impl AsyncFnOnce(&Client) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let _open = stop::SessionGuard::open();
        let secs = self.settings.deadline.as_secs();
        let deadline = stop::deadline(self.settings.deadline);
        let stopped = async {
            tokio::select! {
                n = stop::signalled() => Error::Interrupted { signal: n },
                _ = tokio::time::sleep_until(deadline) => Error::Deadline { secs },
            }
        };
        tokio::pin!(stopped);
        let opened = async {
            let mut client = Client::connect(&self.options).await?;
            match client.login(self.username(), self.password()).await {
                Ok(_) => Ok::<_, Error>(client),
                Err(e) if e.is_invalid_login() => Err(Error::Login {
                    source: Box::new(e),
                    who: self.who(),
                }),
                Err(e) => Err(e.into()),
            }
        };
        let mut client = tokio::select! {
            c = opened => c?,
            e = &mut stopped => return Err(e),
        };
        let out = tokio::select! {
            o = body(&client) => o,
            e = &mut stopped => Err(e),
        };
        let logout = client.logout();
        let res = match &out {
            // Cut short: the session still ends, but not at any cost.
            Err(Error::Interrupted { .. } | Error::Deadline { .. }) => {
                match tokio::time::timeout(stop::LOGOUT_BOUND, logout).await {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::warn!(
                            "logout did not finish within {} s",
                            stop::LOGOUT_BOUND.as_secs()
                        );
                        Ok(())
                    }
                }
            }
            _ => logout.await,
        };
        if let Err(e) = res {
            tracing::warn!("logout failed: {e}");
        }
        tracing::debug!(calls = client.calls(), "SOAP round trips");
        out
    }
}
