//! The other products' manifests (issue 25): `vaudit privileges --manifest
//! NAME`, run on the simulator against each product's targets, reports
//! exactly the gaps set up over SOAP: a role with every privilege of the
//! manifest but a known few, granted to the deployer on each target.

use std::collections::BTreeSet;

use serde_json::Value;
use vaudit::manifest::TargetKind;
use vaudit::vsphere::MoRef;

use crate::admin::Admin;
use crate::check::check_named;
use crate::common::{DEPLOYER_PASSWORD, Sim, repo_root, run, vaudit};
use crate::privileges::{DEPLOYER, users_file};

/// A product's target: its kind (whose flag names it, and whose first
/// vSphere type is the entity's), the flag's value, and the entity's name.
struct Target {
    kind: TargetKind,
    value: &'static str,
    name: &'static str,
}

const DATACENTER: Target = Target {
    kind: TargetKind::Datacenter,
    value: "DC0",
    name: "DC0",
};
const CLUSTER: Target = Target {
    kind: TargetKind::Cluster,
    value: "DC0_C0",
    name: "DC0_C0",
};
const PORTGROUP: Target = Target {
    kind: TargetKind::Portgroup,
    value: "DC0_DVPG0",
    name: "DC0_DVPG0",
};
const FOLDER: Target = Target {
    kind: TargetKind::Folder,
    value: "/DC0/vm/Arc",
    name: "Arc",
};
const DATASTORE: Target = Target {
    kind: TargetKind::Datastore,
    value: "LocalDS_0",
    name: "LocalDS_0",
};
/// A child pool: vSphere (and the simulator) refuse a permission on a
/// cluster's root pool, which always has its parent's.
const POOL: Target = Target {
    kind: TargetKind::Pool,
    value: "/DC0/host/DC0_C0/Resources/DC0_C0_RP1",
    name: "DC0_C0_RP1",
};

/// The ids of the manifest with these options on, as `manifest show` lists them.
fn ids(name: &str, options: &[&str]) -> BTreeSet<String> {
    let mut cmd = vaudit();
    cmd.args(["manifest", "show", name, "-o", "json"]);
    for o in options {
        cmd.args(["--manifest-option", o]);
    }
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.json()["manifest"]["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect()
}

/// The gaps a run reports: (code, privilege, entity path) of every
/// missing-* finding.
fn gaps(v: &Value) -> BTreeSet<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("missing-"))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["privilege"]["id"].as_str().unwrap_or("").to_string(),
                f["entity"]["path"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Sets up the deployer with every id of `name` (with `options`) but
/// `left_out`, granted on the root and on each target, and runs
/// `privileges --manifest name` against those targets as the administrator.
fn audit(name: &str, options: &[&str], targets: &[Target], left_out: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let users = users_file(dir.path());
    let sim = Sim::start_with_env(
        &["-users", &users],
        &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)],
    );
    let all = ids(name, options);
    for id in left_out {
        assert!(all.contains(*id), "{name} lists no {id}");
    }
    let mut args = vec!["privileges", "--manifest", name, "--user", DEPLOYER];
    for o in options {
        args.extend(["--manifest-option", o]);
    }
    for t in targets {
        args.extend([t.kind.flag(), t.value]);
    }
    args.extend(["-o", "json"]);
    // A role cannot hold an id the server lacks: the first run, before
    // any grant, names them (the simulator's list is partial).
    let before = run(sim.vaudit(&args)).json();
    let unknown = codes(&before, "unknown-privilege");
    let granted: Vec<String> = all
        .iter()
        .filter(|i| !left_out.contains(&i.as_str()) && !unknown.contains(*i))
        .cloned()
        .collect();
    let admin = Admin::connect(&sim);
    let role = admin.role(&format!("{name}-partial"), &granted);
    admin.grant(&admin.root(), DEPLOYER, false, role, true);
    for t in targets {
        let entity: MoRef = admin.by_name(t.kind.types()[0], t.name);
        admin.grant(&entity, DEPLOYER, false, role, true);
    }
    let r = run(sim.vaudit(&args));
    let v = r.json();
    assert_eq!(v["manifest"], name, "{}", r.stdout);
    let on: Vec<&str> = v["manifest_options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o.as_str().unwrap())
        .collect();
    assert_eq!(on, options, "{}", r.stdout);
    assert!(v["manifest_version"].is_string(), "{}", r.stdout);
    assert_eq!(codes(&v, "unknown-privilege"), unknown, "{}", r.stdout);
    (r.code, v)
}

