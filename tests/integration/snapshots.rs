//! Snapshots of what every renderer writes (issue 22, item 7), taken on the
//! code before the pipeline refactor so that the refactor is proven not to
//! change a report: one test per (command, format) pair of the contract
//! (cli.md §1, §2 `--output`), each running the real binary against the
//! simulator. A table is taken three ways, as vaudit chooses its width:
//! on a pseudo-terminal with `COLUMNS=80`, with `COLUMNS=200`, and piped
//! (no width limit). The exit code is the last line of every snapshot.
//!
//! Reviewing a change: a test whose output changed fails and leaves the
//! new output beside the old as `tests/integration/snapshots/*.snap.new`
//! (with `CI=true` insta writes nothing and only fails). Run
//! `cargo insta review` (from `cargo install cargo-insta`) to accept or
//! reject each diff, or run the tests with `INSTA_UPDATE=always` to
//! overwrite the `.snap` files and read the change with `git diff`. Either
//! way the accepted `.snap` files are committed with the change that
//! explains them. Everything that differs between runs (the simulator's
//! port and directory, temporary paths, UUIDs, dates, durations) is
//! replaced in `assert_output`, the one place that normalises.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::admin::Admin;
use crate::check::SCENARIO;
use crate::common::{
    DEPLOYER_PASSWORD, SIM_PASSWORD, Sim, keep_on_loopback, pty, repo_root, run, vaudit,
};
use crate::privileges::{DEPLOYER, as_user, manifest_ids, users_file};

/// How stdout is attached, which is how vaudit picks a table's width.
#[derive(Clone, Copy)]
enum Stdout {
    /// A pseudo-terminal `COLUMNS` wide.
    Terminal(u16),
    Piped,
}

/// One `--output` of one command.
#[derive(Clone, Copy)]
enum Out {
    Table(Stdout),
    Json,
    Markdown,
    Junit,
    Toml,
}

impl Out {
    fn word(self) -> &'static str {
        match self {
            Out::Table(_) => "table",
            Out::Json => "json",
            Out::Markdown => "markdown",
            Out::Junit => "junit",
            Out::Toml => "toml",
        }
    }

    fn stdout(self) -> Stdout {
        match self {
            Out::Table(s) => s,
            _ => Stdout::Piped,
        }
    }
}

const T80: Out = Out::Table(Stdout::Terminal(80));
const T200: Out = Out::Table(Stdout::Terminal(200));
const PIPED: Out = Out::Table(Stdout::Piped);

/// Exit code and stdout of `cmd` run with `-o` for `out`; a run that
/// wrote no report (a usage error) is a broken test, not a snapshot.
fn capture(mut cmd: Command, out: Out) -> (i32, String) {
    cmd.arg("-o").arg(out.word());
    let (code, stdout, stderr) = match out.stdout() {
        Stdout::Piped => {
            let r = run(cmd);
            (r.code, r.stdout, r.stderr)
        }
        Stdout::Terminal(columns) => on_a_terminal(cmd, columns),
    };
    assert!(
        !stdout.trim().is_empty(),
        "no report (exit {code}):\n{stderr}"
    );
    (code, stdout)
}

/// `cmd` with stdout on a fresh pseudo-terminal `columns` wide (and
/// `COLUMNS` saying so), colour off; stderr stays piped.
fn on_a_terminal(mut cmd: Command, columns: u16) -> (i32, String, String) {
    use std::io::Read;

    keep_on_loopback(&mut cmd);
    let (master, slave) = pty(columns);
    cmd.env("COLUMNS", columns.to_string())
        .env("NO_COLOR", "1")
        .stdout(Stdio::from(slave))
        .stderr(Stdio::piped());
    let child = cmd.spawn().expect("spawn vaudit on a pty");
    // The last handle on the terminal's slave side goes with the command,
    // so the reader sees the end once vaudit exits.
    drop(cmd);
    let mut reader = std::fs::File::from(master);
    let shown = std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        // Linux answers EIO, not 0, once the slave side is closed.
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        seen
    });
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&shown.join().unwrap()).replace("\r\n", "\n");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    for secret in [SIM_PASSWORD, DEPLOYER_PASSWORD] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    (output.status.code().unwrap_or(-1), stdout, stderr)
}

