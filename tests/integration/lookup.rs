//! Where SSO answers: vaudit finds the STS and the SSO admin service through
//! the vCenter's Lookup Service, whose paths carry the SSO system domain
//! (the simulator serves SSO under `vsphere.local` only, as vCenter does),
//! asks every endpoint on the `--url` host (the password goes nowhere else), falls back to the default
//! path only when no Lookup Service answers, and asks for one token per run.

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::admin::Admin;
use crate::check::check_named;
use crate::common::{DEPLOYER_PASSWORD, SIM_PASSWORD, Sim, repo_root, run};

const ARC: &str = "/DC0/vm/Arc";
/// A user of an Active Directory-style identity source: its domain is not
/// the SSO system domain, so no STS answers under it.
const AD_USER: &str = "deployer@corp.example";
const AD_GROUP: &str = "arc-deployers@corp.example";
const OTHER_GROUP: &str = "arc-others@corp.example";
const ID: &str = "VirtualMachine.Interact.PowerOn";

fn start(dir: &Path, extra: &[&str]) -> Sim {
    let users = dir.join("users.json");
    std::fs::write(
        &users,
        serde_json::json!({
            "groups": [AD_GROUP, OTHER_GROUP],
            "users": [{"name": AD_USER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": [AD_GROUP]}]
        })
        .to_string(),
    )
    .unwrap();
    let mut args = vec!["-users", users.to_str().unwrap()];
    args.extend(extra);
    Sim::start_with_env(&args, &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)])
}

/// The AD group holds the privilege on the Arc folder, propagating; a
/// group the user is not in holds it on the root: whether the user has it
/// depends on its groups.
fn grant(sim: &Sim) {
    let admin = Admin::connect(sim);
    let role = admin.role("power-on", &[ID.to_string()]);
    let r = run(sim.vaudit(&["folders", "-o", "json", "--folder", ARC]));
    let folder = vaudit::vsphere::MoRef::new(
        "Folder",
        r.json()["targets"]["folder"]["moref"].as_str().unwrap(),
    );
    admin.grant(&folder, AD_GROUP, true, role, true);
    admin.grant(&admin.root(), OTHER_GROUP, true, role, false);
}

/// `privileges -v` as the AD user: exit code, JSON, stderr.
fn audit(sim: &Sim, dir: &Path) -> (i32, Value, String) {
    let manifest = dir.join("m.toml");
    std::fs::write(
        &manifest,
        format!(
            "name = \"m\"\n\n[[privilege]]\nid = \"{ID}\"\ngroup = \"G\"\nlabel = \"{ID}\"\nlevel = \"required\"\non = [\"folder\"]\n"
        ),
    )
    .unwrap();
    let mut cmd = crate::common::vaudit();
    cmd.args([
        "privileges",
        "-v",
        "-o",
        "json",
        "--folder",
        ARC,
        "--manifest",
    ])
    .arg(&manifest)
    .arg("--url")
    .arg(&sim.url)
    .arg("--username")
    .arg(AD_USER)
    .arg("--ca-file")
    .arg(&sim.ca_file)
    .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
    let r = run(cmd);
    (r.code, r.json(), r.stderr)
}

/// What the simulator counted: requests to its STS and Lookup Service.
fn sso_stats(sim: &Sim) -> Value {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&sim.ca_file).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(ca)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let url = sim.url.replace("/sdk", "/vcsim/sso-stats");
    let body = rt.block_on(async { http.get(url).send().await.unwrap().text().await.unwrap() });
    serde_json::from_str(&body).unwrap()
}

#[test]
fn an_ad_users_groups_come_from_the_system_domain_sts() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    grant(&sim);
    let (code, v, stderr) = audit(&sim, dir.path());
    assert_eq!(code, 0, "{v}\n{stderr}");
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
    assert!(
        stderr.contains("SSO endpoints from the Lookup Service")
            && stderr.contains("/sts/STSService/vsphere.local"),
        "{stderr}"
    );
}

#[test]
fn the_sts_path_comes_from_the_lookup_not_the_default() {
    // A system domain other than vsphere.local: the default path answers
    // 404, so only the path the Lookup Service lists can pass.
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-sso-domain", "corp.local"]);
    grant(&sim);
    let (code, v, stderr) = audit(&sim, dir.path());
    assert_eq!(code, 0, "{v}\n{stderr}");
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");
    assert!(stderr.contains("/sts/STSService/corp.local"), "{stderr}");
}

#[test]
fn a_lookup_naming_another_host_is_asked_on_the_url_host_only() {
    // The Lookup Service names the vCenter by its PNID, which `--url` (an IP
    // here) need not match: the listed path is asked on the `--url` host.
    let dir = tempfile::tempdir().unwrap();
    // The other host: a loopback listener that must never be connected to.
    let other = TcpListener::bind("127.0.0.2:0").unwrap();
    let addr = other.local_addr().unwrap().to_string();
    let sim = start(dir.path(), &["-lookup-sso-host", &addr]);
    grant(&sim);
    let (code, v, stderr) = audit(&sim, dir.path());
    assert_eq!(code, 0, "{v}\n{stderr}");
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");
    assert!(
        stderr.contains(&format!(
            "the STS listed as https://{addr}/sts/STSService/vsphere.local"
        )) && stderr.contains("asked at the same path on the --url host"),
        "{stderr}"
    );
    other.set_nonblocking(true).unwrap();
    assert_eq!(
        other.accept().unwrap_err().kind(),
        std::io::ErrorKind::WouldBlock,
        "vaudit connected to the host the Lookup Service named"
    );
    assert_eq!(sso_stats(&sim)["sts_requests"], 1);
}

