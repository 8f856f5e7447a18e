//! `connection`: the vCenter answered, its certificate verified (and is not
//! about to expire), the login worked. A failure here is a finding as well
//! as the reason every other vCenter check did not run.

use super::facts::{Access, Facts};
use super::outcome::Outcome;
use super::vcenter;

pub const CHECK: &str = "connection";

pub fn run(f: &Facts<'_>) -> Outcome {
    match &f.vcenter {
        Access::Live { live, .. } => {
            let mut out = vcenter::certificate(live.certificate.as_ref(), f.now);
            out.extend(vcenter::tls_verification(live.insecure));
            Outcome::Verified(out)
        }
        Access::Offline { .. } => Outcome::not_verified(
            "offline snapshot: the connection is verified only live; run without --from",
        ),
        Access::Unavailable { reason, finding } => Outcome::NotVerified {
            reason: reason.clone(),
            findings: finding.iter().map(|f| f.as_ref().clone()).collect(),
        },
    }
}
