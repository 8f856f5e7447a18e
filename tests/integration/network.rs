//! The `dns`, `proxy`, `egress` and `ip-conflict` checks against loopback
//! fakes (`fakes.rs`): configs and endpoint lists here name 127.0.14.x
//! only, so no packet leaves the machine. Each test picks its checks with
//! `--only`, which is how a test opts in to the network checks.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::common::{Run, Sim, run, vaudit};
use crate::fakes::{Ca, Dns, Proxy, ProxyMode, TlsEndpoint, hold, next_ip};

/// The config the network checks read, written to a temporary folder.
#[derive(Default)]
struct Cfg {
    dns: Vec<String>,
    /// `vsphereprovider.credentials.address`; 127.0.0.1 when not given.
    address: Option<String>,
    proxy: Option<String>,
    noproxy: Option<String>,
    cert: Option<PathBuf>,
    addresses: Option<[String; 3]>,
}

impl Cfg {
    fn write(&self, dir: &Path) -> PathBuf {
        let [cp, start, end] = self
            .addresses
            .clone()
            .unwrap_or_else(|| ["127.0.14.250", "127.0.14.251", "127.0.14.252"].map(String::from));
        let dns: String = self.dns.iter().map(|d| format!("      - {d}\n")).collect();
        let dns = if dns.is_empty() {
            "    dnsservers: []\n".to_string()
        } else {
            format!("    dnsservers:\n{dns}")
        };
        std::fs::write(
            dir.join("net-infra.yaml"),
            format!(
                "vsphereprovider:\n  credentials:\n    address: {address}\n    username: administrator@vsphere.local\n  datacenter: DC0\n  network:\n    segment: DC0_DVPG0\n{dns}    gateway: 127.0.14.1\n    ipaddressprefix: 127.0.14.0/24\n    k8snodeippoolstart: {start}\n    k8snodeippoolend: {end}\n",
                address = self.address.as_deref().unwrap_or("127.0.0.1")
            ),
        )
        .unwrap();
        let mut proxy = String::new();
        if let Some(p) = &self.proxy {
            proxy.push_str(&format!(
                "  networking:\n    proxy:\n      http: {p}\n      https: {p}\n"
            ));
            if let Some(n) = &self.noproxy {
                proxy.push_str(&format!("      noproxy: \"{n}\"\n"));
            }
            if let Some(c) = &self.cert {
                proxy.push_str(&format!("      certificateFilePath: {}\n", c.display()));
            }
        }
        let app = dir.join("net-appliance.yaml");
        std::fs::write(
            &app,
            format!("applianceClusterConfig:\n  controlPlaneEndpoint: {cp}\n{proxy}infrastructureConfigPath: net-infra.yaml\n"),
        )
        .unwrap();
        app
    }
}

/// A complete noproxy for these configs (vCenter 127.0.0.1).
const NOPROXY: &str = "localhost,127.0.0.1,.svc,127.0.14.0/24";

fn endpoints(dir: &Path, lines: &[String]) -> PathBuf {
    let p = dir.join("endpoints.tsv");
    let mut text = String::from("host\tport\tprotocol\tneeded by\twhat for\n");
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    std::fs::write(&p, text).unwrap();
    p
}

fn https(addr: std::net::SocketAddr) -> String {
    format!(
        "{}\t{}\ttcp/https\tappliance VM\ttest stand-in",
        addr.ip(),
        addr.port()
    )
}

fn check(only: &str, config: &Path, eps: &Path) -> Run {
    let mut c = vaudit();
    c.args(["check", "-o", "json", "--only", only, "--config"])
        .arg(config)
        .arg("--endpoints")
        .arg(eps);
    run(c)
}

