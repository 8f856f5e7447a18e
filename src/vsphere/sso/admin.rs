//! The SSO admin service's principal discovery, called with a token: which
//! groups a principal is in (`FindAllParentGroups`, nested groups included)
//! and whether the directory knows it (`FindUser`).

use super::super::error::Error;
use super::super::session::Client;
use super::Token;
use crate::report::xml::escape;
use crate::vsphere::xml::Cursor;
use crate::vsphere::xml::Node;

fn envelope(token: &Token, method: &str, principal: &str) -> String {
    let (name, domain) = super::split(principal);
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header><wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">{}</wsse:Security></soapenv:Header><soapenv:Body><{method} xmlns="urn:sso"><_this type="SsoAdminPrincipalDiscoveryService">principalDiscoveryService</_this><userId><name>{}</name><domain>{}</domain></userId></{method}></soapenv:Body></soapenv:Envelope>"#,
        token.assertion,
        escape(&name),
        escape(&domain)
    )
}

impl Client {
    async fn sso_admin(
        &self,
        token: &Token,
        method: &'static str,
        principal: &str,
    ) -> Result<Node, Error> {
        let path = format!("/sso-adminserver/sdk/{}", super::domain_of(&token.subject));
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
            return Err(sso(node
                .text_of("faultstring")
                .unwrap_or("a fault")
                .to_string()));
        }
        Ok(node)
    }

    /// Every group `principal` is in, as `name@domain`.
    pub async fn sso_parent_groups(
        &self,
        token: &Token,
        principal: &str,
    ) -> Result<Vec<String>, Error> {
        let node = self
            .sso_admin(token, "FindAllParentGroups", principal)
            .await?;
        Ok(node
            .children_named("returnval")
            .filter_map(|r| Some(format!("{}@{}", r.text_of("name")?, r.text_of("domain")?)))
            .collect())
    }

    /// Whether the SSO directory knows `principal` as a user.
    pub async fn sso_user_exists(&self, token: &Token, principal: &str) -> Result<bool, Error> {
        let node = self.sso_admin(token, "FindUser", principal).await?;
        Ok(node.child("returnval").is_some())
    }
}
