//! The vSphere layer's one error type. Each variant's message is a sentence an
//! administrator can act on; `remedy` adds the fix where there is one.

use super::cert::{TlsFailure, TlsReason};
use super::fault::{Fault, FaultKind};
use super::proxy::Proxy;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{url:?} is not a usable vCenter URL: {reason}")]
    BadUrl { url: String, reason: String },

    #[error("cannot read the CA file {path}: {reason}")]
    CaFile { path: String, reason: String },

    #[error("{0}")]
    Tls(String),

    #[error("cannot resolve the host name {host}")]
    Dns { host: String },

    #[error("{endpoint} refused the connection")]
    Refused { endpoint: String },

    #[error("{}", tls_sentence(.endpoint, .failure, .via.as_ref(), *.interception))]
    Untrusted {
        endpoint: String,
        failure: Box<TlsFailure>,
        /// The proxy the connection went through, if any.
        via: Option<Proxy>,
        /// The certificate came from someone other than the vCenter: its
        /// issuer is not the vCenter's CA and a proxy was in the path.
        interception: bool,
    },

    #[error(
        "--insecure would send the password, unverified, through the proxy {} that {} names: the proxy (an intercepting one reads it) is a party you did not name",
        .proxy.shown,
        .proxy.var
    )]
    InsecureThroughProxy { proxy: Proxy },

    #[error("{}", proxy_sentence(.proxy, .endpoint, .failure))]
    Proxy {
        proxy: Proxy,
        endpoint: String,
        failure: ProxyFailure,
    },

    #[error("{endpoint} did not answer {step} within {secs} s")]
    Timeout {
        endpoint: String,
        step: String,
        secs: u64,
    },

    #[error("the connection to {endpoint} failed during {step}: {detail}")]
    Connect {
        endpoint: String,
        step: String,
        detail: String,
    },

    #[error("{}", fault_sentence(.step, .fault))]
    Fault { step: String, fault: Fault },

    #[error("{endpoint} answered {step} with {what}, not a vSphere SOAP response")]
    NotSoap {
        endpoint: String,
        step: String,
        /// The HTTP status, which decides whether a retry may help.
        status: u16,
        what: String,
    },

    /// What answered broke HTTP itself (a bad status line or header): not
    /// the vCenter's web server, or something in front of it.
    #[error("{endpoint} answered {step} with something that is not valid HTTP ({detail})")]
    NotHttp {
        endpoint: String,
        step: String,
        detail: String,
    },

    #[error(
        "{endpoint} sent an unreadable answer to {step}: the connection broke mid-answer ({cause})"
    )]
    CutOff {
        endpoint: String,
        step: String,
        cause: String,
    },

    #[error(
        "{endpoint} sent {object} again on page {page} of the inventory: its result cursor loops, so vaudit stopped reading"
    )]
    CursorLoop {
        endpoint: String,
        object: String,
        page: usize,
    },

    #[error("{endpoint} sent more than {limit} {what} {during}, the bound vaudit reads")]
    TooLarge {
        endpoint: String,
        what: &'static str,
        limit: usize,
        /// Where: "in one inventory collection", "in the permission list
        /// (POST …)".
        during: String,
    },

    #[error("{endpoint} sent an unreadable answer to {step}: {detail}")]
    Decode {
        endpoint: String,
        step: String,
        detail: String,
    },

    /// A vAPI REST call the server refused for want of a privilege (HTTP
    /// 403), as opposed to one it could not answer.
    #[error("{endpoint} refused {step} (HTTP {status}): the user may not make this call")]
    RestDenied {
        endpoint: String,
        step: String,
        status: u16,
    },

    /// The SSO service (STS or SSO admin) did not give what was asked.
    #[error("the vCenter's SSO service ({path}) refused {step}: {detail}")]
    Sso {
        path: String,
        step: String,
        detail: String,
    },

    /// A value holds a character XML 1.0 cannot carry: refused before
    /// anything is sent, since any substitute would change what the server
    /// reads (the character itself is not named: it may be a password's).
    #[error(
        "{step} was not sent: its {field} holds a character XML 1.0 cannot carry (a control character other than tab, line feed and carriage return, or U+FFFE or U+FFFF)"
    )]
    Unsendable { step: String, field: String },
}

/// How the proxy in the path failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxyFailure {
    Refused,
    Unresolvable,
    /// HTTP 407 to the CONNECT.
    AuthRequired,
    /// Any other answer than 200 to the CONNECT.
    TunnelRefused,
    Other(String),
}

