//! Issue 11: the gate never says "pass" for what it did not verify. One
//! test per fail-open case found by trying vaudit as a new user would.

use crate::common::{SIM_PASSWORD, Sim, repo_root, run, vaudit};
use serde_json::Value;

fn config(name: &str) -> String {
    repo_root()
        .join("mocks/config")
        .join(name)
        .display()
        .to_string()
}

fn check<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .expect("a checks list")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {v}"))
}

fn codes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

#[test]
fn check_with_no_config_and_no_targets_is_incomplete_and_names_each_key() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&["check", "-o", "json"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert_eq!(v["summary"]["verdict"], "incomplete");
    for (name, key, flag) in [
        ("folders", "vsphereprovider.folder", "--folder"),
        ("pools", "vsphereprovider.resourcepool", "--pool"),
        ("capacity", "vsphereprovider.resourcepool", "--pool"),
        ("placement", "vsphereprovider.resourcepool", "--pool"),
        ("network", "vsphereprovider.network.segment", "--network"),
        (
            "templates",
            "vsphereprovider.appliancevm.vmtemplate",
            "--template",
        ),
    ] {
        let c = check(&v, name);
        assert_eq!(c["status"], "not-verified", "{c}");
        let reason = c["reason"].as_str().unwrap();
        assert!(
            reason.contains(key) && reason.contains(flag),
            "{name}: {reason}"
        );
    }
    let ip = check(&v, "ip-plan");
    assert_eq!(ip["status"], "not-verified");
    assert!(ip["reason"].as_str().unwrap().contains("--config"), "{ip}");
    // What it could verify, it did.
    assert_eq!(check(&v, "connection")["status"], "pass");
}

