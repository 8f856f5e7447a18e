//! The same page decoder as `vaudit::vsphere::decode_page`, on quick-xml's
//! plain `Reader` with vaudit's own prefix resolution (a stack of the
//! bindings in scope, as the scanner keeps), and the scanner's bounds: no
//! DTD, no entity but the predefined ones and character references, depth
//! 128, values 1 MiB, 128 bindings in scope. Kept here, beside the
//! benchmark, so the choice between the two readers is measured in one run.

use std::borrow::Cow;
use std::sync::Arc;

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use vaudit::vsphere::{MissingProperty, MoRef, ObjectContent, Page, Value};

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";
const MAX_DEPTH: usize = 128;
const MAX_TEXT: usize = 1 << 20;
const MAX_BINDINGS: usize = 128;

type Result<T> = std::result::Result<T, String>;
/// An element's `xsi:type` (local part) and unprefixed `type`.
type Types<'t> = (Option<Cow<'t, str>>, Option<Cow<'t, str>>);

enum Ev<'a> {
    Start(BytesStart<'a>),
    Text(Cow<'a, str>),
    End,
    Eof,
}

struct Binding {
    /// Where its prefix sits in `Qx::prefixes`.
    at: usize,
    len: usize,
    xsi: bool,
}

struct Qx<'a> {
    r: Reader<&'a [u8]>,
    /// How many bindings were in scope before each open element.
    open: Vec<usize>,
    prefixes: String,
    bindings: Vec<Binding>,
}

impl<'a> Qx<'a> {
    fn new(body: &'a [u8]) -> Self {
        let mut r = Reader::from_reader(body);
        r.config_mut().expand_empty_elements = true;
        r.config_mut().check_end_names = true;
        Qx {
            r,
            open: Vec::with_capacity(16),
            prefixes: String::new(),
            bindings: Vec::new(),
        }
    }

    fn depth(&self) -> usize {
        self.open.len()
    }

    fn next(&mut self) -> Result<Ev<'a>> {
        loop {
            match self.r.read_event().map_err(|e| e.to_string())? {
                Event::Start(s) => {
                    if self.open.len() >= MAX_DEPTH {
                        return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                    }
                    if s.len() > MAX_TEXT {
                        return Err("an attribute value longer than 1 MiB".into());
                    }
                    self.open.push(self.bindings.len());
                    // Declarations are rare: look before reading attributes.
                    if s.attributes_raw().contains("xmlns:") {
                        for a in s.attributes().with_checks(false) {
                            let a = a.map_err(|e| e.to_string())?;
                            let key = a.key.into_inner();
                            if let Some(prefix) = key.strip_prefix("xmlns:") {
                                let value = a
                                    .normalized_value(XmlVersion::Implicit1_0)
                                    .map_err(|e| e.to_string())?;
                                self.bindings.push(Binding {
                                    at: self.prefixes.len(),
                                    len: prefix.len(),
                                    xsi: value == XSI_NS,
                                });
                                self.prefixes.push_str(prefix);
                                if self.bindings.len() > MAX_BINDINGS {
                                    return Err(format!(
                                        "more than {MAX_BINDINGS} namespace bindings in scope"
                                    ));
                                }
                            }
                        }
                    }
                    return Ok(Ev::Start(s));
                }
                Event::End(_) => {
                    let before = self.open.pop().unwrap_or(0);
                    if let Some(b) = self.bindings.get(before) {
                        self.prefixes.truncate(b.at);
                    }
                    self.bindings.truncate(before);
                    return Ok(Ev::End);
                }
                Event::Text(t) => return Ok(Ev::Text(t.into_inner())),
                Event::CData(c) => return Ok(Ev::Text(c.into_inner())),
                Event::GeneralRef(g) => {
                    let ch = match g.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(ch) => ch,
                        None => quick_xml::escape::resolve_predefined_entity(&g)
                            .and_then(|s| s.chars().next())
                            .ok_or("an undeclared entity")?,
                    };
                    return Ok(Ev::Text(Cow::Owned(ch.to_string())));
                }
                Event::DocType(_) => {
                    return Err("a DOCTYPE declaration (refused: SOAP answers carry no DTD)".into());
                }
                Event::Eof if self.open.is_empty() => return Ok(Ev::Eof),
                Event::Eof => return Err("the document ends inside an element".into()),
                Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
    }

    fn is_xsi(&self, prefix: &str) -> bool {
        self.bindings
            .iter()
            .rev()
            .find(|b| &self.prefixes[b.at..b.at + b.len] == prefix)
            .is_some_and(|b| b.xsi)
    }

