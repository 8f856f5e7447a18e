//! The SSO admin service, called with a token: principal discovery (which
//! groups a principal is in, `FindAllParentGroups`, nested groups included;
//! whether the directory knows it, `FindUser`) and what it says of password
//! expiry (`GetDaysRemainingUntilPasswordExpiration`,
//! `GetLocalPasswordPolicy`, `GetSystemDomainName`).

use super::super::envelope::{Request, Xml};
use super::super::error::Error;
use super::super::session::Client;
use super::super::types::{MoRef, Principal};
use super::super::xml::{Cursor, Node};
use super::Token;

const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";

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

/// A call with the token's assertion, as issued, in the WS-Security header.
fn request(
    token: &Token,
    method: &'static str,
    principal: Option<&Principal>,
) -> Result<String, Error> {
    let (kind, value) = this(method);
    let mut header = Xml::default();
    header
        .open_with("wsse:Security", &[("xmlns:wsse", WSSE)])
        .verbatim(&token.assertion)
        .close("wsse:Security");
    let mut req = Request::in_namespace("urn:sso", method, &MoRef::new(kind, value));
    req.header(header);
    if let Some(p) = principal {
        req.open("userId")
            .text("name", &p.name)
            .text("domain", p.domain_or_default())
            .close("userId");
    }
    req.body()
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

/// The SSO admin service, a client of its own on a borrowed vim25
/// connection, calling with a token the STS issued (its path is the one the
/// Lookup Service named beside that STS).
pub struct SsoAdmin<'c> {
    client: &'c Client,
    token: &'c Token,
}

impl<'c> SsoAdmin<'c> {
    pub fn new(client: &'c Client, token: &'c Token) -> Self {
        SsoAdmin { client, token }
    }

    /// One SSO admin call: its answer, or the fault element.
    async fn raw(
        &self,
        method: &'static str,
        principal: Option<&Principal>,
    ) -> Result<Result<Node, Node>, Error> {
        let path = self.path(method)?.to_string();
        let (status, body) = self
            .client
            .transport
            .post_soap(
                &path,
                &format!("urn:sso/{method}"),
                request(self.token, method, principal)?,
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
    fn path(&self, method: &str) -> Result<&'c str, Error> {
        self.token.admin.as_deref().map_err(|why| Error::Sso {
            path: super::lookup::LOOKUP_PATH.into(),
            step: method.into(),
            detail: why.clone(),
        })
    }

    fn error(&self, method: &str, detail: String) -> Error {
        Error::Sso {
            path: self.path(method).unwrap_or_default().to_string(),
            step: method.into(),
            detail,
        }
    }

    async fn call(
        &self,
        method: &'static str,
        principal: Option<&Principal>,
    ) -> Result<Node, Error> {
        self.raw(method, principal)
            .await?
            .map_err(|f| self.error(method, fault_kind(&f).1))
    }

    /// Days until `principal`'s password expires
    /// (`GetDaysRemainingUntilPasswordExpiration`, which needs the SSO
    /// Administrator role, for one's own account too).
    pub async fn days_until_password_expiration(
        &self,
        principal: &Principal,
    ) -> Result<DaysRemaining, Error> {
        const METHOD: &str = "GetDaysRemainingUntilPasswordExpiration";
        let node = match self.raw(METHOD, Some(principal)).await? {
            Ok(n) => n,
            Err(fault) => {
                return match fault_kind(&fault) {
                    (Some("NoPermission"), text) => Ok(DaysRemaining::NoPermission(text)),
                    (Some(_), text) => Ok(DaysRemaining::InvalidPrincipal(text)),
                    (None, text) => Err(self.error(METHOD, text)),
                };
            }
        };
        let text = node.text_of("returnval").unwrap_or_default().trim();
        match text.parse::<i64>() {
            Ok(-1) => Ok(DaysRemaining::Never),
            Ok(d) if (0..=i64::from(u32::MAX)).contains(&d) => Ok(DaysRemaining::Days(d as u32)),
            _ => Err(self.error(
                METHOD,
                format!(
                    "an impossible number of days: {:?}",
                    text.chars().take(40).collect::<String>()
                ),
            )),
        }
    }

    /// The local SSO password policy's maximum lifetime in days
    /// (`GetLocalPasswordPolicy`, open to every SSO user); `None` when local
    /// passwords never expire.
    pub async fn password_lifetime_days(&self) -> Result<Option<u32>, Error> {
        let node = self.call("GetLocalPasswordPolicy", None).await?;
        Ok(node
            .child("returnval")
            .and_then(|r| r.text_of("passwordLifetimeDays"))
            .and_then(|d| d.trim().parse::<u32>().ok())
            .filter(|d| *d > 0))
    }

    /// The SSO system domain, whose users' passwords SSO keeps
    /// (`GetSystemDomainName`).
    pub async fn system_domain(&self) -> Result<String, Error> {
        let node = self.call("GetSystemDomainName", None).await?;
        Ok(node
            .text_of("returnval")
            .unwrap_or_default()
            .trim()
            .to_string())
    }

    /// Every group `principal` is in, nested groups included.
    pub async fn parent_groups(&self, principal: &Principal) -> Result<Vec<Principal>, Error> {
        let node = self.call("FindAllParentGroups", Some(principal)).await?;
        Ok(node
            .children_named("returnval")
            .filter_map(|r| {
                Some(Principal::from_parts(
                    r.text_of("name")?,
                    r.text_of("domain")?,
                    true,
                ))
            })
            .collect())
    }

    /// Whether the SSO directory knows `principal` as a user.
    pub async fn user_exists(&self, principal: &Principal) -> Result<bool, Error> {
        let node = self.call("FindUser", Some(principal)).await?;
        Ok(node.child("returnval").is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> Token {
        Token {
            subject: "arc@vsphere.local".into(),
            groups: vec![],
            assertion: r#"<saml2:Assertion ID="_a1">x</saml2:Assertion>"#.into(),
            admin: Ok("/sso-adminserver/sdk/vsphere.local".into()),
            lifetime: time::Duration::minutes(10),
            received: std::time::Instant::now(),
        }
    }

    #[test]
    fn the_assertion_goes_in_the_header_as_issued() {
        let r = request(&token(), "GetSystemDomainName", None).unwrap();
        assert!(
            r.contains(r#"<soapenv:Header><wsse:Security xmlns:wsse=""#)
                && r.contains(r#"<saml2:Assertion ID="_a1">x</saml2:Assertion></wsse:Security></soapenv:Header>"#),
            "{r}"
        );
        assert!(r.contains(r#"<GetSystemDomainName xmlns="urn:sso"><_this type="SsoAdminDomainManagementService">domainManagementService</_this></GetSystemDomainName>"#), "{r}");
    }

    #[test]
    fn a_principal_goes_as_name_and_domain_in_either_spelling() {
        for spelling in [r"CORP.example\Arc", "Arc@CORP.example"] {
            let p = Principal::parse(spelling);
            let r = request(&token(), "FindUser", Some(&p)).unwrap();
            assert!(
                r.contains("<userId><name>Arc</name><domain>CORP.example</domain></userId>"),
                "{r}"
            );
        }
    }

    #[test]
    fn a_bare_name_is_of_the_default_system_domain() {
        let r = request(&token(), "FindUser", Some(&Principal::parse("arc"))).unwrap();
        assert!(r.contains("<domain>vsphere.local</domain>"), "{r}");
    }
}
