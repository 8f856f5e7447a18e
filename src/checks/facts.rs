//! Everything the checks read, gathered before any of them runs: the
//! config, the targets asked for and found, and what the vCenter answered
//! (live, from a saved snapshot, or nothing and why).

use time::OffsetDateTime;

use super::finding::Finding;
use super::matrix::SupportMatrix;
use crate::config::ArcConfig;
use crate::inventory::{Snapshot, TargetError, TargetSpec, Targets};
use crate::manifest::Manifest;
use crate::vsphere::tls::CertSummary;

/// Where the vCenter facts come from.
// One per run: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Access<'a> {
    /// A session ran in this process: everything is at hand.
    Live { snap: &'a Snapshot, live: &'a Live },
    /// A snapshot written by `--save`: what only a session can tell (the
    /// certificate, the clock, the REST endpoint) is out of reach.
    Offline { snap: &'a Snapshot },
    /// No session: why (no address given, the login failed…), and the
    /// finding that says so when the failure is itself a verdict.
    Unavailable {
        reason: String,
        finding: Option<Box<Finding>>,
    },
}

/// What only a live session knows.
#[derive(Debug, Default, Clone)]
pub struct Live {
    pub certificate: Option<CertSummary>,
    /// `None` when the tagging check was not asked for; the error text
    /// when the vAPI REST session or the tag list failed.
    pub tagging: Option<Result<(), String>>,
    /// vCenter 9's permission and role lists (REST), when AttachTag was
    /// asked about there; the error text when the lists were refused or
    /// failed. `None`: not asked (another version, or not wanted).
    pub global_permissions: Option<Box<Result<crate::vsphere::Authorization, String>>>,
    /// How certificate verification was turned off, if it was.
    pub insecure: Option<InsecureSource>,
    /// `vaudit diagnose`: the appliance VM(s) and what was read about them.
    pub appliance: Option<Box<crate::inventory::appliance::Appliance>>,
    /// `SearchIndex.FindAllByIp` for the control-plane and node addresses,
    /// when the ip-conflict check was asked for: what vCenter already holds
    /// at each, or why it could not say.
    pub ip_holders: Option<Result<Vec<IpHolder>, String>>,
    /// What vCenter SSO said of the logged-in account's password, when the
    /// credential-expiry check was asked for.
    pub credential_expiry: Option<Box<CredentialExpiry>>,
}

/// Who turned certificate verification off. A flag is a decision made on the
/// command line; a variable may be a leftover in a CI environment, so the gate
/// treats the two differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsecureSource {
    /// `--insecure` / `-k`.
    Flag,
    /// `VAUDIT_INSECURE` or `GOVC_INSECURE`, by name.
    Env(&'static str),
}

/// The logged-in account's password expiry, as vCenter SSO answered.
#[derive(Debug, Clone, PartialEq)]
pub struct CredentialExpiry {
    /// The account (its SSO token's subject, else the login name).
    pub account: String,
    pub answer: ExpiryAnswer,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExpiryAnswer {
    /// Days until it expires (`GetDaysRemainingUntilPasswordExpiration`);
    /// 0: it has expired.
    Days(u32),
    /// It never expires, and which answer says so.
    Never { source: String },
    /// SSO cannot say, and why (an account of another identity source; an
    /// account that may not ask while the policy limits passwords' life).
    Unanswerable(String),
    /// SSO did not answer (no token, a fault): why.
    Failed(String),
}

/// A VM (by its guest address) or a host (by a vNIC) vCenter knows at an
/// address of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct IpHolder {
    pub ip: String,
    pub moref: crate::vsphere::MoRef,
    pub vm: bool,
}

pub struct Facts<'a> {
    pub config: &'a ArcConfig,
    /// Whether a `--config` file was read.
    pub config_given: bool,
    /// The targets asked for: flags over the config.
    pub spec: &'a TargetSpec,
    /// The vCenter address as given (flag, environment or config).
    pub vcenter_address: Option<&'a str>,
    pub now: OffsetDateTime,
    pub max_age: Option<u32>,
    pub manifest: &'a Manifest,
    /// The support matrix: the embedded one or `--support-matrix FILE`.
    pub support_matrix: &'a SupportMatrix,
    /// `--user`: whose privileges, when not the logged-in user's.
    pub privileges_user: Option<&'a str>,
    /// A listing command: notes on the rest of the inventory belong in the
    /// report; the gate keeps to its targets.
    pub whole_inventory: bool,
    pub vcenter: Access<'a>,
    /// The targets found in the snapshot (empty without one).
    pub targets: Targets<'a>,
    /// The targets asked for that the snapshot does not hold.
    pub target_errors: Vec<TargetError>,
    /// `vaudit diagnose`: the control-plane probe from this machine, when
    /// the config names an endpoint.
    pub probe: Option<&'a crate::inventory::appliance::Probe>,
    /// What the network probes saw from this machine; `None` when they
    /// were not run.
    pub network: Option<&'a crate::probe::NetworkFacts>,
}

impl<'a> Facts<'a> {
    pub fn snapshot(&self) -> Option<&'a Snapshot> {
        match self.vcenter {
            Access::Live { snap, .. } | Access::Offline { snap } => Some(snap),
            Access::Unavailable { .. } => None,
        }
    }

    pub fn appliance(&self) -> Option<&'a crate::inventory::appliance::Appliance> {
        self.live().and_then(|l| l.appliance.as_deref())
    }

    pub fn live(&self) -> Option<&'a Live> {
        match self.vcenter {
            Access::Live { live, .. } => Some(live),
            _ => None,
        }
    }
}
