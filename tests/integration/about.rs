//! `vaudit about` and the connection errors, against the bundled simulator.

use std::process::Command;

use crate::common::{SIM_PASSWORD, Sim, run, vaudit};

#[test]
fn about_prints_product_version_and_user() {
    let sim = Sim::start(&[]);
    let cmd = sim.vaudit(&["about", "-o", "json"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["schema"], "vaudit/v1");
    assert_eq!(v["vcenter"]["product"], "VMware vCenter Server");
    assert!(!v["vcenter"]["version"].as_str().unwrap().is_empty());
    assert!(!v["vcenter"]["api_version"].as_str().unwrap().is_empty());
    assert!(!v["vcenter"]["instance_uuid"].as_str().unwrap().is_empty());
    assert_eq!(v["vcenter"]["user"], sim.username);
    assert_eq!(v["vcenter"]["insecure"], false);

    let cmd = sim.vaudit(&["about", "-o", "table", "-vv"]);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("VMware vCenter Server"), "{}", r.stdout);
    assert!(r.stdout.contains(&sim.username), "{}", r.stdout);
    // -vv traces every call, but the Login body is withheld.
    assert!(r.stderr.contains("Logout"), "{}", r.stderr);
    assert!(r.stderr.contains("body withheld"), "{}", r.stderr);
}

#[test]
fn stdout_that_is_not_a_terminal_defaults_to_json() {
    let sim = Sim::start(&[]);
    let cmd = sim.vaudit(&["about"]);
    assert_eq!(run(cmd).json()["schema"], "vaudit/v1");
}

#[test]
fn govc_environment_is_honoured() {
    let sim = Sim::start(&[]);
    let mut cmd = vaudit();
    cmd.args(["about", "-o", "json"])
        .env("GOVC_URL", &sim.url)
        .env("GOVC_USERNAME", &sim.username)
        .env("GOVC_PASSWORD", SIM_PASSWORD)
        .env("GOVC_TLS_CA_CERTS", &sim.ca_file);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["vcenter"]["user"], sim.username);
}

#[test]
fn wrong_password_is_exit_2_with_one_sentence() {
    let sim = Sim::start(&[]);
    let mut cmd = sim.vaudit(&["about", "-vv"]);
    cmd.env("VAUDIT_PASSWORD", "not-the-Pa55word");
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("login failed"), "{}", r.stderr);
    assert!(!r.stderr.contains("not-the-Pa55word"), "{}", r.stderr);
}

#[test]
fn untrusted_certificate_names_subject_fingerprint_and_fix() {
    let sim = Sim::start(&[]);
    let mut cmd = vaudit();
    cmd.args(["about", "--url", &sim.url, "-u", &sim.username])
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not signed by a trusted authority"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("subject: CN="), "{}", r.stderr);
    assert!(r.stderr.contains("SHA-256: "), "{}", r.stderr);
    assert!(r.stderr.contains("--ca-file"), "{}", r.stderr);
}

#[test]
fn insecure_connects_and_warns() {
    let sim = Sim::start(&[]);
    let mut cmd = vaudit();
    cmd.args([
        "about",
        "-k",
        "-o",
        "json",
        "--url",
        &sim.url,
        "-u",
        &sim.username,
    ])
    .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning: --insecure"), "{}", r.stderr);
    assert_eq!(r.json()["vcenter"]["insecure"], true);
}

#[test]
fn host_name_mismatch_has_its_own_sentence() {
    // The certificate names 127.0.0.1 and localhost; 127.0.0.2 is the same
    // machine under a name the certificate does not carry.
    let sim = Sim::start(&["-listen", "127.0.0.2:0"]);
    let cmd = sim.vaudit(&["about"]);
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not valid for this host name"),
        "{}",
        r.stderr
    );
}

/// `about` with `args` fails with exit 2, a sentence holding `expected` and
/// a remedy.
fn connection_failure_says(mut cmd: Command, args: &[&str], expected: &str) {
    cmd.arg("about")
        .args(args)
        .args(["-u", "a@b"])
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    assert!(r.stderr.contains(expected), "{args:?}: {}", r.stderr);
    assert!(r.stderr.contains("fix:"), "{args:?}: {}", r.stderr);
}

#[test]
fn a_refused_port_has_its_sentence() {
    connection_failure_says(
        vaudit(),
        &["--url", "https://127.0.0.1:1"],
        "refused the connection",
    );
}

#[cfg(unix)]
#[test]
fn an_unknown_host_has_its_sentence() {
    // The system resolver would send the query to this machine's DNS
    // server: the run gets a network namespace of its own with no
    // interface up, so the query fails here and no packet leaves.
    let probe = Command::new("unshare").args(["-n", "true"]).status();
    if !probe.is_ok_and(|s| s.success()) {
        eprintln!("skipped: `unshare -n` is not allowed here (CI runs as root, where it is)");
        return;
    }
    let mut cmd = Command::new("unshare");
    cmd.args(["-n", env!("CARGO_BIN_EXE_vaudit")]);
    cmd.stdin(std::process::Stdio::null());
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("VAUDIT_")) {
        cmd.env_remove(k);
    }
    connection_failure_says(
        cmd,
        &["--url", "vcenter.invalid"],
        "cannot resolve the host name vcenter.invalid",
    );
}

#[test]
fn a_missing_ca_file_has_its_sentence() {
    connection_failure_says(
        vaudit(),
        &[
            "--url",
            "https://127.0.0.1:1",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
        "cannot read the CA file /nonexistent/ca.pem",
    );
}

#[test]
fn a_url_of_another_scheme_has_its_sentence() {
    connection_failure_says(vaudit(), &["--url", "ftp://vc"], "not a usable vCenter URL");
}

#[test]
fn missing_target_and_password_are_usage_errors() {
    let r = run({
        let mut c = vaudit();
        c.args(["about", "-u", "a@b"]);
        c
    });
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no vCenter given"), "{}", r.stderr);

    let sim = Sim::start(&[]);
    let mut cmd = sim.vaudit(&["about"]);
    cmd.env_remove("VAUDIT_PASSWORD");
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no password"), "{}", r.stderr);
    assert!(r.stderr.contains("vaudit login"), "{}", r.stderr);
}

#[test]
fn a_password_flag_does_not_exist() {
    let mut cmd = vaudit();
    cmd.args(["about", "--password", "x"]);
    let r = run(cmd);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unexpected argument"), "{}", r.stderr);
}
