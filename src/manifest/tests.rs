//! Unit tests for the manifest module: the embedded file, and one test per
//! kind of bad file with the line the message must name.

use super::*;
use std::collections::BTreeSet;

/// The 64 (id, label) pairs of shared/reference/arc-privileges.tsv, copied so
/// the tests do not depend on a file outside the repository.
const SEED: &[(&str, &str)] = &[
    ("Datastore.AllocateSpace", "Allocate space"),
    ("Datastore.Browse", "Browse datastore"),
    ("Datastore.FileManagement", "Low level file operations"),
    ("Folder.Create", "Create folder"),
    (
        "InventoryService.Tagging.AttachTag",
        "Assign or Unassign vSphere Tag",
    ),
    ("Network.Assign", "Assign network"),
    (
        "Resource.AssignVMToPool",
        "Assign virtual machine to resource pool",
    ),
    (
        "Resource.ColdMigrate",
        "Migrate powered off virtual machine",
    ),
    ("Resource.HotMigrate", "Migrate powered on virtual machine"),
    ("Sessions.ValidateSession", "Validate session"),
    ("VApp.AssignResourcePool", "Assign resource pool"),
    ("VApp.Import", "Import"),
    ("VirtualMachine.Config.DiskLease", "Acquire disk lease"),
    ("VirtualMachine.Config.AddExistingDisk", "Add existing disk"),
    ("VirtualMachine.Config.AddNewDisk", "Add new disk"),
    (
        "VirtualMachine.Config.AddRemoveDevice",
        "Add or remove device",
    ),
    (
        "VirtualMachine.Config.AdvancedConfig",
        "Advanced configuration",
    ),
    ("VirtualMachine.Config.CPUCount", "Change CPU count"),
    ("VirtualMachine.Config.Memory", "Change Memory"),
    ("VirtualMachine.Config.Settings", "Change Settings"),
    ("VirtualMachine.Config.Resource", "Change resource"),
    ("VirtualMachine.Config.ManagedBy", "Configure managedBy"),
    (
        "VirtualMachine.Config.MksControl",
        "Display connection settings",
    ),
    ("VirtualMachine.Config.DiskExtend", "Extend virtual disk"),
    ("VirtualMachine.Config.EditDevice", "Modify device settings"),
    (
        "VirtualMachine.Config.QueryFTCompatibility",
        "Query Fault Tolerance compatibility",
    ),
    (
        "VirtualMachine.Config.QueryUnownedFiles",
        "Query unowned files",
    ),
    ("VirtualMachine.Config.ReloadFromPath", "Reload from path"),
    ("VirtualMachine.Config.RemoveDisk", "Remove disk"),
    ("VirtualMachine.Config.Rename", "Rename"),
    (
        "VirtualMachine.Config.ResetGuestInfo",
        "Reset guest information",
    ),
    ("VirtualMachine.Config.Annotation", "Set annotation"),
    (
        "VirtualMachine.Config.ChangeTracking",
        "Toggle disk change tracking",
    ),
    (
        "VirtualMachine.Config.ToggleForkParent",
        "Toggle fork parent",
    ),
    (
        "VirtualMachine.Config.UpgradeVirtualHardware",
        "Upgrade virtual machine compatibility",
    ),
    (
        "VirtualMachine.Inventory.CreateFromExisting",
        "Create from existing",
    ),
    ("VirtualMachine.Inventory.Create", "Create new"),
    ("VirtualMachine.Inventory.Register", "Register"),
    ("VirtualMachine.Inventory.Delete", "Remove"),
    ("VirtualMachine.Inventory.Unregister", "Unregister"),
    (
        "VirtualMachine.GuestOperations.ModifyAliases",
        "Guest operation alias modification",
    ),
    (
        "VirtualMachine.GuestOperations.Modify",
        "Guest operation modifications",
    ),
    (
        "VirtualMachine.GuestOperations.Execute",
        "Guest operation program execution",
    ),
    (
        "VirtualMachine.GuestOperations.Query",
        "Guest operation queries",
    ),
    (
        "VirtualMachine.Interact.DeviceConnection",
        "Connect devices",
    ),
    (
        "VirtualMachine.Interact.ConsoleInteract",
        "Console interaction",
    ),
    (
        "VirtualMachine.Interact.GuestControl",
        "Guest operating system management by VIX API",
    ),
    (
        "VirtualMachine.Interact.ToolsInstall",
        "Install VMware Tools",
    ),
    ("VirtualMachine.Interact.PowerOff", "Power off"),
    ("VirtualMachine.Interact.PowerOn", "Power on"),
    ("VirtualMachine.Interact.Reset", "Reset"),
    ("VirtualMachine.Interact.Suspend", "Suspend"),
    (
        "VirtualMachine.Provisioning.DiskRandomAccess",
        "Allow disk access",
    ),
    (
        "VirtualMachine.Provisioning.FileRandomAccess",
        "Allow file access",
    ),
    (
        "VirtualMachine.Provisioning.DiskRandomRead",
        "Allow read-only disk access",
    ),
    (
        "VirtualMachine.Provisioning.GetVmFiles",
        "Allow virtual machine download",
    ),
    (
        "VirtualMachine.Provisioning.PutVmFiles",
        "Allow virtual machine files upload",
    ),
    ("VirtualMachine.Provisioning.Clone", "Clone virtual machine"),
    (
        "VirtualMachine.Provisioning.DeployTemplate",
        "Deploy template",
    ),
    (
        "VirtualMachine.Provisioning.MarkAsTemplate",
        "Mark as template",
    ),
    (
        "VirtualMachine.Provisioning.MarkAsVM",
        "Mark as virtual machine",
    ),
    ("VirtualMachine.State.CreateSnapshot", "Create snapshot"),
    ("VirtualMachine.State.RemoveSnapshot", "Remove snapshot"),
    (
        "VirtualMachine.State.RevertToSnapshot",
        "Revert to snapshot",
    ),
];

