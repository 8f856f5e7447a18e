//! Issue 12, probed as an attacker would: one test per numbered finding, each
//! on loopback servers (the simulator, wiremock behind a TLS front, plain
//! TCP listeners), each failing on the code before the fix.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::common::{SIM_PASSWORD, Sim, repo_root, run};
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
    pem.push_str(&std::fs::read_to_string(crate::wire::CA_FILE).unwrap());
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
    let attacker_url = crate::wire::https_uri(&attacker);
    let dir = tempfile::tempdir().unwrap();
    let infra = infra_at(dir.path(), &attacker_url);
    let mut c = crate::common::vaudit();
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
    let infra = infra_at(dir.path(), &crate::wire::https_uri(&attacker));
    let mut c = crate::common::vaudit();
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

fn assert_http_refused(r: &crate::common::Run, port: u16, seen: &AtomicUsize) {
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
    let mut c = crate::common::vaudit();
    c.args(["about", "-u", "administrator@vsphere.local", "--url"])
        .arg(format!("http://127.0.0.1:{port}"))
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    assert_http_refused(&run(c), port, &seen);
}

#[test]
fn f2_an_http_vaudit_url_is_refused_before_anything_is_sent() {
    let (port, seen) = counting_listener();
    let mut c = crate::common::vaudit();
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
    let mut c = crate::common::vaudit();
    c.args(["check", "-o", "json", "--config", infra.to_str().unwrap()])
        .env("VAUDIT_PASSWORD", SIM_PASSWORD);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(seen.load(Ordering::SeqCst), 0, "a connection was opened");
}

// ---------------------------------------------------------------------------
// 4. Verification turned off by a variable is an error in the gate.
// ---------------------------------------------------------------------------

fn check_connection(sim: &Sim, env: &[(&str, &str)], extra: &[&str]) -> crate::common::Run {
    let mut c = crate::common::vaudit();
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
pub fn powershell_literal(s: &str) -> (String, &str) {
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

/// `privileges --explain` as the deployer, who holds `role` (one
/// privilege) on the root: stdout, with each fix as a govc and a PowerCLI
/// line.
fn explain_with_role(role_name: &str) -> String {
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
        &[("VCSIM_DEPLOYER_PASSWORD", crate::common::DEPLOYER_PASSWORD)],
    );
    // The role holds one privilege: everything else is missing on the root.
    let admin = crate::admin::Admin::connect(&sim);
    let role = admin.role(role_name, &["Folder.Create".to_string()]);
    admin.grant(&admin.root(), DEPLOYER, false, role, true);
    let mut c = crate::common::vaudit();
    c.args(["privileges", "--explain", "-o", "table", "--url", &sim.url])
        .args(["-u", DEPLOYER, "--ca-file"])
        .arg(&sim.ca_file)
        .env("VAUDIT_PASSWORD", crate::common::DEPLOYER_PASSWORD);
    let r = run(c);
    // No target given: every kind is checked on a stand-in (exit 2).
    assert_eq!(r.code, 2, "{}", r.stderr);
    r.stdout
}

/// The PowerCLI line's role name, read back as PowerShell reads it.
fn explained_powershell_role(stdout: &str) -> String {
    const LEAD: &str = "Set-VIRole -Role ";
    let at = stdout
        .find(LEAD)
        .unwrap_or_else(|| panic!("no Set-VIRole line:\n{stdout}"));
    let (role, rest) = powershell_literal(&stdout[at + LEAD.len()..]);
    assert!(
        rest.starts_with(" -AddPrivilege (Get-VIPrivilege -Id '"),
        "{rest}"
    );
    role
}

#[test]
fn f3_explain_quotes_a_hostile_role_name_for_powershell_and_sh() {
    let stdout = explain_with_role(HOSTILE_ROLE);
    assert_eq!(explained_powershell_role(&stdout), HOSTILE_ROLE);
    // The govc line, run by a real sh with printf standing in for govc,
    // passes the name as one argument.
    #[cfg(unix)]
    {
        let govc = stdout
            .lines()
            .find_map(|l| l.trim().strip_prefix("govc role.update -a "))
            .unwrap_or_else(|| panic!("no govc line:\n{stdout}"));
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("printf '%s\\n' {govc}"))
            .output()
            .unwrap();
        let args = String::from_utf8(out.stdout).unwrap();
        assert_eq!(args.lines().next(), Some(HOSTILE_ROLE), "{govc}");
    }
}

