//! `vaudit privileges` against the simulator's vCenter-like authorization:
//! scenarios are set up over SOAP with the library client as the
//! administrator (roles, permissions), extra users come from `-users`.

use std::collections::BTreeSet;
use std::path::Path;

use crate::admin::Admin;
use crate::check::check_named;
use crate::common::{ADMIN, DEPLOYER_PASSWORD, Sim, run, vaudit};
use serde_json::Value;
use vaudit::vsphere::MoRef;

pub(crate) const DEPLOYER: &str = "deployer@vsphere.local";
const GROUPED: &str = "grouped@vsphere.local";
const GROUP: &str = "arc-admins@vsphere.local";
const ARC: &str = "/DC0/vm/Arc";

/// Privileges the partial role leaves out (all are checked on the folder).
const LEFT_OUT: [&str; 3] = [
    "VirtualMachine.Config.AddNewDisk",
    "VirtualMachine.Interact.PowerOn",
    "Folder.Create",
];

pub(crate) fn users_file(dir: &Path) -> String {
    let path = dir.join("users.json");
    let json = serde_json::json!({
        "groups": [GROUP],
        "users": [
            {"name": DEPLOYER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": []},
            {"name": GROUPED, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": [GROUP]},
        ]
    });
    std::fs::write(&path, json.to_string()).unwrap();
    path.display().to_string()
}

fn start(dir: &Path) -> Sim {
    let users = users_file(dir);
    Sim::start_with_env(
        &["-users", &users],
        &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)],
    )
}

/// `vaudit ARGS` logged in as `user` (an extra user of the users file).
pub(crate) fn as_user(sim: &Sim, user: &str, args: &[&str]) -> std::process::Command {
    let mut cmd = vaudit();
    cmd.args(args)
        .arg("--url")
        .arg(&sim.url)
        .arg("--username")
        .arg(user)
        .arg("--ca-file")
        .arg(&sim.ca_file)
        .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
    cmd
}

