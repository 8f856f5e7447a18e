//! vCenter's single sign-on: the STS that issues SAML tokens (WS-Trust 1.3
//! `Issue`, at `/sts/STSService/<domain>` on the `--url` host) and the SSO
//! admin service (`/sso-adminserver/sdk/<domain>`), which answer who is in
//! which group. vSphere decides a user's permissions through its groups
//! (vSphere Security, "Multiple Permission Settings"), and neither vim25
//! nor the REST API says which groups a user is in.
//!
//! Sources, in order of authority:
//! - the token the STS issues for a user carries its group identities
//!   (`http://rsa.com/schemas/attr-names/2009/01/GroupIdentity`, values
//!   `DOMAIN\name`, nested groups resolved): asked with the user's own
//!   credentials, for the logged-in user;
//! - `FindAllParentGroups` of the SSO admin service (principal discovery),
//!   called with the logged-in administrator's token: for `--user`.
//!
//! The token is asked over the same verified TLS connection as the SOAP
//! session and read only for its claims; it is not kept, logged or saved.

mod admin;
mod sts;

pub use admin::DaysRemaining;
pub use sts::Token;

/// The SSO domain of a principal (`user@domain` or `DOMAIN\user`), the
/// default `vsphere.local` when it names none.
pub fn domain_of(principal: &str) -> String {
    let p = principal.trim();
    if let Some((d, _)) = p.split_once('\\') {
        return d.to_lowercase();
    }
    match p.rsplit_once('@') {
        Some((_, d)) => d.to_lowercase(),
        None => "vsphere.local".into(),
    }
}

/// `(name, domain)` of a principal.
pub fn split(principal: &str) -> (String, String) {
    let p = principal.trim();
    if let Some((d, n)) = p.split_once('\\') {
        return (n.to_string(), d.to_string());
    }
    match p.rsplit_once('@') {
        Some((n, d)) => (n.to_string(), d.to_string()),
        None => (p.to_string(), "vsphere.local".into()),
    }
}

/// A group as vSphere permissions name it, canonical: `name@domain`,
/// lower case (a token writes `DOMAIN\name`).
pub fn canonical_group(g: &str) -> String {
    crate::inventory::placement::canonical_principal(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principals_split_both_ways() {
        assert_eq!(domain_of(r"VSPHERE.LOCAL\Arc"), "vsphere.local");
        assert_eq!(domain_of("arc@corp.example"), "corp.example");
        assert_eq!(domain_of("arc"), "vsphere.local");
        assert_eq!(
            split(r"vsphere.local\arc"),
            ("arc".into(), "vsphere.local".into())
        );
        assert_eq!(
            canonical_group(r"vsphere.local\Arc-Admins"),
            "arc-admins@vsphere.local"
        );
    }
}
