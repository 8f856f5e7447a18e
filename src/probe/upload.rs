//! The `upload-path` probe. The appliance image is not uploaded through the
//! vCenter: `az arcappliance deploy` sends it from this machine straight to
//! an ESXi host that mounts the target datastore (an NFC upload to
//! `https://<HostSystem.name>/nfc/…/disk-0.vmdk`), so that name must resolve
//! here, with this machine's own resolver, and port 443 must answer.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use super::tcp::{TcpOutcome, connect};

/// The port of the NFC upload.
pub const PORT: u16 = 443;

/// At most this many of a name's addresses are tried, one after another.
const MAX_ADDRESSES: usize = 4;

/// What this machine can do with one host name.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// A `.local` name: multicast DNS, which no DNS server answers; it is
    /// not looked up.
    Local,
    /// The resolver gave no address: its error.
    Unresolvable(String),
    /// The connect to port 443 of each address tried, in order; a
    /// `Connected` ends the list.
    Resolved(Vec<(IpAddr, TcpOutcome)>),
}

impl Reach {
    pub fn answered(&self) -> bool {
        matches!(self, Reach::Resolved(a) if a.iter().any(|(_, o)| *o == TcpOutcome::Connected))
    }
}

/// One ESXi host's name and what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostProbe {
    pub name: String,
    pub reach: Reach,
}

/// Resolves `name` (an IP literal is its own address, with no query) and
/// connects to 443, each step bounded by `step`.
pub async fn probe(name: &str, step: Duration) -> Reach {
    if super::is_local(name) {
        return Reach::Local;
    }
    let addrs: Vec<IpAddr> = match name.trim_matches(['[', ']']).parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => match tokio::time::timeout(step, tokio::net::lookup_host((name, PORT))).await {
            Err(_) => {
                return Reach::Unresolvable(format!(
                    "the resolver did not answer within {} ms",
                    step.as_millis()
                ));
            }
            Ok(Err(e)) => return Reach::Unresolvable(e.to_string()),
            Ok(Ok(a)) => {
                let mut v: Vec<IpAddr> = Vec::new();
                for s in a {
                    if !v.contains(&s.ip()) {
                        v.push(s.ip());
                    }
                }
                v
            }
        },
    };
    if addrs.is_empty() {
        return Reach::Unresolvable("the resolver returned no address".into());
    }
    let mut tried = Vec::new();
    for ip in addrs.into_iter().take(MAX_ADDRESSES) {
        let (o, _stream) = connect(SocketAddr::new(ip, PORT), step).await;
        let done = o == TcpOutcome::Connected;
        tried.push((ip, o));
        if done {
            break;
        }
    }
    Reach::Resolved(tried)
}

/// Probes every name at once, in the order given; a name given twice is
/// probed once.
pub async fn run(names: &[String], step: Duration) -> Vec<HostProbe> {
    let mut distinct: Vec<String> = Vec::new();
    for n in names {
        if !distinct.contains(n) {
            distinct.push(n.clone());
        }
    }
    let mut set = tokio::task::JoinSet::new();
    for (i, name) in distinct.into_iter().enumerate() {
        set.spawn(async move {
            let reach = probe(&name, step).await;
            (i, HostProbe { name, reach })
        });
    }
    let mut out = set.join_all().await;
    out.sort_by_key(|o| o.0);
    out.into_iter().map(|(_, p)| p).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: Duration = Duration::from_millis(1500);

    #[tokio::test]
    async fn a_local_name_is_not_looked_up() {
        // No resolver is involved: the answer comes before any query.
        assert_eq!(probe("esx.lab.local", STEP).await, Reach::Local);
        assert_eq!(probe("ESX1.LOCAL.", STEP).await, Reach::Local);
    }

    #[tokio::test]
    async fn an_ip_literal_with_a_listener_answers() {
        let l = tokio::net::TcpListener::bind("127.0.15.1:443")
            .await
            .unwrap();
        let r = probe("127.0.15.1", STEP).await;
        drop(l);
        assert!(r.answered(), "{r:?}");
    }

    #[tokio::test]
    async fn an_ip_literal_with_nothing_on_443_is_refused() {
        let r = probe("127.0.15.2", STEP).await;
        assert_eq!(
            r,
            Reach::Resolved(vec![("127.0.15.2".parse().unwrap(), TcpOutcome::Refused)])
        );
        assert!(!r.answered());
    }
}