/// (check, code) of every finding, in report order.
fn findings(v: &Value) -> Vec<(String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(check: &str, code: &str) -> (String, String) {
    (check.to_string(), code.to_string())
}

fn message(v: &Value, i: usize) -> String {
    v["findings"][i]["message"].as_str().unwrap().to_string()
}

fn status(v: &Value, name: &str) -> String {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string()
}

const FROM_HERE: &str = "observed from this machine";

fn dns_table() -> Vec<(&'static str, Ipv4Addr)> {
    vec![
        ("mcr.fake.test", Ipv4Addr::new(127, 0, 14, 201)),
        ("login.fake.test", Ipv4Addr::new(127, 0, 14, 202)),
    ]
}

fn named(host: &str) -> String {
    format!("{host}\t443\ttcp/https\tappliance VM\ttest name")
}

#[test]
fn dns_passes_when_every_server_resolves_every_name() {
    let dns = Dns::start(&dns_table());
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg {
        dns: vec![dns.ip.to_string()],
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(
        d.path(),
        &[named("mcr.fake.test"), named("login.fake.test")],
    );
    let r = check("dns", &cfg, &eps);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), []);
    assert_eq!(status(&v, "dns"), "pass");
}

#[test]
fn dns_unresolvable_names_the_server_and_the_name() {
    let dns = Dns::start(&dns_table());
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg {
        dns: vec![dns.ip.to_string()],
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(
        d.path(),
        &[named("mcr.fake.test"), named("missing.fake.test")],
    );
    let r = check("dns", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("dns", "dns-unresolvable")]);
    let m = message(&v, 0);
    assert!(
        m.contains(&dns.ip.to_string())
            && m.contains("missing.fake.test")
            && m.contains("NXDOMAIN")
            && m.contains(FROM_HERE),
        "{m}"
    );
    assert!(
        v["findings"][0]["remedy"]
            .as_str()
            .unwrap()
            .contains("vsphereprovider.network.dnsservers")
    );
}

/// `--url` reaches the vCenter by another name (an address here): the
/// config's address is still the name the appliance resolves, so the
/// config's DNS servers are asked about it, and the finding names both.
#[test]
fn dns_asks_about_the_configs_address_whatever_url_says() {
    let dns = Dns::start(&dns_table());
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg {
        dns: vec![dns.ip.to_string()],
        address: Some("vcenter.fake.test".into()),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[named("mcr.fake.test")]);
    let mut c = vaudit();
    c.args([
        "check",
        "-o",
        "json",
        "--only",
        "dns",
        "--url",
        "127.0.0.1",
        "--config",
    ])
    .arg(&cfg)
    .arg("--endpoints")
    .arg(&eps);
    let r = run(c);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("dns", "dns-unresolvable")]);
    let m = message(&v, 0);
    assert!(
        m.contains("vcenter.fake.test")
            && m.contains("vsphereprovider.credentials.address")
            && m.contains("vaudit reached the vCenter as 127.0.0.1"),
        "{m}"
    );
}

/// An infra file alone: the checks that read the appliance file end
/// not-verified naming it, and nothing is probed for them (issue 27): the
/// config's DNS server gets no query.
#[test]
fn an_infra_file_alone_probes_nothing() {
    let dns = Dns::start(&dns_table());
    let d = tempfile::tempdir().unwrap();
    Cfg {
        dns: vec![dns.ip.to_string()],
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[named("mcr.fake.test")]);
    let r = check(
        "dns,proxy,egress,ip-conflict",
        &d.path().join("net-infra.yaml"),
        &eps,
    );
    assert_eq!(r.code, 2, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    for name in ["dns", "proxy", "egress", "ip-conflict"] {
        assert_eq!(status(&v, name), "not-verified", "{name}: {v}");
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(
        dns.queries.load(std::sync::atomic::Ordering::Relaxed),
        0,
        "the DNS server was asked"
    );
}

#[test]
fn dns_server_unreachable_names_the_server() {
    let silent = next_ip();
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg {
        dns: vec![silent.to_string()],
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(
        d.path(),
        &[named("mcr.fake.test"), named("login.fake.test")],
    );
    let r = check("dns", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("dns", "dns-server-unreachable")]);
    let m = message(&v, 0);
    assert!(
        m.contains(&format!("DNS server {silent} did not answer")) && m.contains(FROM_HERE),
        "{m}"
    );
}

#[test]
fn dns_without_servers_is_not_verified() {
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg::default().write(d.path());
    let eps = endpoints(d.path(), &[named("mcr.fake.test")]);
    let r = check("dns", &cfg, &eps);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert_eq!(status(&v, "dns"), "not-verified");
    assert!(
        v["checks"]
            .to_string()
            .contains("vsphereprovider.network.dnsservers")
    );
}

#[test]
fn without_a_proxy_the_proxy_check_passes_and_says_so() {
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg::default().write(d.path());
    let eps = endpoints(d.path(), &[named("mcr.fake.test")]);
    let r = check("proxy", &cfg, &eps);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("proxy", "no-proxy")]);
    assert_eq!(v["findings"][0]["severity"], "info");
    assert_eq!(status(&v, "proxy"), "pass");
}

