//! The command line, as `../shared/spec/cli.md` §1–§3 define it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::report::Format;

#[derive(Parser, Debug)]
#[command(
    name = "vaudit",
    version,
    about = "Audit a VMware vCenter before deploying the Azure Arc resource bridge into it",
    long_about = "Audit a VMware vCenter before deploying the Azure Arc resource bridge into it.\n\n\
        vaudit finds, before `az arcappliance deploy` does, the failures the resource bridge \
        troubleshooting guide lists: missing privileges, folders that cannot hold VMs, host \
        resource pools without HA, stale templates, unreachable or untrusted endpoints.\n\n\
        Exit codes: 0 every check passed, 1 a finding at or above the fail level, \
        2 the audit could not be completed.",
    after_help = "Environment: VAUDIT_URL/GOVC_URL, VAUDIT_USERNAME/GOVC_USERNAME, \
        VAUDIT_PASSWORD/GOVC_PASSWORD, VAUDIT_CA_FILE/GOVC_TLS_CA_CERTS, \
        VAUDIT_INSECURE/GOVC_INSECURE, VAUDIT_TIMEOUT, VAUDIT_OUTPUT, RUST_LOG."
)]
pub struct Cli {
    #[command(flatten)]
    pub log: LogArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct LogArgs {
    /// More detail on stderr: -v for each call, -vv for traces (secrets are never logged)
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Colour reports by severity: auto (on a terminal, honouring NO_COLOR, CLICOLOR and CLICOLOR_FORCE), always or never
    #[arg(long, value_enum, global = true, default_value_t = Color::Auto, value_name = "WHEN")]
    pub color: Color,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Color {
    #[default]
    Auto,
    Always,
    Never,
}

impl From<Color> for crate::report::terminal::ColorChoice {
    fn from(c: Color) -> Self {
        use crate::report::terminal::ColorChoice as C;
        match c {
            Color::Auto => C::Auto,
            Color::Always => C::Always,
            Color::Never => C::Never,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Show the vCenter's product, version and API version, and the logged-in user
    ///
    /// The quickest proof that the URL, the certificate trust and the credentials work.
    About(AboutArgs),
    /// The deploying user's (or --user's) effective privileges on each target, against the privilege manifest
    Privileges(PrivilegesArgs),
    /// Plan (default), --apply or --undo the smallest role and permission changes that close every privilege gap
    ///
    /// Exit codes: plan 0 nothing left to do, 1 changes planned, 2 no plan; --apply the new
    /// audit's verdict; --undo 0 restored, 2 refused or failed.
    Grant(GrantArgs),
    /// List every folder with its kind; flag a target folder that cannot hold VMs
    Folders(InventoryArgs),
    /// List every resource pool and vApp with its owner; flag host resource pools (no HA)
    Pools(InventoryArgs),
    /// List every template with its age and deploy history; flag stale ones
    Templates(TemplatesArgs),
    /// The pre-deployment gate: every check against the Arc config's targets, one verdict
    #[command(after_long_help = crate::checks::registry::help())]
    Check(CheckArgs),
    /// After deployment: find the appliance VM the config describes and check it against the guide's run-time failures
    ///
    /// Run it when the bridge is deployed and misbehaves (Offline, unreachable, upgrades failing).
    /// Exit codes as for check: 0 healthy, 1 a finding at or above the fail level, 2 incomplete
    /// (including no appliance VM found: the checks about it cannot be verified).
    #[command(after_long_help = crate::checks::registry::diagnose_help())]
    Diagnose(DiagnoseArgs),
    /// Print the JSON Schema of every --output json document (vaudit/v1)
    Schema,
    /// Log in, then store the password for --url and --username in the OS keyring
    Login(ConnectionArgs),
    /// Delete the stored password for --url and --username from the OS keyring
    Logout(ConnectionArgs),
    /// Print an embedded privilege manifest: `manifest list`, `manifest show NAME`
    Manifest(ManifestArgs),
    /// Print shell completions
    Completions {
        /// The shell to complete for
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug)]
pub struct AboutArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Which vCenter and which user; the password never comes from a flag.
#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Connection")]
pub struct KeyArgs {
    /// vCenter host name, IP or https://host[:port][/sdk] [env: VAUDIT_URL, GOVC_URL]
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,

    /// User to log in as, e.g. deployer@vsphere.local [env: VAUDIT_USERNAME, GOVC_USERNAME]
    #[arg(long, short = 'u', value_name = "USER")]
    pub username: Option<String>,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Connection")]
pub struct ConnectionArgs {
    #[command(flatten)]
    pub key: KeyArgs,

    /// Trust the root certificates in this PEM file, besides the system's [env: VAUDIT_CA_FILE, GOVC_TLS_CA_CERTS]
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,

    /// Skip certificate verification (warned about on every run) [env: VAUDIT_INSECURE, GOVC_INSECURE]
    #[arg(long, short = 'k')]
    pub insecure: bool,

    /// Seconds to wait for each request [env: VAUDIT_TIMEOUT] [default: 30]
    #[arg(long, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// Seconds the whole command may take, however the server answers; then it logs out and exits 2
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub deadline: u64,

    /// Most inventory objects one collection reads (pages: a 500th of it, at least 500); raise it for a larger vCenter
    #[arg(long, value_name = "N", default_value_t = crate::vsphere::Limits::DEFAULT_MAX_OBJECTS, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_objects: usize,

    /// The proxy for the vCenter session: a URL, or `none` to go straight to it (default: HTTPS_PROXY / ALL_PROXY, unless NO_PROXY covers the vCenter)
    #[arg(long, value_name = "URL|none", value_parser = parse_proxy)]
    pub proxy: Option<crate::vsphere::ProxySetting>,
}

#[derive(Args, Debug, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// table for people, json for scripts (schema vaudit/v1), markdown for CI summaries; junit for check; toml for manifest show [env: VAUDIT_OUTPUT] [default: table on a terminal, json otherwise]
    #[arg(long, short = 'o', value_parser = format_parser(), value_name = "FORMAT")]
    pub output: Option<Format>,
}

/// Every format name is accepted by the parser; whether a command renders
/// it is decided once, in `output::resolve`, with a sentence that says
/// which commands do.
fn format_parser() -> impl clap::builder::TypedValueParser<Value = Format> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(Format::NAMES)
        .map(|s: String| Format::parse(&s).unwrap_or(Format::Table))
}

/// The check names `--skip` and `--only` take: the registry's.
fn check_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::checks::registry::names())
}

/// The names `diagnose --skip`/`--only` take.
fn diagnose_parser() -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(crate::checks::registry::names_in(
        crate::checks::registry::DIAGNOSE,
    ))
}