const RECOMMENDED: &[(&str, &str, &str)] = &[
    (
        "VirtualMachine.Provisioning.Customize",
        "Virtual machine > Provisioning",
        "Customize guest",
    ),
    (
        "InventoryService.Tagging.ObjectAttachable",
        "vSphere Tagging",
        "Assign or Unassign vSphere Tag on Object",
    ),
];

fn embedded() -> Manifest {
    parse(EMBEDDED[0].1, EMBEDDED[0].0).unwrap_or_else(|e| panic!("{e}"))
}

pub(super) fn err(text: &str) -> ManifestError {
    match parse(text, "my.toml") {
        Ok(m) => panic!("expected an error, got {m:?}"),
        Err(e) => e,
    }
}

/// A valid one-privilege file whose lines 1-8 are known, for tests to append to.
const ONE: &str = r#"name = "t"
description = "test"

[[privilege]]
id = "Datastore.Browse"
group = "Datastore"
label = "Browse datastore"
level = "required"
"#;

#[test]
fn embedded_manifest_parses() {
    assert_eq!(builtin().len(), EMBEDDED.len());
    let m = embedded();
    assert_eq!(m.name, "arc-resource-bridge");
    assert!(!m.description.is_empty());
    assert!(
        m.source
            .as_deref()
            .unwrap_or("")
            .contains("Insufficient permissions")
    );
    assert_eq!(default_manifest(), m);
    assert_eq!(builtin_named("arc-resource-bridge"), Some(m));
    assert_eq!(builtin_named("nope"), None);
}

#[test]
fn builtin_sorted_by_name() {
    let names: Vec<String> = builtin().into_iter().map(|m| m.name).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
}

#[test]
fn embedded_has_64_required_and_2_recommended() {
    let m = embedded();
    let required = m.privileges.iter().filter(|p| p.level == Level::Required);
    let recommended: Vec<&str> = m
        .privileges
        .iter()
        .filter(|p| p.level == Level::Recommended)
        .map(|p| p.id.as_str())
        .collect();
    assert_eq!(required.count(), 64);
    assert_eq!(SEED.len(), 64);
    assert_eq!(
        recommended,
        [
            "InventoryService.Tagging.ObjectAttachable",
            "VirtualMachine.Provisioning.Customize"
        ]
    );
    for (id, group, label) in RECOMMENDED {
        let p = m.get(id).unwrap();
        assert_eq!((p.group.as_str(), p.label.as_str()), (*group, *label));
    }
}

