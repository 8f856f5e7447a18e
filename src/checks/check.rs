//! What a check is and declares: its name, what it reads (the vCenter, the
//! inventory, live facts, network probes, targets, config sections) and
//! the finding codes it reports; what a selection of checks needs, computed
//! from those declarations; and the runner that holds each check behind
//! its needs. The lists of checks are in `registry`.

use super::facts::{Access, Facts};
use super::finding::Severity;
use super::outcome::{CheckResult, Outcome};
use super::target::{TargetKind, missing_target, missing_target_listed, not_given};
use super::targets;
use crate::config::Section;
use crate::inventory::vanished::Vanished;
use crate::inventory::{Facet, Facets};
pub use crate::probe::{Probe, Probes};

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

/// A fact only a live session can tell, beyond the inventory: what a
/// check declares it reads, so that the session asks for it only when a
/// selected check does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fact {
    /// The session itself: the certificate, the login.
    Session,
    /// The event history (deploys and clones of templates, the appliance's).
    Events,
    /// The privilege answers for the targets (with the permissions and roles).
    Privileges,
    /// The vAPI REST session and its tag list.
    Tagging,
    /// vCenter 9's global permissions (REST), when the manifest asks for
    /// `AttachTag`.
    GlobalPermissions,
    /// The target datastore's write latency samples.
    Latency,
    /// The deployed appliance VM(s), searched by address and template.
    Appliance,
    /// What vCenter holds at the plan's addresses (`FindAllByIp`).
    IpSearch,
    /// The logged-in account's SSO token (its groups).
    Sso,
    /// When the logged-in account's password expires (SSO).
    CredentialExpiry,
    /// Whether the inventory read may be partial for the user.
    Visibility,
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
    pub targets: &'static [TargetKind],
    /// The config sections it reads keys of: one that was not read (no
    /// `--config`, or an infra file alone) makes it `not-verified` naming
    /// the file that holds it, before its function runs.
    pub config: &'static [Section],
    /// What only a live session tells that it reads.
    pub facts: &'static [Fact],
    /// The network probes from this machine whose answers it reads.
    pub probes: &'static [Probe],
    /// The finding codes it can report: a JUnit testcase each, whether it
    /// passed or failed, so CI follows the same names across runs.
    pub codes: &'static [&'static str],
    pub run: fn(&Facts<'_>) -> Outcome,
}

impl Check {
    /// Its JUnit testcases: its codes, or its own name when it lists none.
    pub fn rules(&self) -> Vec<&'static str> {
        match self.codes {
            [] => vec![self.name],
            codes => codes.to_vec(),
        }
    }
}

/// What a selection of checks reads, from their declarations: what one
/// session gathers and which probes run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needs {
    pub inventory: Facets,
    facts: u32,
    pub probes: Probes,
    /// Whether anything of the vCenter is read at all.
    pub vcenter: bool,
}

impl Needs {
    /// The union of the declarations of the selected checks of `checks`
    /// that can run on `config`: one whose config sections were not read
    /// ends `not-verified` before it runs, so nothing is gathered or probed
    /// for it (an infra file alone probes nothing for the appliance file's
    /// checks).
    pub fn of(
        checks: &[Check],
        selection: &Selection<'_>,
        config: &crate::config::ArcConfig,
    ) -> Needs {
        let mut n = Needs {
            inventory: Facets::NONE,
            facts: 0,
            probes: Probes::NONE,
            vcenter: false,
        };
        let runnable =
            |c: &&Check| selection.enabled(c.name) && config.unread_of(c.config).is_none();
        for c in checks.iter().filter(runnable) {
            n.inventory = n.inventory.with(needs(c));
            for f in c.facts {
                n.facts |= 1 << *f as u32;
            }
            n.probes = c.probes.iter().fold(n.probes, |acc, p| acc.with(*p));
            n.vcenter |= !c.facts.is_empty() || !matches!(c.reads, Reads::Nothing | Reads::Network);
        }
        n
    }

    pub fn reads(&self, f: Fact) -> bool {
        self.facts & (1 << f as u32) != 0
    }
}

/// What of the inventory a check reads: its own declaration and its
/// targets'.
pub fn needs(c: &Check) -> Facets {
    c.targets.iter().fold(Facets::of(c.inventory), |acc, t| {
        acc.with(Facets::of(&[Facet::of_target(*t)]))
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
        if facts.spec.get(t).is_none() {
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
        && let Some(v) = snap.vanished.iter().find(|v| reads_vanished(c, facts, v))
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
    let is_gone = |t: &TargetKind| facts.targets.get(*t).is_some_and(|e| &e.moref == gone);
    if c.name == targets::CHECK {
        TargetKind::flagged().any(|t| is_gone(&t))
    } else {
        c.targets.iter().any(is_gone)
    }
}

fn missing_vcenter(reads: Reads, v: &Access<'_>) -> Option<String> {
    match (reads, v) {
        (Reads::Nothing | Reads::Network, _) => None,
        (_, Access::Unavailable { reason, .. }) => Some(format!("not run: {reason}")),
        (Reads::Session, Access::Offline { .. }) => Some(
            "offline snapshot: this needs a live session; run without --from to verify it".into(),
        ),
        _ => None,
    }
}
