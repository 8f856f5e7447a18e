//! Templates and their deploy history. Deploying the appliance from a
//! template that was already deployed from and deleted again ends in "Error
//! during host configuration"; the guide's fix is a fresh template.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::facts::Facts;
use super::finding::{EntityRef, Finding, Severity};
use super::outcome::Outcome;
use crate::inventory::{Entity, MoRef, Snapshot};

pub const CHECK: &str = "templates";

#[derive(Debug, Clone, Serialize)]
pub struct TemplateRow {
    pub entity: EntityRef,
    pub created: Option<String>,
    pub age_days: Option<i64>,
    /// VMs deployed or cloned from this template, per the event history.
    pub deploys: usize,
    /// Of those, how many were removed again.
    pub removed: usize,
    pub stale: bool,
    pub reasons: Vec<String>,
}

/// What the event history says each template produced.
struct History {
    produced: HashMap<MoRef, HashSet<MoRef>>,
    removed: HashSet<MoRef>,
}

fn history(snap: &Snapshot) -> History {
    let mut produced: HashMap<MoRef, HashSet<MoRef>> = HashMap::new();
    let mut removed = HashSet::new();
    for e in snap.events.iter().flatten() {
        match (e.kind.as_str(), &e.vm, &e.source) {
            ("VmDeployedEvent" | "VmClonedEvent", Some(vm), Some(src)) => {
                produced.entry(src.clone()).or_default().insert(vm.clone());
            }
            ("VmRemovedEvent", Some(vm), _) => {
                removed.insert(vm.clone());
            }
            _ => {}
        }
    }
    History { produced, removed }
}

fn age_days(created: Option<&str>, now: OffsetDateTime) -> Option<i64> {
    let t = OffsetDateTime::parse(created?, &Rfc3339).ok()?;
    Some((now - t).whole_days())
}

fn row(t: &Entity, h: &History, now: OffsetDateTime, max_age: Option<u32>) -> TemplateRow {
    let made = h.produced.get(&t.moref);
    let deploys = made.map_or(0, HashSet::len);
    let removed = made.map_or(0, |m| m.iter().filter(|vm| h.removed.contains(vm)).count());
    let age = age_days(t.created.as_deref(), now);
    let mut reasons = Vec::new();
    if removed > 1 {
        reasons.push(format!(
            "deployed from {deploys} times and {removed} of those VMs were deleted again"
        ));
    }
    if let (Some(max), Some(a)) = (max_age, age)
        && a > i64::from(max)
    {
        reasons.push(format!("{a} days old, older than --max-age {max}"));
    }
    TemplateRow {
        entity: t.into(),
        created: t.created.clone(),
        age_days: age,
        deploys,
        removed,
        stale: !reasons.is_empty(),
        reasons,
    }
}

pub fn templates(snap: &Snapshot) -> impl Iterator<Item = &Entity> {
    snap.of_kind(&["VirtualMachine"]).filter(|v| v.template)
}

pub fn rows(snap: &Snapshot, now: OffsetDateTime, max_age: Option<u32>) -> Vec<TemplateRow> {
    let h = history(snap);
    templates(snap).map(|t| row(t, &h, now, max_age)).collect()
}

/// `stale-template` (an error for the target, a warning otherwise) and
/// `duplicate-template` (several templates carry the target's name).
pub fn check(
    snap: &Snapshot,
    target: Option<&Entity>,
    now: OffsetDateTime,
    max_age: Option<u32>,
) -> Vec<Finding> {
    let h = history(snap);
    let mut out = Vec::new();
    for t in templates(snap) {
        let r = row(t, &h, now, max_age);
        if !r.stale {
            continue;
        }
        let is_target = target.is_some_and(|x| x.moref == t.moref);
        out.push(Finding::new(
            "templates",
            if is_target { Severity::Error } else { Severity::Warning },
            "stale-template",
            Some(t),
            format!("the template {} is stale: {}", t.path, r.reasons.join("; ")),
            "delete the template, then run `az arcappliance prepare` to download a fresh one (the guide's fix for \"Error during host configuration\")".into(),
        ));
    }
    if let Some(target) = target {
        let same: Vec<&Entity> = templates(snap)
            .filter(|t| t.name == target.name && t.moref != target.moref)
            .collect();
        if !same.is_empty() {
            out.push(Finding::new(
                "templates",
                Severity::Warning,
                "duplicate-template",
                Some(target),
                format!(
                    "{} other template(s) share the name {:?}: {}",
                    same.len(),
                    target.name,
                    same.iter().map(|t| t.path.as_str()).collect::<Vec<_>>().join(", ")
                ),
                "give the deployment the full template path, or delete the copies that are not in use".into(),
            ));
        }
    }
    out
}

