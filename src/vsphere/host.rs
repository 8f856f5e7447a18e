//! The host an address names. It lives here, the lowest layer that every
//! reader of addresses (the connection, the probes, the checks) can import,
//! so that all of them agree on IPv6 literals and `user@host`.

use std::net::IpAddr;

/// The host of a URL (`https://user@host:port/path`), of `host:port`, of
/// `[v6]:port` or of a bare host or IP address (IPv6 included), without
/// brackets, user or port: what a name lookup or an address comparison
/// needs. Text that names no host gives what is left of it, maybe empty.
pub fn host_of(s: &str) -> &str {
    let s = s.trim();
    let s = s.split_once("://").map_or(s, |(_, rest)| rest);
    let s = s.split(['/', '?', '#']).next().unwrap_or(s);
    let s = s.rsplit_once('@').map_or(s, |(_, host)| host);
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']').map_or(rest, |(v6, _)| v6);
    }
    if s.parse::<IpAddr>().is_ok() {
        return s;
    }
    match s.split_once(':') {
        // One colon: a port (or an empty one). More would be a broken IPv6
        // literal, kept whole rather than cut at a guess.
        Some((host, port)) if !port.contains(':') => host,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn bracketed_ipv6_with_a_port() {
        assert_eq!(host_of("[::1]:443"), "::1");
    }

    #[test]
    fn bracketed_ipv6_in_a_url() {
        assert_eq!(host_of("https://[fd00::5]:6443/sdk"), "fd00::5");
    }

    #[test]
    fn bare_ipv6() {
        assert_eq!(host_of("fd00::5"), "fd00::5");
    }

    #[test]
    fn user_at_host() {
        assert_eq!(host_of("root@vc.example.com"), "vc.example.com");
    }

    #[test]
    fn user_at_host_in_a_url() {
        assert_eq!(
            host_of("http://user:p%40ss@proxy.example.com:3128"),
            "proxy.example.com"
        );
    }

    #[test]
    fn host_and_port() {
        assert_eq!(host_of("vc.example.com:443"), "vc.example.com");
    }

    #[test]
    fn ipv4_and_port() {
        assert_eq!(host_of("127.0.0.31:6443"), "127.0.0.31");
    }

    #[test]
    fn url_with_port_and_path() {
        assert_eq!(host_of("https://10.0.0.60:6443/healthz?x=1"), "10.0.0.60");
    }

    #[test]
    fn bare_host() {
        assert_eq!(host_of(" vc.example.com "), "vc.example.com");
    }
}
