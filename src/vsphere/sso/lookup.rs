//! Where the STS and the SSO admin service answer, from the vCenter's
//! Lookup Service (`/lookupservice/sdk`, SOAP namespace `urn:lookup`,
//! version 2.0; anonymous, as vSphere clients ask it before they hold any
//! credential): `RetrieveServiceContent` and one `List` of the
//! `com.vmware.cis` / `cs.identity` registrations, whose endpoints are the
//! STS (protocol `wsTrust`, type `com.vmware.cis.cs.identity.sso`) and the
//! SSO admin service (`com.vmware.cis.cs.identity.admin`), their paths
//! carrying the SSO system domain (the tenant), which is not the domain of
//! an Active Directory or LDAP user. Older registrations keep the admin
//! service under the service type `sso:admin`, asked only when
//! `cs.identity` lists none.
//!
//! The password goes only where the user sent it: an endpoint is used only
//! when it is on the `--url` host and port over https. The well-known
//! default paths are used only when the Lookup Service is absent (HTTP 404).

use reqwest::Url;

use super::super::error::Error;
use super::super::session::Client;
use crate::report::xml::escape;
use crate::vsphere::xml::{Cursor, Node};

pub(crate) const LOOKUP_PATH: &str = "/lookupservice/sdk";
const ACTION: &str = "urn:lookup/2.0";
const PRODUCT: &str = "com.vmware.cis";
const STS_TYPE: &str = "com.vmware.cis.cs.identity.sso";
const ADMIN_TYPE: &str = "com.vmware.cis.cs.identity.admin";
/// The service registration's managed object on every vCenter.
const REGISTRATION_TYPE: &str = "LookupServiceRegistration";
const REGISTRATION: &str = "ServiceRegistration";
/// The paths every vCenter since 6.0 serves for its default system domain.
const DEFAULT_STS: &str = "/sts/STSService/vsphere.local";
const DEFAULT_ADMIN: &str = "/sso-adminserver/sdk/vsphere.local";

/// The SSO services of the `--url` host, as paths on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The STS.
    pub sts: String,
    /// The SSO admin service, or why it cannot be asked.
    pub admin: Result<String, String>,
    /// Where these came from, for `-v` and for reasons.
    pub source: String,
}

/// One endpoint a registration lists.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Registered {
    url: String,
    protocol: String,
    kind: String,
}

fn envelope(inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>{inner}</soapenv:Body></soapenv:Envelope>"#
    )
}

fn content_request() -> String {
    envelope(
        r#"<RetrieveServiceContent xmlns="urn:lookup"><_this type="LookupServiceInstance">ServiceInstance</_this></RetrieveServiceContent>"#,
    )
}

fn list_request(registration: &(String, String), service_type: &str) -> String {
    envelope(&format!(
        r#"<List xmlns="urn:lookup"><_this type="{}">{}</_this><filterCriteria><serviceType><product>{PRODUCT}</product><type>{}</type></serviceType></filterCriteria></List>"#,
        escape(&registration.0),
        escape(&registration.1),
        escape(service_type)
    ))
}

/// The response element of an answer, or the fault's text.
fn response(body: &[u8]) -> Result<Node, String> {
    let mut cur = Cursor::new(body);
    let tag = cur.enter_body().map_err(|e| e.to_string())?;
    let node = Node::read(&mut cur, tag).map_err(|e| e.to_string())?;
    if node.name == "Fault" {
        return Err(format!(
            "the fault {:?}",
            node.text_of("faultstring").unwrap_or("without a message")
        ));
    }
    Ok(node)
}

/// The service registration's managed object `(type, value)`.
fn parse_content(body: &[u8]) -> Result<(String, String), String> {
    let node = response(body)?;
    let reg = node
        .child("returnval")
        .and_then(|r| r.child("serviceRegistration"))
        .ok_or("no serviceRegistration in the service content")?;
    let value = reg.text.trim();
    if value.is_empty() {
        return Err("an empty serviceRegistration".into());
    }
    Ok((
        reg.attr("type").unwrap_or(REGISTRATION_TYPE).to_string(),
        value.to_string(),
    ))
}

fn parse_list(body: &[u8]) -> Result<Vec<Registered>, String> {
    let node = response(body)?;
    Ok(node
        .children_named("returnval")
        .flat_map(|r| r.children_named("serviceEndpoints"))
        .filter_map(|e| {
            let t = e.child("endpointType")?;
            Some(Registered {
                url: e.text_of("url")?.to_string(),
                protocol: t.text_of("protocol").unwrap_or_default().to_string(),
                kind: t.text_of("type").unwrap_or_default().to_string(),
            })
        })
        .collect())
}