#[test]
fn embedded_matches_seed_ids_labels_and_order() {
    let m = embedded();
    for (id, label) in SEED {
        let p = m.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(p.label, *label, "{id}");
        assert_eq!(p.level, Level::Required, "{id}");
    }
    let required: Vec<&str> = m
        .privileges
        .iter()
        .filter(|p| p.level == Level::Required)
        .map(|p| p.id.as_str())
        .collect();
    let seed: Vec<&str> = SEED.iter().map(|(id, _)| *id).collect();
    assert_eq!(required, seed, "required entries follow the seed's order");
}

#[test]
fn embedded_groups_use_vsphere_client_paths() {
    let m = embedded();
    let groups: BTreeSet<&str> = m.privileges.iter().map(|p| p.group.as_str()).collect();
    let want: BTreeSet<&str> = [
        "Datastore",
        "Folder",
        "vSphere Tagging",
        "Network",
        "Resource",
        "Sessions",
        "vApp",
        "Virtual machine > Change Configuration",
        "Virtual machine > Edit Inventory",
        "Virtual machine > Guest operations",
        "Virtual machine > Interaction",
        "Virtual machine > Provisioning",
        "Virtual machine > Snapshot management",
    ]
    .into();
    assert_eq!(groups, want);
    assert_eq!(
        m.get("VirtualMachine.Config.AddNewDisk").unwrap().group,
        "Virtual machine > Change Configuration"
    );
}

#[test]
fn embedded_on_matches_spec_defaults() {
    let m = embedded();
    for p in &m.privileges {
        assert_eq!(Some(p.on.clone()), default_on(&p.id), "{}", p.id);
    }
    let on = |id: &str| words(&m.get(id).unwrap().on);
    assert_eq!(on("Sessions.ValidateSession"), ["root"]);
    assert_eq!(on("InventoryService.Tagging.AttachTag"), ["root"]);
    assert_eq!(on("InventoryService.Tagging.ObjectAttachable"), ["folder"]);
    assert_eq!(on("Datastore.FileManagement"), ["datastore"]);
    assert_eq!(on("Network.Assign"), ["network"]);
    assert_eq!(on("Resource.ColdMigrate"), ["pool"]);
    assert_eq!(on("VApp.AssignResourcePool"), ["pool"]);
    assert_eq!(on("VApp.Import"), ["pool", "folder"]);
    assert_eq!(on("Folder.Create"), ["folder"]);
    assert_eq!(on("VirtualMachine.Config.AddNewDisk"), ["folder"]);
    assert_eq!(on("VirtualMachine.Provisioning.GetVmFiles"), ["folder"]);
    assert_eq!(on("VirtualMachine.Provisioning.Customize"), ["folder"]);
    for id in ["DeployTemplate", "Clone", "MarkAsVM"] {
        assert_eq!(
            on(&format!("VirtualMachine.Provisioning.{id}")),
            ["folder", "template"]
        );
    }
    assert_eq!(
        words(&m.kinds()),
        ["root", "folder", "pool", "datastore", "network", "template"]
    );
}

/// The manifest's words for these kinds.
fn words<'k>(kinds: impl IntoIterator<Item = &'k EntityKind>) -> Vec<&'static str> {
    kinds.into_iter().map(|k| k.as_str()).collect()
}

#[test]
fn embedded_has_no_implied_or_duplicate_ids() {
    let m = embedded();
    let ids: BTreeSet<&str> = m.ids().collect();
    assert_eq!(ids.len(), m.privileges.len());
    for id in IMPLIED {
        assert!(!ids.contains(id));
    }
}

#[test]
fn parses_a_minimal_user_file_with_default_on() {
    let m = parse(ONE, "my.toml").unwrap();
    assert_eq!(m.name, "t");
    assert_eq!(m.source, None);
    assert_eq!(
        m.privileges[0].on,
        [EntityKind::Target(TargetKind::Datastore)]
    );
    assert_eq!(m.ids().collect::<Vec<_>>(), ["Datastore.Browse"]);
}

#[test]
fn duplicate_kinds_in_on_are_merged() {
    let m = parse(
        &format!("{ONE}on = [\"pool\", \"pool\", \"root\"]\n"),
        "my.toml",
    )
    .unwrap();
    assert_eq!(
        m.privileges[0].on,
        [EntityKind::Target(TargetKind::Pool), EntityKind::Root]
    );
}

#[test]
fn unreadable_file_names_path_and_os_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absent.toml");
    let e = load_file(&path).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ManifestError::Unreadable { .. }));
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(
        // Linux, Windows, Wine.
        ["No such file", "cannot find", "not found"]
            .iter()
            .any(|m| msg.contains(m)),
        "{msg}"
    );
    assert!(e.remedy().contains("--manifest"));
}

