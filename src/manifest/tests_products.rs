//! Unit tests for the manifests beyond Arc: the new fields and their bad
//! inputs, options, `--manifest NAME|FILE`, the embedded product manifests
//! against the counts of their sources, and every manifest id against the
//! vCenter reference lists.

use super::reference;
use super::tests::err;
use super::*;

/// A one-privilege file with every manifest-level field; lines 1-13 known.
const FULL: &str = r#"name = "t"
description = "test"
source = "example/repo path.json @ 0123abcd"
version = "3"
date = "2026-12-06"

[[option]]
name = "creates-folder"
description = "the installer creates the folder"

[[privilege]]
id = "Folder.Create"
group = "Folder"
label = "Create folder"
level = "required"
"#;

fn named(name: &str) -> Manifest {
    builtin_named(name).unwrap_or_else(|| panic!("no embedded manifest {name}"))
}

/// Entries of `m` checked on the kind a manifest calls `word`, with no
/// condition or this one.
fn on(m: &Manifest, word: &str, condition: Option<&str>) -> Vec<String> {
    let kind = EntityKind::from_word(word).unwrap();
    m.privileges
        .iter()
        .filter(|p| p.on.contains(&kind) && p.condition.as_deref() == condition)
        .map(|p| p.id.clone())
        .collect()
}

// --- the new fields ---

#[test]
fn manifest_level_source_version_and_date_are_read() {
    let m = parse(FULL, "my.toml").unwrap();
    assert_eq!(
        m.source.as_deref(),
        Some("example/repo path.json @ 0123abcd")
    );
    assert_eq!(m.version.as_deref(), Some("3"));
    assert_eq!(m.date.as_deref(), Some("2026-12-06"));
    assert_eq!(m.options.len(), 1);
    assert_eq!(m.options[0].name, "creates-folder");
}

#[test]
fn propagate_defaults_to_true() {
    let m = parse(FULL, "my.toml").unwrap();
    assert!(m.privileges[0].propagate);
    assert_eq!(m.privileges[0].condition, None);
}

#[test]
fn propagate_false_is_read() {
    let m = parse(&format!("{FULL}propagate = false\n"), "my.toml").unwrap();
    assert!(!m.privileges[0].propagate);
}

#[test]
fn propagate_that_is_not_a_boolean_names_line_and_key() {
    let msg = err(&format!("{FULL}propagate = \"no\"\n")).to_string();
    assert!(msg.contains("my.toml"), "{msg}");
    assert!(msg.contains("line 16"), "{msg}");
    assert!(msg.contains("(key `propagate`)"), "{msg}");
}

#[test]
fn condition_naming_a_declared_option_is_read() {
    let m = parse(
        &format!("{FULL}condition = \"creates-folder\"\n"),
        "my.toml",
    )
    .unwrap();
    assert_eq!(m.privileges[0].condition.as_deref(), Some("creates-folder"));
}

#[test]
fn condition_naming_no_option_names_line_options_and_fix() {
    let e = err(&format!("{FULL}condition = \"creates-folders\"\n"));
    assert_eq!(
        e.to_string(),
        "The manifest my.toml, line 16: privilege Folder.Create has condition \"creates-folders\", which is not one of the manifest's options (creates-folder)."
    );
    assert!(e.remedy().contains("[[option]]"), "{}", e.remedy());
    assert!(e.remedy().contains("line 16"), "{}", e.remedy());
}

#[test]
fn condition_in_a_manifest_without_options_says_it_declares_none() {
    let text = FULL.replace(
        "[[option]]\nname = \"creates-folder\"\ndescription = \"the installer creates the folder\"\n",
        "",
    );
    let msg = err(&format!("{text}condition = \"x\"\n")).to_string();
    assert!(msg.contains("it declares none"), "{msg}");
}

#[test]
fn option_name_that_is_not_a_lowercase_word_is_rejected() {
    let e = err(&FULL.replace("\"creates-folder\"", "\"Creates Folder\""));
    let msg = e.to_string();
    assert!(msg.contains("line 8:"), "{msg}");
    assert!(msg.contains("\"Creates Folder\""), "{msg}");
    assert!(e.remedy().contains("lowercase letters"), "{}", e.remedy());
}