/// Whether `url` names the same https host and port as `base`.
fn same_host(base: &Url, url: &Url) -> bool {
    let host = |u: &Url| {
        u.host_str()
            .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
    };
    url.scheme() == "https"
        && host(url).is_some()
        && host(url) == host(base)
        && url.port_or_known_default() == base.port_or_known_default()
}

/// Which listed endpoint of `kind` to use: the path of one on the `--url`
/// host, or the refusal naming where the others are; `None` when none of
/// that kind is listed.
fn choose(
    base: &Url,
    found: &[Registered],
    service: &'static str,
    wanted: impl Fn(&Registered) -> bool,
) -> Option<Result<String, Error>> {
    let mut elsewhere = None;
    for r in found.iter().filter(|r| wanted(r)) {
        match Url::parse(&r.url) {
            Ok(u) if same_host(base, &u) => return Some(Ok(u.path().to_string())),
            Ok(u) => {
                elsewhere.get_or_insert(u.to_string());
            }
            Err(_) => {
                elsewhere.get_or_insert("an unparsable URL".to_string());
            }
        }
    }
    let url: String = elsewhere?.chars().take(200).collect();
    Some(Err(Error::SsoElsewhere {
        service,
        url,
        endpoint: super::super::transport::endpoint_of(base),
    }))
}

impl Client {
    async fn lookup_call(&self, step: &str, body: String) -> Result<Option<Vec<u8>>, Error> {
        let (status, body) = self.transport.post_soap(LOOKUP_PATH, ACTION, body).await?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !(status.is_success() || status == reqwest::StatusCode::INTERNAL_SERVER_ERROR) {
            return Err(lookup_error(step, format!("HTTP {}", status.as_u16())));
        }
        Ok(Some(body))
    }

    /// Where the `--url` host's STS and SSO admin service answer, asked of
    /// its Lookup Service (one round trip of two calls, no credentials). Another host,
    /// or plain http, is refused; an absent Lookup Service gives the
    /// default paths of the system domain `vsphere.local`.
    pub(super) async fn discover_sso(&self) -> Result<Endpoints, Error> {
        const CONTENT: &str = "RetrieveServiceContent (Lookup Service)";
        const LIST: &str = "List (Lookup Service)";
        let list = |registration: (String, String), service_type: &'static str| async move {
            let body = self
                .lookup_call(LIST, list_request(&registration, service_type))
                .await?
                .ok_or_else(|| lookup_error(LIST, "HTTP 404".into()))?;
            parse_list(&body).map_err(|e| lookup_error(LIST, e))
        };
        // The List is sent beside RetrieveServiceContent, addressed to the
        // registration every vCenter names (one round trip, not two), and
        // sent again only if the content names another.
        let well_known = || (REGISTRATION_TYPE.to_string(), REGISTRATION.to_string());
        let (content, early) = tokio::join!(
            self.lookup_call(CONTENT, content_request()),
            list(well_known(), "cs.identity")
        );
        let Some(body) = content? else {
            return Ok(Endpoints {
                sts: DEFAULT_STS.into(),
                admin: Ok(DEFAULT_ADMIN.into()),
                source: format!(
                    "the default paths of the system domain vsphere.local: no Lookup Service answers at {LOOKUP_PATH} (HTTP 404)"
                ),
            });
        };
        let registration = parse_content(&body).map_err(|e| lookup_error(CONTENT, e))?;
        let found = if registration == well_known() {
            early?
        } else {
            list(registration.clone(), "cs.identity").await?
        };
        let base = self.transport.url();
        let sts = choose(base, &found, "STS", |r| {
            r.kind == STS_TYPE && r.protocol.eq_ignore_ascii_case("wsTrust")
        })
        .ok_or_else(|| lookup_error(LIST, format!("no STS ({STS_TYPE}) is registered")))??;
        let is_admin = |r: &Registered| r.kind == ADMIN_TYPE;
        let admin = match choose(base, &found, "SSO admin service", is_admin) {
            Some(a) => Some(a),
            None => choose(
                base,
                &list(registration, "sso:admin").await?,
                "SSO admin service",
                is_admin,
            ),
        };
        let admin = match admin {
            Some(Ok(path)) => Ok(path),
            Some(Err(e)) => Err(e.to_string()),
            None => Err(format!(
                "the Lookup Service ({LOOKUP_PATH}) lists no SSO admin service ({ADMIN_TYPE})"
            )),
        };
        Ok(Endpoints {
            sts,
            admin,
            source: format!("the Lookup Service ({LOOKUP_PATH})"),
        })
    }
}

