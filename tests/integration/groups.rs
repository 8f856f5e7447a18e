//! Group membership (issue 13): vaudit learns the user's groups from the
//! vCenter's SSO (the simulator's STS issues each user a token carrying its
//! groups; the SSO admin service answers for `--user`), so a group the user
//! is not in no longer counts as possibly applying.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use vaudit::vsphere::MoRef;

use crate::admin::Admin;
use crate::common::{DEPLOYER_PASSWORD, Sim, run};

const ARC: &str = "/DC0/vm/Arc";
/// In groups A and C.
const MEMBER: &str = "member@vsphere.local";
const GROUP_A: &str = "arc-a@vsphere.local";
const GROUP_B: &str = "arc-b@vsphere.local";
const GROUP_C: &str = "arc-c@vsphere.local";
const IDS: [&str; 3] = [
    "Folder.Create",
    "VirtualMachine.Config.AddNewDisk",
    "VirtualMachine.Interact.PowerOn",
];
const VM_SIDE: [&str; 2] = [IDS[1], IDS[2]];

fn start(dir: &Path, extra: &[&str]) -> Sim {
    let users = dir.join("users.json");
    std::fs::write(
        &users,
        serde_json::json!({
            "groups": [GROUP_A, GROUP_B, GROUP_C],
            "users": [{"name": MEMBER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": [GROUP_A, GROUP_C]}]
        })
        .to_string(),
    )
    .unwrap();
    let mut args = vec!["-users", users.to_str().unwrap()];
    args.extend(extra);
    Sim::start_with_env(&args, &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)])
}

fn manifest(dir: &Path) -> String {
    let path = dir.join("small.toml");
    let mut text = String::from("name = \"small\"\n");
    for id in IDS {
        text.push_str(&format!(
            "\n[[privilege]]\nid = \"{id}\"\ngroup = \"G\"\nlabel = \"{id}\"\nlevel = \"required\"\non = [\"folder\"]\n"
        ));
    }
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

fn arc(sim: &Sim) -> MoRef {
    let r = run(sim.vaudit(&["folders", "-o", "json", "--folder", ARC]));
    let v = r.json();
    MoRef::new("Folder", v["targets"]["folder"]["moref"].as_str().unwrap())
}

/// `privileges` as MEMBER (logged in), or by the administrator with --user.
fn audit(sim: &Sim, dir: &Path, as_admin: bool) -> (i32, Value) {
    let m = manifest(dir);
    let mut args = vec![
        "privileges",
        "--folder",
        ARC,
        "--manifest",
        &m,
        "-o",
        "json",
    ];
    let r = if as_admin {
        args.extend(["--user", MEMBER]);
        run(sim.vaudit(&args))
    } else {
        let mut cmd = crate::common::vaudit();
        cmd.args(&args)
            .arg("--url")
            .arg(&sim.url)
            .arg("--username")
            .arg(MEMBER)
            .arg("--ca-file")
            .arg(&sim.ca_file)
            .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
        run(cmd)
    };
    (r.code, r.json())
}

fn findings(v: &Value) -> BTreeSet<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["privilege"]["id"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn set(code: &str, ids: &[&str]) -> BTreeSet<(String, String)> {
    ids.iter()
        .map(|i| (code.to_string(), i.to_string()))
        .collect()
}

fn role(admin: &Admin, name: &str, ids: &[&str]) -> i32 {
    admin.role(name, &ids.iter().map(|i| i.to_string()).collect::<Vec<_>>())
}

#[test]
fn rights_through_group_a_with_group_b_above_keep_their_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let all = role(&admin, "all", &IDS);
    // A (the member's) on the folder, not propagating; B (not the member's)
    // propagating from the root: B's grant does not reach the member's VM.
    admin.grant(&arc(&sim), GROUP_A, true, all, false);
    admin.grant(&admin.root(), GROUP_B, true, all, true);
    for as_admin in [false, true] {
        let (code, v) = audit(&sim, dir.path(), as_admin);
        assert_eq!(code, 0, "{v}");
        assert_eq!(
            findings(&v),
            set("privilege-not-propagated", &VM_SIDE),
            "as_admin={as_admin}"
        );
    }
}

#[test]
fn two_groups_whose_union_holds_everything() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let first = role(&admin, "first", &IDS[..2]);
    let last = role(&admin, "last", &IDS[2..]);
    let folder = arc(&sim);
    admin.grant(&folder, GROUP_A, true, first, true);
    admin.grant(&folder, GROUP_C, true, last, true);
    for as_admin in [false, true] {
        let (code, v) = audit(&sim, dir.path(), as_admin);
        assert_eq!(code, 0, "{v}");
        assert!(findings(&v).is_empty(), "as_admin={as_admin}: {v}");
    }
}