#[test]
fn option_declared_twice_is_rejected() {
    let twice = FULL.replace(
        "[[privilege]]",
        "[[option]]\nname = \"creates-folder\"\n\n[[privilege]]",
    );
    let msg = err(&twice).to_string();
    assert!(
        msg.contains("option creates-folder is declared twice"),
        "{msg}"
    );
    assert!(msg.contains("line 12"), "{msg}");
}

#[test]
fn option_with_an_unknown_key_is_rejected() {
    let msg = err(&FULL.replace("description = \"the", "help = \"the")).to_string();
    assert!(msg.contains("line 9"), "{msg}");
    assert!(msg.contains("help"), "{msg}");
}

#[test]
fn vcenter_is_the_root_kind() {
    let m = parse(&format!("{FULL}on = [\"vcenter\"]\n"), "my.toml").unwrap();
    assert_eq!(m.privileges[0].on, [EntityKind::Root]);
}

#[test]
fn the_other_products_kinds_are_read() {
    let m = parse(
        &format!("{FULL}on = [\"cluster\", \"host\", \"switch\", \"portgroup\"]\n"),
        "my.toml",
    )
    .unwrap();
    assert_eq!(
        m.privileges[0].on,
        [
            EntityKind::Target(TargetKind::Cluster),
            EntityKind::Target(TargetKind::Host),
            EntityKind::Target(TargetKind::Switch),
            EntityKind::Target(TargetKind::Portgroup)
        ]
    );
}

#[test]
fn an_id_may_repeat_on_another_kind() {
    let again = "\n[[privilege]]\nid = \"Folder.Create\"\ngroup = \"Folder\"\nlabel = \"Create folder\"\nlevel = \"required\"\non = [\"datacenter\"]\ncondition = \"creates-folder\"\n";
    let m = parse(&format!("{FULL}on = [\"folder\"]\n{again}"), "my.toml").unwrap();
    assert_eq!(m.privileges.len(), 2);
    assert_eq!(m.ids().filter(|i| *i == "Folder.Create").count(), 2);
}

#[test]
fn an_id_repeated_on_the_same_kind_under_another_condition_is_rejected() {
    let again = "\n[[privilege]]\nid = \"Folder.Create\"\ngroup = \"Folder\"\nlabel = \"Create folder\"\nlevel = \"required\"\non = [\"datacenter\", \"folder\"]\ncondition = \"creates-folder\"\n";
    let msg = err(&format!("{FULL}on = [\"folder\"]\n{again}")).to_string();
    assert!(
        msg.contains("Folder.Create is already listed on the same entity kind at line 12"),
        "{msg}"
    );
}

#[test]
fn every_new_message_is_one_sentence_on_one_line() {
    let bad = [
        format!("{FULL}propagate = \"no\"\n"),
        format!("{FULL}condition = \"nope\"\n"),
        FULL.replace("\"creates-folder\"", "\"Bad Name\""),
        FULL.replace(
            "[[privilege]]",
            "[[option]]\nname = \"creates-folder\"\n\n[[privilege]]",
        ),
    ];
    for text in bad {
        let e = err(&text);
        for line in [e.to_string(), e.remedy()] {
            assert!(!line.contains('\n'), "{line}");
            assert!(line.ends_with('.'), "{line}");
        }
    }
}

// --- options ---

#[test]
fn conditional_entries_apply_only_when_their_option_is_on() {
    let m = named("openshift-ipi");
    let off = m.with_options(&[]).unwrap();
    assert!(off.privileges.iter().all(|p| p.condition.is_none()));
    assert!(
        !off.kinds()
            .contains(&EntityKind::Target(TargetKind::Datacenter))
    );
    let on = m
        .with_options(&["installer-creates-folder".to_string()])
        .unwrap();
    assert_eq!(on.privileges.len(), off.privileges.len() + 31);
    assert!(
        on.kinds()
            .contains(&EntityKind::Target(TargetKind::Datacenter))
    );
}

#[test]
fn an_unknown_option_names_the_manifest_and_its_options() {
    let e = named("vsphere-csi")
        .with_options(&["file-volume".to_string()])
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "The manifest vsphere-csi has no option \"file-volume\" (its options: file-volumes)."
    );
}