pub(crate) fn manifest_ids() -> Vec<String> {
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "show", "-o", "json"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()["manifest"]["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// The moref of an inventory path, from `vaudit folders`.
fn folder_moref(sim: &Sim, path: &str) -> MoRef {
    let r = run(sim.vaudit(&["folders", "-o", "json"]));
    let v = r.json();
    let f = v["folders"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["entity"]["path"] == path)
        .unwrap_or_else(|| panic!("no folder {path}"));
    MoRef::new("Folder", f["entity"]["moref"].as_str().unwrap())
}

fn partial(all: &[String]) -> Vec<String> {
    all.iter()
        .filter(|i| !LEFT_OUT.contains(&i.as_str()))
        .cloned()
        .collect()
}

/// (code, privilege id, entity path) of every finding.
fn findings(v: &Value) -> BTreeSet<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["privilege"]["id"].as_str().unwrap_or("").to_string(),
                f["entity"]["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// AttachTag granted at the root by an ordinary permission (the simulator
/// has no global permissions): on vCenter 8 this cannot be confirmed to be a
/// global permission, so it is a warning, never a silent pass.
fn tag_unconfirmed() -> (String, String, String) {
    (
        "tag-privilege-not-global".to_string(),
        "InventoryService.Tagging.AttachTag".to_string(),
        "/".to_string(),
    )
}

fn missing_on_arc() -> BTreeSet<(String, String, String)> {
    LEFT_OUT
        .iter()
        .map(|i| {
            (
                "missing-privilege".to_string(),
                i.to_string(),
                ARC.to_string(),
            )
        })
        .collect()
}

fn small_manifest(dir: &Path, extra: &str) -> String {
    let path = dir.join("small.toml");
    let mut text = String::from("name = \"small\"\n");
    for (id, label) in [
        ("Folder.Create", "Create folder"),
        ("VirtualMachine.Config.AddNewDisk", "Add new disk"),
        ("VirtualMachine.Interact.PowerOn", "Power on"),
    ] {
        text.push_str(&format!(
            "\n[[privilege]]\nid = \"{id}\"\ngroup = \"G\"\nlabel = \"{label}\"\nlevel = \"required\"\non = [\"folder\"]\n"
        ));
    }
    text.push_str(extra);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn administrator_with_everything_at_the_root_passes() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&["privileges", "--folder", ARC, "-o", "json"]));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(v["schema"], "vaudit/v1");
    assert_eq!(findings(&v), [tag_unconfirmed()].into_iter().collect());
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(v["findings"][0]["check"], "tagging");
    let rows = v["privileges"].as_array().unwrap();
    assert!(rows.len() >= 66, "{}", rows.len());
    for row in rows {
        for k in ["entity", "id", "group", "label", "level", "granted"] {
            assert!(row.get(k).is_some(), "{k} missing in {row}");
        }
        for k in ["type", "moref", "name", "path"] {
            assert!(row["entity"].get(k).is_some(), "{row}");
        }
        assert_eq!(row["granted"], true, "{row}");
    }
    assert!(rows.iter().any(|r| r["entity"]["path"] == ARC));
    assert!(
        rows.iter()
            .all(|r| !r["id"].as_str().unwrap().starts_with("System."))
    );
    // Kinds without a target are checked on the root folder, and it says so.
    assert!(
        v["checked_on"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "datastore" && p["stand_in"] == "root folder"),
        "{}",
        v["checked_on"]
    );

    let r = run(sim.vaudit(&["privileges", "--folder", ARC, "-o", "table"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stdout.contains("checked on / (the root folder)"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("cannot be confirmed"), "{}", r.stdout);
}

#[test]
fn a_custom_role_missing_a_known_set_on_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    let part = admin.role("arc-partial", &partial(&all));
    let arc = folder_moref(&sim, ARC);
    admin.grant(&admin.root(), DEPLOYER, false, full, true);
    admin.grant(&arc, DEPLOYER, false, part, true);

    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["privileges", "--folder", ARC, "-o", "json"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    let mut want = missing_on_arc();
    want.insert(tag_unconfirmed());
    assert_eq!(findings(&v), want);
    assert_eq!(v["summary"]["errors"], 3);
    let missing: BTreeSet<&str> = v["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["granted"] == false)
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(missing, LEFT_OUT.into_iter().collect());

    // --explain names the role to extend.
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["privileges", "--folder", ARC, "--explain", "-o", "table"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("arc-partial"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("govc role.update -a arc-partial Folder.Create VirtualMachine.Config.AddNewDisk VirtualMachine.Interact.PowerOn\n"),
        "{}",
        r.stdout
    );
    // The root's role does not decide on the folder: not the one to extend.
    assert!(
        !r.stdout.contains("role.update -a arc-full"),
        "{}",
        r.stdout
    );
    // The role that decides is extended: no folder role is created (only
    // the role the tagging privileges' global permission needs).
    assert!(
        !r.stdout
            .contains("govc role.create vaudit-arc-resource-bridge-v1-folder"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("Set-VIRole -Role 'arc-partial' -AddPrivilege"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("MISSING"), "{}", r.stdout);

    // The same audit by the administrator with --user, alone and in the gate.
    for command in [&["privileges"][..], &["check", "--only", "privileges"]] {
        let mut args = command.to_vec();
        args.extend(["--folder", ARC, "--user", DEPLOYER, "-o", "json"]);
        let r = run(sim.vaudit(&args));
        // Neither can call the pool, datastore and network verified: they
        // were checked on a stand-in (spec §7), so both are incomplete.
        assert_eq!(r.code, 2, "{command:?}: {}\n{}", r.stdout, r.stderr);
        let v = r.json();
        // The gate leaves AttachTag to its tagging check (not asked here).
        let mut want = missing_on_arc();
        if command[0] == "privileges" {
            want.insert(tag_unconfirmed());
        }
        assert_eq!(findings(&v), want, "{command:?}");
        let whose = if command[0] == "check" {
            "privileges_user"
        } else {
            "user"
        };
        assert_eq!(v[whose], DEPLOYER, "{command:?}");
    }
    // Without --user, the gate audits the administrator, who has them all
    // on the folder; the kinds without a target stay unverified.
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "privileges",
        "--folder",
        ARC,
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(findings(&r.json()).is_empty(), "{}", r.stdout);
    let v = r.json();
    let p = check_named(&v, "privileges");
    assert_eq!(p["status"], "not-verified", "{p}");

    // A user without Authorization.ModifyPermissions cannot audit another.
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["privileges", "--folder", ARC, "--user", ADMIN, "-o", "json"],
    ));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("Authorization.ModifyPermissions"),
        "{}",
        r.stderr
    );
}

#[test]
fn privileges_only_through_a_group_and_a_user_permission_overriding_it() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    let part = admin.role("arc-partial", &partial(&all));
    admin.grant(&admin.root(), GROUP, true, full, true);

    let r = run(as_user(
        &sim,
        GROUPED,
        &["privileges", "--folder", ARC, "-o", "json"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        findings(&r.json()),
        [tag_unconfirmed()].into_iter().collect()
    );

    // On the folder, the group keeps the full role but the user's own
    // permission (the partial role) wins there.
    let arc = folder_moref(&sim, ARC);
    admin.grant(&arc, GROUP, true, full, true);
    admin.grant(&arc, GROUPED, false, part, true);
    let r = run(as_user(
        &sim,
        GROUPED,
        &["privileges", "--folder", ARC, "-o", "json"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let mut want = missing_on_arc();
    want.insert(tag_unconfirmed());
    assert_eq!(findings(&r.json()), want);
}

#[test]
fn a_non_propagating_permission_on_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    let arc = folder_moref(&sim, ARC);
    admin.grant(&arc, DEPLOYER, false, full, false);
    let small = small_manifest(dir.path(), "");
    let args = [
        "privileges",
        "--folder",
        ARC,
        "--manifest",
        &small,
        "-o",
        "json",
    ];
    let r = run(as_user(&sim, DEPLOYER, &args));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // Folder.Create is used on the folder itself: never flagged.
    let want = not_propagated(&VM_SIDE);
    assert_eq!(findings(&r.json()), want);

    let mut strict = args.to_vec();
    strict.extend(["--fail-on", "warning"]);
    let r = run(as_user(&sim, DEPLOYER, &strict));
    assert_eq!(r.code, 1, "{}", r.stderr);

    // A propagating permission at the root that grants one of them: a VM
    // made in the folder inherits that one from the root, so only the other
    // is stranded.
    let one = admin.role("arc-power-on", &[VM_SIDE[1].to_string()]);
    admin.grant(&admin.root(), DEPLOYER, false, one, true);
    let r = run(as_user(&sim, DEPLOYER, &args));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(findings(&r.json()), not_propagated(&VM_SIDE[..1]));

    // A nearer ancestor with the user's own read-only permission: nearest
    // wins, so a VM made in the folder no longer inherits the root's grant.
    // (The datacenter: vSphere refuses a permission on its top folders.)
    admin.grant(
        &admin.by_name("Datacenter", "DC0"),
        DEPLOYER,
        false,
        -2,
        true,
    );
    let r = run(as_user(&sim, DEPLOYER, &args));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(findings(&r.json()), want);
}

/// The privileges of the small manifest the new VM itself needs.
const VM_SIDE: [&str; 2] = [
    "VirtualMachine.Config.AddNewDisk",
    "VirtualMachine.Interact.PowerOn",
];
/// A child pool: vSphere refuses a permission on a cluster's root pool.
const POOL: &str = "/DC0/host/DC0_C0/Resources/DC0_C0_RP1";

fn not_propagated(ids: &[&str]) -> BTreeSet<(String, String, String)> {
    ids.iter()
        .map(|i| {
            (
                "privilege-not-propagated".to_string(),
                i.to_string(),
                ARC.to_string(),
            )
        })
        .collect()
}

fn pool_moref(sim: &Sim, path: &str) -> MoRef {
    let r = run(sim.vaudit(&["pools", "-o", "json", "--pool", path]));
    let v = r.json();
    let p = v["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["entity"]["path"] == path)
        .unwrap_or_else(|| panic!("no pool {path}: {v}"));
    MoRef::new("ResourcePool", p["entity"]["moref"].as_str().unwrap())
}

/// Folder and pool each hold the full role; `folder_on`/`pool_on` say
/// which of the two permissions propagate.
fn folder_and_pool(folder_on: bool, pool_on: bool) -> BTreeSet<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    admin.grant(&folder_moref(&sim, ARC), DEPLOYER, false, full, folder_on);
    admin.grant(&pool_moref(&sim, POOL), DEPLOYER, false, full, pool_on);
    let small = small_manifest(
        dir.path(),
        "\n[[privilege]]\nid = \"VApp.Import\"\ngroup = \"G\"\nlabel = \"Import\"\nlevel = \"required\"\non = [\"pool\", \"folder\"]\n",
    );
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &[
            "privileges",
            "--folder",
            ARC,
            "--pool",
            POOL,
            "--manifest",
            &small,
            "-o",
            "json",
        ],
    ));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    findings(&r.json())
}

#[test]
fn folder_off_pool_on_the_vm_inherits_everything_from_the_pool() {
    assert_eq!(folder_and_pool(false, true), BTreeSet::new());
}

#[test]
fn folder_off_pool_off_warns_for_the_vm_privileges_only() {
    assert_eq!(folder_and_pool(false, false), not_propagated(&VM_SIDE));
}

#[test]
fn an_id_the_server_does_not_know_is_unknown_not_missing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(&[]);
    let small = small_manifest(
        dir.path(),
        "\n[[privilege]]\nid = \"VirtualMachine.Config.NoSuchThing\"\ngroup = \"G\"\nlabel = \"No such thing\"\nlevel = \"required\"\non = [\"folder\"]\n",
    );
    // The audit alone, and the gate, which takes the same manifest.
    for command in [&["privileges"][..], &["check", "--only", "privileges"]] {
        let mut args = command.to_vec();
        args.extend(["--folder", ARC, "--manifest", &small, "-o", "json"]);
        let r = run(sim.vaudit(&args));
        assert_eq!(r.code, 0, "{command:?}: {}\n{}", r.stdout, r.stderr);
        let v = r.json();
        assert_eq!(
            findings(&v),
            [(
                "unknown-privilege".to_string(),
                "VirtualMachine.Config.NoSuchThing".to_string(),
                String::new()
            )]
            .into_iter()
            .collect(),
            "{command:?}"
        );
        assert_eq!(v["summary"]["warnings"], 1, "{command:?}");
    }
}

#[test]
fn a_bad_manifest_file_is_exit_2_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "name = \"bad\"\n\n[[privilege]]\nid = \"Folder.Create\"\ngroup = \"Folder\"\nlabel = \"Create folder\"\nlevel = \"mandatory\"\non = [\"folder\"]\n",
    )
    .unwrap();
    // The manifest is read before any connection is made, by the audit and
    // by the gate alike.
    for command in ["privileges", "check"] {
        let r = run({
            let mut c = vaudit();
            c.args([
                command,
                "--url",
                "https://127.0.0.1:9/sdk",
                "--username",
                "x@vsphere.local",
                "--manifest",
                path.to_str().unwrap(),
            ])
            .env("VAUDIT_PASSWORD", "irrelevant");
            c
        });
        assert_eq!(r.code, 2, "{command}: {}", r.stderr);
        assert!(r.stderr.contains("line 7"), "{command}: {}", r.stderr);
        assert!(r.stderr.contains("fix:"), "{command}: {}", r.stderr);
    }
}

#[test]
fn the_check_costs_a_constant_number_of_calls_whatever_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let sim = Sim::start(&[]);
    let calls = |extra: &[&str]| {
        let mut args = vec!["privileges", "--folder", ARC, "-o", "json", "-v"];
        args.extend(extra);
        let r = run(sim.vaudit(&args));
        // The embedded manifest checks the kinds with no target given on a
        // stand-in (not verified, exit 2); the small one only the folder.
        assert!(r.code == 0 || r.code == 2, "{}", r.stderr);
        let n = r
            .stderr
            .split("calls=")
            .nth(1)
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .unwrap_or_else(|| panic!("no calls= in {}", r.stderr))
            .to_string();
        n.parse::<u32>().unwrap()
    };
    let small = small_manifest(dir.path(), "");
    let builtin = calls(&[]);
    assert_eq!(builtin, calls(&["--manifest", &small]));
    // ServiceContent, Login, one page (the walk needs no view),
    // privilegeList, roleList, HasPrivilegeOnEntities, the folder's
    // permissions, the Lookup Service's content and List (sent together),
    // the SSO token (the user's groups), Logout: 11; and since `privileges`
    // is the gate's privileges and tagging checks, the gate's CurrentTime
    // and the tagging check's vAPI REST session (`/api`: the simulator
    // presents 8.0.2) and tag list: 15.
    assert_eq!(builtin, 15);
}

/// A vCenter before 7.0 U2 answers `POST /api/session` with 404: the
/// tagging check falls back to `/rest` and passes all the same, one call
/// dearer; from 7.0 U2 on the `/api` session answers at once.
#[test]
fn the_tagging_check_falls_back_to_rest_before_vcenter_7_0_u2() {
    let calls = |version: &str| {
        let sim = Sim::start(&["-vc-version", version]);
        let r = run(sim.vaudit(&[
            "check", "--only", "tagging", "--folder", ARC, "-o", "json", "-v",
        ]));
        let v = r.json();
        let tagging = v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "tagging")
            .unwrap_or_else(|| panic!("no tagging check: {v}"));
        // Passed, or warned that AttachTag at the root cannot be confirmed
        // on 7 and 8: either way the REST session answered.
        let status = tagging["status"].as_str().unwrap_or_default();
        assert!(["pass", "warn"].contains(&status), "{version}: {v}");
        r.stderr
            .split("calls=")
            .nth(1)
            .and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next())
            .unwrap_or_else(|| panic!("no calls= in {}", r.stderr))
            .parse::<u32>()
            .unwrap()
    };
    assert_eq!(calls("7.0.1"), calls("7.0.2") + 1);
}

