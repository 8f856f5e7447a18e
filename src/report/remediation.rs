//! `--explain`: the permissions that reach each entity with a gap, and the
//! govc and PowerCLI lines that close every gap: `vaudit grant`'s plan,
//! rendered by the same generator as `grant -o sh` and `-o ps1`.

use std::collections::BTreeMap;

use super::privileges::{Explain, ExplainEntity, ExplainPermission};
use crate::checks::EntityRef;
use crate::checks::privileges::{Answers, Placement, PrivilegeRow};
use crate::checks::tagging;
use crate::inventory::{PrivilegeAnswers, Snapshot};
use crate::manifest::Manifest;
use crate::vsphere::{MoRef, Permission};

/// What `vaudit privileges` lists, from what one session gathered: the
/// answers, where each kind was checked and, with `--explain`, the
/// permissions reaching each entity with a gap.
pub struct Answered {
    pub snap: Snapshot,
    pub targets: BTreeMap<&'static str, EntityRef>,
    pub placements: Vec<Placement>,
    pub answers: PrivilegeAnswers,
    pub user: String,
    /// `--explain`: the permissions reaching each entity with a gap.
    pub applying: Vec<(MoRef, Vec<Permission>)>,
    /// vCenter 9's global permissions, when `AttachTag` is judged there.
    pub global: Option<tagging::GlobalListing>,
}

pub fn answers<'a>(g: &'a Answered, manifest: &'a Manifest) -> Answers<'a> {
    answers_of(&g.answers, &g.placements, manifest)
}

/// What the privileges check reads of the session's answers.
pub fn answers_of<'a>(
    a: &'a PrivilegeAnswers,
    placements: &'a [Placement],
    manifest: &'a Manifest,
) -> Answers<'a> {
    Answers::of(manifest, placements, a)
}

/// The fixes' command lines, computed by `vaudit grant`'s planner (a layer
/// above this one) and rendered by `report::grant`'s one generator.
#[derive(Debug, Default)]
pub struct Lines {
    pub govc: Vec<String>,
    pub powercli: Vec<String>,
    /// What no command line can do (global permissions before vCenter 9).
    pub notes: Vec<String>,
}

/// The permissions reaching each entity with a gap, and the lines that
/// close every gap (`grant`'s plan).
pub fn explain(g: &Answered, rows: &[PrivilegeRow], lines: Lines) -> Explain {
    let role_name = |id: i32| {
        g.answers
            .roles
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_else(|| format!("role {id}"))
    };
    let path_of = |m: &MoRef| {
        if *m == g.snap.root {
            "/".to_string()
        } else {
            g.snap
                .get(m)
                .map(|e| e.path.clone())
                .unwrap_or_else(|| m.to_string())
        }
    };
    let mut missing: Vec<String> = Vec::new();
    let mut entities = Vec::new();
    for (m, perms) in &g.applying {
        let gaps: Vec<&PrivilegeRow> = rows
            .iter()
            .filter(|r| {
                r.known && !r.granted && *r.entity.kind == *m.kind && r.entity.moref == m.value
            })
            .collect();
        let Some(first) = gaps.first() else { continue };
        for r in &gaps {
            if !missing.contains(&r.id) {
                missing.push(r.id.clone());
            }
        }
        entities.push(ExplainEntity {
            entity: first.entity.clone(),
            missing: gaps.iter().map(|r| r.id.clone()).collect(),
            permissions: perms
                .iter()
                .map(|p| ExplainPermission {
                    defined_on: p
                        .entity
                        .as_ref()
                        .map(&path_of)
                        .unwrap_or_else(|| first.entity.path.clone()),
                    principal: p.principal.clone(),
                    group: p.group,
                    role: role_name(p.role_id),
                    role_id: p.role_id,
                    propagate: p.propagate,
                })
                .collect(),
        });
    }
    Explain {
        entities,
        missing,
        govc: lines.govc,
        powercli: lines.powercli,
        notes: lines.notes,
    }
}
