//! Issue 12, probed as an attacker would: one test per numbered finding, each
//! on loopback servers (the simulator, wiremock behind a TLS front, plain
//! TCP listeners), each failing on the code before the fix.

mod common;
#[path = "support/wire.rs"]
mod wire;

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{SIM_PASSWORD, Sim, repo_root, run};
use serde_json::Value;
use wiremock::MockServer;

fn config(name: &str) -> PathBuf {
    repo_root().join("mocks/config").join(name)
}

/// The clean infra file with `address` as the vCenter address.
fn infra_at(dir: &Path, address: &str) -> PathBuf {
    let text = std::fs::read_to_string(config("clean-infra.yaml"))
        .unwrap()
        .replace("address: 127.0.0.1", &format!("address: {address}"));
    let p = dir.join("pr-infra.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

/// One PEM file trusting both the simulator's CA and the wire tests' CA, so
/// that a Login sent to the wrong host would get through TLS and be seen.
fn both_cas(dir: &Path, sim: &Sim) -> PathBuf {
    let mut pem = std::fs::read_to_string(&sim.ca_file).unwrap();
    pem.push_str(&std::fs::read_to_string(wire::CA_FILE).unwrap());
    let p = dir.join("both-ca.pem");
    std::fs::write(&p, pem).unwrap();
    p
}

/// A TCP listener that counts connections and never answers: proof that
/// nothing was sent to it.
fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let seen = n.clone();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            seen.fetch_add(1, Ordering::SeqCst);
            let mut s = s;
            let mut b = [0u8; 1024];
            let _ = s.read(&mut b);
        }
    });
    (port, n)
}

fn findings_with(v: &Value, code: &str) -> Vec<Value> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .cloned()
        .collect()
}

// ---------------------------------------------------------------------------
// 1. A config file cannot collect the environment's password.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn f1_a_config_address_other_than_vaudit_url_gets_nothing_and_is_reported() {
    // The clean config's targets exist in this scenario.
    let sim = Sim::start(&["-standalone", "1", "-template", "2", "-folder", "1"]);
    let attacker = MockServer::start().await;
    let attacker_url = wire::https_uri(&attacker);
    let dir = tempfile::tempdir().unwrap();
    let infra = infra_at(dir.path(), &attacker_url);
    let mut c = common::vaudit();
    c.args(["check", "--only", "connection", "-o", "json", "--config"])
        .arg(&infra)
        .env("VAUDIT_URL", &sim.url)
        .env("VAUDIT_PASSWORD", SIM_PASSWORD)
        .env("VAUDIT_CA_FILE", both_cas(dir.path(), &sim));
    let r = run(c);
    let sent = attacker.received_requests().await.unwrap_or_default();
    assert!(
        sent.is_empty(),
        "the config file's host received {} requests",
        sent.len()
    );
    assert!(r.code == 0 || r.code == 1, "{}\n{}", r.stderr, r.stdout);
    assert!(
        r.stderr.contains("warning: the config file") && r.stderr.contains("VAUDIT_URL"),
        "{}",
        r.stderr
    );
    assert_eq!(r.json()["vcenter"]["url"], format!("{}", sim.url));
}