#[test]
fn manifest_list_and_show() {
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "list", "-o", "json"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["manifests"][0]["name"], "arc-resource-bridge");
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "show", "arc-resource-bridge", "-o", "table"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("VirtualMachine.Config.AddNewDisk") || r.stdout.contains("AddNewDisk")
    );
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "show", "nope"]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("arc-resource-bridge"), "{}", r.stderr);
}

/// Piped, nothing is cut to a width: with `--all` every (privilege, entity)
/// is one line holding its id and label, under its entity's line.
#[test]
fn a_piped_privilege_table_keeps_every_row_on_one_whole_line() {
    let sim = Sim::start(&[]);
    let args = ["privileges", "--folder", ARC, "--all"];
    let json = run(sim.vaudit(&[&args[..], &["-o", "json"]].concat())).json();
    let r = run(sim.vaudit(&[&args[..], &["-o", "table"]].concat()));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}", r.stderr);
    let rows = json["privileges"].as_array().unwrap();
    assert!(rows.len() > 60);
    for row in rows {
        let (id, label) = (row["id"].as_str().unwrap(), row["label"].as_str().unwrap());
        let path = row["entity"]["path"].as_str().unwrap();
        // The row's line, in the block under its entity's line.
        let block: Vec<&str> = r
            .stdout
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{path} (")))
            .skip(1)
            .take_while(|l| l.starts_with("  "))
            .collect();
        let hits = block
            .iter()
            .filter(|l| l.split_whitespace().any(|w| w == id) && l.ends_with(label))
            .count();
        assert_eq!(hits, 1, "{id} on {path}:\n{}", r.stdout);
    }
    assert!(
        r.stdout.lines().any(|l| l.chars().count() > 80),
        "nothing was longer than 80 columns, so the test proves nothing:\n{}",
        r.stdout
    );
}

