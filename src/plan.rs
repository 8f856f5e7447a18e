//! The plan of one run, resolved once from the flags, the environment and
//! the files before anything is sent: the command and its checks, the
//! format, the config, the manifest, the support matrix, the endpoint
//! list, the targets, the `--only`/`--skip` selection, the fail-on level,
//! and the connection settings (kept as a result, so a failure to resolve
//! them still becomes the `connection` finding). Every command then runs
//! plan → gather → evaluate → render (`gate`).

use std::path::{Path, PathBuf};

use crate::checks::check::{Check, Needs, Selection};
use crate::checks::registry;
use crate::checks::support_matrix::{self, SupportMatrix};
use crate::checks::{Finding, Severity};
use crate::config::{self, ArcConfig};
use crate::inventory::TargetSpec;
use crate::manifest::{self, Manifest};
use crate::probe::endpoints::{self, Endpoint};
use crate::report::Format;

/// A file or value the plan could not use: one sentence naming it, and
/// the fix. The CLI reports it as a usage error (exit 2).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    pub message: String,
    pub remedy: String,
}

impl Error {
    pub fn new(message: impl Into<String>, remedy: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            remedy: remedy.into(),
        }
    }
}

/// The command a plan runs: its name and its slice of the registry.
#[derive(Clone, Copy)]
pub struct Command {
    pub name: &'static str,
    pub checks: &'static [Check],
}

impl Command {
    pub const CHECK: Command = Command {
        name: "check",
        checks: registry::CHECKS,
    };
    pub const DIAGNOSE: Command = Command {
        name: "diagnose",
        checks: registry::DIAGNOSE,
    };

    /// `vaudit diagnose`: after deployment, it looks for the appliance.
    pub fn diagnose(self) -> bool {
        self.name == "diagnose"
    }
}

/// What the user asked for, as parsed: the plan's raw material.
#[derive(Default)]
pub struct Asked {
    pub config: Option<PathBuf>,
    pub manifest: Option<PathBuf>,
    /// `--manifest-option`: the manifest's named options to switch on.
    pub manifest_options: Vec<String>,
    pub support_matrix: Option<PathBuf>,
    pub endpoints: Option<PathBuf>,
    /// The targets the flags name (a flag wins over its config key).
    pub targets: TargetSpec,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub fail_on: Option<Severity>,
    pub user: Option<String>,
    pub max_age: Option<u32>,
    pub save: Option<PathBuf>,
    pub from: Option<PathBuf>,
}

/// Where the vCenter facts will come from, decided with the plan.
// One per run: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Source<C> {
    /// A live session, with these settings, or why they cannot be used.
    Live(Result<C, Finding>),
    /// The snapshot `--from` names.
    Snapshot(PathBuf),
    /// None: why (nothing selected reads it, no address given).
    None(String),
}

/// Everything a run needs, resolved once. `C` is the caller's connection
/// settings (the CLI's, with its prompt, keyring and signals).
pub struct Plan<C> {
    pub command: Command,
    pub format: Format,
    pub config: ArcConfig,
    /// Whether a `--config` file was read.
    pub config_given: bool,
    pub manifest: Manifest,
    /// `--support-matrix FILE`; the embedded one otherwise.
    loaded_matrix: Option<SupportMatrix>,
    pub endpoints: Vec<Endpoint>,
    /// Where the endpoint list came from, for messages.
    pub endpoints_from: String,
    pub targets: TargetSpec,
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub fail_on: Severity,
    /// `--user`: whose privileges, when not the logged-in user's.
    pub user: Option<String>,
    pub max_age: Option<u32>,
    pub save: Option<PathBuf>,
    /// The vCenter address as given (flag, environment or config).
    pub vcenter_address: Option<String>,
    pub source: Source<C>,
}

