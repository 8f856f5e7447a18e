//! `vaudit grant`'s plan: the changes as data (what `--apply` performs and
//! the JSON lists), and the plan written for people (table, markdown) and
//! for pasting (`sh`: govc, `ps1`: PowerCLI). Every name in a command line
//! goes through `quote`, and every text in a comment or a table through
//! `sanitize`, so a hostile role, principal or entity name stays one word
//! and can neither end a comment nor start a line of its own.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::markdown::cell;
use super::quote;
use super::sanitize::line;
use super::table::{Fit, Grid};
use crate::checks::EntityRef;

/// What one change does (cli.md §3a).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    CreateRole,
    ExtendRole,
    AddPermission,
    ReplacePermission,
    GlobalPermission,
    NoOp,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CreateRole => "create-role",
            Action::ExtendRole => "extend-role",
            Action::AddPermission => "add-permission",
            Action::ReplacePermission => "replace-permission",
            Action::GlobalPermission => "global-permission",
            Action::NoOp => "no-op",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRef {
    pub name: String,
    /// Unknown until a planned role is created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i32>,
}

/// The permission a `replace-permission` takes the place of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaces {
    pub role: RoleRef,
    pub propagate: bool,
}

/// The flag `--apply` needs before it makes a change that touches what
/// others hold or what the principal already had, or that lands elsewhere
/// than asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flag {
    #[serde(rename = "--widen-shared-role")]
    WidenSharedRole,
    #[serde(rename = "--replace-existing")]
    ReplaceExisting,
    #[serde(rename = "--allow-move-up")]
    AllowMoveUp,
}

impl Flag {
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::WidenSharedRole => "--widen-shared-role",
            Flag::ReplaceExisting => "--replace-existing",
            Flag::AllowMoveUp => "--allow-move-up",
        }
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One change of the plan, in the order `--apply` makes them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub action: Action,
    pub principal: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub group: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity: Option<EntityRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<RoleRef>,
    /// create-role: the role's privileges; extend-role: those added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub privileges: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propagate: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Replaces>,
    /// extend-role: the other principals holding the role, who gain the
    /// privileges too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub held_by: Vec<String>,
    /// Why the permission lands elsewhere than the target, or why nothing
    /// is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A moved permission: how many inventory objects it then reaches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reaches: Option<usize>,
    /// The flag `--apply` needs for this change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needs: Option<Flag>,
    /// A step vaudit cannot take (a global permission before vCenter 9):
    /// shown as a warning, never claimed done.
    #[serde(default, skip_serializing_if = "is_false")]
    pub manual: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applied: Option<bool>,
}

impl Change {
    pub fn new(action: Action, principal: &str) -> Change {
        Change {
            action,
            principal: principal.to_string(),
            group: false,
            entity: None,
            role: None,
            privileges: Vec::new(),
            propagate: None,
            replaces: None,
            held_by: Vec::new(),
            reason: None,
            reaches: None,
            needs: None,
            manual: false,
            applied: None,
        }
    }

    fn role_name(&self) -> &str {
        self.role.as_ref().map_or("", |r| r.name.as_str())
    }

    fn path(&self) -> &str {
        self.entity.as_ref().map_or("", |e| e.path.as_str())
    }

    /// Whether vaudit itself would make this change.
    pub fn actionable(&self) -> bool {
        self.action != Action::NoOp && !self.manual
    }
}

/// A kind of the manifest no target was given for: never planned on a
/// stand-in.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotPlanned {
    pub kind: String,
    /// The flag or config key that names its target.
    pub how: String,
}

/// The plan's body in the JSON document, beside the envelope's lists.
#[derive(Debug, Clone, Serialize)]
pub struct GrantBody<'a> {
    pub changes: &'a [Change],
    #[serde(skip_serializing_if = "<[NotPlanned]>::is_empty")]
    pub not_planned: &'a [NotPlanned],
}

