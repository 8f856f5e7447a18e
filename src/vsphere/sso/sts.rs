//! WS-Trust `Issue` to the STS with a user's name and password: a bearer
//! SAML 2.0 token whose attributes name the user's groups.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::super::envelope::{Xml, envelope};
use super::super::error::Error;
use super::super::session::Client;
use super::super::xml::{Cursor, Node};
use super::Endpoints;

const GROUP_IDENTITY: &str = "http://rsa.com/schemas/attr-names/2009/01/GroupIdentity";
const STEP: &str = "the STS token request (WS-Trust Issue)";

/// What a token says of its subject.
#[derive(Clone)]
pub struct Token {
    /// The subject (`user@domain`).
    pub subject: String,
    /// The subject's groups as the token writes them (`DOMAIN\name`).
    pub groups: Vec<String>,
    /// The assertion as issued, for the SSO admin service's header.
    pub(super) assertion: String,
    /// Where the SSO admin service of the STS that issued it answers (a
    /// path on the `--url` host), or why it cannot be asked.
    pub(super) admin: Result<String, String>,
    /// How long it is honoured: the assertion's `Conditions` span
    /// (`NotOnOrAfter` − `NotBefore`; the STS may grant less than the ten
    /// minutes asked), else the lifetime asked. A span, counted on this
    /// machine's clock from `received`: the vCenter's clock and this one's
    /// may disagree by minutes.
    pub(super) lifetime: time::Duration,
    pub(super) received: std::time::Instant,
}

impl Token {
    /// Whether it is still good for `margin` from now: a token about to
    /// lapse would fail the SSO admin call that carries it.
    pub(super) fn good_for(&self, margin: time::Duration) -> bool {
        self.received.elapsed() + margin < self.lifetime
    }
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The assertion is a bearer credential: never printed.
        f.debug_struct("Token")
            .field("subject", &self.subject)
            .field("groups", &self.groups)
            .finish_non_exhaustive()
    }
}

const WSSE: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd";
const WSU: &str =
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd";
const WST: &str = "http://docs.oasis-open.org/ws-sx/ws-trust/200512";

/// The lifetime asked for a token: the run's length, with room.
const LIFETIME: time::Duration = time::Duration::minutes(10);

/// The WS-Trust `Issue` request: the user's name and password in a
/// WS-Security `UsernameToken`, asking a bearer SAML 2.0 token.
fn request(user: &str, password: &str) -> Result<String, Error> {
    let now = OffsetDateTime::now_utc();
    let created = now.format(&Rfc3339).unwrap_or_default();
    let expires = (now + LIFETIME).format(&Rfc3339).unwrap_or_default();
    let mut header = Xml::default();
    header
        .open_with("wsse:Security", &[("xmlns:wsse", WSSE), ("xmlns:wsu", WSU)])
        .open("wsu:Timestamp")
        .text("wsu:Created", &created)
        .text("wsu:Expires", &expires)
        .close("wsu:Timestamp")
        .open("wsse:UsernameToken")
        .text("wsse:Username", user)
        .text("wsse:Password", password)
        .close("wsse:UsernameToken")
        .close("wsse:Security");
    let mut body = Xml::default();
    body.open_with(
        "wst:RequestSecurityToken",
        &[("xmlns:wst", WST), ("xmlns:wsu", WSU)],
    )
    .text("wst:TokenType", "urn:oasis:names:tc:SAML:2.0:assertion")
    .text("wst:RequestType", &format!("{WST}/Issue"))
    .open("wst:Lifetime")
    .text("wsu:Created", &created)
    .text("wsu:Expires", &expires)
    .close("wst:Lifetime")
    .empty_with("wst:Renewing", &[("Allow", "false"), ("OK", "false")])
    .text("wst:Delegatable", "false")
    .text("wst:KeyType", &format!("{WST}/Bearer"))
    .text(
        "wst:SignatureAlgorithm",
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    )
    .close("wst:RequestSecurityToken");
    envelope(STEP, Some(&header), &body)
}

/// The `<…:Assertion …>…</…:Assertion>` element as sent (its bytes are
/// what a signature covers, so it is passed on untouched).
fn assertion_text(body: &str) -> Option<String> {
    let start = body
        .find(":Assertion ")
        .or_else(|| body.find("<Assertion "))?;
    let open = body[..=start].rfind('<')?;
    let prefix = &body[open + 1..start];
    let close = format!("</{prefix}:Assertion>");
    let end = body.rfind(&close)? + close.len();
    Some(body[open..end].to_string())
}

fn find<'n>(n: &'n Node, name: &str) -> Option<&'n Node> {
    if n.name == name {
        return Some(n);
    }
    n.children.iter().find_map(|c| find(c, name))
}

