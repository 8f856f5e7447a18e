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
//! The password goes only where the user sent it: an endpoint is asked on
//! the `--url` host and port over https, whatever host the Lookup Service
//! lists it under (see `choose`). The well-known default paths are used
//! only when the Lookup Service is absent (HTTP 404).

use reqwest::Url;

use super::super::envelope::Request;
use super::super::error::Error;
use super::super::session::Client;
use super::super::types::MoRef;
use super::super::xml::{Cursor, Node};

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

const NAMESPACE: &str = "urn:lookup";

fn content_request() -> Result<String, Error> {
    let this = MoRef::new("LookupServiceInstance", "ServiceInstance");
    Request::in_namespace(NAMESPACE, "RetrieveServiceContent", &this).body()
}

fn list_request(registration: &(String, String), service_type: &str) -> Result<String, Error> {
    let this = MoRef::new(registration.0.as_str(), registration.1.as_str());
    Request::in_namespace(NAMESPACE, "List", &this)
        .open("filterCriteria")
        .open("serviceType")
        .text("product", PRODUCT)
        .text("type", service_type)
        .close("serviceType")
        .close("filterCriteria")
        .body()
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

/// Which listed endpoint of `kind` to use, as a path on the `--url` host:
/// one listed on that host first; else the path of one listed under
/// another name, with that URL so the source can say so. The Lookup
/// Service names the vCenter by its PNID, which is often not what `--url`
/// says (an IP, an alias): the path is the same service, and asking it on
/// the `--url` host sends the password only where the user sent it. An
/// external SSO (vCenter 6.x, outside the support matrix) answers 404
/// there, and the verdicts that needed it are not verified.
/// `None` when none of that kind is listed.
fn choose(
    base: &Url,
    found: &[Registered],
    wanted: impl Fn(&Registered) -> bool,
) -> Option<Result<(String, Option<String>), String>> {
    let mut elsewhere = None;
    let mut unusable = None;
    for r in found.iter().filter(|r| wanted(r)) {
        match Url::parse(&r.url) {
            Ok(u) if same_host(base, &u) => return Some(Ok((u.path().to_string(), None))),
            Ok(u) if u.path().starts_with('/') && u.path().len() > 1 => {
                elsewhere.get_or_insert((u.path().to_string(), Some(short(u.as_str()))));
            }
            _ => {
                unusable.get_or_insert(short(&r.url));
            }
        }
    }
    match (elsewhere, unusable) {
        (Some(e), _) => Some(Ok(e)),
        (None, Some(url)) => Some(Err(format!(
            "it lists {url:?}, which is not a URL with a path"
        ))),
        (None, None) => None,
    }
}

/// Server text, bounded for a log line or a reason.
fn short(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The vCenter's Lookup Service, a client of its own on a borrowed vim25
/// connection (anonymous: it needs no session).
pub struct Lookup<'c> {
    client: &'c Client,
}

impl<'c> Lookup<'c> {
    pub fn new(client: &'c Client) -> Self {
        Lookup { client }
    }

    async fn call(
        &self,
        step: &str,
        body: Result<String, Error>,
    ) -> Result<Option<Vec<u8>>, Error> {
        let (status, body) = self
            .client
            .transport
            .post_soap(LOOKUP_PATH, ACTION, body?)
            .await?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !(status.is_success() || status == reqwest::StatusCode::INTERNAL_SERVER_ERROR) {
            return Err(lookup_error(step, format!("HTTP {}", status.as_u16())));
        }
        Ok(Some(body))
    }

    /// Where the `--url` host's STS and SSO admin service answer, asked of
    /// its Lookup Service (one round trip of two calls, no credentials), as
    /// paths on the `--url` host; an absent Lookup Service gives the default
    /// paths of the system domain `vsphere.local`.
    pub async fn endpoints(&self) -> Result<Endpoints, Error> {
        const CONTENT: &str = "RetrieveServiceContent (Lookup Service)";
        const LIST: &str = "List (Lookup Service)";
        let list = |registration: (String, String), service_type: &'static str| async move {
            let body = self
                .call(LIST, list_request(&registration, service_type))
                .await?
                .ok_or_else(|| lookup_error(LIST, "HTTP 404".into()))?;
            parse_list(&body).map_err(|e| lookup_error(LIST, e))
        };
        // The List is sent beside RetrieveServiceContent, addressed to the
        // registration every vCenter names (one round trip, not two), and
        // sent again only if the content names another.
        let well_known = || (REGISTRATION_TYPE.to_string(), REGISTRATION.to_string());
        let (content, early) = tokio::join!(
            self.call(CONTENT, content_request()),
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
        let base = self.client.transport.url();
        let mut renamed = Vec::new();
        let mut take = |what: &str, chosen: Result<(String, Option<String>), String>| {
            chosen.map(|(path, other)| {
                if let Some(url) = other {
                    renamed.push(format!("the {what} listed as {url}"));
                }
                path
            })
        };
        let sts = choose(base, &found, |r| {
            r.kind == STS_TYPE && r.protocol.eq_ignore_ascii_case("wsTrust")
        })
        .ok_or_else(|| format!("no STS ({STS_TYPE}) is registered"))
        .and_then(|c| take("STS", c))
        .map_err(|e| lookup_error(LIST, e))?;
        let is_admin = |r: &Registered| r.kind == ADMIN_TYPE;
        let admin = match choose(base, &found, is_admin) {
            Some(a) => Some(a),
            None => choose(base, &list(registration, "sso:admin").await?, is_admin),
        };
        let admin = match admin {
            Some(c) => take("SSO admin service", c).map_err(|e| {
                format!("the Lookup Service ({LOOKUP_PATH}) names no usable SSO admin service: {e}")
            }),
            None => Err(format!(
                "the Lookup Service ({LOOKUP_PATH}) lists no SSO admin service ({ADMIN_TYPE})"
            )),
        };
        let mut source = format!("the Lookup Service ({LOOKUP_PATH})");
        if !renamed.is_empty() {
            source.push_str(&format!(
                "; {}: asked at the same path on the --url host, where the password goes",
                renamed.join(" and ")
            ));
        }
        Ok(Endpoints { sts, admin, source })
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
        let sts = choose(&b, &found, |r| r.kind == STS_TYPE).unwrap();
        assert_eq!(sts.unwrap(), ("/sts/STSService/corp.local".into(), None));
        let admin = choose(&b, &found, |r| r.kind == ADMIN_TYPE).unwrap();
        assert_eq!(
            admin.unwrap(),
            ("/sso-adminserver/sdk/corp.local".into(), None)
        );
    }

    #[test]
    fn another_host_port_or_scheme_gives_its_path_on_the_url_host_and_says_so() {
        let found = parse_list(LIST.as_bytes()).unwrap();
        for url in [
            "https://10.0.0.5/sdk",
            "https://vc.example.com:8443/sdk",
            "https://vc.example.com.evil/sdk",
        ] {
            let (path, listed) = choose(&base(url), &found, |r| r.kind == STS_TYPE)
                .unwrap()
                .unwrap();
            assert_eq!(path, "/sts/STSService/corp.local", "{url}");
            assert!(listed.unwrap().contains("vc.example.com"), "{url}");
        }
        let http = vec![Registered {
            url: "http://vc.example.com/sts/STSService/corp.local".into(),
            protocol: "wsTrust".into(),
            kind: STS_TYPE.into(),
        }];
        let (path, listed) = choose(&base("https://vc.example.com/sdk"), &http, |_| true)
            .unwrap()
            .unwrap();
        assert_eq!(path, "/sts/STSService/corp.local");
        assert!(listed.is_some(), "plain http is named, not used");
        assert!(choose(&base("https://vc.example.com/sdk"), &http, |_| false).is_none());
    }

    #[test]
    fn an_endpoint_without_a_url_is_not_used() {
        let junk = vec![Registered {
            url: "not a url".into(),
            protocol: "wsTrust".into(),
            kind: STS_TYPE.into(),
        }];
        assert!(
            choose(&base("https://vc.example.com/sdk"), &junk, |_| true)
                .unwrap()
                .is_err()
        );
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
        )
        .unwrap();
        assert!(
            r.contains("<product>com.vmware.cis</product><type>cs.identity</type>"),
            "{r}"
        );
        assert!(
            r.contains(r#"<_this type="LookupServiceRegistration">ServiceRegistration</_this>"#)
        );
    }
}
