//! The fault matrix: every inventory command against a mock vCenter that
//! fails at one step in one way. A gate never lies: each cell asserts the
//! exit code and the sentence, never exit 0 on a failure, never a panic,
//! never a partial report on stdout. Transient failures of idempotent reads
//! get one retry; an expired session gets one re-login.

use std::time::Duration;

use crate::wire::*;
use wiremock::matchers::body_string_contains;
use wiremock::{MockServer, ResponseTemplate};

const XML: &str = "text/xml; charset=utf-8";

fn envelope(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"#
    )
}

/// One page of folders `first..first+3`, continued by `token` if given.
fn page(response: &str, first: usize, token: Option<&str>) -> String {
    let mut objs = String::new();
    for i in first..first + 3 {
        objs.push_str(&format!(
            r#"<objects><obj type="Folder">group-v{i}</obj><propSet><name>name</name><val xsi:type="xsd:string">F{i}</val></propSet><propSet><name>parent</name><val type="Folder" xsi:type="ManagedObjectReference">group-d1</val></propSet><propSet><name>childType</name><val xsi:type="ArrayOfString"><string>Folder</string><string>VirtualMachine</string></val></propSet></objects>"#
        ));
    }
    if first == 10 {
        // The gate's template target: clean (no deploy history).
        objs.push_str(r#"<objects><obj type="VirtualMachine">vm-1</obj><propSet><name>name</name><val xsi:type="xsd:string">arc-tpl</val></propSet><propSet><name>parent</name><val type="Folder" xsi:type="ManagedObjectReference">group-v10</val></propSet><propSet><name>config.template</name><val xsi:type="xsd:boolean">true</val></propSet></objects>"#);
    }
    let token = token
        .map(|t| format!("<token>{t}</token>"))
        .unwrap_or_default();
    envelope(&format!(
        r#"<{response} xmlns="urn:vim25"><returnval>{token}{objs}</returnval></{response}>"#
    ))
}

/// 200 with an empty `response` element: no events, no privileges.
fn empty(response: &str) -> ResponseTemplate {
    xml(envelope(&format!(
        r#"<{response} xmlns="urn:vim25"></{response}>"#
    )))
}

fn xml(body: String) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(body, XML)
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Soap500,
    Http500Plain,
    BadGateway,
    ServiceUnavailableOnce,
    CutMidElement,
    InvalidUtf8,
    NeverAnswers,
}

impl Fault {
    fn answer(self) -> ResponseTemplate {
        match self {
            Fault::Soap500 => fault("fault-other.xml"),
            Fault::Http500Plain => {
                ResponseTemplate::new(500).set_body_raw("Internal Server Error", "text/plain")
            }
            Fault::BadGateway => ResponseTemplate::new(502),
            Fault::ServiceUnavailableOnce => ResponseTemplate::new(503),
            Fault::CutMidElement => {
                let full = page("RetrievePropertiesExResponse", 10, None);
                xml(full[..full.len() / 2].to_string())
            }
            Fault::InvalidUtf8 => {
                let full = page("RetrievePropertiesExResponse", 10, None).replace("F10", "F\u{1}");
                let mut bytes = full.into_bytes();
                let at = bytes.iter().position(|&b| b == 1).unwrap();
                bytes[at] = 0xff;
                ResponseTemplate::new(200).set_body_raw(bytes, XML)
            }
            Fault::NeverAnswers => ok("logout.xml").set_delay(Duration::from_secs(30)),
        }
    }

    /// How many times the fault answers before the step works again.
    fn times(self) -> u64 {
        match self {
            Fault::ServiceUnavailableOnce => 1,
            _ => 100,
        }
    }