/// The deployment targets, by inventory path (/DC0/vm/Arc) or unique name.
#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Targets")]
pub struct TargetArgs {
    /// Datacenter name or path; narrows the other names to it
    #[arg(long, value_name = "NAME", value_parser = target_name)]
    pub datacenter: Option<String>,
    /// VM folder the appliance and its template go into
    #[arg(long, value_name = "PATH", value_parser = target_name)]
    pub folder: Option<String>,
    /// Resource pool the appliance runs in
    #[arg(long, value_name = "PATH", value_parser = target_name)]
    pub pool: Option<String>,
    /// Datastore the appliance's disks go on
    #[arg(long, value_name = "NAME", value_parser = target_name)]
    pub datastore: Option<String>,
    /// Network (port group) the appliance connects to
    #[arg(long, value_name = "NAME", value_parser = target_name)]
    pub network: Option<String>,
    /// Template the appliance is deployed from
    #[arg(long, value_name = "NAME", value_parser = target_name)]
    pub template: Option<String>,
    /// Cluster the deployment runs on (a manifest's `cluster` kind)
    #[arg(long, value_name = "PATH", value_parser = target_name)]
    pub cluster: Option<String>,
    /// ESXi host the deployment runs on (a manifest's `host` kind)
    #[arg(long, value_name = "PATH", value_parser = target_name)]
    pub host: Option<String>,
    /// Distributed switch the deployment's port group is on (a manifest's `switch` kind)
    #[arg(long, value_name = "PATH", value_parser = target_name)]
    pub switch: Option<String>,
}

