//! Where each connection setting comes from (spec §2): one resolution step,
//! flag → environment (`VAUDIT_*`, then govc's) → config file → keyring →
//! prompt, that records the source of every value.
//!
//! The sources matter beyond `-v`: a password is only sent to an address that
//! came from the same source or a more explicit one. A config file can come
//! from a pull request; if its address could pick up a password from the CI
//! environment or the keyring, the file alone could collect that secret.

use std::fmt;
use std::io::IsTerminal;
use std::path::PathBuf;

use reqwest::Url;

use super::args::{ConnectionArgs, KeyArgs};
use super::credentials::{self, Secret};
use super::error::Error;
use crate::checks::vcenter::InsecureSource;
use crate::vsphere::ConnectOptions;

const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// Where one setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A command-line flag, by name.
    Flag(&'static str),
    /// An environment variable, by name.
    Env(&'static str),
    /// The Arc config file given with `--config`.
    Config,
    /// The OS keyring entry `vaudit login` stored.
    Keyring,
    /// Typed at the terminal.
    Prompt,
    /// Nothing was given; the documented default applies.
    Default,
}

impl Source {
    /// A flag or a variable: said by whoever runs vaudit, not by a file.
    fn is_explicit(self) -> bool {
        matches!(self, Source::Flag(_) | Source::Env(_))
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Flag(n) => write!(f, "the {n} flag"),
            Source::Env(n) => write!(f, "{n}"),
            Source::Config => f.write_str("the config file"),
            Source::Keyring => f.write_str("the OS keyring"),
            Source::Prompt => f.write_str("the prompt"),
            Source::Default => f.write_str("the default"),
        }
    }
}

/// A value and where it came from.
#[derive(Debug, Clone)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

/// The connection settings an Arc infra file carries.
#[derive(Debug, Clone, Default)]
pub struct ConfigCredentials {
    /// The file they were read from, for messages.
    pub file: String,
    pub address: Option<String>,
    pub username: Option<String>,
    /// Never printed.
    pub password: Option<String>,
}

impl ConfigCredentials {
    pub fn from_config(cfg: &crate::config::ArcConfig) -> Self {
        ConfigCredentials {
            file: cfg
                .files
                .last()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            address: cfg.address.clone().filter(|a| !a.trim().is_empty()),
            username: cfg.username.clone().filter(|u| !u.trim().is_empty()),
            password: cfg.password.clone(),
        }
    }
}

/// Whether the keyring may be read (`vaudit login` must not read back the
/// entry it is about to replace).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyring {
    Read,
    Skip,
}

/// Every resolved connection setting, each with its source.
#[derive(Debug)]
pub struct Settings {
    pub url: Setting<Url>,
    pub username: Setting<String>,
    pub password: Setting<Secret>,
    pub ca_file: Option<Setting<PathBuf>>,
    /// `None`: the certificate is verified.
    pub insecure: Option<InsecureSource>,
    pub timeout: Setting<u64>,
    /// The whole command's bound (`--deadline`).
    pub deadline: std::time::Duration,
    /// The most objects one collection reads (`--max-objects`).
    pub max_objects: usize,
    /// `--proxy`, else the environment's.
    pub proxy: crate::vsphere::ProxySetting,
}

/// The vCenter and user a keyring entry belongs to.
#[derive(Debug, Clone)]
pub struct Account {
    pub url: Setting<Url>,
    pub username: Setting<String>,
}

/// The first set, non-empty variable of `names`, with the name it came from.
pub fn env_first(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| {
        std::env::var(n)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*n, v))
    })
}

