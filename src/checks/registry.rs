//! The one list of checks. `--skip`/`--only` values, shell completions, the
//! help text, the JUnit suites and the gate's table all come from it, so a
//! check added here cannot be forgotten by any of them.
//!
//! Each entry says what the check reads (`check::Check`): what one session
//! gathers and which probes run are computed from the selected entries
//! (`check::Needs`), and what a check needs and did not get makes it
//! `not-verified` with the way to supply it, before its function runs. So
//! a check's function only ever sees the facts it asked for, and a check
//! with nothing to look at can never come out `pass`. A new check is its
//! module and one entry here.

use super::check::{Check, Fact, Probe, Reads, Run, Selection, needs, run_checks};
use super::facts::Facts;
use super::finding::Severity;
use super::target::TargetKind;
use super::{
    appliance, capacity, connection, credential_expiry, dns, egress, endpoints, folders,
    ip_conflict, ip_plan, latency, network, placement, pools, privileges, proxy, support_matrix,
    tagging, targets, templates, upload_path, vcenter,
};
use crate::config::Section;
use crate::inventory::{Facet, Facets, TargetSpec};

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

/// Every check of `vaudit check`, in report order.
pub static CHECKS: &[Check] = &[
    Check {
        name: endpoints::CHECK,
        about: "no host name of the config (vCenter, proxy, DNS) ends in .local",
        reads: Reads::Nothing,
        inventory: &[],
        targets: &[],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["local-domain-endpoint"],
        run: endpoints::run,
    },
    Check {
        name: ip_plan::CHECK,
        about: "control-plane and node IPs inside the prefix, clear of the gateway, /29 or larger",
        reads: Reads::Nothing,
        inventory: &[],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        facts: &[],
        probes: &[],
        codes: &["ip-plan"],
        run: ip_plan::run,
    },
    Check {
        name: dns::CHECK,
        about: "each DNS server of the config resolves the vCenter, the proxy and the required endpoints",
        reads: Reads::Network,
        inventory: &[],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        facts: &[],
        probes: &[Probe::Dns],
        codes: &["dns-unresolvable", "dns-server-unreachable"],
        run: dns::run,
    },
    Check {
        name: proxy::CHECK,
        about: "the proxy is well-formed, answers CONNECT, its TLS is trusted, noproxy is complete",
        reads: Reads::Network,
        inventory: &[],
        targets: &[],
        config: &[Section::Infra, Section::Appliance],
        facts: &[],
        probes: &[Probe::Proxy],
        codes: &[
            "proxy-unreachable",
            "proxy-tls-untrusted",
            "noproxy-missing",
            "proxy-malformed",
            "no-proxy",
        ],
        run: proxy::run,
    },
    Check {
        name: egress::CHECK,
        about: "each required endpoint answers from here, through the proxy when there is one",
        reads: Reads::Network,
        inventory: &[],
        targets: &[],
        config: &[Section::Appliance],
        facts: &[],
        probes: &[Probe::Egress],
        codes: &["egress-blocked", "egress-untested"],
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
        facts: &[Fact::IpSearch],
        probes: &[Probe::IpConflict],
        codes: &["ip-in-use"],
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
        facts: &[
            Fact::Privileges,
            Fact::Sso,
            Fact::Tagging,
            Fact::GlobalPermissions,
        ],
        probes: &[],
        codes: &["tagging-unavailable", "tag-privilege-not-global"],
        run: tagging::run,
    },
    Check {
        name: support_matrix::CHECK,
        about: "the vCenter and the pool's ESXi hosts are in the support matrix; at most 9,500 VMs",
        reads: Reads::Snapshot,
        inventory: &[Facet::VmCount, Facet::Pools, Facet::Compute, Facet::Hosts],
        targets: &[],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["unsupported-version", "inventory-too-large"],
        run: support_matrix::run,
    },
    Check {
        name: vcenter::CLOCK,
        about: "this machine's clock agrees with the vCenter's",
        reads: Reads::Session,
        inventory: &[],
        targets: &[],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["clock-skew"],
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
        facts: &[Fact::Privileges, Fact::Sso],
        probes: &[],
        codes: &[
            "missing-privilege",
            "missing-recommended-privilege",
            "unknown-privilege",
            "privilege-not-propagated",
            "tag-privilege-not-global",
            "unknown-principal",
        ],
        run: privileges::run,
    },
    Check {
        name: folders::CHECK,
        about: "the target folder can hold VMs and templates",
        reads: Reads::Snapshot,
        inventory: &[Facet::Folders],
        targets: &[TargetKind::Folder],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["non-vm-folder"],
        run: folders::run,
    },
    Check {
        name: pools::CHECK,
        about: "the target pool belongs to a cluster, not a standalone host",
        reads: Reads::Snapshot,
        inventory: &[Facet::Pools, Facet::Compute],
        targets: &[TargetKind::Pool],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["host-resource-pool"],
        run: pools::run,
    },
    TEMPLATES,
    Check {
        name: placement::CHECK,
        about: "a connected host of the target pool, out of maintenance, mounts the target datastore",
        reads: Reads::Snapshot,
        inventory: WHERE_IT_LANDS,
        targets: &[TargetKind::Pool, TargetKind::Datastore],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["datastore-not-on-pool-hosts"],
        run: placement::run,
    },
    Check {
        name: upload_path::CHECK,
        about: "each host of the pool that mounts the datastore resolves from here and answers on 443 (the image upload)",
        reads: Reads::InventoryAndNetwork,
        inventory: WHERE_IT_LANDS,
        targets: &[TargetKind::Pool, TargetKind::Datastore],
        config: &[],
        facts: &[],
        probes: &[Probe::Upload],
        codes: &["esxi-unresolvable", "esxi-unreachable"],
        run: upload_path::run,
    },
    Check {
        name: capacity::CHECK,
        about: "the target pool has 8 GB and 4 vCPU unreserved, the target datastore 200 GB free",
        reads: Reads::Snapshot,
        inventory: WHERE_IT_LANDS,
        targets: &[TargetKind::Pool, TargetKind::Datastore],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["datastore-space", "pool-capacity"],
        run: capacity::run,
    },
    Check {
        name: network::CHECK,
        about: "the target network's name is unique in its datacenter",
        reads: Reads::Snapshot,
        inventory: &[Facet::Networks],
        targets: &[TargetKind::Network],
        config: &[],
        facts: &[],
        probes: &[],
        codes: &["duplicate-network"],
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
    facts: &[Fact::Session],
    probes: &[],
    codes: &[
        "endpoint-unreachable",
        "tls-untrusted",
        "login-failed",
        "connection-failed",
        "tls-not-verified",
        "tls-expiring",
    ],
    run: connection::run,
};

const CREDENTIAL_EXPIRY: Check = Check {
    name: credential_expiry::CHECK,
    about: "the deploying account's password does not expire within 30 days (vCenter SSO)",
    reads: Reads::Session,
    inventory: &[],
    targets: &[],
    config: &[],
    facts: &[Fact::Sso, Fact::CredentialExpiry],
    probes: &[],
    codes: &["credential-expiry", "credential-expiry-unknown"],
    run: credential_expiry::run,
};

const TARGETS: Check = Check {
    name: targets::CHECK,
    about: "every target the config or the flags name exists and is visible",
    reads: Reads::Snapshot,
    inventory: TARGET_FACETS,
    targets: &[],
    config: &[],
    facts: &[Fact::Visibility],
    probes: &[],
    codes: &["target-not-found", "target-ambiguous", "inventory-filtered"],
    run: targets::run,
};

const TEMPLATES: Check = Check {
    name: templates::CHECK,
    about: "the target template is not stale or duplicated",
    reads: Reads::Snapshot,
    inventory: &[Facet::Templates],
    targets: &[TargetKind::Template],
    config: &[],
    facts: &[Fact::Events],
    probes: &[],
    codes: &["stale-template", "duplicate-template"],
    run: templates::run,
};

const DATASTORE_LATENCY: Check = Check {
    name: latency::CHECK,
    about: "the target datastore's write latency over the last hour is 10 ms or less on every host",
    reads: Reads::Snapshot,
    inventory: &[Facet::Datastores, Facet::Hosts],
    targets: &[TargetKind::Datastore],
    config: &[],
    facts: &[Fact::Latency],
    probes: &[],
    codes: &["datastore-latency"],
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
        facts: &[Fact::Appliance, Fact::Events],
        probes: &[],
        codes: &[],
        run: appliance::run_vm,
    },
    Check {
        name: appliance::IP,
        about: "the appliance VM still holds the control-plane endpoint and a node-pool address",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[Section::Appliance],
        facts: &[Fact::Appliance, Fact::Events],
        probes: &[],
        codes: &[],
        run: appliance::run_ip,
    },
    Check {
        name: appliance::CONTROL_PLANE,
        about: "the bridge's API server answers on the control-plane endpoint, port 6443, from this machine",
        reads: Reads::Nothing,
        inventory: &[],
        targets: &[],
        config: &[Section::Appliance],
        facts: &[],
        probes: &[Probe::ControlPlane],
        codes: &[],
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
        facts: &[Fact::Appliance, Fact::Events],
        probes: &[],
        codes: &[],
        run: appliance::run_location,
    },
    Check {
        name: appliance::LOGINS,
        about: "no failed vCenter logins from the appliance's addresses (stale stored credentials)",
        reads: Reads::Session,
        inventory: EVERYTHING,
        targets: &[],
        config: &[Section::Appliance],
        facts: &[Fact::Appliance, Fact::Events],
        probes: &[],
        codes: &[],
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
        facts: &[Fact::Appliance, Fact::Events],
        probes: &[],
        codes: &[],
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
        facts: &[Fact::Appliance, Fact::Events],
        probes: &[],
        codes: &[],
        run: appliance::run_events,
    },
];

