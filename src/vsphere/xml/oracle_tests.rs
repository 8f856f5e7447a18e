//! The scanner checked against quick-xml, a general reader, as an oracle: on
//! generated documents (elements, namespaces, typed values, references,
//! CDATA, comments) both must read the same events; on mutated ones, when
//! both accept a document they must read it the same way.

use std::borrow::Cow;

use proptest::prelude::*;
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use quick_xml::{NsReader, XmlVersion};

use super::{Cursor, Item, XSI_NS};

/// What a reader makes of a document, in the terms the decoder uses.
#[derive(Debug, PartialEq)]
enum Ev {
    Start {
        local: String,
        xsi_type: Option<String>,
        kind: Option<String>,
        id: Option<String>,
    },
    /// Adjacent text, CDATA and references, joined.
    Text(String),
    End,
}

fn push_text(out: &mut Vec<Ev>, t: &str) {
    match out.last_mut() {
        Some(Ev::Text(s)) => s.push_str(t),
        _ => out.push(Ev::Text(t.to_string())),
    }
}

fn scanner(body: &[u8]) -> Result<Vec<Ev>, String> {
    let mut cur = Cursor::new(body);
    let mut out = Vec::new();
    loop {
        match cur.next().map_err(|e| e.0)? {
            Item::Start(tag) => {
                let owned = |v: Option<Cow<'_, str>>| v.map(Cow::into_owned);
                out.push(Ev::Start {
                    local: tag.local().to_string(),
                    xsi_type: owned(cur.xsi_type(&tag).map_err(|e| e.0)?),
                    kind: owned(tag.attr("type").map_err(|e| e.0)?),
                    id: owned(tag.attr("id").map_err(|e| e.0)?),
                });
            }
            Item::Text(t) => push_text(&mut out, &t),
            Item::End => out.push(Ev::End),
            Item::Eof => return Ok(out),
        }
    }
}

fn oracle(body: &[u8]) -> Result<Vec<Ev>, String> {
    let mut r = NsReader::from_reader(body);
    r.config_mut().expand_empty_elements = true;
    r.config_mut().check_end_names = true;
    let mut out = Vec::new();
    let mut depth = 0usize;
    loop {
        match r.read_event().map_err(|e| e.to_string())? {
            Event::Start(s) => {
                depth += 1;
                let (mut xsi_type, mut kind, mut id) = (None, None, None);
                for a in s.attributes() {
                    let a = a.map_err(|e| e.to_string())?;
                    let value = || {
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .map(|v| v.into_owned())
                            .map_err(|e| e.to_string())
                    };
                    let (ns, local) = r.resolver().resolve_attribute(a.key);
                    match (ns, local.as_ref()) {
                        (ResolveResult::Bound(ns), "type")
                            if ns.as_ref() == XSI_NS && xsi_type.is_none() =>
                        {
                            let v = value()?;
                            xsi_type = Some(v.rsplit(':').next().unwrap_or_default().to_string());
                        }
                        (ResolveResult::Unbound, "type") if kind.is_none() => kind = Some(value()?),
                        (ResolveResult::Unbound, "id") if id.is_none() => id = Some(value()?),
                        _ => {}
                    }
                }
                out.push(Ev::Start {
                    local: s.local_name().into_inner().to_string(),
                    xsi_type,
                    kind,
                    id,
                });
            }
            Event::End(_) => {
                depth -= 1;
                out.push(Ev::End);
            }
            Event::Text(t) => push_text(&mut out, &t.into_inner()),
            Event::CData(c) => push_text(&mut out, &c.into_inner()),
            Event::GeneralRef(g) => {
                let ch = match g.resolve_char_ref().map_err(|e| e.to_string())? {
                    Some(ch) => ch.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&g)
                        .ok_or("undeclared entity")?
                        .to_string(),
                };
                push_text(&mut out, &ch);
            }
            Event::DocType(_) => return Err("DOCTYPE".into()),
            Event::Eof if depth == 0 => return Ok(out),
            Event::Eof => return Err("ends inside an element".into()),
            _ => {}
        }
    }
}

/// A generated document part.
#[derive(Debug, Clone)]
enum Part {
    Element {
        name: String,
        attrs: Vec<String>,
        kids: Vec<Part>,
        empty: bool,
    },
    Text(String),
    CData(String),
    Comment(String),
}

impl Part {
    fn write(&self, out: &mut String) {
        match self {
            Part::Element {
                name,
                attrs,
                kids,
                empty,
            } => {
                out.push('<');
                out.push_str(name);
                for a in attrs {
                    out.push_str(a);
                }
                if *empty && kids.is_empty() {
                    out.push_str("/>");
                    return;
                }
                out.push('>');
                for k in kids {
                    k.write(out);
                }
                out.push_str("</");
                out.push_str(name);
                out.push('>');
            }
            Part::Text(t) => out.push_str(t),
            Part::CData(t) => {
                out.push_str("<![CDATA[");
                out.push_str(t);
                out.push_str("]]>");
            }
            Part::Comment(t) => {
                out.push_str("<!--");
                out.push_str(t);
                out.push_str("-->");
            }
        }
    }
}

