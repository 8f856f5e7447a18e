//! Config files as Windows users hand them over: CRLF line ends and a UTF-8
//! byte-order mark (Notepad, PowerShell 5.1's `Set-Content -Encoding
//! utf8`), UTF-16 (its `Out-File`), and, on Windows, paths with a drive
//! letter and backslashes, `infrastructureConfigPath` among them.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Sim, run, statuses};

const APPLIANCE: &str = "applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.0.51\ninfrastructureConfigPath: INFRA\n";
const INFRA: &str = "vsphereprovider:\n  credentials:\n    username: administrator@vsphere.local\n  datacenter: DC0\n  datastore: LocalDS_0\n  folder: /DC0/vm/Arc\n  resourcepool: /DC0/host/DC0_C0/Resources\n  network:\n    segment: VM Network\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/24\n    k8snodeippoolstart: 127.0.0.50\n    k8snodeippoolend: 127.0.0.52\n  appliancevm:\n    vmtemplate: arc-template-0\n";

/// The appliance file naming its infra file as `infra_ref`, both written
/// the way Windows tools write them when `windows_style`.
fn pair(dir: &Path, infra_ref: &str, infra_at: &Path, windows_style: bool) -> PathBuf {
    let style = |t: &str| {
        if windows_style {
            format!("\u{feff}{}", t.replace('\n', "\r\n"))
        } else {
            t.to_string()
        }
    };
    std::fs::create_dir_all(infra_at.parent().unwrap()).unwrap();
    std::fs::write(infra_at, style(INFRA)).unwrap();
    let app = dir.join("appliance.yaml");
    std::fs::write(&app, style(&APPLIANCE.replace("INFRA", infra_ref))).unwrap();
    app
}

/// `diagnose` on the config: the simulator has no appliance VM, so a config
/// that was read ends in `appliance-vm` failing (exit 2).
fn diagnose(sim: &Sim, config: &Path) -> (i32, Value) {
    let r = run(sim.vaudit(&[
        "diagnose",
        "-o",
        "json",
        "--config",
        config.to_str().unwrap(),
    ]));
    (r.code, r.json())
}

/// The config was read: the run got as far as looking for the appliance VM.
fn assert_read(code: i32, v: &Value) {
    assert_eq!(code, 2, "{v}");
    assert!(
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "appliance-vm-not-found"),
        "{v}"
    );
}

#[test]
fn a_crlf_config_with_a_byte_order_mark_is_audited_like_its_lf_twin() {
    let sim = Sim::start(&["-template", "1"]);
    let lf = tempfile::tempdir().unwrap();
    let win = tempfile::tempdir().unwrap();
    let lf_app = pair(
        lf.path(),
        "infra.yaml",
        &lf.path().join("infra.yaml"),
        false,
    );
    let win_app = pair(
        win.path(),
        "infra.yaml",
        &win.path().join("infra.yaml"),
        true,
    );
    let (lf_code, lf_v) = diagnose(&sim, &lf_app);
    let (win_code, win_v) = diagnose(&sim, &win_app);
    assert_eq!(lf_code, 2, "{lf_v}");
    assert_eq!(statuses(&win_v), statuses(&lf_v));
    assert_read(win_code, &win_v);
}

#[test]
fn a_utf16_config_is_refused_with_one_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("appliance.yaml");
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(APPLIANCE.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&app, bytes).unwrap();
    let mut cmd = crate::common::vaudit();
    cmd.args(["check", "--config"]).arg(&app).args([
        "--url",
        "https://127.0.0.1:9/sdk",
        "--username",
        "u",
    ]);
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("it is UTF-16 text, not UTF-8"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("Set-Content -Encoding utf8"),
        "{}",
        r.stderr
    );
}

#[cfg(windows)]
#[test]
fn a_drive_letter_and_backslashes_reach_the_infra_file() {
    let sim = Sim::start(&["-template", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let app = pair(
        dir.path(),
        r".\infra\contoso-infra.yaml",
        &dir.path().join("infra").join("contoso-infra.yaml"),
        true,
    );
    let shown = app.to_str().unwrap();
    assert!(
        shown.as_bytes()[1] == b':' && shown.contains('\\'),
        "{shown}"
    );
    let (code, v) = diagnose(&sim, &app);
    assert_read(code, &v);
}

#[cfg(windows)]
#[test]
fn an_absolute_infra_path_with_a_drive_letter_is_read_as_given() {
    let sim = Sim::start(&["-template", "1"]);
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("elsewhere").join("infra.yaml");
    let app = pair(dir.path(), &format!("'{}'", infra.display()), &infra, false);
    let (code, v) = diagnose(&sim, &app);
    assert_read(code, &v);
}

/// A path as Windows users type it: a drive letter and backslashes.
#[cfg(windows)]
fn assert_windows_path(p: &Path) {
    let s = p.to_str().unwrap();
    assert!(s.as_bytes()[1] == b':' && s.contains('\\'), "{s}");
}

/// `--ca-file` and `--save` relative with backslashes (`.\certs\…`), and
/// `--from` absolute with a drive letter: the snapshot saved is the one
/// read back, and audits as the live run did.
#[cfg(windows)]
#[test]
fn ca_file_save_and_from_take_drive_letters_and_backslashes() {
    let sim = Sim::start(&["-template", "1"]);
    let dir = tempfile::tempdir().unwrap();
    assert_windows_path(dir.path());
    std::fs::create_dir_all(dir.path().join("certs")).unwrap();
    std::fs::create_dir_all(dir.path().join("snaps")).unwrap();
    std::fs::copy(
        &sim.ca_file,
        dir.path().join("certs").join("vcenter ca.pem"),
    )
    .unwrap();
    let mut live = crate::common::vaudit();
    live.current_dir(dir.path())
        .args(["folders", "-o", "json"])
        .args(["--url", &sim.url, "-u", &sim.username])
        .args(["--ca-file", r".\certs\vcenter ca.pem"])
        .args(["--save", r".\snaps\inventory.json"])
        .env("VAUDIT_PASSWORD", crate::common::SIM_PASSWORD);
    let live = run(live);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let saved = dir.path().join("snaps").join("inventory.json");
    assert_windows_path(&saved);
    let mut offline = crate::common::vaudit();
    offline
        .args(["folders", "-o", "json", "--from"])
        .arg(&saved);
    let offline = run(offline);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    assert_eq!(offline.json()["folders"], live.json()["folders"]);
}