fn first(
    flag: (&'static str, Option<&String>),
    env: &[&'static str],
    config: Option<&String>,
) -> Option<Setting<String>> {
    if let Some(v) = flag.1.filter(|v| !v.trim().is_empty()) {
        return Some(Setting {
            value: v.clone(),
            source: Source::Flag(flag.0),
        });
    }
    if let Some((name, v)) = env_first(env) {
        return Some(Setting {
            value: v,
            source: Source::Env(name),
        });
    }
    config.map(|v| Setting {
        value: v.clone(),
        source: Source::Config,
    })
}

/// The vCenter address as given (flag, environment, config), unparsed: what
/// the endpoint checks look at before any connection.
pub fn address(key: &KeyArgs, config: Option<&ConfigCredentials>) -> Option<Setting<String>> {
    first(
        ("--url", key.url.as_ref()),
        &["VAUDIT_URL", "GOVC_URL"],
        config.and_then(|c| c.address.as_ref()),
    )
}

/// The vCenter and user, without the password (also what `logout` needs).
pub fn target(key: &KeyArgs, config: Option<&ConfigCredentials>) -> Result<Account, Error> {
    let raw = address(key, config).ok_or_else(|| {
        Error::usage(
            "no vCenter given",
            "pass --url vcenter.example.com or set VAUDIT_URL",
        )
    })?;
    let url = ConnectOptions::parse_url(&raw.value)?;
    if let (true, Some(c)) = (raw.source.is_explicit(), config)
        && let Some(cfg_addr) = &c.address
        && !same_endpoint(&url, cfg_addr)
    {
        eprintln!(
            "warning: the config file {} names the vCenter \"{}\", but {} says {}; using {}",
            c.file,
            crate::report::sanitize::line(&super::error::quoted(cfg_addr)),
            raw.source,
            url,
            url
        );
    }
    let username = first(
        ("--username", key.username.as_ref()),
        &["VAUDIT_USERNAME", "GOVC_USERNAME"],
        config.and_then(|c| c.username.as_ref()),
    )
    .ok_or_else(|| {
        Error::usage(
            "no user name given",
            "pass --username deployer@vsphere.local or set VAUDIT_USERNAME",
        )
    })?;
    Ok(Account {
        url: Setting {
            value: url,
            source: raw.source,
        },
        username,
    })
}

/// Whether a config file's address names the same endpoint as `url`.
fn same_endpoint(url: &Url, other: &str) -> bool {
    match ConnectOptions::parse_url(other) {
        Ok(o) => {
            o.host_str().map(str::to_ascii_lowercase) == url.host_str().map(str::to_ascii_lowercase)
                && o.port_or_known_default() == url.port_or_known_default()
        }
        Err(_) => false,
    }
}

fn env_bool(names: &[&'static str]) -> Result<Option<&'static str>, Error> {
    match env_first(names) {
        None => Ok(None),
        Some((name, v)) => match v.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(Some(name)),
            "0" | "false" | "no" | "off" => Ok(None),
            _ => Err(Error::usage(
                format!("{name} is neither true nor false"),
                format!("set {name} to 1 or 0"),
            )),
        },
    }
}

/// The one resolution step: every connection setting with its source, and the
/// password only from a source allowed to go to the resolved address.
pub fn resolve(
    args: &ConnectionArgs,
    config: Option<&ConfigCredentials>,
    keyring: Keyring,
) -> Result<Settings, Error> {
    let target = target(&args.key, config)?;
    let ca_file = match &args.ca_file {
        Some(p) => Some(Setting {
            value: p.clone(),
            source: Source::Flag("--ca-file"),
        }),
        None => env_first(&["VAUDIT_CA_FILE", "GOVC_TLS_CA_CERTS"]).map(|(n, v)| Setting {
            value: v.into(),
            source: Source::Env(n),
        }),
    };
    let insecure = if args.insecure {
        Some(InsecureSource::Flag)
    } else {
        env_bool(&["VAUDIT_INSECURE", "GOVC_INSECURE"])?.map(InsecureSource::Env)
    };
    let timeout = match args.timeout {
        Some(t) => Setting {
            value: t,
            source: Source::Flag("--timeout"),
        },
        None => match env_first(&["VAUDIT_TIMEOUT"]) {
            None => Setting {
                value: DEFAULT_TIMEOUT_SECS,
                source: Source::Default,
            },
            Some((name, v)) => Setting {
                value: v.trim().parse().map_err(|_| {
                    Error::usage(
                        format!(
                            "{name}={:?} is not a number of seconds",
                            super::error::quoted(&v)
                        ),
                        format!("set {name} to a whole number such as 30"),
                    )
                })?,
                source: Source::Env(name),
            },
        },
    };
    if timeout.value == 0 {
        return Err(Error::usage(
            "a timeout of 0 seconds would fail every request",
            "give --timeout a value of at least 1",
        ));
    }
    let host = target.url.value.host_str().unwrap_or_default().to_string();
    match insecure {
        Some(InsecureSource::Flag) => eprintln!(
            "warning: --insecure: the certificate of {host} is not verified; anyone on the network path could read the password"
        ),
        Some(InsecureSource::Env(name)) => eprintln!(
            "warning: {name} turns certificate verification off: the certificate of {host} is not verified; anyone on the network path could read the password"
        ),
        None => {}
    }
    let password = password(&target, config, keyring)?;
    let settings = Settings {
        url: target.url,
        username: target.username,
        password,
        ca_file,
        insecure,
        timeout,
        deadline: std::time::Duration::from_secs(args.deadline),
        max_objects: args.max_objects,
        proxy: args.proxy.clone().unwrap_or_default(),
    };
    settings.log_sources();
    Ok(settings)
}

impl Settings {
    /// `-v`: where each value came from; the password's source, never its value.
    fn log_sources(&self) {
        tracing::debug!("vCenter URL {} from {}", self.url.value, self.url.source);
        tracing::debug!(
            "user name {} from {}",
            self.username.value,
            self.username.source
        );
        tracing::debug!("password from {}", self.password.source);
        match &self.ca_file {
            Some(c) => tracing::debug!("CA file {} from {}", c.value.display(), c.source),
            None => tracing::debug!("CA file: none given (system roots only)"),
        }
        match self.insecure {
            Some(InsecureSource::Flag) => {
                tracing::debug!("certificate verification off by the --insecure flag")
            }
            Some(InsecureSource::Env(n)) => {
                tracing::debug!("certificate verification off by {n}")
            }
            None => tracing::debug!("certificate verification on"),
        }
        tracing::debug!(
            "timeout {} s from {}",
            self.timeout.value,
            self.timeout.source
        );
    }

    pub fn connect_options(&self) -> ConnectOptions {
        ConnectOptions {
            url: self.url.value.clone(),
            ca_file: self.ca_file.as_ref().map(|c| c.value.clone()),
            insecure: self.insecure.is_some(),
            timeout: std::time::Duration::from_secs(self.timeout.value),
            limits: crate::vsphere::Limits::with_max_objects(self.max_objects),
            proxy: self.proxy.clone(),
        }
    }
}

/// The password, from the first source allowed to reach `target`'s address:
/// environment, config file, keyring, prompt; when the address came only
/// from the config file, only the config file's own password.
fn password(
    target: &Account,
    config: Option<&ConfigCredentials>,
    keyring: Keyring,
) -> Result<Setting<Secret>, Error> {
    let url = &target.url.value;
    let user = &target.username.value;
    let from_config = config.and_then(|c| c.password.as_deref());
    if target.url.source == Source::Config {
        let file = config.map(|c| c.file.as_str()).unwrap_or("");
        return match from_config {
            Some(p) => Ok(Setting {
                value: Secret::new(p.to_string()),
                source: Source::Config,
            }),
            None => Err(Error::usage(
                format!(
                    "the vCenter address {url} comes only from the config file {file}, and vaudit sends a password from the environment, the keyring or a prompt only to an address given by --url, VAUDIT_URL or GOVC_URL"
                ),
                format!(
                    "pass --url {} (or set VAUDIT_URL) if that is the vCenter you mean",
                    authority(url)
                ),
            )),
        };
    }
    if let Some((name, v)) = env_first(&["VAUDIT_PASSWORD", "GOVC_PASSWORD"]) {
        return Ok(Setting {
            value: Secret::new(v),
            source: Source::Env(name),
        });
    }
    if let Some(p) = from_config {
        return Ok(Setting {
            value: Secret::new(p.to_string()),
            source: Source::Config,
        });
    }
    let mut keyring_error = None;
    if keyring == Keyring::Read {
        match credentials::get(url.as_str(), user) {
            Ok(Some(p)) => {
                return Ok(Setting {
                    value: p,
                    source: Source::Keyring,
                });
            }
            Ok(None) => tracing::debug!("no password in the OS keyring"),
            // Not fatal: the prompt may still work; but the final error
            // must not call an unreadable keyring empty.
            Err(e) => {
                tracing::warn!("cannot read the OS keyring: {e}");
                keyring_error = Some(e.to_string());
            }
        }
    }
    if std::io::stdin().is_terminal() {
        let prompt = format!(
            "Password for {} at {url}: ",
            crate::report::sanitize::line(user)
        );
        let p = rpassword::prompt_password(prompt).map_err(prompt_error)?;
        if p.is_empty() {
            return Err(Error::usage(
                "an empty password was entered",
                "type the password at the prompt, or set VAUDIT_PASSWORD",
            ));
        }
        return Ok(Setting {
            value: Secret::new(p),
            source: Source::Prompt,
        });
    }
    let (keyring_said, fix) = match (keyring, keyring_error) {
        // `vaudit login` itself: the keyring is what it is about to fill.
        (Keyring::Skip, _) => {
            return Err(Error::usage(
                format!(
                    "no password for {user} at {url}: VAUDIT_PASSWORD is not set and stdin is not a terminal to prompt on"
                ),
                "run `vaudit login` in a terminal to type the password, or give it in the environment: VAUDIT_PASSWORD=… vaudit login stores it",
            ));
        }
        (Keyring::Read, None) => (
            "the OS keyring has no entry".to_string(),
            "set VAUDIT_PASSWORD, or store the password once with `vaudit login` (in a terminal, or with VAUDIT_PASSWORD set)",
        ),
        (Keyring::Read, Some(e)) => (
            format!("the OS keyring could not be read ({e})"),
            "set VAUDIT_PASSWORD, or run in a terminal to be prompted",
        ),
    };
    Err(Error::usage(
        format!(
            "no password for {user} at {url}: VAUDIT_PASSWORD is not set, {keyring_said}, and stdin is not a terminal to prompt on"
        ),
        fix,
    ))
}

/// A failed read at the password prompt. Ctrl-C is a stop by SIGINT (exit
/// 130), not a usage error; Ctrl-D leaves the cursor on the prompt's line,
/// so the error starts a new one.
fn prompt_error(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::Interrupted {
        // rpassword has ended the prompt's line itself.
        return Error::PromptInterrupted;
    }
    end_prompt_line();
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        return Error::usage(
            "no password was entered (the input ended at the prompt)",
            "type the password at the prompt, or set VAUDIT_PASSWORD",
        );
    }
    Error::usage(
        format!("cannot read the password from the terminal: {e}"),
        "set VAUDIT_PASSWORD instead",
    )
}

/// Ends the line the prompt left open on the terminal (where rpassword
/// wrote it), so what follows does not run on from "Password for …:".
fn end_prompt_line() {
    use std::io::Write;
    if let Ok(mut tty) = std::fs::OpenOptions::new().write(true).open("/dev/tty") {
        let _ = tty.write_all(b"\n");
    } else {
        eprintln!();
    }
}

/// `host[:port]` of `url` as `--url` takes it: the port kept unless it is
/// https's own, so following the advice reaches the same endpoint.
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        ConnectOptions::parse_url(s).unwrap()
    }

    /// rpassword answers Ctrl-C with an `Interrupted` read (after raising
    /// SIGINT): a stop by the user, 130 as a shell reports it, not exit 2.
    #[test]
    fn ctrl_c_at_the_prompt_is_a_stop_by_sigint() {
        let e = prompt_error(std::io::Error::new(
            std::io::ErrorKind::Interrupted,
            "interrupted",
        ));
        assert!(e.is_interrupted(), "{e}");
        assert_eq!(e.exit_code(), 130);
    }

    #[test]
    fn advice_to_pass_the_url_keeps_its_port() {
        assert_eq!(authority(&url("127.0.0.1:43011")), "127.0.0.1:43011");
        assert_eq!(
            authority(&url("https://vc.example.com:443/sdk")),
            "vc.example.com"
        );
        assert_eq!(authority(&url("[::1]:8443")), "[::1]:8443");
    }

    #[test]
    fn the_same_host_and_port_is_the_same_endpoint() {
        assert!(same_endpoint(
            &url("vc.example.com"),
            "https://VC.example.com:443/sdk"
        ));
        assert!(!same_endpoint(&url("vc.example.com"), "evil.example.com"));
        assert!(!same_endpoint(
            &url("vc.example.com"),
            "vc.example.com:8443"
        ));
    }

    #[test]
    fn only_flags_and_variables_are_explicit() {
        assert!(Source::Flag("--url").is_explicit());
        assert!(Source::Env("VAUDIT_URL").is_explicit());
        for s in [
            Source::Config,
            Source::Keyring,
            Source::Prompt,
            Source::Default,
        ] {
            assert!(!s.is_explicit(), "{s}");
        }
    }
}