/// An endpoint CA, one endpoint it serves, and its PEM for the config.
fn endpoint(d: &Path) -> (TlsEndpoint, PathBuf) {
    let ca = Ca::new("vaudit test endpoint CA");
    let ep = TlsEndpoint::start(&ca, 443);
    (ep, ca.write(d, "endpoint-ca.pem"))
}

#[test]
fn a_working_proxy_passes_proxy_and_egress() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let proxy = Proxy::start(ProxyMode::Allow);
    let cfg = Cfg {
        proxy: Some(proxy.url()),
        noproxy: Some(NOPROXY.into()),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("proxy,egress", &cfg, &eps);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), []);
    assert_eq!(
        (status(&v, "proxy"), status(&v, "egress")),
        ("pass".into(), "pass".into())
    );
    assert!(proxy.asked.lock().unwrap().contains(&ep.addr.to_string()));
}

#[test]
fn a_proxy_that_does_not_answer_is_unreachable() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let nobody = format!("http://{}:3128", next_ip());
    let cfg = Cfg {
        proxy: Some(nobody.clone()),
        noproxy: Some(NOPROXY.into()),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("proxy", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("proxy", "proxy-unreachable")]);
    let m = message(&v, 0);
    assert!(
        m.contains(&nobody) && m.contains("refused the connection") && m.contains(FROM_HERE),
        "{m}"
    );
}

#[test]
fn a_proxy_that_demands_authentication_is_unreachable() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let proxy = Proxy::start(ProxyMode::Refuse(407, "Proxy Authentication Required"));
    let cfg = Cfg {
        proxy: Some(proxy.url()),
        noproxy: Some(NOPROXY.into()),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("proxy", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("proxy", "proxy-unreachable")]);
    assert!(message(&v, 0).contains("HTTP 407"), "{}", message(&v, 0));
}

#[test]
fn an_endpoint_the_proxy_refuses_is_egress_blocked() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let proxy = Proxy::start(ProxyMode::Refuse(403, "Forbidden"));
    let cfg = Cfg {
        proxy: Some(proxy.url()),
        noproxy: Some(NOPROXY.into()),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("egress", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("egress", "egress-blocked")]);
    let m = message(&v, 0);
    assert!(
        m.contains(&ep.addr.to_string())
            && m.contains("the proxy refused it")
            && m.contains("HTTP 403")
            && m.contains(FROM_HERE),
        "{m}"
    );
}

#[test]
fn an_intercepting_proxy_whose_ca_is_not_given_is_tls_untrusted() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let proxy = Proxy::start(ProxyMode::Intercept(Arc::new(Ca::new(
        "Inspecting Proxy CA",
    ))));
    let cfg = Cfg {
        proxy: Some(proxy.url()),
        noproxy: Some(NOPROXY.into()),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("proxy", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("proxy", "proxy-tls-untrusted")]);
    let m = message(&v, 0);
    assert!(
        m.contains("issued by CN=Inspecting Proxy CA") && m.contains(FROM_HERE),
        "{m}"
    );
    assert!(
        v["findings"][0]["remedy"]
            .as_str()
            .unwrap()
            .contains("certificateFilePath")
    );
}

