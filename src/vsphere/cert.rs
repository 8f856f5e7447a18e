//! What a server certificate says about itself, and why a chain was
//! rejected: shared by the TLS verifier, which records them, and the error
//! type, which explains them, so neither depends on the other.

use ring::digest::{SHA256, digest};
use serde::Serialize;

/// What a certificate says about itself, for error messages and reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CertSummary {
    pub subject: String,
    pub issuer: String,
    pub sha256: String,
    pub not_after: String,
    /// `not_after` as Unix seconds, for expiry arithmetic.
    #[serde(skip)]
    pub not_after_unix: Option<i64>,
}

impl CertSummary {
    pub fn from_der(der: &[u8]) -> CertSummary {
        let sha256 = digest(&SHA256, der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect::<Vec<_>>()
            .join(":");
        match x509_parser::parse_x509_certificate(der) {
            Ok((_, cert)) => CertSummary {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                sha256,
                not_after: cert.validity().not_after.to_string(),
                not_after_unix: Some(cert.validity().not_after.timestamp()),
            },
            Err(_) => CertSummary {
                subject: "(unparsable certificate)".into(),
                issuer: "(unparsable certificate)".into(),
                sha256,
                not_after: String::new(),
                not_after_unix: None,
            },
        }
    }
}

/// Why the chain was rejected, in the terms an administrator acts on.
#[derive(Debug, Clone, PartialEq)]
pub enum TlsReason {
    UnknownIssuer,
    NameMismatch,
    Expired,
    NotYetValid,
    Other(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TlsFailure {
    pub reason: TlsReason,
    pub cert: Option<CertSummary>,
}
