//! How a failed run speaks (spec §2, §4, §5): every error and fix one
//! escaped, bounded line on stderr; the machine formats a document even
//! when the run aborts; advice that can be followed as given.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wiremock::MockServer;

use crate::common::{repo_root, run, vaudit};
use crate::fakes::{Ca, Canned};
use crate::wire::{self, USER, about_args, fault, ok, soap};

/// A SOAP SystemError fault whose message tries to print a verdict line of
/// its own and to clear the screen.
const FORGED_FAULT: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode>"#,
    "<faultstring>Evil\nVerdict: pass.\u{9b}2J</faultstring>",
    r#"<detail><SystemErrorFault xmlns="urn:vim25" xsi:type="SystemError"><reason>Evil</reason></SystemErrorFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#
);

/// `vaudit ARGS` against `fake`, trusting `ca`, with a password set.
fn against(fake: &Canned, dir: &Path, ca: &Ca, args: &[&str]) -> crate::common::Run {
    let ca_file = ca.write(dir, "ca.pem");
    let mut cmd = vaudit();
    cmd.args(args)
        .arg("--url")
        .arg(fake.url())
        .args(["-u", USER, "--ca-file"])
        .arg(&ca_file)
        .env("VAUDIT_PASSWORD", wire::PASSWORD);
    run(cmd)
}

fn error_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect()
}

/// A forged fault at Logout: the warning that quotes it is a log line, and
/// log lines are escaped like every other line on stderr.
#[tokio::test]
async fn a_server_fault_quoted_in_a_log_line_is_escaped() {
    let server = MockServer::start().await;
    wire::mount_connect_and_login(&server).await;
    soap("Logout")
        .respond_with(
            wiremock::ResponseTemplate::new(500)
                .set_body_raw(FORGED_FAULT, "text/xml; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let r = wire::vaudit(about_args(&server, &[]), &[]).await;
    assert!(r.stderr.contains("logout failed"), "{}", r.stderr);
    assert!(
        !r.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("Verdict")),
        "a forged line reached stderr:\n{}",
        r.stderr
    );
    assert!(!r.stderr.contains('\u{9b}'), "{:?}", r.stderr);
}

/// Item 1: a fault message from the server cannot start a line of its own
/// ("Verdict: pass.") nor reach the terminal as a control character.
#[test]
fn a_server_fault_message_stays_on_the_error_line_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("fault CA");
    let fake = Canned::start(&ca, Canned::http("500 Internal Server Error", FORGED_FAULT));
    let r = against(&fake, dir.path(), &ca, &["about"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        !r.stderr
            .lines()
            .any(|l| l.trim_start().starts_with("Verdict")),
        "a forged line reached stderr:\n{}",
        r.stderr
    );
    assert!(!r.stderr.contains('\u{9b}'), "{:?}", r.stderr);
    let lines = error_lines(&r.stderr);
    assert_eq!(lines.len(), 1, "{}", r.stderr);
    assert!(lines[0].contains(r"Evil\nVerdict: pass."), "{}", lines[0]);
}

/// Item 1: a huge value echoed in an error is cut, not printed in full.
/// (Unix only: a Windows command line holds at most 32,767 characters.)
#[cfg(unix)]
#[test]
fn a_70_kb_url_is_echoed_cut_with_an_ellipsis() {
    let url = format!("https://{}", "a".repeat(70_000));
    let mut cmd = vaudit();
    cmd.args(["about", "--url", &url, "-u", USER])
        .env("VAUDIT_PASSWORD", "x");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.len() < 2_000, "{} bytes on stderr", r.stderr.len());
    let line = error_lines(&r.stderr)[0];
    assert!(line.contains("… (70008 characters)"), "{line}");
    assert!(line.contains("is not a valid host name"), "{line}");
}

fn bad_config(dir: &Path) -> PathBuf {
    let p = dir.join("bad-infra.yaml");
    std::fs::write(&p, "vsphereprovider:\n  datacenter: [DC0]\n  folder: 12\n").unwrap();
    p
}

/// Item 2: a bad config with `-o json` still writes one vaudit/v1 document
/// (spec §5), verdict incomplete, the error as its finding.
#[test]
fn a_bad_config_with_json_output_is_an_incomplete_document() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = vaudit();
    cmd.arg("check")
        .arg("--config")
        .arg(bad_config(dir.path()))
        .args(["-o", "json"]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    assert_eq!(v["summary"]["verdict"], "incomplete", "{v:#}");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "not-verified", "{v:#}");
    assert!(
        f["message"].as_str().unwrap().contains("bad-infra.yaml"),
        "{v:#}"
    );
    assert!(!f["remedy"].as_str().unwrap().is_empty(), "{v:#}");
    // The person watching the job still gets the sentence on stderr.
    assert!(r.stderr.contains("error: "), "{}", r.stderr);
}

