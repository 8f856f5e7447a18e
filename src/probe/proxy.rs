//! An HTTP proxy as the appliance uses it: `CONNECT host:port`, then TLS to
//! the endpoint inside the tunnel, verified against the system roots plus
//! the config's proxy certificate. An SSL-inspecting proxy shows up here as
//! a certificate issued by the proxy's own CA.

use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::tcp::{self, TcpOutcome};
use crate::vsphere::tls::{self, CertSummary, Recorder, TlsReason};

/// A proxy URL of the config, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyTarget {
    /// The config key it came from (`proxy.https`).
    pub setting: String,
    pub url: String,
    pub host: String,
    pub port: u16,
    /// `https://` proxy: TLS to the proxy itself first.
    pub tls: bool,
}

impl ProxyTarget {
    /// `None` when the URL has no scheme or host: the proxy check reports
    /// the malformed setting, and nothing is sent.
    pub fn parse(setting: &str, url: &str) -> Option<ProxyTarget> {
        let u = reqwest::Url::parse(url.trim()).ok()?;
        let tls = match u.scheme() {
            "http" => false,
            "https" => true,
            _ => return None,
        };
        let host = u.host_str()?.trim_matches(['[', ']']).to_string();
        Some(ProxyTarget {
            setting: setting.to_string(),
            url: url.trim().to_string(),
            port: u.port_or_known_default()?,
            host,
            tls,
        })
    }
}

/// How a `CONNECT` went.
#[derive(Debug, Clone, PartialEq)]
pub enum Tunnel {
    /// The proxy could not be reached.
    NoProxy(TcpOutcome),
    /// The proxy answered with this HTTP status (403, 407, 502…).
    Refused(u16, String),
    /// Something else went wrong talking to the proxy.
    Broken(String),
}

/// TLS to the endpoint through the tunnel.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsCheck {
    Verified,
    /// The chain did not verify: why, and the certificate presented.
    Untrusted {
        reason: String,
        cert: Option<CertSummary>,
    },
    /// The handshake failed for a reason other than trust.
    Failed(String),
}

pub type Stream = Pin<Box<dyn AsyncReadWrite>>;
pub trait AsyncReadWrite: AsyncRead + AsyncWrite + Send {}
impl<T: AsyncRead + AsyncWrite + Send> AsyncReadWrite for T {}

/// Opens a connection to the proxy (TLS for an `https://` proxy).
async fn to_proxy(p: &ProxyTarget, each: Duration) -> Result<Stream, Tunnel> {
    let addr = match tokio::time::timeout(each, tokio::net::lookup_host((p.host.as_str(), p.port)))
        .await
    {
        Ok(Ok(mut a)) => a.next(),
        Ok(Err(e)) => return Err(Tunnel::Broken(format!("{} does not resolve: {e}", p.host))),
        Err(_) => {
            return Err(Tunnel::Broken(format!(
                "{} did not resolve in time",
                p.host
            )));
        }
    };
    let Some(addr) = addr else {
        return Err(Tunnel::Broken(format!("{} has no address", p.host)));
    };
    let s = match tcp::connect(addr, each).await {
        (_, Some(s)) => s,
        (o, None) => return Err(Tunnel::NoProxy(o)),
    };
    if !p.tls {
        return Ok(Box::pin(s));
    }
    match handshake(Box::pin(s), &p.host, None, each).await {
        (_, Some(t)) => Ok(t),
        (TlsCheck::Untrusted { reason, .. }, None) => Err(Tunnel::Broken(format!(
            "the proxy's own certificate does not verify: {reason}"
        ))),
        (TlsCheck::Failed(e), None) => Err(Tunnel::Broken(format!("TLS to the proxy failed: {e}"))),
        (TlsCheck::Verified, None) => Err(Tunnel::Broken("TLS to the proxy failed".into())),
    }
}

/// Whether the proxy accepts a connection (and TLS, for `https://`).
pub async fn reach(p: &ProxyTarget, each: Duration) -> Result<(), Tunnel> {
    to_proxy(p, each).await.map(|_| ())
}

/// `CONNECT host:port` through the proxy: the tunnel, or why not.
pub async fn connect(p: &ProxyTarget, target: &str, each: Duration) -> Result<Stream, Tunnel> {
    let mut s = to_proxy(p, each).await?;
    let req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n");
    let status = tokio::time::timeout(each, async {
        s.write_all(req.as_bytes()).await?;
        read_head(&mut s).await
    })
    .await;
    match status {
        Err(_) => Err(Tunnel::Broken(format!(
            "no answer to CONNECT within {} ms",
            each.as_millis()
        ))),
        Ok(Err(e)) => Err(Tunnel::Broken(format!(
            "the proxy closed the connection: {e}"
        ))),
        Ok(Ok((code, reason))) if (200..300).contains(&code) => {
            let _ = reason;
            Ok(s)
        }
        Ok(Ok((code, reason))) => Err(Tunnel::Refused(code, reason)),
    }
}

/// Reads the proxy's response head (at most 8 KiB) and returns its status.
async fn read_head(s: &mut Stream) -> std::io::Result<(u16, String)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 8192 {
            return Err(std::io::Error::other("a response head over 8 KiB"));
        }
        if s.read(&mut byte).await? == 0 {
            return Err(std::io::Error::other("end of stream before the response"));
        }
        head.push(byte[0]);
    }
    let line = String::from_utf8_lossy(&head);
    let first = line.lines().next().unwrap_or_default();
    let mut parts = first.splitn(3, ' ');
    let (proto, code) = (parts.next().unwrap_or_default(), parts.next());
    let code = code
        .filter(|_| proto.starts_with("HTTP/"))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other("an answer that is not HTTP"))?;
    let reason: String = parts
        .next()
        .unwrap_or_default()
        .chars()
        .filter(|c| !c.is_control())
        .take(80)
        .collect();
    Ok((code, reason))
}

/// TLS to `host` over `s`, verified against the system roots plus `ca`.
pub async fn handshake(
    s: Stream,
    host: &str,
    ca: Option<&PathBuf>,
    each: Duration,
) -> (TlsCheck, Option<Stream>) {
    let recorder = Arc::new(Recorder::default());
    let config = match tls::client_config(ca.map(|p| p.as_path()), false, recorder.clone()) {
        Ok(c) => c,
        Err(e) => return (TlsCheck::Failed(e.to_string()), None),
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return (
            TlsCheck::Failed(format!("{host:?} is not a TLS server name")),
            None,
        );
    };
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    match tokio::time::timeout(each, connector.connect(name, s)).await {
        Err(_) => (
            TlsCheck::Failed(format!("no TLS handshake within {} ms", each.as_millis())),
            None,
        ),
        Ok(Ok(t)) => (TlsCheck::Verified, Some(Box::pin(t))),
        Ok(Err(e)) => match recorder.take() {
            Some(f) => (
                TlsCheck::Untrusted {
                    reason: match f.reason {
                        TlsReason::UnknownIssuer => "its issuer is not trusted".into(),
                        TlsReason::NameMismatch => format!("it is not valid for {host}"),
                        TlsReason::Expired => "it has expired".into(),
                        TlsReason::NotYetValid => "it is not valid yet".into(),
                        TlsReason::Other(o) => o,
                    },
                    cert: f.cert,
                },
                None,
            ),
            None => (TlsCheck::Failed(e.to_string()), None),
        },
    }
}