/// Reads a token out of an STS answer.
pub(super) fn parse(body: &[u8]) -> Result<Token, String> {
    let mut cur = Cursor::new(body);
    let tag = cur.enter_body().map_err(|e| e.to_string())?;
    let root = Node::read(&mut cur, tag).map_err(|e| e.to_string())?;
    if root.name == "Fault" {
        return Err(root
            .text_of("faultstring")
            .or(root.text_of("faultcode"))
            .unwrap_or("a fault")
            .to_string());
    }
    let assertion = find(&root, "Assertion").ok_or("no SAML assertion in the answer")?;
    let subject = find(assertion, "NameID")
        .map(|n| n.text.trim().to_string())
        .filter(|s| !s.is_empty())
        .ok_or("a SAML assertion without a subject")?;
    let groups = find(assertion, "AttributeStatement")
        .map(|s| {
            s.children_named("Attribute")
                .filter(|a| a.attr("Name") == Some(GROUP_IDENTITY))
                .flat_map(|a| a.children_named("AttributeValue"))
                .map(|v| v.text.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let received = std::time::Instant::now();
    let at = |c: &Node, name: &str| {
        c.attr(name)
            .and_then(|t| OffsetDateTime::parse(t.trim(), &Rfc3339).ok())
    };
    let lifetime = find(assertion, "Conditions")
        .and_then(|c| Some(at(c, "NotOnOrAfter")? - at(c, "NotBefore")?))
        .unwrap_or(LIFETIME);
    let text = std::str::from_utf8(body).map_err(|e| e.to_string())?;
    let assertion = assertion_text(text).ok_or("the SAML assertion could not be cut out")?;
    Ok(Token {
        subject,
        groups,
        assertion,
        admin: Err("no SSO admin service was looked up".into()),
        lifetime,
        received,
    })
}

/// The STS of the `--url` host (WS-Trust 1.3), a client of its own on a
/// borrowed vim25 connection: its TLS trust and proxy are the session's.
pub struct Sts<'c> {
    client: &'c Client,
    endpoints: Endpoints,
}

impl<'c> Sts<'c> {
    /// The STS at the path `endpoints` names (see `Lookup`).
    pub fn new(client: &'c Client, endpoints: Endpoints) -> Self {
        Sts { client, endpoints }
    }

    /// A token for `user`, asked with the user's own password.
    pub async fn issue(&self, user: &str, password: &str) -> Result<Token, Error> {
        let path = self.endpoints.sts.clone();
        let (status, body) = self
            .client
            .transport
            .post_soap(&path, &format!("{WST}/RST/Issue"), request(user, password)?)
            .await?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Err(Error::Sso {
                path,
                step: STEP.into(),
                detail: "HTTP 404: no STS answers there".into(),
            });
        }
        let mut token = parse(&body).map_err(|detail| Error::Sso {
            path,
            step: STEP.into(),
            detail: format!("HTTP {}: {detail}", status.as_u16()),
        })?;
        token.admin = self.endpoints.admin.clone();
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#"<?xml version="1.0"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><wst:RequestSecurityTokenResponseCollection xmlns:wst="x"><wst:RequestSecurityTokenResponse><wst:RequestedSecurityToken><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1"><saml2:Subject><saml2:NameID Format="http://schemas.xmlsoap.org/claims/UPN">arc@vsphere.local</saml2:NameID></saml2:Subject><saml2:AttributeStatement><saml2:Attribute Name="http://rsa.com/schemas/attr-names/2009/01/GivenName"><saml2:AttributeValue>Arc</saml2:AttributeValue></saml2:Attribute><saml2:Attribute FriendlyName="Groups" Name="http://rsa.com/schemas/attr-names/2009/01/GroupIdentity"><saml2:AttributeValue>vsphere.local\Arc-Admins</saml2:AttributeValue><saml2:AttributeValue>vsphere.local\Everyone</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></wst:RequestedSecurityToken></wst:RequestSecurityTokenResponse></wst:RequestSecurityTokenResponseCollection></S:Body></S:Envelope>"#;

    #[test]
    fn the_lifetime_granted_is_read_from_the_assertion() {
        let granted = ANSWER.replace(
            "<saml2:AttributeStatement>",
            r#"<saml2:Conditions NotBefore="2026-12-06T04:00:00Z" NotOnOrAfter="2026-12-06T04:05:00Z"/><saml2:AttributeStatement>"#,
        );
        let t = parse(granted.as_bytes()).unwrap();
        assert_eq!(t.lifetime, time::Duration::minutes(5));
        assert!(t.good_for(time::Duration::minutes(4)));
        assert!(!t.good_for(time::Duration::minutes(5)));
    }

    /// The simulator's answer, as it writes one.
    const SIM_ANSWER: &str = r#"<?xml version="1.0" encoding="UTF-8"?><S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><wst:RequestSecurityTokenResponseCollection xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512"><wst:RequestSecurityTokenResponse><wst:RequestedSecurityToken><saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_sim-1" IssueInstant="2026-12-06T04:00:00Z" Version="2.0"><saml2:Issuer Format="urn:oasis:names:tc:SAML:2.0:nameid-format:entity">https://vcsim-arc/websso/SAML2/Metadata/vsphere.local</saml2:Issuer><saml2:Subject><saml2:NameID Format="http://schemas.xmlsoap.org/claims/UPN">a@vsphere.local</saml2:NameID></saml2:Subject><saml2:Conditions NotBefore="2026-12-06T04:00:00Z" NotOnOrAfter="2026-12-06T04:00:30Z"/><saml2:AttributeStatement><saml2:Attribute FriendlyName="Groups" Name="http://rsa.com/schemas/attr-names/2009/01/GroupIdentity" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri"></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion></wst:RequestedSecurityToken></wst:RequestSecurityTokenResponse></wst:RequestSecurityTokenResponseCollection></S:Body></S:Envelope>"#;

    #[test]
    fn the_simulators_lifetime_is_read() {
        let t = parse(SIM_ANSWER.as_bytes()).unwrap();
        assert_eq!(t.lifetime, time::Duration::seconds(30));
    }

    /// The vCenter's clock is years off this one's: the span it grants
    /// still counts from when the token arrived here.
    #[test]
    fn a_skewed_vcenter_clock_does_not_shorten_the_token() {
        let skewed = ANSWER.replace(
            "<saml2:AttributeStatement>",
            r#"<saml2:Conditions NotBefore="2020-01-01T00:00:00Z" NotOnOrAfter="2020-01-01T00:10:00Z"/><saml2:AttributeStatement>"#,
        );
        let t = parse(skewed.as_bytes()).unwrap();
        assert!(t.good_for(time::Duration::minutes(9)));
    }

    #[test]
    fn without_conditions_the_lifetime_asked_stands() {
        let t = parse(ANSWER.as_bytes()).unwrap();
        assert!(t.good_for(time::Duration::minutes(9)));
        assert!(!t.good_for(time::Duration::minutes(11)));
    }

    #[test]
    fn reads_the_subject_and_only_the_group_identities() {
        let t = parse(ANSWER.as_bytes()).unwrap();
        assert_eq!(t.subject, "arc@vsphere.local");
        assert_eq!(
            t.groups,
            [r"vsphere.local\Arc-Admins", r"vsphere.local\Everyone"]
        );
        assert!(t.assertion.starts_with("<saml2:Assertion "));
        assert!(t.assertion.ends_with("</saml2:Assertion>"));
        assert!(!format!("{t:?}").contains("saml2"));
    }

    #[test]
    fn a_fault_is_its_message() {
        let fault = r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body><S:Fault><faultcode>wst:FailedAuthentication</faultcode><faultstring>Authentication failed</faultstring></S:Fault></S:Body></S:Envelope>"#;
        assert_eq!(
            parse(fault.as_bytes()).unwrap_err(),
            "Authentication failed"
        );
    }

    #[test]
    fn the_password_is_escaped_in_the_request() {
        let r = request("a@vsphere.local", "p<&>'\"").unwrap();
        assert!(r.contains("<wsse:Password>p&lt;&amp;&gt;"), "{r}");
    }

    #[test]
    fn the_password_reaches_the_sts_as_typed() {
        let password = "p<&\"\u{7f}\u{2028}\u{202e}\r\nq";
        let r = request("a@vsphere.local", password).unwrap();
        // Read as an XML parser reads it, line-end normalisation included.
        let mut reader = quick_xml::Reader::from_str(&r);
        let mut read = None;
        loop {
            match reader.read_event().unwrap() {
                quick_xml::events::Event::Start(e) if e.name().into_inner() == "wsse:Password" => {
                    let text = reader.read_text(e.name()).unwrap();
                    let text = text.replace("\r\n", "\n").replace('\r', "\n");
                    read = Some(quick_xml::escape::unescape(&text).unwrap().into_owned());
                }
                quick_xml::events::Event::Eof => break,
                _ => {}
            }
        }
        assert_eq!(read.as_deref(), Some(password));
    }

    #[test]
    fn a_password_xml_cannot_carry_is_refused_before_sending() {
        for password in ["p\u{1}q", "p\u{fffe}q"] {
            let e = request("a@vsphere.local", password).unwrap_err();
            assert!(
                matches!(&e, Error::Unsendable { field, .. } if field == "wsse:Password"),
                "{e:?}"
            );
            assert!(e.to_string().contains("wsse:Password"), "{e}");
        }
    }
}