fn lookup_error(step: &str, detail: String) -> Error {
    Error::Sso {
        path: LOOKUP_PATH.into(),
        step: step.into(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ListResponse xmlns="urn:lookup"><returnval><serviceVersion>2.0</serviceVersion><ownerId>vc.example.com@vsphere.local</ownerId><serviceType><product>com.vmware.cis</product><type>cs.identity</type></serviceType><nodeId>n1</nodeId><serviceEndpoints><url>https://VC.example.com./sts/STSService/corp.local</url><endpointType><protocol>wsTrust</protocol><type>com.vmware.cis.cs.identity.sso</type></endpointType><sslTrust>MIIB</sslTrust></serviceEndpoints><serviceEndpoints><url>https://vc.example.com:443/sso-adminserver/sdk/corp.local</url><endpointType><protocol>vmomi</protocol><type>com.vmware.cis.cs.identity.admin</type></endpointType></serviceEndpoints><serviceId>s1</serviceId><siteId>site</siteId></returnval></ListResponse></soapenv:Body></soapenv:Envelope>"#;

    fn base(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn reads_the_registration_and_its_endpoints() {
        let content = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContentResponse xmlns="urn:lookup"><returnval><lookupService type="LookupLookupService">lookupService</lookupService><serviceRegistration type="LookupServiceRegistration">ServiceRegistration</serviceRegistration></returnval></RetrieveServiceContentResponse></soapenv:Body></soapenv:Envelope>"#;
        assert_eq!(
            parse_content(content.as_bytes()).unwrap(),
            (
                "LookupServiceRegistration".to_string(),
                "ServiceRegistration".to_string()
            )
        );
        let found = parse_list(LIST.as_bytes()).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].kind, STS_TYPE);
    }

    #[test]
    fn an_endpoint_on_the_url_host_gives_its_path() {
        let found = parse_list(LIST.as_bytes()).unwrap();
        let b = base("https://vc.example.com/sdk");
        let sts = choose(&b, &found, "STS", |r| r.kind == STS_TYPE).unwrap();
        assert_eq!(sts.unwrap(), "/sts/STSService/corp.local");
        let admin = choose(&b, &found, "SSO admin service", |r| r.kind == ADMIN_TYPE).unwrap();
        assert_eq!(admin.unwrap(), "/sso-adminserver/sdk/corp.local");
    }

    #[test]
    fn another_host_port_or_plain_http_is_refused() {
        let found = parse_list(LIST.as_bytes()).unwrap();
        for url in [
            "https://10.0.0.5/sdk",
            "https://vc.example.com:8443/sdk",
            "https://vc.example.com.evil/sdk",
        ] {
            let e = choose(&base(url), &found, "STS", |r| r.kind == STS_TYPE)
                .unwrap()
                .unwrap_err();
            let text = e.to_string();
            assert!(text.contains("vc.example.com"), "{text}");
            assert!(text.contains("STS"), "{text}");
        }
        let http = vec![Registered {
            url: "http://vc.example.com/sts/STSService/corp.local".into(),
            protocol: "wsTrust".into(),
            kind: STS_TYPE.into(),
        }];
        assert!(
            choose(&base("https://vc.example.com/sdk"), &http, "STS", |_| true)
                .unwrap()
                .is_err()
        );
        assert!(choose(&base("https://vc.example.com/sdk"), &http, "STS", |_| false).is_none());
    }

    #[test]
    fn a_fault_is_its_message() {
        let fault = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>Invalid fault</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;
        assert!(
            parse_list(fault.as_bytes())
                .unwrap_err()
                .contains("Invalid fault")
        );
    }

    #[test]
    fn the_list_filter_names_the_service_type() {
        let r = list_request(
            &(
                "LookupServiceRegistration".into(),
                "ServiceRegistration".into(),
            ),
            "cs.identity",
        );
        assert!(
            r.contains("<product>com.vmware.cis</product><type>cs.identity</type>"),
            "{r}"
        );
        assert!(
            r.contains(r#"<_this type="LookupServiceRegistration">ServiceRegistration</_this>"#)
        );
    }
}
