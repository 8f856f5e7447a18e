//! `vaudit grant` through the binary (cli.md §3a): the exit codes of the
//! plan, `--apply` and `--undo`, `grant-refused`, bad input, and the
//! `-o sh` / `-o ps1` plans with hostile names. The permissions and roles
//! are read through the SOAP API before and after.

use serde_json::Value;

use crate::admin::Admin;
use crate::common::{Run, Sim, run};
use crate::grant::{ARC, DEPLOYER, OTHER, POOL, start};
use crate::privileges::{TEMPLATE_VANISHES, template_manifest};

const TARGETS: [&str; 8] = [
    "--pool",
    POOL,
    "--datastore",
    "LocalDS_0",
    "--network",
    "DC0_DVPG0",
    "--user",
    DEPLOYER,
];

fn grant(sim: &Sim, folder: &str, extra: &[&str]) -> Run {
    let mut args = vec!["grant", "--folder", folder];
    args.extend(TARGETS);
    args.extend(extra);
    run(sim.vaudit(&args))
}

fn state(admin: &Admin) -> String {
    admin.authorization_state()
}

fn actions(v: &Value) -> Vec<String> {
    v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap().to_string())
        .collect()
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn plan_apply_check_undo_for_a_principal_with_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let before = state(&admin);
    let plan = grant(&sim, ARC, &["-o", "json"]);
    assert_eq!(plan.code, 1, "{}", plan.stderr);
    assert!(actions(&plan.json()).contains(&"create-role".to_string()));
    assert_eq!(state(&admin), before, "a plan changes nothing");

    let journal = dir.path().join("j.json");
    let j = journal.to_str().unwrap();
    let applied = grant(&sim, ARC, &["--apply", "--journal", j, "-o", "json"]);
    // 8.x: the global permission stays a manual step, a warning.
    assert_eq!(applied.code, 0, "{}\n{}", applied.stdout, applied.stderr);
    assert!(journal.exists());

    let mut check = vec!["check", "--only", "privileges,tagging", "--folder", ARC];
    check.extend(TARGETS);
    check.extend(["-o", "json"]);
    let c = run(sim.vaudit(&check));
    assert_eq!(c.code, 0, "{}", c.stdout);

    let undo = run(sim.vaudit(&["grant", "--undo", j, "-o", "json"]));
    assert_eq!(undo.code, 0, "{}", undo.stderr);
    assert_eq!(state(&admin), before);
}

