//! Every SOAP request vaudit sends, vim25 and SSO alike, is written here,
//! with one escaper. Requests are small and written once, so a string
//! builder is all they need; what it must guarantee is that the server
//! reads exactly the text given (a password above all) or that nothing is
//! sent.

use std::borrow::Cow;

use super::error::Error;
use super::types::MoRef;

const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// Whether XML 1.0 can carry `c` at all (its `Char` production). DEL, the
/// C1 controls, bidi marks and U+2028/2029 are legal and are sent as they
/// are; only the C0 controls other than tab, LF and CR, and U+FFFE/U+FFFF,
/// are not (Rust strings hold no surrogates).
fn carried(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// `value` for element text or a double-quoted attribute, read back by any
/// XML parser as exactly `value`: markup as entities, and tab, LF and CR as
/// character references (end-of-line and attribute-value normalisation
/// would otherwise rewrite them). A character XML 1.0 cannot carry is an
/// error naming `field`, never a substitute: a password altered on the way
/// fails in a way no one can diagnose.
pub fn escape<'a>(field: &str, value: &'a str) -> Result<Cow<'a, str>, Unsendable> {
    escape_markup(value, carried, |_, _| Err(Unsendable(field.to_string())))
}

/// The one XML escaper: markup as entities, tab, LF and CR as character
/// references, every character `keep` accepts as itself, and any other
/// handed to `other` (the wire refuses it, a report shows it escaped).
pub fn escape_markup<'a, E>(
    value: &'a str,
    keep: impl Fn(char) -> bool,
    mut other: impl FnMut(char, &mut String) -> Result<(), E>,
) -> Result<Cow<'a, str>, E> {
    let plain =
        |c: char| keep(c) && !matches!(c, '<' | '>' | '&' | '"' | '\'' | '\t' | '\n' | '\r');
    if value.chars().all(plain) {
        return Ok(Cow::Borrowed(value));
    }
    let mut out = String::with_capacity(value.len() + 16);
    for c in value.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if keep(c) => out.push(c),
            c => other(c, &mut out)?,
        }
    }
    Ok(Cow::Owned(out))
}

/// The field whose value XML cannot carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsendable(pub String);

/// XML being written: elements, escaped values, and the first field whose
/// value could not be written, so a request is refused whole before it is
/// sent rather than each call site checking.
#[derive(Clone, Default)]
pub struct Xml {
    buf: String,
    unsendable: Option<Unsendable>,
}

impl Xml {
    fn value(&mut self, field: &str, value: &str) {
        match escape(field, value) {
            Ok(v) => self.buf.push_str(&v),
            Err(e) => {
                self.unsendable.get_or_insert(e);
            }
        }
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.buf.push('<');
        self.buf.push_str(name);
        for (k, v) in attrs {
            self.buf.push(' ');
            self.buf.push_str(k);
            self.buf.push_str("=\"");
            self.value(&format!("{name} {k}"), v);
            self.buf.push('"');
        }
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.open_with(name, &[])
    }

    /// An element with attributes (names are vaudit's, values escaped).
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(name, attrs);
        self.buf.push('>');
        self
    }

    /// An element without content: `<name a="v"/>`.
    pub fn empty_with(&mut self, name: &str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(name, attrs);
        self.buf.push_str("/>");
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// `<name>value</name>`, the value escaped.
    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.open(name);
        self.value(name, value);
        self.close(name)
    }

    pub fn moref(&mut self, name: &str, m: &MoRef) -> &mut Self {
        self.open_with(name, &[("type", &m.kind)]);
        self.value(name, &m.value);
        self.close(name)
    }

    /// XML as a server issued it, passed on byte for byte (a SAML
    /// assertion, whose signature covers its bytes).
    pub fn verbatim(&mut self, xml: &str) -> &mut Self {
        self.buf.push_str(xml);
        self
    }
}

