//! `vaudit manifest list` and `manifest show NAME|FILE`: what they print in
//! each format, the TOML round trip, and `--manifest` refusing what it
//! cannot audit before any connection.

use crate::common::{Run, run, vaudit};

fn vaudit_run(args: &[&str]) -> Run {
    let mut c = vaudit();
    c.args(args);
    run(c)
}

const NAMES: [&str; 4] = [
    "arc-resource-bridge",
    "eks-anywhere",
    "openshift-ipi",
    "vsphere-csi",
];

#[test]
fn list_json_names_every_manifest_with_source_version_and_date() {
    let r = vaudit_run(&["manifest", "list", "-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    let all = doc["manifests"].as_array().unwrap();
    let names: Vec<&str> = all.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, NAMES);
    for m in all {
        assert!(m["source"].as_str().unwrap().len() > 20, "{m}");
        assert_eq!(m["version"], "1", "{m}");
        assert_eq!(m["date"], "2026-12-06", "{m}");
    }
    let openshift = &all[2];
    assert_eq!(openshift["privileges"], 53);
    assert_eq!(
        openshift["options"],
        serde_json::json!([
            "installer-creates-folder",
            "file-volumes",
            "machine-management"
        ])
    );
}

#[test]
fn list_table_has_one_row_per_manifest_with_its_source() {
    let r = vaudit_run(&["manifest", "list", "-o", "table"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for name in NAMES {
        let rows: Vec<&str> = r.stdout.lines().filter(|l| l.starts_with(name)).collect();
        assert_eq!(rows.len(), 1, "{name}:\n{}", r.stdout);
        assert!(rows[0].contains("2026-12-06"), "{}", rows[0]);
    }
    assert!(
        r.stdout
            .contains("aebd9a0623cd7725c3f5157a6f5a02391a22f8c3"),
        "{}",
        r.stdout
    );
}

#[test]
fn list_markdown_is_a_table_of_the_manifests() {
    let r = vaudit_run(&["manifest", "list", "-o", "markdown"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "| Name | Version | Entries | Options | Source | Date |"
    );
    assert_eq!(lines.len(), 2 + NAMES.len(), "{}", r.stdout);
    assert!(
        lines[4].starts_with("| openshift-ipi | 1 | 53 (+33) |"),
        "{}",
        lines[4]
    );
}

#[test]
fn show_table_lists_options_off_and_leaves_their_entries_out() {
    let r = vaudit_run(&["manifest", "show", "openshift-ipi", "-o", "table"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Option installer-creates-folder (off, 31 entries):"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("--manifest-option NAME"), "{}", r.stdout);
    assert!(!r.stdout.contains("Delete folder"), "{}", r.stdout);
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("Cns.Searchable"))
        .unwrap();
    assert!(row.contains("root (not propagated)"), "{row}");
}

#[test]
fn show_with_an_option_adds_its_entries() {
    let r = vaudit_run(&[
        "manifest",
        "show",
        "openshift-ipi",
        "--manifest-option",
        "installer-creates-folder",
        "-o",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["manifest"]["privileges"].as_array().unwrap().len(), 84);
    assert_eq!(doc["options"][0]["name"], "installer-creates-folder");
    assert_eq!(doc["options"][0]["enabled"], true);
    assert_eq!(doc["options"][1]["enabled"], false);
    let delete = doc["manifest"]["privileges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "Folder.Delete")
        .unwrap();
    assert_eq!(delete["on"], serde_json::json!(["datacenter"]));
    assert_eq!(delete["condition"], "installer-creates-folder");
    assert_eq!(delete["propagate"], true);
}

#[test]
fn show_with_an_unknown_option_is_a_usage_error_naming_the_options() {
    let r = vaudit_run(&[
        "manifest",
        "show",
        "vsphere-csi",
        "--manifest-option",
        "files",
    ]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "The manifest vsphere-csi has no option \"files\" (its options: file-volumes)."
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn show_of_an_unknown_name_suggests_the_nearest() {
    let r = vaudit_run(&["manifest", "show", "vsphere-cs"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("did you mean vsphere-csi?"),
        "{}",
        r.stderr
    );
}

#[test]
fn show_toml_reads_back_as_the_same_manifest() {
    let dir = tempfile::tempdir().unwrap();
    for name in NAMES {
        let toml = vaudit_run(&["manifest", "show", name, "-o", "toml"]);
        assert_eq!(toml.code, 0, "{}", toml.stderr);
        let path = dir.path().join(format!("{name}.toml"));
        std::fs::write(&path, &toml.stdout).unwrap();
        let file = path.to_str().unwrap();

        let embedded = vaudit_run(&["manifest", "show", name, "-o", "json"]).json();
        let read_back = vaudit_run(&["manifest", "show", file, "-o", "json"]);
        assert_eq!(read_back.code, 0, "{}", read_back.stderr);
        let read_back = read_back.json();
        assert_eq!(read_back["manifest"], embedded["manifest"], "{name}");
        assert_eq!(read_back["options"], embedded["options"], "{name}");
        assert_eq!(read_back["file"], file);

        // And -o toml of the file prints it as written.
        let again = vaudit_run(&["manifest", "show", file, "-o", "toml"]);
        assert_eq!(again.stdout, toml.stdout, "{name}");
    }
}

#[test]
fn privileges_refuses_an_unknown_manifest_option_before_connecting() {
    let r = vaudit_run(&[
        "privileges",
        "--manifest",
        "openshift-ipi",
        "--manifest-option",
        "creates-folder",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("The manifest openshift-ipi has no option \"creates-folder\""),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("installer-creates-folder"),
        "{}",
        r.stderr
    );
}

#[test]
fn privileges_names_the_nearest_manifest_for_a_typo() {
    let r = vaudit_run(&["privileges", "--manifest", "eks-anywher"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("did you mean eks-anywhere?"),
        "{}",
        r.stderr
    );
}