#[test]
fn noproxy_missing_lists_what_is_absent() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let proxy = Proxy::start(ProxyMode::Allow);
    let cfg = Cfg {
        proxy: Some(proxy.url()),
        noproxy: Some("localhost".into()),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("proxy", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("proxy", "noproxy-missing")]);
    let m = message(&v, 0);
    assert!(m.contains("lacks 127.0.0.1, 127.0.14.0/24, .svc"), "{m}");
}

#[test]
fn malformed_proxy_settings_are_named() {
    let d = tempfile::tempdir().unwrap();
    let (ep, ca) = endpoint(d.path());
    let proxy = Proxy::start(ProxyMode::Allow);
    let cfg = Cfg {
        proxy: Some(proxy.url()),
        noproxy: Some(format!("{NOPROXY},,<local>")),
        cert: Some(ca),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("proxy", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), [pair("proxy", "proxy-malformed")]);
}

#[test]
fn egress_passes_directly_when_every_endpoint_answers() {
    let d = tempfile::tempdir().unwrap();
    let (ep, _) = endpoint(d.path());
    let cfg = Cfg::default().write(d.path());
    let eps = endpoints(d.path(), &[https(ep.addr)]);
    let r = check("egress", &cfg, &eps);
    assert_eq!(r.code, 0, "{}\n{}", r.stderr, r.stdout);
    assert_eq!(findings(&r.json()), []);
}

#[test]
fn egress_blocked_directly_names_the_endpoint() {
    let d = tempfile::tempdir().unwrap();
    let closed = next_ip();
    let cfg = Cfg::default().write(d.path());
    let eps = endpoints(
        d.path(),
        &[
            format!("{closed}\t443\ttcp/https\tappliance VM\tclosed"),
            "*.data.fake.test\t443\ttcp/https\tappliance VM\twildcard".into(),
        ],
    );
    let r = check("egress", &cfg, &eps);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(
        findings(&v),
        [
            pair("egress", "egress-blocked"),
            pair("egress", "egress-untested")
        ]
    );
    let m = message(&v, 0);
    assert!(
        m.contains(&format!("{closed}:443")) && m.contains("directly") && m.contains(FROM_HERE),
        "{m}"
    );
}

#[test]
fn addresses_that_answer_are_in_use_and_vcenter_names_its_holder() {
    let vc_host = next_ip();
    let taken = next_ip();
    let _listener = hold(taken, 6443);
    let other = next_ip();
    let sim = Sim::start(&["-host-names", &format!("DC0_H0={vc_host}")]);
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg {
        addresses: Some([taken.to_string(), vc_host.to_string(), other.to_string()]),
        ..Default::default()
    }
    .write(d.path());
    let eps = endpoints(d.path(), &[]);
    let (cfg, eps) = (cfg.display().to_string(), eps.display().to_string());
    let c = sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "ip-conflict",
        "--config",
        &cfg,
        "--endpoints",
        &eps,
    ]);
    let r = run(c);
    assert_eq!(r.code, 1, "{}\n{}", r.stderr, r.stdout);
    let v = r.json();
    assert_eq!(findings(&v), vec![pair("ip-conflict", "ip-in-use"); 4]);
    let m = message(&v, 0);
    assert!(
        m.contains(&format!("the host \"{vc_host}\""))
            && m.contains("vsphereprovider.network.k8snodeippoolstart"),
        "{m}"
    );
    assert_eq!(v["findings"][0]["entity"]["type"], "HostSystem");
    let m = message(&v, 1);
    assert!(
        m.contains(&format!(
            "{taken} (applianceClusterConfig.controlPlaneEndpoint) is already taken"
        )) && m.contains(FROM_HERE),
        "{m}"
    );
}