// ---------------------------------------------------------------------------
// A mock vCenter whose inventory pages the test chooses.
// ---------------------------------------------------------------------------

const XML: &str = "text/xml; charset=utf-8";

fn envelope(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// A page of folders named by `names` (ids `group-v{first}`…), continued by
/// `token` if given.
fn folder_page(response: &str, first: usize, names: &[&str], token: Option<&str>) -> String {
    let mut objs = String::new();
    for (i, name) in names.iter().enumerate() {
        let name = name.replace('&', "&amp;").replace('<', "&lt;");
        objs.push_str(&format!(
            r#"<objects><obj type="Folder">group-v{}</obj><propSet><name>name</name><val xsi:type="xsd:string">{name}</val></propSet><propSet><name>parent</name><val type="Folder" xsi:type="ManagedObjectReference">group-d1</val></propSet><propSet><name>childType</name><val xsi:type="ArrayOfString"><string>Folder</string><string>VirtualMachine</string></val></propSet></objects>"#,
            first + i
        ));
    }
    let token = token
        .map(|t| format!("<token>{t}</token>"))
        .unwrap_or_default();
    envelope(&format!(
        r#"<{response} xmlns="urn:vim25"><returnval>{token}{objs}</returnval></{response}>"#
    ))
}

fn xml(body: String) -> wiremock::ResponseTemplate {
    wiremock::ResponseTemplate::new(200).set_body_raw(body, XML)
}

/// Everything but the inventory pages: service content, login, events,
/// logout.
async fn mount_session(server: &MockServer) {
    use crate::wire::{login_ok, ok, soap};
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(server)
        .await;
    soap("Login").respond_with(login_ok()).mount(server).await;
    soap("CancelRetrievePropertiesEx")
        .respond_with(ok("cancel-retrieve.xml"))
        .mount(server)
        .await;
    soap("QueryEvents")
        .respond_with(xml(envelope(
            r#"<QueryEventsResponse xmlns="urn:vim25"></QueryEventsResponse>"#,
        )))
        .mount(server)
        .await;
    soap("Logout")
        .respond_with(ok("logout.xml"))
        .mount(server)
        .await;
}

fn wire_args(server: &MockServer, command: &[&str], extra: &[&str]) -> Vec<String> {
    let url = crate::wire::https_uri(server);
    command
        .iter()
        .chain(&["--url", &url, "-u", crate::wire::USER])
        .chain(extra)
        .map(|s| s.to_string())
        .collect()
}

// ---------------------------------------------------------------------------
// 7. Terminal and XML injection.
// ---------------------------------------------------------------------------

/// An OSC 8 hyperlink, a CSI clear-screen, a C1 CSI, BEL, DEL, a bidi
/// override and characters XML 1.0 forbids.
const HOSTILE_NAMES: &[&str] = &[
    "click\u{1b}]8;;https://evil.example/\u{7}here\u{1b}]8;;\u{7}",
    "wipe\u{1b}[2J\u{1b}[H",
    "c1\u{9b}31mred",
    "del\u{7f}\u{202e}txt.exe",
    "nul\u{1}\u{b}\u{c}",
];

fn assert_no_controls(what: &str, text: &str) {
    let bad: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && (c.is_control() || c == '\u{202e}'))
        .collect();
    assert!(bad.is_empty(), "{what} carries raw {bad:?}:\n{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn f7_control_sequences_in_inventory_names_reach_the_table_escaped() {
    let server = MockServer::start().await;
    mount_session(&server).await;
    crate::wire::soap("RetrievePropertiesEx")
        .respond_with(xml(folder_page(
            "RetrievePropertiesExResponse",
            10,
            HOSTILE_NAMES,
            None,
        )))
        .mount(&server)
        .await;
    let run = crate::wire::vaudit(wire_args(&server, &["folders"], &["-o", "table"]), &[]).await;
    run.assert_exit(0);
    assert_no_controls("the folders table", &run.stdout);
    assert!(run.stdout.contains(r"wipe\u{1b}[2J"), "{}", run.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn f7_control_sequences_in_a_fault_keep_the_junit_report_parseable() {
    let server = MockServer::start().await;
    let fault = envelope(&format!(
        r#"<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>{}</faultstring><detail><SystemErrorFault xmlns="urn:vim25" xsi:type="SystemError"><reason>x</reason></SystemErrorFault></detail></soapenv:Fault>"#,
        HOSTILE_NAMES.join(" ")
    ));
    crate::wire::soap("RetrieveServiceContent")
        .respond_with(wiremock::ResponseTemplate::new(500).set_body_raw(fault, XML))
        .mount(&server)
        .await;
    let junit = crate::wire::vaudit(
        wire_args(
            &server,
            &["check", "--only", "connection"],
            &["-o", "junit"],
        ),
        &[],
    )
    .await;
    junit.assert_exit(2);
    assert!(
        junit.stdout.contains("connection-failed"),
        "{}",
        junit.stdout
    );
    let mut reader = quick_xml::Reader::from_str(&junit.stdout);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the JUnit report does not parse ({e}):\n{}", junit.stdout),
        }
    }
    assert_no_controls("the JUnit report", &junit.stdout);
    let table = crate::wire::vaudit(
        wire_args(
            &server,
            &["check", "--only", "connection"],
            &["-o", "table"],
        ),
        &[],
    )
    .await;
    assert_no_controls("the check table", &table.stdout);
    assert_no_controls("stderr", &table.stderr);
}

// ---------------------------------------------------------------------------
// 5. Config and file loading: regular files only, bounded, content never quoted.
// ---------------------------------------------------------------------------

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn f5_an_infra_path_at_a_dotenv_or_a_key_is_not_printed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-canary\nDB_PASSWORD=hunter2-canary\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("id.pem"),
        "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0-canary\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    for target in [".env", "id.pem"] {
        let app = dir.path().join("pr-appliance.yaml");
        std::fs::write(&app, format!("infrastructureConfigPath: {target}\n")).unwrap();
        let run = crate::wire::vaudit(
            s(&["check", "-o", "json", "--config", app.to_str().unwrap()]),
            &[],
        )
        .await;
        run.assert_exit(2).assert_stderr_has(target);
        assert!(
            !run.stderr.contains("canary") && !run.stdout.contains("canary"),
            "{target} was quoted:\n{}{}",
            run.stdout,
            run.stderr
        );
    }
}

