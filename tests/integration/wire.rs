//! Helpers for wire-level tests: recorded vim25 answers from `mocks/soap/`,
//! wiremock matchers by SOAP method, a library-level client, and a guarded
//! run of the `vaudit` binary that checks the password never leaks.

#![allow(dead_code)]

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vaudit::vsphere::{Client, ConnectOptions};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

/// Distinctive, so a leak anywhere is found by a plain substring search.
pub const PASSWORD: &str = "Sekr3t-Wire-!x";
pub const USER: &str = "deployer@vsphere.local";

/// What a real vCenter sets on `Login`: a quoted value with attributes.
pub const SET_COOKIE: &str = r#"vmware_soap_session="52b4c3e1-quoted"; Path=/; HttpOnly; Secure;"#;
/// What every call after `Login` must carry, byte for byte.
pub const COOKIE: &str = r#"vmware_soap_session="52b4c3e1-quoted""#;

/// A longest run of the binary before the test gives up on it (a missing
/// timeout then fails the test instead of hanging it). Under Wine the
/// tests that stream 64 MiB bodies through the TLS front take several
/// times as long as on Linux (35 s alone for five of them, more beside
/// other tests), so Windows allows three minutes.
const GUARD: Duration = Duration::from_secs(if cfg!(windows) { 180 } else { 60 });

pub fn mock_file(name: &str) -> String {
    let p = format!("{}/mocks/soap/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {p}: {e}"))
}

/// A POST to /sdk whose Body calls `soap_method`.
pub fn soap(soap_method: &str) -> MockBuilder {
    Mock::given(method("POST"))
        .and(path("/sdk"))
        .and(body_string_contains(format!(
            "<{soap_method} xmlns=\"urn:vim25\">"
        )))
}

/// 200 with a recorded answer.
pub fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(mock_file(name), "text/xml; charset=utf-8")
}

/// 500 with a recorded SOAP fault, as vCenter sends every fault.
pub fn fault(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(500).set_body_raw(mock_file(name), "text/xml; charset=utf-8")
}

/// The recorded Login answer with the real vCenter's quoted session cookie.
pub fn login_ok() -> ResponseTemplate {
    ok("login.xml").insert_header("Set-Cookie", SET_COOKIE)
}

/// RetrieveServiceContent and Login answered normally, each exactly once.
pub async fn mount_connect_and_login(server: &MockServer) {
    mount_connect_with_logins(server, 1).await;
}

/// As `mount_connect_and_login`, expecting `logins` Login calls (a re-login
/// after an expired session makes two).
pub async fn mount_connect_with_logins(server: &MockServer, logins: u64) {
    soap("RetrieveServiceContent")
        .respond_with(ok("service-content.xml"))
        .expect(1)
        .named("RetrieveServiceContent")
        .mount(server)
        .await;
    soap("Login")
        .respond_with(login_ok())
        .expect(logins)
        .named("Login")
        .mount(server)
        .await;
}

/// Logout that only answers when the session cookie is echoed verbatim.
pub async fn mount_logout(server: &MockServer, times: u64) {
    soap("Logout")
        .and(wiremock::matchers::header("Cookie", COOKIE))
        .respond_with(ok("logout.xml"))
        .expect(times)
        .named("Logout with the session cookie")
        .mount(server)
        .await;
}

pub fn options(server: &MockServer, timeout: Duration) -> ConnectOptions {
    ConnectOptions {
        url: ConnectOptions::parse_url(&https_uri(server)).expect("the mock URL parses"),
        ca_file: Some(CA_FILE.into()),
        insecure: false,
        timeout,
        limits: Default::default(),
        proxy: Default::default(),
    }
}

/// The root CA of the test vCenter certificate (`tls/`), valid for
/// 127.0.0.1-3 and localhost until 2126.
pub const CA_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/tls/vcenter-ca.pem"
);
/// The root CA of an SSL-inspecting proxy, whose leaf names the same hosts.
pub const PROXY_CA_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/support/tls/proxy-ca.pem"
);

/// Which certificate a TLS front presents.
#[derive(Debug, Clone, Copy)]
pub enum Cert {
    VCenter,
    Proxy,
}

/// The mock's address behind a TLS front: vaudit speaks only https, and
/// wiremock only plain http.
pub fn https_uri(server: &MockServer) -> String {
    format!("https://{}", tls_front(*server.address(), Cert::VCenter))
}

/// A TLS listener on 127.0.0.1 that forwards each connection's plaintext to
/// `upstream`. Runs on its own thread and runtime, so sync and async tests
/// alike can use it; it lives as long as the test process.
pub fn tls_front(upstream: std::net::SocketAddr, cert: Cert) -> std::net::SocketAddr {
    tls_front_on("127.0.0.1:0", upstream, cert)
}