#[test]
fn an_absent_lookup_service_falls_back_to_the_default_path() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-lookup-off"]);
    grant(&sim);
    let (code, v, stderr) = audit(&sim, dir.path());
    assert_eq!(code, 0, "{v}\n{stderr}");
    assert_eq!(v["checks"][0]["status"], "pass", "{v}");
    assert!(
        stderr.contains("no Lookup Service answers at /lookupservice/sdk (HTTP 404)")
            && stderr.contains("STS /sts/STSService/vsphere.local"),
        "{stderr}"
    );
    assert_eq!(sso_stats(&sim)["sts_requests"], 1);
}

/// `check` of the clean appliance config, logged in with `password`: its
/// JSON report and the status of one of its checks.
fn check_clean(sim: &Sim, password: &str) -> (Value, impl Fn(&str) -> Value) {
    let clean = repo_root()
        .join("mocks/config/clean-appliance.yaml")
        .display()
        .to_string();
    let mut cmd = sim.vaudit(&["check", "--config", &clean, "-o", "json"]);
    cmd.env("VAUDIT_PASSWORD", password);
    let r = run(cmd);
    for shown in [&r.stdout, &r.stderr] {
        assert!(!shown.contains(password), "password shown:\n{shown}");
    }
    let v = r.json();
    let checks = v.clone();
    (v, move |name: &str| {
        check_named(&checks, name)["status"].clone()
    })
}

#[test]
fn one_token_serves_privileges_and_credential_expiry() {
    let sim = Sim::start(&["-template", "2"]);
    let (v, status) = check_clean(&sim, SIM_PASSWORD);
    // Both ran on SSO's answers.
    assert_eq!(status("privileges"), "pass", "{v}");
    assert_eq!(status("credential-expiry"), "pass", "{v}");
    let stats = sso_stats(&sim);
    assert_eq!(stats["sts_requests"], 1, "{stats}");
    assert_eq!(stats["lookup_content"], 1, "{stats}");
    assert_eq!(stats["lookup_list"], 1, "{stats}");
}

/// A token the STS grants for less than the renewal margin (30 s here,
/// against the ten minutes asked) is about to lapse whenever it is asked
/// for again: the second step that needs it (privileges, credential expiry)
/// gets a fresh one rather than one the SSO admin service may refuse.
#[test]
fn a_token_about_to_lapse_is_asked_again() {
    let sim = Sim::start(&["-template", "2", "-sts-token-lifetime", "30s"]);
    let (v, status) = check_clean(&sim, SIM_PASSWORD);
    assert_eq!(status("privileges"), "pass", "{v}");
    assert_eq!(status("credential-expiry"), "pass", "{v}");
    let stats = sso_stats(&sim);
    assert_eq!(stats["sts_requests"], 2, "{stats}");
}

/// A token already lapsed when the SSO admin service is asked is refused
/// there (the simulator honours NotOnOrAfter), so the renewal above is what
/// keeps credential expiry answerable on a long run.
#[test]
fn the_sso_admin_service_refuses_a_lapsed_token() {
    let sim = Sim::start(&["-template", "2", "-sts-token-lifetime", "0s"]);
    let (v, status) = check_clean(&sim, SIM_PASSWORD);
    assert_eq!(status("credential-expiry"), "not-verified", "{v}");
    let reason = check_named(&v, "credential-expiry")["reason"].to_string();
    assert!(reason.contains("expired"), "{reason}");
}

/// Markup, DEL, a line separator and a bidi override: all legal in XML 1.0,
/// so all must reach every service exactly as typed (the JUnit escaper the
/// SSO requests once used rewrote DEL as the text `\u{7f}`).
const AWKWARD_PASSWORD: &str = "Aw<k&w\"ard-\u{7f}-\u{2028}-\u{202e}-9!";

#[test]
fn a_password_with_markup_and_controls_reaches_the_sts_as_login_received_it() {
    let sim = Sim::start_with_env(&["-template", "2"], &[("VCSIM_PASSWORD", AWKWARD_PASSWORD)]);
    let (v, status) = check_clean(&sim, AWKWARD_PASSWORD);
    // Logged in; the token carried the groups; the expiry was answered.
    assert_eq!(status("connection"), "pass", "{v}");
    assert_eq!(status("privileges"), "pass", "{v}");
    assert_eq!(status("credential-expiry"), "pass", "{v}");
    let stats = sso_stats(&sim);
    assert_eq!(stats["sts_requests"], 1, "{stats}");
    let login = stats["login_password_sha256"].as_str().unwrap();
    assert_eq!(login.len(), 64, "{stats}");
    assert_eq!(stats["sts_password_sha256"], login, "{stats}");
}

#[test]
fn a_password_xml_cannot_carry_is_refused_before_login_is_sent() {
    let sim = Sim::start(&[]);
    let mut cmd = sim.vaudit(&["check", "--only", "connection", "-o", "json"]);
    cmd.env("VAUDIT_PASSWORD", "Sim\u{1}Pa55");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let shown = format!("{}{}", r.stdout, r.stderr);
    assert!(
        shown.contains("Login was not sent: its password holds a character XML 1.0 cannot carry"),
        "{shown}"
    );
    assert!(!shown.contains("Sim\u{1}Pa55"), "{shown}");
    assert_eq!(
        sso_stats(&sim)["login_password_sha256"],
        "",
        "Login reached the server"
    );
}
