//! `credential-expiry`: days until the deploying account's password
//! expires, as vCenter SSO answers. The appliance VM keeps these credentials
//! and stops reaching the vCenter the day they expire ("Expired credentials
//! in the appliance VM"), so a gate before deployment and `diagnose` after
//! it both ask.
//!
//! Which SSO call answers (see `gate::gather_credential_expiry`): the days
//! left come only from `GetDaysRemainingUntilPasswordExpiration`, which
//! needs the SSO Administrator role; for any other account the local
//! password policy (`GetLocalPasswordPolicy`) can still say that passwords
//! never expire. What SSO cannot answer (an account of another identity
//! source such as Active Directory, or a limited policy the account may not
//! ask about) is a warning naming the limit (spec §4: the user has nothing
//! to supply, and `--fail-on warning` makes the gate strict).

use super::facts::{CredentialExpiry, ExpiryAnswer, Facts};
use super::finding::{Finding, Severity};
use super::outcome::Outcome;

pub const CHECK: &str = "credential-expiry";
/// Under this many days a warning.
pub const WARN_DAYS: u32 = 30;
/// Under this many days an error.
pub const ERROR_DAYS: u32 = 7;

const REMEDY: &str = "the Arc resource bridge's appliance VM keeps these vCenter credentials and loses the vCenter when they expire: change the account's password (or use an account whose password does not expire) and give the appliance the new one with `az arcappliance update-infracredentials vmware --kubeconfig <kubeconfig>`, then the vCenter resource with `az connectedvmware vcenter connect` using the same credentials";

const UNKNOWN_REMEDY: &str = "check the account's password expiry where it is kept (for an Active Directory account, its domain policy) or run as an SSO administrator; when it is rotated, update the appliance with `az arcappliance update-infracredentials vmware --kubeconfig <kubeconfig>`";

pub fn run(facts: &Facts<'_>) -> Outcome {
    judge(facts.live().and_then(|l| l.credential_expiry.as_deref()))
}

/// The verdict on what SSO answered.
pub fn judge(answer: Option<&CredentialExpiry>) -> Outcome {
    let Some(c) = answer else {
        return Outcome::not_verified(
            "the SSO answers on the password were not gathered in this session; run the check again",
        );
    };
    let account = &c.account;
    match &c.answer {
        ExpiryAnswer::Never { .. } => Outcome::Verified(vec![]),
        ExpiryAnswer::Days(d) if *d >= WARN_DAYS => Outcome::Verified(vec![]),
        ExpiryAnswer::Days(d) => {
            let severity = if *d < ERROR_DAYS {
                Severity::Error
            } else {
                Severity::Warning
            };
            let when = match d {
                0 => "has expired".to_string(),
                1 => "expires within 1 day".to_string(),
                d => format!("expires in {d} days"),
            };
            Outcome::Verified(vec![Finding::new(
                CHECK,
                severity,
                CHECK,
                None,
                format!(
                    "the password of {account} {when} (vCenter SSO, GetDaysRemainingUntilPasswordExpiration); under {} days",
                    if severity == Severity::Error {
                        ERROR_DAYS
                    } else {
                        WARN_DAYS
                    }
                ),
                REMEDY.into(),
            )])
        }
        ExpiryAnswer::Unanswerable(why) => Outcome::Verified(vec![Finding::new(
            CHECK,
            Severity::Warning,
            "credential-expiry-unknown",
            None,
            format!("the vCenter cannot say when the password of {account} expires: {why}"),
            UNKNOWN_REMEDY.into(),
        )]),
        ExpiryAnswer::Failed(why) => Outcome::not_verified(format!(
            "vCenter SSO did not answer on the password of {account} ({why}); run where the vCenter's SSO (/sts, /sso-adminserver) answers"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judge(answer: ExpiryAnswer) -> Outcome {
        super::judge(Some(&CredentialExpiry {
            account: "arc@vsphere.local".into(),
            answer,
        }))
    }

    fn severity(o: &Outcome) -> Vec<(Severity, String)> {
        o.findings()
            .iter()
            .map(|f| (f.severity, f.code.clone()))
            .collect()
    }

    #[test]
    fn six_days_is_an_error() {
        let o = judge(ExpiryAnswer::Days(6));
        assert_eq!(severity(&o), [(Severity::Error, CHECK.to_string())]);
        assert!(o.findings()[0].remedy.contains("update-infracredentials"));
    }

    #[test]
    fn seven_days_is_a_warning() {
        let o = judge(ExpiryAnswer::Days(7));
        assert_eq!(severity(&o), [(Severity::Warning, CHECK.to_string())]);
    }

    #[test]
    fn thirty_days_pass() {
        assert_eq!(judge(ExpiryAnswer::Days(30)), Outcome::Verified(vec![]));
    }

    #[test]
    fn an_expired_password_says_so() {
        let o = judge(ExpiryAnswer::Days(0));
        assert!(o.findings()[0].message.contains("has expired"));
    }

    #[test]
    fn never_expiring_passes() {
        let o = judge(ExpiryAnswer::Never { source: "x".into() });
        assert_eq!(o, Outcome::Verified(vec![]));
    }

    #[test]
    fn what_sso_cannot_answer_is_a_warning_not_unverified() {
        let o = judge(ExpiryAnswer::Unanswerable("an AD account".into()));
        assert!(matches!(o, Outcome::Verified(_)));
        assert_eq!(
            severity(&o),
            [(Severity::Warning, "credential-expiry-unknown".to_string())]
        );
    }

    #[test]
    fn sso_unreachable_is_not_verified() {
        let o = judge(ExpiryAnswer::Failed("HTTP 404".into()));
        assert!(matches!(o, Outcome::NotVerified { .. }));
    }
}
