//! The PropertyCollector pages through the simulator's inventory: more
//! objects than one page holds, each exactly once, in ceil(n / page) calls.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::{SIM_PASSWORD, Sim, run};
use vaudit::vsphere::{Client, ConnectOptions, PropertySpec};

/// A session with `sim`'s administrator.
async fn logged_in(sim: &Sim) -> Client {
    let opts = ConnectOptions {
        url: ConnectOptions::parse_url(&sim.url).unwrap(),
        ca_file: Some(sim.ca_file.clone()),
        insecure: false,
        timeout: Duration::from_secs(30),
        limits: Default::default(),
        proxy: Default::default(),
    };
    let mut client = Client::connect(&opts).await.unwrap();
    client.login(&sim.username, SIM_PASSWORD).await.unwrap();
    client
}

#[tokio::test]
async fn pages_return_every_object_exactly_once() {
    let sim = Sim::start(&["-vm", "5", "-pool", "2"]);
    let mut client = logged_in(&sim).await;
    let specs = [PropertySpec {
        kind: "VirtualMachine",
        paths: &["name", "parent"],
    }];

    let before = client.calls();
    let all = client
        .retrieve_inventory(&specs, 1000, |_| {})
        .await
        .unwrap();
    let one_page_calls = client.calls() - before;
    let n = all.len();
    assert!(n > 7, "the model should hold more VMs than a page: {n}");
    // One RetrievePropertiesEx: the walk needs no view.
    assert_eq!(one_page_calls, 1);

    let page = 3u32;
    let before = client.calls();
    let mut progress = Vec::new();
    let paged = client
        .retrieve_inventory(&specs, page, |count| progress.push(count))
        .await
        .unwrap();
    let calls = client.calls() - before;
    assert_eq!(paged.len(), n);
    let unique: HashSet<_> = paged.iter().map(|o| o.obj.clone()).collect();
    assert_eq!(unique.len(), n, "an object came twice");
    let pages = n.div_ceil(page as usize) as u64;
    assert_eq!(calls, pages, "{pages} pages, no view");
    assert_eq!(progress.last(), Some(&n));
    assert!(
        paged
            .iter()
            .all(|o| o.get("name").is_some() && o.get("parent").is_some())
    );
    client.logout().await.unwrap();
}

// ---------------------------------------------------------------------------
// Large pages against a server that caps them (issue 26): the same snapshot
// and the same report as small pages, nothing lost or duplicated.
// ---------------------------------------------------------------------------

const INVENTORY: &[&str] = &["-vm", "6", "-pool", "2", "-folder", "4", "-template", "3"];

/// The simulator with `INVENTORY` and `extra`.
fn sim(extra: &[&str]) -> Sim {
    let args: Vec<&str> = INVENTORY.iter().chain(extra).copied().collect();
    Sim::start(&args)
}

/// The saved snapshot's inventory (entities and events; the clock, the
/// URL and the port are the run's own).
fn saved_inventory(sim: &Sim) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.json");
    let r = run(sim.vaudit(&["folders", "-o", "json", "--save", path.to_str().unwrap()]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    timeless(serde_json::json!({ "entities": v["entities"], "events": v["events"] }))
}

/// `v` with every date made one: the two simulators made their templates
/// a second apart.
fn timeless(mut v: serde_json::Value) -> serde_json::Value {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s)
                if s.len() >= 19 && s.as_bytes()[4] == b'-' && s.as_bytes()[10] == b'T' =>
            {
                *s = "[TIME]".into();
            }
            // A datastore's reference and URL name its simulator's files.
            serde_json::Value::String(s) if s.contains("govcsim-") => {
                let tail = s.split_once("govcsim-").map_or("", |(_, t)| t);
                *s = tail.chars().filter(|c| !c.is_ascii_digit()).collect();
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
            serde_json::Value::Object(o) => {
                o.remove("age_days");
                o.values_mut().for_each(walk);
            }
            _ => {}
        }
    }
    walk(&mut v);
    v
}

