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
    /// Connections to open beside ServiceContent (`Client::connect_warm`):
    /// the gate's, for the calls it asks at once after Login.
    pub warm: usize,
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
            warm: 0,
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
            let mut client = Client::connect_warm(&self.options, self.warm).await?;
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

impl Connection {
    /// The connection settings a plan holds: resolved, or the connection
    /// finding that says why they cannot be used (no password, an address
    /// the password may not go to…; nothing was sent). A signal at the
    /// prompt ends the run instead.
    pub fn for_plan(
        args: &ConnectionArgs,
        config: &ConfigCredentials,
        keyring: Keyring,
    ) -> Result<Result<Connection, crate::checks::Finding>, Error> {
        match Self::resolve_with(args, Some(config), keyring) {
            Ok(c) => Ok(Ok(Connection {
                warm: crate::gate::AT_ONCE,
                ..c
            })),
            Err(e) if e.is_interrupted() => Err(e),
            Err(e) => Ok(Err(crate::checks::Finding::new(
                crate::checks::connection::CHECK,
                crate::checks::Severity::Error,
                "connection-failed",
                None,
                e.to_string(),
                e.remedy()
                    .unwrap_or_else(|| "fix the connection settings".into()),
            ))),
        }
    }
}

impl crate::gate::Session for Connection {
    type Error = Error;

    fn username(&self) -> &str {
        Connection::username(self)
    }

    fn password(&self) -> &str {
        Connection::password(self)
    }

    fn url(&self) -> &str {
        self.options.url.as_str()
    }

    fn insecure(&self) -> Option<crate::checks::vcenter::InsecureSource> {
        self.settings.insecure
    }

    fn limits(&self) -> crate::vsphere::Limits {
        crate::vsphere::Limits::with_max_objects(self.settings.max_objects)
    }

    async fn with_session<T>(
        &self,
        body: impl AsyncFnOnce(&Client) -> Result<T, crate::vsphere::Error>,
    ) -> Result<T, Error> {
        Connection::with_session(self, async |c| Ok(body(c).await?)).await
    }

    fn failed(&self, e: Error) -> Result<(String, Option<crate::checks::Finding>), Error> {
        use crate::gate::{connection_finding, not_run_because};
        match e {
            e if e.is_interrupted() => Err(e),
            Error::Login { source, who } => {
                let f = connection_finding(&source, Some(&who));
                Ok((not_run_because(&f), Some(f)))
            }
            Error::VSphere(e) => {
                let f = connection_finding(&e, Some(&self.who()));
                Ok((not_run_because(&f), Some(f)))
            }
            e => Ok((e.to_string(), None)),
        }
    }
}

impl From<crate::plan::Error> for Error {
    fn from(e: crate::plan::Error) -> Self {
        Error::usage(e.message, e.remedy)
    }
}
