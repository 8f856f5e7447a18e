//! Quoting for the command lines vaudit prints for people to paste: role
//! names come from the server, ids and names from a manifest or config file,
//! and a pull request can supply the last two. Each string is quoted for the
//! shell the line is meant for, so pasting it can only ever pass that string.

use std::borrow::Cow;

/// A word for POSIX `sh` (govc lines): bare when it holds only characters no
/// shell treats specially, otherwise in single quotes, where nothing is
/// special but the quote itself, written as `'\''`.
pub fn sh(s: &str) -> Cow<'_, str> {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.@/:,+=".contains(c))
    {
        return Cow::Borrowed(s);
    }
    Cow::Owned(format!("'{}'", s.replace('\'', r"'\''")))
}

/// PowerShell treats these as single quotes too: `'` and the typographic
/// U+2018–U+201B. Any of them would end a single-quoted string.
fn is_ps_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// A PowerShell single-quoted string (PowerCLI lines): nothing inside is
/// expanded, and each quote character is doubled, which PowerShell reads as
/// that character itself.
pub fn powershell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if is_ps_single_quote(c) {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "Arc'; Remove-Item -Recurse -Force $HOME; Write-Host 'x";

    /// Reads a PowerShell single-quoted literal back, as PowerShell would:
    /// a quote character ends it unless doubled.
    fn ps_read(lit: &str) -> (String, &str) {
        let mut chars = lit.char_indices().peekable();
        assert_eq!(chars.next().map(|(_, c)| c), Some('\''));
        let mut value = String::new();
        while let Some((i, c)) = chars.next() {
            if is_ps_single_quote(c) {
                match chars.peek() {
                    Some(&(_, n)) if is_ps_single_quote(n) => {
                        chars.next();
                        value.push(c);
                    }
                    _ => return (value, &lit[i + c.len_utf8()..]),
                }
            } else {
                value.push(c);
            }
        }
        panic!("unterminated literal {lit}");
    }

    #[test]
    fn powershell_keeps_a_hostile_role_name_one_string() {
        for name in [
            HOSTILE,
            "Arc\u{2019}; Remove-Item $HOME; \u{2018}x",
            "a\u{201A}b\u{201B}c",
            "$(Remove-Item $HOME)",
            "`n`0 \"double\" $env:PATH",
            "Arc'\nRemove-Item $HOME `\n$(id)",
            "",
        ] {
            let lit = powershell(name);
            let (value, rest) = ps_read(&lit);
            assert_eq!(value, name, "{lit}");
            assert_eq!(rest, "", "{lit} leaves code after the string");
        }
    }

    #[test]
    fn sh_keeps_a_hostile_name_one_word() {
        assert_eq!(sh("Arc-Deployer_1.0"), "Arc-Deployer_1.0");
        assert_eq!(sh(""), "''");
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(
            sh(HOSTILE),
            r"'Arc'\''; Remove-Item -Recurse -Force $HOME; Write-Host '\''x'"
        );
        assert_eq!(sh("$(rm -rf ~)`x`\n"), "'$(rm -rf ~)`x`\n'");
    }

    #[cfg(unix)]
    #[test]
    fn sh_survives_a_real_shell() {
        for name in [HOSTILE, "$(touch /tmp/pwned)", "a'b\"c\\d", "x\ny"] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", sh(name)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout), name);
        }
    }
}
