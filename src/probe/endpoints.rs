//! The endpoints the appliance must reach, as data: the embedded list (the
//! Arc network requirements' allowlist, `data/arc-endpoints.tsv`) or the
//! user's own file (`--endpoints FILE`), since the list changes over time
//! and a site may mirror or add endpoints.

use std::path::Path;

const EMBEDDED: &str = include_str!("../../data/arc-endpoints.tsv");

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    /// `tcp/https`, `tcp`, `udp/ntp`: the part before the slash decides how
    /// it is probed.
    pub protocol: String,
    /// What the appliance uses it for (the list's "what for" column).
    pub purpose: String,
}

impl Endpoint {
    pub fn is_udp(&self) -> bool {
        self.protocol.starts_with("udp")
    }

    pub fn is_https(&self) -> bool {
        self.protocol == "tcp/https"
    }

    /// `*.data.mcr.microsoft.com`: a pattern, not a name that resolves.
    pub fn is_wildcard(&self) -> bool {
        self.host.starts_with("*.")
    }

    pub fn host_port(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointsError {
    #[error("cannot read the endpoint list {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path} line {line}: {reason}")]
    Malformed {
        path: String,
        line: usize,
        reason: String,
    },
}

impl EndpointsError {
    pub fn remedy(&self) -> String {
        "give --endpoints a tab-separated file with the columns host, port, protocol (tcp/https, tcp or udp/ntp) and optionally what for, like data/arc-endpoints.tsv".into()
    }
}

/// The list shipped in the binary.
pub fn embedded() -> Vec<Endpoint> {
    parse("data/arc-endpoints.tsv", EMBEDDED).expect("the embedded endpoint list parses")
}

/// A user's list, bounded like every file vaudit reads.
pub fn load(path: &Path) -> Result<Vec<Endpoint>, EndpointsError> {
    let shown = path.display().to_string();
    let text = crate::files::read_text(path, crate::files::MAX_CONFIG).map_err(|e| {
        EndpointsError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        }
    })?;
    parse(&shown, &text)
}

/// Tab-separated `host port protocol [needed by] [what for]`; `#` comments,
/// blank lines and a `host` header line are ignored.
pub fn parse(path: &str, text: &str) -> Result<Vec<Endpoint>, EndpointsError> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let bad = |reason: String| EndpointsError::Malformed {
            path: path.to_string(),
            line: i + 1,
            reason,
        };
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') || line.starts_with("host\t") {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').map(str::trim).collect();
        if cols.len() < 3 {
            return Err(bad(
                "fewer than three tab-separated columns (host, port, protocol)".into(),
            ));
        }
        let host = cols[0];
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(bad("the host is empty or holds a space".into()));
        }
        let port: u16 = cols[1].parse().ok().filter(|p| *p != 0).ok_or_else(|| {
            bad(format!(
                "the port {:?} is not a number from 1 to 65535",
                cols[1]
            ))
        })?;
        let protocol = cols[2].to_ascii_lowercase();
        if !(protocol.starts_with("tcp") || protocol.starts_with("udp")) {
            return Err(bad(format!(
                "the protocol {:?} is neither tcp… nor udp…",
                cols[2]
            )));
        }
        out.push(Endpoint {
            host: host.trim_end_matches('.').to_ascii_lowercase(),
            port,
            protocol,
            purpose: cols.get(4).copied().unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_list_holds_the_documented_endpoints() {
        let e = embedded();
        assert_eq!(e.len(), 8);
        assert!(
            e.iter()
                .any(|e| e.host == "mcr.microsoft.com" && e.is_https())
        );
        assert!(
            e.iter()
                .any(|e| e.host == "time.windows.com" && e.is_udp() && e.port == 123)
        );
        assert_eq!(e.iter().filter(|e| e.is_wildcard()).count(), 2);
    }

    #[test]
    fn a_bad_line_is_named() {
        let e = parse("f.tsv", "a.example\t443\ttcp/https\nb.example\tx\ttcp\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "f.tsv line 2: the port \"x\" is not a number from 1 to 65535"
        );
        assert!(parse("f.tsv", "a b\n").is_err());
        assert!(parse("f.tsv", "a\t1\tsctp\n").is_err());
    }
}