fn proxy_sentence(p: &Proxy, endpoint: &str, f: &ProxyFailure) -> String {
    let what = match f {
        ProxyFailure::Refused => "refused the connection".to_string(),
        ProxyFailure::Unresolvable => "cannot be resolved".to_string(),
        ProxyFailure::AuthRequired => format!(
            "asked for proxy authentication (HTTP 407) before opening a tunnel to {endpoint}"
        ),
        ProxyFailure::TunnelRefused => format!("refused to open a tunnel to {endpoint}"),
        ProxyFailure::Other(d) => format!("failed while connecting to {endpoint}: {d}"),
    };
    format!(
        "the proxy {} (from {}) {what}; the vCenter itself was not reached",
        p.shown, p.var
    )
}

fn tls_sentence(endpoint: &str, f: &TlsFailure, via: Option<&Proxy>, interception: bool) -> String {
    let mut s = tls_sentence_direct(endpoint, f);
    if let Some(p) = via {
        s.push_str(&format!(
            "; the connection went through the proxy {} (from {})",
            p.shown, p.var
        ));
        if interception {
            let issuer = f.cert.as_ref().map(|c| c.issuer.as_str()).unwrap_or("");
            s.push_str(&format!(
                ", and the certificate's issuer ({issuer}) is not the vCenter's CA: the proxy is intercepting TLS (SSL inspection), so this is the proxy's certificate, not the vCenter's"
            ));
        }
    }
    s
}

fn tls_sentence_direct(endpoint: &str, f: &TlsFailure) -> String {
    let what = match &f.reason {
        TlsReason::UnknownIssuer => "is not signed by a trusted authority".to_string(),
        TlsReason::NameMismatch => "is not valid for this host name".to_string(),
        TlsReason::Expired => "has expired".to_string(),
        TlsReason::NotYetValid => "is not valid yet".to_string(),
        TlsReason::Other(r) => format!("was rejected ({r})"),
    };
    let mut s = format!("the TLS certificate of {endpoint} {what}");
    if let Some(c) = &f.cert {
        s.push_str(&format!(
            " (subject: {}; issuer: {}; SHA-256: {}; expires: {})",
            c.subject, c.issuer, c.sha256, c.not_after
        ));
    }
    s
}

fn fault_sentence(step: &str, f: &Fault) -> String {
    match &f.kind {
        FaultKind::InvalidLogin => {
            "login failed: the vCenter rejected the user name or password".to_string()
        }
        FaultKind::NotAuthenticated { .. } => {
            format!("the vCenter session is not authenticated ({step})")
        }
        _ => format!("the vCenter answered {step} with the fault {f}"),
    }
}

