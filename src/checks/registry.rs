//! The one list of checks. `--skip`/`--only` values, shell completions, the
//! help text, the JUnit suites and the gate's table all come from it, so a
//! check added here cannot be forgotten by any of them.
//!
//! Each entry says what the check needs; what it needs and did not get makes
//! it `not-verified` with the way to supply it, before its function runs. So
//! a check's function only ever sees the facts it asked for, and a check
//! with nothing to look at can never come out `pass`.

use super::facts::{Facts, Vcenter};
use super::finding::Severity;
use super::outcome::{CheckResult, Outcome};
use super::{
    appliance, capacity, connection, credential_expiry, dns, egress, endpoints, folders,
    ip_conflict, ip_plan, latency, network, placement, pools, privileges, proxy, support_matrix,
    tagging, targets, templates, upload_path, vcenter,
};
use crate::config::Section;
use crate::inventory::vanished::Vanished;
use crate::inventory::{Entity, Facet, Facets, TargetError, TargetSpec, Targets};

/// What resolving every kind of target reads.
const TARGET_FACETS: &[Facet] = &[
    Facet::Datacenters,
    Facet::Folders,
    Facet::Pools,
    Facet::Datastores,
    Facet::Networks,
    Facet::Templates,
];

/// What placement, the upload path and capacity read: the target pool,
/// the hosts behind it and the datastores they mount.
const WHERE_IT_LANDS: &[Facet] = &[
    Facet::Pools,
    Facet::Compute,
    Facet::Hosts,
    Facet::Datastores,
];

/// The appliance's checks look for the deployed VM anywhere.
const EVERYTHING: &[Facet] = &[
    Facet::Datacenters,
    Facet::Folders,
    Facet::Compute,
    Facet::Hosts,
    Facet::Pools,
    Facet::Vms,
    Facet::Datastores,
    Facet::Networks,
];

/// What of the vCenter a check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Nothing: the config or the flags are enough.
    Nothing,
    /// The inventory: a live session or a saved snapshot will do.
    Snapshot,
    /// Something only a live session can tell.
    Session,
    /// What the network probes saw from this machine (`probe`), run before
    /// the registry only for the checks asked for.
    Network,
    /// The inventory (live or a snapshot) and what the probes saw of the
    /// hosts it names: the probe runs after the session.
    InventoryAndNetwork,
}

/// A deployment target a check judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Datacenter,
    Folder,
    Pool,
    Datastore,
    Network,
    Template,
}

impl Target {
    /// The config key and the flag that set it, for reasons and remedies.
    pub fn how_to_give(self) -> &'static str {
        match self {
            Target::Datacenter => "vsphereprovider.datacenter in the config, or --datacenter",
            Target::Folder => "vsphereprovider.folder in the config, or --folder",
            Target::Pool => "vsphereprovider.resourcepool in the config, or --pool",
            Target::Datastore => "vsphereprovider.datastore in the config, or --datastore",
            Target::Network => "vsphereprovider.network.segment in the config, or --network",
            Target::Template => {
                "vsphereprovider.appliancevm.vmtemplate in the config, or --template"
            }
        }
    }

    /// The config key that names it.
    pub fn config_key(self) -> &'static str {
        use crate::config::keys;
        match self {
            Target::Datacenter => keys::DATACENTER,
            Target::Folder => keys::FOLDER,
            Target::Pool => keys::POOL,
            Target::Datastore => keys::DATASTORE,
            Target::Network => keys::NETWORK,
            Target::Template => keys::TEMPLATE,
        }
    }

    /// The flag that names it.
    pub fn flag(self) -> &'static str {
        match self {
            Target::Datacenter => "--datacenter",
            Target::Folder => "--folder",
            Target::Pool => "--pool",
            Target::Datastore => "--datastore",
            Target::Network => "--network",
            Target::Template => "--template",
        }
    }

    pub fn what(self) -> &'static str {
        match self {
            Target::Datacenter => "datacenter",
            Target::Folder => "folder",
            Target::Pool => "resource pool",
            Target::Datastore => "datastore",
            Target::Network => "network",
            Target::Template => "template",
        }
    }

    pub fn asked(self, spec: &TargetSpec) -> Option<&str> {
        match self {
            Target::Datacenter => spec.datacenter.as_deref(),
            Target::Folder => spec.folder.as_deref(),
            Target::Pool => spec.pool.as_deref(),
            Target::Datastore => spec.datastore.as_deref(),
            Target::Network => spec.network.as_deref(),
            Target::Template => spec.template.as_deref(),
        }
    }

    /// What finding it in the inventory reads.
    pub fn facet(self) -> Facet {
        match self {
            Target::Datacenter => Facet::Datacenters,
            Target::Folder => Facet::Folders,
            Target::Pool => Facet::Pools,
            Target::Datastore => Facet::Datastores,
            Target::Network => Facet::Networks,
            Target::Template => Facet::Templates,
        }
    }

    pub fn found<'a>(self, t: &Targets<'a>) -> Option<&'a Entity> {
        match self {
            Target::Datacenter => t.datacenter,
            Target::Folder => t.folder,
            Target::Pool => t.pool,
            Target::Datastore => t.datastore,
            Target::Network => t.network,
            Target::Template => t.template,
        }
    }
}

