//! vCenter's single sign-on: the STS that issues SAML tokens (WS-Trust 1.3
//! `Issue`, at `/sts/STSService/<system domain>` on the `--url` host) and
//! the SSO admin service (`/sso-adminserver/sdk/<system domain>`), which
//! answer who is in which group. Both are found through the Lookup Service
//! (`lookup`): the path carries the SSO system domain, which is not the
//! domain of an Active Directory or LDAP user. vSphere decides a user's permissions through its groups
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
//! session and read only for its claims; it is kept in memory for the run
//! (one token serves the group membership and the credential-expiry
//! checks), never logged or saved.

mod admin;
mod lookup;
mod sts;

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::error::Error;
use super::session::Client;

pub use admin::DaysRemaining;
pub use lookup::Endpoints;
pub use sts::Token;

/// What one run learns of SSO once: the endpoints, and the token of the one
/// account it runs as. Callers that ask at once wait for the same answer
/// rather than asking twice.
#[derive(Default)]
pub(crate) struct Cache {
    endpoints: OnceCell<Result<Endpoints, Arc<Error>>>,
    /// The account the token was asked for, and the answer.
    token: OnceCell<(String, Result<Token, Arc<Error>>)>,
}

impl Client {
    /// Where the `--url` host's STS and SSO admin service answer (see
    /// `lookup`), asked once per run.
    pub async fn sso_endpoints(&self) -> Result<Endpoints, Arc<Error>> {
        self.sso
            .endpoints
            .get_or_init(|| async {
                let found = self.discover_sso().await;
                match &found {
                    Ok(e) => tracing::debug!(
                        "SSO endpoints from {}: STS {}, SSO admin {}",
                        e.source,
                        e.sts,
                        e.admin.as_deref().unwrap_or_else(|why| why)
                    ),
                    Err(e) => tracing::debug!("no SSO endpoint: {e}"),
                }
                found.map_err(Arc::new)
            })
            .await
            .clone()
    }

    /// A token for `user` from the STS of the `--url` host, asked with the
    /// user's own password: once per run for the account the run logs in
    /// as (the first asked), every time for another.
    pub async fn sso_token(&self, user: &str, password: &str) -> Result<Token, Arc<Error>> {
        let (account, token) = self
            .sso
            .token
            .get_or_init(|| async { (user.to_string(), self.issue_token(user, password).await) })
            .await;
        if account == user {
            return token.clone();
        }
        self.issue_token(user, password).await
    }
}

/// The SSO domain of a principal (`user@domain` or `DOMAIN\user`), the
/// default `vsphere.local` when it names none.
pub fn domain_of(principal: &str) -> String {
    split(principal).1.to_lowercase()
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