/// PowerCLI's id of a managed object (`Folder-group-v9`), for
/// `Get-Inventory -Id`.
pub fn powercli_id(kind: &str, moref: &str) -> String {
    let kind = match kind {
        "DistributedVirtualPortgroup" => "DistributedPortgroup",
        k => k,
    };
    format!("{kind}-{moref}")
}

/// The vSphere Client steps for a global permission, which neither govc
/// nor PowerCLI can create.
fn global_steps(c: &Change) -> String {
    format!(
        "in the vSphere Client, Administration > Access Control > Global Permissions > Add: user {}, role {}, \"Propagate to children\" {}",
        c.principal,
        c.role_name(),
        if c.propagate.unwrap_or(true) {
            "on"
        } else {
            "off"
        }
    )
}

/// A comment line for `sh` or `ps1`: one line, controls escaped, so no
/// text from the server can end it and start a command.
fn comment(out: &mut String, text: &str) {
    let _ = writeln!(out, "# {}", line(text));
}

fn words(ids: &[String], q: fn(&str) -> String) -> Vec<String> {
    ids.iter().map(|i| q(i)).collect()
}

fn sh_word(s: &str) -> String {
    quote::sh(s).into_owned()
}

/// One change as govc lines (without the comment that explains it).
pub fn govc(c: &Change) -> Option<String> {
    let role = c.role_name();
    match c.action {
        Action::CreateRole => Some(format!(
            "govc role.create {} {}",
            sh_word(role),
            words(&c.privileges, sh_word).join(" ")
        )),
        Action::ExtendRole => Some(format!(
            "govc role.update -a {} {}",
            sh_word(role),
            words(&c.privileges, sh_word).join(" ")
        )),
        Action::AddPermission | Action::ReplacePermission => Some(format!(
            "govc permissions.set -principal {}{} -role {} -propagate={} {}",
            sh_word(&c.principal),
            if c.group { " -group=true" } else { "" },
            sh_word(role),
            c.propagate.unwrap_or(true),
            sh_word(c.path())
        )),
        Action::GlobalPermission | Action::NoOp => None,
    }
}

/// One change as PowerCLI lines.
pub fn powercli(c: &Change) -> Option<String> {
    let role = quote::powershell(c.role_name());
    let privs = || words(&c.privileges, quote::powershell).join(",");
    let entity = || {
        let e = c.entity.as_ref()?;
        Some(quote::powershell(&powercli_id(&e.kind, &e.moref)))
    };
    let propagate = if c.propagate.unwrap_or(true) {
        "$true"
    } else {
        "$false"
    };
    match c.action {
        Action::CreateRole => Some(format!(
            "New-VIRole -Name {role} -Privilege (Get-VIPrivilege -Id {})",
            privs()
        )),
        Action::ExtendRole => Some(format!(
            "Set-VIRole -Role {role} -AddPrivilege (Get-VIPrivilege -Id {})",
            privs()
        )),
        Action::AddPermission => Some(format!(
            "New-VIPermission -Entity (Get-Inventory -Id {}) -Principal {} -Role {role} -Propagate:{propagate}",
            entity()?,
            quote::powershell(&c.principal)
        )),
        Action::ReplacePermission => Some(format!(
            "Get-VIPermission -Entity (Get-Inventory -Id {}) -Principal {} | Set-VIPermission -Role {role} -Propagate:{propagate}",
            entity()?,
            quote::powershell(&c.principal)
        )),
        Action::GlobalPermission | Action::NoOp => None,
    }
}

/// Why a change is there, in words (the comment above its command).
fn explain(c: &Change) -> String {
    let mut s = c.action.as_str().to_string();
    if let Some(e) = &c.entity {
        let _ = write!(s, " on {}", e.path);
    }
    if let Some(r) = &c.replaces {
        let _ = write!(
            s,
            ", replacing {}'s {} (propagate {})",
            c.principal, r.role.name, r.propagate
        );
    }
    if !c.held_by.is_empty() {
        let _ = write!(
            s,
            "; also held by {}, who gain it too",
            c.held_by.join(", ")
        );
    }
    if let Some(r) = &c.reason {
        let _ = write!(s, "; {r}");
    }
    if let Some(n) = c.reaches {
        let _ = write!(s, " (reaches {n} objects)");
    }
    if let Some(f) = c.needs {
        let _ = write!(s, "; --apply needs {}", f.as_str());
    }
    s
}