pub struct Check {
    /// The name `--skip`/`--only` take, the JUnit suite, the `check` field
    /// of its findings.
    pub name: &'static str,
    /// One line for `vaudit check --help`.
    pub about: &'static str,
    pub reads: Reads,
    /// The parts of the inventory it reads (its targets' are added by
    /// `needs`): the command collects the union over its selected checks.
    pub inventory: &'static [Facet],
    /// Targets without which it has nothing to judge.
    pub targets: &'static [Target],
    /// The config sections it reads keys of: one that was not read (no
    /// `--config`, or an infra file alone) makes it `not-verified` naming
    /// the file that holds it, before its function runs.
    pub config: &'static [Section],
    pub run: fn(&Facts<'_>) -> Outcome,
}

/// Every check of `vaudit check`, in report order.
pub static CHECKS: &[Check] = &[
    Check {
        name: endpoints::CHECK,
        about: "no host name of the config (vCenter, proxy, DNS) ends in .local",
        reads: Reads::Nothing,
        inventory: &[],
        targets: &[],
        config: &[],
        run: endpoints::run,
    },
    Check {
        name: ip_plan::CHECK,
        about: "control-plane and node IPs inside the prefix, clear of the gateway, /29 or larger",
        reads: Reads::Nothing,
        inventory: &[],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        run: ip_plan::run,
    },
    Check {
        name: dns::CHECK,
        about: "each DNS server of the config resolves the vCenter, the proxy and the required endpoints",
        reads: Reads::Network,
        inventory: &[],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        run: dns::run,
    },
    Check {
        name: proxy::CHECK,
        about: "the proxy is well-formed, answers CONNECT, its TLS is trusted, noproxy is complete",
        reads: Reads::Network,
        inventory: &[],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        run: proxy::run,
    },
    Check {
        name: egress::CHECK,
        about: "each required endpoint answers from here, through the proxy when there is one",
        reads: Reads::Network,
        inventory: &[],
        targets: &[],
        config: &[Section::Appliance],
        run: egress::run,
    },
    Check {
        name: ip_conflict::CHECK,
        about: "nothing holds the control-plane or node addresses yet (vCenter, then a TCP probe)",
        reads: Reads::Network,
        // The VMs and hosts vCenter finds at an address, by name and path.
        inventory: &[Facet::Hosts, Facet::Vms],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        run: ip_conflict::run,
    },
    CONNECTION,
    Check {
        name: tagging::CHECK,
        about: "the vAPI REST endpoint the deployment tags through answers, and AttachTag is a global permission",
        reads: Reads::Snapshot,
        inventory: TARGET_FACETS,
        targets: &[],
        config: &[],
        run: tagging::run,
    },
    Check {
        name: support_matrix::CHECK,
        about: "the vCenter and the pool's ESXi hosts are in the support matrix; at most 9,500 VMs",
        reads: Reads::Snapshot,
        inventory: &[Facet::VmCount, Facet::Pools, Facet::Compute, Facet::Hosts],
        targets: &[],
        config: &[],
        run: support_matrix::run,
    },
    Check {
        name: vcenter::CLOCK,
        about: "this machine's clock agrees with the vCenter's",
        reads: Reads::Session,
        inventory: &[],
        targets: &[],
        config: &[],
        run: vcenter::run_clock,
    },
    CREDENTIAL_EXPIRY,
    TARGETS,
    Check {
        name: privileges::CHECK,
        about: "the deploying user holds the manifest's privileges on every target",
        reads: Reads::Snapshot,
        inventory: TARGET_FACETS,
        targets: &[],
        config: &[],
        run: privileges::run,
    },
    Check {
        name: folders::CHECK,
        about: "the target folder can hold VMs and templates",
        reads: Reads::Snapshot,
        inventory: &[Facet::Folders],
        targets: &[Target::Folder],
        config: &[],
        run: folders::run,
    },
    Check {
        name: pools::CHECK,
        about: "the target pool belongs to a cluster, not a standalone host",
        reads: Reads::Snapshot,
        inventory: &[Facet::Pools, Facet::Compute],
        targets: &[Target::Pool],
        config: &[],
        run: pools::run,
    },
    TEMPLATES,
    Check {
        name: placement::CHECK,
        about: "a connected host of the target pool, out of maintenance, mounts the target datastore",
        reads: Reads::Snapshot,
        inventory: WHERE_IT_LANDS,
        targets: &[Target::Pool, Target::Datastore],
        config: &[],
        run: placement::run,
    },
    Check {
        name: upload_path::CHECK,
        about: "each host of the pool that mounts the datastore resolves from here and answers on 443 (the image upload)",
        reads: Reads::InventoryAndNetwork,
        inventory: WHERE_IT_LANDS,
        targets: &[Target::Pool, Target::Datastore],
        config: &[],
        run: upload_path::run,
    },
    Check {
        name: capacity::CHECK,
        about: "the target pool has 8 GB and 4 vCPU unreserved, the target datastore 200 GB free",
        reads: Reads::Snapshot,
        inventory: WHERE_IT_LANDS,
        targets: &[Target::Pool, Target::Datastore],
        config: &[],
        run: capacity::run,
    },
    Check {
        name: network::CHECK,
        about: "the target network's name is unique in its datacenter",
        reads: Reads::Snapshot,
        inventory: &[Facet::Networks],
        targets: &[Target::Network],
        config: &[],
        run: network::run,
    },
    DATASTORE_LATENCY,
];

const CONNECTION: Check = Check {
    name: connection::CHECK,
    about: "the vCenter answers, its certificate verifies and is not expiring, the login works",
    reads: Reads::Nothing,
    inventory: &[],
    targets: &[],
    config: &[],
    run: connection::run,
};

const CREDENTIAL_EXPIRY: Check = Check {
    name: credential_expiry::CHECK,
    about: "the deploying account's password does not expire within 30 days (vCenter SSO)",
    reads: Reads::Session,
    inventory: &[],
    targets: &[],
    config: &[],
    run: credential_expiry::run,
};

const TARGETS: Check = Check {
    name: targets::CHECK,
    about: "every target the config or the flags name exists and is visible",
    reads: Reads::Snapshot,
    inventory: TARGET_FACETS,
    targets: &[],
    config: &[],
    run: targets::run,
};

const TEMPLATES: Check = Check {
    name: templates::CHECK,
    about: "the target template is not stale or duplicated",
    reads: Reads::Snapshot,
    inventory: &[Facet::Templates],
    targets: &[Target::Template],
    config: &[],
    run: templates::run,
};

const DATASTORE_LATENCY: Check = Check {
    name: latency::CHECK,
    about: "the target datastore's write latency over the last hour is 10 ms or less on every host",
    reads: Reads::Snapshot,
    inventory: &[Facet::Datastores, Facet::Hosts],
    targets: &[Target::Datastore],
    config: &[],
    run: latency::run,
};

/// Every check of `vaudit diagnose` (after deployment), in report order:
/// the same mechanism, so `--skip`/`--only`, JUnit and the exit code work
/// as for `check`.
pub static DIAGNOSE: &[Check] = &[
    CONNECTION,
    Check {
        name: appliance::VM,
        about: "the appliance VM is found (guest IP, else deployed from the template) and powered on",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[],
        run: appliance::run_vm,
    },
    Check {
        name: appliance::IP,
        about: "the appliance VM still holds the control-plane endpoint and a node-pool address",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[Section::Appliance],
        run: appliance::run_ip,
    },
    Check {
        name: appliance::CONTROL_PLANE,
        about: "the bridge's API server answers on the control-plane endpoint, port 6443, from this machine",
        reads: Reads::Nothing,
        inventory: &[],
        targets: &[],
        config: &[Section::Appliance],
        run: appliance::run_control_plane,
    },
    TARGETS,
    Check {
        name: appliance::LOCATION,
        about: "the appliance VM is where the config says, and not in a host resource pool",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[],
        run: appliance::run_location,
    },
    Check {
        name: appliance::LOGINS,
        about: "no failed vCenter logins from the appliance's addresses (stale stored credentials)",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[Section::Appliance],
        run: appliance::run_logins,
    },
    CREDENTIAL_EXPIRY,
    Check {
        name: appliance::TOOLS,
        about: "VMware Tools run in the appliance VM, and it is inside the six-month upgrade window",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[],
        run: appliance::run_tools,
    },
    DATASTORE_LATENCY,
    TEMPLATES,
    Check {
        name: appliance::EVENTS,
        about: "the appliance VM's recent power, migration, reconfiguration and HA events, as notes",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[],
        run: appliance::run_events,
    },
];

/// What of the inventory a check reads: its own declaration and its
/// targets'.
pub fn needs(c: &Check) -> Facets {
    c.targets.iter().fold(Facets::of(c.inventory), |acc, t| {
        acc.with(Facets::of(&[t.facet()]))
    })
}

/// The union over the selected checks of `checks`: what one collection
/// pass must read for them.
pub fn inventory_for(checks: &[Check], selection: &Selection<'_>) -> Facets {
    checks
        .iter()
        .filter(|c| selection.enabled(c.name))
        .fold(Facets::NONE, |acc, c| acc.with(needs(c)))
}

/// Whether any selected check of `checks` reads the vCenter.
pub fn needs_vcenter(checks: &[Check], selection: &Selection<'_>) -> bool {
    checks
        .iter()
        .any(|c| {
            selection.enabled(c.name)
                && !matches!(c.reads, Reads::Nothing | Reads::Network)
        })
        || selection.enabled(connection::CHECK)
        // It asks vCenter first what holds the plan's addresses.
        || selection.enabled(ip_conflict::CHECK)
}

/// What a listing reads: its check's inventory and that of every target
/// named (the targets check resolves each).
pub fn listing_reads(check: &str, spec: &TargetSpec) -> Facets {
    let own = get(check).map(needs).unwrap_or_else(Facets::all);
    CHECKS
        .iter()
        .flat_map(|c| c.targets)
        .filter(|t| t.asked(spec).is_some())
        .fold(own, |acc, t| acc.with(Facets::of(&[t.facet()])))
}

pub fn names() -> impl Iterator<Item = &'static str> {
    names_in(CHECKS)
}