#[test]
fn an_option_for_a_manifest_without_options_says_to_leave_it_out() {
    let e = default_manifest()
        .with_options(&["x".to_string()])
        .unwrap_err();
    assert!(e.to_string().contains("it has none"), "{e}");
}

#[test]
fn option_counts_list_each_option_with_its_entries() {
    let m = named("openshift-ipi");
    let counts: Vec<(&str, usize)> = m
        .option_counts()
        .into_iter()
        .map(|(o, n)| (o.name.as_str(), n))
        .collect();
    assert_eq!(
        counts,
        [
            ("installer-creates-folder", 31),
            ("file-volumes", 1),
            ("machine-management", 1)
        ]
    );
}

// --- --manifest NAME|FILE ---

#[test]
fn resolve_finds_an_embedded_manifest_by_name() {
    let r = resolve("eks-anywhere").unwrap();
    assert_eq!(r.manifest.name, "eks-anywhere");
    assert_eq!(r.file, None);
    assert_eq!(Some(r.text.as_str()), builtin_source("eks-anywhere"));
}

#[test]
fn resolve_reads_a_file_when_no_embedded_name_matches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(&path, FULL).unwrap();
    let given = path.to_str().unwrap();
    let r = resolve(given).unwrap();
    assert_eq!(r.manifest.name, "t");
    assert_eq!(r.file.as_deref(), Some(given));
    assert_eq!(r.text, FULL);
}

#[test]
fn resolve_of_neither_suggests_the_nearest_name() {
    let e = resolve("openshif").unwrap_err();
    assert_eq!(
        e.to_string(),
        "There is no embedded manifest named \"openshif\" and no file of that name (did you mean openshift-ipi?)."
    );
    assert!(
        e.remedy()
            .contains("arc-resource-bridge, eks-anywhere, openshift-ipi, vsphere-csi")
    );
}

#[test]
fn resolve_of_a_prefix_suggests_the_name_it_starts() {
    let e = resolve("eks").unwrap_err();
    assert!(e.to_string().contains("did you mean eks-anywhere?"), "{e}");
}

#[test]
fn resolve_of_an_unlike_word_suggests_nothing() {
    let e = resolve("zzzz").unwrap_err();
    assert!(!e.to_string().contains("did you mean"), "{e}");
}

#[test]
fn resolve_of_a_missing_path_reports_the_file() {
    let e = resolve("conf/missing.toml").unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("Cannot read the manifest file conf/missing.toml"),
        "{msg}"
    );
}

#[test]
fn load_without_a_name_is_the_arc_manifest() {
    assert_eq!(load(None, &[]).unwrap(), default_manifest());
}

#[test]
fn load_accepts_openshift_checked_on_cluster_and_port_group() {
    let m = load(Some("openshift-ipi"), &[]).unwrap();
    assert!(m.kinds().contains(&EntityKind::Target(TargetKind::Cluster)));
    assert!(
        m.kinds()
            .contains(&EntityKind::Target(TargetKind::Portgroup))
    );
}

#[test]
fn load_switches_on_csi_file_volumes_on_the_cluster() {
    let off = load(Some("vsphere-csi"), &[]).unwrap();
    let on = load(Some("vsphere-csi"), &["file-volumes".to_string()]).unwrap();
    assert!(
        !off.kinds()
            .contains(&EntityKind::Target(TargetKind::Cluster))
    );
    assert!(
        on.kinds()
            .contains(&EntityKind::Target(TargetKind::Cluster))
    );
}

#[test]
fn load_refuses_an_unknown_option() {
    let e = load(Some("eks-anywhere"), &["x".to_string()]).unwrap_err();
    assert!(matches!(e, ResolveError::Option(_)), "{e}");
    assert!(
        e.remedy().contains("Leave --manifest-option out"),
        "{}",
        e.remedy()
    );
}

// --- the embedded product manifests against their sources ---

#[test]
fn every_embedded_manifest_names_version_source_and_date() {
    for m in builtin() {
        assert!(m.version.is_some(), "{}", m.name);
        assert!(m.date.is_some(), "{}", m.name);
        let source = m.source.unwrap_or_default();
        assert!(source.len() > 20, "{}: {source}", m.name);
    }
}

