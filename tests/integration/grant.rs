//! `vaudit grant` at the library level against the simulator: the plan from
//! the privileges audit's own answers, the changes applied behind a
//! journal, and the journal undone. Every scenario reads the permissions
//! and roles through the SOAP API before and after.

use std::path::{Path, PathBuf};

use vaudit::grant::{self, ApplyContext, Gathered, GrantError, Options, Plan};
use vaudit::inventory::{Facets, Snapshot, TargetSpec};
use vaudit::manifest::{self, EntityKind, IMPLIED, Manifest, TargetKind};
use vaudit::report::grant::{Action, Flag};
use vaudit::vsphere::{Client, FaultKind, MoRef, Permission, Role};

use crate::admin::Admin;
use crate::common::{ADMIN, DEPLOYER_PASSWORD, SIM_PASSWORD, Sim};

pub const DEPLOYER: &str = "deployer@vsphere.local";
pub const OTHER: &str = "other@vsphere.local";
pub const ARC: &str = "/DC0/vm/Arc";
pub const POOL: &str = "/DC0/host/DC0_C0/Resources/DC0_C0_RP1";
const PREFIX: &str = "vaudit-arc-resource-bridge-v1";

pub fn start(dir: &Path, extra: &[&str]) -> Sim {
    let path = dir.join("users.json");
    let json = serde_json::json!({
        "users": [
            {"name": DEPLOYER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": []},
            {"name": OTHER, "password_env": "VCSIM_DEPLOYER_PASSWORD", "groups": []},
        ]
    });
    std::fs::write(&path, json.to_string()).unwrap();
    let users = path.display().to_string();
    let mut args = vec!["-users", users.as_str()];
    args.extend(extra);
    Sim::start_with_env(&args, &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)])
}

/// The administrator's library session, as `vaudit grant` runs.
struct Lib {
    rt: tokio::runtime::Runtime,
    client: Client,
    manifest: Manifest,
}

/// Every permission and role, as the SOAP API lists them: what each
/// scenario compares before and after.
#[derive(Debug, PartialEq)]
struct State {
    permissions: Vec<(String, String, bool, i32, bool)>,
    roles: Vec<(i32, String, Vec<String>)>,
}

fn spec(folder: &str) -> TargetSpec {
    TargetSpec {
        folder: Some(folder.into()),
        pool: Some(POOL.into()),
        datastore: Some("LocalDS_0".into()),
        network: Some("DC0_DVPG0".into()),
        ..Default::default()
    }
}

impl Lib {
    fn connect(sim: &Sim) -> Lib {
        let (rt, client) = crate::admin::library_session(sim);
        Lib {
            rt,
            client,
            manifest: manifest::default_manifest(),
        }
    }

    fn snapshot(&self) -> Snapshot {
        let vc = vaudit::report::VCenter::new("sim", &self.client, false);
        self.rt
            .block_on(vaudit::inventory::collect(
                &self.client,
                vc,
                Facets::all(),
                false,
                Default::default(),
                |_| {},
            ))
            .unwrap()
    }

    fn gather(&self, snap: &Snapshot, folder: &str) -> Gathered {
        let (targets, errors) = vaudit::inventory::resolve_each(snap, &spec(folder));
        assert!(errors.is_empty(), "{errors:?}");
        self.rt
            .block_on(grant::gather(
                &self.client,
                snap,
                &targets,
                &self.manifest,
                Some(DEPLOYER),
                (ADMIN, SIM_PASSWORD),
                PREFIX,
            ))
            .unwrap()
    }

    fn plan_with(&self, folder: &str, o: &Options) -> Plan {
        let snap = self.snapshot();
        self.gather(&snap, folder)
            .plan(&snap, &self.manifest, o)
            .unwrap()
    }

    fn plan(&self) -> Plan {
        self.plan_with(ARC, &Options::default())
    }

    fn apply(&self, plan: &Plan, journal: &Path) -> Result<grant::Journal, GrantError> {
        self.rt.block_on(grant::apply(
            &ApplyContext {
                client: &self.client,
                credentials: Some((ADMIN, SIM_PASSWORD)),
                journal,
                now: "2026-01-01T00:00:00Z".into(),
            },
            plan,
        ))
    }

    fn undo(&self, journal: &Path) -> Result<Vec<String>, GrantError> {
        let j = grant::read_journal(journal)?;
        self.rt.block_on(grant::undo(
            &self.client,
            Some((ADMIN, SIM_PASSWORD)),
            journal,
            &j,
        ))
    }

    fn roles(&self) -> Vec<Role> {
        self.rt.block_on(self.client.role_list()).unwrap()
    }