pub fn names_in(checks: &'static [Check]) -> impl Iterator<Item = &'static str> {
    checks.iter().map(|c| c.name)
}

pub fn get(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

/// The check list for `vaudit check --help`.
pub fn help() -> String {
    help_for(CHECKS)
}

/// The check list for `vaudit diagnose --help`.
pub fn diagnose_help() -> String {
    help_for(DIAGNOSE)
}

fn help_for(checks: &[Check]) -> String {
    let width = checks.iter().map(|c| c.name.len()).max().unwrap_or(0);
    let mut s = String::from("Checks (for --skip and --only):\n");
    for c in checks {
        s.push_str(&format!("  {:width$}  {}\n", c.name, c.about));
    }
    s
}

/// Which checks the user asked for: all but `skip`, or only `only`.
pub struct Selection<'a> {
    pub only: &'a [String],
    pub skip: &'a [String],
}

impl Selection<'_> {
    pub fn enabled(&self, name: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|o| o == name))
            && !self.skip.iter().any(|s| s == name)
    }

    /// Why a check is out, in the user's own words.
    fn why_out(&self, name: &str) -> String {
        if self.skip.iter().any(|s| s == name) {
            format!("--skip {name}")
        } else {
            "not in --only".into()
        }
    }
}

/// What one run of the registry produced.
pub struct Run {
    pub results: Vec<CheckResult>,
    pub findings: Vec<crate::checks::Finding>,
}