#[test]
fn load_file_reads_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.toml");
    std::fs::write(&path, ONE).unwrap();
    assert_eq!(load_file(&path).unwrap().name, "t");
}

#[test]
fn malformed_toml_names_file_line_column_and_key() {
    let text = "name = \"t\"\ndescription = \"x\"\nsource = \"unterminated\n";
    let e = err(text);
    let msg = e.to_string();
    assert!(matches!(e, ManifestError::Syntax { .. }), "{msg}");
    assert!(msg.contains("my.toml"), "{msg}");
    assert!(msg.contains("line 3, column"), "{msg}");
    assert!(msg.contains("key `source`"), "{msg}");
    assert!(e.remedy().contains("line 3"), "{}", e.remedy());
}

#[test]
fn wrong_type_names_line_and_key() {
    let text = "name = \"t\"\n\n[[privilege]]\nid = \"Datastore.Browse\"\ngroup = \"Datastore\"\nlabel = 5\nlevel = \"required\"\n";
    let msg = err(text).to_string();
    assert!(msg.contains("line 6, column 9"), "{msg}");
    assert!(msg.contains("key `label`"), "{msg}");
}

#[test]
fn unknown_key_is_reported_with_line() {
    let msg = err(&format!("{ONE}levle = \"required\"\n")).to_string();
    assert!(msg.contains("line 9"), "{msg}");
    assert!(msg.contains("levle"), "{msg}");
}

#[test]
fn missing_key_is_reported() {
    let text = "name = \"t\"\n\n[[privilege]]\nid = \"Datastore.Browse\"\ngroup = \"Datastore\"\nlevel = \"required\"\n";
    let msg = err(text).to_string();
    assert!(msg.contains("label"), "{msg}");
    assert!(msg.contains("line "), "{msg}");
}

#[test]
fn empty_id_names_its_line() {
    let text = ONE.replace("id = \"Datastore.Browse\"", "id = \"\"");
    let e = err(&text);
    let msg = e.to_string();
    assert_eq!(
        msg,
        "The manifest my.toml, line 5: a privilege has an empty id."
    );
    assert!(e.remedy().contains("line 5"));
}

#[test]
fn bad_id_form_names_its_line() {
    for bad in [
        "Datastore",
        "Datastore.",
        "Data store.Browse",
        "Datastore..Browse",
        "1x.Browse",
        "Datastore.Browse_x",
    ] {
        let text = ONE.replace("Datastore.Browse", bad);
        let msg = err(&text).to_string();
        assert!(msg.contains("line 5:"), "{bad}: {msg}");
        assert!(msg.contains("Group.Sub.Name"), "{bad}: {msg}");
    }
}

#[test]
fn unknown_level_lists_valid_levels() {
    let text = ONE.replace("level = \"required\"", "level = \"mandatory\"");
    let e = err(&text);
    let msg = e.to_string();
    assert!(msg.contains("line 8:"), "{msg}");
    assert!(msg.contains("\"mandatory\""), "{msg}");
    assert!(msg.contains("required, recommended"), "{msg}");
    assert!(e.remedy().contains("\"recommended\""));
}

#[test]
fn unknown_kind_lists_valid_kinds() {
    let e = err(&format!("{ONE}on = [\n  \"folder\",\n  \"clusters\",\n]\n"));
    let msg = e.to_string();
    assert!(msg.contains("line 11:"), "{msg}");
    assert!(msg.contains("\"clusters\""), "{msg}");
    assert!(
        msg.contains(
            "root, datacenter, folder, pool, datastore, network, template, cluster, host, switch, portgroup"
        ),
        "{msg}"
    );
}

#[test]
fn empty_on_is_rejected() {
    let msg = err(&format!("{ONE}on = []\n")).to_string();
    assert!(msg.contains("line 9:"), "{msg}");
    assert!(msg.contains("empty on list"), "{msg}");
}

#[test]
fn missing_on_without_default_is_rejected() {
    let text = ONE.replace("Datastore.Browse", "Host.Config.Storage");
    let msg = err(&text).to_string();
    assert!(msg.contains("line 5:"), "{msg}");
    assert!(msg.contains("no default"), "{msg}");
}

