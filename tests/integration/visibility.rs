//! Partial visibility (issue 13): vCenter hides what a user may not read,
//! and the gate says so (`inventory-filtered`) instead of passing a partial
//! listing. The simulator runs with `-filter-view`, which filters the
//! PropertyCollector and the SearchIndex by `System.View` as vCenter does.

use std::path::Path;

use serde_json::Value;
use vaudit::vsphere::MoRef;

use crate::admin::Admin;
use crate::common::{DEPLOYER_PASSWORD, Sim, run};

const DEPLOYER: &str = "deployer@vsphere.local";

fn start(dir: &Path, extra: &[&str]) -> Sim {
    let users = dir.join("users.json");
    std::fs::write(
        &users,
        serde_json::json!({"groups": [], "users": [
            {"name": DEPLOYER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": []}
        ]})
        .to_string(),
    )
    .unwrap();
    let mut args = vec!["-users", users.to_str().unwrap(), "-filter-view"];
    args.extend(extra);
    Sim::start_with_env(&args, &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)])
}

fn as_deployer(sim: &Sim, args: &[&str]) -> std::process::Command {
    let mut cmd = crate::common::vaudit();
    cmd.args(args)
        .arg("--url")
        .arg(&sim.url)
        .arg("--username")
        .arg(DEPLOYER)
        .arg("--ca-file")
        .arg(&sim.ca_file)
        .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
    cmd
}

/// The moref of a target, as the administrator sees it: `flag` is the
/// target's flag without dashes (`datacenter`, `folder`).
fn moref(sim: &Sim, flag: &str, path: &str) -> MoRef {
    let r = run(sim.vaudit(&["folders", "-o", "json", &format!("--{flag}"), path]));
    let v = r.json();
    let t = &v["targets"][flag];
    MoRef::new(
        t["type"]
            .as_str()
            .unwrap_or_else(|| panic!("no {path}: {v}")),
        t["moref"].as_str().unwrap(),
    )
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

fn note(v: &Value) -> String {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "inventory-filtered")
        .map(|f| {
            assert_eq!(f["severity"], "info", "{f}");
            f["message"].as_str().unwrap().to_string()
        })
        .unwrap_or_else(|| panic!("no inventory-filtered note: {v}"))
}

#[test]
fn a_deployer_seeing_one_datacenter_is_told_and_the_other_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-datacenter", "2"]);
    let admin = Admin::connect(&sim);
    let dc0 = moref(&sim, "datacenter", "/DC0");
    admin.grant(&dc0, DEPLOYER, false, -1, true);
    // The visible datacenter: the note, nothing else.
    let r = run(as_deployer(
        &sim,
        &[
            "check",
            "--only",
            "targets,folders",
            "--folder",
            "/DC0/vm",
            "-o",
            "json",
        ],
    ));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(codes(&v), ["inventory-filtered"]);
    assert!(note(&v).contains("System.View on the root folder"), "{v}");
    // The hidden one: not found, and the note says why that may be.
    let r = run(as_deployer(
        &sim,
        &[
            "check",
            "--only",
            "targets,folders",
            "--folder",
            "/DC1/vm",
            "-o",
            "json",
        ],
    ));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(codes(&v), ["inventory-filtered", "target-not-found"]);
}

#[test]
fn the_administrator_sees_everything_and_gets_no_note() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let r = run(sim.vaudit(&[
        "check", "--only", "targets", "--folder", "/DC0/vm", "-o", "json",
    ]));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(codes(&r.json()).is_empty(), "{}", r.stdout);
}

#[test]
fn check_user_says_the_administrators_view_was_used() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-datacenter", "2"]);
    let admin = Admin::connect(&sim);
    let dc0 = moref(&sim, "datacenter", "/DC0");
    admin.grant(&dc0, DEPLOYER, false, -1, true);
    let r = run(sim.vaudit(&[
        "check", "--only", "targets", "--folder", "/DC1/vm", "--user", DEPLOYER, "-o", "json",
    ]));
    // The administrator finds the folder; the note says the deployer may not.
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(codes(&v), ["inventory-filtered"]);
    let n = note(&v);
    assert!(n.contains(&format!("--user {DEPLOYER}")), "{n}");
    assert!(n.contains("administrator@vsphere.local"), "{n}");
}