/// Runs every selected check of `check` on the facts.
pub fn run(facts: &Facts<'_>, selection: &Selection<'_>, fail_on: Severity) -> Run {
    run_checks(CHECKS, facts, selection, fail_on)
}

/// Runs every selected check of `checks` (`CHECKS` or `DIAGNOSE`).
pub fn run_checks(
    checks: &[Check],
    facts: &Facts<'_>,
    selection: &Selection<'_>,
    fail_on: Severity,
) -> Run {
    let mut results = Vec::new();
    let mut findings = Vec::new();
    // Without the targets check in the run, nothing else lists the
    // candidates of a name not found: each check that needed it does.
    let targets_shown =
        checks.iter().any(|c| c.name == targets::CHECK) && selection.enabled(targets::CHECK);
    for c in checks {
        if !selection.enabled(c.name) {
            results.push(CheckResult::skipped(c.name, selection.why_out(c.name)));
            continue;
        }
        let outcome = run_one_in(c, facts, targets_shown);
        results.push(CheckResult::from_outcome(c.name, &outcome, fail_on));
        findings.extend(match outcome {
            Outcome::Verified(f) | Outcome::NotVerified { findings: f, .. } => f,
        });
    }
    Run { results, findings }
}

/// One check, behind the needs its entry declares: a target the user did
/// not give is named first (it is theirs to supply), then the vCenter facts,
/// then a target that was given and not found.
pub fn run_one(c: &Check, facts: &Facts<'_>) -> Outcome {
    run_one_in(c, facts, true)
}