    fn sentence(self) -> &'static str {
        match self {
            Fault::Soap500 => "SystemError",
            Fault::Http500Plain => "HTTP 500",
            Fault::BadGateway => "HTTP 502",
            Fault::ServiceUnavailableOnce => "HTTP 503",
            Fault::CutMidElement | Fault::InvalidUtf8 => "unreadable answer",
            Fault::NeverAnswers => "did not answer",
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Step {
    method: &'static str,
    /// Narrows the match (the token of a page).
    also: Option<&'static str>,
    /// A failed Logout does not spoil a finished audit.
    after_the_audit: bool,
    idempotent: bool,
}

/// The step a cell's module is named after.
fn step(name: &str) -> Step {
    let (method, also, after_the_audit, idempotent) = match name {
        "login" => ("Login", None, false, false),
        "retrieve_properties_ex" => ("RetrievePropertiesEx", None, false, true),
        "continue_page_2" => (
            "ContinueRetrievePropertiesEx",
            Some("<token>1</token>"),
            false,
            false,
        ),
        "continue_page_3" => (
            "ContinueRetrievePropertiesEx",
            Some("<token>2</token>"),
            false,
            false,
        ),
        // The second pass: the templates' properties, by reference.
        "retrieve_by_reference" => (
            "RetrievePropertiesEx",
            Some("reportMissingObjectsInResults"),
            false,
            true,
        ),
        "query_events" => ("QueryEvents", None, false, true),
        "current_time" => ("CurrentTime", None, false, true),
        "has_privilege_on_entities" => ("HasPrivilegeOnEntities", None, false, true),
        "logout" => ("Logout", None, true, false),
        other => panic!("no step {other}"),
    };
    Step {
        method,
        also,
        after_the_audit,
        idempotent,
    }
}

/// One `#[test]` per cell, named `faults_matrix::COMMAND::STEP::FAULT`, so
/// each cell runs alone (`cargo test --test integration
/// faults_matrix::pools::logout::`), in parallel with the others, and a
/// failing cell names itself without hiding the rest.
macro_rules! matrix {
    ($($command:ident [$($arg:literal),+] => $($step:ident),+;)+) => {$(
        mod $command {
            /// The steps this command takes, in order (the reset test
            /// walks `templates`').
            #[allow(dead_code)]
            pub const STEPS: &[&str] = &[$(stringify!($step)),+];
            const COMMAND: &[&str] = &[$($arg),+];
            $(mod $step {
                matrix!(@faults $command $step;
                    soap_500 Soap500,
                    http_500_plain Http500Plain,
                    bad_gateway BadGateway,
                    service_unavailable_once ServiceUnavailableOnce,
                    cut_mid_element CutMidElement,
                    invalid_utf8 InvalidUtf8,
                    never_answers NeverAnswers,
                );
            })+
        }
    )+};
    (@faults $command:ident $step:ident; $($fault:ident $variant:ident,)+) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $fault() {
            use crate::faults_matrix::{Fault, cell, step};
            cell(
                concat!(
                    "faults_matrix::",
                    stringify!($command),
                    "::",
                    stringify!($step),
                    "::",
                    stringify!($fault)
                ),
                super::COMMAND,
                step(stringify!($step)),
                Fault::$variant,
            )
            .await;
        }
    )+};
}

matrix! {
    folders ["folders"] =>
        login, retrieve_properties_ex, continue_page_2, continue_page_3,
        logout;
    pools ["pools"] =>
        login, retrieve_properties_ex, continue_page_2, continue_page_3,
        logout;
    templates ["templates"] =>
        login, retrieve_properties_ex, continue_page_2, continue_page_3,
        retrieve_by_reference, query_events, logout;
    privileges ["privileges"] =>
        login, retrieve_properties_ex, continue_page_2, continue_page_3,
        has_privilege_on_entities, logout;
    check ["check", "--only", "connection,clock,folders,templates", "--folder", "F10", "--template", "arc-tpl"] =>
        login, retrieve_properties_ex, continue_page_2, continue_page_3,
        retrieve_by_reference, query_events, current_time, logout;
}

/// Names the one cell `a_broken_cell_fails_alone_under_its_own_name` breaks:
/// its fault is not injected, as if vaudit had swallowed it.
const BREAK_CELL: &str = "VAUDIT_TEST_BREAK_CELL";