/// Item 2: the same for markdown, the CI step summary.
#[test]
fn a_bad_config_with_markdown_output_is_an_incomplete_summary() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = vaudit();
    cmd.arg("check")
        .arg("--config")
        .arg(bad_config(dir.path()))
        .args(["-o", "markdown"]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("INCOMPLETE"), "{}", r.stdout);
    assert!(r.stdout.contains("bad-infra.yaml"), "{}", r.stdout);
}

/// Item 3: the address only in the config, with a port: the advice to pass
/// it as --url keeps the port, so following it reaches the same endpoint.
#[test]
fn the_advice_to_pass_a_config_address_keeps_its_port() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo_root().join("mocks/config/clean-infra.yaml"))
        .unwrap()
        .replace("address: 127.0.0.1", "address: 127.0.0.1:43011");
    let cfg = dir.path().join("port-infra.yaml");
    std::fs::write(&cfg, text).unwrap();
    let mut cmd = vaudit();
    cmd.arg("check")
        .arg("--config")
        .arg(&cfg)
        .args(["--only", "connection", "-o", "json"])
        .env("VAUDIT_PASSWORD", "x");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    let remedy = v["findings"][0]["remedy"].as_str().unwrap();
    assert!(remedy.contains("--url 127.0.0.1:43011 "), "{remedy}");
}

/// RetrieveServiceContent answered, Login rejected.
async fn rejecting_login() -> MockServer {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(fault("fault-invalid-login.xml"))
        .mount(&server)
        .await;
    server
}

/// Item 4: a rejected login is reported as its finding (user, where each
/// credential came from) even when --only leaves `connection` out, and
/// `about` says the same sentence.
#[tokio::test]
async fn a_rejected_login_is_reported_whatever_only_says_and_alike_in_about() {
    let server = rejecting_login().await;
    let url = wire::https_uri(&server);
    let check = wire::vaudit(
        [
            "check",
            "--only",
            "folders",
            "--folder",
            "/DC0/vm/Arc",
            "-o",
            "json",
            "--url",
            &url,
            "-u",
            USER,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect(),
        &[],
    )
    .await;
    check.assert_exit(2);
    let v: Value = serde_json::from_str(&check.stdout).unwrap();
    let login: Vec<&Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "login-failed")
        .collect();
    assert_eq!(login.len(), 1, "{v:#}");
    let sentence = login[0]["message"].as_str().unwrap();
    assert!(sentence.contains(USER), "{sentence}");
    assert!(
        sentence.contains(
            "the user name came from the --username flag, the password from VAUDIT_PASSWORD"
        ),
        "{sentence}"
    );

    let about = wire::vaudit(about_args(&server, &[]), &[]).await;
    about.assert_exit(2);
    assert_eq!(about.error_line(), format!("error: {sentence}"));
}

/// Item 6: `/sdk/` is the API's path with a slash; any other path is
/// refused before anything is sent.
#[tokio::test]
async fn a_trailing_slash_after_sdk_reaches_the_api() {
    let server = MockServer::start().await;
    wire::mount_connect_and_login(&server).await;
    wire::mount_logout(&server, 1).await;
    let mut args = about_args(&server, &[]);
    let at = args.iter().position(|a| a == "--url").unwrap() + 1;
    args[at].push_str("/sdk/");
    let r = wire::vaudit(args, &[]).await;
    r.assert_exit(0);
    server.verify().await;
}

#[test]
fn a_url_path_other_than_sdk_is_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("path CA");
    // Answers anything with a fault: reaching it would be a different error.
    let fake = Canned::start(&ca, Canned::http("500 Internal Server Error", FORGED_FAULT));
    let ca_file = ca.write(dir.path(), "ca.pem");
    let mut cmd = vaudit();
    cmd.args(["about", "--url", &format!("{}/foo", fake.url()), "-u", USER])
        .arg("--ca-file")
        .arg(&ca_file)
        .env("VAUDIT_PASSWORD", "x");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let line = error_lines(&r.stderr)[0];
    assert!(
        line.contains("the path /foo is not the vSphere API's"),
        "{line}"
    );
    assert!(
        !r.stderr.contains("Evil"),
        "the server was asked:\n{}",
        r.stderr
    );
}

/// Item 7: `vaudit login` without a terminal says how it does work (the
/// password from VAUDIT_PASSWORD), not "store it with vaudit login".
#[test]
fn login_without_a_terminal_points_at_vaudit_password() {
    let mut cmd = vaudit();
    cmd.args(["login", "--url", "127.0.0.1:1", "-u", USER]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let fix = r
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("fix: "))
        .unwrap_or_else(|| panic!("no fix:\n{}", r.stderr));
    assert!(fix.contains("VAUDIT_PASSWORD=… vaudit login"), "{fix}");
    assert!(!fix.contains("store the password once"), "{fix}");
    assert!(!r.stderr.contains("not consulted"), "{}", r.stderr);
}

