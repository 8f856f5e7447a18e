//! A small decoded element tree, for answers read whole.

use std::borrow::Cow;

use super::{Cursor, Item, MAX_TEXT, Result, Tag, XmlError};

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
    pub fn read<'a>(cur: &mut Cursor<'a>, tag: Tag<'a>) -> Result<Node> {
        let mut count = 0usize;
        Self::read_counted(cur, tag, &mut count)
    }

    fn read_counted<'a>(cur: &mut Cursor<'a>, tag: Tag<'a>, count: &mut usize) -> Result<Node> {
        *count += 1;
        if *count > MAX_TREE_NODES {
            return Err(XmlError::new("an answer with too many elements"));
        }
        let mut node = Node {
            name: tag.local_str(),
            xsi_type: cur.xsi_type(&tag)?.map(Cow::into_owned),
            attrs: Vec::new(),
            text: String::new(),
            children: Vec::new(),
        };
        // `type` (morefs), and what SAML assertions carry: `Name`, `ID`,
        // and `NotBefore`/`NotOnOrAfter` (a token's lifetime).
        for a in ["type", "Name", "ID", "NotBefore", "NotOnOrAfter"] {
            if let Some(t) = tag.attr(a)? {
                node.attrs.push((a.into(), t.into_owned()));
            }
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
