//! `vaudit templates` reads every VM's `config.template` through the view,
//! then the templates' names, places and dates by reference (issue 18, 1b):
//! the listing equals the one-pass read of a saved snapshot, a template
//! target is judged, and a template that changes between the two passes is
//! never listed as a template that does not exist.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::admin::Admin;
use crate::common::{Sim, run, vaudit};

/// `(path, created)` of each listed template.
fn listed(v: &Value) -> BTreeSet<(String, String)> {
    v["templates"]
        .as_array()
        .unwrap_or_else(|| panic!("no templates in {v}"))
        .iter()
        .map(|t| {
            (
                t["entity"]["path"].as_str().unwrap().to_string(),
                t["created"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn names(v: &Value) -> Vec<String> {
    let mut n: Vec<String> = v["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["entity"]["name"].as_str().unwrap().to_string())
        .collect();
    n.sort();
    n
}

/// The SOAP methods of a `-v` run, in order.
fn methods(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains("SOAP answer"))
        .filter_map(|l| l.split("method=\"").nth(1))
        .filter_map(|m| m.split('"').next())
        .map(str::to_string)
        .collect()
}

/// A template in a nested folder, one made from a VM of a vApp, two in
/// `Arc`; one plain VM.
fn scattered() -> Sim {
    let sim = Sim::start(&[
        "-template",
        "3",
        "-app",
        "1",
        "-folder",
        "1",
        "-folder-depth",
        "2",
    ]);
    let admin = Admin::connect(&sim);
    let sub = admin.by_name("Folder", "Sub1");
    admin.move_into(&sub, &admin.by_name("VirtualMachine", "arc-template-1"));
    let in_vapp = admin.by_name("VirtualMachine", "DC0_C0_APP0_VM0");
    admin.power_off(&in_vapp);
    admin.mark_as_template(&in_vapp);
    sim
}

#[test]
fn two_passes_list_the_templates_one_pass_over_every_vm_finds() {
    let sim = scattered();
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("whole.json");
    let saved = saved.to_str().unwrap();
    // `--save` reads every VM whole, in one pass: what `templates` read
    // before it took two.
    let whole = run(sim.vaudit(&["folders", "-o", "json", "--save", saved]));
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    let mut offline = vaudit();
    offline.args(["templates", "-o", "json", "--from", saved]);
    let one_pass = run(offline);
    assert_eq!(one_pass.code, 0, "{}", one_pass.stderr);

    let two_pass = run(sim.vaudit(&["templates", "-o", "json", "-v"]));
    assert_eq!(two_pass.code, 0, "{}", two_pass.stderr);
    let (a, b) = (listed(&one_pass.json()), listed(&two_pass.json()));
    assert_eq!(a, b);
    let paths: Vec<&str> = b.iter().map(|(p, _)| p.as_str()).collect();
    assert!(
        paths.contains(&"/DC0/vm/Folder0/Sub1/arc-template-1"),
        "{paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.ends_with("/DC0_C0_APP0_VM0")),
        "{paths:?}"
    );
    assert_eq!(b.len(), 4, "{paths:?}");
    assert!(b.iter().all(|(_, created)| !created.is_empty()), "{b:?}");

    let m = methods(&two_pass.stderr);
    assert_eq!(
        m.iter().filter(|m| *m == "RetrievePropertiesEx").count(),
        2,
        "the view's page, then the templates by reference: {m:?}"
    );
}

#[test]
fn a_template_target_in_a_nested_folder_is_judged() {
    let sim = scattered();
    let r = run(sim.vaudit(&[
        "templates",
        "-o",
        "json",
        "--template",
        "Folder0/Sub1/arc-template-1",
    ]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(
        v["targets"]["template"]["path"], "/DC0/vm/Folder0/Sub1/arc-template-1",
        "{v}"
    );
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");
}

/// Whether a `-vv` run asked for objects by reference (the second pass).
fn second_pass_sent(stderr: &str) -> bool {
    stderr
        .lines()
        .filter(|l| l.contains("SOAP request"))
        .any(|l| l.contains("reportMissingObjectsInResults"))
}

/// The gate's own checks (network probes skipped, as the harness does)
/// need no VM but the templates: two passes. Saving its snapshot reads
/// every VM whole, so the templates come with them: one pass.
#[test]
fn the_gate_takes_the_second_pass_only_when_it_reads_not_every_vm() {
    let sim = Sim::start(&["-template", "2"]);
    let config = crate::common::repo_root().join("mocks/config/clean-appliance.yaml");
    let config = config.to_str().unwrap();
    let gate = |extra: &[&str]| {
        let mut args = vec![
            "check",
            "--config",
            config,
            "--skip",
            "privileges",
            "--template",
            "arc-template-1",
            "-o",
            "json",
            "-vv",
        ];
        args.extend(extra);
        let r = run(sim.vaudit(&args));
        assert_eq!(r.code, 0, "{}", r.stdout);
        assert_eq!(r.json()["targets"]["template"]["name"], "arc-template-1");
        let templates = r.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "templates")
            .unwrap()["status"]
            .clone();
        assert_eq!(templates, "pass");
        second_pass_sent(&r.stderr)
    };
    assert!(gate(&[]), "the gate reads the templates by reference");
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("s.json");
    assert!(
        !gate(&["--save", saved.to_str().unwrap()]),
        "a saved gate reads every VM whole, so no second pass"
    );
}

#[test]
fn a_save_reading_every_vm_takes_one_pass() {
    let sim = Sim::start(&["-template", "2"]);
    let dir = tempfile::tempdir().unwrap();
    let saved = dir.path().join("s.json");
    let r = run(sim.vaudit(&[
        "templates",
        "-o",
        "json",
        "-v",
        "--save",
        saved.to_str().unwrap(),
    ]));
    assert!(r.code <= 1, "{}", r.stderr);
    let m = methods(&r.stderr);
    assert_eq!(
        m.iter().filter(|m| *m == "RetrievePropertiesEx").count(),
        1,
        "--save reads every VM whole, so no second pass: {m:?}"
    );
    assert_eq!(names(&r.json()), ["arc-template-0", "arc-template-1"]);
}

#[test]
fn a_template_deleted_between_the_passes_is_not_listed() {
    let sim = Sim::start(&["-template", "3", "-template-flip", "arc-template-1=gone"]);
    let r = run(sim.vaudit(&["templates", "-o", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(names(&r.json()), ["arc-template-0", "arc-template-2"]);
}

#[test]
fn a_template_made_a_vm_between_the_passes_is_not_listed() {
    let sim = Sim::start(&["-template", "3", "-template-flip", "arc-template-1=vm"]);
    let r = run(sim.vaudit(&["templates", "-o", "json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(names(&r.json()), ["arc-template-0", "arc-template-2"]);
}

/// The target vanished between the passes: not found, as it would be a
/// moment later, with the templates that remain as candidates; never
/// judged as a template with no name.
#[test]
fn a_target_deleted_between_the_passes_is_not_found() {
    let sim = Sim::start(&["-template", "3", "-template-flip", "arc-template-1=gone"]);
    let r = run(sim.vaudit(&["templates", "-o", "json", "--template", "arc-template-1"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("no template \"arc-template-1\""),
        "{}",
        r.stderr
    );
    let v = r.json();
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["target-not-found"], "{v}");
}

// ---------------------------------------------------------------------------
// The second pass on the wire: bounded and guarded like the view's pages.
// ---------------------------------------------------------------------------

mod by_reference {
    use vaudit::vsphere::{Error, Limits, MoRef, PropertySpec};
    use wiremock::matchers::body_string_contains;
    use wiremock::{MockServer, ResponseTemplate};

    use crate::wire::*;

    const SPEC: PropertySpec<'static> = PropertySpec {
        kind: "VirtualMachine",
        paths: &["config.template", "name"],
    };

    fn vms(ids: &[&str]) -> Vec<MoRef> {
        ids.iter()
            .map(|i| MoRef::new("VirtualMachine", *i))
            .collect()
    }

    fn answer(response: &str, ids: &[&str], token: Option<&str>) -> ResponseTemplate {
        let mut objs = String::new();
        for id in ids {
            objs.push_str(&format!(
                r#"<objects><obj type="VirtualMachine">{id}</obj><propSet><name>config.template</name><val xsi:type="xsd:boolean">true</val></propSet><propSet><name>name</name><val xsi:type="xsd:string">t-{id}</val></propSet></objects>"#
            ));
        }
        let token = token
            .map(|t| format!("<token>{t}</token>"))
            .unwrap_or_default();
        ResponseTemplate::new(200).set_body_raw(
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><{response} xmlns="urn:vim25"><returnval>{token}{objs}</returnval></{response}></soapenv:Body></soapenv:Envelope>"#
            ),
            "text/xml; charset=utf-8",
        )
    }

    async fn server() -> MockServer {
        let server = MockServer::start().await;
        mount_connect_and_login(&server).await;
        soap("CancelRetrievePropertiesEx")
            .respond_with(ok("cancel-retrieve.xml"))
            .mount(&server)
            .await;
        server
    }

    #[tokio::test]
    async fn objects_are_asked_for_in_batches_of_a_page() {
        let server = server().await;
        // Two objects a page: vm-1 and vm-2 in the first request, vm-3 in
        // the second.
        let batches: [(&str, &[&str]); 2] = [("vm-1", &["vm-1", "vm-2"]), ("vm-3", &["vm-3"])];
        for (asked, sent) in batches {
            soap("RetrievePropertiesEx")
                .and(body_string_contains(format!(">{asked}</obj>")))
                .respond_with(answer("RetrievePropertiesExResponse", sent, None))
                .expect(1)
                .mount(&server)
                .await;
        }
        let client = logged_in(&server).await;
        let got = client
            .retrieve_objects_bounded(SPEC, &vms(&["vm-1", "vm-2", "vm-3"]), 2, Limits::default())
            .await
            .unwrap();
        let ids: Vec<&str> = got.iter().map(|o| o.obj.value.as_str()).collect();
        assert_eq!(ids, ["vm-1", "vm-2", "vm-3"]);
    }

    #[tokio::test]
    async fn an_object_not_asked_for_fails_the_pass() {
        let server = server().await;
        soap("RetrievePropertiesEx")
            .respond_with(answer(
                "RetrievePropertiesExResponse",
                &["vm-1", "vm-9"],
                None,
            ))
            .mount(&server)
            .await;
        let client = logged_in(&server).await;
        let err = client
            .retrieve_objects_bounded(SPEC, &vms(&["vm-1"]), 1000, Limits::default())
            .await
            .unwrap_err();
        assert!(
            matches!(err, Error::Decode { .. }) && err.to_string().contains("VirtualMachine:vm-9"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn an_object_sent_again_on_a_later_page_fails_the_pass() {
        let server = server().await;
        soap("RetrievePropertiesEx")
            .respond_with(answer(
                "RetrievePropertiesExResponse",
                &["vm-1"],
                Some("t1"),
            ))
            .mount(&server)
            .await;
        soap("ContinueRetrievePropertiesEx")
            .respond_with(answer(
                "ContinueRetrievePropertiesExResponse",
                &["vm-1"],
                Some("t1"),
            ))
            .mount(&server)
            .await;
        let client = logged_in(&server).await;
        let err = client
            .retrieve_objects_bounded(SPEC, &vms(&["vm-1", "vm-2"]), 1000, Limits::default())
            .await
            .unwrap_err();
        assert!(matches!(err, Error::CursorLoop { .. }), "{err}");
    }

    #[tokio::test]
    async fn the_pass_is_held_to_max_objects() {
        let server = server().await;
        soap("RetrievePropertiesEx")
            .respond_with(answer(
                "RetrievePropertiesExResponse",
                &["vm-1", "vm-2"],
                None,
            ))
            .mount(&server)
            .await;
        let client = logged_in(&server).await;
        let err = client
            .retrieve_objects_bounded(
                SPEC,
                &vms(&["vm-1", "vm-2"]),
                1000,
                Limits::with_max_objects(1),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::TooLarge {
                    what: "objects",
                    ..
                }
            ),
            "{err}"
        );
    }
}