    /// The local part of the element's `xsi:type`, and its unprefixed `type`,
    /// lent from the tag unless a reference had to be resolved.
    fn types<'t>(&self, s: &'t BytesStart<'_>) -> Result<Types<'t>> {
        let (mut xsi, mut kind) = (None, None);
        for a in s.attributes().with_checks(false) {
            let a = a.map_err(|e| e.to_string())?;
            let key = a.key.into_inner();
            let Some(at) = key.len().checked_sub(4).filter(|&at| &key[at..] == "type") else {
                continue;
            };
            if at == 0 {
                if kind.is_none() {
                    kind = Some(
                        a.normalized_value(XmlVersion::Implicit1_0)
                            .map_err(|e| e.to_string())?,
                    );
                }
            } else if key.as_bytes()[at - 1] == b':' && xsi.is_none() && self.is_xsi(&key[..at - 1])
            {
                let v = a
                    .normalized_value(XmlVersion::Implicit1_0)
                    .map_err(|e| e.to_string())?;
                xsi = Some(match v {
                    Cow::Borrowed(v) => Cow::Borrowed(v.rsplit(':').next().unwrap_or_default()),
                    Cow::Owned(v) => {
                        Cow::Owned(v.rsplit(':').next().unwrap_or_default().to_string())
                    }
                });
            }
        }
        Ok((xsi, kind))
    }

    fn next_child(&mut self) -> Result<Option<BytesStart<'a>>> {
        loop {
            match self.next()? {
                Ev::Start(s) => return Ok(Some(s)),
                Ev::End => return Ok(None),
                Ev::Text(_) => {}
                Ev::Eof => return Err("the document ends inside an element".into()),
            }
        }
    }

    fn skip(&mut self) -> Result<()> {
        let target = self.depth() - 1;
        while self.depth() > target {
            if let Ev::Eof = self.next()? {
                return Err("the document ends inside an element".into());
            }
        }
        Ok(())
    }

    /// The element's text, or `None` with the element skipped if it holds
    /// elements.
    fn text_or_skip(&mut self) -> Result<Option<Cow<'a, str>>> {
        let mut out: Cow<'a, str> = Cow::Borrowed("");
        loop {
            match self.next()? {
                Ev::Text(t) if out.is_empty() => out = t,
                Ev::Text(t) => {
                    if out.len() + t.len() > MAX_TEXT {
                        return Err("a text value longer than 1 MiB".into());
                    }
                    out.to_mut().push_str(&t)
                }
                Ev::End => {
                    if out.len() > MAX_TEXT {
                        return Err("a text value longer than 1 MiB".into());
                    }
                    return Ok(Some(out));
                }
                Ev::Start(_) => {
                    self.skip()?;
                    self.skip()?;
                    return Ok(None);
                }
                Ev::Eof => return Err("the document ends inside a value".into()),
            }
        }
    }

    fn text(&mut self) -> Result<Cow<'a, str>> {
        self.text_or_skip()?
            .ok_or_else(|| "an element inside a text value".into())
    }
}

fn is(s: &BytesStart<'_>, name: &str) -> bool {
    s.local_name().into_inner() == name
}

#[derive(Default)]
struct Shared {
    seen: Vec<Arc<str>>,
    next: usize,
    last_count: usize,
}

impl Shared {
    fn get(&mut self, name: &str) -> Arc<str> {
        let at = match self.seen.get(self.next) {
            Some(n) if &**n == name => self.next,
            _ => match self.seen.iter().position(|n| &**n == name) {
                Some(at) => at,
                None if self.seen.len() >= 64 => return Arc::from(name),
                None => {
                    self.seen.push(Arc::from(name));
                    self.seen.len() - 1
                }
            },
        };
        self.next = at + 1;
        self.seen[at].clone()
    }
}

pub fn decode_page(body: &[u8]) -> Result<Page> {
    let mut q = Qx::new(body);
    let env = q.next_child()?.ok_or("an empty document")?;
    if !is(&env, "Envelope") {
        return Err("not a SOAP Envelope".into());
    }
    let resp = loop {
        let tag = q.next_child()?.ok_or("a SOAP Envelope without a Body")?;
        if is(&tag, "Body") {
            break q.next_child()?.ok_or("an empty SOAP Body")?;
        }
        q.skip()?;
    };
    if is(&resp, "Fault") {
        return Err("a SOAP fault in a successful answer".into());
    }
    let mut page = Page::default();
    let mut shared = Shared::default();
    while let Some(rv) = q.next_child()? {
        if !is(&rv, "returnval") {
            q.skip()?;
            continue;
        }
        while let Some(tag) = q.next_child()? {
            if is(&tag, "token") {
                page.token = Some(q.text()?.trim_ascii().to_string()).filter(|t| !t.is_empty());
            } else if is(&tag, "objects") {
                page.objects.push(object(&mut q, &mut shared)?);
            } else {
                q.skip()?;
            }
        }
    }
    Ok(page)
}

