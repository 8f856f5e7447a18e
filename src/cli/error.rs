//! The CLI layer's error: every way a command can fail before it has a
//! verdict. All of them exit 2; the message names the object, the remedy the fix.

use crate::vsphere;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Boxed: the vSphere error carries certificate and fault details.
    #[error(transparent)]
    VSphere(Box<vsphere::Error>),

    /// A missing or malformed input: a flag, an environment variable, a file.
    #[error("{message}")]
    Usage { message: String, remedy: String },

    #[error("the OS keyring {action} failed: {detail}")]
    Keyring {
        action: &'static str,
        detail: String,
    },

    /// SIGINT, SIGTERM or SIGHUP: the session was logged out.
    #[error("stopped by {}; the vCenter session was logged out", super::stop::signal_name(*.signal))]
    Interrupted { signal: i32 },

    #[error("vaudit did not finish within the --deadline of {secs} s")]
    Deadline { secs: u64 },

    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
}

impl From<vsphere::Error> for Error {
    fn from(e: vsphere::Error) -> Self {
        Error::VSphere(Box::new(e))
    }
}

/// Exit code when stdout was closed before the report was written: what a
/// shell reports for a process ended by SIGPIPE (128 + 13, spec §4).
pub const EXIT_CLOSED_STDOUT: u8 = 141;

/// The reader of stdout is gone (`vaudit folders | head -2`): nothing is
/// wrong and nobody is left to tell, so end at once, without a word.
pub fn exit_closed_stdout() -> ! {
    std::process::exit(i32::from(EXIT_CLOSED_STDOUT))
}

impl Error {
    /// A write to a closed pipe: see `exit_closed_stdout`.
    pub fn is_closed_stdout(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// A stop the command must not turn into a report (a signal).
    pub fn is_interrupted(&self) -> bool {
        matches!(self, Error::Interrupted { .. })
    }

    pub fn usage(message: impl Into<String>, remedy: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            remedy: remedy.into(),
        }
    }

    pub fn remedy(&self) -> Option<String> {
        match self {
            Error::VSphere(e) => e.remedy(),
            Error::Usage { remedy, .. } if !remedy.is_empty() => Some(remedy.clone()),
            Error::Usage { .. } => None,
            Error::Keyring { .. } => Some(
                "set VAUDIT_PASSWORD instead, or check that this session has a kernel keyring (keyctl show @u)"
                    .into(),
            ),
            Error::Output(_) | Error::Interrupted { .. } => None,
            Error::Deadline { .. } => Some(
                "the vCenter answers too slowly for the whole audit; check its load and the network path, or raise --deadline".into(),
            ),
        }
    }
}
