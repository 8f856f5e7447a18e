//! The fault matrix: every inventory command against a mock vCenter that
//! fails at one step in one way. A gate never lies: each cell asserts the
//! exit code and the sentence, never exit 0 on a failure, never a panic,
//! never a partial report on stdout. Transient failures of idempotent reads
//! get one retry; an expired session gets one re-login.

#[path = "support/wire.rs"]
mod wire;

use std::time::Duration;

use wire::*;
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

const STEPS: &[Step] = &[
    Step {
        method: "Login",
        also: None,
        after_the_audit: false,
        idempotent: false,
    },
    Step {
        method: "CreateContainerView",
        also: None,
        after_the_audit: false,
        idempotent: false,
    },
    Step {
        method: "RetrievePropertiesEx",
        also: None,
        after_the_audit: false,
        idempotent: true,
    },
    Step {
        method: "ContinueRetrievePropertiesEx",
        also: Some("<token>1</token>"),
        after_the_audit: false,
        idempotent: false,
    },
    Step {
        method: "ContinueRetrievePropertiesEx",
        also: Some("<token>2</token>"),
        after_the_audit: false,
        idempotent: false,
    },
    Step {
        method: "QueryEvents",
        also: None,
        after_the_audit: false,
        idempotent: true,
    },
    Step {
        method: "CurrentTime",
        also: None,
        after_the_audit: false,
        idempotent: true,
    },
    Step {
        method: "HasPrivilegeOnEntities",
        also: None,
        after_the_audit: false,
        idempotent: true,
    },
    Step {
        method: "Logout",
        also: None,
        after_the_audit: true,
        idempotent: false,
    },
];

const FAULTS: &[Fault] = &[
    Fault::Soap500,
    Fault::Http500Plain,
    Fault::BadGateway,
    Fault::ServiceUnavailableOnce,
    Fault::CutMidElement,
    Fault::InvalidUtf8,
    Fault::NeverAnswers,
];

/// The commands, and the steps each one takes.
const COMMANDS: &[(&[&str], &[&str])] = &[
    (
        &["folders"],
        &[
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "Logout",
        ],
    ),
    (
        &["pools"],
        &[
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "Logout",
        ],
    ),
    (
        &["templates"],
        &[
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "QueryEvents",
            "Logout",
        ],
    ),
    (
        &["privileges"],
        &[
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "HasPrivilegeOnEntities",
            "Logout",
        ],
    ),
    (
        &[
            "check",
            "--only",
            "connection,version,clock,folders,pools,templates",
        ],
        &[
            "Login",
            "CreateContainerView",
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "QueryEvents",
            "CurrentTime",
            "Logout",
        ],
    ),
];

async fn run_cell(command: &[&str], step: Step, fault: Fault) -> wire::Run {
    let server = MockServer::start().await;
    let mut m = soap(step.method);
    if let Some(also) = step.also {
        m = m.and(body_string_contains(also));
    }
    m.respond_with(fault.answer())
        .up_to_n_times(fault.times())
        .with_priority(1)
        .mount(&server)
        .await;
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
            "1",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    vaudit(args, &[]).await
}

/// A small but complete vCenter: three pages of inventory, events, clock.
async fn mount_healthy(server: &MockServer) {
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(server)
        .await;
    soap("Login").respond_with(login_ok()).mount(server).await;
    soap("CreateContainerView")
        .respond_with(ok("create-container-view.xml"))
        .mount(server)
        .await;
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
    soap("DestroyView")
        .respond_with(ok("destroy-view.xml"))
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
fn healthy_exit(command: &[&str]) -> i32 {
    if command[0] == "privileges" { 1 } else { 0 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_command_fails_closed_at_every_step() {
    let mut cells = 0;
    for (command, steps) in COMMANDS {
        for step in STEPS.iter().filter(|s| steps.contains(&s.method)) {
            for &fault in FAULTS {
                let run = run_cell(command, *step, fault).await;
                cells += 1;
                let cell = format!("{command:?} / {} {:?} / {fault:?}", step.method, step.also);
                let recovers = matches!(fault, Fault::ServiceUnavailableOnce) && step.idempotent;
                if step.after_the_audit || recovers {
                    // The audit itself completed: a clean inventory passes.
                    assert_eq!(
                        run.code,
                        Some(healthy_exit(command)),
                        "{cell}: {}",
                        run.stderr
                    );
                    assert!(run.stdout.contains("\"schema\": \"vaudit/v1\""), "{cell}");
                    // Logout's answer carries nothing: a 200 with a broken
                    // body is as good as any; every other fault is warned of.
                    let answered_200 = matches!(fault, Fault::CutMidElement | Fault::InvalidUtf8);
                    if step.after_the_audit {
                        assert_eq!(
                            run.stderr.contains("logout failed"),
                            !answered_200,
                            "{cell}: {}",
                            run.stderr
                        );
                    } else {
                        assert!(
                            run.stderr.contains("retrying once"),
                            "{cell}: {}",
                            run.stderr
                        );
                    }
                    continue;
                }
                assert_eq!(
                    run.code,
                    Some(2),
                    "{cell}: exit {:?}\n{}\n{}",
                    run.code,
                    run.stderr,
                    run.stdout
                );
                // `check` puts the failure in its report (a finding); the
                // other commands say it on stderr.
                let said = format!("{}{}", run.stderr, run.stdout);
                assert!(said.contains(fault.sentence()), "{cell}: {said}");
                let names_step = said.contains(step.method)
                    || (step.method == "Login" && said.contains("login"));
                assert!(
                    names_step,
                    "{cell}: the message does not name the step: {said}"
                );
                if command[0] == "check" {
                    // The gate still reports, and says why it is incomplete.
                    assert!(
                        run.stdout.contains("\"severity\": \"error\""),
                        "{cell}: {}",
                        run.stdout
                    );
                } else {
                    assert!(
                        run.stdout.is_empty(),
                        "{cell}: a partial report: {}",
                        run.stdout
                    );
                }
            }
        }
    }
    assert!(cells >= 200, "{cells} cells");
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
    for step in STEPS.iter().filter(|s| COMMANDS[2].1.contains(&s.method)) {
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
        let findings = v["findings"].as_array().unwrap();
        match expected {
            None => {
                assert_eq!(run.code, Some(0), "{case}: {}\n{}", run.stdout, run.stderr);
                assert!(findings.is_empty(), "{case}: {}", run.stdout);
            }
            Some(words) => {
                assert_eq!(run.code, Some(1), "{case}: {}\n{}", run.stdout, run.stderr);
                assert_eq!(findings.len(), 1, "{case}: {}", run.stdout);
                assert_eq!(findings[0]["code"], "tagging-unavailable", "{case}");
                let message = findings[0]["message"].as_str().unwrap();
                assert!(message.contains(words), "{case}: {message}");
            }
        }
    }
}