/// By default only the gaps are listed, with a count per entity.
#[test]
fn the_privilege_table_lists_only_the_gaps_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let part = admin.role("arc-partial", &partial(&all));
    admin.grant(&admin.root(), DEPLOYER, false, part, true);
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["privileges", "--folder", ARC, "-o", "table"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    for id in LEFT_OUT {
        assert_eq!(
            r.stdout.lines().filter(|l| l.contains(id)).count(),
            1,
            "{id}:\n{}",
            r.stdout
        );
    }
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with(&format!("{ARC} (folder): 3 missing, "))),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains(" ok "), "{}", r.stdout);
    assert!(r.stdout.lines().count() < 30, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("`vaudit privileges --explain` with the same targets"),
        "{}",
        r.stdout
    );
}

/// A manifest of one privilege on the template, the one entity only
/// `--explain` (and grant's plan) reads the permissions of by reference.
pub(crate) fn template_manifest(dir: &Path) -> String {
    let path = dir.join("template.toml");
    std::fs::write(
        &path,
        "name = \"template\"\n\n[[privilege]]\nid = \"VirtualMachine.Provisioning.DeployTemplate\"\ngroup = \"G\"\nlabel = \"Deploy template\"\nlevel = \"required\"\non = [\"template\"]\n",
    )
    .unwrap();
    path.display().to_string()
}

