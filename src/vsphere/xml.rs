//! A small, bounded, namespace-aware pull decoder over quick-xml.
//!
//! vim25 answers type their values with the XML Schema instance namespace under
//! whatever prefix the server chose (vcsim writes `XMLSchema-instance:type`), so
//! `xsi:type` is never matched as text: attribute prefixes are resolved. The
//! decoder refuses DTDs (no entity expansion, no external entities) and bounds
//! depth and value sizes so a hostile or broken server cannot exhaust memory.

use std::borrow::Cow;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Deeper than any vim25 answer nests; far below what could exhaust the stack.
const MAX_DEPTH: usize = 128;
/// Longer than any name, path or annotation vCenter stores.
const MAX_TEXT: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub String);

impl XmlError {
    fn new(msg: impl Into<String>) -> Self {
        XmlError(msg.into())
    }
}

impl From<quick_xml::Error> for XmlError {
    fn from(e: quick_xml::Error) -> Self {
        XmlError(format!("malformed XML: {e}"))
    }
}

pub type Result<T> = std::result::Result<T, XmlError>;

/// What the cursor yields: element starts (with their local name and xsi:type
/// resolved), element ends, and text.
pub enum Item<'a> {
    Start(Tag<'a>),
    End,
    Text(Cow<'a, str>),
    Eof,
}

pub struct Tag<'a> {
    start: BytesStart<'a>,
}

impl<'a> Tag<'a> {
    pub fn local(&self) -> &str {
        self.start.local_name().into_inner()
    }

    pub fn is(&self, name: &str) -> bool {
        self.local() == name
    }

    pub fn local_str(&self) -> String {
        self.local().to_owned()
    }

    /// An unprefixed attribute such as the `type` of a ManagedObjectReference.
    pub fn attr(&self, name: &str) -> Result<Option<String>> {
        for a in self.start.attributes() {
            let a = a.map_err(|e| XmlError::new(format!("malformed attribute: {e}")))?;
            if a.key.as_ref() == name {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| XmlError::new(format!("malformed attribute value: {e}")))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }
}

pub struct Cursor<'a> {
    reader: NsReader<&'a [u8]>,
    depth: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        let mut reader = NsReader::from_reader(body);
        let cfg = reader.config_mut();
        cfg.expand_empty_elements = true;
        cfg.check_end_names = true;
        Cursor { reader, depth: 0 }
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    pub fn next(&mut self) -> Result<Item<'a>> {
        loop {
            let ev = self.reader.read_event()?;
            match ev {
                Event::Start(start) => {
                    self.depth += 1;
                    if self.depth > MAX_DEPTH {
                        return Err(XmlError::new(format!(
                            "XML nested deeper than {MAX_DEPTH} elements"
                        )));
                    }
                    // Bounded here, for every element, even those whose
                    // attributes are never read.
                    if start.attributes_raw().len() > MAX_TEXT {
                        return Err(XmlError::new("an attribute value longer than 1 MiB"));
                    }
                    return Ok(Item::Start(Tag { start }));
                }
                Event::End(_) => {
                    self.depth -= 1;
                    return Ok(Item::End);
                }
                Event::Text(t) => {
                    if t.as_ref().len() > MAX_TEXT {
                        return Err(XmlError::new("a text value longer than 1 MiB"));
                    }
                    return Ok(Item::Text(t.into_inner()));
                }
                Event::CData(c) => {
                    if c.as_ref().len() > MAX_TEXT {
                        return Err(XmlError::new("a text value longer than 1 MiB"));
                    }
                    return Ok(Item::Text(c.into_inner()));
                }
                Event::GeneralRef(r) => {
                    if let Some(ch) = r
                        .resolve_char_ref()
                        .map_err(|e| XmlError::new(format!("bad character reference: {e}")))?
                    {
                        return Ok(Item::Text(Cow::Owned(ch.to_string())));
                    }
                    let name: &str = &r;
                    match resolve_predefined_entity(name) {
                        Some(s) => return Ok(Item::Text(Cow::Borrowed(s))),
                        None => {
                            return Err(XmlError::new(format!(
                                "undeclared entity &{name}; (entities are not expanded)"
                            )));
                        }
                    }
                }
                Event::DocType(_) => {
                    return Err(XmlError::new(
                        "a DOCTYPE declaration (refused: SOAP answers carry no DTD)",
                    ));
                }
                Event::Eof => {
                    if self.depth != 0 {
                        return Err(XmlError::new("the document ends inside an element"));
                    }
                    return Ok(Item::Eof);
                }
                Event::Empty(_) => unreachable!("empty elements are expanded"),
                Event::Decl(_) | Event::PI(_) | Event::Comment(_) => continue,
            }
        }
    }

    /// The local part of the `xsi:type` of the element just started
    /// (`xsd:string` gives `string`). Resolved on demand, while that
    /// element's namespace bindings are in scope: most elements have none.
    pub fn xsi_type(&self, tag: &Tag<'_>) -> Result<Option<String>> {
        for a in tag.start.attributes().with_checks(false) {
            let a = a.map_err(|e| XmlError::new(format!("malformed attribute: {e}")))?;
            if a.value.len() > MAX_TEXT {
                return Err(XmlError::new("an attribute value longer than 1 MiB"));
            }
            let (ns, local) = self.reader.resolver().resolve_attribute(a.key);
            if local.as_ref() != "type" {
                continue;
            }
            if matches!(ns, ResolveResult::Bound(ns) if ns.as_ref() == XSI_NS) {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| XmlError::new(format!("malformed attribute value: {e}")))?;
                let local = v.rsplit(':').next().unwrap_or_default().to_string();
                return Ok(Some(local));
            }
        }
        Ok(None)
    }

    /// Reads the text of the element just started, up to its end. Child
    /// elements are an error: callers use this only for leaf values.
    pub fn text(&mut self) -> Result<String> {
        self.leaf_text()?.map_err(|tag| {
            XmlError::new(format!(
                "unexpected element <{}> inside a text value",
                tag.local_str()
            ))
        })
    }

    /// The text of the element just started if it holds only text (an enum
    /// value such as `poweredOn`); `None`, with the element skipped, if it
    /// holds elements (a data object).
    pub fn text_or_skip(&mut self) -> Result<Option<String>> {
        match self.leaf_text()? {
            Ok(text) => Ok(Some(text)),
            Err(_child) => {
                // Inside the child now: skip it, then the rest.
                self.skip()?;
                self.skip()?;
                Ok(None)
            }
        }
    }

    /// Collects text up to the element's end (`Ok`), or stops at its first
    /// child element (`Err`, the cursor then inside that child).
    fn leaf_text(&mut self) -> Result<std::result::Result<String, Tag<'a>>> {
        let mut out = String::new();
        loop {
            match self.next()? {
                Item::Text(t) => {
                    if out.len() + t.len() > MAX_TEXT {
                        return Err(XmlError::new("a text value longer than 1 MiB"));
                    }
                    out.push_str(&t)
                }
                Item::End => return Ok(Ok(out)),
                Item::Start(tag) => return Ok(Err(tag)),
                Item::Eof => return Err(XmlError::new("the document ends inside a value")),
            }
        }
    }

    /// Skips the rest of the element just started, whatever it holds.
    pub fn skip(&mut self) -> Result<()> {
        let target = self.depth - 1;
        while self.depth > target {
            if let Item::Eof = self.next()? {
                return Err(XmlError::new("the document ends inside an element"));
            }
        }
        Ok(())
    }

    /// Moves to the next child element start of the current element, skipping
    /// text; `None` at the current element's end.
    pub fn next_child(&mut self) -> Result<Option<Tag<'a>>> {
        loop {
            match self.next()? {
                Item::Start(tag) => return Ok(Some(tag)),
                Item::End => return Ok(None),
                Item::Text(_) => continue,
                Item::Eof => return Err(XmlError::new("the document ends inside an element")),
            }
        }
    }

    /// Descends through the SOAP envelope to the first element of the Body.
    pub fn enter_body(&mut self) -> Result<Tag<'a>> {
        let env = self
            .next_child()?
            .ok_or_else(|| XmlError::new("an empty document"))?;
        if !env.is("Envelope") {
            return Err(XmlError::new(format!(
                "<{}> where a SOAP Envelope was expected",
                env.local_str()
            )));
        }
        loop {
            let tag = self
                .next_child()?
                .ok_or_else(|| XmlError::new("a SOAP Envelope without a Body"))?;
            if tag.is("Body") {
                return self
                    .next_child()?
                    .ok_or_else(|| XmlError::new("an empty SOAP Body"));
            }
            self.skip()?;
        }
    }
}

