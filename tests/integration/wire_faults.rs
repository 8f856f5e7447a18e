//! Wire-level behaviour against recorded vCenter answers (`mocks/soap/`):
//! faults become typed errors and actionable sentences, the session cookie is
//! echoed verbatim, non-SOAP answers and silent servers fail closed with exit
//! 2, paging reads every page once and cleans up on failure, and the password
//! never reaches stdout or stderr.

use std::time::{Duration, Instant};

use vaudit::vsphere::{Client, Error, Fault, FaultKind, MoRef, PropertySpec, Value};
use wiremock::matchers::{body_string_contains, header};
use wiremock::{MockServer, ResponseTemplate};

use crate::wire::*;

const VM_NAMES: &[PropertySpec<'static>] = &[PropertySpec {
    kind: "VirtualMachine",
    paths: &["name"],
}];

fn cookie_of(req: &wiremock::Request) -> Option<String> {
    req.headers
        .get("cookie")
        .map(|v| v.to_str().unwrap_or("<not text>").to_string())
}

fn soap_method_of(req: &wiremock::Request) -> String {
    let body = String::from_utf8_lossy(&req.body);
    let start = body.find("<soapenv:Body><").expect("a SOAP body") + "<soapenv:Body><".len();
    body[start..]
        .split([' ', '>'])
        .next()
        .unwrap_or_default()
        .to_string()
}

async fn methods_received(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .expect("request recording is on")
        .iter()
        .map(soap_method_of)
        .collect()
}

fn fault_kind(e: &Error) -> &FaultKind {
    match e {
        Error::Fault {
            fault: Fault { kind, .. },
            ..
        } => kind,
        other => panic!("expected a SOAP fault error, got {other:?} ({other})"),
    }
}

// ---------------------------------------------------------------------------
// The session cookie
// ---------------------------------------------------------------------------

/// Binary: `about` logs in, echoes the quoted cookie exactly, and logs out.
#[tokio::test]
async fn about_echoes_the_quoted_cookie_and_logs_out() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    mount_logout(&server, 1).await;
    // Any Logout without the exact cookie lands here and fails the run.
    soap("Logout")
        .respond_with(fault("fault-not-authenticated.xml"))
        .expect(0)
        .named("Logout without the exact session cookie")
        .mount(&server)
        .await;

    let run = vaudit(about_args(&server, &[]), &[]).await;
    run.assert_exit(0)
        .assert_stderr_lacks("logout failed")
        .assert_stderr_lacks("error:");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", run.stdout));
    assert_eq!(doc["schema"], "vaudit/v1");
    assert_eq!(doc["vcenter"]["product"], "VMware vCenter Server");
    assert_eq!(doc["vcenter"]["version"], "8.0.2");
    assert_eq!(doc["vcenter"]["api_version"], "8.0.2.0");
    assert_eq!(doc["vcenter"]["user"], r"VSPHERE.LOCAL\deployer");

    let reqs = server.received_requests().await.unwrap();
    let seen: Vec<(String, Option<String>)> = reqs
        .iter()
        .map(|r| (soap_method_of(r), cookie_of(r)))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("RetrieveServiceContent".to_string(), None),
            ("Login".to_string(), None),
            ("Logout".to_string(), Some(COOKIE.to_string())),
        ],
        "calls and the cookies they carried"
    );
}

/// Library: every call after Login carries the quoted cookie byte for byte,
/// and Logout clears it.
#[tokio::test]
async fn library_echoes_the_quoted_cookie_on_every_later_call() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    for (m, file) in [("RetrievePropertiesEx", "retrieve-page-2.xml")] {
        soap(m)
            .and(header("Cookie", COOKIE))
            .respond_with(ok(file))
            .expect(1)
            .named(m)
            .mount(&server)
            .await;
    }
    mount_logout(&server, 1).await;

    let mut client = logged_in(&server).await;
    assert_eq!(
        client.session().map(|s| s.user_name.as_str()),
        Some(r"VSPHERE.LOCAL\deployer")
    );
    assert_eq!(
        client.session().map(|s| s.key.as_str()),
        Some("52e1a7c4-8f3b-6d2e-1a9c-4b7d0e5f3a21")
    );
    let objs = client
        .retrieve_inventory(VM_NAMES, 100, |_| {})
        .await
        .expect("inventory with the cookie");
    assert_eq!(objs.len(), 2);
    client.logout().await.expect("logout with the cookie");
    assert_eq!(client.calls(), 4);
    server.verify().await;
}

