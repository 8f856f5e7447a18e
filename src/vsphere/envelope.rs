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

/// One method call: `<Method xmlns="urn:vim25"><_this …/>…</Method>`.
pub struct Request {
    pub method: &'static str,
    buf: String,
    /// Set for calls whose body must never reach a log (Login).
    pub secret: bool,
}

impl Request {
    pub fn new(method: &'static str, this: &MoRef) -> Self {
        let mut r = Request {
            method,
            buf: String::with_capacity(512),
            secret: false,
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

    pub fn into_body(mut self) -> String {
        self.buf.push_str("</");
        self.buf.push_str(self.method);
        self.buf.push_str("></soapenv:Body></soapenv:Envelope>");
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_values() {
        let mut r = Request::new("Login", &MoRef::new("SessionManager", "SessionManager"));
        r.text("userName", "a<b>&\"c\"");
        let body = r.into_body();
        assert!(body.contains("<userName>a&lt;b&gt;&amp;&quot;c&quot;</userName>"));
        assert!(body.ends_with("</Login></soapenv:Body></soapenv:Envelope>"));
    }
}