#[test]
fn repository_sources_name_a_full_commit() {
    for name in ["openshift-ipi", "eks-anywhere", "vsphere-csi"] {
        let source = named(name).source.unwrap();
        let has_commit = source
            .split(|c: char| !c.is_ascii_hexdigit())
            .any(|w| w.len() == 40);
        assert!(has_commit, "{name}: {source}");
    }
}

#[test]
fn openshift_ipi_has_the_installers_counts_per_object() {
    let m = named("openshift-ipi");
    let counts = [
        ("root", 11),
        ("cluster", 4),
        ("portgroup", 1),
        ("folder", 29),
        ("datastore", 4),
        ("pool", 4),
        ("datacenter", 0),
    ];
    for (kind, n) in counts {
        assert_eq!(on(&m, kind, None).len(), n, "{kind}");
    }
    assert_eq!(
        on(&m, "datacenter", Some("installer-creates-folder")).len(),
        31
    );
    assert_eq!(
        on(&m, "cluster", Some("file-volumes")),
        ["Host.Config.Storage"]
    );
    assert_eq!(
        on(&m, "cluster", Some("machine-management")),
        ["Host.Inventory.EditCluster"]
    );
    assert_eq!(m.privileges.len(), 86);
}

#[test]
fn openshift_ipi_propagates_as_its_docs_say() {
    let m = named("openshift-ipi");
    for p in &m.privileges {
        let kind = p.on[0];
        assert_eq!(p.on.len(), 1, "{}", p.id);
        let expected = !matches!(
            kind,
            EntityKind::Root | EntityKind::Target(TargetKind::Datastore | TargetKind::Portgroup)
        );
        assert_eq!(p.propagate, expected, "{} on {kind}", p.id);
    }
}

#[test]
fn openshift_ipi_datacenter_list_is_the_folder_list_plus_folder_create_and_delete() {
    let m = named("openshift-ipi");
    let mut folder = on(&m, "folder", None);
    folder.extend(["Folder.Create".to_string(), "Folder.Delete".to_string()]);
    folder.sort();
    let mut dc = on(&m, "datacenter", Some("installer-creates-folder"));
    dc.sort();
    assert_eq!(dc, folder);
}

#[test]
fn eks_anywhere_has_the_global_role_on_root_and_the_user_role_on_its_objects() {
    let m = named("eks-anywhere");
    assert_eq!(m.privileges.len(), 55);
    assert_eq!(on(&m, "root", None).len(), 16);
    for kind in ["network", "datastore", "pool", "folder"] {
        assert_eq!(on(&m, kind, None).len(), 53, "{kind}");
    }
    let both = m
        .privileges
        .iter()
        .filter(|p| {
            p.on.contains(&EntityKind::Root)
                && p.on.contains(&EntityKind::Target(TargetKind::Folder))
        })
        .count();
    assert_eq!(both, 14);
    assert!(
        m.privileges
            .iter()
            .all(|p| p.propagate && p.condition.is_none())
    );
}

#[test]
fn eks_anywhere_leaves_the_admin_role_out() {
    let m = named("eks-anywhere");
    // In adminPrivs.json only, never in the global or user role.
    for id in [
        "Authorization.ModifyPermissions",
        "Alarm.Create",
        "Host.Config.Storage",
    ] {
        assert!(m.get(id).is_none(), "{id}");
    }
}

#[test]
fn vsphere_csi_has_four_roles_six_privileges() {
    let m = named("vsphere-csi");
    assert_eq!(m.privileges.len(), 6);
    assert_eq!(
        on(&m, "root", None),
        ["Cns.Searchable", "StorageProfile.View"]
    );
    assert_eq!(on(&m, "datastore", None), ["Datastore.FileManagement"]);
    assert_eq!(
        on(&m, "folder", None),
        [
            "VirtualMachine.Config.AddExistingDisk",
            "VirtualMachine.Config.AddRemoveDevice"
        ]
    );
    assert_eq!(
        on(&m, "cluster", Some("file-volumes")),
        ["Host.Config.Storage"]
    );
    for id in [
        "VirtualMachine.Config.AddExistingDisk",
        "VirtualMachine.Config.AddRemoveDevice",
    ] {
        assert_eq!(m.get(id).unwrap().used_on, UsedOn::Vm, "{id}");
    }
}

