//! `vaudit privileges` for people: the gaps first, grouped by the entity
//! they are on, each with its fix, and one line per entity counting what is
//! granted; `--all` lists every row. One line per privilege, its id never
//! broken, so it can be copied into a role; only the human label is cut
//! to fit a terminal, and nothing is cut when stdout is not one.

use std::collections::BTreeSet;

use serde::Serialize;

use super::emit::{Judged, Page};
use super::sanitize::line as clean;
use super::table;
use super::terminal::{Paint, Style, fit, paint_if, plural, wrap};
use super::verdict::not_verified_lines;
use crate::checks::privileges::{Placement, PrivilegeRow};
use crate::checks::{EntityRef, Finding};
use crate::manifest::Level;

/// What the privileges table shows.
pub struct View<'a> {
    pub user: &'a str,
    pub manifest: &'a str,
    pub manifest_version: Option<&'a str>,
    /// The manifest options switched on (`--manifest-option`).
    pub manifest_options: &'a [String],
    pub placements: &'a [Placement],
    pub rows: &'a [PrivilegeRow],
    pub findings: &'a [Finding],
    /// `--all`: every row, granted ones too.
    pub all: bool,
    /// `--explain` follows: the fix points below instead of at the flag.
    pub explained: bool,
}

const GAPS: [&str; 2] = ["missing-privilege", "missing-recommended-privilege"];

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rank {
    Missing,
    Unknown,
    Granted,
}

fn rank(r: &PrivilegeRow) -> Rank {
    match (r.known, r.granted) {
        (false, _) => Rank::Unknown,
        (true, false) => Rank::Missing,
        (true, true) => Rank::Granted,
    }
}

fn status(r: &PrivilegeRow) -> (&'static str, Paint) {
    match rank(r) {
        Rank::Missing if r.level == Level::Required => ("MISSING", Paint::Red),
        Rank::Missing => ("missing", Paint::Yellow),
        Rank::Unknown => ("unknown", Paint::Yellow),
        Rank::Granted => ("ok", Paint::Green),
    }
}

/// The entities in the order the manifest's kinds place them, each with the
/// kinds checked on it.
fn entities<'a>(v: &'a View<'_>) -> Vec<(&'a EntityRef, String)> {
    let mut out: Vec<(&EntityRef, Vec<&str>, Vec<&str>)> = Vec::new();
    for p in v.placements {
        let i = match out.iter().position(|(e, _, _)| e.path == p.entity.path) {
            Some(i) => i,
            None => {
                out.push((&p.entity, vec![], vec![]));
                out.len() - 1
            }
        };
        match p.stand_in {
            Some(_) => out[i].2.push(p.kind.as_str()),
            None => out[i].1.push(p.kind.as_str()),
        }
    }
    for r in v.rows {
        if !out.iter().any(|(e, _, _)| e.path == r.entity.path) {
            out.push((&r.entity, vec![], vec![]));
        }
    }
    out.into_iter()
        .map(|(e, own, stood)| {
            let mut words = own.join(", ");
            if !stood.is_empty() {
                if !words.is_empty() {
                    words.push_str("; ");
                }
                words.push_str(&format!("in place of the {}", stood.join(", ")));
            }
            (e, words)
        })
        .collect()
}