/// The registry's entry. The deploy history decides staleness, so a
/// snapshot without it cannot say a template is clean; and a template
/// created after the vCenter's own "now" means the dates cannot be trusted.
pub fn run(f: &Facts<'_>) -> Outcome {
    let Some(snap) = f.snapshot() else {
        return Outcome::not_verified("no inventory");
    };
    if snap.events.is_none() {
        return Outcome::not_verified(
            "the snapshot holds no event history, so deploys and deletions of templates are unknown: save it with `vaudit templates --save` or `vaudit check --save`",
        );
    }
    if let Some(why) = impossible_dates(snap) {
        return Outcome::not_verified(why);
    }
    Outcome::Verified(check(snap, f.targets.template, f.now, f.max_age))
}

/// A template created after the vCenter's clock said "now" when the
/// snapshot was taken: the server's dates are not to be believed.
pub fn impossible_dates(snap: &Snapshot) -> Option<String> {
    let server = OffsetDateTime::parse(snap.server_time.as_deref()?.trim(), &Rfc3339).ok()?;
    templates(snap).find_map(|t| {
        let created = OffsetDateTime::parse(t.created.as_deref()?, &Rfc3339).ok()?;
        (created > server + time::Duration::minutes(5)).then(|| {
            format!(
                "the template {} has createDate {}, later than the vCenter's own clock ({}): its age and history cannot be trusted; check the vCenter's time (NTP) and the template",
                t.path,
                t.created.as_deref().unwrap_or_default(),
                snap.server_time.as_deref().unwrap_or_default()
            )
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inventory::fixture::datacenter;

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse("2026-11-23T00:00:00Z", &Rfc3339).unwrap()
    }

    #[test]
    fn deployed_and_deleted_twice_is_stale_fresh_is_not() {
        let mut d = datacenter();
        let arc = d.arc.clone();
        let tpl = d.b.add("VirtualMachine", "vm-100", "arc-template", &arc);
        let fresh =
            d.b.add("VirtualMachine", "vm-101", "arc-template-new", &arc);
        for m in [&tpl, &fresh] {
            d.b.with(m, |e| {
                e.template = true;
                e.created = Some("2026-11-20T00:00:00Z".into());
            });
        }
        for (i, vm) in ["vm-200", "vm-201"].iter().enumerate() {
            let vm = MoRef::new("VirtualMachine", *vm);
            d.b.event(10 + i as i64, "VmDeployedEvent", &vm, Some(&tpl));
            d.b.event(20 + i as i64, "VmRemovedEvent", &vm, None);
        }
        // One deploy that is still alive does not make `fresh` stale.
        let alive = MoRef::new("VirtualMachine", "vm-300");
        d.b.event(30, "VmDeployedEvent", &alive, Some(&fresh));
        let s = d.b.build();

        let r = rows(&s, now(), None);
        let t = r.iter().find(|r| r.entity.moref == "vm-100").unwrap();
        assert_eq!((t.deploys, t.removed, t.stale), (2, 2, true));
        assert_eq!(t.age_days, Some(3));
        let f = r.iter().find(|r| r.entity.moref == "vm-101").unwrap();
        assert_eq!((f.deploys, f.removed, f.stale), (1, 0, false));

        let findings = check(&s, s.get(&tpl), now(), None);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, "stale-template");
        assert_eq!(findings[0].severity, Severity::Error);
        assert!(findings[0].remedy.contains("az arcappliance prepare"));
        // Not the target: a warning.
        let findings = check(&s, s.get(&fresh), now(), None);
        assert_eq!(findings[0].severity, Severity::Warning);
    }

    #[test]
    fn max_age_and_duplicates() {
        let mut d = datacenter();
        let (arc, vm) = (d.arc.clone(), d.vm.clone());
        let a = d.b.add("VirtualMachine", "vm-1", "arc-tpl", &arc);
        let b = d.b.add("VirtualMachine", "vm-2", "arc-tpl", &vm);
        for m in [&a, &b] {
            d.b.with(m, |e| {
                e.template = true;
                e.created = Some("2026-01-01T00:00:00Z".into());
            });
        }
        let s = d.b.build();
        assert!(check(&s, None, now(), Some(400)).is_empty());
        let f = check(&s, s.get(&a), now(), Some(30));
        let codes: Vec<&str> = f.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            ["stale-template", "stale-template", "duplicate-template"]
        );
        assert!(f[2].message.contains("/DC0/vm/arc-tpl"), "{}", f[2].message);
    }
}
