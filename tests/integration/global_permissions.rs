//! The tagging check on a vCenter 9, which lists global permissions over
//! REST (`com.vmware.vcenter.authorization`): `AttachTag` counts only there.
//! The simulator presents vCenter 9 (`-vc-version 9.0.0`) and serves the
//! REST lists from its real permission store; scenarios are set up as the
//! administrator (roles and inventory permissions over SOAP, global ones
//! over REST).

use std::path::Path;

use serde_json::Value;

use crate::admin::Admin;
use crate::common::{DEPLOYER_PASSWORD, Sim, run, vaudit};

const DEPLOYER: &str = "deployer@vsphere.local";
const GROUPED: &str = "grouped@vsphere.local";
const GROUP: &str = "arc-admins@vsphere.local";
const ARC: &str = "/DC0/vm/Arc";
const ATTACH: &str = "InventoryService.Tagging.AttachTag";

fn start(dir: &Path, extra: &[&str]) -> Sim {
    let path = dir.join("users.json");
    let json = serde_json::json!({
        "groups": [GROUP],
        "users": [
            {"name": DEPLOYER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": []},
            {"name": GROUPED, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": [GROUP]},
        ]
    });
    std::fs::write(&path, json.to_string()).unwrap();
    let users = path.display().to_string();
    let mut args = vec!["-users", users.as_str(), "-vc-version", "9.0.0"];
    args.extend(extra);
    Sim::start_with_env(&args, &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)])
}

/// `check --only tagging` logged in as `user`.
fn tagging_as(sim: &Sim, user: &str) -> (i32, Value) {
    let mut cmd = vaudit();
    cmd.args(["check", "--only", "tagging", "--folder", ARC, "-o", "json"])
        .arg("--url")
        .arg(&sim.url)
        .arg("--username")
        .arg(user)
        .arg("--ca-file")
        .arg(&sim.ca_file)
        .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
    let r = run(cmd);
    let code = r.code;
    (code, r.json())
}

fn tagging(v: &Value) -> &Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "tagging")
        .unwrap()
}

fn tag_findings(v: &Value) -> Vec<&Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == "tagging")
        .collect()
}

/// Every manifest privilege but AttachTag on the root folder, so the
/// privilege answers the tagging check reads are there, and a role holding
/// only AttachTag.
fn roles(admin: &Admin) -> (i32, i32) {
    let r = run({
        let mut c = vaudit();
        c.args(["manifest", "show", "-o", "json"]);
        c
    });
    let ids: Vec<String> = r.json()["manifest"]["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .filter(|i| i != ATTACH)
        .collect();
    (
        admin.role("arc-no-attach", &ids),
        admin.role("arc-tag", &[ATTACH.to_string()]),
    )
}

#[test]
fn on_9_attach_tag_only_on_the_root_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let (_, tag) = roles(&admin);
    // Everything, AttachTag included, but on the root folder only.
    admin.grant(&admin.root(), DEPLOYER, false, -1, true);
    admin.global_permission(GROUP, true, tag, true); // a group DEPLOYER is not in
    let (code, v) = tagging_as(&sim, DEPLOYER);
    assert_eq!(code, 1, "{v}");
    let f = tag_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["code"], "tag-privilege-not-global");
    assert_eq!(f[0]["severity"], "error");
    let message = f[0]["message"].as_str().unwrap();
    assert!(message.contains("no global permission"), "{message}");
    assert!(
        f[0]["remedy"]
            .as_str()
            .unwrap()
            .contains("Global Permissions"),
        "{v}"
    );
}

#[test]
fn on_9_a_global_permission_of_the_user_passes() {
    let dir = tempfile::tempdir().unwrap();
    // Pages of two: the list is read across several markers.
    let sim = start(dir.path(), &["-rest-page-size", "2"]);
    let admin = Admin::connect(&sim);
    let (rest, tag) = roles(&admin);
    admin.grant(&admin.root(), DEPLOYER, false, rest, true);
    admin.global_permission(DEPLOYER, false, tag, true);
    // More permissions, so the deployer's lands on a later page.
    let arc = admin.by_name("Folder", "Arc");
    for who in ["aa-0@vsphere.local", "aa-1@vsphere.local"] {
        admin.grant(&arc, who, false, -2, true);
    }
    let (code, v) = tagging_as(&sim, DEPLOYER);
    assert_eq!(code, 0, "{v}");
    assert!(tag_findings(&v).is_empty(), "{v}");
    assert_eq!(tagging(&v)["status"], "pass", "{v}");
}

#[test]
fn on_9_a_global_permission_of_a_group_of_the_user_passes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let (rest, tag) = roles(&admin);
    admin.grant(&admin.root(), GROUPED, false, rest, true);
    admin.global_permission(GROUP, true, tag, true);
    let (code, v) = tagging_as(&sim, GROUPED);
    assert_eq!(code, 0, "{v}");
    assert!(tag_findings(&v).is_empty(), "{v}");
    assert_eq!(tagging(&v)["status"], "pass", "{v}");
}