pub fn render(v: &View<'_>, style: Style) -> String {
    let paint = |s: &str, p| paint_if(style.color, s, p);
    let mut out = format!(
        "Privileges of {} against the {} manifest\n",
        clean(v.user),
        clean(v.manifest)
    );
    for p in v.placements {
        if let Some(s) = p.stand_in {
            out.push_str(&format!(
                "  {}: not given, checked on {} (the {s})\n",
                p.kind.as_str(),
                clean(&p.entity.path)
            ));
        }
    }
    out.push('\n');
    let shown = |r: &PrivilegeRow| v.all || rank(r) != Rank::Granted;
    let id_width = v
        .rows
        .iter()
        .filter(|r| shown(r))
        .map(|r| clean(&r.id).chars().count())
        .max()
        .unwrap_or(0);
    for (entity, kinds) in entities(v) {
        let mut rows: Vec<&PrivilegeRow> = v
            .rows
            .iter()
            .filter(|r| r.entity.path == entity.path)
            .collect();
        if rows.is_empty() {
            continue;
        }
        rows.sort_by(|a, b| {
            rank(a)
                .cmp(&rank(b))
                .then(a.group.cmp(&b.group))
                .then(a.label.cmp(&b.label))
        });
        let missing = rows.iter().filter(|r| rank(r) == Rank::Missing).count();
        let unknown = rows.iter().filter(|r| rank(r) == Rank::Unknown).count();
        let granted = rows.len() - missing - unknown;
        let mut counts = Vec::new();
        if missing > 0 {
            counts.push(paint(&format!("{missing} missing"), Paint::Red));
        }
        if unknown > 0 {
            counts.push(paint(&format!("{unknown} unknown"), Paint::Yellow));
        }
        counts.push(format!("{granted} of {} granted", rows.len()));
        let kinds = if kinds.is_empty() {
            String::new()
        } else {
            format!(" ({kinds})")
        };
        out.push_str(&format!(
            "{}{kinds}: {}\n",
            clean(&entity.path),
            counts.join(", ")
        ));
        for r in rows.iter().filter(|r| shown(r)) {
            let (word, p) = status(r);
            let id = clean(&r.id);
            // The id names the group already.
            let what = clean(&r.label).into_owned();
            let prefix = 2 + 7 + 2 + id_width + 2;
            let what = match style.width {
                Some(w) => fit(&what, w.saturating_sub(prefix).max(12)),
                None => what,
            };
            out.push_str(&format!(
                "  {}  {id:<id_width$}  {what}\n",
                paint(&format!("{word:<7}"), p),
            ));
        }
        if missing > 0 {
            let how = if v.explained {
                "the commands are below"
            } else {
                "`vaudit privileges --explain` with the same targets shows the roles and the commands"
            };
            let fix = format!(
                "  fix: add {} to a role {} holds on {} or an ancestor (propagate on), or grant {} one holding {} there; {how}",
                if missing == 1 { "it" } else { "them" },
                clean(v.user),
                clean(&entity.path),
                clean(v.user),
                if missing == 1 { "it" } else { "them" },
            );
            out.push_str(&wrap(&fix, style.width, 7));
            out.push('\n');
        }
    }
    let others: Vec<Finding> = v
        .findings
        .iter()
        .filter(|f| !GAPS.contains(&f.code.as_str()))
        .cloned()
        .collect();
    if !others.is_empty() {
        out.push('\n');
        out.push_str(&table::finding_lines(&others, style));
    }
    let checked = v.rows.iter().filter(|r| r.known).count();
    let granted = v.rows.iter().filter(|r| r.granted).count();
    let on: BTreeSet<&str> = v.rows.iter().map(|r| r.entity.path.as_str()).collect();
    out.push_str(&format!(
        "\n{granted} of {} granted on {}; {}",
        plural(checked, "privilege check", "privilege checks"),
        plural(on.len(), "entity", "entities"),
        table::summary_line(v.findings).replacen("No findings", "no findings", 1)
    ));
    out
}

/// `--explain`: why each entity lacks something, and what to paste.
#[derive(Debug, Serialize)]
pub struct Explain {
    pub entities: Vec<ExplainEntity>,
    /// Every missing privilege id, once.
    pub missing: Vec<String>,
    pub govc: Vec<String>,
    pub powercli: Vec<String>,
    /// What no command line can do (global permissions).
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ExplainEntity {
    pub entity: EntityRef,
    pub missing: Vec<String>,
    pub permissions: Vec<ExplainPermission>,
}

#[derive(Debug, Serialize)]
pub struct ExplainPermission {
    /// Where the permission is defined (inventory path).
    pub defined_on: String,
    pub principal: String,
    pub group: bool,
    pub role: String,
    pub role_id: i32,
    pub propagate: bool,
}

pub fn render_explain(x: &Explain) -> String {
    let mut out = String::new();
    if x.entities.is_empty() && x.govc.is_empty() && x.notes.is_empty() {
        return out;
    }
    if !x.entities.is_empty() {
        out.push_str("\nWhy (the permissions set on each entity with missing privileges and on its ancestors, for every principal: the ones of this user and its groups decide):\n");
    }
    for e in &x.entities {
        out.push_str(&format!(
            "\n{} ({} missing)\n",
            clean(&e.entity.path),
            e.missing.len()
        ));
        if e.permissions.is_empty() {
            out.push_str("  no permission reaches it for anyone\n");
        }
        for p in &e.permissions {
            out.push_str(&format!(
                "  on {}: {}{} has role {} ({}), propagate {}\n",
                clean(&p.defined_on),
                if p.group { "group " } else { "" },
                clean(&p.principal),
                clean(&p.role),
                p.role_id,
                if p.propagate { "on" } else { "off" }
            ));
        }
    }
    out.push_str("\nTo close the gaps (each on the nearest entity that makes the privilege reach what needs it):\n");
    // Quoted already; control characters are shown escaped (inside the
    // quotes, so a pasted line can only fail to find the role).
    for l in x.govc.iter().chain(&x.powercli) {
        out.push_str(&format!("  {}\n", clean(l)));
    }
    for n in &x.notes {
        out.push_str(&format!("  {}\n", clean(n)));
    }
    out
}

/// `vaudit privileges`' report: the judged results, the rows and, with
/// `--explain`, the permissions and the commands that close each gap.
pub struct PrivilegesPage<'a> {
    pub judged: Judged<'a>,
    pub view: View<'a>,
    pub explain: Option<&'a Explain>,
}

