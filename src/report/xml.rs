//! Escaping for the XML reports (JUnit). Besides the five markup characters,
//! XML 1.0 forbids most C0 controls and U+FFFE/U+FFFF outright, even as
//! character references: one of them in an inventory name would make the
//! whole report unparseable for the CI system. They, and the C1 controls CI
//! pages would pass to a browser or terminal, are written as visible escapes
//! (`\u{1b}`), as the terminal sanitiser shows them.

use std::borrow::Cow;

/// Characters XML 1.0 allows (production `Char`), minus the discouraged C1
/// controls and DEL, and the bidirectional overrides and line separators
/// that would reorder or break what a CI page shows.
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
        && !matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Escapes `s` for an element body or a double-quoted attribute value, with
/// the wire's escaper: what a report may not show is written as a visible
/// escape instead of refused.
pub fn escape(s: &str) -> Cow<'_, str> {
    let visible = |c: char, out: &mut String| {
        out.extend(c.escape_default());
        Ok::<(), std::convert::Infallible>(())
    };
    match crate::vsphere::escape_markup(s, allowed, visible) {
        Ok(text) => text,
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert!(matches!(escape("DC0/vm/Arc é"), Cow::Borrowed(_)));
    }

    #[test]
    fn characters_xml_forbids_become_visible_escapes() {
        let out = escape("a\u{1b}]8;;x\u{7}b\u{0}c\u{fffe}\u{9b}d\u{7f}");
        assert_eq!(out, r"a\u{1b}]8;;x\u{7}b\u{0}c\u{fffe}\u{9b}d\u{7f}");
    }

    #[test]
    fn line_breaks_survive_attributes() {
        assert_eq!(escape("a\nb\tc\r"), "a&#xA;b&#x9;c&#xD;");
    }
}