    fn role(&self, name: &str) -> Option<Role> {
        self.roles().into_iter().find(|r| r.name == name)
    }

    fn state(&self) -> State {
        let mut permissions: Vec<_> = self
            .rt
            .block_on(self.client.retrieve_all_permissions())
            .unwrap()
            .into_iter()
            .map(|p| {
                (
                    p.entity.map(|e| e.to_string()).unwrap_or_default(),
                    p.principal.to_lowercase(),
                    p.group,
                    p.role_id,
                    p.propagate,
                )
            })
            .collect();
        permissions.sort();
        let mut roles: Vec<_> = self
            .roles()
            .into_iter()
            .map(|r| {
                let mut p = r.privileges;
                p.sort();
                (r.id, r.name, p)
            })
            .collect();
        roles.sort();
        State { permissions, roles }
    }

    /// The principal's own permissions, as (entity, role name, propagate).
    fn permissions_of(&self, who: &str) -> Vec<(MoRef, String, bool)> {
        let roles = self.roles();
        self.rt
            .block_on(self.client.retrieve_all_permissions())
            .unwrap()
            .into_iter()
            .filter(|p: &Permission| p.principal.eq_ignore_ascii_case(who))
            .map(|p| {
                let name = roles
                    .iter()
                    .find(|r| r.id == p.role_id)
                    .map(|r| r.name.clone())
                    .unwrap_or_default();
                (p.entity.unwrap(), name, p.propagate)
            })
            .collect()
    }
}

fn journal(dir: &Path) -> PathBuf {
    dir.join("journal.json")
}

fn actions(plan: &Plan) -> Vec<(Action, String)> {
    plan.changes
        .iter()
        .map(|c| {
            (
                c.action,
                c.role.as_ref().map(|r| r.name.clone()).unwrap_or_default(),
            )
        })
        .collect()
}

fn own(p: &[String]) -> Vec<String> {
    let mut v: Vec<String> = p
        .iter()
        .filter(|x| !IMPLIED.contains(&x.as_str()))
        .cloned()
        .collect();
    v.sort();
    v
}

#[test]
fn a_principal_with_nothing_is_planned_applied_passes_and_is_undone_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let before = lib.state();
    let plan = lib.plan();
    assert_eq!(plan.exit_code(), 1, "{plan:#?}");
    let acts = actions(&plan);
    for kind in ["root", "folder", "pool", "datastore", "network"] {
        let name = format!("{PREFIX}-{kind}");
        assert!(
            acts.contains(&(Action::CreateRole, name.clone())),
            "{acts:?}"
        );
        assert!(acts.contains(&(Action::AddPermission, name)), "{acts:?}");
    }
    // 8.x: the global permission is a manual step, shown, not counted.
    let global = plan
        .changes
        .iter()
        .find(|c| c.action == Action::GlobalPermission)
        .expect("the tag privileges as a global permission");
    assert!(global.manual);
    assert!(plan.refused(false, false, false).is_empty(), "{plan:#?}");

    lib.apply(&plan, &journal(dir.path())).unwrap();
    let text = std::fs::read_to_string(journal(dir.path())).unwrap();
    assert!(!text.contains(SIM_PASSWORD) && !text.contains(DEPLOYER_PASSWORD));
    assert_ne!(lib.state(), before);

    // The audit again: nothing left that vaudit can do; no gap.
    let snap = lib.snapshot();
    let g = lib.gather(&snap, ARC);
    let errors: Vec<_> = g
        .audit
        .findings
        .iter()
        .filter(|f| f.severity == vaudit::checks::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let again = g.plan(&snap, &lib.manifest, &Options::default()).unwrap();
    assert_eq!(again.exit_code(), 0, "{again:#?}");

    let restored = lib.undo(&journal(dir.path())).unwrap();
    assert!(!restored.is_empty());
    assert_eq!(lib.state(), before);
}

#[test]
fn the_roles_created_hold_only_their_kinds_privileges() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let plan = lib.plan();
    lib.apply(&plan, &journal(dir.path())).unwrap();
    let known = lib.rt.block_on(lib.client.privilege_list()).unwrap();
    let all: Vec<String> = own(&lib.manifest.ids().map(str::to_string).collect::<Vec<_>>());
    for kind in [
        EntityKind::Target(TargetKind::Folder),
        EntityKind::Target(TargetKind::Pool),
        EntityKind::Target(TargetKind::Datastore),
        EntityKind::Target(TargetKind::Network),
    ] {
        let role = lib
            .role(&format!("{PREFIX}-{kind}"))
            .unwrap_or_else(|| panic!("no role for {kind}"));
        let mut want = grant::plan::kind_privileges(&lib.manifest, kind, false, &known);
        want.sort();
        assert_eq!(own(&role.privileges), want, "{kind}");
        assert_ne!(
            own(&role.privileges),
            all,
            "{kind} holds the whole manifest"
        );
    }
}