/// The plan as a POSIX shell script of govc commands.
pub fn sh(changes: &[Change]) -> String {
    script(changes, "#!/bin/sh\nset -eu\n", govc)
}

/// The plan as a PowerShell script of PowerCLI commands.
pub fn ps1(changes: &[Change]) -> String {
    script(changes, "$ErrorActionPreference = 'Stop'\n", powercli)
}

fn script(changes: &[Change], head: &str, line_of: fn(&Change) -> Option<String>) -> String {
    let mut out = String::from(head);
    if changes.iter().all(|c| !c.actionable()) && changes.iter().all(|c| !c.manual) {
        comment(&mut out, "vaudit grant: nothing to change");
    }
    for c in changes {
        comment(&mut out, &explain(c));
        match line_of(c) {
            Some(l) => {
                let _ = writeln!(out, "{l}");
            }
            None if c.action == Action::GlobalPermission => {
                comment(&mut out, &format!("manual step: {}", global_steps(c)));
                if !c.privileges.is_empty() {
                    comment(
                        &mut out,
                        &format!("the role holds {}", c.privileges.join(", ")),
                    );
                }
            }
            None => {}
        }
    }
    out
}

fn details(c: &Change) -> String {
    let mut parts = Vec::new();
    if !c.privileges.is_empty() {
        parts.push(c.privileges.join(", "));
    }
    if let Some(p) = c.propagate {
        parts.push(format!("propagate {p}"));
    }
    if let Some(r) = &c.replaces {
        parts.push(format!(
            "replaces {} (propagate {})",
            r.role.name, r.propagate
        ));
    }
    if !c.held_by.is_empty() {
        parts.push(format!("also held by {}", c.held_by.join(", ")));
    }
    if let Some(r) = &c.reason {
        parts.push(r.clone());
    }
    if let Some(n) = c.reaches {
        parts.push(format!("reaches {n} objects"));
    }
    if c.action == Action::GlobalPermission && c.manual {
        parts.push(format!("manual: {}", global_steps(c)));
    }
    if let Some(f) = c.needs {
        parts.push(format!("--apply needs {}", f.as_str()));
    }
    if let Some(a) = c.applied {
        parts.push(if a { "applied" } else { "not applied" }.into());
    }
    parts.join("; ")
}

/// The plan as a table for a terminal.
pub fn table(changes: &[Change], not_planned: &[NotPlanned]) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        out.push_str(
            "Nothing to change: every privilege the manifest asks for reaches what needs it.\n",
        );
    } else {
        let mut g = Grid::new(&[
            ("ACTION", Fit::Whole),
            ("ENTITY", Fit::Whole),
            ("ROLE", Fit::Whole),
            ("DETAILS", Fit::Wrap),
        ]);
        for c in changes {
            // Grid makes each cell safe for the terminal.
            g.row([
                c.action.as_str().to_string(),
                c.path().to_string(),
                c.role_name().to_string(),
                details(c),
            ]);
        }
        out.push_str(&g.render());
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    for n in not_planned {
        let _ = writeln!(
            out,
            "Not planned: {} has no target (set {}); vaudit never grants on a stand-in.",
            n.kind, n.how
        );
    }
    out
}

