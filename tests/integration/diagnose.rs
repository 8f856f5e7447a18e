//! `datastore-latency` and `vaudit diagnose` against the simulator. Every
//! address a config names here is on 127.0.0.0/8: the control-plane probe
//! really connects, and only ever to this machine.

use std::path::PathBuf;

use serde_json::Value;

use crate::admin::Admin;
use crate::common::{Sim, run};

fn status(v: &Value, check: &str) -> String {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == check)
        .unwrap_or_else(|| panic!("no check {check}: {v}"))["status"]
        .as_str()
        .unwrap()
        .to_string()
}

fn findings<'a>(v: &'a Value, code: &str) -> Vec<&'a Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

fn latency(sim: &Sim, extra: &[&str]) -> (i32, Value) {
    let mut args = vec![
        "check",
        "-o",
        "json",
        "--only",
        "datastore-latency",
        "--datastore",
        "LocalDS_0",
    ];
    args.extend_from_slice(extra);
    let r = run(sim.vaudit(&args));
    (r.code, r.json())
}

#[test]
fn latency_under_10_ms_passes() {
    let sim = Sim::start(&["-datastore-latency-ms", "LocalDS_0=8"]);
    let (code, v) = latency(&sim, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(status(&v, "datastore-latency"), "pass", "{v}");
}

#[test]
fn latency_between_10_and_20_ms_warns() {
    let sim = Sim::start(&["-datastore-latency-ms", "LocalDS_0=15"]);
    let (code, v) = latency(&sim, &[]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(status(&v, "datastore-latency"), "warn");
    let f = findings(&v, "datastore-latency");
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(f[0]["entity"]["name"], "LocalDS_0");
    let (code, _) = latency(&sim, &["--fail-on", "warning"]);
    assert_eq!(code, 1);
}

#[test]
fn latency_over_20_ms_on_one_host_fails_and_names_it() {
    let sim = Sim::start(&["-datastore-latency-ms", "DC0_C0_H1/LocalDS_0=25"]);
    let (code, v) = latency(&sim, &[]);
    assert_eq!(code, 1, "{v}");
    let f = findings(&v, "datastore-latency");
    assert_eq!(f[0]["severity"], "error", "{v}");
    let msg = f[0]["message"].as_str().unwrap();
    assert!(msg.contains("DC0_C0_H1 averaged 25.0 ms"), "{msg}");
}

#[test]
fn latency_without_statistics_is_not_verified() {
    let sim = Sim::start(&["-perf-stats=false"]);
    let (code, v) = latency(&sim, &[]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(status(&v, "datastore-latency"), "not-verified");
    let reason = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "datastore-latency")
        .unwrap()["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("statistics"), "{reason}");
}

#[test]
fn latency_survives_a_saved_snapshot() {
    let sim = Sim::start(&["-datastore-latency-ms", "LocalDS_0=25"]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let snap = snap.to_str().unwrap();
    let (code, _) = latency(&sim, &["--save", snap]);
    assert_eq!(code, 1);
    let mut cmd = crate::common::vaudit();
    cmd.args([
        "check",
        "-o",
        "json",
        "--only",
        "datastore-latency",
        "--datastore",
        "LocalDS_0",
        "--from",
        snap,
    ]);
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stdout);
}

/// An appliance + infra file pair: control plane `cp`, node pool
/// `pool_start`–`pool_end`, the simulator's good targets, template 0.
struct Config {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn config(cp: &str, pool_start: &str, pool_end: &str) -> Config {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bridge-appliance.yaml"),
        format!(
            "applianceClusterConfig:\n  controlPlaneEndpoint: {cp}\ninfrastructureConfigPath: bridge-infra.yaml\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("bridge-infra.yaml"),
        format!(
            "vsphereprovider:\n  credentials:\n    username: administrator@vsphere.local\n  datacenter: DC0\n  datastore: LocalDS_0\n  folder: /DC0/vm/Arc\n  resourcepool: /DC0/host/DC0_C0/Resources\n  network:\n    segment: VM Network\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/24\n    k8snodeippoolstart: {pool_start}\n    k8snodeippoolend: {pool_end}\n  appliancevm:\n    vmtemplate: arc-template-0\n"
        ),
    )
    .unwrap();
    Config {
        path: dir.path().join("bridge-appliance.yaml"),
        _dir: dir,
    }
}

fn diagnose(sim: &Sim, cfg: &Config) -> (i32, Value) {
    let r = run(sim.vaudit(&[
        "diagnose",
        "-o",
        "json",
        "--config",
        cfg.path.to_str().unwrap(),
    ]));
    (r.code, r.json())
}

const SIM: &[&str] = &["-template", "1"];

#[test]
fn diagnose_without_an_appliance_vm_says_so_and_is_incomplete() {
    let sim = Sim::start(SIM);
    let cfg = config("127.0.0.51", "127.0.0.50", "127.0.0.52");
    let (code, v) = diagnose(&sim, &cfg);
    assert_eq!(code, 2, "{v}");
    assert_eq!(status(&v, "appliance-vm"), "fail");
    assert_eq!(findings(&v, "appliance-vm-not-found").len(), 1, "{v}");
    assert_eq!(status(&v, "appliance-ip"), "not-verified");
}

#[test]
fn diagnose_finds_a_powered_off_appliance_by_its_template() {
    let sim = Sim::start(SIM);
    let admin = Admin::connect(&sim);
    let vm = admin.deploy("arc-template-0", "arc-bridge-off");
    admin.set_guest(&vm, "127.0.0.60,127.0.0.61", true);
    admin.power_off(&vm);
    let cfg = config("127.0.0.61", "127.0.0.60", "127.0.0.62");
    let (code, v) = diagnose(&sim, &cfg);
    assert_eq!(code, 2, "{v}");
    let off = findings(&v, "appliance-vm-powered-off");
    assert_eq!(off.len(), 1, "{v}");
    assert_eq!(off[0]["entity"]["name"], "arc-bridge-off");
    assert_eq!(status(&v, "appliance-ip"), "not-verified");
    // Its power-off is among the recent events.
    assert!(
        findings(&v, "appliance-vm-event")
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("VmPoweredOffEvent")),
        "{v}"
    );
}

#[test]
fn diagnose_reports_a_control_plane_ip_that_drifted() {
    let sim = Sim::start(SIM);
    let admin = Admin::connect(&sim);
    let vm = admin.deploy("arc-template-0", "arc-bridge-drift");
    // DHCP gave the node a new address and the virtual IP is gone.
    admin.set_guest(&vm, "127.0.0.70", true);
    let cfg = config("127.0.0.71", "127.0.0.70", "127.0.0.72");
    let (code, v) = diagnose(&sim, &cfg);
    assert_eq!(code, 1, "{v}");
    assert_eq!(status(&v, "appliance-ip"), "fail");
    let drift = findings(&v, "appliance-ip-drift");
    assert_eq!(drift.len(), 1, "{v}");
    assert!(
        drift[0]["message"].as_str().unwrap().contains("127.0.0.71"),
        "{v}"
    );
    assert_eq!(findings(&v, "control-plane-unreachable").len(), 1, "{v}");
}

#[test]
fn diagnose_reports_failed_logins_from_the_appliance() {
    let sim = Sim::start(&["-template", "1", "-bad-logins", "127.0.0.80=2"]);
    let admin = Admin::connect(&sim);
    let vm = admin.deploy("arc-template-0", "arc-bridge-logins");
    admin.set_guest(&vm, "127.0.0.80,127.0.0.81", true);
    let cfg = config("127.0.0.81", "127.0.0.80", "127.0.0.82");
    let (code, v) = diagnose(&sim, &cfg);
    assert_eq!(code, 1, "{v}");
    let bad = findings(&v, "appliance-bad-logins");
    assert_eq!(bad.len(), 1, "{v}");
    assert!(
        bad[0]["message"].as_str().unwrap().starts_with("2 failed"),
        "{v}"
    );
}

#[test]
fn diagnose_of_a_healthy_appliance_exits_0() {
    let sim = Sim::start(SIM);
    let admin = Admin::connect(&sim);
    let vm = admin.deploy("arc-template-0", "arc-bridge-ok");
    admin.set_guest(&vm, "127.0.0.90,127.0.0.91", true);
    // The bridge's API server, on the control-plane endpoint.
    let api = std::net::TcpListener::bind("127.0.0.91:6443").unwrap();
    let cfg = config("127.0.0.91", "127.0.0.90", "127.0.0.92");
    let (code, v) = diagnose(&sim, &cfg);
    drop(api);
    assert_eq!(code, 0, "{v}");
    for c in v["checks"].as_array().unwrap() {
        assert_eq!(c["status"], "pass", "{c}: {v}");
    }
    assert_eq!(findings(&v, "appliance-vm-found").len(), 1, "{v}");
    assert_eq!(findings(&v, "control-plane-reachable").len(), 1, "{v}");
}

#[test]
fn diagnose_junit_has_one_suite_per_diagnose_check() {
    let sim = Sim::start(SIM);
    let cfg = config("127.0.0.101", "127.0.0.100", "127.0.0.102");
    let r = run(sim.vaudit(&[
        "diagnose",
        "-o",
        "junit",
        "--config",
        cfg.path.to_str().unwrap(),
        "--skip",
        "control-plane",
    ]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    for n in vaudit::checks::registry::names_in(vaudit::checks::registry::DIAGNOSE) {
        assert!(
            r.stdout.contains(&format!("<testsuite name=\"{n}\"")),
            "{n}: {}",
            r.stdout
        );
    }
    assert!(r.stdout.contains("skipped=\"1\""), "{}", r.stdout);
}

/// Diagnoses an appliance VM `name` (deployed from the template, at
/// 127.0.0.{n}0 and .{n}1, the control plane answering) on a simulator that
/// deletes it as `rule` says, and checks that the appliance checks, and
/// they alone, end not verified naming it and saying to run again, with
/// exit 2 and no connection failure.
fn appliance_deleted_midway(name: &str, rule: &str, n: u8) {
    let sim = Sim::start(&["-template", "1", "-vanish", &format!("{name}@{rule}")]);
    let admin = Admin::connect(&sim);
    let vm = admin.deploy("arc-template-0", name);
    let (node, cp, end) = (
        format!("127.0.0.{n}0"),
        format!("127.0.0.{n}1"),
        format!("127.0.0.{n}2"),
    );
    admin.set_guest(&vm, &format!("{node},{cp}"), true);
    let api = std::net::TcpListener::bind(format!("{cp}:6443")).unwrap();
    let cfg = config(&cp, &node, &end);
    let (code, v) = diagnose(&sim, &cfg);
    drop(api);
    assert_eq!(code, 2, "{v}");
    assert!(findings(&v, "connection-failed").is_empty(), "{v}");
    assert_eq!(status(&v, "connection"), "pass", "{v}");
    assert_eq!(status(&v, "control-plane"), "pass", "{v}");
    for c in v["checks"].as_array().unwrap() {
        let reason = c["reason"].as_str().unwrap_or_default();
        if c["name"].as_str().unwrap().starts_with("appliance-") {
            assert_eq!(c["status"], "not-verified", "{c}");
            assert!(
                reason.contains(&format!("VirtualMachine:{}", vm.value))
                    && reason.contains(name)
                    && reason.contains("it was deleted or changed during the run: run again"),
                "{c}"
            );
        } else {
            // The steps that read something else keep their own verdicts.
            assert!(!reason.contains("run again"), "{c}");
        }
    }
}

/// Found by its guest address, then deleted before its guest facts
/// (addresses, Tools, host, datastores, pool) are read.
#[test]
fn an_appliance_vm_deleted_during_the_search_leaves_its_checks_not_verified() {
    appliance_deleted_midway(
        "arc-bridge-gone",
        "RetrievePropertiesEx+guest.toolsRunningStatus",
        13,
    );
}

/// Deleted once its guest facts are read, before its recent events are:
/// vCenter refuses the event filter that names it (InvalidArgument), and
/// vaudit asks whether the VM still exists before calling that a failure.
#[test]
fn an_appliance_vm_deleted_before_its_events_are_read_leaves_its_checks_not_verified() {
    appliance_deleted_midway(
        "arc-bridge-late",
        "after:RetrievePropertiesEx+guest.toolsRunningStatus",
        14,
    );
}
