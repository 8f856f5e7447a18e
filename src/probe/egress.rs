//! Whether each required endpoint answers from this machine: through the
//! configured proxy (`CONNECT`, then TLS for HTTPS endpoints) or directly
//! (a TCP connect; an SNTP query for NTP).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::net::UdpSocket;

use super::endpoints::Endpoint;
use super::proxy::{self, ProxyTarget, TlsCheck, Tunnel};
use super::tcp::{self, TcpOutcome};

#[derive(Debug, Clone, PartialEq)]
pub enum Egress {
    /// It answered; through a proxy, what its certificate looked like.
    Reached { tls: Option<TlsCheck> },
    Blocked {
        /// The proxy's own refusal (HTTP status and reason), when it was
        /// the proxy that said no.
        proxy_refused: Option<(u16, String)>,
        detail: String,
    },
    /// Cannot be tested from here: why.
    NotTestable(String),
}

pub async fn probe(
    e: &Endpoint,
    via: Option<&ProxyTarget>,
    proxy_ca: Option<&PathBuf>,
    each: Duration,
) -> Egress {
    if e.is_wildcard() {
        return Egress::NotTestable(format!(
            "{} is a wildcard: no single name stands for every host it allows",
            e.host
        ));
    }
    match (via, e.is_udp()) {
        (Some(_), true) => Egress::NotTestable(format!(
            "{} is UDP ({}), which an HTTP proxy does not carry: the appliance reaches it directly",
            e.host_port(),
            e.protocol
        )),
        (None, true) => sntp(e, each).await,
        (None, false) => direct(e, each).await,
        (Some(p), false) => through(p, e, proxy_ca, each).await,
    }
}

async fn resolve(e: &Endpoint, each: Duration) -> Result<SocketAddr, String> {
    match tokio::time::timeout(each, tokio::net::lookup_host((e.host.as_str(), e.port))).await {
        Ok(Ok(mut a)) => a.next().ok_or_else(|| format!("{} has no address", e.host)),
        Ok(Err(err)) => Err(format!("{} does not resolve here: {err}", e.host)),
        Err(_) => Err(format!("{} did not resolve in time", e.host)),
    }
}

async fn direct(e: &Endpoint, each: Duration) -> Egress {
    let addr = match resolve(e, each).await {
        Ok(a) => a,
        Err(detail) => {
            return Egress::Blocked {
                proxy_refused: None,
                detail,
            };
        }
    };
    match tcp::connect(addr, each).await {
        (TcpOutcome::Connected, _) => Egress::Reached { tls: None },
        (o, _) => Egress::Blocked {
            proxy_refused: None,
            detail: format!("{} {}", e.host_port(), o.describe()),
        },
    }
}

async fn through(p: &ProxyTarget, e: &Endpoint, ca: Option<&PathBuf>, each: Duration) -> Egress {
    let s = match proxy::connect(p, &e.host_port(), each).await {
        Ok(s) => s,
        Err(Tunnel::Refused(code, reason)) => {
            return Egress::Blocked {
                detail: format!(
                    "the proxy answered CONNECT {} with HTTP {code} {reason}",
                    e.host_port()
                ),
                proxy_refused: Some((code, reason)),
            };
        }
        Err(Tunnel::NoProxy(o)) => {
            return Egress::Blocked {
                proxy_refused: None,
                detail: format!("the proxy {} {}", p.url, o.describe()),
            };
        }
        Err(Tunnel::Broken(d)) => {
            return Egress::Blocked {
                proxy_refused: None,
                detail: d,
            };
        }
    };
    if !e.is_https() {
        return Egress::Reached { tls: None };
    }
    let (tls, _) = proxy::handshake(s, &e.host, ca, each).await;
    Egress::Reached { tls: Some(tls) }
}

/// One SNTP client request (RFC 4330): a reply in server mode proves the
/// endpoint answers on UDP.
async fn sntp(e: &Endpoint, each: Duration) -> Egress {
    let blocked = |detail: String| Egress::Blocked {
        proxy_refused: None,
        detail,
    };
    let addr = match resolve(e, each).await {
        Ok(a) => a,
        Err(d) => return blocked(d),
    };
    let ask = async {
        let local: SocketAddr = if addr.is_ipv4() {
            "0.0.0.0:0".parse().unwrap()
        } else {
            "[::]:0".parse().unwrap()
        };
        let sock = UdpSocket::bind(local).await?;
        sock.connect(addr).await?;
        let mut req = [0u8; 48];
        req[0] = 0x1b; // LI 0, version 3, mode 3 (client)
        sock.send(&req).await?;
        let mut buf = [0u8; 512];
        let n = sock.recv(&mut buf).await?;
        Ok::<bool, std::io::Error>(n >= 48 && buf[0] & 0x07 == 4)
    };
    match tokio::time::timeout(each, ask).await {
        Ok(Ok(true)) => Egress::Reached { tls: None },
        Ok(Ok(false)) => blocked(format!("{} answered, but not with SNTP", e.host_port())),
        Ok(Err(err)) => blocked(format!("{} (UDP): {err}", e.host_port())),
        Err(_) => blocked(format!(
            "{} gave no SNTP answer within {} ms",
            e.host_port(),
            each.as_millis()
        )),
    }
}
