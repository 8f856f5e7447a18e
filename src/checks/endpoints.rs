//! `.local` host names: the appliance VM's Azure Linux does not resolve them
//! (".local not supported" in the troubleshooting guide).

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;
use crate::config::Section;
use crate::vsphere::host_of;

pub const CHECK: &str = "endpoints";

/// One finding per setting whose host name ends in `.local`.
pub fn check(endpoints: &[(String, String)]) -> Vec<Finding> {
    endpoints
        .iter()
        .filter_map(|(setting, value)| {
            let host = host_of(value).trim_end_matches('.').to_ascii_lowercase();
            (host == "local" || host.ends_with(".local")).then(|| {
                Finding::new(
                    "endpoints",
                    Severity::Error,
                    "local-domain-endpoint",
                    None,
                    format!("{setting} uses the host name {host}, and the appliance VM cannot resolve .local names"),
                    format!("use the IP address or a DNS name outside .local for {setting}"),
                )
            })
        })
        .collect()
}

/// The registry's entry: every host name the config or the flags give.
/// The proxy's lives in applianceClusterConfig: when that was not read,
/// what was given is still judged, and the check is not verified.
pub fn run(f: &Facts<'_>) -> Outcome {
    let mut eps: Vec<(String, String)> = Vec::new();
    if let Some(u) = f.vcenter_address {
        eps.push(("the vCenter address".into(), u.to_string()));
    }
    eps.extend(f.config.proxies.iter().cloned());
    for d in &f.config.dns_servers {
        eps.push(("a DNS server".into(), d.clone()));
    }
    let unread = f.config.unread_of(&[Section::Infra, Section::Appliance]);
    Outcome::partly(check(&eps), unread.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_local_hosts_in_urls_and_names() {
        let e = |k: &str, v: &str| (k.to_string(), v.to_string());
        let f = check(&[
            e("vCenter address", "vcenter.lab.local"),
            e("proxy.http", "http://user@proxy.corp.LOCAL.:3128/"),
            e("datastore URL", "ds:///vmfs/volumes/abc/"),
            e("vCenter address", "https://vc.example.com/sdk"),
            e("dns server", "10.0.0.2"),
            e("x", "localhost"),
        ]);
        assert_eq!(f.len(), 2);
        assert!(f[0].message.contains("vcenter.lab.local"));
        assert!(f[1].message.contains("proxy.corp.local"));
        assert!(
            f.iter()
                .all(|f| f.code == "local-domain-endpoint" && f.severity == Severity::Error)
        );
    }
}