#[test]
fn a_failure_halfway_stops_and_the_journal_undoes_what_was_applied() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-fail-authz-change", "4"]);
    let lib = Lib::connect(&sim);
    let before = lib.state();
    let plan = lib.plan();
    let err = lib.apply(&plan, &journal(dir.path())).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GrantError::Stopped { .. }), "{text}");
    assert!(text.contains("not applied:"), "{text}");
    assert_ne!(lib.state(), before, "three changes were made");
    let j = grant::read_journal(&journal(dir.path())).unwrap();
    let applied = j.changes.iter().filter(|c| c.applied == Some(true)).count();
    assert_eq!(applied, 3, "{:#?}", j.changes);
    lib.undo(&journal(dir.path())).unwrap();
    assert_eq!(lib.state(), before);
}

#[test]
fn undo_refuses_showing_the_difference_when_the_state_changed_since() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    let plan = lib.plan();
    lib.apply(&plan, &journal(dir.path())).unwrap();
    // Someone sets the deployer's folder permission to Read-only meanwhile.
    let arc = admin.by_name("Folder", "Arc");
    admin.grant(&arc, DEPLOYER, false, -2, true);
    let after = lib.state();
    let err = lib.undo(&journal(dir.path())).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, GrantError::Changed { .. }), "{text}");
    assert!(
        text.contains("/DC0/vm/Arc") && text.contains("ReadOnly"),
        "{text}"
    );
    assert_eq!(lib.state(), after, "nothing restored");
}

#[test]
fn undo_refuses_a_file_that_is_not_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.json");
    std::fs::write(&path, r#"{"schema":"vaudit/v1"}"#).unwrap();
    let err = grant::read_journal(&path).unwrap_err();
    assert!(matches!(err, GrantError::NotJournal { .. }), "{err}");
}

/// ArcShared: every privilege of the manifest but three folder ones, held
/// at the root by the deployer and by another principal.
fn shared_role(admin: &Admin, lib: &Lib) -> (i32, Vec<String>) {
    let known = lib.rt.block_on(lib.client.privilege_list()).unwrap();
    let three: Vec<String> = vec![
        "VirtualMachine.Config.AddNewDisk".into(),
        "VirtualMachine.Interact.PowerOn".into(),
        "Folder.Create".into(),
    ];
    let privs: Vec<String> = lib
        .manifest
        .ids()
        .filter(|i| known.contains(*i) && !three.iter().any(|t| t == i))
        .map(str::to_string)
        .collect();
    let id = admin.role("ArcShared", &privs);
    admin.grant(&admin.root(), DEPLOYER, false, id, true);
    admin.grant(&admin.root(), OTHER, false, id, true);
    (id, three)
}

#[test]
fn a_shared_custom_role_at_the_root_is_refused_without_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    shared_role(&admin, &lib);
    let plan = lib.plan();
    let refused = plan.refused(false, false, false);
    assert!(
        refused.iter().any(|(_, f)| *f == Flag::ReplaceExisting),
        "{plan:#?}"
    );
}

#[test]
fn widen_shared_role_gives_both_principals_the_three() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    let (_, three) = shared_role(&admin, &lib);
    let o = Options {
        widen_shared_role: true,
        ..Options::default()
    };
    let plan = lib.plan_with(ARC, &o);
    let extend = plan
        .changes
        .iter()
        .find(|c| c.action == Action::ExtendRole)
        .expect("extend-role ArcShared");
    assert_eq!(extend.role.as_ref().unwrap().name, "ArcShared");
    assert_eq!(extend.held_by, vec![OTHER.to_string()]);
    let mut added = extend.privileges.clone();
    added.sort();
    let mut want = three.clone();
    want.sort();
    assert_eq!(added, want);
    assert!(plan.refused(true, false, false).is_empty(), "{plan:#?}");
    lib.apply(&plan, &journal(dir.path())).unwrap();
    let role = lib.role("ArcShared").unwrap();
    for t in &three {
        assert!(role.privileges.contains(t), "{t}");
    }
    // Both still hold ArcShared at the root: both gained them.
    for who in [DEPLOYER, OTHER] {
        assert!(
            lib.permissions_of(who)
                .iter()
                .any(|(e, r, _)| *e == admin.root() && r == "ArcShared"),
            "{who}"
        );
    }
}