impl Error {
    /// The fix to print under the error, where one is known.
    pub fn remedy(&self) -> Option<String> {
        Some(match self {
            Error::BadUrl { .. } => {
                "give --url as a host name, an IP or https://host[:port][/sdk]".into()
            }
            Error::CaFile { .. } => {
                "point --ca-file (or VAUDIT_CA_FILE) at a readable PEM file of the vCenter's root CA"
                    .into()
            }
            Error::Dns { .. } => {
                "check the spelling of --url and that this machine's DNS resolves it; an IP address also works".into()
            }
            Error::Refused { .. } => {
                "check the port in --url (vCenter listens on 443) and that the vCenter service is running".into()
            }
            Error::Untrusted { via: Some(p), interception: true, .. } => format!(
                "exempt the vCenter from SSL inspection on the proxy, or add it to NO_PROXY so vaudit connects directly (unset {} otherwise); --insecure would send the password to the proxy",
                p.var
            ),
            Error::Proxy { proxy, failure, .. } => match failure {
                ProxyFailure::AuthRequired => format!(
                    "put the proxy's credentials in {} (http://user:password@{}), or add the vCenter to NO_PROXY",
                    proxy.var, proxy.shown
                ),
                _ => format!(
                    "check {} ({}), or add the vCenter to NO_PROXY to connect directly",
                    proxy.var, proxy.shown
                ),
            },
            Error::Untrusted { failure, .. } => match failure.reason {
                TlsReason::NameMismatch => {
                    "use the host name the certificate was issued for in --url".into()
                }
                TlsReason::Expired | TlsReason::NotYetValid => {
                    "renew the vCenter certificate or fix this machine's clock".into()
                }
                _ => "download the vCenter's root CA (https://<vcenter>/certs/download.zip) and pass it with --ca-file; --insecure skips the check but is not safe".into(),
            },
            Error::Timeout { .. } => {
                "check the network path to the vCenter, or raise --timeout".into()
            }
            Error::Fault { fault, .. } => match &fault.kind {
                FaultKind::InvalidLogin => {
                    "check --username and the password (VAUDIT_PASSWORD, the keyring entry from `vaudit login`, or the prompt)".into()
                }
                FaultKind::NoPermission { privilege_id, .. } => format!(
                    "grant the user a role with {} on that object",
                    privilege_id.as_deref().unwrap_or("the named privilege")
                ),
                FaultKind::NotAuthenticated { .. } => "log in again; the session may have expired".into(),
                _ => return None,
            },
            Error::CursorLoop { .. } => {
                "the vCenter's PropertyCollector returned a result it had already sent; run again, and if it repeats, check the vCenter's health (vpxd)".into()
            }
            Error::InsecureThroughProxy { proxy } => format!(
                "name the proxy yourself with --proxy URL (or --proxy none to go straight to the vCenter), add the vCenter to NO_PROXY, or trust its certificate with --ca-file instead of --insecure (unset {} to stop using it)",
                proxy.var
            ),
            Error::TooLarge { .. } => {
                "if the vCenter really holds that much, raise the bound with --max-objects (pages scale with it)".into()
            }
            Error::NotSoap { .. } => {
                "check that --url points at the vCenter itself, not a proxy or a web page".into()
            }
            Error::NotHttp { .. } => {
                "check what answers at that address: a proxy, load balancer or TLS-inspecting device in front of the vCenter can mangle its answers; try --url with the vCenter's own address".into()
            }
            Error::Unsendable { field, .. } if field.to_ascii_lowercase().ends_with("password") => {
                "use a password without control characters: no vCenter can receive one over SOAP".into()
            }
            Error::Unsendable { field, .. } => {
                format!("remove the control character from the {field}")
            }
            _ => return None,
        })
    }

    pub fn is_not_authenticated(&self) -> bool {
        matches!(
            self,
            Error::Fault {
                fault: Fault {
                    kind: FaultKind::NotAuthenticated { .. },
                    ..
                },
                ..
            }
        )
    }

    /// The object named by the call no longer exists (deleted, or gone
    /// with the session that made it); `Some` with it when the server said
    /// which.
    pub fn managed_object_not_found(&self) -> Option<Option<&super::MoRef>> {
        match self {
            Error::Fault {
                fault:
                    Fault {
                        kind: FaultKind::ManagedObjectNotFound { obj },
                        ..
                    },
                ..
            } => Some(obj.as_ref()),
            _ => None,
        }
    }

    pub fn is_managed_object_not_found(&self) -> bool {
        self.managed_object_not_found().is_some()
    }

    /// A failure that another attempt may not meet: the connection dropped,
    /// a proxy or load balancer answered for a busy vCenter, or the answer
    /// was cut off. Refusals, DNS and timeouts are not retried: they repeat.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Connect { .. } => true,
            // A gateway in front of a busy or restarting vCenter.
            Error::NotSoap { status, .. } => matches!(status, 502..=504),
            Error::CutOff { .. } => true,
            _ => false,
        }
    }

    pub fn is_invalid_login(&self) -> bool {
        matches!(
            self,
            Error::Fault {
                fault: Fault {
                    kind: FaultKind::InvalidLogin,
                    ..
                },
                ..
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn not_soap(status: u16, what: &str) -> Error {
        Error::NotSoap {
            endpoint: "vc:443".into(),
            step: "RetrievePropertiesEx".into(),
            status,
            what: what.into(),
        }
    }

    #[test]
    fn retries_follow_the_status_not_the_wording() {
        assert!(not_soap(503, "an HTML page titled \"Maintenance\"").is_transient());
        assert!(!not_soap(500, "HTTP 502 Bad Gateway").is_transient());
        assert!(!not_soap(404, "HTTP 404 Not Found").is_transient());
        let cut = Error::CutOff {
            endpoint: "vc:443".into(),
            step: "RetrievePropertiesEx".into(),
            cause: "reset".into(),
        };
        assert!(cut.is_transient());
        let decode = Error::Decode {
            endpoint: "vc:443".into(),
            step: "RetrievePropertiesEx".into(),
            detail: "the connection broke mid-answer (a server said so)".into(),
        };
        assert!(!decode.is_transient());
    }
}