pub fn tls_front_on(
    bind: &str,
    upstream: std::net::SocketAddr,
    cert: Cert,
) -> std::net::SocketAddr {
    use std::sync::Arc;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let name = match cert {
        Cert::VCenter => "vcenter",
        Cert::Proxy => "proxy",
    };
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/tls");
    let mut chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(format!("{dir}/{name}-leaf.pem"))
            .unwrap()
            .map(Result::unwrap)
            .collect();
    chain.extend(
        CertificateDer::pem_file_iter(format!("{dir}/{name}-ca.pem"))
            .unwrap()
            .map(Result::unwrap),
    );
    let key = PrivateKeyDer::from_pem_file(format!("{dir}/{name}-leaf.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = std::net::TcpListener::bind(bind).expect("bind the TLS front");
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let Ok(mut up) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
                });
            }
        });
    });
    addr
}

/// Connects and logs in through the library.
pub async fn logged_in(server: &MockServer) -> Client {
    let mut client = Client::connect(&options(server, Duration::from_secs(10)))
        .await
        .expect("connect");
    client.login(USER, PASSWORD).await.expect("login");
    client
}

#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn assert_exit(&self, code: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(code),
            "vaudit {:?} exited {:?}, expected {code}\nstdout: {}\nstderr: {}",
            self.args,
            self.code,
            self.stdout,
            self.stderr
        );
        self
    }

    pub fn assert_stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr of vaudit {:?} lacks {needle:?}\nstderr: {}",
            self.args,
            self.stderr
        );
        self
    }

    pub fn assert_stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "stderr of vaudit {:?} has {needle:?}\nstderr: {}",
            self.args,
            self.stderr
        );
        self
    }

    /// The `error:` line a failure prints (exactly one).
    pub fn error_line(&self) -> &str {
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error: "))
            .collect();
        assert_eq!(
            lines.len(),
            1,
            "expected one error line from vaudit {:?}\nstderr: {}",
            self.args,
            self.stderr
        );
        lines[0]
    }

    /// The `  fix:` line printed under the error.
    pub fn fix_line(&self) -> &str {
        self.stderr
            .lines()
            .find(|l| l.trim_start().starts_with("fix: "))
            .unwrap_or_else(|| {
                panic!(
                    "no fix line from vaudit {:?}\nstderr: {}",
                    self.args, self.stderr
                )
            })
    }
}

/// `vaudit about --url <server> -u USER -o json [extra…]`.
pub fn about_args(server: &MockServer, extra: &[&str]) -> Vec<String> {
    let url = https_uri(server);
    let mut v: Vec<String> = [
        "about",
        "--url",
        &url,
        "-u",
        USER,
        "-o",
        "json",
        "--ca-file",
        CA_FILE,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.extend(extra.iter().map(|s| s.to_string()));
    v
}

/// Runs the binary with the password in VAUDIT_PASSWORD and nothing else of
/// the caller's vaudit/govc environment; asserts the password appears in
/// neither stream.
pub async fn vaudit(args: Vec<String>, env: &[(&str, &str)]) -> Run {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let run = tokio::task::spawn_blocking(move || run_blocking(args, env))
        .await
        .expect("the runner thread");
    assert!(
        !run.stdout.contains(PASSWORD),
        "the password leaked to stdout of vaudit {:?}:\n{}",
        run.args,
        run.stdout
    );
    assert!(
        !run.stderr.contains(PASSWORD),
        "the password leaked to stderr of vaudit {:?}:\n{}",
        run.args,
        run.stderr
    );
    run
}

fn run_blocking(args: Vec<String>, env: Vec<(String, String)>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaudit"));
    cmd.args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, _) in std::env::vars() {
        if k.starts_with("VAUDIT_") || k.starts_with("GOVC_") || k == "RUST_LOG" {
            cmd.env_remove(&k);
        }
    }
    cmd.env("VAUDIT_PASSWORD", PASSWORD);
    // The mocks sit behind a TLS front with the test CA (`https_uri`).
    cmd.env("VAUDIT_CA_FILE", CA_FILE);
    for (k, v) in &env {
        cmd.env(k, v);
    }
    crate::common::keep_on_loopback(&mut cmd);
    let mut child = crate::common::spawn(&mut cmd).expect("spawn vaudit");
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let t_out = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let t_err = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let deadline = Instant::now() + GUARD;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait for vaudit") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("vaudit {args:?} was still running after {GUARD:?}: a missing timeout?");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&t_out.join().expect("stdout reader")).into_owned();
    let stderr = String::from_utf8_lossy(&t_err.join().expect("stderr reader")).into_owned();
    Run {
        args,
        code: status.code(),
        stdout,
        stderr,
    }
}
