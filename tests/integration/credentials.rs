//! `credential-expiry` (issue 16) in `check` and `diagnose`: the simulator's
//! SSO answers `GetDaysRemainingUntilPasswordExpiration` from each user's
//! `password_expires_in_days` (to SSO administrators only), the local
//! password policy to everyone, and keeps no password for an Active
//! Directory-style account.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{DEPLOYER_PASSWORD, Sim, run};

const SOON: &str = "soon@vsphere.local";
const LATER: &str = "later@vsphere.local";
const FOREVER: &str = "forever@vsphere.local";
/// Not an SSO administrator: may not ask for its own days left.
const PLAIN: &str = "plain@vsphere.local";
/// An account of another identity source (Active Directory style).
const AD: &str = r"CORP\svc";
const CHECK: &str = "credential-expiry";

struct Setup {
    sim: Sim,
    dir: tempfile::TempDir,
}

fn start(extra: &[&str]) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let users = dir.path().join("users.json");
    let user = |name: &str, days: Option<i32>, admin: bool| {
        let mut u = serde_json::json!({"name": name, "password_env": "VCSIM_DEPLOYER_PASSWORD"});
        if let Some(d) = days {
            u["password_expires_in_days"] = d.into();
        }
        if admin {
            u["groups"] = serde_json::json!(["Administrators@vsphere.local"]);
        }
        u
    };
    std::fs::write(
        &users,
        serde_json::json!({
            "users": [
                user(SOON, Some(3), true),
                user(LATER, Some(20), true),
                user(FOREVER, None, true),
                user(PLAIN, Some(3), false),
                user(AD, Some(3), true),
            ]
        })
        .to_string(),
    )
    .unwrap();
    let mut args = vec!["-users", users.to_str().unwrap()];
    args.extend(extra);
    let sim = Sim::start_with_env(&args, &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)]);
    Setup { sim, dir }
}

/// A config for `diagnose`: an appliance nothing answers for, so only the
/// check asked for decides.
fn config(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("bridge-appliance.yaml"),
        "applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.0.121\ninfrastructureConfigPath: bridge-infra.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("bridge-infra.yaml"),
        "vsphereprovider:\n  datacenter: DC0\n  network:\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/24\n    k8snodeippoolstart: 127.0.0.120\n    k8snodeippoolend: 127.0.0.122\n",
    )
    .unwrap();
    dir.join("bridge-appliance.yaml")
}

/// `COMMAND --only credential-expiry` logged in as `user`: the exit code,
/// the check's status and its findings' (severity, code).
fn expiry(s: &Setup, command: &str, user: &str) -> (i32, String, Vec<(String, String)>, Value) {
    let cfg = config(s.dir.path());
    let mut cmd = crate::common::vaudit();
    cmd.args([command, "-o", "json", "--only", CHECK]);
    if command == "diagnose" {
        cmd.arg("--config").arg(&cfg);
    }
    cmd.arg("--url")
        .arg(&s.sim.url)
        .arg("--username")
        .arg(user)
        .arg("--ca-file")
        .arg(&s.sim.ca_file)
        .env("VAUDIT_PASSWORD", DEPLOYER_PASSWORD);
    let r = run(cmd);
    let v = r.json();
    let status = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == CHECK)
        .unwrap_or_else(|| panic!("no check {CHECK}: {v}"))["status"]
        .as_str()
        .unwrap()
        .to_string();
    let findings = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["check"] == CHECK)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (r.code, status, findings, v)
}

fn pair(severity: &str, code: &str) -> Vec<(String, String)> {
    vec![(severity.into(), code.into())]
}

fn expiring_in_3_days_fails(command: &str) {
    let s = start(&[]);
    let (code, status, findings, v) = expiry(&s, command, SOON);
    assert_eq!((code, status.as_str()), (1, "fail"), "{v}");
    assert_eq!(findings, pair("error", "credential-expiry"), "{v}");
    let f = &v["findings"][0];
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("soon@vsphere.local") && msg.contains("in 3 days"),
        "{msg}"
    );
    let remedy = f["remedy"].as_str().unwrap();
    assert!(
        remedy.contains("az arcappliance update-infracredentials vmware"),
        "{remedy}"
    );
}

fn expiring_in_20_days_warns(command: &str) {
    let s = start(&[]);
    let (code, status, findings, v) = expiry(&s, command, LATER);
    assert_eq!((code, status.as_str()), (0, "warn"), "{v}");
    assert_eq!(findings, pair("warning", "credential-expiry"), "{v}");
}

fn never_expiring_passes(command: &str) {
    let s = start(&[]);
    let (code, status, findings, v) = expiry(&s, command, FOREVER);
    assert_eq!((code, status.as_str()), (0, "pass"), "{v}");
    assert!(findings.is_empty(), "{v}");
}

fn an_account_outside_sso_gets_a_warning_naming_the_limit(command: &str) {
    let s = start(&[]);
    let (code, status, findings, v) = expiry(&s, command, AD);
    // Verified as far as the server can answer: not `not-verified`.
    assert_eq!((code, status.as_str()), (0, "warn"), "{v}");
    assert_eq!(
        findings,
        pair("warning", "credential-expiry-unknown"),
        "{v}"
    );
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("svc@corp") && msg.contains("vsphere.local"),
        "{msg}"
    );
}

#[test]
fn check_expiring_in_3_days_fails() {
    expiring_in_3_days_fails("check");
}

#[test]
fn diagnose_expiring_in_3_days_fails() {
    expiring_in_3_days_fails("diagnose");
}

#[test]
fn check_expiring_in_20_days_warns() {
    expiring_in_20_days_warns("check");
}

#[test]
fn diagnose_expiring_in_20_days_warns() {
    expiring_in_20_days_warns("diagnose");
}

#[test]
fn check_never_expiring_passes() {
    never_expiring_passes("check");
}

#[test]
fn diagnose_never_expiring_passes() {
    never_expiring_passes("diagnose");
}

#[test]
fn check_account_outside_sso_warns_that_the_server_cannot_answer() {
    an_account_outside_sso_gets_a_warning_naming_the_limit("check");
}

#[test]
fn diagnose_account_outside_sso_warns_that_the_server_cannot_answer() {
    an_account_outside_sso_gets_a_warning_naming_the_limit("diagnose");
}

#[test]
fn a_user_who_may_not_ask_under_a_password_lifetime_warns() {
    let s = start(&[]);
    let (code, status, findings, v) = expiry(&s, "check", PLAIN);
    assert_eq!((code, status.as_str()), (0, "warn"), "{v}");
    assert_eq!(
        findings,
        pair("warning", "credential-expiry-unknown"),
        "{v}"
    );
    let msg = v["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("90 days") && msg.contains("SSO administrator"),
        "{msg}"
    );
}

#[test]
fn a_user_who_may_not_ask_passes_when_the_policy_never_expires_passwords() {
    let s = start(&["-sso-password-lifetime-days", "0"]);
    let (code, status, findings, v) = expiry(&s, "check", PLAIN);
    assert_eq!((code, status.as_str()), (0, "pass"), "{v}");
    assert!(findings.is_empty(), "{v}");
}

#[test]
fn sso_out_of_reach_is_not_verified() {
    let s = start(&["-sso-off"]);
    let (code, status, _, v) = expiry(&s, "check", SOON);
    assert_eq!((code, status.as_str()), (2, "not-verified"), "{v}");
}