impl<C> Plan<C> {
    /// Resolves `asked` for `command`. `address` reads the vCenter address
    /// from the flags, the environment and the config (the CLI decides,
    /// with the credentials, where a password may go); `connect` resolves
    /// the connection settings, called only when the run goes online (it
    /// may prompt for a password). Its `Err` ends the run (a signal at the
    /// prompt); `Ok(Err(finding))` is reported by the connection check.
    pub fn resolve<E: From<Error>>(
        command: Command,
        format: Format,
        asked: Asked,
        address: impl FnOnce(&ArcConfig) -> Option<String>,
        connect: impl FnOnce(&ArcConfig) -> Result<Result<C, Finding>, E>,
    ) -> Result<Plan<C>, E> {
        let manifest = load_manifest(asked.manifest.as_deref(), &asked.manifest_options)?;
        if let Some(user) = &asked.user {
            validate_user(user)?;
        }
        let loaded_matrix = match &asked.support_matrix {
            Some(p) => {
                Some(support_matrix::load(p).map_err(|e| Error::new(e.to_string(), e.remedy()))?)
            }
            None => None,
        };
        let cfg = match &asked.config {
            Some(p) => config::load(p).map_err(|e| Error::new(e.to_string(), e.remedy()))?,
            None => ArcConfig::default(),
        };
        let targets = targets(&asked.targets, &cfg);
        let vcenter_address = address(&cfg);
        let (endpoints, endpoints_from) = match &asked.endpoints {
            Some(p) => endpoints::load(p)
                .map(|e| (e, p.display().to_string()))
                .map_err(|e| Error::new(e.to_string(), e.remedy()))?,
            None => (endpoints::embedded(), "the embedded list".to_string()),
        };
        let selection = Selection {
            only: &asked.only,
            skip: &asked.skip,
        };
        let source = if let Some(path) = &asked.from {
            Source::Snapshot(path.clone())
        } else if !Needs::of(command.checks, &selection, &cfg).vcenter {
            Source::None("no check that reads the vCenter was asked for".into())
        } else if vcenter_address.is_none() {
            Source::None(
                "no vCenter address: set vsphereprovider.credentials.address in the config, --url or VAUDIT_URL".into(),
            )
        } else {
            Source::Live(connect(&cfg)?)
        };
        Ok(Plan {
            command,
            format,
            config_given: asked.config.is_some(),
            config: cfg,
            manifest,
            loaded_matrix,
            endpoints,
            endpoints_from,
            targets,
            only: asked.only,
            skip: asked.skip,
            fail_on: asked.fail_on.unwrap_or(Severity::Error),
            user: asked.user,
            max_age: asked.max_age,
            save: asked.save,
            vcenter_address,
            source,
        })
    }

    pub fn support_matrix(&self) -> &SupportMatrix {
        self.loaded_matrix
            .as_ref()
            .unwrap_or_else(|| support_matrix::embedded())
    }

    pub fn selection(&self) -> Selection<'_> {
        Selection {
            only: &self.only,
            skip: &self.skip,
        }
    }

    /// Whether `name` is a check of this command, and selected.
    pub fn wants(&self, name: &str) -> bool {
        self.command.checks.iter().any(|c| c.name == name) && self.selection().enabled(name)
    }

    /// The snapshot `--from` names, if the run reads one.
    pub fn from(&self) -> Option<&Path> {
        match &self.source {
            Source::Snapshot(p) => Some(p),
            _ => None,
        }
    }
}

/// `--user` names one principal only with its domain: vCenter keeps users
/// of several domains, and a bare name would be judged as whichever one
/// the server or SSO picks (vsphere-csi-driver#808). The login
/// (`--username`) is the server's to judge, not this.
pub fn validate_user(given: &str) -> Result<(), Error> {
    const FORMS: &str = "Give --user as user@domain or DOMAIN\\user, e.g. deployer@vsphere.local.";
    let p = crate::vsphere::Principal::parse(given);
    if p.name.is_empty() {
        return Err(Error::new(
            format!("The --user value {given:?} names no user."),
            FORMS,
        ));
    }
    if p.domain.is_none() {
        return Err(Error::new(
            format!(
                "The --user value {given:?} names no domain, so it could be a user of any identity source."
            ),
            FORMS,
        ));
    }
    Ok(())
}

/// The targets: a flag wins over the config key it stands for.
pub fn targets(flags: &TargetSpec, cfg: &ArcConfig) -> TargetSpec {
    TargetSpec {
        datacenter: flags.datacenter.clone().or(cfg.datacenter.clone()),
        folder: flags.folder.clone().or(cfg.folder.clone()),
        pool: flags.pool.clone().or(cfg.resource_pool.clone()),
        datastore: flags.datastore.clone().or(cfg.datastore.clone()),
        network: flags.network.clone().or(cfg.network.clone()),
        template: flags.template.clone().or(cfg.template.clone()),
        // No Arc config key names these; an OpenShift install-config
        // names the cluster.
        cluster: flags.cluster.clone().or(cfg.cluster.clone()),
        host: flags.host.clone(),
        switch: flags.switch.clone(),
    }
}

/// The manifest a command was given, or the embedded one; read before any
/// connection, so a bad file costs no login.
pub fn load_manifest(path: Option<&Path>, options: &[String]) -> Result<Manifest, Error> {
    let given = path.map(|p| p.to_string_lossy());
    manifest::load(given.as_deref(), options).map_err(|e| Error::new(e.to_string(), e.remedy()))
}