/// What resolving the targets the flags and the config name reads: every
/// target given is looked up, so the checks on it can say where it is.
pub fn asked_reads(spec: &TargetSpec) -> Facets {
    TargetKind::flagged()
        .filter(|t| spec.get(*t).is_some())
        .fold(Facets::NONE, |acc, t| {
            acc.with(Facets::of(&[Facet::of_target(t)]))
        })
}

/// What a listing reads: its check's inventory and that of every target
/// named (the targets check resolves each).
pub fn listing_reads(check: &str, spec: &TargetSpec) -> Facets {
    let own = get(check).map(needs).unwrap_or_else(Facets::all);
    CHECKS
        .iter()
        .flat_map(|c| c.targets.iter().copied())
        .filter(|&t| spec.get(t).is_some())
        .fold(own, |acc, t| acc.with(Facets::of(&[Facet::of_target(t)])))
}

/// Runs every selected check of `check` on the facts.
pub fn run(facts: &Facts<'_>, selection: &Selection<'_>, fail_on: Severity) -> Run {
    run_checks(CHECKS, facts, selection, fail_on)
}

/// The JUnit testcases of the check named `name` (of `check` or
/// `diagnose`); the name itself for a check no list holds.
pub fn rules_of(name: &str) -> Vec<String> {
    match CHECKS.iter().chain(DIAGNOSE).find(|c| c.name == name) {
        Some(c) => c.rules().into_iter().map(String::from).collect(),
        None => vec![name.to_string()],
    }
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::checks::Outcome;
    use crate::checks::check::{inventory_for, run_one};
    use crate::checks::facts::Access;
    use crate::inventory::Targets;

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
            vcenter: Access::Unavailable {
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
    fn no_code_is_listed_twice_for_a_check() {
        for c in CHECKS.iter().chain(DIAGNOSE) {
            let mut r = c.codes.to_vec();
            r.sort();
            r.dedup();
            assert_eq!(r.len(), c.codes.len(), "{}", c.name);
        }
    }

    /// Every check of `check` names the finding codes it reports (its JUnit
    /// testcases); diagnose's appliance checks are one testcase each.
    #[test]
    fn every_check_of_check_lists_its_codes() {
        let missing: Vec<&str> = CHECKS
            .iter()
            .filter(|c| c.codes.is_empty())
            .map(|c| c.name)
            .collect();
        assert!(missing.is_empty(), "give {missing:?} their codes");
    }

    /// A config whose appliance and infra files were both read.
    fn both_files() -> crate::config::ArcConfig {
        crate::config::ArcConfig {
            files: vec!["a.yaml".into(), "i.yaml".into()],
            sections: vec![
                (Section::Appliance, "a.yaml".into()),
                (Section::Infra, "i.yaml".into()),
            ],
            ..Default::default()
        }
    }

    /// An infra file alone: the network checks that read the appliance
    /// file end not-verified before they run, so nothing is probed for
    /// them.
    #[test]
    fn an_infra_file_alone_probes_nothing_for_the_appliance_checks() {
        let infra = crate::config::ArcConfig {
            files: vec!["i.yaml".into()],
            sections: vec![(Section::Infra, "i.yaml".into())],
            ..Default::default()
        };
        let all = Selection {
            only: &[],
            skip: &[],
        };
        let n = crate::checks::check::Needs::of(CHECKS, &all, &infra);
        for p in [Probe::Dns, Probe::Proxy, Probe::Egress, Probe::IpConflict] {
            assert!(!n.probes.has(p), "{p:?} probed for a check that cannot run");
        }
        let n = crate::checks::check::Needs::of(CHECKS, &all, &both_files());
        assert!(n.probes.has(Probe::Dns) && n.probes.has(Probe::Egress));
    }

    /// What a selection gathers follows the selected entries' declarations:
    /// templates alone asks for the event history and nothing of SSO;
    /// tagging asks for the privilege answers it judges AttachTag from.
    #[test]
    fn needs_follow_the_declarations_of_the_selected_checks() {
        let only = vec!["templates".to_string()];
        let n = crate::checks::check::Needs::of(
            CHECKS,
            &Selection {
                only: &only,
                skip: &[],
            },
            &both_files(),
        );
        assert!(n.reads(Fact::Events) && !n.reads(Fact::Sso) && !n.reads(Fact::Privileges));
        assert!(!n.probes.any_network() && n.vcenter);
        let only = vec!["tagging".to_string()];
        let n = crate::checks::check::Needs::of(
            CHECKS,
            &Selection {
                only: &only,
                skip: &[],
            },
            &both_files(),
        );
        assert!(n.reads(Fact::Privileges) && n.reads(Fact::Tagging) && !n.reads(Fact::Events));
        let only = vec!["dns".to_string()];
        let n = crate::checks::check::Needs::of(
            CHECKS,
            &Selection {
                only: &only,
                skip: &[],
            },
            &both_files(),
        );
        assert!(n.probes.has(Probe::Dns) && !n.probes.has(Probe::Egress) && !n.vcenter);
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
            Access::Offline { snap: &snap },
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
            Access::Offline { snap: &snap },
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
        // Distributed switches are read only when --switch names one.
        assert_eq!(
            inventory_for(CHECKS, &all)
                .closed()
                .with(Facets::of(&[Facet::Switches])),
            Facets::all()
        );
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
