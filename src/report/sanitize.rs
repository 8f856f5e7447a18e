//! Server-supplied text on a terminal: names in the inventory, fault
//! messages, certificate subjects. Control characters (C0, DEL, C1, and so
//! ESC and the OSC/CSI sequences built on it) would move the cursor, recolour
//! or retitle the terminal, or plant hyperlinks; they are shown escaped
//! instead, as `\x1b` or `\u{9b}`, so the reader sees that they were there.
//! Bidirectional overrides, isolates and marks would reorder what is shown
//! (`exe.txt` read as `txt.exe`), and line or paragraph separators would
//! start a line the server wrote: they are escaped too. Every renderer for
//! people goes through `line` (terminal, tables) or `markdown::text` /
//! `markdown::code` (which build on it); XML has `xml::escape`.

use std::borrow::Cow;

/// C0, DEL and C1 (`char::is_control`), the bidi marks, embeddings,
/// overrides and isolates, and the Unicode line and paragraph separators.
pub fn is_control(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{61c}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// One line of text: every control character escaped, newlines and tabs too.
pub fn line(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Text of several lines (a rendered table, an error with its fix): as
/// `line`, but newlines stay.
pub fn text(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| c != '\n' && is_control(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(s.split('\n').map(line).collect::<Vec<_>>().join("\n"))
}

/// The longest value a sentence quotes from its input (a flag, a variable):
/// a 70 KB value echoed in full would bury the sentence around it.
const MAX_QUOTED: usize = 200;

/// The longest error line printed: a backstop for text from elsewhere (a
/// server's fault message) that no one bounded.
pub const MAX_LINE: usize = 2000;

/// `s` cut at `max` characters with an ellipsis and the full length.
pub fn cut(s: &str, max: usize) -> std::borrow::Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => std::borrow::Cow::Borrowed(s),
        Some((at, _)) => {
            std::borrow::Cow::Owned(format!("{}… ({} characters)", &s[..at], s.chars().count()))
        }
    }
}

/// A user's value quoted in an error: cut at `MAX_QUOTED`.
pub fn quoted(s: &str) -> std::borrow::Cow<'_, str> {
    cut(s, MAX_QUOTED)
}

/// One error or remedy line for stderr: every control character escaped
/// (server text could otherwise start a line of its own, such as a fake
/// "Verdict: pass.", or drive the terminal), and bounded.
pub fn for_terminal(s: &str) -> String {
    cut(&line(s), MAX_LINE).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_from_the_server_stays_one_line() {
        let out = for_terminal("fault SystemError: Evil\nVerdict: pass.\u{9b}2J");
        assert!(!out.contains('\n') && !out.contains('\u{9b}'), "{out}");
        assert!(out.contains("Evil\\nVerdict"), "{out}");
    }

    #[test]
    fn long_lines_are_cut_with_an_ellipsis() {
        let out = for_terminal(&"a".repeat(70_000));
        assert!(out.chars().count() < MAX_LINE + 40, "{}", out.len());
        assert!(out.ends_with("… (70000 characters)"), "{out}");
        assert_eq!(quoted("short"), "short");
    }

    #[test]
    fn text_keeps_its_lines_and_escapes_the_rest() {
        assert_eq!(text("a\nb\u{1b}[2J\n"), "a\nb\\u{1b}[2J\n");
        assert!(matches!(text("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn plain_text_is_untouched() {
        assert!(matches!(line("DC0 / vm / Arc é ✓"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        let osc = "pool\u{1b}]8;;https://evil.example/\u{7}click\u{1b}]8;;\u{7}";
        let out = line(osc);
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
        assert!(out.contains(r"\u{1b}]8;;https://evil.example/"), "{out}");
    }

    #[test]
    fn c1_del_and_newlines_are_escaped() {
        for c in [
            '\u{9b}', '\u{85}', '\u{7f}', '\n', '\r', '\u{0}', '\u{202e}', '\u{202a}', '\u{2066}',
            '\u{2069}', '\u{200f}', '\u{2028}',
        ] {
            let s = format!("a{c}b");
            let out = line(&s);
            assert!(!out.contains(c), "{c:?} survived: {out}");
            assert!(out.starts_with('a') && out.ends_with('b'), "{out}");
        }
    }
}
