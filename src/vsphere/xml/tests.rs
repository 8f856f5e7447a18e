//! The decoder's own cases: namespaces, refusals, bounds.

use super::*;

fn body_node(xml: &str) -> Result<Node> {
    let mut cur = Cursor::new(xml.as_bytes());
    let tag = cur.enter_body()?;
    Node::read(&mut cur, tag)
}

#[test]
fn resolves_xsi_under_any_prefix() {
    let xml = r#"<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><R xmlns="urn:vim25"><val xmlns:XMLSchema-instance="http://www.w3.org/2001/XMLSchema-instance" XMLSchema-instance:type="xsd:string">a &amp; b&#33;</val><val xmlns:foo="urn:other" foo:type="xsd:int">1</val></R></soapenv:Body></soapenv:Envelope>"#;
    let n = body_node(xml).unwrap();
    assert_eq!(n.children[0].xsi_type.as_deref(), Some("string"));
    assert_eq!(n.children[0].text, "a & b!");
    // A `type` attribute in another namespace is not the schema type.
    assert_eq!(n.children[1].xsi_type, None);
}

#[test]
fn refuses_doctype_and_undeclared_entities() {
    let laughs = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><Envelope><Body><x>&lol2;</x></Body></Envelope>"#;
    let err = body_node(laughs).unwrap_err();
    assert!(err.0.contains("DOCTYPE"), "{err}");
    let undeclared = r#"<Envelope><Body><x>&xxe;</x></Body></Envelope>"#;
    let err = body_node(undeclared).unwrap_err();
    assert!(err.0.contains("undeclared entity"), "{err}");
}

#[test]
fn bounds_depth() {
    let mut xml = String::from("<Envelope><Body>");
    for _ in 0..10_000 {
        xml.push_str("<a>");
    }
    let err = body_node(&xml).unwrap_err();
    assert!(err.0.contains("nested deeper"), "{err}");
}

#[test]
fn truncated_document_is_an_error() {
    let err = body_node("<Envelope><Body><R><val>abc").unwrap_err();
    assert!(err.0.contains("ends inside"), "{err}");
}

#[test]
fn non_soap_is_an_error() {
    let err = body_node("<html><body>proxy</body></html>").unwrap_err();
    assert!(err.0.contains("SOAP Envelope"), "{err}");
}

#[test]
fn a_comment_ends_after_its_opening() {
    // `<!-->` does not close itself: the comment runs to the next `-->`.
    let n = body_node("<Envelope><Body><R><v><!-->--><!---->x</v></R></Body></Envelope>").unwrap();
    assert_eq!(n.children[0].text, "x");
    let err = body_node("<Envelope><Body><R><!--></R></Body></Envelope>").unwrap_err();
    assert!(err.0.contains("inside a comment"), "{err}");
}