/// `check --only upload-path` against a simulator whose standalone host is
/// named `host`, with that host's pool and the datastore it mounts.
fn upload_path(host: &str) -> (i32, Value) {
    let sim = Sim::start(&["-host-names", &format!("DC0_H0={host}")]);
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg::default().write(d.path());
    let cfg = cfg.display().to_string();
    let pool = format!("/DC0/host/{host}/Resources");
    let c = sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "upload-path",
        "--config",
        &cfg,
        "--pool",
        &pool,
        "--datastore",
        "LocalDS_0",
    ]);
    let r = run(c);
    (r.code, r.json())
}

#[test]
fn an_esxi_host_with_nothing_on_443_is_unreachable() {
    let host = next_ip();
    let (code, v) = upload_path(&host.to_string());
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v), vec![pair("upload-path", "esxi-unreachable")]);
    let m = message(&v, 0);
    assert!(
        m.contains(&format!("{host} refused the connection")) && m.contains("/nfc/"),
        "{m}"
    );
    let remedy = v["findings"][0]["remedy"].as_str().unwrap();
    assert!(
        remedy.contains(&format!("allow TCP 443 from this machine to {host}")),
        "{remedy}"
    );
    assert_eq!(v["findings"][0]["entity"]["type"], "HostSystem");
}

#[test]
fn an_esxi_host_answering_on_443_passes_upload_path() {
    let host = next_ip();
    let _listener = hold(host, 443);
    let (code, v) = upload_path(&host.to_string());
    assert_eq!(code, 0, "{v}");
    assert_eq!(status(&v, "upload-path"), "pass", "{v}");
}

#[test]
fn an_esxi_host_named_local_is_unresolvable_without_a_lookup() {
    // A .local name is judged before any resolver is asked, so this test
    // sends no DNS query.
    let (code, v) = upload_path("esx.lab.local");
    assert_eq!(code, 1, "{v}");
    assert_eq!(findings(&v), vec![pair("upload-path", "esxi-unresolvable")]);
    let m = message(&v, 0);
    assert!(
        m.contains("esx.lab.local") && m.contains("not looked up"),
        "{m}"
    );
    let remedy = v["findings"][0]["remedy"].as_str().unwrap();
    assert!(remedy.contains("DNS record for esx.lab.local"), "{remedy}");
}

#[test]
fn upload_path_without_a_config_is_not_verified_and_probes_nothing() {
    let sim = Sim::start(&[]);
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "upload-path",
        "--pool",
        "/DC0/host/DC0_C0/Resources",
        "--datastore",
        "LocalDS_0",
    ]));
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v = r.json();
    assert_eq!(status(&v, "upload-path"), "not-verified", "{v}");
}

#[test]
fn upload_path_names_only_the_cluster_host_that_does_not_answer() {
    let [standalone, h0, h1, h2] = [next_ip(), next_ip(), next_ip(), next_ip()];
    let _l0 = hold(h0, 443);
    let _l1 = hold(h1, 443);
    // Creation order: the standalone host, then the cluster's three.
    let names = format!("{standalone},{h0},{h1},{h2}");
    let sim = Sim::start(&["-host-names", &names]);
    let d = tempfile::tempdir().unwrap();
    let cfg = Cfg::default().write(d.path()).display().to_string();
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "json",
        "--only",
        "upload-path",
        "--config",
        &cfg,
        "--pool",
        "/DC0/host/DC0_C0/Resources",
        "--datastore",
        "LocalDS_0",
    ]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    // The standalone host is not the pool's: it is not judged.
    assert_eq!(findings(&v), vec![pair("upload-path", "esxi-unreachable")]);
    assert_eq!(v["findings"][0]["entity"]["name"], h2.to_string());
    assert!(
        message(&v, 0).contains("/DC0/host/DC0_C0"),
        "{}",
        message(&v, 0)
    );
}