/// The simulator's rule deleting the template when its permissions are
/// first asked for (`-vanish`, mocks/vcsim/README.md).
pub(crate) const TEMPLATE_VANISHES: &str =
    "arc-template-0@RetrieveEntityPermissions+VirtualMachine";

#[test]
fn explain_on_a_template_deleted_before_its_permissions_are_read_is_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path());
    let sim = Sim::start_with_env(
        &[
            "-users",
            &users,
            "-template",
            "1",
            "-vanish",
            TEMPLATE_VANISHES,
        ],
        &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)],
    );
    let admin = Admin::connect(&sim);
    admin.grant(&admin.root(), DEPLOYER, false, -2, true);
    let manifest = template_manifest(dir.path());
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &[
            "privileges",
            "--template",
            "arc-template-0",
            "--manifest",
            &manifest,
            "--explain",
            "-o",
            "json",
        ],
    ));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    let p = check_named(&v, "privileges");
    assert_eq!(p["status"], "not-verified", "{p}");
    let reason = p["reason"].as_str().unwrap();
    assert!(reason.contains("RetrieveEntityPermissions"), "{reason}");
    assert!(reason.contains("/DC0/vm/Arc/arc-template-0"), "{reason}");
    assert!(reason.contains("does not exist"), "{reason}");
    // No plan from what remains.
    assert!(v["explain"].is_null(), "{v:#}");
}

#[test]
fn a_folder_deleted_while_its_privileges_are_asked_is_one_sentence_not_a_connection_failure() {
    let sim = Sim::start(&["-vanish", "Arc@RetrieveEntityPermissions+Folder"]);
    let r = run(sim.vaudit(&["privileges", "--folder", ARC, "-o", "json"]));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("No privileges were judged"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("/DC0/vm/Arc"), "{}", r.stderr);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert!(!r.stderr.contains("connection"), "{}", r.stderr);
}

/// Lines of an `--explain` table run that start with `prefix` (trimmed).
fn lines_starting(out: &str, prefix: &str) -> Vec<String> {
    out.lines()
        .map(str::trim)
        .filter(|l| l.starts_with(prefix))
        .map(str::to_string)
        .collect()
}

#[test]
fn explain_creates_and_grants_a_role_where_the_user_holds_only_read_only() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let admin = Admin::connect(&sim);
    admin.grant(&admin.root(), DEPLOYER, false, -2, true);
    let small = small_manifest(dir.path(), "");
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &[
            "privileges",
            "--folder",
            ARC,
            "--manifest",
            &small,
            "--explain",
            "-o",
            "table",
        ],
    ));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        lines_starting(&r.stdout, "govc "),
        [
            "govc role.create vaudit-small-folder Folder.Create VirtualMachine.Config.AddNewDisk VirtualMachine.Interact.PowerOn",
            "govc permissions.set -principal deployer@vsphere.local -role vaudit-small-folder -propagate=true /DC0/vm/Arc",
        ],
        "{}",
        r.stdout
    );
    let arc = folder_moref(&sim, ARC);
    assert_eq!(
        lines_starting(&r.stdout, "New-VIPermission "),
        [format!(
            "New-VIPermission -Entity (Get-Inventory -Id 'Folder-{}') -Principal 'deployer@vsphere.local' -Role 'vaudit-small-folder' -Propagate:$true",
            arc.value
        )],
        "{}",
        r.stdout
    );
    assert_eq!(lines_starting(&r.stdout, "New-VIRole ").len(), 1);
    assert!(lines_starting(&r.stdout, "govc role.update").is_empty());
    // One line per change: --explain prints grant's plan, never a change twice.
    let govc = lines_starting(&r.stdout, "govc ");
    let unique: BTreeSet<&String> = govc.iter().collect();
    assert_eq!(unique.len(), govc.len(), "{}", r.stdout);
}

