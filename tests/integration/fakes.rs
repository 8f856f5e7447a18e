//! Loopback stand-ins for the network the `dns`, `proxy`, `egress` and
//! `ip-conflict` checks probe: a DNS server answering a fixed table, a
//! CONNECT proxy that allows, refuses or intercepts TLS, TLS endpoints and
//! listeners holding an address. Everything binds 127.0.14.N (one N per
//! fake, handed out once per test binary) and stops when dropped.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::{RData, Record, rdata::A};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// A loopback address no other fake of this test binary uses.
pub fn next_ip() -> Ipv4Addr {
    static N: AtomicU8 = AtomicU8::new(10);
    let n = N.fetch_add(1, Ordering::Relaxed);
    assert!(n < 250, "out of 127.0.14.x addresses");
    Ipv4Addr::new(127, 0, 14, n)
}

/// Threads that poll a stop flag; joined when dropped.
pub struct Stopper {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Stopper {
    fn new() -> Stopper {
        Stopper {
            stop: Arc::new(AtomicBool::new(false)),
            threads: vec![],
        }
    }

    fn spawn(&mut self, f: impl FnOnce(Arc<AtomicBool>) + Send + 'static) {
        let stop = self.stop.clone();
        self.threads.push(std::thread::spawn(move || f(stop)));
    }
}

impl Drop for Stopper {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// Accepts on `l` until stopped, handing each connection to `serve` on its
/// own thread.
fn accept_loop(
    l: TcpListener,
    stop: Arc<AtomicBool>,
    serve: impl Fn(TcpStream) + Send + Sync + 'static,
) {
    l.set_nonblocking(true).unwrap();
    let serve = Arc::new(serve);
    while !stop.load(Ordering::Relaxed) {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let serve = serve.clone();
                std::thread::spawn(move || serve(s));
            }
            Err(_) => std::thread::sleep(Duration::from_millis(10)),
        }
    }
}

/// A DNS server on `ip`:53 (UDP and TCP) answering A records from `table`;
/// any other name is NXDOMAIN.
pub struct Dns {
    pub ip: Ipv4Addr,
    /// How many queries reached it (UDP and TCP).
    pub queries: Arc<std::sync::atomic::AtomicUsize>,
    _s: Stopper,
    /// Released after `_s` has closed the sockets (fields drop in order).
    #[cfg(windows)]
    _one_at_a_time: std::sync::MutexGuard<'static, ()>,
}

/// Wine binds a UDP socket asked for one loopback address to the whole
/// loopback interface (its way of giving Windows' broadcast semantics), so
/// a second fake on port 53 of another 127.x address finds the port taken:
/// under Windows the DNS fakes take turns.
#[cfg(windows)]
fn dns_turn() -> std::sync::MutexGuard<'static, ()> {
    static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());
    TURN.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn dns_answer(query: &[u8], table: &HashMap<String, Ipv4Addr>) -> Option<Vec<u8>> {
    let q = Message::from_vec(query).ok()?;
    let mut r = Message::response(q.metadata.id, q.metadata.op_code);
    r.metadata.message_type = MessageType::Response;
    r.metadata.recursion_desired = q.metadata.recursion_desired;
    r.metadata.recursion_available = true;
    for query in &q.queries {
        r.add_query(query.clone());
        let name = query
            .name()
            .to_ascii()
            .trim_end_matches('.')
            .to_ascii_lowercase();
        match table.get(&name) {
            Some(ip) => {
                r.add_answer(Record::from_rdata(
                    query.name().clone(),
                    60,
                    RData::A(A(*ip)),
                ));
            }
            None => r.metadata.response_code = ResponseCode::NXDomain,
        }
    }
    r.to_vec().ok()
}