#[test]
fn the_users_own_read_only_overrides_its_group_on_the_same_folder() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let all = role(&admin, "all", &IDS);
    let folder = arc(&sim);
    admin.grant(&folder, GROUP_A, true, all, true);
    admin.grant(&folder, MEMBER, false, -2, true);
    let (code, v) = audit(&sim, dir.path(), false);
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v), set("missing-privilege", &IDS));
}

#[test]
fn no_access_on_the_target_folder_beneath_a_root_grant() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let all = role(&admin, "all", &IDS);
    admin.grant(&admin.root(), GROUP_A, true, all, true);
    admin.grant(&arc(&sim), MEMBER, false, -5, true);
    let (code, v) = audit(&sim, dir.path(), false);
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v), set("missing-privilege", &IDS));
}

#[test]
fn unknown_membership_leaves_group_dependent_verdicts_not_verified() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-sso-off"]);
    let admin = Admin::connect(&sim);
    let all = role(&admin, "all", &IDS);
    admin.grant(&arc(&sim), GROUP_A, true, all, false);
    admin.grant(&admin.root(), GROUP_B, true, all, true);
    let (code, v) = audit(&sim, dir.path(), false);
    assert_eq!(code, 2, "{v}");
    let c = &v["checks"][0];
    assert_eq!(c["status"], "not-verified", "{c}");
    let reason = c["reason"].as_str().unwrap();
    assert!(
        reason.contains("groups of member@vsphere.local"),
        "{reason}"
    );
    assert!(reason.contains("STS") || reason.contains("sts"), "{reason}");
    assert!(findings(&v).is_empty(), "{v}");
}

#[test]
fn an_sso_unknown_user_is_an_unknown_principal() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let m = manifest(dir.path());
    let r = run(sim.vaudit(&[
        "privileges",
        "--folder",
        ARC,
        "--manifest",
        &m,
        "--user",
        "membr@vsphere.local",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    assert_eq!(findings(&v), set("unknown-principal", &[""]));
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("SSO directory does not know"), "{msg}");
}

#[test]
fn a_group_given_as_user_is_named_a_group() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let r = role(&admin, "arc-all", &IDS);
    admin.grant(&arc(&sim), GROUP_A, true, r, true);
    let m = manifest(dir.path());
    let out = run(sim.vaudit(&[
        "privileges",
        "--folder",
        ARC,
        "--manifest",
        &m,
        "--user",
        "vsphere.local\\arc-a",
        "-o",
        "json",
    ]));
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(findings(&v), set("unknown-principal", &[""]));
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("names a group"), "{msg}");
}

/// Issue 27: where SSO cannot be asked (`-sso-off`: no STS, no SSO admin
/// service), membership is needed only where a group permission of unknown
/// membership decides; elsewhere the server's own answers on the folder
/// give the exact verdict. Each scenario is run as the member itself and
/// by an administrator with `--user`.
fn without_sso(grants: impl Fn(&Admin, &Sim), as_admin: bool) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-sso-off"]);
    let admin = Admin::connect(&sim);
    grants(&admin, &sim);
    audit(&sim, dir.path(), as_admin)
}

/// Rights only through a group at the root, every permission propagating.
fn group_at_the_root(admin: &Admin, _: &Sim) {
    let all = role(admin, "all", &IDS);
    admin.grant(&admin.root(), GROUP_A, true, all, true);
}