fn morefs(v: &serde_json::Value) -> Vec<String> {
    v["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["moref"].to_string())
        .collect()
}

/// The report less what differs from run to run.
fn report(sim: &Sim, args: &[&str]) -> serde_json::Value {
    let r = run(sim.vaudit(args));
    assert!(r.code <= 1, "{}", r.stderr);
    let mut v = r.json();
    v.as_object_mut().unwrap().remove("vcenter");
    v.as_object_mut().unwrap().remove("collected_at");
    timeless(v)
}

#[test]
fn pages_capped_by_the_server_give_the_same_snapshot_and_report_as_one_page() {
    let whole = sim(&[]);
    let capped = sim(&["-page-max", "4"]);
    let (a, b) = (saved_inventory(&whole), saved_inventory(&capped));
    let ids = morefs(&a);
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "an object came twice");
    assert!(
        ids.len() > 40,
        "more objects than a few pages: {}",
        ids.len()
    );
    assert_eq!(a, b);
    for cmd in [&["templates", "-o", "json"][..], &["pools", "-o", "json"]] {
        assert_eq!(report(&whole, cmd), report(&capped, cmd), "{cmd:?}");
    }
}

#[test]
fn a_template_deleted_during_a_capped_read_is_neither_lost_nor_listed_twice() {
    let flip = ["-template-flip", "arc-template-1=gone"];
    let whole = sim(&flip);
    let capped = sim(&[&flip[..], &["-page-max", "4"]].concat());
    let cmd = ["templates", "-o", "json"];
    let (a, b) = (report(&whole, &cmd), report(&capped, &cmd));
    assert_eq!(a, b);
    let names: Vec<&str> = b["templates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["entity"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["arc-template-0", "arc-template-2"]);
}

/// Object count and SOAP calls of one read of every VM's name in pages of
/// `page_size` (0: `maxObjects` unset, as the simulator reads it).
async fn read_vms(sim: &Sim, page_size: u32) -> (usize, u64) {
    let mut client = logged_in(sim).await;
    let specs = [PropertySpec {
        kind: "VirtualMachine",
        paths: &["name"],
    }];
    let before = client.calls();
    let all = client
        .retrieve_inventory(&specs, page_size, |_| {})
        .await
        .unwrap();
    let calls = client.calls() - before;
    let unique: HashSet<_> = all.iter().map(|o| o.obj.clone()).collect();
    assert_eq!(unique.len(), all.len(), "an object came twice");
    client.logout().await.unwrap();
    (all.len(), calls)
}

#[tokio::test]
async fn without_max_objects_the_simulator_answers_pages_of_its_default() {
    let sim = Sim::start(&["-vm", "120", "-page-default", "100"]);
    let (n, calls) = read_vms(&sim, 0).await;
    assert!(n > 200, "{n}");
    assert_eq!(calls, n.div_ceil(100) as u64, "pages of 100");
}

#[tokio::test]
async fn a_larger_max_objects_is_honoured_up_to_the_simulators_cap() {
    let sim = Sim::start(&["-vm", "120", "-page-max", "70"]);
    let (n, calls) = read_vms(&sim, 50).await;
    assert_eq!(calls, n.div_ceil(50) as u64, "below the cap, as asked");
    let (m, calls) = read_vms(&sim, 50_000).await;
    assert_eq!(m, n);
    assert_eq!(calls, n.div_ceil(70) as u64, "above it, the cap");
    let uncapped = Sim::start(&["-vm", "120"]);
    assert_eq!(
        read_vms(&uncapped, 50_000).await,
        (n, 1),
        "one page when honoured"
    );
}

// ---------------------------------------------------------------------------
// The reads beside the inventory: the appliance's guest facts and the
// datastore's latency samples.
// ---------------------------------------------------------------------------

/// Every VM's reference, read in one uncapped page.
async fn every_vm(client: &Client) -> Vec<vaudit::vsphere::MoRef> {
    let specs = [PropertySpec {
        kind: "VirtualMachine",
        paths: &["name"],
    }];
    let all = client
        .retrieve_inventory(&specs, 50_000, |_| {})
        .await
        .unwrap();
    all.into_iter().map(|o| o.obj).collect()
}

#[tokio::test]
async fn guest_facts_of_more_vms_than_a_server_page_come_back_whole() {
    let sim = Sim::start(&[
        "-vm",
        "6",
        "-template",
        "3",
        "-page-default",
        "2",
        "-page-max",
        "2",
    ]);
    let mut client = logged_in(&sim).await;
    let vms = every_vm(&client).await;
    assert!(vms.len() > 10, "more VMs than a few pages: {}", vms.len());
    let before = client.calls();
    let guests = client.vm_guests(&vms).await.unwrap();
    let calls = client.calls() - before;
    let mut got: Vec<_> = guests.iter().map(|g| g.vm.clone()).collect();
    got.sort();
    let mut asked = vms.clone();
    asked.sort();
    assert_eq!(got, asked, "every VM once, none left on a later page");
    assert_eq!(
        calls,
        vms.len().div_ceil(2) as u64,
        "pages of the server's 2, the token followed"
    );
    assert!(
        guests
            .iter()
            .all(|g| !g.name.is_empty() && g.host.is_some())
    );
    client.logout().await.unwrap();
}

#[tokio::test]
async fn latency_samples_asked_at_once_are_those_asked_host_by_host() {
    let sim = Sim::start(&[
        "-cluster-host",
        "5",
        "-datastore-latency-ms",
        "DC0_C0_H1/LocalDS_0=25,DC0_C0_H3/LocalDS_0=12",
    ]);
    let mut client = logged_in(&sim).await;
    let catalog = client.perf_catalog().await.unwrap();
    let counter = catalog
        .write_latency_counter
        .expect("the write latency counter");
    let specs = [
        PropertySpec {
            kind: "HostSystem",
            paths: &["name"],
        },
        PropertySpec {
            kind: "Datastore",
            paths: &["name", "summary.url"],
        },
    ];
    let all = client
        .retrieve_inventory(&specs, 50_000, |_| {})
        .await
        .unwrap();
    let hosts: Vec<_> = all
        .iter()
        .filter(|o| &*o.obj.kind == "HostSystem")
        .map(|o| o.obj.clone())
        .collect();
    assert!(hosts.len() > 5, "{}", hosts.len());
    let url = all
        .iter()
        .find(|o| o.get("name").and_then(|v| v.as_str()) == Some("LocalDS_0"))
        .and_then(|o| o.get("summary.url")?.as_str().map(str::to_string))
        .unwrap();
    let uuid = url.trim_end_matches('/').rsplit('/').next().unwrap();
    let (end, start) = ("2026-12-06T08:00:00Z", "2026-12-06T07:00:00Z");
    let before = client.calls();
    let at_once = client
        .query_host_latency(counter, &hosts, uuid, start, end)
        .await
        .unwrap();
    assert_eq!(client.calls() - before, 1, "one QueryPerf for every host");
    let mut one_by_one = Vec::new();
    for h in &hosts {
        let one = client
            .query_host_latency(counter, std::slice::from_ref(h), uuid, start, end)
            .await
            .unwrap();
        one_by_one.extend(one);
    }
    assert_eq!(at_once, one_by_one);
    assert_eq!(at_once.len(), hosts.len(), "every host mounts LocalDS_0");
    assert!(
        at_once.iter().all(|s| s.samples.len() == 180),
        "an hour of 20 s samples"
    );
    let peaks: Vec<i64> = at_once.iter().map(|s| s.samples[0]).collect();
    assert!(peaks.contains(&25) && peaks.contains(&12), "{peaks:?}");
    client.logout().await.unwrap();
}
