//! The proxy of the vCenter session (issue 27): `HTTPS_PROXY`/`ALL_PROXY`
//! tunnel the whole session, Login included, so the proxy used and the
//! variable (or `--proxy`) that named it are said in `-v` and the JSON, and
//! `--insecure` through a proxy only the environment named is refused: an
//! unverified session through a party the user did not name hands it the
//! password. The fake proxy (`fakes::Proxy`) tunnels to loopback only.

use serde_json::Value;

use crate::common::{Run, Sim, run};
use crate::fakes::{Proxy, ProxyMode};

/// `folders -o json` against `sim`, with `env` and `extra` arguments.
fn folders(sim: &Sim, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = sim.vaudit(&["folders", "-o", "json"]);
    cmd.args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd)
}

fn asked(p: &Proxy) -> usize {
    p.asked.lock().unwrap().len()
}

fn proxy_of(v: &Value) -> &Value {
    &v["vcenter"]["proxy"]
}

#[test]
fn insecure_through_a_proxy_only_the_environment_names_is_refused() {
    let sim = Sim::start(&[]);
    let proxy = Proxy::start(ProxyMode::Allow);
    let r = folders(&sim, &["--insecure"], &[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "through the proxy {} that HTTPS_PROXY names",
            proxy.addr
        )) && r.stderr.contains("--proxy URL")
            && r.stderr.contains("NO_PROXY"),
        "{}",
        r.stderr
    );
    assert_eq!(asked(&proxy), 0, "a request went through the proxy");
}

#[test]
fn insecure_with_no_proxy_covering_the_vcenter_goes_direct() {
    let sim = Sim::start(&[]);
    let proxy = Proxy::start(ProxyMode::Allow);
    let r = folders(
        &sim,
        &["--insecure"],
        &[("HTTPS_PROXY", &proxy.url()), ("NO_PROXY", "127.0.0.1")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(proxy_of(&r.json()).is_null(), "{}", r.stdout);
    assert_eq!(asked(&proxy), 0);
}

#[test]
fn insecure_through_a_proxy_the_user_names_goes_through_it_and_says_so() {
    let sim = Sim::start(&[]);
    let proxy = Proxy::start(ProxyMode::Allow);
    let r = folders(&sim, &["--insecure", "--proxy", &proxy.url()], &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(proxy_of(&v)["url"], proxy.url(), "{v}");
    assert_eq!(proxy_of(&v)["source"], "--proxy", "{v}");
    assert!(
        asked(&proxy) > 0,
        "the session did not go through the proxy"
    );
}

#[test]
fn a_proxy_from_the_environment_is_named_in_the_json_and_in_v() {
    let sim = Sim::start(&[]);
    let proxy = Proxy::start(ProxyMode::Allow);
    let r = folders(&sim, &["-v"], &[("HTTPS_PROXY", &proxy.url())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(proxy_of(&v)["source"], "HTTPS_PROXY", "{v}");
    assert!(
        r.stderr.contains(&format!(
            "the vCenter session goes through the proxy {} (from HTTPS_PROXY)",
            proxy.addr
        )),
        "{}",
        r.stderr
    );
    assert!(asked(&proxy) > 0);
}

#[test]
fn proxy_none_goes_straight_to_the_vcenter() {
    let sim = Sim::start(&[]);
    let proxy = Proxy::start(ProxyMode::Refuse(403, "Forbidden"));
    let r = folders(&sim, &["--proxy", "none"], &[("ALL_PROXY", &proxy.url())]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(proxy_of(&r.json()).is_null());
    assert_eq!(asked(&proxy), 0);
}