/// The plan as GitHub-flavoured markdown.
pub fn markdown(changes: &[Change], not_planned: &[NotPlanned]) -> String {
    let mut out = String::from("**vaudit grant: plan**\n\n");
    if changes.is_empty() {
        out.push_str("Nothing to change.\n");
    } else {
        out.push_str("| action | entity | role | details |\n| --- | --- | --- | --- |\n");
        for c in changes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                c.action.as_str(),
                cell(c.path()),
                cell(c.role_name()),
                cell(&details(c))
            );
        }
    }
    for n in not_planned {
        let _ = writeln!(
            out,
            "\nNot planned: {} has no target (set {}).",
            cell(&n.kind),
            cell(&n.how)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "x'; rm -rf ~; echo '$(id)`\n\u{1b}]0;t\u{7}";

    fn hostile_change(action: Action) -> Change {
        let mut c = Change::new(action, HOSTILE);
        c.entity = Some(EntityRef {
            kind: "Folder".into(),
            moref: "group-v3'x".into(),
            name: HOSTILE.into(),
            path: format!("/DC0/vm/{HOSTILE}"),
        });
        c.role = Some(RoleRef {
            name: HOSTILE.into(),
            id: None,
        });
        c.privileges = vec!["A.B".into(), HOSTILE.into()];
        c.propagate = Some(true);
        c.reason = Some(HOSTILE.into());
        c.held_by = vec![HOSTILE.into()];
        c
    }

    fn all_hostile() -> Vec<Change> {
        [
            Action::CreateRole,
            Action::ExtendRole,
            Action::AddPermission,
            Action::ReplacePermission,
            Action::GlobalPermission,
        ]
        .into_iter()
        .map(hostile_change)
        .collect()
    }

    /// Runs the plan in a real `sh`: Unix only.
    #[cfg(unix)]
    #[test]
    fn sh_plan_with_hostile_names_runs_nothing_but_its_commands() {
        let script = sh(&all_hostile());
        // Every line is a comment or starts with govc; a name cannot start a
        // line of its own (its newline is inside a single-quoted word).
        let mut in_quote = false;
        for l in script.lines() {
            if !in_quote {
                assert!(
                    l.starts_with('#') || l.starts_with("govc ") || l == "set -eu",
                    "{l:?}"
                );
            }
            // A quote count that is odd leaves the word open to the next line.
            if !l.starts_with('#') {
                in_quote ^= l.matches('\'').count() % 2 == 1;
            }
        }
        assert!(!in_quote);
        // Run it with govc a function that prints its arguments, one per line.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "govc() {{ for a in \"$@\"; do printf '[%s]' \"$a\"; done; echo; }}\n{script}"
            ))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{text}");
        assert!(text.contains(&format!("[{HOSTILE}]")), "{text}");
        assert!(!text.contains("uid="), "{text}");
    }

    #[test]
    fn ps1_plan_keeps_every_hostile_name_in_one_literal() {
        let script = ps1(&all_hostile());
        for l in script.lines().skip(1) {
            assert!(
                l.starts_with('#')
                    || l.starts_with("New-VIRole ")
                    || l.starts_with("Set-VIRole ")
                    || l.starts_with("New-VIPermission ")
                    || l.starts_with("Get-VIPermission ")
                    // the newline inside a literal continues it
                    || !l.contains("Remove") && !l.starts_with("rm"),
                "{l:?}"
            );
        }
        assert!(script.contains(&quote::powershell(HOSTILE)));
        // No comment line carries a raw control character.
        for l in script.lines().filter(|l| l.starts_with('#')) {
            assert!(!l.chars().any(|c| c.is_control()), "{l:?}");
        }
    }

    #[test]
    fn comments_escape_newlines() {
        let mut out = String::new();
        comment(&mut out, "a\nrm -rf ~");
        assert_eq!(out, "# a\\nrm -rf ~\n");
    }

    #[test]
    fn actions_are_the_contract_words() {
        for (a, w) in [
            (Action::CreateRole, "create-role"),
            (Action::ExtendRole, "extend-role"),
            (Action::AddPermission, "add-permission"),
            (Action::ReplacePermission, "replace-permission"),
            (Action::GlobalPermission, "global-permission"),
            (Action::NoOp, "no-op"),
        ] {
            assert_eq!(serde_json::to_value(a).unwrap(), w);
            assert_eq!(a.as_str(), w);
        }
    }
}