/// As `run_one`; `targets_shown` says whether the targets check is in the
/// same run to list the candidates of a target not found.
fn run_one_in(c: &Check, facts: &Facts<'_>, targets_shown: bool) -> Outcome {
    if let Some(reason) = facts.config.unread_of(c.config) {
        return Outcome::not_verified(reason);
    }
    for &t in c.targets {
        if t.asked(facts.spec).is_none() {
            return Outcome::not_verified(not_given(t, facts.config));
        }
    }
    if let Some(reason) = missing_vcenter(c.reads, &facts.vcenter) {
        return Outcome::not_verified(reason);
    }
    if let Some(f) = facts.snapshot().and_then(|s| s.facets.missing(needs(c))) {
        return Outcome::not_verified(format!(
            "this command did not read the {} from the vCenter: run `vaudit check --only {}` to verify it",
            f.what(),
            c.name
        ));
    }
    for &t in c.targets {
        let missing = if targets_shown {
            missing_target(t, facts)
        } else {
            missing_target_listed(t, facts)
        };
        if let Some(reason) = missing {
            return Outcome::not_verified(reason);
        }
    }
    if let Some(snap) = facts.snapshot()
        && let Some(v) = &snap.vanished
        && reads_vanished(c, facts, v)
    {
        return Outcome::not_verified(v.reason(snap));
    }
    if matches!(c.reads, Reads::Network | Reads::InventoryAndNetwork) && facts.network.is_none() {
        return Outcome::not_verified(
            "no config given: the network probes need --config (the appliance file and its infra file)",
        );
    }
    (c.run)(facts)
}

