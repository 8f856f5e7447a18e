//! Facts about the vCenter itself: its clock and how far its certificate
//! was trusted (its version is the support-matrix check's).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::facts::Facts;
use super::finding::{Finding, Severity};
use super::outcome::Outcome;

pub const CLOCK: &str = "clock";

/// `clock-skew`: TLS and tokens break when the clocks disagree.
pub fn clock(server_time: &str, local: OffsetDateTime) -> Vec<Finding> {
    let Ok(server) = OffsetDateTime::parse(server_time.trim(), &Rfc3339) else {
        return vec![Finding::new(
            "clock",
            Severity::Warning,
            "clock-skew",
            None,
            format!(
                "the vCenter's time {server_time:?} could not be read, so the clocks were not compared"
            ),
            "check the vCenter's time settings".into(),
        )];
    };
    let skew = (local - server).whole_seconds().abs();
    let severity = if skew > 30 * 60 {
        Severity::Error
    } else if skew > 5 * 60 {
        Severity::Warning
    } else {
        return vec![];
    };
    vec![Finding::new(
        "clock",
        severity,
        "clock-skew",
        None,
        format!(
            "this machine's clock and the vCenter's differ by {} min {} s",
            skew / 60,
            skew % 60
        ),
        "synchronise both with the same NTP servers".into(),
    )]
}

/// The registry's entry for the clock: only a live session's reading of
/// the vCenter's time compares with this machine's clock now.
pub fn run_clock(f: &Facts<'_>) -> Outcome {
    match f.snapshot().and_then(|s| s.server_time.as_deref()) {
        Some(t) => Outcome::Verified(clock(t, f.now)),
        None => Outcome::not_verified("the vCenter's time was not read (CurrentTime)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skew_thresholds() {
        let now = OffsetDateTime::parse("2026-11-23T12:00:00Z", &Rfc3339).unwrap();
        assert!(clock("2026-11-23T12:04:00Z", now).is_empty());
        assert_eq!(
            clock("2026-11-23T12:10:00Z", now)[0].severity,
            Severity::Warning
        );
        assert_eq!(
            clock("2026-11-23T11:00:00.123Z", now)[0].severity,
            Severity::Error
        );
    }
}

pub use super::facts::InsecureSource;

/// `tls-not-verified`: every verdict rests on a server whose identity was not
/// checked. A warning when the user asked for it on the command line, an
/// error when only an environment variable did, so a variable left behind in
/// CI cannot make the gate pass silently.
pub fn tls_verification(insecure: Option<InsecureSource>) -> Vec<Finding> {
    let (severity, who) = match insecure {
        None => return vec![],
        Some(InsecureSource::Flag) => (Severity::Warning, "the --insecure flag".to_string()),
        Some(InsecureSource::Env(name)) => (
            Severity::Error,
            format!("the environment variable {name} (no flag on the command line)"),
        ),
    };
    vec![Finding::new(
        "connection",
        severity,
        "tls-not-verified",
        None,
        format!(
            "certificate verification was turned off by {who}: the connection and every verdict rest on a server whose identity was not checked"
        ),
        match insecure {
            Some(InsecureSource::Env(name)) => format!(
                "unset {name} and pass the vCenter's root CA with --ca-file (or VAUDIT_CA_FILE); pass --insecure explicitly only if an unverified server is acceptable"
            ),
            _ => "pass the vCenter's root CA with --ca-file (https://<vcenter>/certs/download.zip) instead of --insecure".into(),
        },
    )]
}

#[cfg(test)]
mod tls_verification_tests {
    use super::*;

    #[test]
    fn verified_tls_has_no_finding() {
        assert!(tls_verification(None).is_empty());
    }

    #[test]
    fn the_flag_is_a_warning() {
        let f = tls_verification(Some(InsecureSource::Flag));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, "tls-not-verified");
        assert_eq!(f[0].severity, Severity::Warning);
    }

    #[test]
    fn a_variable_alone_is_an_error_naming_it() {
        let f = tls_verification(Some(InsecureSource::Env("GOVC_INSECURE")));
        assert_eq!(f[0].severity, Severity::Error);
        assert!(f[0].message.contains("GOVC_INSECURE"), "{}", f[0].message);
        assert!(
            f[0].remedy.contains("unset GOVC_INSECURE"),
            "{}",
            f[0].remedy
        );
    }
}

/// `tls-expiring`: the certificate verified today but expires within 30
/// days; the appliance would lose the vCenter then.
pub fn certificate(
    cert: Option<&crate::vsphere::tls::CertSummary>,
    now: OffsetDateTime,
) -> Vec<Finding> {
    let Some((cert, not_after)) = cert.and_then(|c| c.not_after_unix.map(|t| (c, t))) else {
        return vec![];
    };
    let days = (not_after - now.unix_timestamp()) / 86_400;
    if days >= 30 {
        return vec![];
    }
    vec![Finding::new(
        "connection",
        Severity::Warning,
        "tls-expiring",
        None,
        format!(
            "the vCenter certificate ({}) expires in {days} days, on {}",
            cert.subject, cert.not_after
        ),
        "renew the vCenter certificate (Certificate Management in the vSphere Client) before deploying".into(),
    )]
}

#[cfg(test)]
mod certificate_tests {
    use super::*;
    use crate::vsphere::tls::CertSummary;

    #[test]
    fn warns_within_30_days() {
        let now = OffsetDateTime::parse("2026-11-23T12:00:00Z", &Rfc3339).unwrap();
        let mut c = CertSummary {
            subject: "CN=vc".into(),
            issuer: "CN=ca".into(),
            sha256: String::new(),
            not_after: "Dec 1 2026".into(),
            not_after_unix: Some(now.unix_timestamp() + 8 * 86_400),
        };
        let f = certificate(Some(&c), now);
        assert_eq!(f[0].code, "tls-expiring");
        assert!(
            f[0].message.contains("expires in 8 days"),
            "{}",
            f[0].message
        );
        c.not_after_unix = Some(now.unix_timestamp() + 400 * 86_400);
        assert!(certificate(Some(&c), now).is_empty());
        assert!(certificate(None, now).is_empty());
    }
}
