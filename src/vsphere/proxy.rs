//! The HTTPS proxy vaudit's connection goes through, decided once from the
//! environment as curl and govc read it, so errors can say when it is the
//! proxy that failed rather than the vCenter.

use reqwest::Url;

/// A proxy in use for the vCenter URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// As given, for the HTTP client.
    pub url: String,
    /// `host:port`, as errors name it (never credentials).
    pub shown: String,
    /// Where it was named: the variable, or `--proxy`.
    pub var: &'static str,
}

/// Which proxy the vCenter session goes through, as the user chose it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` / `ALL_PROXY`, unless `NO_PROXY` covers the vCenter
    /// (as curl and govc read them).
    #[default]
    FromEnvironment,
    /// `--proxy none`: straight to the vCenter, whatever the environment.
    Direct,
    /// `--proxy URL`: this one, named by the user.
    Named(String),
}

/// Where a proxy named on the command line comes from, as messages say it.
pub const FLAG: &str = "--proxy";

impl ProxySetting {
    /// The proxy `target` is reached through, if any.
    pub fn resolve(&self, target: &Url) -> Option<Proxy> {
        match self {
            ProxySetting::FromEnvironment => from_env(target),
            ProxySetting::Direct => None,
            ProxySetting::Named(url) => choose(target, FLAG, url, ""),
        }
    }
}

impl Proxy {
    /// Whether only the environment named it, not the user: an unverified
    /// session must not go through a party the user never named.
    pub fn from_environment(&self) -> bool {
        self.var != FLAG
    }
}

const PROXY_VARS: &[&str] = &["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
const NO_PROXY_VARS: &[&str] = &["NO_PROXY", "no_proxy"];

fn env(names: &[&'static str]) -> Option<(&'static str, String)> {
    names.iter().find_map(|n| {
        std::env::var(n)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| (*n, v))
    })
}

/// The proxy the environment names for `target`, unless NO_PROXY exempts it.
pub fn from_env(target: &Url) -> Option<Proxy> {
    let (var, raw) = env(PROXY_VARS)?;
    let no_proxy = env(NO_PROXY_VARS).map(|(_, v)| v).unwrap_or_default();
    choose(target, var, &raw, &no_proxy)
}

fn choose(target: &Url, var: &'static str, raw: &str, no_proxy: &str) -> Option<Proxy> {
    let host = target
        .host_str()?
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    if exempt(&host, no_proxy) {
        return None;
    }
    let raw = raw.trim();
    let with_scheme = if raw.contains("://") {
        raw.to_string()
    } else {
        format!("http://{raw}")
    };
    let parsed = Url::parse(&with_scheme).ok();
    let shown = parsed
        .as_ref()
        .and_then(|u| {
            let h = u.host_str()?;
            Some(match u.port_or_known_default() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_else(|| "(unparsable proxy address)".into());
    Some(Proxy {
        url: with_scheme,
        shown,
        var,
    })
}

/// NO_PROXY as curl reads it: `*`, exact hosts, and domain suffixes with or
/// without a leading dot.
fn exempt(host: &str, no_proxy: &str) -> bool {
    no_proxy
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|e| {
            if e == "*" {
                return true;
            }
            let e = e.split(':').next().unwrap_or("").trim_start_matches('.');
            host == e || host.ends_with(&format!(".{e}"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn a_proxy_is_named_without_its_credentials() {
        let p = choose(
            &url("https://vc.corp/sdk"),
            "HTTPS_PROXY",
            "http://u:pw@proxy.corp:3128",
            "",
        )
        .unwrap();
        assert_eq!(p.shown, "proxy.corp:3128");
        assert_eq!(p.var, "HTTPS_PROXY");
        let p = choose(&url("https://vc.corp/sdk"), "ALL_PROXY", "proxy.corp", "").unwrap();
        assert_eq!(p.shown, "proxy.corp:80");
    }

    #[test]
    fn no_proxy_exempts_hosts_and_domains() {
        let vc = url("https://vc.corp.example/sdk");
        for np in [
            "*",
            "vc.corp.example",
            ".example",
            "corp.example",
            "other, vc.corp.example:443",
        ] {
            assert!(choose(&vc, "HTTPS_PROXY", "p:1", np).is_none(), "{np}");
        }
        for np in ["", "example.org", "c.corp.example"] {
            assert!(choose(&vc, "HTTPS_PROXY", "p:1", np).is_some(), "{np}");
        }
    }
}
