//! `vaudit check --config` on the sample Arc config files against the
//! simulator: the gate's verdicts, its fail-closed exit codes and formats.

use crate::common::{SIM_PASSWORD, Sim, repo_root, run, statuses, vaudit};
use serde_json::Value;

fn config(name: &str) -> String {
    repo_root()
        .join("mocks/config")
        .join(name)
        .display()
        .to_string()
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

/// Templates to judge (one stale), an extra folder of each kind and a
/// standalone host.
pub(crate) const SCENARIO: &[&str] = &[
    "-standalone",
    "1",
    "-template",
    "2",
    "-template-deploys",
    "2",
    "-folder",
    "1",
];

#[test]
fn clean_config_passes_and_broken_one_fails_with_exactly_its_findings() {
    let sim = Sim::start(SCENARIO);
    let clean = config("clean-appliance.yaml");
    let r = run(sim.vaudit(&["check", "--config", &clean, "-o", "json"]));
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    // The stale template that is not the target is a warning, not a failure;
    // the administrator's AttachTag at the root cannot be confirmed to be a
    // global permission on vCenter 8: a warning, never a silent pass.
    assert_eq!(codes(&v), ["stale-template", "tag-privilege-not-global"]);
    assert_eq!(v["findings"][0]["severity"], "warning");
    assert_eq!(v["targets"]["folder"]["path"], "/DC0/vm/Arc");
    assert_eq!(v["targets"]["template"]["name"], "arc-template-1");
    let run_checks: Vec<&str> = v["summary"]["checks_run"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "endpoints",
        "ip-plan",
        "connection",
        "support-matrix",
        "clock",
        "folders",
        "pools",
        "templates",
        "placement",
        "capacity",
        "network",
    ] {
        assert!(run_checks.contains(&c), "{c} did not run: {run_checks:?}");
    }

    let r = run(sim.vaudit(&[
        "check",
        "--config",
        &clean,
        "-o",
        "json",
        "--fail-on",
        "warning",
    ]));
    assert_eq!(r.code, 1);

    let broken = config("broken-appliance.yaml");
    let r = run(sim.vaudit(&["check", "--config", &broken, "-o", "json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        codes(&r.json()),
        [
            "host-resource-pool",
            "ip-plan",
            "local-domain-endpoint",
            "local-domain-endpoint",
            "non-vm-folder",
            "stale-template",
            "tag-privilege-not-global"
        ]
    );
}

#[test]
fn unreachable_vcenter_exits_2_and_still_reports_offline_checks() {
    let broken = config("broken-appliance.yaml");
    let mut cmd = vaudit();
    cmd.args([
        "check",
        "--config",
        &broken,
        "-o",
        "json",
        "--url",
        "https://127.0.0.1:1",
    ])
    .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    assert_eq!(
        codes(&v),
        [
            "endpoint-unreachable",
            "ip-plan",
            "local-domain-endpoint",
            "local-domain-endpoint"
        ]
    );
    // Nothing is skipped that the user did not skip (the network checks
    // are, by the harness's --skip: common::keep_on_loopback): the vCenter
    // checks are not verified, each saying why.
    assert_eq!(
        v["summary"]["checks_skipped"],
        serde_json::json!(crate::common::NETWORK_CHECKS.split(',').collect::<Vec<_>>()),
        "{v}"
    );
    let nv = v["summary"]["checks_not_verified"].as_array().unwrap();
    assert!(nv.iter().any(|c| c == "folders"), "{v}");
    assert_eq!(v["summary"]["verdict"], "incomplete");
    let folders = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "folders")
        .unwrap();
    assert_eq!(folders["status"], "not-verified");
    assert_eq!(
        folders["reason"], "not run: the vCenter could not be reached",
        "{folders}"
    );
}

#[test]
fn untrusted_certificate_is_a_finding_and_exit_2() {
    let sim = Sim::start(&[]);
    let clean = config("clean-appliance.yaml");
    let mut cmd = vaudit();
    cmd.args(["check", "--config", &clean, "-o", "json", "--url", &sim.url])
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert_eq!(codes(&r.json()), ["tls-untrusted"]);
}

#[test]
fn skip_and_only_choose_the_checks() {
    let sim = Sim::start(SCENARIO);
    let broken = config("broken-appliance.yaml");
    let r = run(sim.vaudit(&[
        "check",
        "--config",
        &broken,
        "-o",
        "json",
        "--only",
        "folders,pools",
    ]));
    assert_eq!(r.code, 1);
    let v = r.json();
    assert_eq!(codes(&v), ["host-resource-pool", "non-vm-folder"]);
    assert_eq!(
        v["summary"]["checks_run"],
        serde_json::json!(["folders", "pools"])
    );

    let r = run(sim.vaudit(&[
        "check",
        "--config",
        &broken,
        "-o",
        "json",
        "--skip",
        "folders,pools,templates,endpoints,ip-plan",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(codes(&r.json()), ["tag-privilege-not-global"]);

    // Offline checks only: no connection is attempted at all.
    let mut cmd = vaudit();
    cmd.args([
        "check",
        "--config",
        &broken,
        "-o",
        "json",
        "--only",
        "ip-plan,endpoints",
    ]);
    let r = run(cmd);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        codes(&r.json()),
        ["ip-plan", "local-domain-endpoint", "local-domain-endpoint"]
    );
}

#[test]
fn junit_output_is_xml_with_one_suite_per_check() {
    let sim = Sim::start(SCENARIO);
    let broken = config("broken-appliance.yaml");
    let r = run(sim.vaudit(&["check", "--config", &broken, "-o", "junit"]));
    assert_eq!(r.code, 1);
    let mut reader = quick_xml::Reader::from_str(&r.stdout);
    let mut suites = std::collections::BTreeMap::new();
    let mut failures_total = 0;
    let mut cases = 0;
    loop {
        match reader
            .read_event()
            .expect("JUnit output is well-formed XML")
        {
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| a.value.to_string())
                };
                match e.name().as_ref() {
                    "testsuite" => {
                        suites.insert(
                            attr("name").unwrap(),
                            attr("failures").unwrap().parse::<usize>().unwrap(),
                        );
                    }
                    "testcase" => cases += 1,
                    "failure" => failures_total += 1,
                    _ => {}
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    // One suite per check of the registry, one case per rule of it.
    let names: Vec<&str> = vaudit::checks::registry::names().collect();
    assert_eq!(
        suites
            .keys()
            .map(String::as_str)
            .collect::<std::collections::BTreeSet<_>>(),
        names.iter().copied().collect()
    );
    assert_eq!(suites["folders"], 1);
    assert_eq!(suites["pools"], 1);
    assert_eq!(suites["endpoints"], 1);
    assert_eq!(suites["support-matrix"], 0);
    assert_eq!(failures_total, suites.values().sum::<usize>());
    let rules: usize = names
        .iter()
        .map(|n| vaudit::checks::registry::rules_of(n).len())
        .sum();
    assert_eq!(cases, rules);
}

#[test]
fn malformed_config_is_exit_2_naming_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad-infra.yaml");
    std::fs::write(&p, "vsphereprovider:\n  datacenter: DC0\n  folder: [oops\n").unwrap();
    let r = run({
        let mut c = vaudit();
        c.args(["check", "--config", p.to_str().unwrap()]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("bad-infra.yaml") && r.stderr.contains("line"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_certificate_about_to_expire_is_a_warning() {
    let sim = Sim::start(&["-cert-days", "10"]);
    let r = run(sim.vaudit(&["check", "-o", "json", "--only", "connection"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(codes(&v), ["tls-expiring"]);
    // Ten days less the seconds since the simulator made it.
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("expires in 9 days") || msg.contains("expires in 10 days"),
        "{msg}"
    );
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "connection",
        "--fail-on",
        "warning",
    ]));
    assert_eq!(r.code, 1);
}

pub(crate) fn check_named<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {v}"))
}

/// `check` of the clean config in JSON, the snapshot saved to `saved`.
fn check_saving(sim: &Sim, saved: &std::path::Path) -> crate::common::Run {
    let clean = config("clean-appliance.yaml");
    run(sim.vaudit(&[
        "check",
        "--config",
        &clean,
        "-o",
        "json",
        "--save",
        saved.to_str().unwrap(),
    ]))
}

/// The target template is deleted right after the inventory pass read it,
/// so the privilege call names an object that is gone: not a connection
/// failure. The checks that read it are not verified, saying which object
/// and to run again; the others keep their verdicts; the snapshot is saved.
#[test]
fn an_object_deleted_during_the_run_leaves_its_checks_not_verified() {
    let sim = Sim::start(&[
        "-scenario",
        "demo",
        "-folder",
        "1",
        "-template-flip",
        "arc-template-1=gone",
    ]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("s.json");
    let r = check_saving(&sim, &saved);
    assert_eq!(r.code, 2, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert!(!codes(&v).iter().any(|c| c == "connection-failed"), "{v}");
    assert_eq!(check_named(&v, "connection")["status"], "pass", "{v}");
    for name in ["privileges", "templates"] {
        let c = check_named(&v, name);
        assert_eq!(c["status"], "not-verified", "{c}");
        let reason = c["reason"].as_str().unwrap();
        assert!(
            reason.contains("VirtualMachine:")
                && reason.contains("arc-template-1")
                && reason.contains("it was deleted or changed during the run: run again"),
            "{c}"
        );
    }
    for name in ["folders", "pools", "network"] {
        let c = check_named(&v, name);
        assert_eq!(c["status"], "pass", "{c}");
    }
    assert!(saved.exists(), "the snapshot is still saved");
}

/// With the targets check left out by --only, the check that needed the
/// folder lists the candidates itself (cli.md §3), in every format.
#[test]
fn a_missing_target_lists_its_candidates_without_the_targets_check() {
    let sim = Sim::start(SCENARIO);
    let r = run(sim.vaudit(&[
        "check", "--only", "folders", "--folder", "/nope", "-o", "table",
    ]));
    assert_eq!(r.code, 2, "{}\n{}", r.stderr, r.stdout);
    assert!(!r.stdout.contains("see the targets check"), "{}", r.stdout);
    assert!(
        r.stdout.contains("no folder \"/nope\"")
            && r.stdout.contains("; candidates: ")
            && r.stdout.contains("/DC0/vm/Arc"),
        "{}",
        r.stdout
    );
    let r = run(sim.vaudit(&[
        "check", "--only", "folders", "--folder", "/nope", "-o", "json",
    ]));
    let v = r.json();
    let reason = check_named(&v, "folders")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("; candidates: ") && reason.contains("/DC0/vm/Arc"),
        "{reason}"
    );
    // With the targets check in the run, it lists them once.
    let r = run(sim.vaudit(&[
        "check",
        "--only",
        "folders,targets",
        "--folder",
        "/nope",
        "-o",
        "json",
    ]));
    let v = r.json();
    let reason = check_named(&v, "folders")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("see the targets check"), "{reason}");
}

/// A VM deleted while the inventory pass pages through the view is simply
/// absent from the later pages, as a ContainerView reflects the inventory
/// as it is: nothing read it, so no check is not verified for it, none
/// fails, and the snapshot holds neither the VM nor a vanished object.
#[test]
fn a_vm_deleted_during_the_inventory_pass_is_absent_and_judged_by_none() {
    let args = ["-scenario", "demo", "-folder", "1", "-page-max", "4"];
    let whole = Sim::start(&args);
    let vanish = [
        &args[..],
        &["-vanish", "DC0_C0_RP0_VM1@ContinueRetrievePropertiesEx"],
    ]
    .concat();
    let sim = Sim::start(&vanish);
    let dir = tempfile::tempdir().unwrap();
    let audit = |sim: &Sim, name: &str| {
        let saved = dir.path().join(name);
        let r = check_saving(sim, &saved);
        let snap: Value = serde_json::from_str(&std::fs::read_to_string(&saved).unwrap()).unwrap();
        (r.code, r.json(), snap)
    };
    let (code0, before, _) = audit(&whole, "whole.json");
    let (code, v, snap) = audit(&sim, "vanish.json");
    assert_eq!(code, code0, "{v}");
    assert!(!codes(&v).iter().any(|c| c == "connection-failed"), "{v}");
    assert_eq!(statuses(&v), statuses(&before), "{v}");
    assert!(snap.get("vanished").is_none(), "{snap}");
    let names: Vec<&str> = snap["entities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"DC0_C0_RP0_VM0"), "{names:?}");
    assert!(!names.contains(&"DC0_C0_RP0_VM1"), "{names:?}");
}

/// The target template deleted while the inventory pass pages through the
/// view, before its page: the inventory holds no such template, so the
/// target is not found, as it would be a moment later (never a connection
/// failure, never a template judged on what it was).
#[test]
fn a_target_deleted_during_the_inventory_pass_is_not_found() {
    let sim = Sim::start(&[
        "-scenario",
        "demo",
        "-page-max",
        "4",
        "-vanish",
        "arc-template-1@ContinueRetrievePropertiesEx",
    ]);
    let clean = config("clean-appliance.yaml");
    let r = run(sim.vaudit(&["check", "--config", &clean, "-o", "json"]));
    assert_eq!(r.code, 2, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert!(!codes(&v).iter().any(|c| c == "connection-failed"), "{v}");
    assert_eq!(check_named(&v, "connection")["status"], "pass", "{v}");
    let targets = check_named(&v, "targets");
    assert_eq!(targets["status"], "not-verified", "{targets}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "targets"
                && f["message"].as_str().unwrap().contains("arc-template-1")),
        "{v}"
    );
    for name in ["templates", "privileges"] {
        let c = check_named(&v, name);
        assert_eq!(c["status"], "not-verified", "{c}");
        assert!(!c["reason"].as_str().unwrap().contains("run again"), "{c}");
    }
    for name in ["folders", "pools", "network"] {
        assert_eq!(check_named(&v, name)["status"], "pass", "{v}");
    }
}