/// A small decoded element tree, for the answers that are small and shaped
/// (faults, ServiceContent, UserSession, privilege results). The hot path, the
/// PropertyCollector, decodes from the stream instead.
#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: String,
    pub xsi_type: Option<String>,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

/// Far more elements than any small answer holds: bounds memory on garbage.
const MAX_TREE_NODES: usize = 200_000;

impl Node {
    /// Reads the element just started (its tag given) into a tree.
    pub fn read(cur: &mut Cursor<'_>, tag: Tag<'_>) -> Result<Node> {
        let mut count = 0usize;
        Self::read_counted(cur, tag, &mut count)
    }

    fn read_counted(cur: &mut Cursor<'_>, tag: Tag<'_>, count: &mut usize) -> Result<Node> {
        *count += 1;
        if *count > MAX_TREE_NODES {
            return Err(XmlError::new("an answer with too many elements"));
        }
        let mut node = Node {
            name: tag.local_str(),
            xsi_type: cur.xsi_type(&tag)?,
            attrs: Vec::new(),
            text: String::new(),
            children: Vec::new(),
        };
        if let Some(t) = tag.attr("type")? {
            node.attrs.push(("type".into(), t));
        }
        loop {
            match cur.next()? {
                Item::Start(child) => node.children.push(Self::read_counted(cur, child, count)?),
                Item::Text(t) => {
                    if node.text.len() + t.len() > MAX_TEXT {
                        return Err(XmlError::new("a text value longer than 1 MiB"));
                    }
                    node.text.push_str(&t)
                }
                Item::End => return Ok(node),
                Item::Eof => return Err(XmlError::new("the document ends inside an element")),
            }
        }
    }

    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s Node> + 's {
        self.children.iter().filter(move |c| c.name == name)
    }

    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Escapes text for an element body or attribute value.
pub fn escape(s: &str) -> Cow<'_, str> {
    quick_xml::escape::escape(s)
}

#[cfg(test)]
mod tests {
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
}