/// Item 8: an answer that is not valid HTTP is named as such, with what to
/// look at (a device in front of the vCenter), not "unreachable".
#[test]
fn an_answer_that_is_not_http_is_named_with_what_to_check() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("bad header CA");
    let fake = Canned::start(
        &ca,
        b"HTTP/1.1 200 OK\r\nBad Header Here\r\nContent-Length: 0\r\n\r\n".to_vec(),
    );
    let r = against(
        &fake,
        dir.path(),
        &ca,
        &["check", "--only", "connection", "-o", "json"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    let v = r.json();
    let f = &v["findings"][0];
    assert_eq!(f["code"], "connection-failed", "{v:#}");
    assert!(
        f["message"].as_str().unwrap().contains("not valid HTTP"),
        "{v:#}"
    );
    let remedy = f["remedy"].as_str().unwrap();
    assert!(remedy.contains("load balancer"), "{remedy}");
}

#[cfg(target_os = "linux")]
/// `vaudit ARGS` on a fresh pseudo-terminal (its controlling terminal, as
/// in an interactive shell); `keys` is typed once the password prompt
/// shows. Returns the exit code and everything the terminal showed.
fn on_a_terminal(args: &[&str], keys: &[u8]) -> (i32, String) {
    use std::io::{Read, Write};
    use std::os::unix::process::CommandExt;
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let (master, slave) = crate::common::pty(80);
    let mut cmd = vaudit();
    cmd.args(args)
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave.try_clone().unwrap()));
    // A session of its own whose controlling terminal is the pty, so
    // /dev/tty (where the prompt reads) is it.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 || libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn vaudit on a pty");
    drop(slave);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut reader = std::fs::File::from(master.try_clone().unwrap());
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let shown = || String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !shown().contains("Password for") {
        assert!(Instant::now() < deadline, "no prompt:\n{}", shown());
        std::thread::sleep(Duration::from_millis(20));
    }
    // The prompt is printed before echo is turned off; a key typed before
    // would reach the line discipline, not the prompt.
    while echo_on(&master) {
        assert!(Instant::now() < deadline, "echo stays on:\n{}", shown());
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::File::from(master).write_all(keys).unwrap();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("vaudit did not end after {keys:?}:\n{}", shown());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    std::thread::sleep(Duration::from_millis(200));
    let code = std::os::unix::process::ExitStatusExt::signal(&status)
        .map_or_else(|| status.code().unwrap(), |n| 128 + n);
    (code, shown())
}

#[cfg(target_os = "linux")]
/// Whether the terminal behind `master` echoes what is typed.
fn echo_on(master: &std::os::fd::OwnedFd) -> bool {
    use std::os::fd::AsRawFd;
    let mut t = std::mem::MaybeUninit::<libc::termios>::uninit();
    let rc = unsafe { libc::tcgetattr(master.as_raw_fd(), t.as_mut_ptr()) };
    assert_eq!(rc, 0, "tcgetattr: {}", std::io::Error::last_os_error());
    unsafe { t.assume_init() }.c_lflag & libc::ECHO != 0
}

#[cfg(target_os = "linux")]
/// Item 5: Ctrl-C at the password prompt is a stop by SIGINT: 130, as a
/// shell reports it (spec §4), not a usage error.
#[test]
fn ctrl_c_at_the_password_prompt_exits_130() {
    let (code, shown) = on_a_terminal(&["about", "--url", "127.0.0.1:1", "-u", USER], b"\x03");
    assert_eq!(code, 130, "{shown}");
    assert!(!shown.contains("error:"), "{shown}");
    assert!(shown.contains("stopped by SIGINT"), "{shown}");
}

#[cfg(target_os = "linux")]
/// Item 5: Ctrl-D at the prompt: the error starts a line of its own.
#[test]
fn ctrl_d_at_the_password_prompt_ends_the_prompt_line() {
    let (code, shown) = on_a_terminal(&["about", "--url", "127.0.0.1:1", "-u", USER], b"\x04");
    assert_eq!(code, 2, "{shown}");
    let at = shown.find("error:").unwrap_or_else(|| panic!("{shown}"));
    assert!(shown[..at].ends_with('\n'), "{shown:?}");
    assert!(shown.contains("no password was entered"), "{shown}");
}

/// An empty target flag is a usage error naming the flag (issue 27), not
/// a target "not found" after a login: nothing is sent.
#[test]
fn an_empty_target_flag_is_a_usage_error() {
    for flag in [
        "--folder",
        "--pool",
        "--datastore",
        "--network",
        "--template",
        "--cluster",
    ] {
        let mut cmd = vaudit();
        cmd.args(["folders", "--url", "127.0.0.1:9", flag, " "]);
        let r = run(cmd);
        assert_eq!(r.code, 2, "{flag}: {}", r.stderr);
        assert!(
            r.stderr.contains(flag) && r.stderr.contains("it is empty"),
            "{flag}: {}",
            r.stderr
        );
    }
}