impl Page for PrivilegesPage<'_> {
    fn json(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        #[derive(Serialize)]
        struct Body<'a> {
            user: &'a str,
            manifest: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            manifest_version: Option<&'a str>,
            manifest_options: &'a [String],
            checked_on: &'a [Placement],
            privileges: &'a [PrivilegeRow],
            #[serde(skip_serializing_if = "Option::is_none")]
            explain: Option<&'a Explain>,
        }
        self.judged.json(
            Body {
                user: self.view.user,
                manifest: self.view.manifest,
                manifest_version: self.view.manifest_version,
                manifest_options: self.view.manifest_options,
                checked_on: self.view.placements,
                privileges: self.view.rows,
                explain: self.explain,
            },
            out,
        )
    }

    fn table(&self, style: Style) -> String {
        let mut text = render(&self.view, style);
        text.push_str(&not_verified_lines(self.judged.results, style));
        if let Some(x) = self.explain {
            text.push_str(&render_explain(x));
        }
        text.push_str(&self.judged.closing(style));
        text
    }

    fn markdown(&self) -> String {
        self.judged.markdown()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Severity;
    use crate::checks::finding::PrivilegeRef;
    use crate::manifest::{EntityKind, TargetKind};

    fn entity(kind: &str, moref: &str, name: &str, path: &str) -> EntityRef {
        EntityRef {
            kind: kind.into(),
            moref: moref.into(),
            name: name.into(),
            path: path.into(),
        }
    }

    const ROWS: &[(&str, &str, &str, bool)] = &[
        ("folder", "Folder.Create", "Folder > Create folder", true),
        (
            "folder",
            "VirtualMachine.Config.AddNewDisk",
            "Virtual machine > Change Configuration > Add new disk",
            false,
        ),
        (
            "folder",
            "VirtualMachine.Interact.PowerOn",
            "Virtual machine > Interaction > Power on",
            false,
        ),
        (
            "folder",
            "VirtualMachine.Provisioning.DeployTemplate",
            "Virtual machine > Provisioning > Deploy template",
            false,
        ),
        (
            "folder",
            "VirtualMachine.Inventory.CreateFromExisting",
            "Virtual machine > Edit Inventory > Create from existing",
            true,
        ),
        (
            "template",
            "VirtualMachine.Provisioning.Clone",
            "Virtual machine > Provisioning > Clone virtual machine",
            true,
        ),
        (
            "root",
            "Datastore.AllocateSpace",
            "Datastore > Allocate space",
            true,
        ),
        ("root", "Network.Assign", "Network > Assign network", true),
    ];

    fn fixture() -> (Vec<Placement>, Vec<PrivilegeRow>, Vec<Finding>) {
        let folder = entity("Folder", "group-v3", "Arc", "/DC0/vm/Arc");
        let template = entity(
            "VirtualMachine",
            "vm-64",
            "arc-template-0",
            "/DC0/vm/Arc/templates/arc-template-0",
        );
        let root = entity("Folder", "group-d1", "Datacenters", "/");
        let placements = vec![
            Placement {
                kind: EntityKind::Target(TargetKind::Folder),
                entity: folder.clone(),
                stand_in: None,
            },
            Placement {
                kind: EntityKind::Target(TargetKind::Template),
                entity: template.clone(),
                stand_in: None,
            },
            Placement {
                kind: EntityKind::Target(TargetKind::Datastore),
                entity: root.clone(),
                stand_in: Some("root folder"),
            },
            Placement {
                kind: EntityKind::Target(TargetKind::Network),
                entity: root.clone(),
                stand_in: Some("root folder"),
            },
        ];
        let mut rows = Vec::new();
        let mut findings = Vec::new();
        for (on, id, what, granted) in ROWS {
            let e = match *on {
                "folder" => &folder,
                "template" => &template,
                _ => &root,
            };
            let (group, label) = what.rsplit_once(" > ").unwrap();
            rows.push(PrivilegeRow {
                entity: e.clone(),
                id: id.to_string(),
                group: group.into(),
                label: label.into(),
                level: Level::Required,
                granted: *granted,
                known: true,
            });
            if !granted {
                let mut f = Finding::new(
                    "privileges",
                    Severity::Error,
                    "missing-privilege",
                    None,
                    format!("{id} is not granted on {}", e.path),
                    "add it".to_string(),
                );
                f.entity = Some(e.clone());
                f.privilege = Some(PrivilegeRef {
                    id: id.to_string(),
                    group: group.into(),
                    label: label.into(),
                });
                findings.push(f);
            }
        }
        (placements, rows, findings)
    }

    fn render_at(width: Option<usize>, all: bool) -> String {
        let (placements, rows, findings) = fixture();
        render(
            &View {
                user: "deployer@vsphere.local",
                manifest: "arc-resource-bridge",
                manifest_version: None,
                manifest_options: &[],
                placements: &placements,
                rows: &rows,
                findings: &findings,
                all,
                explained: false,
            },
            Style {
                width,
                color: false,
            },
        )
    }

    /// Compares with `src/report/golden/NAME`; `VAUDIT_BLESS=1` rewrites it.
    fn golden(name: &str, got: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/report/golden")
            .join(name);
        if std::env::var_os("VAUDIT_BLESS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, got).unwrap();
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e} (VAUDIT_BLESS=1 writes it)", path.display()));
        assert_eq!(got, want, "{name} differs:\n{got}");
    }

    fn assert_ids_whole(out: &str) {
        for (_, id, _, _) in ROWS {
            let lines = out.lines().filter(|l| l.contains(id)).count();
            let gap = ROWS.iter().any(|(_, i, _, g)| i == id && !g);
            if gap {
                assert_eq!(lines, 1, "{id} not on exactly one line:\n{out}");
            }
        }
    }

    #[test]
    fn three_missing_at_80_columns() {
        let out = render_at(Some(80), false);
        assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
        assert_ids_whole(&out);
        golden("privileges-80.txt", &out);
    }

    #[test]
    fn three_missing_at_200_columns() {
        let out = render_at(Some(200), false);
        assert_ids_whole(&out);
        golden("privileges-200.txt", &out);
    }

    #[test]
    fn three_missing_piped() {
        let out = render_at(None, false);
        assert_ids_whole(&out);
        // Granted rows are counted per entity, not listed.
        assert!(!out.contains("Folder.Create"), "{out}");
        assert!(
            out.contains("/DC0/vm/Arc (folder): 3 missing, 2 of 5 granted"),
            "{out}"
        );
        golden("privileges-piped.txt", &out);
    }

    #[test]
    fn all_lists_every_row_on_one_line_each() {
        let out = render_at(None, true);
        for (_, id, what, _) in ROWS {
            let label = what.rsplit_once(" > ").unwrap().1;
            assert_eq!(
                out.lines()
                    .filter(|l| l.contains(id) && l.contains(label))
                    .count(),
                1,
                "{id}:\n{out}"
            );
        }
    }

    #[test]
    fn wrap_keeps_long_words_whole() {
        let s = "  fix: add them on /DC0/vm/a-very-long-folder-name-that-is-long and more";
        let w = wrap(s, Some(30), 7);
        assert!(
            w.contains("/DC0/vm/a-very-long-folder-name-that-is-long"),
            "{w}"
        );
        assert!(w.starts_with("  fix:"), "{w}");
        assert!(w.lines().skip(1).all(|l| l.starts_with("       ")), "{w}");
    }

    /// `--explain` as pasted into PowerShell: a role name with a quote,
    /// `$`, a backtick and a newline stays one single-quoted literal on
    /// one line (the newline shown as `\n` inside it, so the pasted line
    /// can only fail to find the role, never run the rest).
    #[test]
    fn an_explained_powercli_line_keeps_a_hostile_role_name_one_literal() {
        use crate::report::grant::{Action, Change, RoleRef, govc, powercli};
        let mut c = Change::new(Action::ExtendRole, "deployer@vsphere.local");
        c.role = Some(RoleRef {
            name: "Arc'\n$HOME `$(id)".into(),
            id: None,
        });
        c.privileges = vec!["Folder.Create".into()];
        let x = Explain {
            entities: Vec::new(),
            missing: Vec::new(),
            govc: govc(&c).into_iter().collect(),
            powercli: powercli(&c).into_iter().collect(),
            notes: Vec::new(),
        };
        let out = render_explain(&x);
        let line = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("Set-VIRole -Role "))
            .unwrap_or_else(|| panic!("no Set-VIRole line:\n{out}"));
        assert_eq!(
            line,
            r"'Arc''\n$HOME `$(id)' -AddPrivilege (Get-VIPrivilege -Id 'Folder.Create')"
        );
    }

    #[test]
    fn a_label_is_cut_the_id_is_not() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abc", 4), "abc");
    }
}
