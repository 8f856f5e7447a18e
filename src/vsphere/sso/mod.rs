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
//! Each service is a client of its own (`Lookup`, `Sts`, `SsoAdmin`), as
//! in govmomi, made from a borrowed vim25 `Client`: they ask over the same
//! verified TLS connection as the SOAP session and keep nothing. The token
//! is read only for its claims and kept in memory for the run by the
//! caller's `Cache` (one token serves the group membership and the
//! credential-expiry checks), never logged or saved.

mod admin;
mod lookup;
mod sts;

use std::sync::Arc;

use tokio::sync::OnceCell;

use super::error::Error;
use super::session::Client;

pub use admin::{DaysRemaining, SsoAdmin};
pub use lookup::{Endpoints, Lookup};
pub use sts::{Sts, Token};

/// What one run learns of SSO once: the endpoints, and the token of the one
/// account it runs as. Owned by whoever runs the audit (the SSO clients
/// borrow the vim25 client and keep nothing), so one run asks one token
/// however many checks read it. Callers that ask at once wait for the same
/// answer rather than asking twice.
#[derive(Default)]
pub struct Cache {
    endpoints: OnceCell<Result<Endpoints, Arc<Error>>>,
    /// The account the token was asked for, and the answer.
    token: OnceCell<(String, Result<Token, Arc<Error>>)>,
}

impl Cache {
    /// Where the `--url` host's STS and SSO admin service answer (see
    /// `lookup`), asked once.
    pub async fn endpoints(&self, client: &Client) -> Result<Endpoints, Arc<Error>> {
        self.endpoints
            .get_or_init(|| async {
                let found = Lookup::new(client).endpoints().await;
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
    /// user's own password: once for the account the run logs in as (the
    /// first asked), every time for another.
    pub async fn token(
        &self,
        client: &Client,
        user: &str,
        password: &str,
    ) -> Result<Token, Arc<Error>> {
        let issue = || async {
            let endpoints = self.endpoints(client).await?;
            Sts::new(client, endpoints)
                .issue(user, password)
                .await
                .map_err(Arc::new)
        };
        let (account, token) = self
            .token
            .get_or_init(|| async { (user.to_string(), issue().await) })
            .await;
        if account == user {
            return token.clone();
        }
        issue().await
    }
}