#[derive(Args, Debug, Clone, Default)]
#[command(next_help_heading = "Snapshot")]
pub struct SnapshotArgs {
    /// Write the collected inventory to FILE (JSON), to audit it later offline
    #[arg(long, value_name = "FILE")]
    pub save: Option<std::path::PathBuf>,
    /// Audit a snapshot written by --save instead of a live vCenter
    #[arg(long, value_name = "FILE", conflicts_with = "save")]
    pub from: Option<std::path::PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    #[default]
    Error,
    Warning,
}

/// The lowest severity that fails the run.
pub fn fail_on(f: FailOn) -> crate::checks::Severity {
    match f {
        FailOn::Error => crate::checks::Severity::Error,
        FailOn::Warning => crate::checks::Severity::Warning,
    }
}

#[derive(Args, Debug)]
pub struct InventoryArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 1 on findings of this severity or worse
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL")]
    pub fail_on: FailOn,
}

#[derive(Args, Debug)]
pub struct PrivilegesArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 1 on findings of this severity or worse
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL")]
    pub fail_on: FailOn,
    #[command(flatten)]
    pub audited: AuditedArgs,
    /// For each entity with missing privileges, show the permissions that apply and a role definition to paste
    #[arg(long)]
    pub explain: bool,
    /// List every privilege checked, granted ones too (by default only the gaps and a count per entity)
    #[arg(long)]
    pub all: bool,
}

/// Whose privileges are judged, and against which manifest: `privileges`,
/// `grant` and `check` take the same three flags.
#[derive(Args, Debug, Clone, Default)]
pub struct AuditedArgs {
    /// Audit this user's privileges instead of the logged-in one's (the logged-in user needs Authorization.ModifyPermissions at the root)
    #[arg(long, value_name = "PRINCIPAL")]
    pub user: Option<String>,
    /// Check privileges against this manifest, embedded (vaudit manifest list) or a file, instead of arc-resource-bridge
    #[arg(long, value_name = "NAME|FILE")]
    pub manifest: Option<PathBuf>,
    /// Switch on a named option of the manifest (repeatable; vaudit manifest show lists them)
    #[arg(long = "manifest-option", value_name = "NAME")]
    pub manifest_option: Vec<String>,
}

impl AuditedArgs {
    /// The plan's inputs these flags give; the command fills in the rest.
    pub fn asked(&self) -> crate::plan::Asked {
        crate::plan::Asked {
            manifest: self.manifest.clone(),
            manifest_options: self.manifest_option.clone(),
            user: self.user.clone(),
            ..Default::default()
        }
    }
}

#[derive(Args, Debug)]
pub struct GrantArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub audited: AuditedArgs,
    /// Plan the recommended privileges too
    #[arg(long)]
    pub recommended: bool,
    /// Prefix of the dedicated roles, one per entity kind [default: vaudit-MANIFEST-vVERSION]
    #[arg(long, value_name = "PREFIX")]
    pub role: Option<String>,
    /// Apply the plan in order (journal first), then audit again; exit code is the new verdict's
    #[arg(long, conflicts_with = "undo")]
    pub apply: bool,
    /// Where --apply writes the undo record [default: vaudit-grant-VCENTER-UTCTIME.json]
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Add the missing privileges to the role the principal's existing permission holds (its other holders gain them too)
    #[arg(long)]
    pub widen_shared_role: bool,
    /// Replace the principal's existing permission with a dedicated role holding the old role's privileges and the needed ones
    #[arg(long)]
    pub replace_existing: bool,
    /// Allow a permission moved up from an entity vSphere refuses (a datacenter's top folder, a root pool)
    #[arg(long)]
    pub allow_move_up: bool,
    /// Restore the state the journal FILE recorded (refused if it changed since)
    #[arg(long, value_name = "FILE")]
    pub undo: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ManifestArgs {
    #[command(subcommand)]
    pub action: Option<ManifestAction>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Subcommand, Debug)]