/// The whole request: the SOAP envelope around `body`, with `header` when
/// given, or the error naming the field that cannot be sent.
pub fn envelope(step: &str, header: Option<&Xml>, body: &Xml) -> Result<String, Error> {
    if let Some(Unsendable(field)) = header
        .and_then(|h| h.unsendable.as_ref())
        .or(body.unsendable.as_ref())
    {
        return Err(Error::Unsendable {
            step: step.to_string(),
            field: field.clone(),
        });
    }
    let head = header.map_or(0, |h| h.buf.len());
    let mut out = String::with_capacity(body.buf.len() + head + 320);
    out.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    out.push_str(r#"<soapenv:Envelope xmlns:soapenv=""#);
    out.push_str(SOAP_ENV);
    out.push_str(r#"" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#);
    out.push_str(r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#);
    if let Some(h) = header {
        out.push_str("<soapenv:Header>");
        out.push_str(&h.buf);
        out.push_str("</soapenv:Header>");
    }
    out.push_str("<soapenv:Body>");
    out.push_str(&body.buf);
    out.push_str("</soapenv:Body></soapenv:Envelope>");
    Ok(out)
}

/// Reads that change nothing on the server and consume no cursor: the only
/// calls sent again after a transient failure. An allow-list, so a call
/// added later is not retried until someone has decided it is safe to be.
/// (Login, Logout, views, `ContinueRetrievePropertiesEx` and every write are
/// deliberately absent.)
const IDEMPOTENT: &[&str] = &[
    "RetrieveServiceContent",
    "RetrievePropertiesEx",
    "CurrentTime",
    "QueryEvents",
    "HasPrivilegeOnEntities",
    "HasUserPrivilegeOnEntities",
    "RetrieveEntityPermissions",
    "QueryPerf",
    "FindAllByIp",
    "RetrieveAllPermissions",
    "RetrieveRolePermissions",
];

/// One method call: `<Method xmlns="urn:vim25"><_this …/>…</Method>`, or
/// the same shape in another vSphere SOAP service's namespace.
#[derive(Clone)]
pub struct Request {
    pub method: &'static str,
    xml: Xml,
    header: Option<Xml>,
    /// Set for calls whose body must never reach a log (Login).
    pub secret: bool,
    /// Set for calls that refer to objects of this session (a view, a
    /// result token): after a re-login they are meaningless, so the caller,
    /// not the transport, decides how to start over.
    pub session_bound: bool,
}

impl Request {
    pub fn new(method: &'static str, this: &MoRef) -> Self {
        Self::in_namespace("urn:vim25", method, this)
    }

    /// A call of another vSphere SOAP service: the Lookup Service
    /// (`urn:lookup`), the SSO admin service (`urn:sso`).
    pub fn in_namespace(namespace: &str, method: &'static str, this: &MoRef) -> Self {
        let mut xml = Xml {
            buf: String::with_capacity(512),
            unsendable: None,
        };
        xml.open_with(method, &[("xmlns", namespace)])
            .moref("_this", this);
        Request {
            method,
            xml,
            header: None,
            secret: false,
            session_bound: false,
        }
    }

    /// The SOAP header (WS-Security for the SSO admin service).
    pub fn header(&mut self, header: Xml) -> &mut Self {
        self.header = Some(header);
        self
    }

    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.xml.text(name, value);
        self
    }

    pub fn moref(&mut self, name: &str, m: &MoRef) -> &mut Self {
        self.xml.moref(name, m);
        self
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.xml.open(name);
        self
    }

    /// An element whose declared type is abstract in the WSDL needs its
    /// concrete type (`selectSet` holding a TraversalSpec).
    pub fn open_typed(&mut self, name: &str, xsi_type: &str) -> &mut Self {
        self.xml.open_with(name, &[("xsi:type", xsi_type)]);
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.xml.close(name);
        self
    }

    /// Safe to send again after a transient failure.
    pub fn idempotent(&self) -> bool {
        IDEMPOTENT.contains(&self.method)
    }

    /// Safe to send again after logging in anew.
    pub fn survives_relogin(&self) -> bool {
        !self.secret
            && !self.session_bound
            && !matches!(self.method, "Logout" | "RetrieveServiceContent")
    }

    /// The request as sent, or the error naming a value XML cannot carry.
    pub fn body(&self) -> Result<String, Error> {
        let mut body = self.xml.clone();
        body.close(self.method);
        envelope(self.method, self.header.as_ref(), &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_listed_reads_are_retried() {
        let this = MoRef::new("PropertyCollector", "propertyCollector");
        assert!(Request::new("RetrievePropertiesEx", &this).idempotent());
        for m in [
            "Login",
            "Logout",
            "ContinueRetrievePropertiesEx",
            "CreateContainerView",
            "SetEntityPermissions",
            "SomeCallAddedLater",
        ] {
            assert!(!Request::new(m, &this).idempotent(), "{m}");
        }
    }

    #[test]
    fn escapes_values() {
        let mut r = Request::new("Login", &MoRef::new("SessionManager", "SessionManager"));
        r.text("userName", "a<b>&\"c\"");
        let body = r.body().unwrap();
        assert!(body.contains("<userName>a&lt;b&gt;&amp;&quot;c&quot;</userName>"));
        assert!(body.ends_with("</Login></soapenv:Body></soapenv:Envelope>"));
    }

    /// What an XML parser reads back from `<v>…</v>` as this escaper wrote it.
    fn read_back(value: &str) -> String {
        let mut body = Xml::default();
        body.text("v", value);
        let doc = envelope("test", None, &body).unwrap();
        let mut cur = crate::vsphere::xml::Cursor::new(doc.as_bytes());
        let tag = cur.enter_body().unwrap();
        crate::vsphere::xml::Node::read(&mut cur, tag).unwrap().text
    }

    #[test]
    fn markup_reads_back_unaltered() {
        let v = "p<&>\"'q";
        assert_eq!(escape("f", v).unwrap(), "p&lt;&amp;&gt;&quot;&apos;q");
        assert_eq!(read_back(v), v);
    }

    #[test]
    fn del_c1_bidi_and_line_separators_are_sent_as_they_are() {
        let v = "p\u{7f}\u{85}\u{2028}\u{2029}\u{202e}\u{2066}q";
        assert_eq!(escape("f", v).unwrap(), v);
        assert_eq!(read_back(v), v);
    }

    #[test]
    fn tab_and_line_ends_survive_normalisation() {
        let v = "a\tb\r\nc\rd";
        assert_eq!(escape("f", v).unwrap(), "a&#x9;b&#xD;&#xA;c&#xD;d");
        assert_eq!(read_back(v), v);
    }

    #[test]
    fn a_c0_control_is_an_error_naming_the_field() {
        assert_eq!(
            escape("password", "p\u{1}q").unwrap_err(),
            Unsendable("password".into())
        );
    }

    #[test]
    fn a_noncharacter_is_an_error_naming_the_field() {
        assert_eq!(
            escape("password", "p\u{fffe}q").unwrap_err(),
            Unsendable("password".into())
        );
    }

    #[test]
    fn a_login_that_cannot_be_written_is_refused_before_sending() {
        let mut r = Request::new("Login", &MoRef::new("SessionManager", "SessionManager"));
        r.text("userName", "arc@vsphere.local")
            .text("password", "p\u{1}q");
        let e = r.body().unwrap_err();
        assert!(
            matches!(&e, Error::Unsendable { step, field } if step == "Login" && field == "password"),
            "{e:?}"
        );
        assert!(!e.to_string().contains("p\u{1}q"), "{e}");
    }
}