/// The privilege ids of the findings of `code`.
fn codes(v: &Value, code: &str) -> BTreeSet<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .map(|f| f["privilege"]["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn missing(ids: &[(&str, &str)]) -> BTreeSet<(String, String, String)> {
    ids.iter()
        .map(|(id, path)| {
            (
                "missing-privilege".to_string(),
                id.to_string(),
                path.to_string(),
            )
        })
        .collect()
}

#[test]
fn openshift_ipi_reports_exactly_the_gaps_on_cluster_port_group_and_datacenter() {
    let (code, v) = audit(
        "openshift-ipi",
        &["installer-creates-folder"],
        &[DATACENTER, CLUSTER, PORTGROUP, FOLDER, DATASTORE, POOL],
        &[
            "Network.Assign",
            "Resource.AssignVMToPool",
            "StorageProfile.View",
            "Folder.Delete",
        ],
    );
    assert_eq!(
        gaps(&v),
        missing(&[
            ("StorageProfile.View", "/"),
            ("Network.Assign", "/DC0/network/DC0_DVPG0"),
            ("Resource.AssignVMToPool", "/DC0/host/DC0_C0"),
            (
                "Resource.AssignVMToPool",
                "/DC0/host/DC0_C0/Resources/DC0_C0_RP1"
            ),
            ("Resource.AssignVMToPool", "/DC0/vm/Arc"),
            ("Resource.AssignVMToPool", "/DC0"),
            ("Folder.Delete", "/DC0"),
        ]),
        "{v:#}"
    );
    // The simulator lacks this id: reported unknown, never missing.
    assert_eq!(
        codes(&v, "unknown-privilege"),
        BTreeSet::from(["Cns.Searchable".to_string()]),
        "{v:#}"
    );
    assert_eq!(v["targets"]["cluster"]["path"], "/DC0/host/DC0_C0");
    assert_eq!(v["targets"]["portgroup"]["path"], "/DC0/network/DC0_DVPG0");
    assert_eq!(code, 1, "{v:#}");
}

#[test]
fn eks_anywhere_reports_exactly_the_gaps_on_root_and_the_user_role_objects() {
    let (code, v) = audit(
        "eks-anywhere",
        &[],
        &[PORTGROUP, FOLDER, DATASTORE, POOL],
        &["Sessions.ValidateSession", "Network.Assign"],
    );
    assert_eq!(
        gaps(&v),
        missing(&[
            ("Sessions.ValidateSession", "/"),
            ("Network.Assign", "/DC0/network/DC0_DVPG0"),
            ("Network.Assign", "/DC0/datastore/LocalDS_0"),
            ("Network.Assign", "/DC0/host/DC0_C0/Resources/DC0_C0_RP1"),
            ("Network.Assign", "/DC0/vm/Arc"),
        ]),
        "{v:#}"
    );
    assert_eq!(code, 1, "{v:#}");
}

#[test]
fn vsphere_csi_with_file_volumes_reports_exactly_the_gaps_on_cluster_datastore_and_folder() {
    let (code, v) = audit(
        "vsphere-csi",
        &["file-volumes"],
        &[CLUSTER, FOLDER, DATASTORE],
        &[
            "Host.Config.Storage",
            "Datastore.FileManagement",
            "VirtualMachine.Config.AddRemoveDevice",
        ],
    );
    assert_eq!(
        gaps(&v),
        missing(&[
            ("Host.Config.Storage", "/DC0/host/DC0_C0"),
            ("Datastore.FileManagement", "/DC0/datastore/LocalDS_0"),
            ("VirtualMachine.Config.AddRemoveDevice", "/DC0/vm/Arc"),
        ]),
        "{v:#}"
    );
    assert_eq!(code, 1, "{v:#}");
}

/// A manifest of one privilege on `kinds`.
fn one_privilege_on(dir: &std::path::Path, kinds: &str) -> String {
    let path = dir.join("kinds.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"kinds\"\n\n[[privilege]]\nid = \"Host.Config.Storage\"\ngroup = \"Host\"\nlabel = \"Storage partition configuration\"\nlevel = \"required\"\non = [{kinds}]\n"
        ),
    )
    .unwrap();
    path.display().to_string()
}

/// The entity each kind was checked on, and its stand-in if any.
fn checked_on(v: &Value) -> Vec<(String, String, Option<String>)> {
    v["checked_on"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["kind"].as_str().unwrap().to_string(),
                p["entity"]["path"].as_str().unwrap().to_string(),
                p["stand_in"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn host_and_switch_targets_resolve_by_bare_name_and_are_checked_on() {
    let dir = tempfile::tempdir().unwrap();
    let m = one_privilege_on(dir.path(), "\"host\", \"switch\"");
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "privileges",
        "--manifest",
        &m,
        "--host",
        "DC0_C0_H0",
        "--switch",
        "DVS0",
        "-o",
        "json",
    ]));
    let v = r.json();
    assert_eq!(
        v["targets"]["host"]["path"], "/DC0/host/DC0_C0/DC0_C0_H0",
        "{v:#}"
    );
    assert_eq!(v["targets"]["switch"]["path"], "/DC0/network/DVS0", "{v:#}");
    assert_eq!(
        checked_on(&v),
        [
            ("host".into(), "/DC0/host/DC0_C0/DC0_C0_H0".into(), None),
            ("switch".into(), "/DC0/network/DVS0".into(), None),
        ],
        "{v:#}"
    );
    // The administrator holds it on both: verified, passed.
    assert_eq!(r.code, 0, "{v:#}");
}