#[test]
fn on_9_the_users_own_global_permission_beats_its_groups() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let (rest, tag) = roles(&admin);
    admin.grant(&admin.root(), GROUPED, false, rest, true);
    // Its group may attach tags everywhere; its own global permission is
    // read-only, and takes precedence.
    admin.global_permission(GROUP, true, tag, true);
    admin.global_permission(GROUPED, false, -2, true);
    let (code, v) = tagging_as(&sim, GROUPED);
    assert_eq!(code, 1, "{v}");
    let f = tag_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["code"], "tag-privilege-not-global");
    let message = f[0]["message"].as_str().unwrap();
    assert!(message.contains("precedence"), "{message}");
}

#[test]
fn on_9_a_global_permission_that_does_not_propagate_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let (_, tag) = roles(&admin);
    admin.grant(&admin.root(), DEPLOYER, false, -1, true);
    admin.global_permission(DEPLOYER, false, tag, false);
    let (code, v) = tagging_as(&sim, DEPLOYER);
    assert_eq!(code, 1, "{v}");
    let f = tag_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["code"], "tag-privilege-not-global");
    let message = f[0]["message"].as_str().unwrap();
    assert!(message.contains("does not propagate"), "{message}");
}

#[test]
fn on_9_a_refused_permission_list_is_not_verified_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    // A vCenter that lets only permission administrators list permissions.
    let sim = start(
        dir.path(),
        &["-authz-list-privilege", "Authorization.ModifyPermissions"],
    );
    let admin = Admin::connect(&sim);
    let (rest, tag) = roles(&admin);
    admin.grant(&admin.root(), DEPLOYER, false, rest, true);
    admin.global_permission(DEPLOYER, false, tag, true);
    let (code, v) = tagging_as(&sim, DEPLOYER);
    assert_eq!(code, 2, "{v}");
    let t = tagging(&v);
    assert_eq!(t["status"], "not-verified", "{v}");
    let reason = t["reason"].as_str().unwrap();
    for want in [
        "/api/vcenter/authorization/permissions?action=list",
        "403",
        "--user",
    ] {
        assert!(reason.contains(want), "{want}: {reason}");
    }
    assert!(tag_findings(&v).is_empty(), "{v}");
}

/// `vaudit privileges` on the Arc folder, as the administrator for `user`
/// (`--user`) or as `user` itself.
fn privileges(sim: &Sim, user: &str, as_admin: bool) -> (i32, Value) {
    let mut cmd = if as_admin {
        sim.vaudit(&["privileges", "--user", user])
    } else {
        let mut c = vaudit();
        c.arg("privileges")
            .arg("--url")
            .arg(&sim.url)
            .arg("--username")
            .arg(user)
            .arg("--ca-file")
            .arg(&sim.ca_file)
            .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
        c
    };
    cmd.args(["--folder", ARC, "-o", "json"]);
    let r = run(cmd);
    (r.code, r.json())
}

#[test]
fn on_9_the_privileges_command_passes_a_global_attach_tag() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let (rest, tag) = roles(&admin);
    admin.grant(&admin.root(), DEPLOYER, false, rest, true);
    admin.global_permission(DEPLOYER, false, tag, true);
    let (code, v) = privileges(&sim, DEPLOYER, false);
    // Only --folder: the other kinds are checked on a stand-in (exit 2).
    assert_eq!(code, 2, "{v}");
    assert_eq!(tagging(&v)["status"], "pass", "{v}");
    assert!(tag_findings(&v).is_empty(), "{v}");
}

#[test]
fn on_9_the_privileges_command_fails_attach_tag_on_the_root_folder_only() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    admin.grant(&admin.root(), DEPLOYER, false, -1, true);
    let (code, v) = privileges(&sim, DEPLOYER, true);
    // Only --folder: the other kinds are checked on a stand-in (exit 2).
    assert_eq!(code, 2, "{v}");
    let f = tag_findings(&v);
    assert_eq!(f.len(), 1, "{v}");
    assert_eq!(f[0]["code"], "tag-privilege-not-global", "{v}");
    assert_eq!(f[0]["severity"], "error", "{v}");
}

/// The tagging check, as the administrator, on a simulator whose permission
/// list is hostile (`extra`), with `args` added to the command line.
fn hostile_list(extra: &[&str], args: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), extra);
    let mut cmd = sim.vaudit(&["check", "--only", "tagging", "--folder", ARC, "-o", "json"]);
    cmd.args(args);
    let r = run(cmd);
    let v = r.json();
    let t = tagging(&v);
    assert_eq!(t["status"], "not-verified", "{v}");
    (r.code, t["reason"].as_str().unwrap().to_string())
}

/// Pages of 24 MiB that never end (issue 27: this drove vaudit to 4.95 GB
/// before the page cap stopped it): the list's bytes are bounded as one
/// answer's, so it stops on the third page with one sentence.
#[test]
fn an_endless_permission_list_of_large_pages_stops_at_the_byte_bound() {
    let (code, reason) = hostile_list(
        &["-authz-endless", "-authz-page-pad-bytes", "25165824"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        reason.contains("more than 67108864 bytes in the permission list")
            && reason.contains("the bound vaudit reads"),
        "{reason}"
    );
}

/// A list that never ends, in small pages: stopped by `--max-objects`
/// counted across its pages, before the page cap.
#[test]
fn an_endless_permission_list_stops_at_max_objects_across_pages() {
    let (code, reason) = hostile_list(&["-authz-endless"], &["--max-objects", "300"]);
    assert_eq!(code, 2);
    assert!(
        reason.contains("more than 300 permissions in the permission list"),
        "{reason}"
    );
}