#[test]
fn no_access_on_the_target_folder_beneath_a_root_grant() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-folder", "1"]);
    let admin = Admin::connect(&sim);
    admin.grant(&admin.root(), DEPLOYER, false, -1, true);
    let arc = moref(&sim, "folder", "/DC0/vm/Arc");
    admin.grant(&arc, DEPLOYER, false, -5, true);
    let r = run(as_deployer(
        &sim,
        &[
            "check",
            "--only",
            "targets,folders",
            "--folder",
            "/DC0/vm/Arc",
            "-o",
            "json",
        ],
    ));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(codes(&v), ["inventory-filtered", "target-not-found"]);
    assert!(note(&v).contains("No Access"), "{v}");
}

/// Whether a listing's JSON carries the `inventory-filtered` note.
fn has_note(v: &Value) -> bool {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["code"] == "inventory-filtered")
}

/// The listing as the deployer and as the administrator, in JSON.
fn listings(sim: &Sim, command: &str) -> (Value, Value) {
    let mine = run(as_deployer(sim, &[command, "-o", "json"]));
    assert_eq!(mine.code, 0, "{}\n{}", mine.stdout, mine.stderr);
    let admins = run(sim.vaudit(&[command, "-o", "json"]));
    assert_eq!(admins.code, 0, "{}\n{}", admins.stdout, admins.stderr);
    (mine.json(), admins.json())
}

#[test]
fn folders_listed_for_one_datacenter_carry_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-datacenter", "2"]);
    let admin = Admin::connect(&sim);
    let dc0 = moref(&sim, "datacenter", "/DC0");
    admin.grant(&dc0, DEPLOYER, false, -1, true);
    let (mine, admins) = listings(&sim, "folders");
    let paths = |v: &Value| v["folders"].to_string();
    assert!(!paths(&mine).contains("/DC1/"), "{mine}");
    assert!(paths(&admins).contains("/DC1/"), "{admins}");
    assert!(
        note(&mine).contains("System.View on the root folder"),
        "{mine}"
    );
    assert_eq!(mine["findings"][0]["check"], "folders", "{mine}");
    assert!(!has_note(&admins), "{admins}");
}

#[test]
fn pools_without_a_hidden_standalone_host_carry_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    admin.grant(&admin.root(), DEPLOYER, false, -1, true);
    let host = admin.by_name("ComputeResource", "DC0_H0");
    admin.grant(&host, DEPLOYER, false, -5, true);
    let (mine, admins) = listings(&sim, "pools");
    let hosts = "/DC0/host/DC0_H0/Resources";
    assert!(!mine["pools"].to_string().contains(hosts), "{mine}");
    assert!(admins["pools"].to_string().contains(hosts), "{admins}");
    assert!(note(&mine).contains("No Access"), "{mine}");
    assert!(!has_note(&admins), "{admins}");
    // The table and Markdown reports say it too.
    for format in ["table", "markdown"] {
        let r = run(as_deployer(&sim, &["pools", "-o", format]));
        assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
        assert!(
            r.stdout.contains("inventory-filtered"),
            "{format}: {}",
            r.stdout
        );
    }
}

#[test]
fn templates_listed_for_one_datacenter_carry_the_note() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-datacenter", "2"]);
    let admin = Admin::connect(&sim);
    let dc0 = moref(&sim, "datacenter", "/DC0");
    admin.grant(&dc0, DEPLOYER, false, -1, true);
    let (mine, admins) = listings(&sim, "templates");
    assert!(
        note(&mine).contains("System.View on the root folder"),
        "{mine}"
    );
    assert!(!has_note(&admins), "{admins}");
}