pub enum ManifestAction {
    /// List the embedded manifests
    List {
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Print one manifest, embedded or a file (default: arc-resource-bridge)
    Show {
        /// The manifest's name, as `manifest list` prints it, or a manifest file
        #[arg(value_name = "NAME|FILE")]
        name: Option<String>,
        /// Switch on a named option of the manifest (repeatable; `manifest show` lists them)
        #[arg(long = "manifest-option", value_name = "NAME")]
        manifest_option: Vec<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Args, Debug)]
pub struct TemplatesArgs {
    #[command(flatten)]
    pub inventory: InventoryArgs,
    /// Also call a template stale when it is older than DAYS
    #[arg(long, value_name = "DAYS")]
    pub max_age: Option<u32>,
}

/// The flags the gate and diagnose share: one block, flattened into both.
#[derive(Args, Debug, Clone)]
pub struct GateArgs {
    /// The Arc resource bridge *-appliance.yaml or *-infra.yaml; flags override it
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub connection: ConnectionArgs,
    #[command(flatten)]
    pub targets: TargetArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 1 on findings of this severity or worse
    #[arg(long, value_enum, default_value_t = FailOn::Error, value_name = "LEVEL", help_heading = "Verdict")]
    pub fail_on: FailOn,
    /// Also call a template stale when it is older than DAYS
    #[arg(long, value_name = "DAYS", help_heading = "Verdict")]
    pub max_age: Option<u32>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub gate: GateArgs,
    #[command(flatten)]
    pub snapshot: SnapshotArgs,
    /// Leave these checks out (comma-separated; the list is under --help)
    #[arg(long, value_parser = check_parser(), value_delimiter = ',', value_name = "CHECK", help_heading = "Checks")]
    pub skip: Vec<String>,
    /// Run only these checks (comma-separated)
    #[arg(
        long,
        value_parser = check_parser(),
        value_delimiter = ',',
        value_name = "CHECK",
        conflicts_with = "skip",
        help_heading = "Checks"
    )]
    pub only: Vec<String>,
    #[command(flatten, next_help_heading = "Checks")]
    pub audited: AuditedArgs,
    /// Judge versions against this support matrix (TOML, the form of data/support-matrix.toml) instead of the embedded one
    #[arg(long, value_name = "FILE", help_heading = "Checks")]
    pub support_matrix: Option<PathBuf>,
    /// Probe these required endpoints (tab-separated host, port, protocol: the form of data/arc-endpoints.tsv) instead of the embedded list
    #[arg(long, value_name = "FILE", help_heading = "Checks")]
    pub endpoints: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct DiagnoseArgs {
    #[command(flatten)]
    pub gate: GateArgs,
    /// Leave these checks out (comma-separated; the list is under --help)
    #[arg(long, value_parser = diagnose_parser(), value_delimiter = ',', value_name = "CHECK", help_heading = "Checks")]
    pub skip: Vec<String>,
    /// Run only these checks (comma-separated)
    #[arg(
        long,
        value_parser = diagnose_parser(),
        value_delimiter = ',',
        value_name = "CHECK",
        conflicts_with = "skip",
        help_heading = "Checks"
    )]
    pub only: Vec<String>,
}

impl DiagnoseArgs {
    /// The gate's arguments with diagnose's: no snapshot, manifest or --user.
    pub fn as_check(&self) -> CheckArgs {
        CheckArgs {
            gate: self.gate.clone(),
            snapshot: SnapshotArgs::default(),
            skip: self.skip.clone(),
            only: self.only.clone(),
            audited: AuditedArgs::default(),
            support_matrix: None,
            endpoints: None,
        }
    }
}

/// `--proxy`: `none`, or a proxy URL (`http://host:port`, or `host:port`).
fn parse_proxy(s: &str) -> Result<crate::vsphere::ProxySetting, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("none") {
        return Ok(crate::vsphere::ProxySetting::Direct);
    }
    if s.is_empty() {
        return Err("give a proxy URL (http://proxy.corp:3128) or none".into());
    }
    Ok(crate::vsphere::ProxySetting::Named(s.to_string()))
}

/// A target flag's value: an empty one names nothing, and is a usage error
/// rather than a target "not found".
fn target_name(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err(
            "it is empty: give the object's inventory path (/DC0/...) or a unique name, or leave the flag out"
                .into(),
        );
    }
    Ok(s.to_string())
}