#[test]
fn no_embedded_manifest_lists_an_implied_privilege() {
    for m in builtin() {
        for id in IMPLIED {
            assert!(m.get(id).is_none(), "{} lists {id}", m.name);
        }
    }
}

#[test]
fn an_id_keeps_its_vsphere_client_words_across_manifests() {
    let mut seen: std::collections::HashMap<String, (String, String, String)> =
        std::collections::HashMap::new();
    for m in builtin() {
        for p in &m.privileges {
            let words = (p.group.clone(), p.label.clone(), m.name.clone());
            if let Some(first) = seen.get(&p.id) {
                assert_eq!(
                    (&first.0, &first.1),
                    (&words.0, &words.1),
                    "{} in {} and {}",
                    p.id,
                    first.2,
                    m.name
                );
            } else {
                seen.insert(p.id.clone(), words);
            }
        }
    }
}

// --- kept true: every id against the vCenter reference lists ---

/// For each id of `m`: the versions whose reference list lacks it and whose
/// ledger does not record it either, as one line per id.
fn unaccounted(m: &Manifest) -> Vec<String> {
    let mut out: Vec<String> = m
        .ids()
        .filter_map(|id| {
            let lacking: Vec<&str> = reference::versions_lacking(id)
                .into_iter()
                .filter(|(_, ledgered)| !ledgered)
                .map(|(v, _)| v)
                .collect();
            (!lacking.is_empty()).then(|| {
                format!(
                    "{}: {id} is in no reference list of vCenter {}",
                    m.name,
                    lacking.join(", ")
                )
            })
        })
        .collect();
    out.dedup();
    out
}

fn assert_kept_true(name: &str) {
    let problems = unaccounted(&named(name));
    assert!(
        problems.is_empty(),
        "{}\nconfirm each id on the version's Defined Privileges page and add it to privileges/reference/vcenter-VERSION.txt, or record it in privileges/reference/unconfirmed.txt",
        problems.join("\n")
    );
}

#[test]
fn reference_arc_resource_bridge() {
    assert_kept_true("arc-resource-bridge");
}

#[test]
fn reference_openshift_ipi() {
    assert_kept_true("openshift-ipi");
}

#[test]
fn reference_eks_anywhere() {
    assert_kept_true("eks-anywhere");
}

#[test]
fn reference_vsphere_csi() {
    assert_kept_true("vsphere-csi");
}

#[test]
fn reference_check_names_the_versions_that_lack_an_id() {
    let mut m = default_manifest();
    m.privileges[0].id = "Bogus.Thing".into();
    assert_eq!(
        unaccounted(&m),
        ["arc-resource-bridge: Bogus.Thing is in no reference list of vCenter 7.0, 8.0"]
    );
}

#[test]
fn reference_lists_hold_well_formed_non_implied_ids() {
    for (version, text) in reference::LISTS {
        let ids = reference::ids(text);
        assert!(ids.len() >= 10, "{version}");
        for id in ids {
            assert!(
                id.split('.').count() >= 2
                    && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'),
                "{version}: {id:?}"
            );
            assert!(!IMPLIED.contains(&id), "{version}: {id}");
        }
    }
}

#[test]
fn unconfirmed_entries_are_not_already_confirmed() {
    for (version, id) in reference::unconfirmed() {
        let (_, text) = reference::LISTS
            .iter()
            .find(|(v, _)| *v == version)
            .unwrap_or_else(|| panic!("unconfirmed.txt names unknown version {version}"));
        assert!(
            !reference::ids(text).contains(id),
            "{version} {id} is confirmed in vcenter-{version}.txt: remove it from unconfirmed.txt"
        );
    }
}

#[test]
fn unconfirmed_entries_are_used_by_a_manifest() {
    let all = builtin();
    for (version, id) in reference::unconfirmed() {
        assert!(
            all.iter().any(|m| m.get(id).is_some()),
            "{version} {id} is used by no manifest: remove it from unconfirmed.txt"
        );
    }
}
