//! A small, bounded, namespace-aware pull decoder for vim25 answers.
//!
//! Purpose-built rather than layered on a general XML reader: an inventory
//! page of 1,000 VMs is about 1 MB and a 10,000-VM answer ten times that, and
//! a general reader's event loop alone (quick-xml's, measured on this class
//! of machine) runs below the 200 MB/s the audit budgets for decoding. This
//! one checks UTF-8 once per body, finds markup eight bytes a step, and
//! lends values out of the body, copying only those it must unescape.
//! quick-xml remains the oracle it is tested against (`oracle_tests`).
//!
//! It reads what SOAP answers hold (elements, attributes, text, CDATA,
//! comments, processing instructions) and refuses the rest: no DTD, no
//! entity other than the five predefined ones and character references.
//! Depth, value sizes and namespace bindings in scope are bounded so a
//! hostile or broken server cannot exhaust memory or time.
//!
//! vim25 answers type their values with the XML Schema instance namespace
//! under whatever prefix the server chose (vcsim writes
//! `XMLSchema-instance:type`), so `xsi:type` is never matched as text:
//! attribute prefixes are resolved against the bindings in scope.

use std::borrow::Cow;

use memchr::{memchr, memmem};

mod lex;
mod tree;

use lex::{attribute_value, find_either, local_part, next_attribute, shown, unescape};
pub use tree::Node;

const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// Deeper than any vim25 answer nests; far below what could exhaust the stack.
const MAX_DEPTH: usize = 128;
/// Longer than any name, path or annotation vCenter stores.
const MAX_TEXT: usize = 1 << 20;
/// Prefixes are resolved by a linear scan of the bindings in scope; a bound
/// keeps that scan short whatever the server declares.
const MAX_BINDINGS: usize = 128;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(pub String);

impl XmlError {
    #[cold]
    #[inline(never)]
    fn new(msg: impl Into<String>) -> Self {
        XmlError(msg.into())
    }

    #[cold]
    #[inline(never)]
    fn malformed(at: usize, what: impl std::fmt::Display) -> Self {
        XmlError(format!("malformed XML at byte {at}: {what}"))
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

/// An element start: its local name and its attributes as written,
/// already checked for syntax when the tag was read.
#[derive(Clone, Copy)]
pub struct Tag<'a> {
    local: &'a str,
    attrs: &'a str,
    /// The raw values of the unprefixed `type` (a ManagedObjectReference's)
    /// and of `xsi:type`, found while the tag is read: nearly every value
    /// carries a type, and its attributes need not be read twice. Offsets
    /// into `attrs` keep a tag small to pass around.
    kind: Span,
    xsi: Span,
}

/// A slice of a tag's attributes (at most 1 MiB), or a marker.
#[derive(Clone, Copy)]
struct Span {
    at: u32,
    len: u32,
}

impl Span {
    const NOWHERE: Span = Span {
        at: u32::MAX,
        len: 0,
    };
    /// Several prefixed `type` attributes: which is xsi's is found by
    /// reading the attributes again.
    const SEVERAL: Span = Span {
        at: u32::MAX - 1,
        len: 0,
    };

    fn of(whole: &str, part: &str) -> Span {
        Span {
            at: (part.as_ptr() as usize - whole.as_ptr() as usize) as u32,
            len: part.len() as u32,
        }
    }

    fn is(self, other: Span) -> bool {
        self.at == other.at
    }

    fn get(self, whole: &str) -> &str {
        &whole[self.at as usize..][..self.len as usize]
    }
}

impl<'a> Tag<'a> {
    pub fn local(&self) -> &'a str {
        self.local
    }

    pub fn is(&self, name: &str) -> bool {
        self.local() == name
    }

    pub fn local_str(&self) -> String {
        self.local().to_owned()
    }

    /// An unprefixed attribute such as the `type` of a ManagedObjectReference.
    pub fn attr(&self, name: &str) -> Result<Option<Cow<'a, str>>> {
        if name == "type" {
            if self.kind.is(Span::NOWHERE) {
                return Ok(None);
            }
            return attribute_value(self.kind.get(self.attrs)).map(Some);
        }
        let mut at = 0;
        while let Some((key, raw)) = next_attribute(self.attrs, &mut at)? {
            if key == name {
                return attribute_value(raw).map(Some);
            }
        }
        Ok(None)
    }
}

/// An element open around the cursor, and how many namespace bindings were
/// in scope before it (its own are dropped at its end).
struct Open<'a> {
    name: &'a str,
    bindings: usize,
}

struct Binding<'a> {
    prefix: &'a str,
    /// Bound to the XML Schema instance namespace: decided once, when
    /// declared, rather than at every typed value.
    xsi: bool,
}

