//! Reading the files a user names (`--config` and the infra file it points
//! at, `--manifest`, `--from`): regular files only, of a bounded size, and
//! errors that never quote the file's content.
//!
//! A FIFO would block vaudit forever, `/dev/zero` would eat the machine's
//! memory, and a parser message that quotes a value would print whatever the
//! file holds: a `.env` or a private key that `infrastructureConfigPath`
//! was pointed at by a pull request.

use std::io::{self, Read};
use std::path::Path;

/// Far above any Arc config file or privilege manifest.
pub const MAX_CONFIG: u64 = 1 << 20;
/// A saved snapshot of a 10,000-VM inventory is a few tens of MiB.
pub const MAX_SNAPSHOT: u64 = 256 << 20;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("it is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("it is larger than {} MiB, more than such a file ever holds", .0 >> 20)]
    TooLarge(u64),
    #[error("it is not UTF-8 text")]
    NotText,
}

impl From<FileError> for io::Error {
    fn from(e: FileError) -> io::Error {
        match e {
            FileError::Io(e) => e,
            other => io::Error::other(other),
        }
    }
}

fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

/// Reads at most `limit` bytes of the regular file at `path`.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    // Opening a FIFO for reading blocks until a writer comes; non-blocking,
    // it returns at once and the type check below refuses it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        open.custom_flags(libc::O_NONBLOCK);
    }
    let file = open.open(path)?;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular(kind_of(meta.file_type())));
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(FileError::TooLarge(limit));
    }
    Ok(bytes)
}

pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    String::from_utf8(read_bounded(path, limit)?).map_err(|_| FileError::NotText)
}

/// A parser's message with every quoted value withheld: serde and TOML
/// quote the offending value (`invalid type: string "…"`), which may be a
/// secret from a file that was never meant to be read.
pub fn withhold_quoted(msg: &str) -> String {
    let mut out = String::with_capacity(msg.len());
    let mut chars = msg.chars();
    while let Some(c) = chars.next() {
        if c == '"' {
            let mut closed = false;
            let mut escaped = false;
            for d in chars.by_ref() {
                match d {
                    '\\' if !escaped => escaped = true,
                    '"' if !escaped => {
                        closed = true;
                        break;
                    }
                    _ => escaped = false,
                }
            }
            out.push_str("(value withheld)");
            if !closed {
                break;
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("fifo");
        let ok = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .unwrap();
        assert!(ok.success());
        let e = read_bounded(&p, MAX_CONFIG).unwrap_err();
        assert_eq!(e.to_string(), "it is a FIFO, not a regular file");
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_directories_are_refused() {
        let e = read_bounded(Path::new("/dev/zero"), MAX_CONFIG).unwrap_err();
        assert!(
            matches!(e, FileError::NotRegular("a character device")),
            "{e}"
        );
        let e = read_bounded(Path::new("/"), MAX_CONFIG).unwrap_err();
        assert!(matches!(e, FileError::NotRegular("a directory")), "{e}");
    }

    #[test]
    fn a_file_over_the_limit_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("big");
        std::fs::write(&p, vec![b'x'; 2048]).unwrap();
        assert!(matches!(
            read_bounded(&p, 1024),
            Err(FileError::TooLarge(1024))
        ));
        assert_eq!(read_bounded(&p, 2048).unwrap().len(), 2048);
    }

    #[test]
    fn quoted_values_are_withheld() {
        assert_eq!(
            withhold_quoted(r#"invalid type: string "AWS_SECRET=abc\"d", expected a map"#),
            "invalid type: string (value withheld), expected a map"
        );
        assert_eq!(
            withhold_quoted("missing field `address`"),
            "missing field `address`"
        );
    }
}