/// Library: a Login answer without the session cookie is an error, not a
/// session whose every later call would fail.
#[tokio::test]
async fn login_without_a_session_cookie_is_an_error() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(ok("login.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let mut client = Client::connect(&options(&server, Duration::from_secs(10)))
        .await
        .unwrap();
    let err = client.login(USER, PASSWORD).await.unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert!(msg.contains("vmware_soap_session"), "{msg}");
    assert!(!msg.contains(PASSWORD), "{msg}");
}

// ---------------------------------------------------------------------------
// Faults
// ---------------------------------------------------------------------------

/// Binary: InvalidLogin at Login is exit 2 with "login failed" and the fix;
/// no Logout is sent for a session that never existed.
#[tokio::test]
async fn invalid_login_exits_2_with_login_failed() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .expect(1)
        .mount(&server)
        .await;
    soap("Login")
        .and(body_string_contains(PASSWORD))
        .respond_with(fault("fault-invalid-login.xml"))
        .expect(1)
        .mount(&server)
        .await;
    soap("Logout")
        .respond_with(ok("logout.xml"))
        .expect(0)
        .mount(&server)
        .await;

    let run = vaudit(about_args(&server, &[]), &[]).await;
    run.assert_exit(2);
    assert_eq!(run.stdout, "", "nothing on stdout after a failed login");
    let err = run.error_line();
    assert!(err.contains("login failed"), "{err}");
    assert!(err.contains("user name or password"), "{err}");
    assert!(run.fix_line().contains("--username"), "{}", run.fix_line());
}