/// Whether `c` read what a later call found deleted: the answers of that
/// call, or a target that is the object (the targets check, every one).
fn reads_vanished(c: &Check, facts: &Facts<'_>, v: &Vanished) -> bool {
    if v.checks.iter().any(|n| n == c.name) {
        return true;
    }
    let Some(gone) = &v.object else { return false };
    let is_gone = |t: &Target| t.found(&facts.targets).is_some_and(|e| &e.moref == gone);
    if c.name == targets::CHECK {
        targets::ALL.iter().any(is_gone)
    } else {
        c.targets.iter().any(is_gone)
    }
}

fn missing_vcenter(reads: Reads, v: &Vcenter<'_>) -> Option<String> {
    match (reads, v) {
        (Reads::Nothing | Reads::Network, _) => None,
        (_, Vcenter::Unavailable { reason, .. }) => Some(format!("not run: {reason}")),
        (Reads::Session, Vcenter::Offline { .. }) => Some(
            "offline snapshot: this needs a live session; run without --from to verify it".into(),
        ),
        _ => None,
    }
}

/// Why a target the check needs is not there to judge, if it is not.
pub fn missing_target(t: Target, facts: &Facts<'_>) -> Option<String> {
    match t.asked(facts.spec) {
        None => Some(not_given(t, facts.config)),
        Some(given) if given.trim().is_empty() => Some(format!(
            "{} is empty: give the {} there",
            t.flag(),
            t.what()
        )),
        Some(given) if t.found(&facts.targets).is_none() => {
            let ambiguous = facts.target_errors.iter().find_map(|e| match e {
                TargetError::Ambiguous {
                    what, candidates, ..
                } if *what == t.what() => candidates.first(),
                _ => None,
            });
            Some(match ambiguous {
                Some(first) => format!(
                    "the {} name {given:?} is ambiguous (see the targets check): give the full path, e.g. {first}",
                    t.what()
                ),
                None => format!(
                    "the {} {given:?} was not found (see the targets check)",
                    t.what()
                ),
            })
        }
        Some(_) => None,
    }
}

/// As `missing_target`, when no targets check runs beside it: the reason
/// itself names the candidates (cli.md §3), not a check that was skipped.
pub fn missing_target_listed(t: Target, facts: &Facts<'_>) -> Option<String> {
    let reason = missing_target(t, facts)?;
    let error = facts.target_errors.iter().find(|e| e.what() == t.what());
    Some(match error {
        Some(e @ TargetError::Ambiguous { candidates, .. }) => format!(
            "{e}: give the full path of the {} (in the config or as a flag), e.g. {}",
            t.what(),
            candidates.first().map_or("/DC0/...", String::as_str)
        ),
        Some(e @ TargetError::NotFound { .. }) => format!(
            "{e}: give an existing {} as a path (/DC0/...) or a unique name, in the config or as a flag",
            t.what()
        ),
        None => reason,
    })
}