/// Snapshots `stdout` and the exit code as `name`, with everything that
/// changes from run to run replaced: `literals` (the simulator's address
/// and directory, temporary paths) by fixed words, then by pattern the
/// simulator's random datastore names, UUIDs, timestamps, dates and
/// durations. Ages in days are kept: the simulator creates its templates a
/// fixed time before it starts, so they are the same on every run.
fn assert_output(name: &str, code: i32, stdout: &str, literals: &[(String, &str)]) {
    let mut text = stdout.to_string();
    for (from, to) in literals {
        text = text.replace(from.as_str(), to);
    }
    text.push_str(&format!("\n[exit {code}]\n"));
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path(repo_root().join("tests/integration/snapshots"));
    for (pattern, replacement) in [
        // The simulator names a datastore after a random directory.
        (
            r"data-\d+/govcsim-([A-Za-z0-9_-]+)-\d+@",
            "data-[N]/govcsim-$1-[N]@",
        ),
        (
            r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "[UUID]",
        ),
        (
            r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?",
            "[TIME]",
        ),
        (r"\d{4}-\d{2}-\d{2}", "[DATE]"),
        (r#"time="[0-9.]+""#, r#"time="[S]""#),
        (r#""seconds": [0-9.e-]+"#, r#""seconds": [S]"#),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings.bind(|| insta::assert_snapshot!(name, text));
}

/// The literal replacements every run against `sim` needs.
fn sim_literals(sim: &Sim) -> Vec<(String, &'static str)> {
    let dir = sim.ca_file.parent().unwrap().display().to_string();
    vec![
        (dir, "[SIM-DIR]"),
        (format!("127.0.0.1:{}", sim.port()), "[VCENTER]"),
        (repo_root().display().to_string(), "[REPO]"),
    ]
}

fn sample(name: &str) -> String {
    repo_root()
        .join("mocks/config")
        .join(name)
        .display()
        .to_string()
}

/// `vaudit check` as the administrator against `SCENARIO`, with the
/// sample config full of mistakes (a non-VM folder, a host pool, a stale
/// template, `.local` names, a bad IP plan).
fn check(name: &str, out: Out) {
    let sim = Sim::start(SCENARIO);
    let mut cmd = sim.vaudit(&["check"]);
    cmd.arg("--config").arg(sample("broken-appliance.yaml"));
    let (code, stdout) = capture(cmd, out);
    assert_output(name, code, &stdout, &sim_literals(&sim));
}

/// The listing commands take no `--config` today: the broken sample's
/// targets, given as flags.
const FOLDERS: &[&str] = &["folders", "--folder", "/DC0/datastore/StorageFolder0"];
const POOLS: &[&str] = &["pools", "--pool", "/DC0/host/DC0_H0/Resources"];
const TEMPLATES: &[&str] = &["templates", "--template", "arc-template-0"];

/// `vaudit ARGS` as the administrator against `SCENARIO`.
fn plain(name: &str, args: &[&str], out: Out) {
    let sim = Sim::start(SCENARIO);
    let (code, stdout) = capture(sim.vaudit(args), out);
    assert_output(name, code, &stdout, &sim_literals(&sim));
}

/// `vaudit manifest show` needs no vCenter.
fn manifest(name: &str, out: Out) {
    let mut cmd = vaudit();
    cmd.args(["manifest", "show"]);
    let (code, stdout) = capture(cmd, out);
    assert_output(name, code, &stdout, &[]);
}

/// A simulator with the privilege tests' extra users (`deployer` among
/// them) and `SCENARIO`'s templates, and an administrator session to grant
/// them roles.
fn with_deployer(dir: &Path) -> (Sim, Admin) {
    let users = users_file(dir);
    let sim = Sim::start_with_env(
        &[&["-users", users.as_str()][..], SCENARIO].concat(),
        &[("VCSIM_DEPLOYER_PASSWORD", DEPLOYER_PASSWORD)],
    );
    let admin = Admin::connect(&sim);
    (sim, admin)
}

/// `vaudit privileges` for a deployer holding every manifest privilege at
/// the root but, on the target folder, a role without three of them, with
/// every kind of target given (the clean sample config's).
fn privileges(name: &str, out: Out) {
    let dir = tempfile::tempdir().unwrap();
    let (sim, admin) = with_deployer(dir.path());
    let all = manifest_ids();
    let left_out = [
        "VirtualMachine.Config.AddNewDisk",
        "VirtualMachine.Interact.PowerOn",
        "Folder.Create",
    ];
    let partial: Vec<String> = all
        .iter()
        .filter(|i| !left_out.contains(&i.as_str()))
        .cloned()
        .collect();
    let full = admin.role("arc-full", &all);
    let part = admin.role("arc-partial", &partial);
    admin.grant(&admin.root(), DEPLOYER, false, full, true);
    admin.grant(&admin.by_name("Folder", "Arc"), DEPLOYER, false, part, true);
    let cmd = as_user(
        &sim,
        DEPLOYER,
        &[
            "privileges",
            "--datacenter",
            "DC0",
            "--folder",
            "/DC0/vm/Arc",
            "--pool",
            "/DC0/host/DC0_C0/Resources",
            "--datastore",
            "LocalDS_0",
            "--network",
            "DC0_DVPG0",
            "--template",
            "arc-template-1",
        ],
    );
    let (code, stdout) = capture(cmd, out);
    assert_output(name, code, &stdout, &sim_literals(&sim));
}

/// The case the refactor changes on purpose (issue 22, item 3): a
/// datacenter and a folder given, no pool, datastore or network, so those
/// kinds are checked on a stand-in. The deployer's roles on the root and
/// the datacenter do not propagate, so they reach none of the objects the
/// stand-in stands for; `check --only privileges,tagging` says
/// not-verified here, while today's `vaudit privileges` reports the rows.
fn stand_in_run(name: &str, command: &[&str], out: Out) {
    let dir = tempfile::tempdir().unwrap();
    let (sim, admin) = with_deployer(dir.path());
    let full = admin.role("arc-full", &manifest_ids());
    admin.grant(&admin.root(), DEPLOYER, false, full, false);
    admin.grant(
        &admin.by_name("Datacenter", "DC0"),
        DEPLOYER,
        false,
        full,
        false,
    );
    admin.grant(&admin.by_name("Folder", "Arc"), DEPLOYER, false, full, true);
    let (code, stdout) = capture(as_user(&sim, DEPLOYER, command), out);
    assert_output(name, code, &stdout, &sim_literals(&sim));
}

fn stand_in(name: &str, out: Out) {
    stand_in_run(
        name,
        &[
            "privileges",
            "--datacenter",
            "DC0",
            "--folder",
            "/DC0/vm/Arc",
        ],
        out,
    );
}

/// The gate's verdict on the same targets, which item 3 makes `vaudit
/// privileges` equal.
fn stand_in_check(name: &str, out: Out) {
    stand_in_run(
        name,
        &[
            "check",
            "--only",
            "privileges,tagging",
            "--datacenter",
            "DC0",
            "--folder",
            "/DC0/vm/Arc",
        ],
        out,
    );
}

/// `vaudit diagnose` of an appliance whose control-plane address drifted
/// (DHCP gave the node another one), on loopback addresses no other test
/// uses: the control-plane probe is refused on this machine.
fn diagnose(name: &str, out: Out) {
    diagnose_with(name, &[], out);
}

/// The events the appliance's VM logged start with the server's own
/// timestamp, whose length varies (trailing zeros of the nanoseconds are
/// dropped), so where an 80-column table wraps that line would change
/// from run to run: that table is taken without them.
fn diagnose_80(name: &str) {
    diagnose_with(name, &["--skip", "appliance-events"], T80);
}

fn diagnose_with(name: &str, extra: &[&str], out: Out) {
    let sim = Sim::start(&["-template", "1"]);
    let admin = Admin::connect(&sim);
    let vm = admin.deploy("arc-template-0", "arc-bridge");
    admin.set_guest(&vm, "127.0.22.70", true);
    let dir = tempfile::tempdir().unwrap();
    let appliance = write_bridge_config(dir.path());
    let mut cmd = sim.vaudit(&["diagnose", "--config", appliance.to_str().unwrap()]);
    cmd.args(extra);
    let (code, stdout) = capture(cmd, out);
    let mut literals = sim_literals(&sim);
    literals.insert(0, (dir.path().display().to_string(), "[CONFIG-DIR]"));
    assert_output(name, code, &stdout, &literals);
}

/// An appliance + infra pair: control plane 127.0.22.71, node pool
/// 127.0.22.70–72, the simulator's good targets and template 0.
fn write_bridge_config(dir: &Path) -> PathBuf {
    std::fs::write(
        dir.join("bridge-infra.yaml"),
        "vsphereprovider:\n  credentials:\n    username: administrator@vsphere.local\n  datacenter: DC0\n  datastore: LocalDS_0\n  folder: /DC0/vm/Arc\n  resourcepool: /DC0/host/DC0_C0/Resources\n  network:\n    segment: VM Network\n    gateway: 127.0.0.1\n    ipaddressprefix: 127.0.0.0/8\n    k8snodeippoolstart: 127.0.22.70\n    k8snodeippoolend: 127.0.22.72\n  appliancevm:\n    vmtemplate: arc-template-0\n",
    )
    .unwrap();
    let appliance = dir.join("bridge-appliance.yaml");
    std::fs::write(
        &appliance,
        "applianceClusterConfig:\n  controlPlaneEndpoint: 127.0.22.71\ninfrastructureConfigPath: bridge-infra.yaml\n",
    )
    .unwrap();
    appliance
}

/// One `#[test]` per (name, scenario call), so a failure names its pair.
macro_rules! snapshots {
    ($($test:ident => $scenario:ident($($arg:expr),*);)*) => {
        $(
            #[test]
            fn $test() {
                $scenario(stringify!($test), $($arg),*);
            }
        )*
    };
}

snapshots! {
    privileges_table_80 => privileges(T80);
    privileges_table_200 => privileges(T200);
    privileges_table_piped => privileges(PIPED);
    privileges_json => privileges(Out::Json);
    privileges_markdown => privileges(Out::Markdown);

    privileges_stand_in_table_piped => stand_in(PIPED);
    privileges_stand_in_json => stand_in(Out::Json);
    check_stand_in_json => stand_in_check(Out::Json);

    folders_table_80 => plain(FOLDERS, T80);
    folders_table_200 => plain(FOLDERS, T200);
    folders_table_piped => plain(FOLDERS, PIPED);
    folders_json => plain(FOLDERS, Out::Json);
    folders_markdown => plain(FOLDERS, Out::Markdown);

    pools_table_80 => plain(POOLS, T80);
    pools_table_200 => plain(POOLS, T200);
    pools_table_piped => plain(POOLS, PIPED);
    pools_json => plain(POOLS, Out::Json);
    pools_markdown => plain(POOLS, Out::Markdown);

    templates_table_80 => plain(TEMPLATES, T80);
    templates_table_200 => plain(TEMPLATES, T200);
    templates_table_piped => plain(TEMPLATES, PIPED);
    templates_json => plain(TEMPLATES, Out::Json);
    templates_markdown => plain(TEMPLATES, Out::Markdown);

    check_table_80 => check(T80);
    check_table_200 => check(T200);
    check_table_piped => check(PIPED);
    check_json => check(Out::Json);
    check_markdown => check(Out::Markdown);
    check_junit => check(Out::Junit);

    diagnose_table_80 => diagnose_80();
    diagnose_table_200 => diagnose(T200);
    diagnose_table_piped => diagnose(PIPED);
    diagnose_json => diagnose(Out::Json);
    diagnose_markdown => diagnose(Out::Markdown);
    diagnose_junit => diagnose(Out::Junit);

    about_table_80 => plain(&["about"], T80);
    about_table_200 => plain(&["about"], T200);
    about_table_piped => plain(&["about"], PIPED);
    about_json => plain(&["about"], Out::Json);

    manifest_show_table_80 => manifest(T80);
    manifest_show_table_200 => manifest(T200);
    manifest_show_table_piped => manifest(PIPED);
    manifest_show_json => manifest(Out::Json);
    manifest_show_toml => manifest(Out::Toml);
}