impl Dns {
    pub fn start(table: &[(&str, Ipv4Addr)]) -> Dns {
        #[cfg(windows)]
        let turn = dns_turn();
        let ip = next_ip();
        let table: Arc<HashMap<String, Ipv4Addr>> =
            Arc::new(table.iter().map(|(n, a)| (n.to_string(), *a)).collect());
        let mut s = Stopper::new();
        let queries = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (uq, tq) = (queries.clone(), queries.clone());
        let udp = UdpSocket::bind((ip, 53)).expect("bind UDP 53 (run the tests as root)");
        udp.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let t = table.clone();
        s.spawn(move |stop| {
            let mut buf = [0u8; 4096];
            while !stop.load(Ordering::Relaxed) {
                if let Ok((n, from)) = udp.recv_from(&mut buf) {
                    uq.fetch_add(1, Ordering::Relaxed);
                    if let Some(a) = dns_answer(&buf[..n], &t) {
                        let _ = udp.send_to(&a, from);
                    }
                }
            }
        });
        let tcp = TcpListener::bind((ip, 53)).expect("bind TCP 53");
        s.spawn(move |stop| {
            accept_loop(tcp, stop, move |mut c| {
                tq.fetch_add(1, Ordering::Relaxed);
                let mut len = [0u8; 2];
                if c.read_exact(&mut len).is_err() {
                    return;
                }
                let mut q = vec![0u8; u16::from_be_bytes(len) as usize];
                if c.read_exact(&mut q).is_ok()
                    && let Some(a) = dns_answer(&q, &table)
                {
                    let _ = c.write_all(&(a.len() as u16).to_be_bytes());
                    let _ = c.write_all(&a);
                }
            })
        });
        Dns {
            ip,
            queries,
            _s: s,
            #[cfg(windows)]
            _one_at_a_time: turn,
        }
    }
}

/// A certificate authority and the leaf certificates it issues.
pub struct Ca {
    pub pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name.push(DnType::CommonName, name);
        let cert = p.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            issuer: Issuer::new(p, key),
        }
    }

    /// A rustls server config for `host` (a name or an IP literal).
    pub fn server_config(&self, host: &str) -> Arc<rustls::ServerConfig> {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec![host.to_string()]).unwrap();
        p.distinguished_name.push(DnType::CommonName, host);
        let cert = p.signed_by(&key, &self.issuer).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap();
        Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], der)
                .unwrap(),
        )
    }

    pub fn write(&self, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, &self.pem).unwrap();
        p
    }
}

/// Completes a TLS handshake on `c` and closes.
fn tls_accept(c: TcpStream, config: Arc<rustls::ServerConfig>) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, c);
    while tls.conn.is_handshaking() {
        if tls.conn.complete_io(&mut tls.sock).is_err() {
            return;
        }
    }
    let _ = tls.flush();
}

/// An HTTPS endpoint on `ip`:`port` whose certificate `ca` issued for `ip`.
pub struct TlsEndpoint {
    pub addr: SocketAddr,
    _s: Stopper,
}

impl TlsEndpoint {
    pub fn start(ca: &Ca, port: u16) -> TlsEndpoint {
        let ip = next_ip();
        let config = ca.server_config(&ip.to_string());
        let l = TcpListener::bind((ip, port)).unwrap();
        let addr = l.local_addr().unwrap();
        let mut s = Stopper::new();
        s.spawn(move |stop| accept_loop(l, stop, move |c| tls_accept(c, config.clone())));
        TlsEndpoint { addr, _s: s }
    }
}