async fn run_cell(name: &str, command: &[&str], step: Step, fault: Fault) -> crate::wire::Run {
    let server = MockServer::start().await;
    let mut m = soap(step.method);
    if let Some(also) = step.also {
        m = m.and(body_string_contains(also));
    }
    if std::env::var(BREAK_CELL).ok().as_deref() != Some(name) {
        m.respond_with(fault.answer())
            .up_to_n_times(fault.times())
            .with_priority(1)
            .mount(&server)
            .await;
    }
    // The healthy answers, at the default (lower) priority.
    mount_healthy(&server).await;
    let mut args: Vec<String> = command.iter().map(|s| s.to_string()).collect();
    args.extend(
        [
            "--url",
            &https_uri(&server),
            "-u",
            USER,
            "-o",
            "json",
            "--timeout",
            CELL_TIMEOUT,
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    vaudit(args, &[]).await
}

/// `--timeout` of a cell: short, so a never-answering step ends the cell
/// soon. Under Wine a healthy answer on a loaded machine can take longer
/// than a second (the cells passed alone and at load 10, and failed as
/// timeouts at load 24), so Windows allows 5 s, still far below the 30 s
/// of `NeverAnswers`.
const CELL_TIMEOUT: &str = if cfg!(windows) { "5" } else { "1" };

/// A small but complete vCenter: three pages of inventory, events, clock.
async fn mount_healthy(server: &MockServer) {
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(server)
        .await;
    soap("Login").respond_with(login_ok()).mount(server).await;
    soap("RetrievePropertiesEx")
        .respond_with(xml(page("RetrievePropertiesExResponse", 10, Some("1"))))
        .mount(server)
        .await;
    for (token, first, next) in [("1", 20, Some("2")), ("2", 30, None)] {
        soap("ContinueRetrievePropertiesEx")
            .and(body_string_contains(format!("<token>{token}</token>")))
            .respond_with(xml(page(
                "ContinueRetrievePropertiesExResponse",
                first,
                next,
            )))
            .mount(server)
            .await;
    }
    soap("CancelRetrievePropertiesEx")
        .respond_with(ok("cancel-retrieve.xml"))
        .mount(server)
        .await;
    soap("QueryEvents")
        .respond_with(empty("QueryEventsResponse"))
        .mount(server)
        .await;
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    soap("CurrentTime")
        .respond_with(xml(envelope(&format!(
            r#"<CurrentTimeResponse xmlns="urn:vim25"><returnval>{now}</returnval></CurrentTimeResponse>"#
        ))))
        .mount(server)
        .await;
    // The templates' second pass: vm-1 as the first page had it.
    soap("RetrievePropertiesEx")
        .and(body_string_contains("reportMissingObjectsInResults"))
        .respond_with(xml(envelope(concat!(
            r#"<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>"#,
            r#"<objects><obj type="VirtualMachine">vm-1</obj><propSet><name>config.template</name><val xsi:type="xsd:boolean">true</val></propSet><propSet><name>name</name><val xsi:type="xsd:string">arc-tpl</val></propSet><propSet><name>parent</name><val type="Folder" xsi:type="ManagedObjectReference">group-v10</val></propSet></objects>"#,
            r#"</returnval></RetrievePropertiesExResponse>"#
        ))))
        .with_priority(2)
        .mount(server)
        .await;
    // privilegeList and roleList: none (every id counts as known); the
    // privilege call grants nothing, so a healthy `privileges` exits 1.
    soap("RetrievePropertiesEx")
        .and(body_string_contains(r#"<obj type="AuthorizationManager">"#))
        .respond_with(empty("RetrievePropertiesExResponse"))
        .with_priority(2)
        .mount(server)
        .await;
    soap("HasPrivilegeOnEntities")
        .respond_with(empty("HasPrivilegeOnEntitiesResponse"))
        .mount(server)
        .await;
    soap("Logout")
        .respond_with(ok("logout.xml"))
        .mount(server)
        .await;
}

/// The exit code of a command whose audit completed against the healthy mock.
/// `privileges` names no target: every kind is checked on a stand-in, which
/// leaves the privileges check not verified (exit 2).
fn healthy_exit(command: &[&str]) -> i32 {
    if command[0] == "privileges" { 2 } else { 0 }
}

/// One cell: `command` against a vCenter that fails at `step` with `fault`.
async fn cell(name: &str, command: &[&str], step: Step, fault: Fault) {
    let run = run_cell(name, command, step, fault).await;
    let recovers = matches!(fault, Fault::ServiceUnavailableOnce) && step.idempotent;
    if step.after_the_audit || recovers {
        // The audit itself completed: a clean inventory passes.
        assert_eq!(run.code, Some(healthy_exit(command)), "{}", run.stderr);
        assert!(run.stdout.contains("\"schema\": \"vaudit/v1\""));
        // Logout's answer carries nothing: a 200 with a broken body is as
        // good as any; every other fault is warned of.
        let answered_200 = matches!(fault, Fault::CutMidElement | Fault::InvalidUtf8);
        if step.after_the_audit {
            assert_eq!(
                run.stderr.contains("logout failed"),
                !answered_200,
                "{}",
                run.stderr
            );
        } else {
            assert!(run.stderr.contains("retrying once"), "{}", run.stderr);
        }
        return;
    }
    assert_eq!(
        run.code,
        Some(2),
        "exit {:?}\n{}\n{}",
        run.code,
        run.stderr,
        run.stdout
    );
    // `check` puts the failure in its report (a finding); the other
    // commands say it on stderr.
    let said = format!("{}{}", run.stderr, run.stdout);
    assert!(said.contains(fault.sentence()), "{said}");
    let names_step =
        said.contains(step.method) || (step.method == "Login" && said.contains("login"));
    assert!(names_step, "the message does not name the step: {said}");
    if command[0] == "check" {
        // The gate still reports, and says why it is incomplete.
        assert!(
            run.stdout.contains("\"severity\": \"error\""),
            "{}",
            run.stdout
        );
    } else {
        assert!(run.stdout.is_empty(), "a partial report: {}", run.stdout);
    }
}

/// The matrix names its failures: with one cell broken (its fault not
/// injected), a run of that cell's row fails that cell alone, under its own
/// name, and every other cell of the row still runs and passes.
#[test]
fn a_broken_cell_fails_alone_under_its_own_name() {
    let broken = "faults_matrix::folders::login::soap_500";
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["faults_matrix::folders::login::", "--test-threads", "4"])
        .env(BREAK_CELL, broken)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    let lines = |verdict: &str| -> Vec<String> {
        stdout
            .lines()
            .filter_map(|l| l.strip_prefix("test ")?.strip_suffix(verdict))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(lines(" ... FAILED"), [broken], "{stdout}");
    assert_eq!(lines(" ... ok").len(), 6, "{stdout}");
    assert!(
        stdout.contains("test result: FAILED. 6 passed; 1 failed"),
        "{stdout}"
    );
}
/// A loopback proxy in front of the mock that drops the connection, without
/// an answer, on the first `times` requests whose body holds `needle`: the
/// "connection reset" wiremock itself cannot produce.
fn resetting_proxy(upstream: std::net::SocketAddr, needle: String, times: usize) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// One HTTP/1.1 message with a Content-Length body (all wiremock and
    /// reqwest send here); `None` at the end of the connection.
    fn read_message(r: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
        let mut head = Vec::new();
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).ok()? == 0 {
                return None;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().ok()?;
            }
            head.extend_from_slice(line.as_bytes());
            if line == "\r\n" {
                break;
            }
        }
        let mut body = vec![0; len];
        r.read_exact(&mut body).ok()?;
        head.extend(body);
        Some(head)
    }

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let dropped = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (needle, dropped) = (needle.clone(), dropped.clone());
            std::thread::spawn(move || {
                let mut writer = client.try_clone().unwrap();
                let mut reader = BufReader::new(client);
                let up = TcpStream::connect(upstream).unwrap();
                let mut up_writer = up.try_clone().unwrap();
                let mut up_reader = BufReader::new(up);
                while let Some(req) = read_message(&mut reader) {
                    let hit = String::from_utf8_lossy(&req).contains(needle.as_str());
                    if hit && dropped.fetch_add(1, Ordering::SeqCst) < times {
                        // Close both directions with nothing said.
                        let _ = writer.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                    if up_writer.write_all(&req).is_err() {
                        return;
                    }
                    let Some(resp) = read_message(&mut up_reader) else {
                        return;
                    };
                    if writer.write_all(&resp).is_err() {
                        return;
                    }
                }
            });
        }
    });
    format!("https://{}", tls_front(addr, Cert::VCenter))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_connection_reset_at_each_step_is_retried_or_exit_2() {
    for step in templates::STEPS.iter().map(|name| step(name)) {
        for times in [1usize, 100] {
            let server = MockServer::start().await;
            mount_healthy(&server).await;
            let needle = match step.also {
                Some(also) => also.to_string(),
                None => format!("<{} xmlns", step.method),
            };
            let url = resetting_proxy(*server.address(), needle, times);
            let args: Vec<String> = [
                "templates",
                "--url",
                &url,
                "-u",
                USER,
                "-o",
                "json",
                "--timeout",
                "5",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            let run = vaudit(args, &[]).await;
            let cell = format!("{} {:?} reset x{times}", step.method, step.also);
            let recovers = times == 1 && step.idempotent;
            if recovers || step.after_the_audit {
                assert_eq!(run.code, Some(0), "{cell}: {}", run.stderr);
                continue;
            }
            assert_eq!(run.code, Some(2), "{cell}: {}\n{}", run.stderr, run.stdout);
            assert!(
                run.stderr.contains("the connection to 127.0.0.1"),
                "{cell}: {}",
                run.stderr
            );
            assert!(run.stderr.contains(step.method), "{cell}: {}", run.stderr);
            assert!(run.stdout.is_empty(), "{cell}: {}", run.stdout);
        }
    }
}

#[tokio::test]
async fn an_expired_session_on_page_3_logs_in_again_and_completes() {
    let server = MockServer::start().await;
    soap("ContinueRetrievePropertiesEx")
        .and(body_string_contains("<token>2</token>"))
        .respond_with(fault("fault-not-authenticated.xml"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let args: Vec<String> = [
        "folders",
        "--url",
        &https_uri(&server),
        "-u",
        USER,
        "-o",
        "json",
        "-v",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = vaudit(args, &[]).await;
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("session expired"), "{}", run.stderr);
    let v: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    // Every folder of all three pages, once: the pass started over.
    assert_eq!(v["folders"].as_array().unwrap().len(), 9, "{v}");
    let logins = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains("<Login xmlns"))
        .count();
    assert_eq!(logins, 2);
}

#[tokio::test]
async fn a_session_that_stays_expired_is_exit_2() {
    let server = MockServer::start().await;
    soap("ContinueRetrievePropertiesEx")
        .respond_with(fault("fault-not-authenticated.xml"))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_healthy(&server).await;
    let args: Vec<String> = [
        "folders",
        "--url",
        &https_uri(&server),
        "-u",
        USER,
        "-o",
        "json",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = vaudit(args, &[]).await;
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("not authenticated"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

/// The tagging check (`check --only tagging`) over the vAPI REST endpoints:
/// the new `/api` first, the old `/rest` when `/api` is absent. Any way the
/// tag-category list cannot be read is a `tagging-unavailable` finding that
/// fails the gate (exit 1) and names the endpoint; the SOAP audit is whole.
#[tokio::test(flavor = "multi_thread")]
async fn the_tagging_check_reports_each_rest_failure_as_tagging_unavailable() {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};

    let json = |body: &str| {
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(body)
    };
    let categories = r#"[{"id":"urn:vmomi:InventoryServiceCategory:1"}]"#;
    // (case, [(method, path, answer)], expected: None = pass, Some(words))
    type Route = (&'static str, &'static str, ResponseTemplate);
    let cases: Vec<(&str, Vec<Route>, Option<&str>)> = vec![
        (
            "new API",
            vec![
                ("POST", "/api/session", json(r#""tok""#)),
                ("GET", "/api/cis/tagging/category", json(categories)),
            ],
            None,
        ),
        (
            "old API when /api is absent",
            vec![
                ("POST", "/api/session", ResponseTemplate::new(404)),
                (
                    "POST",
                    "/rest/com/vmware/cis/session",
                    json(r#"{"value":"tok"}"#),
                ),
                (
                    "GET",
                    "/rest/com/vmware/cis/tagging/category",
                    json(r#"{"value":null}"#),
                ),
            ],
            None,
        ),
        (
            "REST login refused",
            vec![("POST", "/api/session", ResponseTemplate::new(401))],
            Some("rejected the user name or password"),
        ),
        (
            "neither API",
            vec![
                ("POST", "/api/session", ResponseTemplate::new(404)),
                (
                    "POST",
                    "/rest/com/vmware/cis/session",
                    ResponseTemplate::new(404),
                ),
            ],
            Some("/rest/com/vmware/cis/session"),
        ),
        (
            "list fails",
            vec![
                ("POST", "/api/session", json(r#""tok""#)),
                (
                    "GET",
                    "/api/cis/tagging/category",
                    ResponseTemplate::new(500),
                ),
            ],
            Some("/api/cis/tagging/category"),
        ),
        (
            "list is not JSON",
            vec![
                ("POST", "/api/session", json(r#""tok""#)),
                (
                    "GET",
                    "/api/cis/tagging/category",
                    json("<html>proxy</html>"),
                ),
            ],
            Some("/api/cis/tagging/category"),
        ),
        (
            "no token",
            vec![("POST", "/api/session", json("{}"))],
            Some("no session token"),
        ),
    ];
    for (case, routes, expected) in cases {
        let server = MockServer::start().await;
        mount_healthy(&server).await;
        Mock::given(method("DELETE"))
            .respond_with(ResponseTemplate::new(204))
            .mount(&server)
            .await;
        for (m, p, answer) in routes {
            Mock::given(method(m))
                .and(path(p))
                .respond_with(answer)
                .mount(&server)
                .await;
        }
        let run = vaudit(
            [
                "check",
                "--only",
                "tagging",
                "--url",
                &https_uri(&server),
                "-u",
                USER,
                "-o",
                "json",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
            &[],
        )
        .await;
        let v: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("{case}: {e}\n{}\n{}", run.stdout, run.stderr));
        // The healthy mock grants nothing, so AttachTag is certainly not a
        // global permission: that finding is in every case.
        let (not_global, findings): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
            v["findings"]
                .as_array()
                .unwrap()
                .iter()
                .partition(|f| f["code"] == "tag-privilege-not-global");
        assert_eq!(not_global.len(), 1, "{case}: {}", run.stdout);
        assert_eq!(run.code, Some(1), "{case}: {}\n{}", run.stdout, run.stderr);
        match expected {
            None => {
                assert!(findings.is_empty(), "{case}: {}", run.stdout);
            }
            Some(words) => {
                assert_eq!(findings.len(), 1, "{case}: {}", run.stdout);
                assert_eq!(findings[0]["code"], "tagging-unavailable", "{case}");
                let message = findings[0]["message"].as_str().unwrap();
                assert!(message.contains(words), "{case}: {message}");
            }
        }
    }
}

/// The SOAP methods `server` received, in the order they arrived (the
/// REST calls left out).
async fn soap_methods(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path() == "/sdk")
        .map(|r| {
            let body = String::from_utf8_lossy(&r.body);
            let start = body.find("<soapenv:Body><").map_or(0, |i| i + 15);
            body[start..]
                .split([' ', '>'])
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Exactly one Logout reached `server`, after every other SOAP call.
async fn assert_one_logout_last(server: &MockServer) {
    let methods = soap_methods(server).await;
    let logouts = methods.iter().filter(|m| *m == "Logout").count();
    assert_eq!(logouts, 1, "{methods:?}");
    assert_eq!(
        methods.last().map(String::as_str),
        Some("Logout"),
        "{methods:?}"
    );
}

/// The gate (`check`) over the healthy mock, with the tagging check's REST
/// session beside the SOAP audit, which the gate logs out of as soon as its
/// last SOAP answer is in; `failing`: the SOAP method answered with a fault.
async fn gate_with_rest(failing: Option<&str>) -> (MockServer, crate::wire::Run) {
    use wiremock::Mock;
    use wiremock::matchers::{method, path};
    let server = MockServer::start().await;
    if let Some(m) = failing {
        soap(m)
            .respond_with(Fault::Soap500.answer())
            .with_priority(1)
            .mount(&server)
            .await;
    }
    mount_healthy(&server).await;
    let json = |body: &str| {
        ResponseTemplate::new(200)
            .insert_header("content-type", "application/json")
            .set_body_string(body)
    };
    for (m, p, answer) in [
        ("POST", "/api/session", json(r#""tok""#)),
        ("GET", "/api/cis/tagging/category", json("[]")),
        ("DELETE", "/api/session", ResponseTemplate::new(204)),
    ] {
        Mock::given(method(m))
            .and(path(p))
            .respond_with(answer)
            .mount(&server)
            .await;
    }
    let args = [
        "check",
        "--only",
        "connection,clock,folders,templates,tagging",
        "--folder",
        "F10",
        "--template",
        "arc-tpl",
        "--url",
        &https_uri(&server),
        "-u",
        USER,
        "-o",
        "json",
    ];
    let run = vaudit(args.iter().map(|s| s.to_string()).collect(), &[]).await;
    (server, run)
}

/// Logout is sent before the REST session has closed, not after it: one
/// Logout, after every other SOAP call, and the REST session closed too.
#[tokio::test(flavor = "multi_thread")]
async fn the_gate_logs_out_once_after_its_last_soap_call() {
    let (server, run) = gate_with_rest(None).await;
    assert!(
        run.stdout.contains("\"schema\": \"vaudit/v1\""),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("logout failed"), "{}", run.stderr);
    assert_one_logout_last(&server).await;
    let closed = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .any(|r| r.method.as_str() == "DELETE" && r.url.path() == "/api/session");
    assert!(closed, "the REST session was left open");
}

/// The gate opens its connections ahead, beside ServiceContent: one GET
/// of `vimServiceVersions.xml` each (a 404 here), as many as it asks calls
/// at once after Login, and none carries a credential, a cookie or a
/// session key (they may go before the endpoint proved to be vSphere).
#[tokio::test(flavor = "multi_thread")]
async fn the_gate_opens_its_connections_ahead_with_no_credential() {
    let (server, run) = gate_with_rest(None).await;
    assert!(
        run.stdout.contains("\"schema\": \"vaudit/v1\""),
        "{}",
        run.stderr
    );
    let received = server.received_requests().await.unwrap();
    let warming: Vec<_> = received
        .iter()
        .filter(|r| r.url.path() == "/sdk/vimServiceVersions.xml")
        .collect();
    // Each is sent as soon as its connection is up; one still on its way
    // when the run ends (a loaded machine) is not an error.
    assert!(
        (1..=vaudit::gate::AT_ONCE).contains(&warming.len()),
        "{warming:?}"
    );
    for r in warming {
        assert_eq!(r.method.as_str(), "GET");
        assert!(r.body.is_empty());
        for h in ["cookie", "authorization", "vmware-api-session-id"] {
            assert!(!r.headers.contains_key(h), "{h} on {r:?}");
        }
    }
}

/// A SOAP step that fails ends the session all the same, once.
#[tokio::test(flavor = "multi_thread")]
async fn the_gate_logs_out_once_when_a_soap_step_fails() {
    let (server, run) = gate_with_rest(Some("RetrievePropertiesEx")).await;
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert_one_logout_last(&server).await;
}

/// A Logout the server refuses is warned of once, and the audit stands.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_logout_of_the_gate_is_warned_of_once() {
    let (server, run) = gate_with_rest(Some("Logout")).await;
    assert!(
        run.stdout.contains("\"schema\": \"vaudit/v1\""),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.matches("logout failed").count(),
        1,
        "{}",
        run.stderr
    );
    let methods = soap_methods(&server).await;
    assert_eq!(
        methods.iter().filter(|m| *m == "Logout").count(),
        1,
        "{methods:?}"
    );
}
