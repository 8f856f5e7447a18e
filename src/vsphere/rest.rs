//! The vAPI REST endpoint, which serves tags: the appliance is tagged during
//! deployment, so the gate proves a REST session can be opened with the same
//! credentials and the tag categories listed.

use reqwest::{Method, StatusCode};

use super::error::Error;
use super::session::Client;

/// What the REST probe found.
#[derive(Debug, Clone)]
pub struct TagCategories {
    /// The session path that worked: `/api/session` (vCenter 7.0 U2 and
    /// later) or `/rest/com/vmware/cis/session` (older, and vcsim).
    pub endpoint: String,
    pub count: usize,
}

/// What one REST session answered: the tag categories, and vCenter 9's
/// authorization lists when they were asked for.
#[derive(Debug)]
pub struct RestProbe {
    pub tags: Result<TagCategories, Error>,
    /// `None`: not asked.
    pub authorization: Option<Result<super::authz_rest::Authorization, Error>>,
}

impl Client {
    /// Opens one REST session, lists tag categories and, with
    /// `authorization`, every permission and role (vCenter 9's
    /// `/api/vcenter/authorization`) beside them, then closes the session.
    /// `Err`: the session could not be opened, which fails both.
    pub async fn rest_probe(
        &self,
        user: &str,
        password: &str,
        authorization: bool,
    ) -> Result<RestProbe, Error> {
        let t = &self.transport;
        // New API first; a 404 means an older vCenter (or vcsim).
        let (status, body) = t
            .rest(Method::POST, "/api/session", Some((user, password)), None)
            .await?;
        let opened = if status == StatusCode::NOT_FOUND {
            let path = "/rest/com/vmware/cis/session";
            let (status, body) = t
                .rest(Method::POST, path, Some((user, password)), None)
                .await?;
            let token = session_token(t, path, status, &body)?;
            (
                false,
                token,
                "/rest/com/vmware/cis/tagging/category",
                "/rest/com/vmware/cis/session",
            )
        } else {
            let token = session_token(t, "/api/session", status, &body)?;
            (true, token, "/api/cis/tagging/category", "/api/session")
        };
        let (api, token, list, close) = opened;
        let endpoint = if api {
            "/api/session"
        } else {
            "/rest/com/vmware/cis/session"
        };
        let tags = async {
            let (status, body) = t.rest(Method::GET, list, None, Some(&token)).await?;
            if !status.is_success() {
                return Err(t.decode_err(list, format!("HTTP {status}")));
            }
            let v: serde_json::Value =
                serde_json::from_slice(&body).map_err(|e| t.decode_err(list, e))?;
            let items = v.get("value").unwrap_or(&v);
            // vcsim writes `{"value": null}` for no categories.
            let count = match items {
                serde_json::Value::Null => 0,
                other => other
                    .as_array()
                    .map(Vec::len)
                    .ok_or_else(|| t.decode_err(list, "the answer is not a list"))?,
            };
            Ok(TagCategories {
                endpoint: endpoint.to_string(),
                count,
            })
        };
        let authz = async {
            if !authorization {
                None
            } else if !api {
                Some(Err(t.decode_err(
                    "POST /api/session",
                    "the /api endpoint is missing (HTTP 404), so the vCenter has no REST authorization API (vSphere API 9.0)",
                )))
            } else {
                Some(super::authz_rest::read(t, &token).await)
            }
        };
        let (tags, authorization) = tokio::join!(tags, authz);
        let _ = t.rest(Method::DELETE, close, None, Some(&token)).await;
        Ok(RestProbe {
            tags,
            authorization,
        })
    }
}

/// A vCenter 9 `/api` session for the authorization API's writes, closed
/// by [`RestSession::close`] (a token left open only lives until it times
/// out on the server).
pub struct RestSession<'c> {
    client: &'c Client,
    token: String,
}

impl Client {
    /// Opens an `/api` session; an older vCenter (no `/api`: HTTP 404) has
    /// no authorization API, and says so.
    pub async fn rest_session(&self, user: &str, password: &str) -> Result<RestSession<'_>, Error> {
        let t = &self.transport;
        let (status, body) = t
            .rest(Method::POST, "/api/session", Some((user, password)), None)
            .await?;
        if status == StatusCode::NOT_FOUND {
            return Err(t.decode_err(
                "POST /api/session",
                "the /api endpoint is missing (HTTP 404), so the vCenter has no REST authorization API (vSphere API 9.0)",
            ));
        }
        let token = session_token(t, "/api/session", status, &body)?;
        Ok(RestSession {
            client: self,
            token,
        })
    }
}

impl RestSession<'_> {
    /// Every permission and role (global ones included).
    pub async fn authorization(&self) -> Result<super::authz_rest::Authorization, Error> {
        super::authz_rest::read(&self.client.transport, &self.token).await
    }

    /// A global permission for `principal`; its id.
    pub async fn create_global_permission(
        &self,
        principal: &super::types::Principal,
        role: i32,
        propagating: bool,
    ) -> Result<String, Error> {
        super::authz_rest::create_global(
            &self.client.transport,
            &self.token,
            principal,
            role,
            propagating,
        )
        .await
    }

    pub async fn delete_permission(&self, id: &str) -> Result<(), Error> {
        super::authz_rest::delete(&self.client.transport, &self.token, id).await
    }

    pub async fn close(self) {
        let _ = self
            .client
            .transport
            .rest(Method::DELETE, "/api/session", None, Some(&self.token))
            .await;
    }
}

fn session_token(
    t: &super::transport::Transport,
    path: &str,
    status: StatusCode,
    body: &[u8],
) -> Result<String, Error> {
    if status == StatusCode::UNAUTHORIZED {
        return Err(t.decode_err(
            path,
            "the REST endpoint rejected the user name or password (HTTP 401)",
        ));
    }
    if !status.is_success() {
        return Err(t.decode_err(path, format!("HTTP {status}")));
    }
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|e| t.decode_err(path, e))?;
    let token = v.get("value").unwrap_or(&v);
    token
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| t.decode_err(path, "no session token in the answer"))
}