/// Library: InvalidLogin is the typed fault and `is_invalid_login`.
#[tokio::test]
async fn invalid_login_is_typed_at_library_level() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(fault("fault-invalid-login.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let mut client = Client::connect(&options(&server, Duration::from_secs(10)))
        .await
        .unwrap();
    let err = client.login(USER, PASSWORD).await.unwrap_err();
    assert!(err.is_invalid_login(), "{err:?}");
    match &err {
        Error::Fault { step, fault } => {
            assert_eq!(step, "Login");
            assert_eq!(fault.kind, FaultKind::InvalidLogin);
            assert_eq!(
                fault.message,
                "Cannot complete login due to an incorrect user name or password."
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with("login failed"), "{err}");
    assert!(client.session().is_none());
}

/// Binary: other faults at Login, each with its own sentence and fix.
#[tokio::test]
async fn faults_at_login_exit_2_with_their_sentence() {
    let cases: &[(&str, &[&str], Option<&str>)] = &[
        (
            "fault-not-authenticated.xml",
            &["the vCenter session is not authenticated (Login)"],
            Some("log in again"),
        ),
        (
            "fault-no-permission.xml",
            &[
                "answered Login with the fault NoPermission",
                "the privilege System.View is missing on Folder:group-d1",
            ],
            Some("grant the user a role with System.View on that object"),
        ),
        (
            "fault-other.xml",
            &[
                "answered Login with the fault SystemError",
                "Connection to the vpxd service was lost",
            ],
            None,
        ),
        (
            "fault-method-not-found.xml",
            &["answered Login with the fault MethodNotFound"],
            None,
        ),
    ];
    for (file, needles, fix) in cases {
        let server = MockServer::start().await;
        soap("RetrieveServiceContent")
            .respond_with(ok("service-content.xml"))
            .expect(1)
            .mount(&server)
            .await;
        soap("Login")
            .respond_with(fault(file))
            .expect(1)
            .mount(&server)
            .await;
        let run = vaudit(about_args(&server, &[]), &[]).await;
        run.assert_exit(2);
        let err = run.error_line();
        for n in *needles {
            assert!(err.contains(n), "{file}: {err:?} lacks {n:?}");
        }
        assert!(!err.contains("login failed"), "{file}: {err}");
        if let Some(f) = fix {
            assert!(run.fix_line().contains(f), "{file}: {}", run.stderr);
        }
        server.verify().await;
    }
}

/// Binary: a fault on the very first call stops before Login.
#[tokio::test]
async fn fault_at_retrieve_service_content_stops_before_login() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(fault("fault-other.xml"))
        .expect(1)
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(login_ok())
        .expect(0)
        .mount(&server)
        .await;
    let run = vaudit(about_args(&server, &[]), &[]).await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(
        err.contains("answered RetrieveServiceContent with the fault SystemError"),
        "{err}"
    );
    assert!(err.contains("A general system error occurred"), "{err}");
}

/// Binary: a failed Logout after a successful command is a warning: the
/// result stands and the exit code is 0.
#[tokio::test]
async fn logout_fault_is_a_warning_not_a_failure() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    soap("Logout")
        .respond_with(fault("fault-not-authenticated.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let run = vaudit(about_args(&server, &[]), &[]).await;
    run.assert_exit(0)
        .assert_stderr_has("logout failed")
        .assert_stderr_has("not authenticated (Logout)");
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON on stdout");
    assert_eq!(doc["vcenter"]["version"], "8.0.2");
}

/// Library: every recorded fault at a later step (RetrievePropertiesEx)
/// becomes its typed kind with the details decoded, the sentence names it,
/// and no page is reported.
#[tokio::test]
async fn each_fault_at_the_first_page_is_typed() {
    let folder = |v: &str| Some(MoRef::new("Folder", v));
    let cases: Vec<(&str, FaultKind, &str)> = vec![
        (
            "fault-invalid-login.xml",
            FaultKind::InvalidLogin,
            "login failed",
        ),
        (
            "fault-not-authenticated.xml",
            FaultKind::NotAuthenticated {
                privilege_id: Some("System.View".into()),
            },
            "the vCenter session is not authenticated (RetrievePropertiesEx)",
        ),
        (
            "fault-no-permission.xml",
            FaultKind::NoPermission {
                object: folder("group-d1"),
                privilege_id: Some("System.View".into()),
            },
            "answered RetrievePropertiesEx with the fault NoPermission: the privilege System.View is missing on Folder:group-d1",
        ),
        (
            "fault-managed-object-not-found.xml",
            FaultKind::ManagedObjectNotFound {
                obj: folder("group-v99"),
            },
            "ManagedObjectNotFound: Folder:group-v99 does not exist",
        ),
        (
            "fault-invalid-argument.xml",
            FaultKind::InvalidArgument {
                property: Some("options.maxObjects".into()),
            },
            "InvalidArgument: A specified parameter was not correct: options.maxObjects",
        ),
        (
            "fault-invalid-property.xml",
            FaultKind::InvalidProperty {
                name: Some("config.createDates".into()),
            },
            "answered RetrievePropertiesEx with the fault InvalidProperty",
        ),
        (
            "fault-method-not-found.xml",
            FaultKind::MethodNotFound {
                method: Some("ContinueRetrievePropertiesEx".into()),
            },
            "MethodNotFound: PropertyCollector:propertyCollector does not implement",
        ),
        (
            "fault-other.xml",
            FaultKind::Other {
                type_name: "SystemError".into(),
            },
            "SystemError: A general system error occurred: Connection to the vpxd service was lost",
        ),
    ];
    for (file, want, sentence) in cases {
        // An expired session gets one re-login and one fresh pass.
        let relogin = file == "fault-not-authenticated.xml";
        let passes = if relogin { 2 } else { 1 };
        let server = MockServer::start().await;
        mount_connect_with_logins(&server, passes).await;
        soap("RetrievePropertiesEx")
            .respond_with(fault(file))
            .expect(passes)
            .mount(&server)
            .await;
        soap("CancelRetrievePropertiesEx")
            .respond_with(ok("cancel-retrieve.xml"))
            .expect(0)
            .mount(&server)
            .await;
        mount_logout(&server, 1).await;

        let mut client = logged_in(&server).await;
        let err = client
            .retrieve_inventory(VM_NAMES, 100, |_| panic!("no page may be reported"))
            .await
            .expect_err(file);
        match &err {
            Error::Fault { step, fault } => {
                assert_eq!(step, "RetrievePropertiesEx", "{file}");
                assert_eq!(fault.kind, want, "{file}");
            }
            other => panic!("{file}: expected a fault, got {other:?}"),
        }
        assert!(
            err.to_string().contains(sentence),
            "{file}: {err} lacks {sentence:?}"
        );
        // Logging out after a failed step is the caller's job; it still works.
        client.logout().await.expect("logout after a failed step");
        let pass = ["RetrievePropertiesEx"];
        let mut want = vec!["RetrieveServiceContent", "Login"];
        want.extend(pass);
        if relogin {
            want.push("Login");
            want.extend(pass);
        }
        want.push("Logout");
        assert_eq!(methods_received(&server).await, want, "{file}");
        server.verify().await;
    }
}

/// Real vCenter sends InvalidProperty with an empty faultstring: the
/// sentence must still name the property, or the user cannot act on it.
#[tokio::test]
async fn invalid_property_sentence_names_the_property() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    soap("RetrievePropertiesEx")
        .respond_with(fault("fault-invalid-property.xml"))
        .mount(&server)
        .await;
    let client = logged_in(&server).await;
    let err = client
        .retrieve_inventory(VM_NAMES, 100, |_| {})
        .await
        .unwrap_err();
    assert!(err.to_string().contains("config.createDates"), "{err}");
}

/// Library: NoPermission at the first page (System.View on the root
/// folder the walk starts from) is typed, with its remedy.
#[tokio::test]
async fn no_permission_at_the_first_page() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    soap("RetrievePropertiesEx")
        .respond_with(fault("fault-no-permission.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let client = logged_in(&server).await;
    let err = client
        .retrieve_inventory(VM_NAMES, 100, |_| {})
        .await
        .unwrap_err();
    assert_eq!(
        fault_kind(&err),
        &FaultKind::NoPermission {
            object: Some(MoRef::new("Folder", "group-d1")),
            privilege_id: Some("System.View".into()),
        }
    );
    assert_eq!(
        err.remedy().as_deref(),
        Some("grant the user a role with System.View on that object")
    );
}

// ---------------------------------------------------------------------------
// Paging
// ---------------------------------------------------------------------------

async fn mount_first_page(server: &MockServer) {
    soap("RetrievePropertiesEx")
        .and(header("Cookie", COOKIE))
        .and(body_string_contains(
            r#"<obj type="Folder">group-d1</obj><skip>true</skip>"#,
        ))
        .and(body_string_contains("<propSet><type>VirtualMachine</type>"))
        .and(body_string_contains("<maxObjects>3</maxObjects>"))
        .and(body_string_contains("<pathSet>name</pathSet>"))
        .respond_with(ok("retrieve-page-1.xml"))
        .expect(1)
        .named("RetrievePropertiesEx")
        .mount(server)
        .await;
}

/// Page 1 carries a token, page 2 none: every object once, in order, in
/// exactly 2 round trips.
#[tokio::test]
async fn paging_reads_every_object_once_in_order() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    mount_first_page(&server).await;
    soap("ContinueRetrievePropertiesEx")
        .and(header("Cookie", COOKIE))
        .and(body_string_contains("<token>1</token>"))
        .respond_with(ok("retrieve-page-2.xml"))
        .expect(1)
        .named("ContinueRetrievePropertiesEx")
        .mount(&server)
        .await;
    soap("CancelRetrievePropertiesEx")
        .respond_with(ok("cancel-retrieve.xml"))
        .expect(0)
        .mount(&server)
        .await;

    let client = logged_in(&server).await;
    let before = client.calls();
    let mut progress = Vec::new();
    let objs = client
        .retrieve_inventory(VM_NAMES, 3, |n| progress.push(n))
        .await
        .expect("two pages");
    assert_eq!(client.calls() - before, 2, "2 pages");
    assert_eq!(progress, [3, 5]);
    let got: Vec<(String, Option<String>)> = objs
        .iter()
        .map(|o| {
            (
                o.obj.to_string(),
                o.get("name").and_then(Value::as_str).map(str::to_owned),
            )
        })
        .collect();
    let want: Vec<(String, Option<String>)> = [
        ("vm-1001", "arc-appliance-01"),
        ("vm-1002", "web & db"),
        ("vm-1003", "ubuntu-22.04-template"),
        // page 2 types its values under the XMLSchema-instance prefix (vcsim)
        ("vm-1004", "sql-02"),
        ("vm-1005", "jump-host"),
    ]
    .iter()
    .map(|(m, n)| (format!("VirtualMachine:{m}"), Some(n.to_string())))
    .collect();
    assert_eq!(got, want);
    assert!(objs.iter().all(|o| o.missing.is_empty()));
    server.verify().await;
}

/// A fault on page 2: the error is returned (not a short inventory), and the
/// result set is cancelled.
#[tokio::test]
async fn failing_page_2_cancels() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    mount_first_page(&server).await;
    soap("ContinueRetrievePropertiesEx")
        .respond_with(fault("fault-method-not-found.xml"))
        .expect(1)
        .named("ContinueRetrievePropertiesEx")
        .mount(&server)
        .await;
    soap("CancelRetrievePropertiesEx")
        .and(header("Cookie", COOKIE))
        .and(body_string_contains("<token>1</token>"))
        .respond_with(ok("cancel-retrieve.xml"))
        .expect(1)
        .named("CancelRetrievePropertiesEx")
        .mount(&server)
        .await;

    let client = logged_in(&server).await;
    let before = client.calls();
    let err = client
        .retrieve_inventory(VM_NAMES, 3, |_| {})
        .await
        .expect_err("page 2 failed");
    match &err {
        Error::Fault { step, fault } => {
            assert_eq!(step, "ContinueRetrievePropertiesEx");
            assert_eq!(
                fault.kind,
                FaultKind::MethodNotFound {
                    method: Some("ContinueRetrievePropertiesEx".into())
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.calls() - before, 3, "2 pages + cancel");
    let methods = methods_received(&server).await;
    assert_eq!(
        &methods[2..],
        [
            "RetrievePropertiesEx",
            "ContinueRetrievePropertiesEx",
            "CancelRetrievePropertiesEx",
        ]
    );
    server.verify().await;
}

/// A truncated page 2 is a decode error, with the same clean-up.
#[tokio::test]
async fn truncated_page_2_is_unreadable_and_cleaned_up() {
    let page2 = mock_file("retrieve-page-2.xml");
    let cut = &page2[..page2.find("jump-host").unwrap() + 4];
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    mount_first_page(&server).await;
    soap("ContinueRetrievePropertiesEx")
        .respond_with(ResponseTemplate::new(200).set_body_raw(cut, "text/xml; charset=utf-8"))
        .expect(1)
        .mount(&server)
        .await;
    soap("CancelRetrievePropertiesEx")
        .and(body_string_contains("<token>1</token>"))
        .respond_with(ok("cancel-retrieve.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let client = logged_in(&server).await;
    let err = client
        .retrieve_inventory(VM_NAMES, 3, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("unreadable answer to ContinueRetrievePropertiesEx"),
        "{msg}"
    );
    server.verify().await;
}

/// vcsim answers an unauthenticated read with 200 and NotAuthenticated per
/// property: an authentication error, never an empty inventory.
#[tokio::test]
async fn missing_set_not_authenticated_is_an_error_not_empty_data() {
    // One re-login and one fresh pass; the second failure is final.
    let server = MockServer::start().await;
    mount_connect_with_logins(&server, 2).await;
    soap("RetrievePropertiesEx")
        .respond_with(ok("missing-set-not-authenticated.xml"))
        .expect(2)
        .mount(&server)
        .await;
    let client = logged_in(&server).await;
    let err = client
        .retrieve_inventory(VM_NAMES, 100, |_| {})
        .await
        .expect_err("NotAuthenticated in missingSet must fail");
    assert!(
        matches!(fault_kind(&err), FaultKind::NotAuthenticated { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("not authenticated"), "{err}");
    assert_eq!(
        err.remedy().as_deref(),
        Some("log in again; the session may have expired")
    );
    server.verify().await;
}

// ---------------------------------------------------------------------------
// Answers that are not SOAP
// ---------------------------------------------------------------------------

async fn about_with_service_content(answer: ResponseTemplate) -> (MockServer, crate::wire::Run) {
    about_with_service_content_tries(answer, 1).await
}

/// `tries`: 2 for a gateway error, which is transient, so the idempotent
/// read is sent once more before giving up.
async fn about_with_service_content_tries(
    answer: ResponseTemplate,
    tries: u64,
) -> (MockServer, crate::wire::Run) {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(answer)
        .expect(tries)
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(login_ok())
        .expect(0)
        .mount(&server)
        .await;
    let run = vaudit(about_args(&server, &[]), &[]).await;
    (server, run)
}

#[tokio::test]
async fn html_proxy_page_200_is_named_with_a_fix() {
    let (_server, run) = about_with_service_content(
        ResponseTemplate::new(200)
            .set_body_raw(mock_file("html-proxy.html"), "text/html; charset=utf-8"),
    )
    .await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(err.contains("HTML page"), "{err}");
    assert!(err.contains("Access Denied - Web Gateway"), "{err}");
    assert!(err.contains("HTTP 200"), "{err}");
    assert!(err.contains("not a vSphere SOAP response"), "{err}");
    assert!(
        !err.contains("corporate web gateway"),
        "the body is not echoed: {err}"
    );
    let fix = run.fix_line();
    assert!(fix.contains("--url points at the vCenter"), "{fix}");
}

#[tokio::test]
async fn html_proxy_page_502_is_named_with_a_fix() {
    let (_server, run) = about_with_service_content_tries(
        ResponseTemplate::new(502).set_body_raw(mock_file("html-proxy.html"), "text/html"),
        2,
    )
    .await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(err.contains("HTTP 502 Bad Gateway"), "{err}");
    assert!(err.contains("HTML page"), "{err}");
    assert!(run.fix_line().contains("--url points at the vCenter"));
}

/// A block page sent with 200 and no Content-Type (or a mislabelled XML
/// one) should still be named as an HTML page with the --url fix.
#[tokio::test]
async fn html_proxy_page_without_content_type_is_named_with_a_fix() {
    for ct in [None, Some("text/xml")] {
        let mut answer =
            ResponseTemplate::new(200).set_body_bytes(mock_file("html-proxy.html").into_bytes());
        if let Some(ct) = ct {
            answer = answer.insert_header("Content-Type", ct);
        }
        let (_server, run) = about_with_service_content(answer).await;
        run.assert_exit(2);
        let err = run.error_line();
        assert!(err.contains("HTML page"), "{ct:?}: {err}");
        assert!(
            run.stderr.contains("--url points at the vCenter"),
            "{ct:?}: {}",
            run.stderr
        );
    }
}

#[tokio::test]
async fn truncated_service_content_is_an_unreadable_answer() {
    let sc = mock_file("service-content.xml");
    let cut = sc[..sc.find("<apiVersion>").unwrap() + "<apiVer".len()].to_string();
    let (_server, run) = about_with_service_content(
        ResponseTemplate::new(200).set_body_raw(cut, "text/xml; charset=utf-8"),
    )
    .await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(
        err.contains("sent an unreadable answer to RetrieveServiceContent"),
        "{err}"
    );
}

#[tokio::test]
async fn truncated_login_answer_is_an_unreadable_answer() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let login = mock_file("login.xml");
    let cut = login[..login.find("</userName>").unwrap()].to_string();
    soap("Login")
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(cut, "text/xml; charset=utf-8")
                .insert_header("Set-Cookie", SET_COOKIE),
        )
        .expect(1)
        .mount(&server)
        .await;
    let run = vaudit(about_args(&server, &[]), &[]).await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(err.contains("unreadable answer to Login"), "{err}");
}

#[tokio::test]
async fn http_503_without_a_body() {
    let (_server, run) = about_with_service_content_tries(ResponseTemplate::new(503), 2).await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(err.contains("HTTP 503"), "{err}");
    assert!(err.contains("an empty body"), "{err}");
}

#[tokio::test]
async fn empty_200_reply() {
    let (_server, run) = about_with_service_content(ResponseTemplate::new(200)).await;
    run.assert_exit(2);
    let err = run.error_line();
    assert!(err.contains("an empty reply"), "{err}");
    assert!(err.contains("RetrieveServiceContent"), "{err}");
}

// ---------------------------------------------------------------------------
// A server that never answers
// ---------------------------------------------------------------------------

const NEVER: Duration = Duration::from_secs(30);

#[tokio::test]
async fn silent_server_times_out_at_the_first_call() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml").set_delay(NEVER))
        .mount(&server)
        .await;
    let started = Instant::now();
    let run = vaudit(about_args(&server, &["--timeout", "1"]), &[]).await;
    let took = started.elapsed();
    run.assert_exit(2);
    let err = run.error_line();
    assert!(
        err.contains("did not answer RetrieveServiceContent within 1 s"),
        "{err}"
    );
    assert!(run.fix_line().contains("--timeout"), "{}", run.stderr);
    assert!(took < NEVER, "took {took:?}: the timeout was not applied");
}

#[tokio::test]
async fn silent_server_times_out_at_login() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .expect(1)
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(login_ok().set_delay(NEVER))
        .mount(&server)
        .await;
    let started = Instant::now();
    let run = vaudit(about_args(&server, &["--timeout", "1"]), &[]).await;
    assert!(started.elapsed() < NEVER);
    run.assert_exit(2);
    let err = run.error_line();
    assert!(err.contains("did not answer Login within 1 s"), "{err}");
}

#[tokio::test]
async fn silent_server_times_out_at_library_level() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml").set_delay(NEVER))
        .mount(&server)
        .await;
    let opts = options(&server, Duration::from_secs(1));
    let res = tokio::time::timeout(Duration::from_secs(20), Client::connect(&opts))
        .await
        .expect("connect must give up on its own, long before the guard");
    let err = res.err().expect("a timeout error");
    assert!(
        matches!(&err, Error::Timeout { step, secs: 1, .. } if step == "RetrieveServiceContent"),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------
// The password never leaks
// ---------------------------------------------------------------------------

/// At -vv (trace: request bodies are logged) and with RUST_LOG=trace (every
/// crate, reqwest and hyper included), the password that was sent appears in
/// neither stream. `vaudit()` asserts that on every run of this file; this
/// test makes sure the runs are verbose enough to have leaked it.
#[tokio::test]
async fn password_never_in_output_even_at_trace() {
    for (extra, env) in [
        (&["-vv"][..], &[][..]),
        (&[][..], &[("RUST_LOG", "trace")][..]),
    ] {
        let server = MockServer::start().await;
        mount_connect_and_login(&server).await;
        mount_logout(&server, 1).await;
        let run = vaudit(about_args(&server, extra), env).await;
        run.assert_exit(0)
            .assert_stderr_has("SOAP request")
            .assert_stderr_has("body withheld")
            .assert_stderr_has("<Logout xmlns=")
            .assert_stderr_lacks("52b4c3e1-quoted");
        let login = server
            .received_requests()
            .await
            .unwrap()
            .into_iter()
            .find(|r| soap_method_of(r) == "Login")
            .expect("a Login request");
        let body = String::from_utf8_lossy(&login.body);
        assert!(
            body.contains(&format!("<password>{PASSWORD}</password>")),
            "the password was sent, so it could have leaked: {body}"
        );
        server.verify().await;
    }
}

#[tokio::test]
async fn password_never_in_output_on_invalid_login_at_trace() {
    let server = MockServer::start().await;
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .mount(&server)
        .await;
    soap("Login")
        .respond_with(fault("fault-invalid-login.xml"))
        .expect(1)
        .mount(&server)
        .await;
    let run = vaudit(about_args(&server, &["-vv"]), &[]).await;
    run.assert_exit(2).assert_stderr_has("login failed");
}

/// stderr piped to a file or CI log must not carry terminal colour codes.
#[tokio::test]
async fn verbose_log_has_no_ansi_escapes_when_piped() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    mount_logout(&server, 1).await;
    let run = vaudit(about_args(&server, &["-v"]), &[]).await;
    run.assert_exit(0)
        .assert_stderr_has("SOAP answer")
        .assert_stderr_lacks("\u{1b}[");
}

/// A QueryEvents answer, as vCenter writes one, holding `n` events.
fn events_answer(n: usize) -> String {
    let mut s = String::from(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><QueryEventsResponse xmlns="urn:vim25">"#,
    );
    for k in 0..n {
        s.push_str(&format!(
            r#"<returnval xsi:type="VmDeployedEvent"><key>{k}</key><chainId>{k}</chainId><createdTime>2026-01-01T00:00:00Z</createdTime><userName>u</userName><vm><name>v</name><vm type="VirtualMachine">vm-{k}</vm></vm></returnval>"#
        ));
    }
    s.push_str("</QueryEventsResponse></soapenv:Body></soapenv:Envelope>");
    s
}

/// Library: a server that ignores QueryEvents' maxCount (1000) is not read
/// past it: one sentence naming the bound (issue 27: bounds that hold).
#[tokio::test]
async fn events_past_max_count_are_refused() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    soap("QueryEvents")
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(events_answer(1001), "text/xml; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let client = logged_in(&server).await;
    let err = client
        .query_vm_events(&["VmDeployedEvent"])
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooLarge {
                what: "events",
                limit: 1000,
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("more than 1000 events in answer to QueryEvents"),
        "{err}"
    );
}

/// Library: exactly maxCount events is an answer like any other.
#[tokio::test]
async fn events_up_to_max_count_are_read() {
    let server = MockServer::start().await;
    mount_connect_and_login(&server).await;
    soap("QueryEvents")
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(events_answer(1000), "text/xml; charset=utf-8"),
        )
        .mount(&server)
        .await;
    let client = logged_in(&server).await;
    let events = client.query_vm_events(&["VmDeployedEvent"]).await.unwrap();
    assert_eq!(events.len(), 1000);
}
