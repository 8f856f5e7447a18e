//! The PropertyCollector pages through the simulator's inventory: more
//! objects than one page holds, each exactly once, in ceil(n / page) calls.

use std::collections::HashSet;
use std::time::Duration;

use crate::common::{SIM_PASSWORD, Sim};
use vaudit::vsphere::{Client, ConnectOptions, PropertySpec};

#[tokio::test]
async fn pages_return_every_object_exactly_once() {
    let sim = Sim::start(&["-vm", "5", "-pool", "2"]);
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
    // CreateContainerView, one RetrievePropertiesEx, DestroyView.
    assert_eq!(one_page_calls, 3);

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
    assert_eq!(calls, 2 + pages, "view + {pages} pages + destroy");
    assert_eq!(progress.last(), Some(&n));
    assert!(
        paged
            .iter()
            .all(|o| o.get("name").is_some() && o.get("parent").is_some())
    );
    client.logout().await.unwrap();
}