fn object(q: &mut Qx<'_>, shared: &mut Shared) -> Result<ObjectContent> {
    let mut obj = None;
    let mut props = Vec::with_capacity(shared.last_count);
    let mut missing = Vec::new();
    while let Some(tag) = q.next_child()? {
        if is(&tag, "obj") {
            let (_, kind) = q.types(&tag)?;
            obj = Some(moref(q, kind, shared)?);
        } else if is(&tag, "propSet") {
            let (mut name, mut val) = (None, None);
            while let Some(t) = q.next_child()? {
                if is(&t, "name") {
                    name = Some(shared.get(q.text()?.trim_ascii()));
                } else if is(&t, "val") {
                    val = Some(value(q, &t, shared)?);
                } else {
                    q.skip()?;
                }
            }
            if let (Some(n), Some(v)) = (name, val) {
                props.push((n, v));
            }
        } else if is(&tag, "missingSet") {
            let (mut path, mut fault) = (String::new(), String::new());
            while let Some(t) = q.next_child()? {
                if is(&t, "path") {
                    path = q.text()?.trim_ascii().to_string();
                } else if is(&t, "fault") {
                    while let Some(f) = q.next_child()? {
                        if is(&f, "fault") {
                            fault = q
                                .types(&f)?
                                .0
                                .map_or_else(|| "unknown".into(), Cow::into_owned);
                        }
                        q.skip()?;
                    }
                } else {
                    q.skip()?;
                }
            }
            missing.push(MissingProperty { path, fault });
        } else {
            q.skip()?;
        }
    }
    let obj = obj.ok_or("an object without its reference")?;
    shared.last_count = props.len();
    Ok(ObjectContent {
        obj,
        props,
        missing,
    })
}

fn moref(q: &mut Qx<'_>, kind: Option<Cow<'_, str>>, shared: &mut Shared) -> Result<MoRef> {
    let kind = shared.get(kind.as_deref().unwrap_or_default());
    let value = q.text()?.trim_ascii().to_string();
    Ok(MoRef { kind, value })
}

fn value(q: &mut Qx<'_>, tag: &BytesStart<'_>, shared: &mut Shared) -> Result<Value> {
    let (ty, kind) = q.types(tag)?;
    let bad = |what: &str, text: &str| format!("{text:?} is not a valid {what}");
    Ok(match ty.as_deref().unwrap_or("string") {
        "string" => Value::String(q.text()?.into_owned()),
        "boolean" => match q.text()?.trim_ascii() {
            "true" | "1" => Value::Bool(true),
            "false" | "0" => Value::Bool(false),
            other => return Err(bad("boolean", other)),
        },
        "int" | "long" | "short" | "byte" => {
            let t = q.text()?;
            Value::Int(
                t.trim_ascii()
                    .parse()
                    .map_err(|_| bad("integer", t.trim_ascii()))?,
            )
        }
        "dateTime" => Value::DateTime(q.text()?.trim_ascii().to_string()),
        "ManagedObjectReference" => Value::MoRef(moref(q, kind, shared)?),
        "ArrayOfString" => {
            let mut v = Vec::new();
            while let Some(t) = q.next_child()? {
                if is(&t, "string") {
                    v.push(q.text()?.into_owned());
                } else {
                    q.skip()?;
                }
            }
            Value::Strings(v)
        }
        "ArrayOfManagedObjectReference" => {
            let mut v = Vec::new();
            while let Some(t) = q.next_child()? {
                if is(&t, "ManagedObjectReference") {
                    let (_, kind) = q.types(&t)?;
                    v.push(moref(q, kind, shared)?);
                } else {
                    q.skip()?;
                }
            }
            Value::MoRefs(v)
        }
        other => match q.text_or_skip()? {
            Some(text) if !text.trim_ascii().is_empty() => {
                Value::String(text.trim_ascii().to_string())
            }
            _ => Value::Other(other.to_string()),
        },
    })
}