#[tokio::test(flavor = "multi_thread")]
async fn f1_an_address_only_the_config_names_never_gets_the_environment_password() {
    let sim = Sim::start(&[]);
    let attacker = MockServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let infra = infra_at(dir.path(), &wire::https_uri(&attacker));
    let mut c = common::vaudit();
    c.args(["check", "--config", infra.to_str().unwrap(), "-o", "json"])
        .env("VAUDIT_PASSWORD", SIM_PASSWORD)
        .env("VAUDIT_CA_FILE", both_cas(dir.path(), &sim));
    let r = run(c);
    assert!(
        attacker
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "the config file's host was contacted"
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    let f = findings_with(&v, "connection-failed");
    assert!(
        f[0]["message"]
            .as_str()
            .unwrap()
            .contains("only from the config file"),
        "{v:#}"
    );
}

// ---------------------------------------------------------------------------
// 2. http:// is refused before anything is sent.
// ---------------------------------------------------------------------------

fn assert_http_refused(r: &common::Run, port: u16, seen: &AtomicUsize) {
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(seen.load(Ordering::SeqCst), 0, "a connection was opened");
    assert!(
        r.stderr.contains(&format!("use https://127.0.0.1:{port}")),
        "{}",
        r.stderr
    );
}

#[test]
fn f2_an_http_url_flag_is_refused_before_anything_is_sent() {
    let (port, seen) = counting_listener();
    let mut c = common::vaudit();
    c.args(["about", "-u", "administrator@vsphere.local", "--url"])
        .arg(format!("http://127.0.0.1:{port}"))
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    assert_http_refused(&run(c), port, &seen);
}

#[test]
fn f2_an_http_vaudit_url_is_refused_before_anything_is_sent() {
    let (port, seen) = counting_listener();
    let mut c = common::vaudit();
    c.args(["folders", "-u", "administrator@vsphere.local"])
        .env("VAUDIT_URL", format!("http://127.0.0.1:{port}"))
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    assert_http_refused(&run(c), port, &seen);
}

#[test]
fn f2_an_http_config_address_is_refused_before_anything_is_sent() {
    let (port, seen) = counting_listener();
    let dir = tempfile::tempdir().unwrap();
    let infra = infra_at(dir.path(), &format!("http://127.0.0.1:{port}"));
    let mut c = common::vaudit();
    c.args(["check", "-o", "json", "--config", infra.to_str().unwrap()])
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(seen.load(Ordering::SeqCst), 0, "a connection was opened");
}

// ---------------------------------------------------------------------------
// 4. Verification turned off by a variable is an error in the gate.
// ---------------------------------------------------------------------------

fn check_connection(sim: &Sim, env: &[(&str, &str)], extra: &[&str]) -> common::Run {
    let mut c = common::vaudit();
    c.args(["check", "--only", "connection", "-o", "json", "--url"])
        .arg(&sim.url)
        .args(["-u", &sim.username])
        .args(extra)
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    for (k, v) in env {
        c.env(k, v);
    }
    run(c)
}

#[test]
fn f4_govc_insecure_left_in_the_environment_fails_the_gate() {
    let sim = Sim::start(&[]);
    let r = check_connection(&sim, &[("GOVC_INSECURE", "1")], &[]);
    let v = r.json();
    let f = findings_with(&v, "tls-not-verified");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["severity"], "error");
    assert!(f[0]["message"].as_str().unwrap().contains("GOVC_INSECURE"));
    assert_eq!(v["vcenter"]["insecure"], true);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn f4_the_insecure_flag_is_a_warning_in_the_gate() {
    let sim = Sim::start(&[]);
    let r = check_connection(&sim, &[], &["--insecure"]);
    let v = r.json();
    let f = findings_with(&v, "tls-not-verified");
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["severity"], "warning");
    assert_eq!(r.code, 0, "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// 3. A hostile role name cannot break out of the printed command lines.
// ---------------------------------------------------------------------------

const HOSTILE_ROLE: &str = "Arc'; Remove-Item -Recurse -Force $HOME; Write-Host 'x \u{2019}$(id)`";

/// Reads a PowerShell single-quoted literal at the start of `s` as
/// PowerShell does (`'` and U+2018–U+201B end it unless doubled); returns
/// its value and what follows it.
fn powershell_literal(s: &str) -> (String, &str) {
    let q = |c: char| matches!(c, '\'' | '\u{2018}'..='\u{201B}');
    let mut it = s.char_indices().peekable();
    assert!(it.next().is_some_and(|(_, c)| q(c)), "not a literal: {s}");
    let mut v = String::new();
    while let Some((i, c)) = it.next() {
        if q(c) {
            if it.peek().is_some_and(|&(_, n)| q(n)) {
                it.next();
                v.push(c);
            } else {
                return (v, &s[i + c.len_utf8()..]);
            }
        } else {
            v.push(c);
        }
    }
    panic!("unterminated literal: {s}");
}

#[test]
fn f3_explain_quotes_a_hostile_role_name_for_powershell_and_sh() {
    use std::time::Duration;
    use vaudit::vsphere::{Client, ConnectOptions, MoRef, Permission};
    const DEPLOYER: &str = "deployer@vsphere.local";
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    std::fs::write(
        &users,
        serde_json::json!({"groups": [], "users": [
            {"name": DEPLOYER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": []}
        ]})
        .to_string(),
    )
    .unwrap();
    let sim = Sim::start_with_env(
        &["-users", users.to_str().unwrap()],
        &[("VCSIM_DEPLOYER_PASSWORD", common::DEPLOYER_PASSWORD)],
    );
    // The role holds one privilege: everything else is missing on the root.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let opts = ConnectOptions {
            url: ConnectOptions::parse_url(&sim.url).unwrap(),
            ca_file: Some(sim.ca_file.clone()),
            insecure: false,
            timeout: Duration::from_secs(30),
        };
        let mut c = Client::connect(&opts).await.unwrap();
        c.login(common::ADMIN, SIM_PASSWORD).await.unwrap();
        let role = c
            .add_authorization_role(HOSTILE_ROLE, &["Folder.Create"])
            .await
            .unwrap();
        let root: MoRef = c.content().root_folder.clone();
        let p = Permission {
            entity: None,
            principal: DEPLOYER.into(),
            group: false,
            role_id: role,
            propagate: true,
        };
        c.set_entity_permissions(&root, &[p]).await.unwrap();
        c.logout().await.unwrap();
    });
    let mut c = common::vaudit();
    c.args(["privileges", "--explain", "-o", "table", "--url", &sim.url])
        .args(["-u", DEPLOYER, "--ca-file"])
        .arg(&sim.ca_file)
        .env("VAUDIT_PASSWORD", common::DEPLOYER_PASSWORD);
    let r = run(c);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let ps = r
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("Set-VIRole -Role "))
        .unwrap_or_else(|| panic!("no Set-VIRole line:\n{}", r.stdout));
    let (role, rest) = powershell_literal(ps);
    assert_eq!(role, HOSTILE_ROLE);
    assert!(
        rest.starts_with(" -AddPrivilege (Get-VIPrivilege -Id '"),
        "{rest}"
    );
    // The govc line, run by a real sh with printf standing in for govc,
    // passes the name as one argument.
    let govc = r
        .stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("govc role.update -a "))
        .unwrap_or_else(|| panic!("no govc line:\n{}", r.stdout));
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("printf '%s\\n' {govc}"))
        .output()
        .unwrap();
    let args = String::from_utf8(out.stdout).unwrap();
    assert_eq!(args.lines().next(), Some(HOSTILE_ROLE), "{govc}");
}
