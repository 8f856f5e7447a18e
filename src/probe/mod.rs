//! The network probes of the `dns`, `proxy`, `egress` and `ip-conflict`
//! checks, run from this machine before the registry (which stays pure) and
//! handed to it as `NetworkFacts`. They go only to addresses the config
//! names and to the endpoint list; all run at once, each step bounded, so
//! the group adds at most about 5 s where nothing answers. The
//! `upload-path` probe (`upload`) goes to the ESXi hosts the inventory
//! names, so it runs after the session, with the same bounds.

pub mod dns;
pub mod egress;
pub mod endpoints;
pub mod proxy;
pub mod tcp;
pub mod upload;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::ArcConfig;
use crate::vsphere::host_of;
pub use egress::Egress;
pub use endpoints::Endpoint;
pub use proxy::{ProxyTarget, TlsCheck, Tunnel};
pub use tcp::TcpOutcome;

/// One step's bound (a DNS transport, a connect, a CONNECT, a handshake):
/// the longest chain, proxy then CONNECT then TLS, stays under 5 s.
pub const STEP: Duration = Duration::from_millis(1500);

/// A probe from this machine a check can read (`checks::Check::probes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Each DNS server of the config, for the names the appliance resolves.
    Dns,
    /// Each proxy of the config: CONNECT and its TLS.
    Proxy,
    /// The required endpoints, through the proxy when there is one.
    Egress,
    /// A TCP probe of the control-plane and node addresses.
    IpConflict,
    /// The ESXi hosts the image is uploaded to (after the inventory).
    Upload,
    /// The bridge's API server on the control-plane endpoint (diagnose).
    ControlPlane,
}

/// A set of probes: the union over the checks asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Probes(u8);

impl Probes {
    pub const NONE: Probes = Probes(0);

    pub fn of(probes: &[Probe]) -> Probes {
        probes.iter().fold(Probes::NONE, |acc, p| acc.with(*p))
    }

    pub fn with(self, p: Probe) -> Probes {
        Probes(self.0 | 1 << p as u8)
    }

    pub fn has(self, p: Probe) -> bool {
        self.0 & (1 << p as u8) != 0
    }

    /// Whether any probe of the config's network runs (the control-plane
    /// probe is diagnose's own, after the session).
    pub fn any_network(self) -> bool {
        [
            Probe::Dns,
            Probe::Proxy,
            Probe::Egress,
            Probe::IpConflict,
            Probe::Upload,
        ]
        .into_iter()
        .any(|p| self.has(p))
    }
}

/// What to probe, read from the config.
#[derive(Debug, Clone, Default)]
pub struct Subjects {
    pub dns_servers: Vec<String>,
    /// (what it is, name) for every name the appliance must resolve.
    pub names: Vec<(String, String)>,
    /// Every distinct, well-formed proxy of the config.
    pub proxies: Vec<ProxyTarget>,
    /// The proxy HTTPS traffic goes through (`proxy.https`, else `proxy.http`).
    pub via: Option<ProxyTarget>,
    pub proxy_ca: Option<PathBuf>,
    pub endpoints: Vec<Endpoint>,
    /// (config key, address) of the control plane and the node pool.
    pub addresses: Vec<(String, IpAddr)>,
    pub wanted: Probes,
}

pub fn is_local(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    h == "local" || h.ends_with(".local")
}

impl Subjects {
    pub fn new(
        cfg: &ArcConfig,
        vcenter_address: Option<&str>,
        endpoints: Vec<Endpoint>,
        wanted: Probes,
    ) -> Subjects {
        let mut names: Vec<(String, String)> = Vec::new();
        let mut add = |what: String, host: String| {
            if host.is_empty()
                || host.parse::<IpAddr>().is_ok()
                || is_local(&host)
                || host.starts_with("*.")
                || host.eq_ignore_ascii_case("localhost")
                || names.iter().any(|(_, n)| n.eq_ignore_ascii_case(&host))
            {
                return;
            }
            names.push((what, host));
        };
        // The appliance resolves the config's address, whatever vaudit was
        // pointed at (`--url` may name the vCenter another way, or a
        // tunnel): that name is asked, and the finding names both.
        let reached = vcenter_address.map(host_of);
        match cfg.address.as_deref().map(host_of) {
            Some(name) => {
                let key = crate::config::keys::ADDRESS;
                let what = match &reached {
                    Some(r) if !r.eq_ignore_ascii_case(name) => format!(
                        "the vCenter address ({key}), which the appliance resolves; vaudit reached the vCenter as {r}"
                    ),
                    _ => format!("the vCenter address ({key})"),
                };
                add(what, name.to_string());
            }
            None => {
                if let Some(r) = reached {
                    add("the vCenter address".into(), r.to_string());
                }
            }
        }
        for (k, v) in &cfg.proxies {
            add(format!("the proxy ({k})"), host_of(v).to_string());
        }
        for e in &endpoints {
            add("a required endpoint".into(), e.host.clone());
        }
        let mut proxies: Vec<ProxyTarget> = Vec::new();
        for (k, v) in &cfg.proxies {
            if let Some(p) = ProxyTarget::parse(k, v)
                && !proxies.iter().any(|q| q.url == p.url)
            {
                proxies.push(p);
            }
        }
        let via = ["proxy.https", "proxy.http"].iter().find_map(|k| {
            cfg.proxies
                .iter()
                .find(|(s, _)| s == k)
                .and_then(|(s, v)| ProxyTarget::parse(s, v))
        });
        let addresses = [
            (
                "applianceClusterConfig.controlPlaneEndpoint",
                &cfg.control_plane_endpoint,
            ),
            (
                "vsphereprovider.network.k8snodeippoolstart",
                &cfg.node_ip_pool_start,
            ),
            (
                "vsphereprovider.network.k8snodeippoolend",
                &cfg.node_ip_pool_end,
            ),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k.to_string(), v.as_deref()?.trim().parse().ok()?)))
        .collect();
        Subjects {
            dns_servers: cfg.dns_servers.clone(),
            names,
            proxies,
            via,
            proxy_ca: cfg.proxy_certificate.clone(),
            endpoints,
            addresses,
            wanted,
        }
    }
}