pub struct Cursor<'a> {
    doc: &'a str,
    pos: usize,
    open: Vec<Open<'a>>,
    bindings: Vec<Binding<'a>>,
    /// `<x/>` reads as a start then an end: the end is owed.
    owe_end: bool,
    /// A body that is not UTF-8 is refused at the first read.
    invalid: Option<String>,
}

impl<'a> Cursor<'a> {
    pub fn new(body: &'a [u8]) -> Self {
        let (doc, invalid) = match std::str::from_utf8(body) {
            Ok(s) => (s.strip_prefix('\u{feff}').unwrap_or(s), None),
            Err(e) => (
                "",
                Some(format!(
                    "invalid UTF-8 at byte {} (vim25 answers are UTF-8)",
                    e.valid_up_to()
                )),
            ),
        };
        Cursor {
            doc,
            pos: 0,
            open: Vec::with_capacity(16),
            bindings: Vec::with_capacity(8),
            owe_end: false,
            invalid,
        }
    }

    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Every byte read and no end owed: a document decoded in parts stops
    /// here rather than asking for what has not arrived yet.
    pub fn at_end_of_input(&self) -> bool {
        !self.owe_end && self.invalid.is_none() && self.pos >= self.doc.len()
    }

    pub fn next(&mut self) -> Result<Item<'a>> {
        if let Some(msg) = &self.invalid {
            return Err(XmlError::new(msg.clone()));
        }
        if self.owe_end {
            self.owe_end = false;
            self.close();
            return Ok(Item::End);
        }
        let b = self.doc.as_bytes();
        loop {
            let Some(&first) = b.get(self.pos) else {
                if !self.open.is_empty() {
                    return Err(XmlError::new("the document ends inside an element"));
                }
                return Ok(Item::Eof);
            };
            if first != b'<' {
                return self.read_text().map(Item::Text);
            }
            match b.get(self.pos + 1) {
                Some(b'/') => return self.end_tag().map(|()| Item::End),
                Some(b'?') => self.pos = self.past("<?", "?>", "a processing instruction")?,
                Some(b'!') => {
                    let rest = &b[self.pos + 2..];
                    if rest.starts_with(b"--") {
                        self.pos = self.past("<!--", "-->", "a comment")?;
                    } else if rest.starts_with(b"[CDATA[") {
                        return self.cdata().map(Item::Text);
                    } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"DOCTYPE") {
                        return Err(XmlError::new(
                            "a DOCTYPE declaration (refused: SOAP answers carry no DTD)",
                        ));
                    } else {
                        return Err(XmlError::malformed(self.pos, "unknown markup after <!"));
                    }
                }
                Some(_) => return self.start_tag().map(Item::Start),
                None => return Err(XmlError::new("the document ends inside a tag")),
            }
        }
    }

    /// The position just past the `end` of the markup that `open` starts
    /// here, for markup the cursor skips (`<!-->` is not a whole comment).
    fn past(&self, open: &str, end: &str, what: &str) -> Result<usize> {
        let from = self.pos + open.len();
        memmem::find(&self.doc.as_bytes()[from..], end.as_bytes())
            .map(|i| from + i + end.len())
            .ok_or_else(|| XmlError::new(format!("the document ends inside {what}")))
    }

    fn read_text(&mut self) -> Result<Cow<'a, str>> {
        let start = self.pos;
        let b = self.doc.as_bytes();
        let mut end = find_either(b, start, b'<', b'&');
        let reference = b.get(end) == Some(&b'&');
        if reference {
            end = memchr(b'<', &b[end..]).map_or(b.len(), |k| end + k);
        }
        self.pos = end;
        let raw = &self.doc[start..end];
        if raw.len() > MAX_TEXT {
            return Err(XmlError::new("a text value longer than 1 MiB"));
        }
        if !reference {
            return Ok(Cow::Borrowed(raw));
        }
        unescape(raw, false)
            .map(Cow::Owned)
            .map_err(|e| XmlError::malformed(start, e))
    }

    fn cdata(&mut self) -> Result<Cow<'a, str>> {
        let start = self.pos + "<![CDATA[".len();
        let len = memmem::find(&self.doc.as_bytes()[start..], b"]]>")
            .ok_or_else(|| XmlError::new("the document ends inside a CDATA section"))?;
        if len > MAX_TEXT {
            return Err(XmlError::new("a text value longer than 1 MiB"));
        }
        self.pos = start + len + "]]>".len();
        Ok(Cow::Borrowed(&self.doc[start..start + len]))
    }

    fn start_tag(&mut self) -> Result<Tag<'a>> {
        let b = self.doc.as_bytes();
        let name_start = self.pos + 1;
        let mut i = name_start;
        let mut local_start = name_start;
        let mut bad = false;
        while let Some(&c) = b.get(i) {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/' => break,
                // A QName has at most one colon, with a prefix before it:
                // `<:a:b>` has no one reading (found by the quick-xml oracle).
                b':' => {
                    bad |= local_start != name_start || i == name_start;
                    local_start = i + 1;
                }
                b'<' | b'&' | b'=' | b'"' | b'\'' => bad = true,
                _ => {}
            }
            i += 1;
        }
        let name = &self.doc[name_start..i];
        let local = &self.doc[local_start..i];
        if bad || local.is_empty() {
            return Err(XmlError::malformed(
                self.pos,
                format!("<{}> is not an element name", shown(name)),
            ));
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(XmlError::new(format!(
                "XML nested deeper than {MAX_DEPTH} elements"
            )));
        }
        let bindings = self.bindings.len();
        let (mut kind, mut typed, mut typed_count) = (None, None, 0);
        let mut at = i;
        // Most elements have no attributes.
        while b.get(at) != Some(&b'>') {
            let attr = next_attribute(self.doc, &mut at);
            // Bounded here, for every element, even those whose attributes
            // are never read.
            if at - i > MAX_TEXT {
                return Err(XmlError::new("an attribute value longer than 1 MiB"));
            }
            let Some((key, raw)) =
                attr.map_err(|e| XmlError::new(format!("{e} in <{}>", shown(name))))?
            else {
                break;
            };
            if let Some(prefix) = key.strip_prefix("xmlns:") {
                let xsi = attribute_value(raw)? == XSI_NS;
                self.bindings.push(Binding { prefix, xsi });
                if self.bindings.len() > MAX_BINDINGS {
                    return Err(XmlError::new(format!(
                        "more than {MAX_BINDINGS} namespace bindings in scope"
                    )));
                }
            } else if let Some(prefix) = key.strip_suffix(":type") {
                typed = typed.or(Some((prefix, raw)));
                typed_count += 1;
            } else if key == "type" && kind.is_none() {
                kind = Some(raw);
            }
        }
        let attrs = &self.doc[i..at];
        // Resolved now, with this element's own declarations in scope.
        let xsi = match typed {
            Some(_) if typed_count > 1 => Span::SEVERAL,
            Some((prefix, raw)) if self.is_xsi(prefix) => Span::of(attrs, raw),
            _ => Span::NOWHERE,
        };
        let kind = kind.map_or(Span::NOWHERE, |raw| Span::of(attrs, raw));
        let empty = match b.get(at) {
            Some(b'>') => false,
            Some(b'/') if b.get(at + 1) == Some(&b'>') => true,
            Some(_) => {
                return Err(XmlError::malformed(
                    at,
                    format!("a stray '/' in <{}>", shown(name)),
                ));
            }
            None => return Err(XmlError::new("the document ends inside a tag")),
        };
        self.pos = at + if empty { 2 } else { 1 };
        self.open.push(Open { name, bindings });
        self.owe_end = empty;
        Ok(Tag {
            local,
            attrs,
            kind,
            xsi,
        })
    }

    fn end_tag(&mut self) -> Result<()> {
        let start = self.pos + 2;
        let b = self.doc.as_bytes();
        // The common case: `</name>` closing the innermost element.
        if let Some(open) = self.open.last() {
            let end = start + open.name.len();
            if b[start..].starts_with(open.name.as_bytes()) && b.get(end) == Some(&b'>') {
                self.pos = end + 1;
                self.close();
                return Ok(());
            }
        }
        let len = memchr(b'>', &b[start..])
            .ok_or_else(|| XmlError::new("the document ends inside a tag"))?;
        let name = self.doc[start..start + len].trim_end();
        match self.open.last() {
            Some(open) if open.name == name => {}
            Some(open) => {
                return Err(XmlError::malformed(
                    self.pos,
                    format!("</{}> closes <{}>", shown(name), shown(open.name)),
                ));
            }
            None => {
                return Err(XmlError::malformed(
                    self.pos,
                    format!("</{}> without a start tag", shown(name)),
                ));
            }
        }
        self.pos = start + len + 1;
        self.close();
        Ok(())
    }

    fn close(&mut self) {
        if let Some(open) = self.open.pop() {
            self.bindings.truncate(open.bindings);
        }
    }

    /// The local part of the `xsi:type` of the element just started
    /// (`xsd:string` gives `string`). Its prefix was resolved when the tag
    /// was read; a tag with several `p:type` attributes is resolved here,
    /// so callers ask while the element is the innermost one open.
    pub fn xsi_type(&self, tag: &Tag<'a>) -> Result<Option<Cow<'a, str>>> {
        let raw = if tag.xsi.is(Span::NOWHERE) {
            return Ok(None);
        } else if tag.xsi.is(Span::SEVERAL) {
            let mut at = 0;
            loop {
                match next_attribute(tag.attrs, &mut at)? {
                    None => return Ok(None),
                    Some((key, raw)) => match key.strip_suffix(":type") {
                        Some(prefix) if self.is_xsi(prefix) => break raw,
                        _ => continue,
                    },
                }
            }
        } else {
            tag.xsi.get(tag.attrs)
        };
        Ok(Some(match attribute_value(raw)? {
            Cow::Borrowed(v) => Cow::Borrowed(local_part(v)),
            Cow::Owned(v) => Cow::Owned(local_part(&v).to_owned()),
        }))
    }

    /// Whether `prefix` is bound to the schema instance namespace here.
    fn is_xsi(&self, prefix: &str) -> bool {
        self.bindings
            .iter()
            .rev()
            .find(|b| b.prefix == prefix)
            .is_some_and(|b| b.xsi)
    }

    /// Reads the text of the element just started, up to its end, lent from
    /// the body unless a reference had to be unescaped. Child elements are
    /// an error: callers use this only for leaf values.
    pub fn text(&mut self) -> Result<Cow<'a, str>> {
        self.leaf_text()?.map_err(|tag| {
            XmlError::new(format!(
                "unexpected element <{}> inside a text value",
                shown(tag.local())
            ))
        })
    }

    /// The text of the element just started if it holds only text (an enum
    /// value such as `poweredOn`); `None`, with the element skipped, if it
    /// holds elements (a data object).
    pub fn text_or_skip(&mut self) -> Result<Option<Cow<'a, str>>> {
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
    fn leaf_text(&mut self) -> Result<std::result::Result<Cow<'a, str>, Tag<'a>>> {
        // The common shape, `text</name>`, read without going through `next`.
        if let Some(text) = self.at_text() {
            let text = text?;
            if self.at_end_tag() {
                self.end_tag()?;
                return Ok(Ok(text));
            }
            return self.leaf_text_from(text);
        }
        self.leaf_text_from(Cow::Borrowed(""))
    }

    fn leaf_text_from(
        &mut self,
        mut out: Cow<'a, str>,
    ) -> Result<std::result::Result<Cow<'a, str>, Tag<'a>>> {
        loop {
            match self.next()? {
                Item::Text(t) if out.is_empty() => out = t,
                Item::Text(t) => {
                    if out.len() + t.len() > MAX_TEXT {
                        return Err(XmlError::new("a text value longer than 1 MiB"));
                    }
                    out.to_mut().push_str(&t)
                }
                Item::End => return Ok(Ok(out)),
                Item::Start(tag) => return Ok(Err(tag)),
                Item::Eof => return Err(XmlError::new("the document ends inside a value")),
            }
        }
    }

    /// Text starts here (and no end is owed): read it.
    fn at_text(&mut self) -> Option<Result<Cow<'a, str>>> {
        let plain = !self.owe_end && self.invalid.is_none();
        let text = plain
            && self
                .doc
                .as_bytes()
                .get(self.pos)
                .is_some_and(|&c| c != b'<');
        text.then(|| self.read_text())
    }

    /// An end tag starts here (and no end is owed).
    fn at_end_tag(&self) -> bool {
        !self.owe_end && self.doc.as_bytes()[self.pos..].starts_with(b"</")
    }

    /// Skips the rest of the element just started, whatever it holds.
    pub fn skip(&mut self) -> Result<()> {
        let target = self.depth() - 1;
        while self.depth() > target {
            if let Item::Eof = self.next()? {
                return Err(XmlError::new("the document ends inside an element"));
            }
        }
        Ok(())
    }

    /// Moves to the next child element start of the current element, skipping
    /// text; `None` at the current element's end.
    pub fn next_child(&mut self) -> Result<Option<Tag<'a>>> {
        // The common shapes, `<child` and `</parent>`, read without going
        // through `next`.
        if !self.owe_end && self.invalid.is_none() {
            let b = self.doc.as_bytes();
            if b.get(self.pos) == Some(&b'<') {
                match b.get(self.pos + 1) {
                    Some(b'/') => return self.end_tag().map(|()| None),
                    Some(c) if !matches!(c, b'?' | b'!') => return self.start_tag().map(Some),
                    _ => {}
                }
            }
        }
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
                shown(env.local())
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

#[cfg(test)]
mod oracle_tests;
#[cfg(test)]
mod tests;