#[test]
fn a_kind_without_its_target_is_not_verified_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let m = one_privilege_on(dir.path(), "\"cluster\"");
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&["privileges", "--manifest", &m, "-o", "json"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert_eq!(
        checked_on(&v),
        [("cluster".into(), "/".into(), Some("root folder".into()))]
    );
    let p = check_named(&v, "privileges");
    assert_eq!(p["status"], "not-verified", "{p}");
    assert!(p["reason"].as_str().unwrap().contains("--cluster"), "{p}");
}

#[test]
fn a_standard_network_is_no_port_group_target() {
    let dir = tempfile::tempdir().unwrap();
    let m = one_privilege_on(dir.path(), "\"portgroup\"");
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "privileges",
        "--manifest",
        &m,
        "--network",
        "VM Network",
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert!(v["targets"]["portgroup"].is_null(), "{v:#}");
    let p = check_named(&v, "privileges");
    assert!(
        p["reason"]
            .as_str()
            .unwrap()
            .contains("--network naming a distributed port group"),
        "{p}"
    );
}

#[test]
fn a_missing_host_name_lists_the_candidates() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&["privileges", "--host", "nowhere", "-o", "json"]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("target-not-found"), "{}", r.stdout);
    assert!(r.stdout.contains("DC0_C0_H0"), "{}", r.stdout);
}

/// `--user` is refused before anything is sent when it names no domain or
/// no user, naming the accepted forms.
fn refused_user(user: &str) {
    let mut cmd = vaudit();
    cmd.args([
        "privileges",
        "--url",
        "https://127.0.0.1:9/sdk",
        "-u",
        "administrator@vsphere.local",
        "--user",
        user,
    ])
    .env("VAUDIT_PASSWORD", "x");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{user}: {}", r.stderr);
    assert!(r.stderr.contains("user@domain"), "{user}: {}", r.stderr);
    assert!(r.stderr.contains("DOMAIN\\user"), "{user}: {}", r.stderr);
}

#[test]
fn a_user_without_a_domain_is_a_usage_error() {
    refused_user("deployer");
}

#[test]
fn a_user_with_an_empty_name_is_a_usage_error() {
    refused_user("@vsphere.local");
    refused_user("VSPHERE.LOCAL\\");
}

#[test]
fn check_records_the_manifest_its_version_and_options() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "privileges",
        "--manifest",
        "vsphere-csi",
        "--manifest-option",
        "file-volumes",
        "--cluster",
        "DC0_C0",
        "-o",
        "json",
    ]));
    let v = r.json();
    assert_eq!(v["manifest"], "vsphere-csi", "{v:#}");
    assert!(v["manifest_version"].is_string(), "{v:#}");
    assert_eq!(v["manifest_options"], serde_json::json!(["file-volumes"]));
    assert_eq!(v["targets"]["cluster"]["path"], "/DC0/host/DC0_C0", "{v:#}");
}

#[test]
fn check_finds_a_cluster_target_whichever_checks_run() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "targets",
        "--cluster",
        "DC0_C0",
        "-o",
        "json",
    ]));
    let v = r.json();
    assert_eq!(v["targets"]["cluster"]["path"], "/DC0/host/DC0_C0", "{v:#}");
    assert!(!r.stdout.contains("target-not-found"), "{}", r.stdout);
}

#[test]
fn an_openshift_install_config_names_the_targets_of_check() {
    let config = repo_root().join("mocks/config/openshift-install-config.yaml");
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "privileges",
        "--manifest",
        "openshift-ipi",
        "--config",
        config.to_str().unwrap(),
        "-o",
        "json",
    ]));
    let v = r.json();
    for (kind, path) in [
        ("cluster", "/DC0/host/DC0_C0"),
        ("portgroup", "/DC0/network/DC0_DVPG0"),
        ("datastore", "/DC0/datastore/LocalDS_0"),
        ("folder", "/DC0/vm/Arc"),
        ("pool", "/DC0/host/DC0_C0/Resources"),
    ] {
        assert_eq!(v["targets"][kind]["path"], path, "{kind}: {v:#}");
    }
    let p = check_named(&v, "privileges");
    // The administrator holds every privilege the simulator knows, on
    // targets, not stand-ins: the one it lacks is a warning.
    assert_eq!(p["status"], "warn", "{v:#}");
}