#[test]
fn duplicate_id_names_both_lines() {
    let dup = "\n[[privilege]]\nid = \"Datastore.Browse\"\ngroup = \"Datastore\"\nlabel = \"Browse datastore\"\nlevel = \"required\"\n";
    let e = err(&format!("{ONE}{dup}"));
    let msg = e.to_string();
    assert_eq!(
        msg,
        "The manifest my.toml, line 11: privilege Datastore.Browse is already listed on the same entity kind at line 5."
    );
    assert!(e.remedy().contains("line 5") && e.remedy().contains("line 11"));
}

#[test]
fn empty_privilege_list_is_rejected() {
    let e = err("name = \"t\"\ndescription = \"nothing\"\n");
    assert_eq!(
        e.to_string(),
        "The manifest my.toml: it lists no privileges."
    );
    assert!(e.remedy().contains("[[privilege]]"));
}

#[test]
fn implied_ids_are_rejected() {
    for id in IMPLIED {
        let text = ONE.replace("Datastore.Browse", id);
        let e = err(&text);
        let msg = e.to_string();
        assert!(
            matches!(
                &e,
                ManifestError::Invalid {
                    problem: Problem::Implied { .. },
                    ..
                }
            ),
            "{msg}"
        );
        assert!(msg.contains("line 5:") && msg.contains(id), "{msg}");
    }
}

#[test]
fn empty_name_and_label_are_rejected() {
    let msg = err(&ONE.replace("name = \"t\"", "name = \"\"")).to_string();
    assert!(
        msg.contains("line 1:") && msg.contains("name is empty"),
        "{msg}"
    );
    let msg = err(&ONE.replace("label = \"Browse datastore\"", "label = \" \"")).to_string();
    assert!(
        msg.contains("line 7:") && msg.contains("empty label"),
        "{msg}"
    );
}

#[test]
fn messages_are_single_lines() {
    let cases = [
        "name = \"t\"\nsource = \"x\n".to_string(),
        "name = [\n".to_string(),
        ONE.replace("level = \"required\"", "level = \"x\""),
        format!("{ONE}on = 3\n"),
    ];
    for text in cases {
        let e = err(&text);
        assert!(!e.to_string().contains('\n'), "{e}");
        assert!(!e.remedy().contains('\n'), "{}", e.remedy());
        assert!(e.to_string().ends_with('.'), "{e}");
    }
}

#[test]
fn location_counts_lines_and_characters() {
    let text = "ab\nçd\nef";
    assert_eq!(load::location(text, 0), Location { line: 1, column: 1 });
    assert_eq!(load::location(text, 3), Location { line: 2, column: 1 });
    assert_eq!(load::location(text, 5), Location { line: 2, column: 2 });
    assert_eq!(load::location(text, 99), Location { line: 3, column: 3 });
}

#[test]
fn json_shape() {
    let v = serde_json::to_value(embedded()).unwrap();
    assert_eq!(v["name"], "arc-resource-bridge");
    assert_eq!(v["privileges"].as_array().unwrap().len(), 66);
    let p = &v["privileges"][0];
    assert_eq!(p["id"], "Datastore.AllocateSpace");
    assert_eq!(p["level"], "required");
    assert_eq!(p["on"], serde_json::json!(["datastore"]));
}

#[test]
fn used_on_is_read_and_defaults_by_id() {
    use super::UsedOn;
    assert_eq!(
        parse(ONE, "my.toml").unwrap().privileges[0].used_on,
        UsedOn::Container
    );
    let m = parse(&format!("{ONE}used_on = \"vm\"\n"), "my.toml").unwrap();
    assert_eq!(m.privileges[0].used_on, UsedOn::Vm);
    let e = err(&format!("{ONE}used_on = \"guest\"\n"));
    assert!(e.to_string().contains("line 9"), "{e}");
    assert!(e.to_string().contains("used_on"), "{e}");
    assert!(e.remedy().contains("\"vm\""), "{}", e.remedy());
    let m = embedded();
    let vm: Vec<&str> = m
        .privileges
        .iter()
        .filter(|p| p.used_on == UsedOn::Container)
        .map(|p| p.id.as_str())
        .filter(|i| i.starts_with("VirtualMachine."))
        .collect();
    assert_eq!(
        vm,
        [
            "VirtualMachine.Inventory.CreateFromExisting",
            "VirtualMachine.Inventory.Create",
            "VirtualMachine.Inventory.Register"
        ]
    );
}
