//! `vaudit folders`, `pools`, `templates` against the simulator: the
//! seed's three inventory mistakes found, the good targets accepted, and
//! `--save` then `--from` giving the same findings with no network.

use crate::common::{Sim, run, vaudit};
use serde_json::Value;

fn codes(v: &Value) -> Vec<String> {
    let mut c: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    c.sort();
    c
}

#[test]
fn folders_are_classified_and_non_vm_targets_rejected() {
    let sim = Sim::start(&["-folder", "2", "-folder-depth", "3"]);
    let r = run(sim.vaudit(&["folders", "-o", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    let kind_of = |path: &str| {
        v["folders"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["entity"]["path"] == path)
            .unwrap_or_else(|| panic!("no folder {path}: {v}"))["kind"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(kind_of("/DC0/vm"), "vm");
    assert_eq!(kind_of("/DC0/vm/Arc"), "vm");
    assert_eq!(kind_of("/DC0/host"), "host");
    assert_eq!(kind_of("/DC0/host/HostFolder0"), "host");
    assert_eq!(kind_of("/DC0/datastore/StorageFolder0"), "datastore");
    assert_eq!(kind_of("/DC0/network/NetFolder0"), "network");
    // The root folder holds datacenters.
    assert!(v["findings"].as_array().unwrap().is_empty());

    // A nested VM folder is a good target.
    let nested = v["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["entity"]["path"].as_str().unwrap().to_string())
        .filter(|p| p.starts_with("/DC0/vm/Folder0/"))
        .max_by_key(|p| p.len())
        .expect("a nested folder");
    let r = run(sim.vaudit(&["folders", "-o", "json", "--folder", &nested]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["targets"]["folder"]["path"], nested.as_str());

    for bad in [
        "/DC0/host/HostFolder0",
        "/DC0/datastore/StorageFolder0",
        "NetFolder0",
    ] {
        let r = run(sim.vaudit(&["folders", "-o", "json", "--folder", bad]));
        assert_eq!(r.code, 1, "{bad}: {}", r.stderr);
        let v = r.json();
        assert_eq!(codes(&v), ["non-vm-folder:error"], "{bad}");
        let remedy = v["findings"][0]["remedy"].as_str().unwrap();
        assert!(remedy.contains("/DC0/vm/Arc"), "{remedy}");
    }
}

#[test]
fn host_pools_are_flagged_cluster_pools_and_vapps_are_not() {
    let sim = Sim::start(&["-standalone", "1", "-pool", "2", "-app", "1"]);
    let r = run(sim.vaudit(&["pools", "-o", "json"]));
    assert_eq!(r.code, 0, "info findings do not fail: {}", r.stderr);
    let v = r.json();
    let pools = v["pools"].as_array().unwrap();
    let host_pools: Vec<&Value> = pools.iter().filter(|p| p["kind"] == "host").collect();
    assert_eq!(host_pools.len(), 1, "{v}");
    let host_pool = host_pools[0]["entity"]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(host_pools[0]["root"], true);
    assert_eq!(host_pools[0]["owner"]["type"], "ComputeResource");
    assert!(
        pools
            .iter()
            .any(|p| p["vapp"] == true && p["kind"] == "cluster"),
        "{v}"
    );
    assert!(
        pools
            .iter()
            .any(|p| p["root"] == false && p["vapp"] == false && p["kind"] == "cluster")
    );
    assert_eq!(codes(&v), ["host-resource-pool:info"]);

    let r = run(sim.vaudit(&["pools", "-o", "json", "--pool", &host_pool]));
    assert_eq!(r.code, 1);
    assert_eq!(codes(&r.json()), ["host-resource-pool:error"]);

    let cluster_root = pools
        .iter()
        .find(|p| p["kind"] == "cluster" && p["root"] == true)
        .unwrap()["entity"]["path"]
        .as_str()
        .unwrap()
        .to_string();
    for good in [cluster_root.as_str(), "DC0_C0_RP1"] {
        let r = run(sim.vaudit(&["pools", "-o", "json", "--pool", good]));
        assert_eq!(r.code, 0, "{good}: {}", r.stderr);
        assert_eq!(codes(&r.json()), ["host-resource-pool:info"], "{good}");
    }
}

#[test]
fn a_template_deployed_and_deleted_twice_is_stale_a_fresh_one_is_not() {
    let sim = Sim::start(&["-template", "2", "-template-deploys", "2"]);
    let r = run(sim.vaudit(&["templates", "-o", "json", "--template", "arc-template-0"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v = r.json();
    let row = |name: &str| {
        v["templates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["entity"]["name"] == name)
            .unwrap()
            .clone()
    };
    let t0 = row("arc-template-0");
    assert_eq!(t0["deploys"], 2);
    assert_eq!(t0["removed"], 2);
    assert_eq!(t0["stale"], true);
    assert!(t0["age_days"].as_i64().unwrap() > 100);
    let t1 = row("arc-template-1");
    assert_eq!(t1["stale"], false);
    assert_eq!(t1["deploys"], 0);
    assert_eq!(codes(&v), ["stale-template:error"]);

    let r = run(sim.vaudit(&["templates", "-o", "json", "--template", "arc-template-1"]));
    assert_eq!(r.code, 0, "a stale non-target is a warning: {}", r.stderr);
    assert_eq!(codes(&r.json()), ["stale-template:warning"]);
    let r = run(sim.vaudit(&[
        "templates",
        "-o",
        "json",
        "--template",
        "arc-template-1",
        "--fail-on",
        "warning",
    ]));
    assert_eq!(r.code, 1);

    // --max-age catches the old template even without its history.
    let r = run(sim.vaudit(&["templates", "-o", "json", "--max-age", "30"]));
    let v = r.json();
    let t0 = v["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["entity"]["name"] == "arc-template-0")
        .unwrap();
    assert!(
        t0["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("--max-age 30"))
    );
}

#[test]
fn missing_target_is_exit_2_with_candidates() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&["folders", "-o", "json", "--folder", "/DC0/vm/Ark"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no folder \"/DC0/vm/Ark\""),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("candidates: /DC0/vm/Arc"), "{}", r.stderr);
    assert_eq!(codes(&r.json()), ["target-not-found:error"]);
}

#[test]
fn save_then_from_gives_the_same_findings_offline() {
    let sim = Sim::start(&["-template", "2", "-template-deploys", "2", "-folder", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("inv.json");
    let snap_s = snap.to_str().unwrap();
    let args = [
        "--folder",
        "HostFolder0",
        "--template",
        "arc-template-0",
        "--pool",
        "/DC0/host/DC0_H0/Resources",
    ];
    for cmd in ["folders", "pools", "templates"] {
        let mut live_args = vec![cmd, "-o", "json", "--save", snap_s];
        live_args.extend(args);
        let live = run(sim.vaudit(&live_args));
        assert_eq!(live.code, 1, "{cmd}: {}", live.stderr);

        // No URL, no password, no simulator needed.
        let mut offline = vaudit();
        offline
            .args([cmd, "-o", "json", "--from", snap_s])
            .args(args);
        let off = run(offline);
        assert_eq!(off.code, 1, "{cmd}: {}", off.stderr);
        let (a, b) = (live.json(), off.json());
        assert_eq!(a["findings"], b["findings"], "{cmd}");
        assert_eq!(a[cmd], b[cmd], "{cmd}");
        assert_eq!(a["vcenter"], b["vcenter"], "{cmd}");
    }
    let saved = std::fs::read_to_string(&snap).unwrap();
    assert!(!saved.contains(crate::common::SIM_PASSWORD));
    // Enumerated values (VirtualMachinePowerState) are read, not dropped.
    assert!(
        saved.contains("\"power_state\": \"powered"),
        "no power state saved"
    );
}

#[test]
fn collection_costs_a_constant_number_of_calls_however_deep() {
    let sim = Sim::start(&["-folder", "3", "-folder-depth", "10", "-vm", "20"]);
    let r = run(sim.vaudit(&["folders", "-o", "json", "-v"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // RetrieveServiceContent, Login, one page (the walk from the root
    // folder), Logout, and whether the read may be partial
    // (RetrieveAllPermissions, HasPrivilegeOnEntities): the tree's depth
    // costs nothing.
    assert!(r.stderr.contains("calls=6"), "{}", r.stderr);
    let deepest = r.json()["folders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["entity"]["path"].as_str().unwrap().matches('/').count())
        .max()
        .unwrap();
    assert!(deepest >= 12, "{deepest}");
}

/// The HA column: vSphere HA as the cluster reports it (`configurationEx`),
/// on by default in the simulator, off with `-ha=false`; a host's pool has
/// no HA of its own.
#[test]
fn the_pools_ha_column_follows_the_clusters_ha() {
    for (flag, want, cell) in [("-ha=true", true, "on"), ("-ha=false", false, "off")] {
        let sim = Sim::start(&[flag]);
        let r = run(sim.vaudit(&["pools", "-o", "json"]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let v = r.json();
        let cluster = v["pools"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["entity"]["path"] == "/DC0/host/DC0_C0/Resources")
            .unwrap_or_else(|| panic!("no cluster pool: {v}"));
        assert_eq!(cluster["ha_enabled"], want, "{flag}: {cluster}");
        let r = run(sim.vaudit(&["pools", "-o", "table"]));
        let row = r
            .stdout
            .lines()
            .find(|l| l.contains("/DC0/host/DC0_C0/Resources "))
            .unwrap_or_else(|| panic!("{}", r.stdout));
        // HA is the last column; lines carry no trailing spaces.
        assert_eq!(row.split_whitespace().last(), Some(cell), "{flag}: {row}");
    }
}

/// The walk from the root folder (one RetrievePropertiesEx) finds exactly
/// the objects a ContainerView over the root lists, on an inventory with
/// every place an object can hang: two datacenters, nested VM folders,
/// clusters with pools and vApps (whose VMs sit in no VM folder),
/// standalone hosts, templates, distributed switches and portgroups.
fn walk_finds_what_a_view_lists(kinds: &[&'static str]) {
    let sim = Sim::start(&[
        "-datacenter",
        "2",
        "-cluster",
        "2",
        "-pool",
        "2",
        "-app",
        "2",
        "-vm",
        "2",
        "-folder",
        "2",
        "-folder-depth",
        "3",
        "-template",
        "2",
        "-portgroup",
        "2",
    ]);
    let admin = crate::admin::Admin::connect(&sim);
    let viewed = admin.view_objects(kinds);
    let (rt, client) = crate::admin::library_session(&sim);
    let specs: Vec<vaudit::vsphere::PropertySpec<'_>> = kinds
        .iter()
        .map(|k| vaudit::vsphere::PropertySpec {
            kind: k,
            paths: &["name"],
        })
        .collect();
    let walked = rt
        .block_on(client.retrieve_inventory(&specs, 50_000, |_| {}))
        .unwrap();
    let n = walked.len();
    let walked: std::collections::BTreeSet<String> =
        walked.into_iter().map(|o| o.obj.to_string()).collect();
    assert_eq!(walked.len(), n, "an object listed twice");
    assert!(!viewed.is_empty());
    assert_eq!(walked, viewed);
}

#[test]
fn the_walk_finds_every_vm_a_view_lists_templates_and_vapps_included() {
    walk_finds_what_a_view_lists(&["VirtualMachine"]);
}

#[test]
fn the_walk_finds_every_pool_and_vapp_a_view_lists() {
    walk_finds_what_a_view_lists(&["ResourcePool", "VirtualApp"]);
}

#[test]
fn the_walk_finds_every_host_and_compute_resource_a_view_lists() {
    walk_finds_what_a_view_lists(&["HostSystem", "ComputeResource", "ClusterComputeResource"]);
}

#[test]
fn the_walk_finds_every_folder_datacenter_datastore_and_network_a_view_lists() {
    walk_finds_what_a_view_lists(&[
        "Folder",
        "Datacenter",
        "Datastore",
        "Network",
        "DistributedVirtualSwitch",
    ]);
}