#[test]
fn explain_turns_on_propagation_of_the_stranded_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    let arc = folder_moref(&sim, ARC);
    let pool = pool_moref(&sim, POOL);
    admin.grant(&arc, DEPLOYER, false, full, false);
    admin.grant(&pool, DEPLOYER, false, full, false);
    let small = small_manifest(dir.path(), "");
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &[
            "privileges",
            "--folder",
            ARC,
            "--pool",
            POOL,
            "--manifest",
            &small,
            "--explain",
            "-o",
            "table",
        ],
    ));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    // The VM inherits from the folder's chain and the pool's at once: the
    // folder's permission propagating is enough (the manifest has no pool
    // kind, so its permission is left as it is).
    assert_eq!(
        lines_starting(&r.stdout, "govc "),
        [format!(
            "govc permissions.set -principal deployer@vsphere.local -role arc-full -propagate=true {ARC}"
        )],
        "{}",
        r.stdout
    );
    assert_eq!(
        lines_starting(&r.stdout, "Get-VIPermission "),
        [format!(
            "Get-VIPermission -Entity (Get-Inventory -Id 'Folder-{}') -Principal 'deployer@vsphere.local' | Set-VIPermission -Role 'arc-full' -Propagate:$true",
            arc.value
        )],
        "{}",
        r.stdout
    );
}

#[test]
fn explain_says_tagging_privileges_need_a_global_permission() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let admin = Admin::connect(&sim);
    admin.grant(&admin.root(), DEPLOYER, false, -2, true);
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["privileges", "--folder", ARC, "--explain", "-o", "table"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let note: Vec<String> = lines_starting(&r.stdout, "InventoryService.Tagging.AttachTag")
        .into_iter()
        .filter(|l| l.contains("only as a global permission"))
        .collect();
    assert_eq!(note.len(), 1, "{}", r.stdout);
    assert!(note[0].contains("Global Permissions"), "{}", note[0]);
    // Every other gap still gets its grant: the root stands in for the
    // kinds without a target.
    assert!(
        lines_starting(&r.stdout, "govc permissions.set ")
            .iter()
            .any(|l| l.ends_with(" /")),
        "{}",
        r.stdout
    );
}

#[test]
fn a_misspelled_user_is_an_unknown_principal_with_the_nearest_suggested() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    admin.grant(&admin.root(), DEPLOYER, false, full, true);
    for command in [&["privileges"][..], &["check", "--only", "privileges"]] {
        let mut args = command.to_vec();
        args.extend([
            "--folder",
            ARC,
            "--user",
            "deploier@vsphere.local",
            "-o",
            "json",
        ]);
        let r = run(sim.vaudit(&args));
        assert_eq!(r.code, 2, "{command:?}: {}\n{}", r.stdout, r.stderr);
        let v = r.json();
        assert_eq!(
            findings(&v),
            [(
                "unknown-principal".to_string(),
                String::new(),
                String::new()
            )]
            .into_iter()
            .collect(),
            "{command:?}"
        );
        let message = v["findings"][0]["message"].as_str().unwrap();
        assert!(message.contains(DEPLOYER), "{message}");
        assert!(!message.contains(ADMIN), "not a near spelling: {message}");
    }
}

#[test]
fn a_user_whose_rights_come_only_through_a_group_is_known() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    admin.grant(&admin.root(), GROUP, true, full, true);
    let r = run(sim.vaudit(&[
        "privileges",
        "--folder",
        ARC,
        "--user",
        GROUPED,
        "-o",
        "json",
    ]));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        findings(&r.json()),
        [tag_unconfirmed()].into_iter().collect()
    );
}

/// `check --only tagging,privileges` as the deployer: (tagging's findings,
/// privileges' findings).
fn tag_and_privileges(sim: &Sim) -> (BTreeSet<(String, String, String)>, i32) {
    let r = run(as_user(
        sim,
        DEPLOYER,
        &[
            "check",
            "--only",
            "tagging,privileges",
            "--folder",
            ARC,
            "-o",
            "json",
        ],
    ));
    let v = r.json();
    let tagging: BTreeSet<_> = findings(&v)
        .into_iter()
        .filter(|(c, _, _)| c.starts_with("tag"))
        .collect();
    (tagging, r.code)
}

#[test]
fn attach_tag_only_on_the_root_folder_is_a_warning_never_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    admin.grant(&admin.root(), DEPLOYER, false, full, true);
    let (tagging, _) = tag_and_privileges(&sim);
    assert_eq!(tagging, [tag_unconfirmed()].into_iter().collect());
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["check", "--only", "tagging", "--folder", ARC, "-o", "json"],
    ));
    let v = r.json();
    assert_eq!(v["findings"][0]["severity"], "warning", "{v}");
    assert!(
        v["findings"][0]["remedy"]
            .as_str()
            .unwrap()
            .contains("Global Permissions"),
        "{v}"
    );
}