#[test]
fn replace_existing_gives_only_the_principal_the_three_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    let (id, three) = shared_role(&admin, &lib);
    let old = lib.role("ArcShared").unwrap();
    let o = Options {
        replace_existing: true,
        ..Options::default()
    };
    let plan = lib.plan_with(ARC, &o);
    let replace = plan
        .changes
        .iter()
        .find(|c| c.action == Action::ReplacePermission)
        .expect("replace-permission at the root");
    let r = replace.replaces.as_ref().unwrap();
    assert_eq!(
        (r.role.name.as_str(), r.role.id, r.propagate),
        ("ArcShared", Some(id), true)
    );
    lib.apply(&plan, &journal(dir.path())).unwrap();
    // ArcShared is untouched; OTHER keeps it; the deployer's new role holds
    // all it had and the three.
    assert_eq!(
        own(&lib.role("ArcShared").unwrap().privileges),
        own(&old.privileges)
    );
    assert!(
        lib.permissions_of(OTHER)
            .iter()
            .any(|(_, r, _)| r == "ArcShared")
    );
    let mine = lib.permissions_of(DEPLOYER);
    let (_, name, _) = mine
        .iter()
        .find(|(e, _, _)| *e == admin.root())
        .expect("the deployer's root permission");
    assert_ne!(name, "ArcShared");
    let new = lib.role(name).unwrap();
    for p in old.privileges.iter().chain(&three) {
        assert!(new.privileges.contains(p), "{p} missing from {name}");
    }
}

#[test]
fn read_only_on_the_target_folder_is_replaced_only_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    let arc = admin.by_name("Folder", "Arc");
    admin.grant(&arc, DEPLOYER, false, -2, true);
    let before = lib.state();
    let plan = lib.plan();
    let c = plan
        .changes
        .iter()
        .find(|c| c.action == Action::ReplacePermission)
        .expect("replace-permission on the folder");
    assert_eq!(c.entity.as_ref().unwrap().path, ARC);
    assert_eq!(c.replaces.as_ref().unwrap().role.name, "ReadOnly");
    assert_eq!(c.needs, Some(Flag::ReplaceExisting));
    assert_eq!(
        plan.refused(false, false, false)
            .iter()
            .map(|(_, f)| *f)
            .collect::<Vec<_>>(),
        vec![Flag::ReplaceExisting]
    );
    assert_eq!(lib.state(), before);
    assert!(plan.refused(false, true, false).is_empty());
}

#[test]
fn a_datacenters_top_folder_moves_up_to_the_datacenter() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let plan = lib.plan_with("/DC0/vm", &Options::default());
    let c = plan
        .changes
        .iter()
        .find(|c| {
            c.action == Action::AddPermission && c.role.as_ref().unwrap().name.ends_with("-folder")
        })
        .unwrap();
    let e = c.entity.as_ref().unwrap();
    assert_eq!((e.kind.as_str(), e.path.as_str()), ("Datacenter", "/DC0"));
    assert!(c.reason.as_ref().unwrap().contains("top folder"), "{c:?}");
    assert!(c.reaches.unwrap() > 10, "{c:?}");
    assert_eq!(c.needs, Some(Flag::AllowMoveUp));
    assert!(
        plan.refused(true, true, false)
            .iter()
            .any(|(_, f)| *f == Flag::AllowMoveUp)
    );
    // The simulator refuses the folder itself, as vSphere does.
    let admin = Admin::connect(&sim);
    let vm = lib
        .snapshot()
        .entities
        .iter()
        .find(|e| e.path == "/DC0/vm")
        .unwrap()
        .moref
        .clone();
    let role = admin.role("probe", &["System.View".to_string()]);
    let err = lib
        .rt
        .block_on(lib.client.set_entity_permission(
            &vm,
            &Permission {
                entity: None,
                principal: DEPLOYER.into(),
                group: false,
                role_id: role,
                propagate: true,
            },
        ))
        .unwrap_err();
    assert!(
        matches!(&err, vaudit::vsphere::Error::Fault { fault, .. } if matches!(fault.kind, FaultKind::InvalidArgument { .. })),
        "{err}"
    );
}

#[test]
fn on_9_the_tag_global_permission_is_created_over_rest_and_tagging_passes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-vc-version", "9.0.0"]);
    let lib = Lib::connect(&sim);
    let before = lib.state();
    let plan = lib.plan();
    let g = plan
        .changes
        .iter()
        .find(|c| c.action == Action::GlobalPermission)
        .expect("a global permission");
    assert!(!g.manual, "{g:?}");
    lib.apply(&plan, &journal(dir.path())).unwrap();
    let snap = lib.snapshot();
    let gathered = lib.gather(&snap, ARC);
    assert!(
        matches!(gathered.tag, vaudit::checks::tagging::Judged::Passed),
        "{:?}",
        gathered.global
    );
    lib.undo(&journal(dir.path())).unwrap();
    assert_eq!(lib.state(), before);
    let gathered = lib.gather(&lib.snapshot(), ARC);
    assert!(matches!(
        gathered.tag,
        vaudit::checks::tagging::Judged::Found(_)
    ));
}