/// Text as servers write it: plain runs, the predefined entities,
/// character references, non-ASCII, line breaks and a stray `>`.
fn text() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "vm-42", " ", "a b", "\n", "\t", "&amp;", "&lt;", "&gt;", "&quot;", "&apos;", "&#65;",
        "&#x263A;", "&#10;", "é", "☺", "DC0_C0", ">", "'", "\"", "]", "-",
    ]);
    prop::collection::vec(piece, 1..6).prop_map(|p| p.concat())
}

fn attr_value(quote: char) -> impl Strategy<Value = String> {
    text().prop_map(move |t| {
        let other = if quote == '"' { "&quot;" } else { "&apos;" };
        t.replace(quote, other)
    })
}

/// Attributes, at most one of each name, in any order and quoting.
fn attrs() -> impl Strategy<Value = Vec<String>> {
    let typed = prop::sample::select(vec![
        "xsd:string",
        "ManagedObjectReference",
        "ArrayOfString",
        "VirtualMachinePowerState",
    ]);
    let one = |key: &'static str, value: BoxedStrategy<String>| {
        (
            prop::option::weighted(0.4, value),
            prop::sample::select(vec!['"', '\'']),
            prop::sample::select(vec!["", " ", "\n"]),
        )
            .prop_map(move |(v, q, ws)| {
                v.map(|v| format!(" {key}{ws}={ws}{q}{}{q}", v.replace(q, "")))
            })
    };
    let uri = prop::sample::select(vec![XSI_NS, "urn:other"]).prop_map(str::to_string);
    (
        one("type", attr_value('"').boxed()),
        one("xsi:type", typed.clone().prop_map(str::to_string).boxed()),
        one("p:type", typed.prop_map(str::to_string).boxed()),
        one("id", attr_value('\'').boxed()),
        one("xmlns:p", uri.clone().boxed()),
        one("q:type", Just("xsd:int".to_string()).boxed()),
        one("xmlns:q", uri.boxed()),
    )
        .prop_map(|(a, b, c, d, e, f, g)| [a, b, c, d, e, f, g].into_iter().flatten().collect())
        .prop_shuffle()
}

fn part() -> impl Strategy<Value = Part> {
    let leaf = prop_oneof![
        4 => text().prop_map(Part::Text),
        1 => text()
            .prop_map(|t| t.replace("]]>", "]]"))
            .prop_map(Part::CData),
        1 => text()
            .prop_map(|t| t.replace("--", "-"))
            .prop_map(|t| t.trim_end_matches('-').to_string())
            .prop_map(Part::Comment),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        (
            prop::sample::select(vec!["val", "obj", "xsd:x", "soapenv:Body", "a", "propSet"]),
            attrs(),
            prop::collection::vec(inner, 0..6),
            any::<bool>(),
        )
            .prop_map(|(name, attrs, kids, empty)| Part::Element {
                name: name.to_string(),
                attrs,
                kids,
                empty,
            })
    })
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(part(), 0..6).prop_map(|kids| {
        let mut out = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><!-- c --><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="{XSI_NS}" xmlns:xsd="http://www.w3.org/2001/XMLSchema">"#
        );
        for k in &kids {
            k.write(&mut out);
        }
        out.push_str("</soapenv:Envelope>\n");
        out
    })
}

/// A byte edit that is likely to break or bend the markup.
fn edit() -> impl Strategy<Value = (prop::sample::Index, u8, u8)> {
    let bytes = prop::sample::select(b"<>&;/\"'=: #x!?-[]\n\x00\xff".to_vec());
    (any::<prop::sample::Index>(), 0u8..3, bytes)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn scanner_reads_generated_documents_as_quick_xml_does(doc in document()) {
        let ours = scanner(doc.as_bytes());
        let theirs = oracle(doc.as_bytes());
        prop_assert!(theirs.is_ok(), "the oracle refused a generated document: {theirs:?}\n{doc}");
        prop_assert_eq!(ours, theirs, "{}", doc);
    }

    #[test]
    fn scanner_and_quick_xml_agree_where_both_accept(
        doc in document(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let mut body = doc.into_bytes();
        for (at, op, b) in edits {
            let i = at.index(body.len() + 1);
            match op {
                0 => body.insert(i, b),
                1 if i < body.len() => { body.remove(i); }
                _ if i < body.len() => body[i] = b,
                _ => body.push(b),
            }
        }
        if let (Ok(ours), Ok(theirs)) = (scanner(&body), oracle(&body)) {
            prop_assert_eq!(ours, theirs, "{}", String::from_utf8_lossy(&body));
        }
    }
}