/// How the fake proxy answers `CONNECT`.
#[derive(Clone)]
pub enum ProxyMode {
    /// Tunnels to the target.
    Allow,
    /// Answers this status and closes.
    Refuse(u16, &'static str),
    /// Answers 200 and then speaks TLS itself, with certificates its own CA
    /// issues for the requested host (an SSL-inspecting proxy).
    Intercept(Arc<Ca>),
}

pub struct Proxy {
    pub addr: SocketAddr,
    /// Every CONNECT target asked for, in order.
    pub asked: Arc<Mutex<Vec<String>>>,
    _s: Stopper,
}

impl Proxy {
    pub fn start(mode: ProxyMode) -> Proxy {
        let ip = next_ip();
        let l = TcpListener::bind((ip, 0)).unwrap();
        let addr = l.local_addr().unwrap();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        let mut s = Stopper::new();
        s.spawn(move |stop| {
            accept_loop(l, stop, move |c| proxy_serve(c, &mode, &log));
        });
        Proxy { addr, asked, _s: s }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

fn proxy_serve(mut c: TcpStream, mode: &ProxyMode, log: &Mutex<Vec<String>>) {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 || c.read(&mut b).unwrap_or(0) == 0 {
            return;
        }
        head.push(b[0]);
    }
    let text = String::from_utf8_lossy(&head).into_owned();
    let mut first = text.lines().next().unwrap_or_default().split(' ');
    let (method, target) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    if method != "CONNECT" {
        let _ = c.write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n");
        return;
    }
    log.lock().unwrap().push(target.to_string());
    match mode {
        ProxyMode::Refuse(code, reason) => {
            let _ = write!(c, "HTTP/1.1 {code} {reason}\r\nContent-Length: 0\r\n\r\n");
        }
        ProxyMode::Intercept(ca) => {
            let _ = c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            let host = target.rsplit_once(':').map_or(target, |(h, _)| h);
            tls_accept(c, ca.server_config(host.trim_matches(['[', ']'])));
        }
        ProxyMode::Allow => {
            // Only loopback targets: the fake never forwards elsewhere.
            let Ok(to) = target.parse::<SocketAddr>() else {
                let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                return;
            };
            assert!(to.ip().is_loopback(), "the fake proxy was asked for {to}");
            let Ok(up) = TcpStream::connect_timeout(&to, Duration::from_secs(2)) else {
                let _ = c.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                return;
            };
            let _ = c.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
            let (mut c2, mut up2) = (c.try_clone().unwrap(), up.try_clone().unwrap());
            let a = std::thread::spawn(move || {
                let _ = std::io::copy(&mut c2, &mut up2);
                let _ = up2.shutdown(std::net::Shutdown::Write);
            });
            let (mut up, mut c) = (up, c);
            let _ = std::io::copy(&mut up, &mut c);
            let _ = c.shutdown(std::net::Shutdown::Write);
            let _ = a.join();
        }
    }
}

/// A listener on `ip`:`port`: an address something already holds.
pub fn hold(ip: Ipv4Addr, port: u16) -> TcpListener {
    TcpListener::bind((IpAddr::V4(ip), port)).unwrap()
}

/// A hostile "vCenter" over TLS (its certificate from `ca`, for its IP):
/// to every request it sends the same raw bytes and closes, so a test can
/// answer what no well-behaved HTTP server would (a malformed header, a
/// fault message that tries to forge report lines).
pub struct Canned {
    pub addr: SocketAddr,
    _s: Stopper,
}

impl Canned {
    pub fn start(ca: &Ca, answer: Vec<u8>) -> Canned {
        let ip = next_ip();
        let config = ca.server_config(&ip.to_string());
        let l = TcpListener::bind((ip, 0)).unwrap();
        let addr = l.local_addr().unwrap();
        let answer = Arc::new(answer);
        let mut s = Stopper::new();
        s.spawn(move |stop| {
            accept_loop(l, stop, move |c| {
                canned_answer(c, config.clone(), &answer);
            })
        });
        Canned { addr, _s: s }
    }

    /// A complete HTTP response: `status`, an XML body, `Connection: close`.
    pub fn http(status: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 {status}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    /// `https://IP:PORT`, for `--url`.
    pub fn url(&self) -> String {
        format!("https://{}", self.addr)
    }
}

/// Reads one request (head and `Content-Length` body), writes `answer`.
fn canned_answer(c: TcpStream, config: Arc<rustls::ServerConfig>, answer: &[u8]) {
    let Ok(conn) = rustls::ServerConnection::new(config) else {
        return;
    };
    let mut tls = rustls::StreamOwned::new(conn, c);
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&got[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while got.len() < head_end + length {
        match tls.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let _ = tls.write_all(answer);
    let _ = tls.flush();
    tls.conn.send_close_notify();
    let _ = tls.conn.complete_io(&mut tls.sock);
}