#[test]
fn an_unknown_principal_gets_no_plan_and_the_nearest_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    let id = admin.role("Someone", &["System.View".to_string()]);
    admin.grant(&admin.root(), DEPLOYER, false, id, true);
    let snap = lib.snapshot();
    let (targets, _) = vaudit::inventory::resolve_each(&snap, &spec(ARC));
    let g = lib
        .rt
        .block_on(grant::gather(
            &lib.client,
            &snap,
            &targets,
            &lib.manifest,
            Some("deployerr@vsphere.local"),
            (ADMIN, SIM_PASSWORD),
            PREFIX,
        ))
        .unwrap();
    let err = g
        .plan(&snap, &lib.manifest, &Options::default())
        .unwrap_err();
    assert!(
        matches!(err, grant::PlanError::UnknownPrincipal(_)),
        "{err}"
    );
    assert!(err.to_string().contains("deployer@vsphere.local"), "{err}");
}

#[test]
fn a_role_with_the_dedicated_name_holding_more_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let admin = Admin::connect(&sim);
    admin.role(
        &format!("{PREFIX}-network"),
        &[
            "Network.Assign".to_string(),
            "Host.Config.Power".to_string(),
        ],
    );
    let snap = lib.snapshot();
    let err = lib
        .gather(&snap, ARC)
        .plan(&snap, &lib.manifest, &Options::default())
        .unwrap_err();
    assert!(
        matches!(err, grant::PlanError::NotDedicated { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("Host.Config.Power"), "{err}");
}

#[test]
fn undo_refuses_a_journal_from_another_vcenter() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let plan = lib.plan();
    lib.apply(&plan, &journal(dir.path())).unwrap();
    let after = lib.state();
    let mut j = grant::read_journal(&journal(dir.path())).unwrap();
    j.vcenter.instance_uuid = "00000000-0000-0000-0000-000000000000".into();
    grant::apply::write_journal(&journal(dir.path()), &j).unwrap();
    let err = lib.undo(&journal(dir.path())).unwrap_err();
    assert!(matches!(err, GrantError::OtherVCenter { .. }), "{err}");
    assert_eq!(lib.state(), after);
}

#[test]
fn role_and_permission_faults_come_back_typed() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let kind = |r: Result<(), vaudit::vsphere::Error>| match r.unwrap_err() {
        vaudit::vsphere::Error::Fault { fault, .. } => fault.kind,
        other => panic!("{other}"),
    };
    let add = |name: &str| {
        lib.rt
            .block_on(lib.client.add_authorization_role(name, &[]))
            .map(drop)
    };
    add("Twice").unwrap();
    assert!(matches!(
        kind(add("Twice")),
        FaultKind::AlreadyExists { .. }
    ));
    assert!(matches!(kind(add("")), FaultKind::InvalidName { .. }));
    // The administrator's Admin permission at the root is the only one.
    let root = lib.client.content().root_folder.clone();
    let last = lib
        .rt
        .block_on(lib.client.remove_entity_permission(&root, ADMIN, false));
    assert_eq!(kind(last), FaultKind::AuthMinimumAdminPermission);
}

#[test]
fn apply_never_overwrites_an_earlier_journal() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let path = journal(dir.path());
    std::fs::write(&path, "an earlier run's record").unwrap();
    let before = lib.state();
    let err = lib.apply(&lib.plan(), &path).unwrap_err();
    assert!(matches!(err, GrantError::JournalWrite { .. }), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "an earlier run's record"
    );
    assert_eq!(lib.state(), before);
}

#[test]
fn apply_never_grants_admin_or_a_system_role() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let lib = Lib::connect(&sim);
    let before = lib.state();
    let mut plan = lib.plan();
    let c = plan
        .changes
        .iter_mut()
        .find(|c| c.action == Action::AddPermission)
        .unwrap();
    c.role = Some(vaudit::report::grant::RoleRef {
        name: "Admin".into(),
        id: Some(-1),
    });
    let err = lib.apply(&plan, &journal(dir.path())).unwrap_err();
    assert!(matches!(err, GrantError::SystemRole(_)), "{err}");
    assert!(!journal(dir.path()).exists());
    assert_eq!(lib.state(), before);
}