#[test]
fn read_only_on_the_folder_is_refused_without_replace_existing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    admin.grant(&admin.by_name("Folder", "Arc"), DEPLOYER, false, -2, true);
    let before = state(&admin);
    let plan = grant(&sim, ARC, &["-o", "json"]);
    assert!(actions(&plan.json()).contains(&"replace-permission".to_string()));
    let j = dir.path().join("j.json");
    let r = grant(
        &sim,
        ARC,
        &["--apply", "--journal", j.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(codes(&r.json()).contains(&"grant-refused".to_string()));
    assert!(r.stderr.contains("--replace-existing"), "{}", r.stderr);
    assert!(!j.exists(), "no journal: nothing was changed");
    assert_eq!(state(&admin), before);
    let r = grant(
        &sim,
        ARC,
        &[
            "--apply",
            "--replace-existing",
            "--journal",
            j.to_str().unwrap(),
            "-o",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The privileges the shared root role lacks.
const THREE: [&str; 3] = [
    "VirtualMachine.Config.AddNewDisk",
    "VirtualMachine.Interact.PowerOn",
    "Folder.Create",
];

/// A role `name` holding all the manifest asks but `THREE`, which the
/// deployer and another principal hold on the root.
fn share_a_root_role(admin: &Admin, name: &str) -> [&'static str; 3] {
    let privs: Vec<String> = vaudit::manifest::default_manifest()
        .ids()
        .filter(|i| !THREE.contains(i) && !i.starts_with("InventoryService.Tagging.Object"))
        .filter(|i| *i != "VirtualMachine.Provisioning.Customize")
        .map(str::to_string)
        .collect();
    let id = admin.role(name, &privs);
    admin.grant(&admin.root(), DEPLOYER, false, id, true);
    admin.grant(&admin.root(), OTHER, false, id, true);
    THREE
}

#[test]
fn a_shared_root_role_is_refused_then_widened_for_both() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let three = share_a_root_role(&admin, "ArcShared");
    let before = state(&admin);
    let j = dir.path().join("j.json");
    let js = j.to_str().unwrap();
    let r = grant(&sim, ARC, &["--apply", "--journal", js, "-o", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(state(&admin), before);
    let plan = grant(&sim, ARC, &["--widen-shared-role", "-o", "json"]).json();
    let extend = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["action"] == "extend-role")
        .unwrap()
        .clone();
    assert_eq!(extend["held_by"], serde_json::json!([OTHER]));
    let r = grant(
        &sim,
        ARC,
        &[
            "--apply",
            "--widen-shared-role",
            "--journal",
            js,
            "-o",
            "json",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let role = admin.role_privileges("ArcShared");
    for t in three {
        assert!(role.iter().any(|p| p == t), "{t}");
    }
}

#[test]
fn a_datacenters_top_folder_is_moved_up_and_refused_without_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let before = state(&admin);
    let v = grant(&sim, "/DC0/vm", &["-o", "json"]).json();
    let moved = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["entity"]["type"] == "Datacenter")
        .expect("a permission on the datacenter");
    assert!(moved["reason"].as_str().unwrap().contains("top folder"));
    assert!(moved["reaches"].as_u64().unwrap() > 0);
    assert_eq!(moved["needs"], "--allow-move-up");
    let j = dir.path().join("j.json");
    let r = grant(
        &sim,
        "/DC0/vm",
        &["--apply", "--journal", j.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--allow-move-up"), "{}", r.stderr);
    assert_eq!(state(&admin), before);
}

#[test]
fn a_failure_halfway_is_reported_and_undone_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-fail-authz-change", "5"]);
    let admin = Admin::connect(&sim);
    let before = state(&admin);
    let j = dir.path().join("j.json");
    let js = j.to_str().unwrap();
    let r = grant(&sim, ARC, &["--apply", "--journal", js, "-o", "json"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not applied") && r.stderr.contains("--undo"),
        "{}",
        r.stderr
    );
    assert_ne!(state(&admin), before);
    let u = run(sim.vaudit(&["grant", "--undo", js, "-o", "json"]));
    assert_eq!(u.code, 0, "{}", u.stderr);
    assert_eq!(state(&admin), before);
}

#[test]
fn on_9_apply_creates_the_global_permission_and_tagging_passes() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &["-vc-version", "9.0.0"]);
    let j = dir.path().join("j.json");
    let r = grant(
        &sim,
        ARC,
        &["--apply", "--journal", j.to_str().unwrap(), "-o", "json"],
    );
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    let tagging = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "tagging")
        .unwrap();
    assert_eq!(tagging["status"], "pass", "{v:#}");
}

#[test]
fn a_template_deleted_before_the_plan_reads_its_permissions_is_no_plan() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(
        dir.path(),
        &["-template", "1", "-vanish", TEMPLATE_VANISHES],
    );
    let admin = Admin::connect(&sim);
    let before = state(&admin);
    let manifest = template_manifest(dir.path());
    let r = run(sim.vaudit(&[
        "grant",
        "--template",
        "arc-template-0",
        "--manifest",
        &manifest,
        "--user",
        DEPLOYER,
        "-o",
        "json",
    ]));
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("No plan was made"), "{}", r.stderr);
    assert!(
        r.stderr.contains("/DC0/vm/Arc/arc-template-0"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
    assert!(r.stderr.contains("run vaudit grant again"), "{}", r.stderr);
    assert_eq!(state(&admin), before);
}

#[test]
fn bad_input_is_one_sentence_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    // A role of the dedicated name that holds something else.
    admin.role(
        "vaudit-arc-resource-bridge-v1-network",
        &[
            "Network.Assign".to_string(),
            "Host.Config.Power".to_string(),
        ],
    );
    let r = grant(&sim, ARC, &["-o", "json"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--role"), "{}", r.stderr);
    // An unknown principal, the nearest suggested.
    let id = admin.role("Viewer", &["System.View".to_string()]);
    admin.grant(&admin.root(), DEPLOYER, false, id, true);
    let mut args = vec![
        "grant",
        "--folder",
        ARC,
        "--user",
        "deployerr@vsphere.local",
    ];
    args.extend(&TARGETS[..6]);
    let r = run(sim.vaudit(&args));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains(DEPLOYER), "{}", r.stderr);
    // A file that is not a journal.
    let bogus = dir.path().join("x.json");
    std::fs::write(&bogus, "{}").unwrap();
    let r = run(sim.vaudit(&["grant", "--undo", bogus.to_str().unwrap()]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not a vaudit grant journal"),
        "{}",
        r.stderr
    );
}

#[test]
fn undo_refuses_a_journal_from_another_vcenter() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let j = dir.path().join("j.json");
    let js = j.to_str().unwrap();
    assert_eq!(
        grant(&sim, ARC, &["--apply", "--journal", js, "-o", "json"]).code,
        0
    );
    let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&j).unwrap()).unwrap();
    v["vcenter"]["instance_uuid"] = "another".into();
    std::fs::write(&j, v.to_string()).unwrap();
    let r = run(sim.vaudit(&["grant", "--undo", js]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("another vCenter"), "{}", r.stderr);
}

/// A folder whose name would run commands if pasted unquoted.
const HOSTILE: &str = "Arc'; touch pwned; echo '$(id)";

fn hostile_folder(admin: &Admin) -> String {
    let dc_vm = admin.by_name("Folder", "Arc");
    admin.create_folder(&dc_vm, HOSTILE);
    format!("{ARC}/{HOSTILE}")
}

/// Unix only: the plan is run by `sh`.
#[cfg(unix)]
#[test]
fn the_sh_plan_keeps_a_hostile_name_one_word() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let folder = hostile_folder(&admin);
    let r = grant(&sim, &folder, &["-o", "sh"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let out = std::process::Command::new("sh")
        .current_dir(dir.path())
        .arg("-c")
        .arg(format!(
            "govc() {{ for a in \"$@\"; do printf '[%s]' \"$a\"; done; echo; }}\n{}",
            r.stdout
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("[{folder}]")), "{text}");
    assert!(!dir.path().join("pwned").exists());
}

#[test]
fn the_ps1_plan_keeps_a_hostile_name_one_literal() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let folder = hostile_folder(&admin);
    let r = grant(&sim, &folder, &["-o", "ps1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("$ErrorActionPreference = 'Stop'"));
    // The name appears only in comments (escaped) and never unquoted in a
    // command: PowerCLI lines name the entity by its id.
    for line in r.stdout.lines().filter(|l| !l.starts_with('#')) {
        assert!(!line.contains("touch pwned"), "{line}");
    }
}

/// A role name from the server holding the characters PowerShell treats
/// specially (quotes, `$`, a backtick) comes out of `-o ps1` as one
/// single-quoted literal. No `pwsh` is packaged for Debian, so the literal
/// is read back by PowerShell's documented rules (about_Quoting_Rules:
/// nothing inside is expanded, and only a quote character, `'` or
/// U+2018-U+201B, ends it unless doubled). A newline cannot come from the
/// server (vCenter and the simulator refuse it in a role name as
/// InvalidName); the unit tests of `report::grant` and `report::quote`
/// cover it.
#[test]
fn the_ps1_plan_keeps_a_server_role_name_with_quotes_dollar_backtick_one_literal() {
    const ROLE: &str = "Arc'; Remove-Item $HOME `\u{2019}$(id); Write-Host 'x";
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    share_a_root_role(&admin, ROLE);
    let r = grant(&sim, ARC, &["--widen-shared-role", "-o", "ps1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let at = r
        .stdout
        .find("Set-VIRole -Role ")
        .unwrap_or_else(|| panic!("no Set-VIRole line:\n{}", r.stdout));
    let (role, rest) =
        crate::security::powershell_literal(&r.stdout[at + "Set-VIRole -Role ".len()..]);
    assert_eq!(role, ROLE);
    assert!(
        rest.starts_with(" -AddPrivilege (Get-VIPrivilege -Id '"),
        "{rest}"
    );
    // Outside the literal every line is a comment or a command vaudit wrote.
    let before = &r.stdout[..at];
    for l in before.lines().skip(1) {
        assert!(l.starts_with("# "), "{l}");
    }
}

#[test]
fn undo_refuses_listing_what_changed_since() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let admin = Admin::connect(&sim);
    let j = dir.path().join("j.json");
    let js = j.to_str().unwrap();
    assert_eq!(
        grant(&sim, ARC, &["--apply", "--journal", js, "-o", "json"]).code,
        0
    );
    admin.grant(&admin.by_name("Folder", "Arc"), DEPLOYER, false, -2, true);
    let after = state(&admin);
    let r = run(sim.vaudit(&["grant", "--undo", js]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("permission of deployer@vsphere.local on /DC0/vm/Arc")
            && r.stderr.contains("ReadOnly"),
        "{}",
        r.stderr
    );
    assert_eq!(state(&admin), after, "nothing restored");
}

/// Issue 25's manifests through `grant`: EKS Anywhere's plan creates its
/// own dedicated roles, named after the manifest, one per entity kind it
/// grants on, each holding only that kind's privileges.
#[test]
fn eks_anywhere_is_planned_with_roles_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let sim = start(dir.path(), &[]);
    let plan = grant(&sim, ARC, &["--manifest", "eks-anywhere", "-o", "json"]);
    assert_eq!(plan.code, 1, "{}\n{}", plan.stdout, plan.stderr);
    let v = plan.json();
    let created: Vec<(String, Vec<String>)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["action"] == "create-role")
        .map(|c| {
            let privs = c["privileges"]
                .as_array()
                .map(|p| p.iter().map(|x| x.as_str().unwrap().to_string()).collect())
                .unwrap_or_default();
            (c["role"]["name"].as_str().unwrap().to_string(), privs)
        })
        .collect();
    assert!(created.len() >= 2, "{v:#}");
    for (name, privs) in &created {
        assert!(name.starts_with("vaudit-eks-anywhere-"), "{name}");
        assert!(!privs.is_empty(), "{name} holds nothing");
    }
    // No role holds the whole manifest: each is one kind's.
    let all: std::collections::BTreeSet<&String> =
        created.iter().flat_map(|(_, p)| p.iter()).collect();
    assert!(
        created.iter().all(|(_, p)| p.len() < all.len()),
        "a role holds every privilege planned: {created:?}"
    );
}