/// Why a target is not given: its config key is empty, or it is not set.
pub fn not_given(t: Target, config: &crate::config::ArcConfig) -> String {
    if config.is_empty_key(t.config_key()) {
        format!(
            "{} is empty in the config: give the {} there, or {}",
            t.config_key(),
            t.what(),
            t.flag()
        )
    } else {
        format!("no {} given: set {}", t.what(), t.how_to_give())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// One check of `check` run behind its needs on `config` alone: no
    /// vCenter, no targets, no network probes.
    pub(crate) fn run_with_config(name: &str, config: &crate::config::ArcConfig) -> Outcome {
        let spec = TargetSpec::default();
        let manifest = crate::manifest::default_manifest();
        let facts = Facts {
            config,
            config_given: !config.files.is_empty(),
            spec: &spec,
            vcenter_address: None,
            now: time::OffsetDateTime::now_utc(),
            max_age: None,
            manifest: &manifest,
            support_matrix: crate::checks::support_matrix::embedded(),
            privileges_user: None,
            whole_inventory: false,
            vcenter: Vcenter::Unavailable {
                reason: "no vCenter in this test".into(),
                finding: None,
            },
            targets: Targets::default(),
            target_errors: vec![],
            probe: None,
            network: None,
        };
        run_one(get(name).expect("a check of the registry"), &facts)
    }

    /// An infra file alone (which the spec allows) leaves every check that
    /// reads applianceClusterConfig unverified, naming the appliance file,
    /// before it can pass on what it never read.
    #[test]
    fn an_infra_file_alone_leaves_the_appliance_checks_unverified() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("i.yaml");
        std::fs::write(
            &p,
            "vsphereprovider:\n  network:\n    segment: N\n    dnsservers: [127.0.0.2]\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/24\n    k8snodeippoolstart: 127.0.0.50\n    k8snodeippoolend: 127.0.0.54\n",
        )
        .unwrap();
        let config = crate::config::load(&p).unwrap();
        for name in [
            ip_plan::CHECK,
            proxy::CHECK,
            ip_conflict::CHECK,
            egress::CHECK,
            dns::CHECK,
            endpoints::CHECK,
        ] {
            let Outcome::NotVerified { reason, .. } = run_with_config(name, &config) else {
                panic!("{name} was verified on an infra file alone")
            };
            assert!(
                reason.starts_with("applianceClusterConfig was not read")
                    && reason.contains("give --config the *-appliance.yaml")
                    && reason.contains("controlPlaneEndpoint"),
                "{name}: {reason}"
            );
        }
        // With no config at all the same checks name the appliance file once.
        let none = crate::config::ArcConfig::default();
        let Outcome::NotVerified { reason, .. } = run_with_config(ip_plan::CHECK, &none) else {
            panic!("ip-plan verified without a config")
        };
        assert!(
            reason.starts_with("no config given: give --config the *-appliance.yaml")
                && !reason.contains(';'),
            "{reason}"
        );
    }

    #[test]
    fn names_are_unique_and_kebab_case() {
        for list in [CHECKS, DIAGNOSE] {
            let mut seen = std::collections::HashSet::new();
            for n in names_in(list) {
                assert!(seen.insert(n), "{n} twice");
                assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
            }
        }
    }

    #[test]
    fn diagnose_help_lists_its_checks() {
        let h = diagnose_help();
        for n in names_in(DIAGNOSE) {
            assert!(h.contains(&format!("  {n} ")), "{n} missing from help");
        }
    }

    #[test]
    fn help_lists_every_check() {
        let h = help();
        for n in names() {
            assert!(h.contains(&format!("  {n} ")), "{n} missing from help");
        }
    }

    /// A check run on a snapshot that lacks what it reads says so, and is
    /// never judged on what happened to be collected.
    #[test]
    fn a_check_whose_inventory_was_not_read_is_not_verified() {
        let d = crate::inventory::fixture::datacenter();
        let mut snap = d.b.build();
        snap.facets = Facets::of(&[Facet::Folders]).closed();
        let spec = TargetSpec {
            pool: Some("/DC0/host/C0/Resources/Arc".into()),
            folder: Some("/DC0/vm/Arc".into()),
            ..Default::default()
        };
        let (config, manifest) = (
            crate::config::ArcConfig::default(),
            crate::manifest::default_manifest(),
        );
        let inputs = crate::gate::Inputs {
            config: &config,
            config_given: false,
            spec: &spec,
            vcenter_address: None,
            max_age: None,
            manifest: &manifest,
            support_matrix: crate::checks::support_matrix::embedded(),
            privileges_user: None,
            now: time::OffsetDateTime::now_utc(),
            probe: None,
            network: None,
        };
        let only = vec!["folders".to_string(), "pools".to_string()];
        let sel = Selection {
            only: &only,
            skip: &[],
        };
        let e = crate::gate::evaluate(
            &inputs,
            Vcenter::Offline { snap: &snap },
            &sel,
            Severity::Error,
        );
        let status = |n: &str| e.results.iter().find(|r| r.name == n).unwrap();
        assert_eq!(status("folders").status, crate::checks::Status::Pass);
        let pools = status("pools");
        assert_eq!(pools.status, crate::checks::Status::NotVerified);
        assert!(
            pools
                .reason
                .as_deref()
                .unwrap()
                .contains("did not read the"),
            "{:?}",
            pools.reason
        );
    }

    /// Runs `only` of `check` on the fixture datacenter, offline.
    fn evaluate_on_fixture(
        config: &crate::config::ArcConfig,
        spec: &TargetSpec,
        only: &[&str],
    ) -> Vec<crate::checks::CheckResult> {
        let snap = crate::inventory::fixture::datacenter().b.build();
        let manifest = crate::manifest::default_manifest();
        let inputs = crate::gate::Inputs {
            config,
            config_given: !config.files.is_empty(),
            spec,
            vcenter_address: None,
            max_age: None,
            manifest: &manifest,
            support_matrix: crate::checks::support_matrix::embedded(),
            privileges_user: None,
            now: time::OffsetDateTime::now_utc(),
            probe: None,
            network: None,
        };
        let only: Vec<String> = only.iter().map(|s| s.to_string()).collect();
        let sel = Selection {
            only: &only,
            skip: &[],
        };
        crate::gate::evaluate(
            &inputs,
            Vcenter::Offline { snap: &snap },
            &sel,
            Severity::Error,
        )
        .results
    }

    /// `--pool Resources` where two pools have that name: ambiguous, with
    /// a full path to give, in the targets check and the checks that need
    /// the pool alike; never "not found".
    #[test]
    fn an_ambiguous_pool_is_reported_as_ambiguous_with_a_full_path() {
        let spec = TargetSpec {
            pool: Some("Resources".into()),
            ..Default::default()
        };
        let config = crate::config::ArcConfig::default();
        let r = evaluate_on_fixture(&config, &spec, &["targets", "pools"]);
        let pools = r.iter().find(|r| r.name == "pools").unwrap();
        let reason = pools.reason.as_deref().unwrap();
        assert!(
            reason.contains("\"Resources\" is ambiguous")
                && reason.contains("give the full path, e.g. /DC0/host/")
                && !reason.contains("not found"),
            "{reason}"
        );
        let targets = r.iter().find(|r| r.name == "targets").unwrap();
        assert_eq!(targets.status, crate::checks::Status::NotVerified);
    }

    /// `folder: ""` in the config: the folder checks say the key is empty,
    /// not that a folder named "" was not found.
    #[test]
    fn an_empty_folder_key_is_named_as_empty() {
        let config = crate::config::ArcConfig {
            files: vec!["i.yaml".into()],
            sections: vec![(Section::Infra, "i.yaml".into())],
            empty: vec![crate::config::keys::FOLDER],
            ..Default::default()
        };
        let spec = crate::plan::targets(&TargetSpec::default(), &config);
        let r = evaluate_on_fixture(&config, &spec, &["targets", "folders"]);
        for name in ["targets", "folders"] {
            let c = r.iter().find(|r| r.name == name).unwrap();
            assert_eq!(c.status, crate::checks::Status::NotVerified, "{name}");
            let reason = c.reason.as_deref().unwrap();
            assert!(
                reason.starts_with("vsphereprovider.folder is empty in the config")
                    && !reason.contains("not found"),
                "{name}: {reason}"
            );
        }
    }

    #[test]
    fn the_union_follows_the_selection() {
        let only = vec!["folders".to_string()];
        let sel = Selection {
            only: &only,
            skip: &[],
        };
        assert_eq!(inventory_for(CHECKS, &sel), Facets::of(&[Facet::Folders]));
        let all = Selection {
            only: &[],
            skip: &[],
        };
        assert_eq!(inventory_for(CHECKS, &all).closed(), Facets::all());
    }

    #[test]
    fn skip_and_only_select_by_name() {
        let skip = vec!["pools".to_string()];
        let s = Selection {
            only: &[],
            skip: &skip,
        };
        assert!(!s.enabled("pools") && s.enabled("folders"));
        let only = vec!["folders".to_string()];
        let s = Selection {
            only: &only,
            skip: &[],
        };
        assert!(s.enabled("folders") && !s.enabled("pools"));
    }
}
