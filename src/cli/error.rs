//! The CLI layer's error: every way a command can fail before it has a
//! verdict. All of them exit 2; the message names the object, the remedy the fix.

use crate::report::exit;
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

    /// The vCenter rejected the user name or password: the same sentence
    /// as `check`'s login-failed finding, naming the user and where each
    /// credential came from, so the wrong one can be found.
    #[error("{}", crate::gate::connection_finding(.source, Some(.who)).message)]
    Login {
        source: Box<vsphere::Error>,
        /// The user, and the sources of the user name and the password.
        who: String,
    },

    /// SIGINT, SIGTERM or SIGHUP: the session was logged out.
    #[error("stopped by {}; the vCenter session was logged out", super::stop::signal_name(*.signal))]
    Interrupted { signal: i32 },

    /// Ctrl-C at the password prompt: nothing was sent yet.
    #[error(
        "stopped by {} at the password prompt; nothing was sent to the vCenter",
        super::stop::signal_name(2)
    )]
    PromptInterrupted,

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

/// The reader of stdout is gone (`vaudit folders | head -2`): nothing is
/// wrong and nobody is left to tell, so end at once, without a word.
pub fn exit_closed_stdout() -> ! {
    std::process::exit(i32::from(exit::CLOSED_STDOUT))
}

impl Error {
    /// A write to a closed pipe: see `exit_closed_stdout`.
    pub fn is_closed_stdout(&self) -> bool {
        matches!(self, Error::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// A stop the command must not turn into a report (a signal).
    pub fn is_interrupted(&self) -> bool {
        self.signal().is_some()
    }

    /// The signal that stopped the command, if one did.
    pub fn signal(&self) -> Option<i32> {
        match self {
            Error::Interrupted { signal } => Some(*signal),
            Error::PromptInterrupted => Some(libc::SIGINT),
            _ => None,
        }
    }

    /// The process's exit code for this error (spec §4): 128+N for a
    /// signal as shells report it, 141 for a closed stdout, else 2.
    pub fn exit_code(&self) -> u8 {
        match self.signal() {
            Some(n) => exit::of_signal(n),
            None if self.is_closed_stdout() => exit::CLOSED_STDOUT,
            None => exit::INCOMPLETE,
        }
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
            Error::Login { source, who } => {
                Some(crate::gate::connection_finding(source, Some(who)).remedy)
            }
            Error::Usage { remedy, .. } if !remedy.is_empty() => Some(remedy.clone()),
            Error::Usage { .. } => None,
            Error::Keyring { .. } => Some(
                "set VAUDIT_PASSWORD instead, or check that this session has a kernel keyring (keyctl show @u)"
                    .into(),
            ),
            Error::Output(_) | Error::Interrupted { .. } | Error::PromptInterrupted => None,
            Error::Deadline { .. } => Some(
                "the vCenter answers too slowly for the whole audit; check its load and the network path, or raise --deadline".into(),
            ),
        }
    }
}

pub use crate::report::sanitize::{for_terminal, quoted};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ctrl_c_at_the_prompt_exits_130() {
        assert_eq!(Error::PromptInterrupted.exit_code(), 130);
        assert_eq!(Error::Interrupted { signal: 15 }.exit_code(), 143);
        assert_eq!(Error::usage("x", "").exit_code(), 2);
    }
}