/// One configured DNS server's answers.
#[derive(Debug, Clone, PartialEq)]
pub enum DnsServer {
    /// Given as a name or garbage: it cannot be asked.
    NotAnAddress,
    /// (what, name, answer) for each name; with no names to ask, the root's
    /// NS records stand in, to learn whether the server answers at all.
    Asked(Vec<(String, String, dns::Answer)>),
}

/// The busy ports of one address of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressProbe {
    /// The config key that names it.
    pub key: String,
    pub ip: IpAddr,
    pub ports: Vec<(u16, TcpOutcome)>,
}

/// Everything the network probes saw, for the checks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkFacts {
    pub dns: Vec<(String, DnsServer)>,
    /// Each proxy of the config: whether it accepted a connection.
    pub proxies: Vec<(ProxyTarget, Result<(), Tunnel>)>,
    pub via: Option<ProxyTarget>,
    pub proxy_ca: Option<PathBuf>,
    pub egress: Vec<(Endpoint, Egress)>,
    pub addresses: Vec<AddressProbe>,
    /// Where the endpoint list came from, for messages.
    pub endpoints_from: String,
    /// The ESXi hosts the image would be uploaded to, as probed after the
    /// session; `None` when that probe was not run.
    pub upload: Option<Vec<upload::HostProbe>>,
}

/// Runs every wanted probe at once.
pub async fn run(plan: &Subjects, endpoints_from: String) -> NetworkFacts {
    let w = plan.wanted;
    let dns = async {
        if !w.has(Probe::Dns) {
            return vec![];
        }
        let mut set = tokio::task::JoinSet::new();
        for (i, s) in plan.dns_servers.iter().enumerate() {
            let server = s.clone();
            let names = plan.names.clone();
            set.spawn(async move {
                let Ok(ip) = server.trim().parse::<IpAddr>() else {
                    return (i, server, DnsServer::NotAnAddress);
                };
                let names = if names.is_empty() {
                    vec![("the root zone".to_string(), ".".to_string())]
                } else {
                    names
                };
                let mut q = tokio::task::JoinSet::new();
                for (j, (what, name)) in names.into_iter().enumerate() {
                    q.spawn(async move {
                        let a = dns::resolve(ip, &name, STEP).await;
                        (j, what, name, a)
                    });
                }
                let mut answers = q.join_all().await;
                answers.sort_by_key(|a| a.0);
                let answers = answers.into_iter().map(|(_, w, n, a)| (w, n, a)).collect();
                (i, server, DnsServer::Asked(answers))
            });
        }
        let mut out = set.join_all().await;
        out.sort_by_key(|o| o.0);
        out.into_iter().map(|(_, s, d)| (s, d)).collect()
    };
    let proxies = async {
        if !(w.has(Probe::Proxy) || w.has(Probe::Egress)) {
            return vec![];
        }
        let mut out = Vec::new();
        for p in &plan.proxies {
            out.push((p.clone(), proxy::reach(p, STEP).await));
        }
        out
    };
    let egress = async {
        if !(w.has(Probe::Proxy) || w.has(Probe::Egress)) {
            return vec![];
        }
        let mut set = tokio::task::JoinSet::new();
        for (i, e) in plan.endpoints.iter().enumerate() {
            let (e, via, ca) = (e.clone(), plan.via.clone(), plan.proxy_ca.clone());
            set.spawn(async move {
                let r = egress::probe(&e, via.as_ref(), ca.as_ref(), STEP).await;
                (i, e, r)
            });
        }
        let mut out = set.join_all().await;
        out.sort_by_key(|o| o.0);
        out.into_iter().map(|(_, e, r)| (e, r)).collect()
    };
    let addresses = async {
        if !w.has(Probe::IpConflict) {
            return vec![];
        }
        let mut out = Vec::new();
        let mut set = tokio::task::JoinSet::new();
        for (i, (k, ip)) in plan.addresses.iter().enumerate() {
            let (k, ip) = (k.clone(), *ip);
            set.spawn(async move { (i, k, ip, tcp::probe_address(ip, STEP).await) });
        }
        let mut got = set.join_all().await;
        got.sort_by_key(|g| g.0);
        for (_, key, ip, ports) in got {
            out.push(AddressProbe { key, ip, ports });
        }
        out
    };
    let (dns, proxies, egress, addresses) = tokio::join!(dns, proxies, egress, addresses);
    NetworkFacts {
        dns,
        proxies,
        via: plan.via.clone(),
        proxy_ca: plan.proxy_ca.clone(),
        egress,
        addresses,
        endpoints_from,
        upload: None,
    }
}