#[test]
fn attach_tag_held_nowhere_is_an_error_in_the_tagging_check() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let without: Vec<String> = all
        .iter()
        .filter(|i| *i != "InventoryService.Tagging.AttachTag")
        .cloned()
        .collect();
    let role = admin.role("arc-no-attach", &without);
    admin.grant(&admin.root(), DEPLOYER, false, role, true);
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &[
            "check",
            "--only",
            "tagging,privileges",
            "--folder",
            ARC,
            "-o",
            "json",
        ],
    ));
    let v = r.json();
    let f: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "tag-privilege-not-global")
        .collect();
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["severity"], "error");
    assert_eq!(f[0]["check"], "tagging");
    // The privileges check does not report it a second time.
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(
                |f| f["privilege"]["id"] != "InventoryService.Tagging.AttachTag"
                    || f["check"] == "tagging"
            ),
        "{v}"
    );
}

#[test]
fn object_attachable_is_judged_on_the_target_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let all = manifest_ids();
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &all);
    let without: Vec<String> = all
        .iter()
        .filter(|i| *i != "InventoryService.Tagging.ObjectAttachable")
        .cloned()
        .collect();
    let part = admin.role("arc-no-object-attachable", &without);
    admin.grant(&admin.root(), DEPLOYER, false, full, true);
    admin.grant(&folder_moref(&sim, ARC), DEPLOYER, false, part, true);
    let r = run(as_user(
        &sim,
        DEPLOYER,
        &["privileges", "--folder", ARC, "-o", "json"],
    ));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let want: BTreeSet<_> = [
        (
            "missing-recommended-privilege".to_string(),
            "InventoryService.Tagging.ObjectAttachable".to_string(),
            ARC.to_string(),
        ),
        tag_unconfirmed(),
    ]
    .into_iter()
    .collect();
    assert_eq!(findings(&r.json()), want);
}

/// `manifest show -o toml` prints what `--manifest` reads: the privileges
/// checked from the printed file are the embedded manifest's.
#[test]
fn manifest_show_as_toml_reads_back_through_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "show", "arc-resource-bridge", "-o", "toml"]);
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file = dir.path().join("shown.toml");
    std::fs::write(&file, &r.stdout).unwrap();
    let sim = Sim::start(&[]);
    let file = file.display().to_string();
    let r = run(sim.vaudit(&[
        "privileges",
        "--folder",
        ARC,
        "--manifest",
        &file,
        "--all",
        "-o",
        "json",
    ]));
    // Kinds with no target given are checked on a stand-in: not verified (exit 2).
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let ids = |v: Vec<String>| v.into_iter().collect::<std::collections::BTreeSet<_>>();
    let read_back: Vec<String> = r.json()["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let embedded = manifest_ids();
    assert_eq!(ids(read_back), ids(embedded.clone()));
    assert_eq!(embedded.len(), 66);
}

#[test]
fn manifest_list_as_toml_points_to_show() {
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "list", "-o", "toml"]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("manifest show NAME --output toml"),
        "{}",
        r.stderr
    );
}

/// One verdict per question (issue 22): `vaudit privileges` is the gate's
/// privileges and tagging checks, so it and `vaudit check --only
/// privileges,tagging` on the same targets, as the same user, give the same
/// statuses, reasons, findings and exit code. `command` builds the run for
/// the given arguments; returns the exit code both gave.
pub(crate) fn same_verdict(
    command: impl Fn(&[&str]) -> std::process::Command,
    args: &[&str],
) -> i32 {
    let with = |head: &[&str]| -> Vec<String> {
        head.iter()
            .chain(args)
            .chain(&["-o", "json"])
            .map(|s| s.to_string())
            .collect()
    };
    let of = |argv: Vec<String>| {
        let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
        run(command(&argv))
    };
    let privileges = of(with(&["privileges"]));
    let check = of(with(&["check", "--only", "privileges,tagging"]));
    assert_eq!(
        privileges.code, check.code,
        "privileges: {}\ncheck: {}",
        privileges.stdout, check.stdout
    );
    let judged = |v: &Value| -> BTreeSet<String> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == "privileges" || c["name"] == "tagging")
            .map(Value::to_string)
            .collect()
    };
    let all_findings = |v: &Value| -> BTreeSet<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(Value::to_string)
            .collect()
    };
    let (p, c) = (privileges.json(), check.json());
    assert_eq!(judged(&p), judged(&c));
    assert_eq!(all_findings(&p), all_findings(&c));
    assert_eq!(p["summary"]["verdict"], c["summary"]["verdict"]);
    privileges.code
}

