//! A short TCP connect, and what its outcome says about an address: the
//! decision rule of the ip-conflict check, kept pure so it is tested on
//! outcomes a loopback network cannot produce (silence from a free address).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;

/// The ports a machine or a Kubernetes node typically has open: SSH, HTTP,
/// HTTPS, the Kubernetes API server and the kubelet.
pub const BUSY_PORTS: &[u16] = &[22, 80, 443, 6443, 10250];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TcpOutcome {
    /// SYN-ACK: something listens there.
    Connected,
    /// RST from the target: a host is there, with that port closed.
    Refused,
    /// Nothing within the timeout.
    TimedOut,
    /// ICMP host or network unreachable (or no ARP answer on the subnet).
    Unreachable,
    Other(String),
}

impl TcpOutcome {
    pub fn describe(&self) -> String {
        match self {
            TcpOutcome::Connected => "accepted the connection".into(),
            TcpOutcome::Refused => "refused the connection (a reset from that address)".into(),
            TcpOutcome::TimedOut => "did not answer in time".into(),
            TcpOutcome::Unreachable => "is unreachable (no host answered)".into(),
            TcpOutcome::Other(e) => e.clone(),
        }
    }
}

pub async fn connect(addr: SocketAddr, timeout: Duration) -> (TcpOutcome, Option<TcpStream>) {
    match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => (TcpOutcome::TimedOut, None),
        Ok(Ok(s)) => (TcpOutcome::Connected, Some(s)),
        Ok(Err(e)) => (classify(&e), None),
    }
}

pub fn classify(e: &std::io::Error) -> TcpOutcome {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => TcpOutcome::Refused,
        K::TimedOut => TcpOutcome::TimedOut,
        K::HostUnreachable | K::NetworkUnreachable | K::AddrNotAvailable => TcpOutcome::Unreachable,
        _ => TcpOutcome::Other(e.to_string()),
    }
}

/// Probes `ip` on every busy port at once.
pub async fn probe_address(ip: IpAddr, timeout: Duration) -> Vec<(u16, TcpOutcome)> {
    let mut set = tokio::task::JoinSet::new();
    for &port in BUSY_PORTS {
        set.spawn(async move { (port, connect(SocketAddr::new(ip, port), timeout).await.0) });
    }
    let mut out: Vec<(u16, TcpOutcome)> = set.join_all().await;
    out.sort_by_key(|(p, _)| *p);
    out
}

/// What the probe says about an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressVerdict {
    /// This port's outcome proves a machine holds the address.
    Taken(u16, TcpOutcome),
    /// Silence or host-unreachable on every port.
    Free,
    /// A local failure on some port, so silence elsewhere proves nothing.
    Unknown(String),
}

/// The decision rule: a SYN-ACK or a RST *from the target address* means a
/// machine holds it; silence or host-unreachable on every port means it is
/// free; anything else (a local error) leaves it undecided.
pub fn decide(outcomes: &[(u16, TcpOutcome)]) -> AddressVerdict {
    let find = |want: &TcpOutcome| outcomes.iter().find(|(_, o)| o == want);
    if let Some((p, o)) = find(&TcpOutcome::Connected).or_else(|| find(&TcpOutcome::Refused)) {
        return AddressVerdict::Taken(*p, o.clone());
    }
    if let Some((p, TcpOutcome::Other(e))) = outcomes
        .iter()
        .find(|(_, o)| matches!(o, TcpOutcome::Other(_)))
    {
        return AddressVerdict::Unknown(format!("port {p}: {e}"));
    }
    if outcomes.is_empty() {
        return AddressVerdict::Unknown("no port was probed".into());
    }
    AddressVerdict::Free
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_and_unreachable_mean_free() {
        let o = [
            (22, TcpOutcome::TimedOut),
            (443, TcpOutcome::Unreachable),
            (6443, TcpOutcome::TimedOut),
        ];
        assert_eq!(decide(&o), AddressVerdict::Free);
    }

    #[test]
    fn a_reset_means_taken() {
        let o = [(22, TcpOutcome::TimedOut), (443, TcpOutcome::Refused)];
        assert_eq!(decide(&o), AddressVerdict::Taken(443, TcpOutcome::Refused));
    }

    #[test]
    fn a_listener_is_the_stronger_proof() {
        let o = [(22, TcpOutcome::Refused), (6443, TcpOutcome::Connected)];
        assert_eq!(
            decide(&o),
            AddressVerdict::Taken(6443, TcpOutcome::Connected)
        );
    }

    #[test]
    fn a_local_error_leaves_it_undecided() {
        let o = [
            (22, TcpOutcome::TimedOut),
            (443, TcpOutcome::Other("too many open files".into())),
        ];
        assert_eq!(
            decide(&o),
            AddressVerdict::Unknown("port 443: too many open files".into())
        );
        assert!(matches!(decide(&[]), AddressVerdict::Unknown(_)));
    }
}