#[cfg(unix)]
fn mkfifo(dir: &Path) -> PathBuf {
    let p = dir.join("pipe.yaml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap()
            .success()
    );
    p
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn f5_a_fifo_as_config_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path());
    let run = crate::wire::vaudit(
        s(&["check", "-o", "json", "--config", fifo.to_str().unwrap()]),
        &[],
    )
    .await;
    run.assert_exit(2)
        .assert_stderr_has("a FIFO, not a regular file");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn f5_a_fifo_as_snapshot_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = mkfifo(dir.path());
    let run = crate::wire::vaudit(
        s(&["folders", "-o", "json", "--from", fifo.to_str().unwrap()]),
        &[],
    )
    .await;
    run.assert_exit(2)
        .assert_stderr_has("a FIFO, not a regular file");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn f5_dev_zero_as_manifest_is_refused_at_once() {
    let run = crate::wire::vaudit(
        s(&[
            "privileges",
            "--url",
            "https://127.0.0.1:9",
            "--manifest",
            "/dev/zero",
        ]),
        &[],
    )
    .await;
    run.assert_exit(2)
        .assert_stderr_has("a character device, not a regular file");
}

// ---------------------------------------------------------------------------
// 6. Bounds: a looping cursor, too many objects or pages, the deadline.
// ---------------------------------------------------------------------------

