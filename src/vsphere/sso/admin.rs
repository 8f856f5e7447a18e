//! The SSO admin service, called with a token: principal discovery (which
//! groups a principal is in, `FindAllParentGroups`, nested groups included;
//! whether the directory knows it, `FindUser`) and what it says of password
//! expiry (`GetDaysRemainingUntilPasswordExpiration`,
//! `GetLocalPasswordPolicy`, `GetSystemDomainName`).

use super::super::error::Error;
use super::super::session::Client;
use super::Token;
use crate::report::xml::escape;
use crate::vsphere::xml::Cursor;
use crate::vsphere::xml::Node;

/// The managed object each method is called on (the SSO admin service
/// content's fixed names).
fn this(method: &str) -> (&'static str, &'static str) {
    match method {
        "GetDaysRemainingUntilPasswordExpiration" => (
            "SsoAdminPrincipalManagementService",
            "principalManagementService",
        ),
        "GetLocalPasswordPolicy" => ("SsoAdminPasswordPolicyService", "passwordPolicyService"),
        "GetSystemDomainName" => ("SsoAdminDomainManagementService", "domainManagementService"),
        _ => (
            "SsoAdminPrincipalDiscoveryService",
            "principalDiscoveryService",
        ),
    }
}

fn envelope(token: &Token, method: &str, principal: Option<&str>) -> String {
    let (kind, value) = this(method);
    let user_id = principal
        .map(|p| {
            let (name, domain) = super::split(p);
            format!(
                "<userId><name>{}</name><domain>{}</domain></userId>",
                escape(&name),
                escape(&domain)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">{}</wsse:Security></soapenv:Header><soapenv:Body><{method} xmlns="urn:sso"><_this type="{kind}">{value}</_this>{user_id}</{method}></soapenv:Body></soapenv:Envelope>"#,
        token.assertion,
    )
}

/// What `GetDaysRemainingUntilPasswordExpiration` answered about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DaysRemaining {
    /// Days (rounded up) until the password expires; 0: it has expired.
    Days(u32),
    /// -1: the policy is off or the password never expires.
    Never,
    /// The caller lacks the SSO Administrator role the call needs (the
    /// fault's text).
    NoPermission(String),
    /// SSO keeps no password for this principal (not a person user of its
    /// system domain): the fault's text.
    InvalidPrincipal(String),
}

/// Which SSO fault a fault element is, from its detail (`SsoFault…Fault`)
/// or, failing that, its text.
fn fault_kind(node: &Node) -> (Option<&'static str>, String) {
    let text = node.text_of("faultstring").unwrap_or("a fault").to_string();
    let detail = node
        .child("detail")
        .and_then(|d| d.children.first())
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let kind = ["NoPermission", "InvalidPrincipal"]
        .into_iter()
        .find(|k| detail.contains(k) || text.contains(k));
    (kind, text)
}

impl Client {
    /// One SSO admin call: its answer, or the fault element.
    async fn sso_admin_raw(
        &self,
        token: &Token,
        method: &'static str,
        principal: Option<&str>,
    ) -> Result<Result<Node, Node>, Error> {
        let path = Self::admin_path(token, method)?.to_string();
        let (status, body) = self
            .transport
            .post_soap(
                &path,
                &format!("urn:sso/{method}"),
                envelope(token, method, principal),
            )
            .await?;
        let sso = |detail: String| Error::Sso {
            path: path.clone(),
            step: method.into(),
            detail: format!("HTTP {}: {detail}", status.as_u16()),
        };
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(sso("no SSO admin service answers there".into()));
        }
        let mut cur = Cursor::new(&body);
        let tag = cur.enter_body().map_err(|e| sso(e.to_string()))?;
        let node = Node::read(&mut cur, tag).map_err(|e| sso(e.to_string()))?;
        if node.name == "Fault" {
            return Ok(Err(node));
        }
        Ok(Ok(node))
    }

    /// The SSO admin service's path, as the Lookup Service named it
    /// with the token's STS.
    fn admin_path<'t>(token: &'t Token, method: &str) -> Result<&'t str, Error> {
        token.admin.as_deref().map_err(|why| Error::Sso {
            path: super::lookup::LOOKUP_PATH.into(),
            step: method.into(),
            detail: why.clone(),
        })
    }

    fn sso_error(token: &Token, method: &str, fault: &Node) -> Error {
        Error::Sso {
            path: Self::admin_path(token, method)
                .unwrap_or_default()
                .to_string(),
            step: method.into(),
            detail: fault_kind(fault).1,
        }
    }

    async fn sso_admin(
        &self,
        token: &Token,
        method: &'static str,
        principal: Option<&str>,
    ) -> Result<Node, Error> {
        self.sso_admin_raw(token, method, principal)
            .await?
            .map_err(|f| Self::sso_error(token, method, &f))
    }

    /// Days until `principal`'s password expires
    /// (`GetDaysRemainingUntilPasswordExpiration`, which needs the SSO
    /// Administrator role, for one's own account too).
    pub async fn sso_days_until_password_expiration(
        &self,
        token: &Token,
        principal: &str,
    ) -> Result<DaysRemaining, Error> {
        const METHOD: &str = "GetDaysRemainingUntilPasswordExpiration";
        let node = match self.sso_admin_raw(token, METHOD, Some(principal)).await? {
            Ok(n) => n,
            Err(fault) => {
                return match fault_kind(&fault) {
                    (Some("NoPermission"), text) => Ok(DaysRemaining::NoPermission(text)),
                    (Some(_), text) => Ok(DaysRemaining::InvalidPrincipal(text)),
                    (None, _) => Err(Self::sso_error(token, METHOD, &fault)),
                };
            }
        };
        let text = node.text_of("returnval").unwrap_or_default().trim();
        match text.parse::<i64>() {
            Ok(-1) => Ok(DaysRemaining::Never),
            Ok(d) if (0..=i64::from(u32::MAX)).contains(&d) => Ok(DaysRemaining::Days(d as u32)),
            _ => Err(Error::Sso {
                path: Self::admin_path(token, METHOD)
                    .unwrap_or_default()
                    .to_string(),
                step: METHOD.into(),
                detail: format!(
                    "an impossible number of days: {:?}",
                    text.chars().take(40).collect::<String>()
                ),
            }),
        }
    }

    /// The local SSO password policy's maximum lifetime in days
    /// (`GetLocalPasswordPolicy`, open to every SSO user); `None` when local
    /// passwords never expire.
    pub async fn sso_password_lifetime_days(&self, token: &Token) -> Result<Option<u32>, Error> {
        let node = self
            .sso_admin(token, "GetLocalPasswordPolicy", None)
            .await?;
        Ok(node
            .child("returnval")
            .and_then(|r| r.text_of("passwordLifetimeDays"))
            .and_then(|d| d.trim().parse::<u32>().ok())
            .filter(|d| *d > 0))
    }

    /// The SSO system domain, whose users' passwords SSO keeps
    /// (`GetSystemDomainName`).
    pub async fn sso_system_domain(&self, token: &Token) -> Result<String, Error> {
        let node = self.sso_admin(token, "GetSystemDomainName", None).await?;
        Ok(node
            .text_of("returnval")
            .unwrap_or_default()
            .trim()
            .to_string())
    }

    /// Every group `principal` is in, as `name@domain`.
    pub async fn sso_parent_groups(
        &self,
        token: &Token,
        principal: &str,
    ) -> Result<Vec<String>, Error> {
        let node = self
            .sso_admin(token, "FindAllParentGroups", Some(principal))
            .await?;
        Ok(node
            .children_named("returnval")
            .filter_map(|r| Some(format!("{}@{}", r.text_of("name")?, r.text_of("domain")?)))
            .collect())
    }

    /// Whether the SSO directory knows `principal` as a user.
    pub async fn sso_user_exists(&self, token: &Token, principal: &str) -> Result<bool, Error> {
        let node = self.sso_admin(token, "FindUser", Some(principal)).await?;
        Ok(node.child("returnval").is_some())
    }
}
