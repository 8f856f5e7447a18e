//! Building vim25 request envelopes. Requests are small and written once, so
//! a string builder with escaping is all they need.

use super::types::MoRef;
use super::xml::escape;

const HEAD: &str = concat!(
    r#"<?xml version="1.0" encoding="UTF-8"?>"#,
    r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/""#,
    r#" xmlns:xsd="http://www.w3.org/2001/XMLSchema""#,
    r#" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>"#
);

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
];

/// One method call: `<Method xmlns="urn:vim25"><_this …/>…</Method>`.
#[derive(Clone)]
pub struct Request {
    pub method: &'static str,
    buf: String,
    /// Set for calls whose body must never reach a log (Login).
    pub secret: bool,
    /// Set for calls that refer to objects of this session (a view, a
    /// result token): after a re-login they are meaningless, so the caller,
    /// not the transport, decides how to start over.
    pub session_bound: bool,
}

impl Request {
    pub fn new(method: &'static str, this: &MoRef) -> Self {
        let mut r = Request {
            method,
            buf: String::with_capacity(512),
            secret: false,
            session_bound: false,
        };
        r.buf.push_str(HEAD);
        r.buf.push('<');
        r.buf.push_str(method);
        r.buf.push_str(r#" xmlns="urn:vim25">"#);
        r.moref("_this", this);
        r
    }

    pub fn text(&mut self, name: &str, value: &str) -> &mut Self {
        self.open(name);
        self.buf.push_str(&escape(value));
        self.close(name)
    }

    pub fn moref(&mut self, name: &str, m: &MoRef) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(r#" type=""#);
        self.buf.push_str(&escape(&m.kind));
        self.buf.push_str(r#"">"#);
        self.buf.push_str(&escape(&m.value));
        self.close(name)
    }

    pub fn open(&mut self, name: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push('>');
        self
    }

    /// An element whose declared type is abstract in the WSDL needs its
    /// concrete type (`selectSet` holding a TraversalSpec).
    pub fn open_typed(&mut self, name: &str, xsi_type: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(name);
        self.buf.push_str(r#" xsi:type=""#);
        self.buf.push_str(xsi_type);
        self.buf.push_str(r#"">"#);
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(name);
        self.buf.push('>');
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

    pub fn body(&self) -> String {
        let mut b = String::with_capacity(self.buf.len() + self.method.len() + 48);
        b.push_str(&self.buf);
        b.push_str("</");
        b.push_str(self.method);
        b.push_str("></soapenv:Body></soapenv:Envelope>");
        b
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
        let body = r.body();
        assert!(body.contains("<userName>a&lt;b&gt;&amp;&quot;c&quot;</userName>"));
        assert!(body.ends_with("</Login></soapenv:Body></soapenv:Envelope>"));
    }
}
