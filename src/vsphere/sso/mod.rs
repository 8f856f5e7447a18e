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

use tokio::sync::{Mutex, OnceCell};

use super::error::Error;
use super::session::Client;

pub use admin::{DaysRemaining, SsoAdmin};
pub use lookup::{Endpoints, Lookup};
pub use sts::{Sts, Token};

/// What one run learns of SSO once: the endpoints, and the token of the one
/// account it runs as. Owned by whoever runs the audit (the SSO clients
/// borrow the vim25 client and keep nothing), so one run asks one token
/// however many checks read it. Callers that ask at once wait for the same
/// answer rather than asking twice. A token that is about to lapse is
/// asked again (a run may outlive the ten minutes asked, or the STS grant
/// less).
#[derive(Default)]
pub struct Cache {
    endpoints: OnceCell<Result<Endpoints, Arc<Error>>>,
    /// The account the token was asked for, and the answer; held while it
    /// is asked, so callers at once share one request.
    token: Mutex<Option<(String, Asked)>>,
}

/// A token, or why none could be had (shared by every caller that asked).
type Asked = Result<Token, Arc<Error>>;

/// How long a cached token must still be good for to be handed out: more
/// than the SSO admin calls that carry it take, with a slow link's room.
const RENEW_MARGIN: time::Duration = time::Duration::seconds(60);

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
    /// first asked), again only when it is about to lapse; every time for
    /// another account.
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
        let mut cached = self.token.lock().await;
        match &*cached {
            Some((account, _)) if account != user => {
                drop(cached);
                return issue().await;
            }
            Some((_, Ok(token))) if token.good_for(RENEW_MARGIN) => return Ok(token.clone()),
            // A failure stands for the run: asking again would only
            // repeat it (a refused password twice may lock the account).
            Some((_, Err(e))) => return Err(e.clone()),
            _ => {}
        }
        if cached.is_some() {
            tracing::debug!("the SSO token of {user} is about to lapse: asking for another");
        }
        let fresh = issue().await;
        *cached = Some((user.to_string(), fresh.clone()));
        fresh
    }
}
