//! An open-able connection: the resolved settings (see `settings`) and the
//! session around a command's work.

use super::args::ConnectionArgs;
use super::error::Error;
use super::settings::{self, ConfigCredentials, Keyring, Settings};
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

    /// One collection pass in an open session, with progress on stderr when
    /// it is a terminal: the start of every command that audits the inventory.
    pub async fn collect(
        &self,
        client: &Client,
        with_events: bool,
    ) -> Result<crate::inventory::Snapshot, Error> {
        use std::io::IsTerminal;
        let vc = crate::report::VCenter::new(
            self.options.url.as_str(),
            client.about(),
            client.session(),
            self.options.insecure,
        );
        let progress = std::io::stderr().is_terminal();
        let snap = crate::inventory::collect(client, vc, with_events, |n| {
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
        let mut client = Client::connect(&self.options).await?;
        client.login(self.username(), self.password()).await?;
        let out = body(&client).await;
        if let Err(e) = client.logout().await {
            tracing::warn!("logout failed: {e}");
        }
        tracing::debug!(calls = client.calls(), "SOAP round trips");
        out
    }
}
