//! The placement, capacity and support-matrix checks against the simulator:
//! how the targets fit together and the limits Arc's documentation states.

use crate::common::{Sim, run};
use serde_json::Value;

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

const STANDALONE_ONLY: &[&str] = &["-datastore", "2", "-datastore-standalone-only", "LocalDS_1"];

fn only(sim: &Sim, check: &str, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "-o", "json", "--only", check];
    args.extend_from_slice(extra);
    let r = run(sim.vaudit(&args));
    (r.code, r.json())
}

#[test]
fn a_datastore_mounted_only_on_a_standalone_host_does_not_fit_a_cluster_pool() {
    let sim = Sim::start(STANDALONE_ONLY);
    let (code, v) = only(
        &sim,
        "placement",
        &[
            "--pool",
            "/DC0/host/DC0_C0/Resources",
            "--datastore",
            "LocalDS_1",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["datastore-not-on-pool-hosts"]);
    let msg = v["findings"][0]["message"].as_str().unwrap();
    // It names the cluster's hosts and what they do mount.
    assert!(msg.contains("DC0_C0_H0 mounts LocalDS_0"), "{msg}");
    assert_eq!(v["findings"][0]["entity"]["name"], "LocalDS_1");
}

#[test]
fn a_datastore_on_the_pools_hosts_passes_placement() {
    let sim = Sim::start(STANDALONE_ONLY);
    for (pool, ds) in [
        ("/DC0/host/DC0_C0/Resources", "LocalDS_0"),
        ("/DC0/host/DC0_H0/Resources", "LocalDS_1"),
    ] {
        let (code, v) = only(&sim, "placement", &["--pool", pool, "--datastore", ds]);
        assert_eq!(code, 0, "{pool} {ds}: {v}");
        assert_eq!(status(&v, "placement"), "pass", "{v}");
    }
}

#[test]
fn placement_without_a_datastore_is_not_verified() {
    let sim = Sim::start(&[]);
    let (code, v) = only(&sim, "placement", &["--pool", "/DC0/host/DC0_C0/Resources"]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(status(&v, "placement"), "not-verified");
}

#[test]
fn placement_survives_a_saved_snapshot() {
    let sim = Sim::start(STANDALONE_ONLY);
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("snap.json");
    let snap = snap.to_str().unwrap();
    let targets = [
        "--pool",
        "/DC0/host/DC0_C0/Resources",
        "--datastore",
        "LocalDS_1",
    ];
    let (code, _) = only(
        &sim,
        "placement",
        &[&targets[..], &["--save", snap]].concat(),
    );
    assert_eq!(code, 1);
    let mut cmd = crate::common::vaudit();
    cmd.args(["check", "-o", "json", "--only", "placement", "--from", snap])
        .args(targets);
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(codes(&r.json()), ["datastore-not-on-pool-hosts"]);
}

#[test]
fn a_pool_whose_reservation_leaves_less_than_8_gb_fails_capacity() {
    let sim = Sim::start(&[
        "-pool",
        "1",
        "-pool-reservation-mib",
        "6144",
        "-pool-expandable=false",
    ]);
    let (code, v) = only(
        &sim,
        "capacity",
        &[
            "--pool",
            "/DC0/host/DC0_C0/Resources/DC0_C0_RP1",
            "--datastore",
            "LocalDS_0",
        ],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["pool-capacity"]);
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(msg.contains("6.0 GB memory unreserved"), "{msg}");
}

#[test]
fn an_expandable_pool_borrows_from_its_parent_and_passes_capacity() {
    let sim = Sim::start(&["-pool", "1", "-pool-reservation-mib", "6144"]);
    let (code, v) = only(
        &sim,
        "capacity",
        &[
            "--pool",
            "/DC0/host/DC0_C0/Resources/DC0_C0_RP1",
            "--datastore",
            "LocalDS_0",
        ],
    );
    assert_eq!(code, 0, "{v}");
    assert_eq!(status(&v, "capacity"), "pass");
}

#[test]
fn datastore_space_is_an_error_under_200_gb_and_a_warning_under_250() {
    for (free, code, severity) in [("150", 1, "error"), ("220", 0, "warning")] {
        let sim = Sim::start(&["-datastore-free-gib", free]);
        let (c, v) = only(
            &sim,
            "capacity",
            &[
                "--pool",
                "/DC0/host/DC0_C0/Resources",
                "--datastore",
                "LocalDS_0",
            ],
        );
        assert_eq!(c, code, "{free}: {v}");
        assert_eq!(codes(&v), ["datastore-space"], "{free}");
        assert_eq!(v["findings"][0]["severity"], severity, "{free}");
        assert_eq!(v["findings"][0]["check"], "capacity");
    }
}

#[test]
fn esxi_hosts_behind_the_pool_outside_the_matrix_are_unsupported() {
    let sim = Sim::start(&["-esxi-version", "6.7.0,DC0_C0_H1=8.0.2"]);
    let (code, v) = only(
        &sim,
        "support-matrix",
        &["--pool", "/DC0/host/DC0_C0/Resources"],
    );
    assert_eq!(code, 1, "{v}");
    assert_eq!(codes(&v), ["unsupported-version", "unsupported-version"]);
    let hosts: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["entity"]["name"].as_str().unwrap())
        .collect();
    assert!(
        hosts.contains(&"DC0_C0_H0") && hosts.contains(&"DC0_C0_H2"),
        "{hosts:?}"
    );
    // The standalone host runs 6.7.0 too, but it is not behind the pool.
    assert!(!hosts.contains(&"DC0_H0"), "{hosts:?}");
}

#[test]
fn a_vcenter_outside_the_matrix_is_unsupported_and_a_deprecated_one_a_warning() {
    for (version, code, severity) in [("6.7.0", 1, "error"), ("7.0.3", 0, "warning")] {
        let sim = Sim::start(&["-vc-version", version]);
        let (c, v) = only(
            &sim,
            "support-matrix",
            &["--pool", "/DC0/host/DC0_C0/Resources"],
        );
        assert_eq!(c, code, "{version}: {v}");
        assert_eq!(codes(&v), ["unsupported-version"], "{version}");
        assert_eq!(v["findings"][0]["severity"], severity, "{version}");
        let msg = v["findings"][0]["message"].as_str().unwrap();
        assert!(msg.contains(version), "{msg}");
    }
}

#[test]
fn the_support_matrix_file_can_be_overridden() {
    let sim = Sim::start(&["-vc-version", "6.7.0", "-esxi-version", "6.7.0"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("matrix.toml");
    std::fs::write(
        &file,
        "source = \"a test\"\ndate = \"2020-01-01\"\nmax_vms = 1\n\
         [[vcenter]]\nversion = \"6.7\"\nstatus = \"supported\"\n\
         [[esxi]]\nversion = \"6\"\nstatus = \"supported\"\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let (code, v) = only(
        &sim,
        "support-matrix",
        &[
            "--pool",
            "/DC0/host/DC0_C0/Resources",
            "--support-matrix",
            file,
        ],
    );
    // 6.7 is fine by this matrix; its 1-VM limit is not.
    assert_eq!(code, 0, "{v}");
    assert_eq!(codes(&v), ["inventory-too-large"]);

    std::fs::write(dir.path().join("bad.toml"), "source = 1\n").unwrap();
    let bad = dir.path().join("bad.toml");
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "support-matrix",
        "--support-matrix",
        bad.to_str().unwrap(),
    ]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("bad.toml"), "{}", r.stderr);
}

#[test]
fn support_matrix_without_a_pool_judges_the_vcenter_and_is_not_verified() {
    let sim = Sim::start(&["-vc-version", "6.7.0"]);
    let (code, v) = only(&sim, "support-matrix", &[]);
    assert_eq!(code, 2, "{v}");
    assert_eq!(codes(&v), ["unsupported-version"]);
    assert_eq!(status(&v, "support-matrix"), "not-verified");
}
