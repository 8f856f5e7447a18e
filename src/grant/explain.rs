//! `vaudit privileges --explain`'s command lines: `grant`'s plan (with the
//! role the user already holds extended, as `--widen-shared-role` would),
//! rendered by the one generator `grant -o sh` and `-o ps1` use, so each
//! change is one line and the two commands never disagree.

use super::gather::{Reaching, not_propagated, tag_gaps};
use super::plan::{self, Inputs, Options};
use crate::checks::Finding;
use crate::checks::privileges::{self, Answers, Placement};
use crate::checks::tagging::{self, GlobalListing};
use crate::inventory::{PrivilegeAnswers, Snapshot};
use crate::manifest::Manifest;
use crate::report::grant::{self as render, Action};
use crate::report::remediation::{Answered, Lines};

/// What the privileges command gathered, as the plan reads it.
pub struct Explained<'a> {
    pub manifest: &'a Manifest,
    pub snap: &'a Snapshot,
    pub placements: &'a [Placement],
    pub answers: &'a PrivilegeAnswers,
    /// The privileges check's findings (privilege-not-propagated among them).
    pub findings: &'a [Finding],
    pub global: Option<&'a GlobalListing>,
    pub reaching: &'a Reaching,
}

/// From what `vaudit privileges` gathered with `--explain`: the
/// permissions reaching each entity with a gap stand for what reaches the
/// entity a permission would go on (a moved-up one has none), and the roles'
/// other holders are not asked (`vaudit grant` asks them).
pub fn for_privileges(g: &Answered, findings: &[Finding], manifest: &Manifest) -> Lines {
    let reaching: Reaching = (g.applying.clone(), Default::default());
    lines(&Explained {
        manifest,
        snap: &g.snap,
        placements: &g.placements,
        answers: &g.answers,
        findings,
        global: g.global.as_ref(),
        reaching: &reaching,
    })
}

pub fn lines(x: &Explained<'_>) -> Lines {
    let mut r = Lines::default();
    let tag = tagging::attach_tag(
        x.manifest,
        Some(x.answers),
        &x.snap.root,
        &x.snap.vcenter.version,
        x.global,
    );
    let rows = privileges::check(Answers::of(x.manifest, x.placements, x.answers)).rows;
    let not_propagated = not_propagated(x.findings);
    let tag_gaps = tag_gaps(&tag, x.manifest, false);
    let (permissions, holders) = x.reaching;
    let inputs = Inputs {
        manifest: x.manifest,
        snap: x.snap,
        placements: x.placements,
        rows: &rows,
        not_propagated: &not_propagated,
        tag_gaps: &tag_gaps,
        global_api: tagging::lists_global_permissions(&x.snap.vcenter.version),
        global_existing: None,
        principal: &x.answers.user,
        known: &x.answers.known,
        roles: &x.answers.roles,
        permissions,
        holders,
    };
    let options = Options {
        widen_shared_role: true,
        ..Options::default()
    };
    match plan::plan(&inputs, &options) {
        Ok(p) => {
            for c in &p.changes {
                r.govc.extend(render::govc(c));
                r.powercli.extend(render::powercli(c));
                if c.action == Action::GlobalPermission {
                    r.notes.push(format!(
                        "{}: vSphere honours tagging privileges only as a global permission (or on the tag): grant {} the role {} in the vSphere Client under Administration > Access Control > Global Permissions, with \"Propagate to children\" on (neither govc nor PowerCLI has a command for global permissions; on vCenter 9 `vaudit grant --apply` creates it)",
                        tag_gaps.join(", "),
                        x.answers.user,
                        c.role.as_ref().map(|x| x.name.as_str()).unwrap_or("")
                    ));
                }
            }
            for n in &p.not_planned {
                r.notes.push(format!(
                    "{} has no target: no line is given for it (set {})",
                    n.kind, n.how
                ));
            }
        }
        Err(e) => r.notes.push(e.to_string()),
    }
    r
}
