//! Asking one DNS server directly, as the appliance will: UDP first, TCP
//! when UDP gets no answer or a truncated one. Never the system resolver:
//! the question is what the config's servers answer, not this machine's.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_proto::op::{Message, Query, ResponseCode};
use hickory_proto::rr::{Name, RData, RecordType};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// What one server said about one name.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Resolved(Vec<IpAddr>),
    /// The server answered, without an address: NXDOMAIN, no A record,
    /// SERVFAIL, REFUSED…
    NotFound(String),
    /// No answer over UDP nor TCP: why, for each.
    NoAnswer(String),
}

/// Resolves `name` (A records) at `server`, port 53, UDP then TCP.
pub async fn resolve(server: IpAddr, name: &str, each: Duration) -> Answer {
    let addr = SocketAddr::new(server, 53);
    let query = match query_bytes(name) {
        Ok(q) => q,
        Err(e) => return Answer::NotFound(format!("{name:?} is not a valid DNS name ({e})")),
    };
    let udp = match tokio::time::timeout(each, udp(addr, &query.1)).await {
        Ok(Ok(reply)) => match decode(&reply, query.0) {
            Ok(m) if !m.metadata.truncation => return interpret(&m),
            Ok(_) => "truncated".to_string(),
            Err(e) => e,
        },
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer in {} ms", each.as_millis()),
    };
    let tcp = match tokio::time::timeout(each, tcp(addr, &query.1)).await {
        Ok(Ok(reply)) => match decode(&reply, query.0) {
            Ok(m) => return interpret(&m),
            Err(e) => e,
        },
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no answer in {} ms", each.as_millis()),
    };
    Answer::NoAnswer(format!("UDP: {udp}; TCP: {tcp}"))
}

fn query_bytes(name: &str) -> Result<(u16, Vec<u8>), String> {
    let fqdn = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    let name = Name::from_ascii(&fqdn).map_err(|e| e.to_string())?;
    let mut m = Message::query();
    m.metadata.recursion_desired = true;
    m.add_query(Query::query(name, RecordType::A));
    let bytes = m.to_vec().map_err(|e| e.to_string())?;
    Ok((m.metadata.id, bytes))
}

async fn udp(addr: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let local: SocketAddr = if addr.is_ipv4() {
        "0.0.0.0:0".parse().unwrap()
    } else {
        "[::]:0".parse().unwrap()
    };
    let sock = UdpSocket::bind(local).await?;
    sock.connect(addr).await?;
    sock.send(query).await?;
    let mut buf = vec![0u8; 4096];
    // A stray datagram with another id is skipped by `decode`'s caller
    // through the timeout; one read is what a resolver does too.
    let n = sock.recv(&mut buf).await?;
    buf.truncate(n);
    Ok(buf)
}

async fn tcp(addr: SocketAddr, query: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut s = TcpStream::connect(addr).await?;
    let mut framed = Vec::with_capacity(query.len() + 2);
    framed.extend_from_slice(&(query.len() as u16).to_be_bytes());
    framed.extend_from_slice(query);
    s.write_all(&framed).await?;
    let len = s.read_u16().await? as usize;
    let mut buf = vec![0u8; len];
    s.read_exact(&mut buf).await?;
    Ok(buf)
}

fn decode(reply: &[u8], id: u16) -> Result<Message, String> {
    let m = Message::from_vec(reply).map_err(|e| format!("an answer that is not DNS ({e})"))?;
    if m.metadata.id != id {
        return Err("an answer to another question".into());
    }
    Ok(m)
}

fn interpret(m: &Message) -> Answer {
    match m.metadata.response_code {
        ResponseCode::NoError => {}
        ResponseCode::NXDomain => return Answer::NotFound("NXDOMAIN: no such name".into()),
        other => return Answer::NotFound(format!("answered {other}")),
    }
    let ips: Vec<IpAddr> = m
        .answers
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(IpAddr::V4(a.0)),
            RData::AAAA(a) => Some(IpAddr::V6(a.0)),
            _ => None,
        })
        .collect();
    if ips.is_empty() {
        Answer::NotFound("no address record".into())
    } else {
        Answer::Resolved(ips)
    }
}