/// A kind checked only on a stand-in whose grant does not propagate: the
/// datacenter holds everything with propagate off, so nothing below it is
/// known to have it; both commands leave privileges not verified, exit 2.
#[test]
fn privileges_and_the_gate_agree_on_a_stand_in_with_propagate_off() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path());
    let admin = Admin::connect(&sim);
    let full = admin.role("arc-full", &manifest_ids());
    admin.grant(&admin.root(), DEPLOYER, false, full, false);
    admin.grant(
        &admin.by_name("Datacenter", "DC0"),
        DEPLOYER,
        false,
        full,
        false,
    );
    admin.grant(&folder_moref(&sim, ARC), DEPLOYER, false, full, true);
    let code = same_verdict(
        |argv| as_user(&sim, DEPLOYER, argv),
        &["--datacenter", "DC0", "--folder", ARC],
    );
    assert_eq!(code, 2);
}

/// A `--user` the vCenter does not know: one unknown-principal finding and
/// no verdict on what it would hold, in both commands.
#[test]
fn privileges_and_the_gate_agree_on_an_unknown_principal() {
    let sim = Sim::start(&[]);
    let code = same_verdict(
        |argv| sim.vaudit(argv),
        &["--folder", ARC, "--user", "deployr@vsphere.local"],
    );
    assert_eq!(code, 2);
}

/// The privilege questions go beside the templates' second pass (every
/// template the first pass found is asked about, and the named one's
/// answers kept); `--save` reads every VM whole, so there is no second
/// pass and they go after the inventory. Both orders give the same rows,
/// verdicts and findings, for a deployer whose rights differ from one
/// template to the next.
#[test]
fn privileges_asked_beside_the_second_pass_are_those_asked_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path());
    let sim = Sim::start_with_env(
        &["-users", &users, "-template", "3"],
        &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)],
    );
    let admin = crate::admin::Admin::connect(&sim);
    let all = manifest_ids();
    // Deploying from the template is left out everywhere but on the other
    // template.
    let partial: Vec<String> = all
        .iter()
        .filter(|i| *i != "VirtualMachine.Provisioning.DeployTemplate")
        .cloned()
        .collect();
    let full = admin.role("arc-full", &all);
    let part = admin.role("arc-partial", &partial);
    admin.grant(&admin.root(), DEPLOYER, false, part, true);
    // Another template holds what the named one lacks: its answers must
    // not stand in for the named one's.
    let other = admin.by_name("VirtualMachine", "arc-template-2");
    admin.grant(&other, DEPLOYER, false, full, true);
    let args = [
        "check",
        "--only",
        "privileges",
        "--folder",
        "/DC0/vm/Arc",
        "--pool",
        "/DC0/host/DC0_C0/Resources",
        "--datastore",
        "LocalDS_0",
        "--network",
        "DC0_DVPG0",
        "--template",
        "arc-template-1",
        "-o",
        "json",
    ];
    let beside = run(as_user(&sim, DEPLOYER, &args));
    let saved = dir.path().join("s.json");
    let after = run(as_user(
        &sim,
        DEPLOYER,
        &[&args[..], &["--save", saved.to_str().unwrap()]].concat(),
    ));
    assert_eq!(beside.code, 1, "{}\n{}", beside.stderr, beside.stdout);
    assert_eq!(after.code, beside.code, "{}", after.stderr);
    let (mut b, mut a) = (beside.json(), after.json());
    for v in [&mut b, &mut a] {
        v.as_object_mut().unwrap().remove("elapsed_seconds");
    }
    assert_eq!(b, a);
    let missing: Vec<(&str, &str)> = b["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "missing-privilege")
        .map(|f| {
            (
                f["entity"]["name"].as_str().unwrap_or_default(),
                f["privilege"]["id"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    // Asked on the folder too; never on the other template.
    let deploy = "VirtualMachine.Provisioning.DeployTemplate";
    assert_eq!(
        missing,
        [("Arc", deploy), ("arc-template-1", deploy)],
        "the named template's gap, not the other's grant: {}",
        b["findings"]
    );
}

/// The named template deleted between the passes, after the privilege
/// call beside the second pass named it among every template: the call's
/// ManagedObjectNotFound is that race, not a connection failure. The run
/// ends as the sequential order ends it: the template not found, the
/// privileges not judged on a partial set of targets.
#[test]
fn a_template_deleted_while_its_privileges_were_asked_beside_the_second_pass_is_not_found() {
    let sim = Sim::start(&["-template", "3", "-template-flip", "arc-template-1=gone"]);
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "privileges,targets",
        "--folder",
        "/DC0/vm/Arc",
        "--template",
        "arc-template-1",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 2, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["target-not-found"], "{v}");
    let privileges = crate::check::check_named(&v, "privileges");
    assert_eq!(privileges["status"], "not-verified", "{privileges}");
    let reason = privileges["reason"].as_str().unwrap();
    assert!(
        !reason.contains("deleted or changed during the run"),
        "judged as the sequential order judges it: {reason}"
    );
    assert!(reason.contains("a target was not found"), "{reason}");
}
