//! The lexical pieces under the cursor: finding bytes, reading a tag's
//! attributes, resolving references. Each works on a slice the cursor hands
//! it and knows nothing of elements.

use std::borrow::Cow;

use memchr::memchr;

use super::{Result, XmlError};

/// Longer than any entity or character reference (`&#x10FFFF;`).
const MAX_REFERENCE: usize = 32;

/// The position of the first `x` or `y` in `hay` from `from` on, or its
/// length. Eight bytes a step, without a call: the values between tags are
/// mostly a few dozen bytes, too short for a vectorised search to pay for
/// its set-up.
#[inline]
pub(super) fn find_either(hay: &[u8], from: usize, x: u8, y: u8) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A high bit set in each byte of `w` that is zero; the lowest such bit
    // marks the first zero byte exactly (later ones may be false).
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    let mut i = from;
    while let Some(chunk) = hay.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let hits = zeros(w ^ (ONES * x as u64)) | zeros(w ^ (ONES * y as u64));
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < hay.len() && hay[i] != x && hay[i] != y {
        i += 1;
    }
    i
}

pub(super) fn local_part(name: &str) -> &str {
    // By hand: names are short, and this runs for every typed value.
    match name.bytes().rposition(|c| c == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// A name from the body as an error shows it: a hostile server's 1 MiB
/// element name is not repeated in full.
pub(super) fn shown(s: &str) -> Cow<'_, str> {
    const MAX: usize = 64;
    if s.len() <= MAX {
        return Cow::Borrowed(s);
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &s[..end]))
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// Reads the attribute at `*at` in `s` (a start tag's attributes, ending at
/// `>`, `/` or the end of `s`): its name and raw value. `None` at the end of
/// the list, with `*at` on the `>` or `/`.
pub(super) fn next_attribute<'s>(s: &'s str, at: &mut usize) -> Result<Option<(&'s str, &'s str)>> {
    let b = s.as_bytes();
    let mut i = *at;
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    *at = i;
    if i == b.len() || b[i] == b'>' || b[i] == b'/' {
        return Ok(None);
    }
    let name_start = i;
    while i < b.len() && !is_space(b[i]) && !matches!(b[i], b'=' | b'>' | b'/' | b'<') {
        i += 1;
    }
    let name = &s[name_start..i];
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    if b.get(i) != Some(&b'=') {
        return Err(XmlError::new(format!(
            "malformed attribute: {} has no value",
            shown(name)
        )));
    }
    i += 1;
    while i < b.len() && is_space(b[i]) {
        i += 1;
    }
    let quote = match b.get(i) {
        Some(&q @ (b'"' | b'\'')) => q,
        _ => {
            return Err(XmlError::new(format!(
                "malformed attribute: the value of {} is not quoted",
                shown(name)
            )));
        }
    };
    let close = find_either(b, i + 1, quote, quote);
    if close == b.len() {
        return Err(XmlError::new(format!(
            "malformed attribute: the value of {} is not closed",
            shown(name)
        )));
    }
    let value = &s[i + 1..close];
    *at = close + 1;
    Ok(Some((name, value)))
}

/// An attribute value as the XML spec normalises it: references resolved,
/// line breaks and tabs read as spaces.
#[inline]
pub(super) fn attribute_value(raw: &str) -> Result<Cow<'_, str>> {
    if raw.bytes().all(|c| c != b'&' && c >= b' ') {
        return Ok(Cow::Borrowed(raw));
    }
    unescape(raw, true)
        .map(Cow::Owned)
        .map_err(|e| XmlError::new(format!("malformed attribute value: {e}")))
}

/// Resolves the predefined entities and character references in `raw` (and,
/// in an attribute, reads line breaks and tabs as spaces); any other entity
/// is refused, never looked up. Only called when there is something to do:
/// values without references are lent from the body as they are.
pub(super) fn unescape(raw: &str, attribute: bool) -> std::result::Result<String, String> {
    let plain = |c: u8| c != b'&' && !(attribute && matches!(c, b'\t' | b'\r' | b'\n'));
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(i) = rest.bytes().position(|c| !plain(c)) {
        out.push_str(&rest[..i]);
        if rest.as_bytes()[i] != b'&' {
            out.push(' ');
            rest = &rest[i + 1..];
            continue;
        }
        let after = &rest[i + 1..];
        let window = &after.as_bytes()[..after.len().min(MAX_REFERENCE)];
        let semi = memchr(b';', window).ok_or("'&' without a ';' ending its reference")?;
        let name = &after[..semi];
        out.push(reference(name)?);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn reference(name: &str) -> std::result::Result<char, String> {
    let Some(num) = name.strip_prefix('#') else {
        return match name {
            "lt" => Ok('<'),
            "gt" => Ok('>'),
            "amp" => Ok('&'),
            "apos" => Ok('\''),
            "quot" => Ok('"'),
            _ => Err(format!(
                "undeclared entity &{name}; (entities are not expanded)"
            )),
        };
    };
    let (digits, radix) = match num.strip_prefix('x') {
        Some(hex) => (hex, 16),
        None => (num, 10),
    };
    let well_formed = !digits.is_empty() && digits.bytes().all(|c| (c as char).is_digit(radix));
    u32::from_str_radix(digits, radix)
        .ok()
        .filter(|&c| well_formed && c != 0)
        .and_then(char::from_u32)
        .ok_or_else(|| format!("bad character reference &{name};"))
}
