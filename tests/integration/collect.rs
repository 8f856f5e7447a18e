//! Each command asks the property collector only for what its checks
//! declare in the registry (issue 18, 1b), read from the `-vv` trace of the
//! requests sent; a `--save` snapshot stays complete.

use std::collections::BTreeSet;

use crate::common::{Sim, run};

/// The managed object types the SOAP requests of a `-vv` run asked for:
/// the property specs' types (the walk's steps name the types it passes
/// through, which are not asked for).
fn requested_types(stderr: &str) -> BTreeSet<String> {
    let mut types = BTreeSet::new();
    for line in stderr.lines().filter(|l| l.contains("SOAP request")) {
        if !line.contains("method=\"RetrievePropertiesEx\"") {
            continue;
        }
        for part in line.split("<propSet><type>").skip(1) {
            let t = part.split('<').next().unwrap_or_default();
            types.insert(t.to_string());
        }
    }
    types
}

/// Total answer bytes of a `-v` run (`bytes=N` per SOAP answer).
fn bytes_read(stderr: &str) -> u64 {
    stderr
        .lines()
        .filter(|l| l.contains("SOAP answer"))
        .filter_map(|l| l.split("bytes=").nth(1))
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

fn set(types: &[&str]) -> BTreeSet<String> {
    types.iter().map(|s| s.to_string()).collect()
}

#[test]
fn folders_request_only_folders_and_datacenters() {
    let sim = Sim::start(&["-folder", "2", "-vm", "20"]);
    let r = run(sim.vaudit(&["folders", "-o", "json", "-vv"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(requested_types(&r.stderr), set(&["Datacenter", "Folder"]));
    // The listing is whole: datacenters give the folders their paths.
    let v = r.json();
    assert!(
        v["folders"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["entity"]["path"] == "/DC0/vm/Arc"),
        "{v}"
    );
}

#[test]
fn folders_read_fewer_bytes_than_a_saved_snapshot_collects() {
    let sim = Sim::start(&["-vm", "50"]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("s.json");
    let lean = run(sim.vaudit(&["folders", "-o", "json", "-v"]));
    assert_eq!(lean.code, 0, "{}", lean.stderr);
    let whole = run(sim.vaudit(&[
        "folders",
        "-o",
        "json",
        "-v",
        "--save",
        saved.to_str().unwrap(),
    ]));
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let (lean, whole) = (bytes_read(&lean.stderr), bytes_read(&whole.stderr));
    assert!(lean > 0, "no bytes= in the -v trace");
    assert!(
        lean * 3 < whole,
        "folders read {lean} bytes, --save {whole}"
    );
}

#[test]
fn pools_request_pools_and_the_parents_of_their_paths_but_no_vms() {
    let sim = Sim::start(&["-pool", "2", "-app", "1"]);
    let r = run(sim.vaudit(&["pools", "-o", "json", "-vv"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        requested_types(&r.stderr),
        set(&[
            "ClusterComputeResource",
            "ComputeResource",
            "Datacenter",
            "Folder",
            "ResourcePool",
            "VirtualApp"
        ])
    );
}

#[test]
fn a_listing_reads_the_kind_of_every_target_it_is_given() {
    // The folders listing with a pool named resolves the pool: it must
    // read pools, or it would call a real pool missing.
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "folders",
        "-o",
        "json",
        "-vv",
        "--pool",
        "/DC0/host/DC0_C0/Resources",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(requested_types(&r.stderr).contains("ResourcePool"));
    assert_eq!(
        r.json()["targets"]["pool"]["path"],
        "/DC0/host/DC0_C0/Resources"
    );
}

#[test]
fn the_gate_with_only_folders_reads_no_virtual_machine() {
    let sim = Sim::start(&["-vm", "20"]);
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "-vv",
        "--only",
        "folders",
        "--folder",
        "/DC0/vm/Arc",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(requested_types(&r.stderr), set(&["Datacenter", "Folder"]));
    assert!(
        !r.stderr
            .lines()
            .filter(|l| l.contains("SOAP request"))
            .any(|l| l.contains("VirtualMachine")),
        "a request named VirtualMachine"
    );
}

#[test]
fn a_snapshot_saved_by_a_listing_serves_every_offline_check() {
    let sim = Sim::start(&["-template", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("s.json");
    let r = run(sim.vaudit(&["folders", "-o", "json", "--save", saved.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Offline, the templates listing (VMs and events) and the pools listing
    // find what the folders command did not need.
    let mut cmd = crate::common::vaudit();
    cmd.args(["templates", "-o", "json", "--from", saved.to_str().unwrap()]);
    let r = run(cmd);
    assert!(r.code <= 1, "{}", r.stderr);
    assert!(
        !r.json()["templates"].as_array().unwrap().is_empty(),
        "no template in the saved snapshot"
    );
    let mut cmd = crate::common::vaudit();
    cmd.args(["pools", "-o", "json", "--from", saved.to_str().unwrap()]);
    let r = run(cmd);
    assert!(r.code <= 1, "{}", r.stderr);
    assert!(!r.json()["pools"].as_array().unwrap().is_empty());
}
