//! Turns flags and environment into a connection: flags first, then the
//! VAUDIT_* variables, then govc's, as govc users expect.

use std::time::Duration;

use super::args::{ConnectionArgs, KeyArgs};
use super::credentials::{self, Secret};
use super::error::Error;
use crate::vsphere::{Client, ConnectOptions};

const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// The first set, non-empty variable of `names`, with the name it came from.
pub fn env_first(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| {
        std::env::var(n)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*n, v))
    })
}

fn env_bool(names: &[&'static str]) -> Result<bool, Error> {
    match env_first(names) {
        None => Ok(false),
        Some((name, v)) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(Error::usage(
                format!("{name}={v:?} is neither true nor false"),
                format!("set {name} to 1 or 0"),
            )),
        },
    }
}

/// The vCenter and user a keyring entry belongs to.
#[derive(Debug, Clone)]
pub struct Target {
    pub opts_url: reqwest::Url,
    pub username: String,
}

impl Target {
    pub fn resolve(args: &KeyArgs) -> Result<Target, Error> {
        let url = match &args.url {
            Some(u) => u.clone(),
            None => env_first(&["VAUDIT_URL", "GOVC_URL"])
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    Error::usage(
                        "no vCenter given",
                        "pass --url vcenter.example.com or set VAUDIT_URL",
                    )
                })?,
        };
        let opts_url = ConnectOptions::parse_url(&url)?;
        let username = match &args.username {
            Some(u) => u.clone(),
            None => env_first(&["VAUDIT_USERNAME", "GOVC_USERNAME"])
                .map(|(_, v)| v)
                .ok_or_else(|| {
                    Error::usage(
                        "no user name given",
                        "pass --username deployer@vsphere.local or set VAUDIT_USERNAME",
                    )
                })?,
        };
        Ok(Target { opts_url, username })
    }
}

/// Everything needed to open a session.
pub struct Connection {
    pub target: Target,
    pub options: ConnectOptions,
    pub password: Secret,
}

impl Connection {
    pub fn resolve(args: &ConnectionArgs) -> Result<Connection, Error> {
        Self::resolve_with(args, credentials::Source::All, None)
    }

    pub fn resolve_with(
        args: &ConnectionArgs,
        source: credentials::Source,
        config_password: Option<&str>,
    ) -> Result<Connection, Error> {
        let target = Target::resolve(&args.key)?;
        let ca_file = args
            .ca_file
            .clone()
            .or_else(|| env_first(&["VAUDIT_CA_FILE", "GOVC_TLS_CA_CERTS"]).map(|(_, v)| v.into()));
        let insecure = args.insecure || env_bool(&["VAUDIT_INSECURE", "GOVC_INSECURE"])?;
        let timeout = match args.timeout {
            Some(t) => t,
            None => match env_first(&["VAUDIT_TIMEOUT"]) {
                None => DEFAULT_TIMEOUT_SECS,
                Some((name, v)) => v.trim().parse().map_err(|_| {
                    Error::usage(
                        format!("{name}={v:?} is not a number of seconds"),
                        format!("set {name} to a whole number such as 30"),
                    )
                })?,
            },
        };
        if timeout == 0 {
            return Err(Error::usage(
                "a timeout of 0 seconds would fail every request",
                "give --timeout a value of at least 1",
            ));
        }
        if insecure {
            eprintln!(
                "warning: --insecure: the certificate of {} is not verified; anyone on the network path could read the password",
                target.opts_url.host_str().unwrap_or_default()
            );
        } else if target.opts_url.scheme() == "http" {
            eprintln!(
                "warning: {} is plain http: the password travels unencrypted",
                target.opts_url
            );
        }
        let password = credentials::password(&target, source, config_password)?;
        Ok(Connection {
            options: ConnectOptions {
                url: target.opts_url.clone(),
                ca_file,
                insecure,
                timeout: Duration::from_secs(timeout),
            },
            target,
            password,
        })
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
        client
            .login(&self.target.username, self.password.expose())
            .await?;
        let out = body(&client).await;
        if let Err(e) = client.logout().await {
            tracing::warn!("logout failed: {e}");
        }
        tracing::debug!(calls = client.calls(), "SOAP round trips");
        out
    }
}