#[test]
fn check_with_nothing_at_all_names_the_vcenter_address_to_give() {
    let r = run({
        let mut c = vaudit();
        c.args(["check", "-o", "json"]);
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    let c = check(&v, "connection");
    assert_eq!(c["status"], "not-verified");
    let reason = c["reason"].as_str().unwrap();
    assert!(
        reason.contains("--url") && reason.contains("credentials.address"),
        "{reason}"
    );
    // Every check that did not run is not-verified, none skipped or passed.
    for c in v["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "not-verified", "{c}");
    }
}

#[test]
fn appliance_file_without_infra_file_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("lonely-appliance.yaml");
    std::fs::write(
        &p,
        "applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.0.60\n",
    )
    .unwrap();
    let r = run({
        let mut c = vaudit();
        c.args(["check", "-o", "json", "--config", p.to_str().unwrap()]);
        c
    });
    assert_eq!(r.code, 2);
    // Still one JSON document (spec §5): the run is incomplete, and why.
    let v = r.json();
    assert_eq!(v["summary"]["verdict"], "incomplete", "{v:#}");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("infrastructureConfigPath"),
        "{v:#}"
    );
    assert!(
        r.stderr.contains("infrastructureConfigPath") && r.stderr.contains("lonely-appliance.yaml"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_folders_snapshot_holds_the_template_history_the_templates_command_needs() {
    let sim = Sim::start(&["-template", "2", "-template-deploys", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("inv.json");
    let s = snap.to_str().unwrap();
    let r = run(sim.vaudit(&["folders", "-o", "json", "--save", s]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let off = run({
        let mut c = vaudit();
        c.args([
            "templates",
            "-o",
            "json",
            "--from",
            s,
            "--template",
            "arc-template-0",
        ]);
        c
    });
    // Stale live (two deploys, two deletions): stale offline too.
    assert_eq!(off.code, 1, "{}", off.stderr);
    assert_eq!(codes(&off.json()), ["stale-template"]);
}

#[test]
fn a_snapshot_of_an_older_schema_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("old.json");
    std::fs::write(
        &p,
        r#"{"schema":"vaudit-inventory/v1","collected_at":"","vcenter":{},"root":{"type":"Folder","value":"group-d1"},"entities":[],"events":[]}"#,
    )
    .unwrap();
    let r = run({
        let mut c = vaudit();
        c.args(["templates", "-o", "json", "--from", p.to_str().unwrap()]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("vaudit-inventory/v1") && r.stderr.contains("--save"),
        "{}",
        r.stderr
    );
}

#[test]
fn stand_in_placements_leave_privileges_not_verified_in_the_gate() {
    let sim = Sim::start(&["-folder", "1"]);
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "privileges",
        "--folder",
        "/DC0/vm/Arc",
        "--datacenter",
        "DC0",
    ]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    let p = check(&v, "privileges");
    assert_eq!(p["status"], "not-verified", "{p}");
    let reason = p["reason"].as_str().unwrap();
    for key in [
        "vsphereprovider.resourcepool",
        "vsphereprovider.datastore",
        "vsphereprovider.network.segment",
    ] {
        assert!(reason.contains(key), "{key} not in {reason}");
    }
    assert!(!reason.contains("vsphereprovider.folder"), "{reason}");
}

#[test]
fn free_space_larger_than_capacity_is_not_verified_naming_the_datastore() {
    let sim = Sim::start(&["-datastore-free-gib", "3000"]);
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "capacity",
        "--datastore",
        "LocalDS_0",
        "--pool",
        "/DC0/host/DC0_C0/Resources",
    ]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    let d = check(&v, "capacity");
    assert_eq!(d["status"], "not-verified", "{d}");
    let reason = d["reason"].as_str().unwrap();
    assert!(
        reason.contains("LocalDS_0") && reason.contains("than capacity"),
        "{reason}"
    );
}

#[test]
fn vaudit_output_junit_leaves_other_commands_their_default() {
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "list"]).env("VAUDIT_OUTPUT", "junit");
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Not a terminal: JSON, the command's default.
    assert_eq!(r.json()["schema"], "vaudit/v1");
}

#[test]
fn an_explicit_output_a_command_cannot_write_names_the_commands_that_can() {
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "list", "-o", "junit"]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("junit is for check") && r.stderr.contains("manifest writes table, json"),
        "{}",
        r.stderr
    );
}

#[test]
fn junit_on_a_listing_command_says_it_is_for_check() {
    let r = run({
        let mut c = vaudit();
        c.args(["folders", "-o", "junit"]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "--output junit is for check, diagnose; folders writes table, json, markdown"
        ),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty(), "{}", r.stdout);
}

/// The same vCenter and config, live and from the live run's `--save`: the
/// same findings; what only a session can tell is not-verified offline.
#[test]
fn check_offline_from_a_saved_snapshot_finds_what_the_live_run_found() {
    let sim = Sim::start(&[
        "-standalone",
        "1",
        "-template",
        "2",
        "-template-deploys",
        "2",
        "-folder",
        "1",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("gate.json");
    let s = snap.to_str().unwrap();
    let broken = config("broken-appliance.yaml");
    let live = run(sim.vaudit(&["check", "--config", &broken, "-o", "json", "--save", s]));
    assert_eq!(live.code, 1, "{}", live.stderr);
    let off = run({
        let mut c = vaudit();
        c.args(["check", "--config", &broken, "-o", "json", "--from", s]);
        c
    });
    assert_eq!(off.code, 2, "{}", off.stderr);
    let (a, b) = (live.json(), off.json());
    assert_eq!(a["findings"], b["findings"]);
    for name in ["connection", "clock", "tagging"] {
        let c = check(&b, name);
        assert_eq!(c["status"], "not-verified", "{c}");
        assert!(c["reason"].as_str().unwrap().contains("offline"), "{c}");
    }
    for name in [
        "privileges",
        "folders",
        "pools",
        "templates",
        "capacity",
        "placement",
        "support-matrix",
        "network",
    ] {
        assert_eq!(
            check(&a, name)["status"],
            check(&b, name)["status"],
            "{name}"
        );
    }
    let saved = std::fs::read_to_string(&snap).unwrap();
    assert!(!saved.contains(SIM_PASSWORD));
    assert!(saved.contains("vaudit-snapshot/v2"));
}

/// `--skip`/`--only` values, completions, the help text and the JUnit
/// suites are the registry's names, exactly.
#[test]
fn skip_values_completions_help_and_junit_suites_are_the_registry() {
    use clap::CommandFactory;
    let names: std::collections::BTreeSet<String> = vaudit::checks::registry::names()
        .map(String::from)
        .collect();
    let cmd = vaudit::cli::Cli::command();
    let check_cmd = cmd.find_subcommand("check").unwrap();
    for flag in ["skip", "only"] {
        let arg = check_cmd
            .get_arguments()
            .find(|a| a.get_id() == flag)
            .unwrap();
        let values: std::collections::BTreeSet<String> = arg
            .get_possible_values()
            .iter()
            .map(|p| p.get_name().to_string())
            .collect();
        assert_eq!(values, names, "--{flag}");
    }
    let completions = run({
        let mut c = vaudit();
        c.args(["completions", "bash"]);
        c
    });
    let help = run({
        let mut c = vaudit();
        c.args(["check", "--help"]);
        c
    });
    for n in &names {
        assert!(completions.stdout.contains(n.as_str()), "{n} not completed");
        assert!(
            help.stdout.contains(&format!("  {n} ")),
            "{n} not in --help"
        );
    }
    // A run with nothing to reach still lists a JUnit suite per check.
    let junit = run({
        let mut c = vaudit();
        c.args(["check", "-o", "junit"]);
        c
    });
    let suites: std::collections::BTreeSet<String> = junit
        .stdout
        .match_indices("<testsuite name=\"")
        .map(|(i, m)| {
            let rest = &junit.stdout[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect();
    assert_eq!(suites, names);
}

/// The loopback plan of the config tests below, as an infra file.
const LOOPBACK_INFRA: &str = "vsphereprovider:\n  datacenter: DC0\n  network:\n    segment: DC0_DVPG0\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/24\n    k8snodeippoolstart: 127.0.0.50\n    k8snodeippoolend: 127.0.0.54\n";

fn check_only(config: &std::path::Path, only: &str) -> crate::common::Run {
    run({
        let mut c = vaudit();
        c.args(["check", "-o", "json", "--only", only, "--config"])
            .arg(config);
        c
    })
}

/// An infra file alone (spec §3 allows it): ip-plan and proxy never read
/// applianceClusterConfig, so neither may pass; both name the appliance
/// file that holds it.
#[test]
fn an_infra_file_alone_leaves_ip_plan_and_proxy_unverified() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("i.yaml");
    std::fs::write(&p, LOOPBACK_INFRA).unwrap();
    let r = check_only(&p, "ip-plan,proxy");
    assert_eq!(r.code, 2, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    for name in ["ip-plan", "proxy"] {
        let c = check(&v, name);
        assert_eq!(c["status"], "not-verified", "{c}");
        let reason = c["reason"].as_str().unwrap();
        assert!(
            reason.contains("applianceClusterConfig was not read")
                && reason.contains("give --config the *-appliance.yaml"),
            "{name}: {reason}"
        );
    }
    assert!(codes(&v).is_empty(), "{v}");
}

/// One file with both sections and no infrastructureConfigPath: az would
/// never read its vsphereprovider, so vaudit refuses it instead of
/// checking half of it (a controlPlaneEndpoint outside the prefix passed).
#[test]
fn a_file_with_both_sections_and_no_infra_path_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ip11.yaml");
    std::fs::write(
        &p,
        format!("{LOOPBACK_INFRA}applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.1.60\n"),
    )
    .unwrap();
    let r = check_only(&p, "ip-plan");
    assert_eq!(r.code, 2);
    // The run stopped before any check: still one document (spec §5).
    assert_eq!(r.json()["summary"]["verdict"], "incomplete", "{}", r.stdout);
    assert!(
        r.stderr
            .contains("ip11.yaml holds both vsphereprovider and applianceClusterConfig")
            && r.stderr.contains("fix: split it"),
        "{}",
        r.stderr
    );
    // Naming itself as its infra file, it is read whole, and the endpoint
    // outside the prefix fails.
    std::fs::write(
        &p,
        format!("{LOOPBACK_INFRA}applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.1.60\ninfrastructureConfigPath: ip11.yaml\n"),
    )
    .unwrap();
    let r = check_only(&p, "ip-plan");
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(check(&v, "ip-plan")["status"], "fail");
    assert!(
        v["findings"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("applianceClusterConfig.controlPlaneEndpoint 127.0.1.60 is outside the prefix 127.0.0.0/24"),
        "{v}"
    );
}

/// The tester's badip plan, split into its two files: all four mistakes in
/// one run, each naming its key.
#[test]
fn ip_plan_reports_every_mistake_by_its_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad-infra.yaml"),
        "vsphereprovider:\n  network:\n    segment: DC0_DVPG0\n    ipaddressprefix: 127.0.0.0/33\n    gateway: 999.1.1.1\n    k8snodeippoolstart: 127.0.0.54\n    k8snodeippoolend: 127.0.0.50\n",
    )
    .unwrap();
    let a = dir.path().join("bad-appliance.yaml");
    std::fs::write(
        &a,
        "applianceClusterConfig:\n  controlPlaneEndpoint: notanip\ninfrastructureConfigPath: bad-infra.yaml\n",
    )
    .unwrap();
    let r = check_only(&a, "ip-plan");
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    let messages: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    let keys = [
        "vsphereprovider.network.ipaddressprefix",
        "vsphereprovider.network.gateway",
        "applianceClusterConfig.controlPlaneEndpoint",
        "vsphereprovider.network.k8snodeippoolstart",
    ];
    assert_eq!(messages.len(), keys.len(), "{messages:#?}");
    for (m, k) in messages.iter().zip(keys) {
        assert!(m.contains(k), "{k} not in {m}");
    }
}

/// A gate snapshot saved without the targets check holds no visibility
/// answers: offline, the targets check says whether the inventory was
/// partial is unknown, rather than nothing (issue 27).
#[test]
fn an_offline_snapshot_without_visibility_says_filtering_is_unknown() {
    let sim = Sim::start(&["-folder", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("gate.json");
    let s = snap.to_str().unwrap();
    let saved = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "folders",
        "--folder",
        "/DC0/vm/Folder0",
        "--save",
        s,
    ]));
    assert_eq!(saved.code, 0, "{}\n{}", saved.stderr, saved.stdout);
    let off = run({
        let mut c = vaudit();
        c.args([
            "check",
            "-o",
            "json",
            "--only",
            "targets,folders",
            "--folder",
            "/DC0/vm/Folder0",
            "--from",
            s,
        ]);
        c
    });
    let v = off.json();
    assert_eq!(check(&v, "targets")["status"], "pass", "{v:#}");
    let note = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "inventory-filtered")
        .unwrap_or_else(|| panic!("no inventory-filtered note: {v:#}"));
    assert_eq!(note["severity"], "info", "{note}");
    assert!(
        note["message"].as_str().unwrap().contains("is unknown"),
        "{note}"
    );
}