/// Answers every ContinueRetrievePropertiesEx with a fresh page of
/// `per_page` new folders and another token: an inventory without end.
struct Endless {
    next: std::sync::atomic::AtomicUsize,
    per_page: usize,
    delay: std::time::Duration,
}

impl wiremock::Respond for Endless {
    fn respond(&self, _: &wiremock::Request) -> wiremock::ResponseTemplate {
        let first = self.next.fetch_add(self.per_page, Ordering::SeqCst);
        let names: Vec<String> = (first..first + self.per_page)
            .map(|i| format!("F{i}"))
            .collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        xml(folder_page(
            "ContinueRetrievePropertiesExResponse",
            first,
            &names,
            Some("more"),
        ))
        .set_delay(self.delay)
    }
}

async fn paging_server(first: String, rest: impl wiremock::Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    mount_session(&server).await;
    crate::wire::soap("RetrievePropertiesEx")
        .respond_with(xml(first))
        .mount(&server)
        .await;
    crate::wire::soap("ContinueRetrievePropertiesEx")
        .respond_with(rest)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn f6_a_page_repeating_collected_objects_stops_at_once() {
    // Every continuation sends the first page's folders again, and a token.
    let server = paging_server(
        folder_page("RetrievePropertiesExResponse", 1, &["A", "B"], Some("t")),
        xml(folder_page(
            "ContinueRetrievePropertiesExResponse",
            1,
            &["A", "B"],
            Some("t"),
        )),
    )
    .await;
    let run = crate::wire::vaudit(wire_args(&server, &["folders"], &["-o", "json"]), &[]).await;
    run.assert_exit(2)
        .assert_stderr_has("again on page 2 of the inventory");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let continues = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("<ContinueRetrievePropertiesEx "))
        .count();
    assert_eq!(continues, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn f6_an_inventory_without_end_stops_at_max_objects() {
    let server = paging_server(
        folder_page("RetrievePropertiesExResponse", 1, &["A"], Some("t")),
        Endless {
            next: 100.into(),
            per_page: 10,
            delay: std::time::Duration::ZERO,
        },
    )
    .await;
    let run = crate::wire::vaudit(
        wire_args(
            &server,
            &["folders"],
            &["-o", "json", "--max-objects", "50"],
        ),
        &[],
    )
    .await;
    run.assert_exit(2)
        .assert_stderr_has("more than 50 objects")
        .assert_stderr_has("--max-objects");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

/// Answers RetrievePropertiesEx by the `maxObjects` asked: above `fits`,
/// a page of `huge` objects of half a MiB each (past the 64 MiB bound when
/// `huge` > 128); at or below it, `names` in one page.
struct BySize {
    fits: usize,
    huge: usize,
    names: &'static [&'static str],
    asked: std::sync::Mutex<Vec<usize>>,
}

impl wiremock::Respond for BySize {
    fn respond(&self, r: &wiremock::Request) -> wiremock::ResponseTemplate {
        let body = String::from_utf8_lossy(&r.body);
        let max: usize = body
            .split_once("<maxObjects>")
            .and_then(|(_, t)| t.split_once('<'))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or(0);
        self.asked.lock().unwrap().push(max);
        if max <= self.fits {
            return xml(folder_page(
                "RetrievePropertiesExResponse",
                1,
                self.names,
                None,
            ));
        }
        let pad = "x".repeat(512 << 10);
        let one = folder_page("RetrievePropertiesExResponse", 1, &["P"], None);
        let (head, rest) = one.split_once("<objects>").unwrap();
        let (obj, tail) = rest.split_once("</objects>").unwrap();
        let mut page = String::with_capacity(self.huge * (pad.len() + 400));
        page.push_str(head);
        for i in 0..self.huge {
            let obj = obj.replace("group-v1<", &format!("group-p{i}<"));
            page.push_str(&format!("<objects>{obj}<pad>{pad}</pad></objects>"));
        }
        page.push_str(tail);
        xml(page)
    }
}

async fn by_size_server(by: BySize) -> (MockServer, std::sync::Arc<BySize>) {
    let by = std::sync::Arc::new(by);
    let server = MockServer::start().await;
    mount_session(&server).await;
    crate::wire::soap("RetrievePropertiesEx")
        .respond_with(SharedRespond(by.clone()))
        .mount(&server)
        .await;
    (server, by)
}

struct SharedRespond(std::sync::Arc<BySize>);

impl wiremock::Respond for SharedRespond {
    fn respond(&self, r: &wiremock::Request) -> wiremock::ResponseTemplate {
        self.0.respond(r)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn f6_a_page_past_the_byte_bound_is_asked_again_smaller_and_nothing_is_lost() {
    let (server, by) = by_size_server(BySize {
        fits: 100,
        huge: 140,
        names: &["A", "B", "C"],
        asked: Default::default(),
    })
    .await;
    let run =
        crate::wire::vaudit(wire_args(&server, &["folders"], &["-o", "json", "-v"]), &[]).await;
    run.assert_exit(0);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let text = v.to_string();
    for name in ["A", "B", "C"] {
        assert!(text.contains(&format!("\"name\":\"{name}\"")), "{text}");
    }
    assert!(
        !text.contains("group-p"),
        "nothing of the page that was cut: {text}"
    );
    let asked = by.asked.lock().unwrap().clone();
    assert_eq!(
        asked.len(),
        2,
        "asked once in large pages, once smaller: {asked:?}"
    );
    assert!(
        asked[1] <= 100 && asked[1] > 0 && asked[1] < asked[0],
        "{asked:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn f6_a_server_sending_endless_pages_whatever_is_asked_stops_at_the_byte_bound() {
    let (server, by) = by_size_server(BySize {
        fits: 0,
        huge: 200,
        names: &[],
        asked: Default::default(),
    })
    .await;
    // Room to stream five 64 MiB answers on a loaded machine (or under Wine).
    let run = crate::wire::vaudit(
        wire_args(&server, &["folders"], &["-o", "json", "--timeout", "120"]),
        &[],
    )
    .await;
    run.assert_exit(2).assert_stderr_has("larger than 64 MiB");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    let asked = by.asked.lock().unwrap().clone();
    assert!(
        asked.len() <= 5,
        "a few smaller asks, then the bound: {asked:?}"
    );
    assert!(asked.windows(2).all(|w| w[1] < w[0]), "{asked:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn f6_empty_pages_without_end_stop_at_max_pages() {
    let server = paging_server(
        folder_page("RetrievePropertiesExResponse", 1, &["A"], Some("t")),
        xml(folder_page(
            "ContinueRetrievePropertiesExResponse",
            1,
            &[],
            Some("t"),
        )),
    )
    .await;
    let run = crate::wire::vaudit(wire_args(&server, &["folders"], &["-o", "json"]), &[]).await;
    run.assert_exit(2).assert_stderr_has("more than 500 pages");
}

#[tokio::test(flavor = "multi_thread")]
async fn f6_slow_answers_stop_at_the_deadline_and_log_out() {
    let server = paging_server(
        folder_page("RetrievePropertiesExResponse", 1, &["A"], Some("t")),
        // Each continuation takes under half of --timeout (room for a
        // loaded machine): never a timeout, yet without a deadline the run
        // would take as long as the server likes.
        Endless {
            next: 100.into(),
            per_page: 1,
            delay: std::time::Duration::from_millis(900),
        },
    )
    .await;
    let started = std::time::Instant::now();
    let run = crate::wire::vaudit(
        wire_args(
            &server,
            &["folders"],
            &["-o", "json", "--timeout", "2", "--deadline", "4"],
        ),
        &[],
    )
    .await;
    run.assert_exit(2)
        .assert_stderr_has("did not finish within the --deadline of 4 s")
        .assert_stderr_has("raise --deadline");
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    let logged_out = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .any(|r| String::from_utf8_lossy(&r.body).contains("<Logout "));
    assert!(logged_out, "the session was left open");
}

// ---------------------------------------------------------------------------
// 8. A signal mid-run logs out, prints nothing on stdout, exits 128+N.
// ---------------------------------------------------------------------------

/// vaudit mid-collection (the first inventory page never comes in time),
/// stopped by `stop(pid)`: it must log out, print nothing on stdout, and
/// exit with `expected`.
async fn stopped_mid_run(stop: impl FnOnce(u32), expected: i32) {
    let server = MockServer::start().await;
    mount_session(&server).await;
    crate::wire::soap("RetrievePropertiesEx")
        .respond_with(
            xml(folder_page("RetrievePropertiesExResponse", 1, &["A"], None))
                .set_delay(std::time::Duration::from_secs(20)),
        )
        .mount(&server)
        .await;
    let mut cmd = crate::common::vaudit();
    cmd.args(wire_args(
        &server,
        &["folders"],
        &["-o", "json", "--timeout", "30"],
    ))
    .env("VAUDIT_PASSWORD", crate::wire::PASSWORD)
    .env("VAUDIT_CA_FILE", crate::wire::CA_FILE)
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    // A console of its own (hidden), so a console control event generated
    // there reaches vaudit and not the test runner.
    #[cfg(windows)]
    std::os::windows::process::CommandExt::creation_flags(&mut cmd, 0x0800_0000);
    let child = cmd.spawn().unwrap();
    let asked = |body: &str| {
        let server = &server;
        let needle = format!("<{body} ");
        async move {
            server
                .received_requests()
                .await
                .unwrap_or_default()
                .iter()
                .any(|r| String::from_utf8_lossy(&r.body).contains(&needle))
        }
    };
    let started = std::time::Instant::now();
    while !asked("RetrievePropertiesEx").await {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "vaudit never asked for the inventory"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    stop(child.id());
    let sent = std::time::Instant::now();
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(expected), "{stderr}");
    assert!(
        sent.elapsed() < std::time::Duration::from_secs(5),
        "took {:?}",
        sent.elapsed()
    );
    assert!(out.stdout.is_empty(), "partial output on stdout");
    assert!(stderr.contains("logged out"), "{stderr}");
    assert!(asked("Logout").await, "no Logout reached the server");
}

#[cfg(unix)]
fn kill(signal: i32) -> impl FnOnce(u32) {
    move |pid| {
        // SAFETY: kill(2) on the child's own pid, which has not been reaped.
        assert_eq!(unsafe { libc::kill(pid as i32, signal) }, 0);
    }
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn f8_sigint_mid_run_logs_out_and_exits_130() {
    stopped_mid_run(kill(libc::SIGINT), 130).await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn f8_sigterm_mid_run_logs_out_and_exits_143() {
    stopped_mid_run(kill(libc::SIGTERM), 143).await;
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn f8_sighup_mid_run_logs_out_and_exits_129() {
    stopped_mid_run(kill(libc::SIGHUP), 129).await;
}

/// Presses `key` (`c` or `break`) in the console of process `pid` with
/// mocks/wine/ctrl_event.c, which .ci/windows builds and names in
/// `VAUDIT_TEST_CTRL_EVENT`; returns how the helper delivered it.
#[cfg(windows)]
fn console_key(key: &'static str, delivered_by: &'static [&'static str]) -> impl FnOnce(u32) {
    move |pid| {
        let helper = std::env::var_os("VAUDIT_TEST_CTRL_EVENT").expect(
            "VAUDIT_TEST_CTRL_EVENT must name ctrl_event.exe, built from mocks/wine/ctrl_event.c with mingw (.ci/windows does)",
        );
        let out = std::process::Command::new(helper)
            .args([key, &pid.to_string()])
            .output()
            .expect("run ctrl_event.exe");
        let how = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "ctrl_event.exe {key} {pid}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(delivered_by.contains(&how.trim()), "delivered by {how}");
    }
}

/// Ctrl-C at the console mid-run stops vaudit as SIGINT does on Linux.
/// Generated as Windows generates it, under Wine too.
#[cfg(windows)]
#[tokio::test(flavor = "multi_thread")]
async fn f8_ctrl_c_mid_run_logs_out_and_exits_130() {
    stopped_mid_run(console_key("c", &["GenerateConsoleCtrlEvent"]), 130).await;
}

/// Ctrl-Break (what a CI agent sends to stop a job) stops vaudit as Ctrl-C
/// does. Wine 8 cannot generate it (its server answers a Ctrl-Break request
/// with STATUS_NOT_IMPLEMENTED), so there ctrl_event.exe runs the target's
/// CtrlRoutine with CTRL_BREAK_EVENT, as Windows' console host does.
#[cfg(windows)]
#[tokio::test(flavor = "multi_thread")]
async fn f8_ctrl_break_mid_run_logs_out_and_exits_130() {
    stopped_mid_run(
        console_key("break", &["GenerateConsoleCtrlEvent", "CtrlRoutine thread"]),
        130,
    )
    .await;
}

// ---------------------------------------------------------------------------
// 10. Smaller items.
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn f10_vv_never_prints_the_session_key() {
    // The key of mocks/soap/login.xml, which HasPrivilegeOnEntities sends back.
    const SESSION_KEY: &str = "52e1a7c4-8f3b-6d2e-1a9c-4b7d0e5f3a21";
    let server = MockServer::start().await;
    mount_session(&server).await;
    crate::wire::soap("RetrievePropertiesEx")
        .respond_with(xml(folder_page(
            "RetrievePropertiesExResponse",
            1,
            &["A"],
            None,
        )))
        .mount(&server)
        .await;
    crate::wire::soap("RetrievePropertiesEx")
        .and(wiremock::matchers::body_string_contains(
            r#"<obj type="AuthorizationManager">"#,
        ))
        .respond_with(xml(envelope(
            r#"<RetrievePropertiesExResponse xmlns="urn:vim25"></RetrievePropertiesExResponse>"#,
        )))
        .with_priority(2)
        .mount(&server)
        .await;
    crate::wire::soap("HasPrivilegeOnEntities")
        .respond_with(xml(envelope(
            r#"<HasPrivilegeOnEntitiesResponse xmlns="urn:vim25"></HasPrivilegeOnEntitiesResponse>"#,
        )))
        .mount(&server)
        .await;
    // The clock too: the privilege call is asked once the inventory and
    // the clock are in.
    crate::wire::soap("CurrentTime")
        .respond_with(xml(envelope(
            r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>2026-12-06T10:00:00Z</returnval></CurrentTimeResponse>"#,
        )))
        .mount(&server)
        .await;
    let run = crate::wire::vaudit(
        wire_args(&server, &["privileges"], &["-o", "json", "-vv"]),
        &[],
    )
    .await;
    let asked = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .any(|r| String::from_utf8_lossy(&r.body).contains(SESSION_KEY));
    assert!(asked, "the run never sent the session key: {}", run.stderr);
    assert!(run.stderr.contains("SOAP request"), "-vv traces requests");
    assert!(
        !run.stderr.contains(SESSION_KEY),
        "the session key is in the -vv trace:\n{}",
        run.stderr
    );
}

#[cfg(target_os = "linux")]
#[test]
fn f10_an_unreadable_keyring_is_not_called_empty() {
    use linux_keyutils::{KeyPermissionsBuilder, KeyRing, KeyRingIdentifier, Permission};
    let (port, seen) = counting_listener();
    let url = format!("https://127.0.0.1:{port}/sdk");
    let user = "keyring-probe@vsphere.local";
    let ring = KeyRing::from_special_id(KeyRingIdentifier::User, false).unwrap();
    let key = ring
        .add_key(&format!("vaudit:{user}@{url}"), b"unused")
        .unwrap();
    key.set_timeout(30).unwrap();
    // There, but neither searchable nor readable by this user.
    key.set_perms(
        KeyPermissionsBuilder::builder()
            .posessor(Permission::VIEW | Permission::SETATTR)
            .user(Permission::VIEW)
            .build(),
    )
    .unwrap();
    let mut c = crate::common::vaudit();
    c.args(["about", "--url", &url, "-u", user]);
    let r = run(c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("could not be read"), "{}", r.stderr);
    assert!(!r.stderr.contains("has no entry"), "{}", r.stderr);
    assert_eq!(seen.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------
// 9. Proxy failures name the proxy; an inspecting proxy is called out.
// ---------------------------------------------------------------------------

/// A CONNECT proxy on 127.0.0.1 that answers every CONNECT with `reply`; on
/// a 200 it pipes the tunnel to `upstream`.
fn connect_proxy(reply: &'static str, upstream: Option<std::net::SocketAddr>) -> u16 {
    use std::io::Write;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for client in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut client = client;
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match client.read(&mut b) {
                        Ok(1) => head.push(b[0]),
                        _ => return,
                    }
                }
                if client.write_all(reply.as_bytes()).is_err() {
                    return;
                }
                let Some(up) = upstream else { return };
                let Ok(up) = std::net::TcpStream::connect(up) else {
                    return;
                };
                let (mut c2, mut u2) = (client.try_clone().unwrap(), up.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                    let _ = u2.shutdown(std::net::Shutdown::Write);
                });
                let (mut up, mut client) = (up, client);
                let _ = std::io::copy(&mut up, &mut client);
                let _ = client.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    port
}

const TUNNEL_OK: &str = "HTTP/1.1 200 Connection established\r\n\r\n";

async fn about_through(proxy: &str, server: &MockServer) -> crate::wire::Run {
    crate::wire::vaudit(
        wire_args(
            server,
            &["about"],
            &["-o", "json", "--ca-file", crate::wire::CA_FILE],
        ),
        &[("HTTPS_PROXY", proxy)],
    )
    .await
}

async fn healthy_about_server() -> MockServer {
    let server = MockServer::start().await;
    mount_session(&server).await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn f9_a_plain_connect_proxy_is_used_and_works() {
    let server = healthy_about_server().await;
    let front = crate::wire::tls_front(*server.address(), crate::wire::Cert::VCenter);
    let port = connect_proxy(TUNNEL_OK, Some(front));
    let run = about_through(&format!("http://127.0.0.1:{port}"), &server).await;
    run.assert_exit(0);
}

#[tokio::test(flavor = "multi_thread")]
async fn f9_a_proxy_that_is_down_is_named_not_the_vcenter() {
    let server = healthy_about_server().await;
    // A port nothing listens on.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let run = about_through(&format!("http://127.0.0.1:{port}"), &server).await;
    run.assert_exit(2)
        .assert_stderr_has(&format!(
            "the proxy 127.0.0.1:{port} (from HTTPS_PROXY) refused the connection"
        ))
        .assert_stderr_has("NO_PROXY")
        .assert_stderr_lacks("check the port in --url");
}

#[tokio::test(flavor = "multi_thread")]
async fn f9_a_407_names_the_proxy_and_its_authentication() {
    let server = healthy_about_server().await;
    let port = connect_proxy(
        "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n",
        None,
    );
    let run = about_through(&format!("http://127.0.0.1:{port}"), &server).await;
    run.assert_exit(2).assert_stderr_has(&format!(
        "the proxy 127.0.0.1:{port} (from HTTPS_PROXY) asked for proxy authentication (HTTP 407)"
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn f9_an_inspecting_proxy_certificate_is_called_interception() {
    let server = healthy_about_server().await;
    // The proxy ends TLS itself with its own CA's certificate.
    let inspector = crate::wire::tls_front(*server.address(), crate::wire::Cert::Proxy);
    let port = connect_proxy(TUNNEL_OK, Some(inspector));
    let run = about_through(&format!("http://127.0.0.1:{port}"), &server).await;
    run.assert_exit(2)
        .assert_stderr_has(&format!(
            "through the proxy 127.0.0.1:{port} (from HTTPS_PROXY)"
        ))
        .assert_stderr_has("Inspecting Proxy Root CA")
        .assert_stderr_has("intercepting TLS")
        .assert_stderr_has("NO_PROXY");
    assert!(
        server
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "the inspecting proxy received a request"
    );
}
