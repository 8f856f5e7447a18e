//! How a check ends (spec §4) and the one place a run's verdict is decided
//! from those endings (its exit code: `report::exit`).
//!
//! A check either verified something (its findings then decide pass, warn or
//! fail) or it could not, and says what the user must supply. Nothing in
//! between: a check that had nothing to look at cannot come out `pass`.

use serde::Serialize;

use super::finding::{Finding, Severity};

/// What a check's function returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The check looked, and these are all it found (none: it passed).
    Verified(Vec<Finding>),
    /// The check could not look. `reason` names what was missing and how to
    /// supply it; `findings` are what it could say all the same (the
    /// connection failure, the target that does not exist).
    NotVerified {
        reason: String,
        findings: Vec<Finding>,
    },
}

impl Outcome {
    pub fn not_verified(reason: impl Into<String>) -> Outcome {
        Outcome::NotVerified {
            reason: reason.into(),
            findings: vec![],
        }
    }

    /// Verified unless some part could not be: then the reasons, joined,
    /// with whatever was found in the parts that could.
    pub fn partly(findings: Vec<Finding>, unverified: Vec<String>) -> Outcome {
        if unverified.is_empty() {
            Outcome::Verified(findings)
        } else {
            Outcome::NotVerified {
                reason: unverified.join("; "),
                findings,
            }
        }
    }

    pub fn findings(&self) -> &[Finding] {
        match self {
            Outcome::Verified(f) | Outcome::NotVerified { findings: f, .. } => f,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    NotVerified,
    Skipped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::NotVerified => "not-verified",
            Status::Skipped => "skipped",
        }
    }
}

/// One line of the `checks` list every report carries.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckResult {
    pub name: String,
    pub status: Status,
    pub findings: usize,
    pub reason: Option<String>,
}

impl CheckResult {
    /// The status a check ends in: `fail` when one of its findings reaches
    /// `fail_on`, `warn` for any lesser warning or error, else `pass`.
    pub fn from_outcome(name: &str, outcome: &Outcome, fail_on: Severity) -> CheckResult {
        let (status, reason) = match outcome {
            Outcome::NotVerified { reason, .. } => (Status::NotVerified, Some(reason.clone())),
            Outcome::Verified(f) => {
                let worst = f.iter().map(|f| f.severity).max();
                let status = match worst {
                    Some(s) if s >= fail_on => Status::Fail,
                    Some(Severity::Warning | Severity::Error) => Status::Warn,
                    _ => Status::Pass,
                };
                (status, None)
            }
        };
        CheckResult {
            name: name.to_string(),
            status,
            findings: outcome.findings().len(),
            reason,
        }
    }

    pub fn skipped(name: &str, reason: impl Into<String>) -> CheckResult {
        CheckResult {
            name: name.to_string(),
            status: Status::Skipped,
            findings: 0,
            reason: Some(reason.into()),
        }
    }
}

/// The run's one word, which the exit code always matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
    Incomplete,
}

impl Verdict {
    /// Spec §4: any check left unverified makes the run incomplete (exit 2)
    /// whatever else it found; else a check at the fail level fails it.
    pub fn of(results: &[CheckResult]) -> Verdict {
        if results.iter().any(|r| r.status == Status::NotVerified) {
            Verdict::Incomplete
        } else if results.iter().any(|r| r.status == Status::Fail) {
            Verdict::Fail
        } else if results.iter().any(|r| r.status == Status::Warn) {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
            Verdict::Incomplete => "incomplete",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(s: Severity) -> Finding {
        Finding::new("x", s, "code", None, "m".into(), "r".into())
    }

    fn result(o: Outcome, fail_on: Severity) -> CheckResult {
        CheckResult::from_outcome("x", &o, fail_on)
    }

    #[test]
    fn nothing_found_is_pass() {
        let r = result(Outcome::Verified(vec![]), Severity::Error);
        assert_eq!(r.status, Status::Pass);
        assert_eq!(Verdict::of(&[r]), Verdict::Pass);
    }

    #[test]
    fn a_note_alone_is_pass() {
        let r = result(
            Outcome::Verified(vec![finding(Severity::Info)]),
            Severity::Error,
        );
        assert_eq!(r.status, Status::Pass);
    }

    #[test]
    fn a_warning_is_warn() {
        let r = result(
            Outcome::Verified(vec![finding(Severity::Warning)]),
            Severity::Error,
        );
        assert_eq!(r.status, Status::Warn);
        let v = Verdict::of(&[r]);
        assert_eq!(v, Verdict::Warn);
    }

    #[test]
    fn a_warning_with_fail_on_warning_is_fail() {
        let r = result(
            Outcome::Verified(vec![finding(Severity::Warning)]),
            Severity::Warning,
        );
        assert_eq!(r.status, Status::Fail);
        assert_eq!(Verdict::of(&[r]), Verdict::Fail);
    }

    #[test]
    fn an_error_is_fail() {
        let r = result(
            Outcome::Verified(vec![finding(Severity::Error)]),
            Severity::Error,
        );
        assert_eq!(Verdict::of(&[r]), Verdict::Fail);
    }

    #[test]
    fn not_verified_beats_fail() {
        let fail = result(
            Outcome::Verified(vec![finding(Severity::Error)]),
            Severity::Error,
        );
        let nv = result(Outcome::not_verified("no folder"), Severity::Error);
        assert_eq!(nv.status, Status::NotVerified);
        assert_eq!(nv.reason.as_deref(), Some("no folder"));
        let v = Verdict::of(&[fail, nv]);
        assert_eq!(v, Verdict::Incomplete);
    }

    #[test]
    fn skipped_checks_do_not_change_the_verdict() {
        let v = Verdict::of(&[CheckResult::skipped("x", "--skip x")]);
        assert_eq!(v, Verdict::Pass);
    }
}