/// Two groups at the root whose union holds everything.
fn two_groups_at_the_root(admin: &Admin, _: &Sim) {
    let first = role(admin, "first", &IDS[..2]);
    let last = role(admin, "last", &IDS[2..]);
    admin.grant(&admin.root(), GROUP_A, true, first, true);
    admin.grant(&admin.root(), GROUP_C, true, last, true);
}

/// A group the member is not in on the folder (holding part), the member's
/// group at the root (holding all): the folder's group does not apply.
fn a_group_at_the_root_and_another_on_the_folder(admin: &Admin, sim: &Sim) {
    let all = role(admin, "all", &IDS);
    let first = role(admin, "first", &IDS[..2]);
    admin.grant(&admin.root(), GROUP_A, true, all, true);
    admin.grant(&arc(sim), GROUP_B, true, first, true);
}

/// The member's own permission on the folder, propagate off, over a
/// group's grant at the root: the VM has the root's grant only if the
/// member is in that group.
fn own_propagate_off_over_a_group_at_the_root(admin: &Admin, sim: &Sim) {
    let all = role(admin, "all", &IDS);
    admin.grant(&admin.root(), GROUP_A, true, all, true);
    admin.grant(&arc(sim), MEMBER, false, all, false);
}

fn assert_exact_pass((code, v): (i32, Value)) {
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");
    assert!(findings(&v).is_empty(), "{v}");
}

fn assert_names_the_group((code, v): (i32, Value), group: &str) {
    assert_eq!(code, 2, "{v}");
    let c = &v["checks"][0];
    assert_eq!(c["status"], "not-verified", "{c}");
    let reason = c["reason"].as_str().unwrap();
    assert!(
        reason.contains(&format!("whether it is in {group}")),
        "{reason}"
    );
    for id in VM_SIDE {
        assert!(reason.contains(id), "{reason}");
    }
}

#[test]
fn without_sso_a_group_at_the_root_is_judged_exactly() {
    assert_exact_pass(without_sso(group_at_the_root, false));
}

#[test]
fn without_sso_a_group_at_the_root_is_judged_exactly_for_user() {
    assert_exact_pass(without_sso(group_at_the_root, true));
}

#[test]
fn without_sso_two_groups_at_the_root_are_judged_exactly() {
    assert_exact_pass(without_sso(two_groups_at_the_root, false));
}

#[test]
fn without_sso_two_groups_at_the_root_are_judged_exactly_for_user() {
    assert_exact_pass(without_sso(two_groups_at_the_root, true));
}

#[test]
fn without_sso_groups_at_the_root_and_on_the_folder_are_judged_exactly() {
    assert_exact_pass(without_sso(
        a_group_at_the_root_and_another_on_the_folder,
        false,
    ));
}

#[test]
fn without_sso_groups_at_the_root_and_on_the_folder_are_judged_exactly_for_user() {
    assert_exact_pass(without_sso(
        a_group_at_the_root_and_another_on_the_folder,
        true,
    ));
}

#[test]
fn without_sso_own_propagate_off_over_a_group_names_the_group() {
    assert_names_the_group(
        without_sso(own_propagate_off_over_a_group_at_the_root, false),
        GROUP_A,
    );
}

#[test]
fn without_sso_own_propagate_off_over_a_group_names_the_group_for_user() {
    assert_names_the_group(
        without_sso(own_propagate_off_over_a_group_at_the_root, true),
        GROUP_A,
    );
}

/// One verdict per question (issue 22): where the user's groups cannot be
/// determined (no SSO) and a group permission decides, `vaudit privileges`
/// and `check --only privileges,tagging` both leave it not verified.
#[test]
fn privileges_and_the_gate_agree_when_groups_cannot_be_determined() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-sso-off"]);
    let admin = Admin::connect(&sim);
    let all = role(&admin, "all", &IDS);
    admin.grant(&arc(&sim), GROUP_A, true, all, false);
    admin.grant(&admin.root(), GROUP_B, true, all, true);
    let m = manifest(dir.path());
    let code = crate::privileges::same_verdict(
        |argv| crate::privileges::as_user(&sim, MEMBER, argv),
        &["--folder", ARC, "--manifest", &m],
    );
    assert_eq!(code, 2);
}
