//! The password never leaves: a broad set of vaudit runs against the
//! simulator, with passwords used nowhere else, and every output searched
//! for them: stdout and stderr at every log level (including RUST_LOG=trace,
//! which turns on the HTTP and TLS libraries' own tracing), JSON and JUnit
//! reports, saved snapshots, every file the runs wrote, and the command line
//! of a running vaudit as the kernel shows it (`/proc/PID/cmdline`).
//!
//! The passwords hold `&`, `<`, `>` and `"` so that a leak through an XML or
//! JSON writer is found in its escaped form too.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{Run, Sim, repo_root, vaudit};

/// The simulator's administrator password in the main test.
const SECRET: &str = "Canary&Adm1n<Pw>\"q7";
/// The password only an infra file carries.
const CONFIG_SECRET: &str = "Canary&C0nfig<Pw>k2";
/// A wrong password: must not be echoed back either.
const WRONG_SECRET: &str = "Canary&Wr0ng<Pw>x9";

/// Every form a password could take on its way out: as is, XML-escaped
/// (SOAP bodies, JUnit), JSON-escaped, percent-encoded, and its core
/// without the special characters (a writer that mangles them).
fn forms(secret: &str) -> Vec<String> {
    let xml = secret
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    let json = serde_json::to_string(secret).unwrap();
    let json = json.trim_matches('"').to_string();
    let pct: String = secret
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let core: String = secret
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| s.len() >= 4)
        .skip(1)
        .collect::<Vec<_>>()
        .join("|");
    let mut v = vec![secret.to_string(), xml, json, pct];
    // e.g. "Adm1n" then "Pw": the distinctive middle part on its own.
    v.extend(core.split('|').filter(|s| s.len() >= 5).map(str::to_string));
    v.sort();
    v.dedup();
    v
}

/// Fails naming where, if any form of any secret is in `text`.
fn assert_clean(where_: &str, text: &str) {
    for secret in [SECRET, CONFIG_SECRET, WRONG_SECRET] {
        for f in forms(secret) {
            assert!(
                !text.contains(&f),
                "a password ({f:?}) leaked into {where_}:\n{text}"
            );
        }
    }
}

/// Runs `cmd`; asserts no secret in stdout or stderr and no panic.
fn run_clean(what: &str, cmd: Command) -> Run {
    let r = crate::common::run(cmd);
    assert_clean(&format!("stdout of {what}"), &r.stdout);
    assert_clean(&format!("stderr of {what}"), &r.stderr);
    r
}

/// Every file under `dir`, searched.
fn assert_files_clean(dir: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "yaml") {
                // The infra files are where the config password lives.
            } else {
                let bytes = std::fs::read(&p).unwrap();
                assert_clean(&p.display().to_string(), &String::from_utf8_lossy(&bytes));
                n += 1;
            }
        }
    }
    n
}

/// The simulator with `password` as the administrator's.
fn sim_with_password(args: &[&str], password: &str) -> Sim {
    Sim::start_with_env(args, &[("VCSIM_PASSWORD", password)])
}

/// `sim.vaudit(args)` with `password` in VAUDIT_PASSWORD.
fn with_password(sim: &Sim, args: &[&str], password: &str) -> Command {
    let mut c = sim.vaudit(args);
    c.env("VAUDIT_PASSWORD", password);
    c
}

fn config(name: &str) -> String {
    repo_root()
        .join("mocks/config")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn no_command_leaks_the_password_at_any_log_level() {
    let sim = sim_with_password(
        &["-template", "2", "-template-deploys", "2", "-folder", "1"],
        SECRET,
    );
    let out = tempfile::tempdir().unwrap();
    let snap = out.path().join("snapshot.json");
    let snap_s = snap.to_str().unwrap();
    let clean = config("clean-appliance.yaml");

    let runs: Vec<(&str, Vec<&str>, Option<&str>)> = vec![
        ("about json", vec!["about", "-o", "json"], None),
        ("about table -vv", vec!["about", "-o", "table", "-vv"], None),
        ("folders json -v", vec!["folders", "-o", "json", "-v"], None),
        ("pools json -vv", vec!["pools", "-o", "json", "-vv"], None),
        (
            "templates --save",
            vec!["templates", "-o", "json", "-vv", "--save", snap_s],
            None,
        ),
        (
            "check --config json",
            vec!["check", "--config", &clean, "-o", "json", "-vv"],
            None,
        ),
        (
            "check --config junit",
            vec!["check", "--config", &clean, "-o", "junit"],
            None,
        ),
        (
            "privileges json",
            vec!["privileges", "-o", "json", "-vv"],
            None,
        ),
        (
            "check --config markdown -v",
            vec!["check", "--config", &clean, "-o", "markdown", "-v"],
            None,
        ),
        (
            "folders markdown -vv",
            vec!["folders", "-o", "markdown", "-vv"],
            None,
        ),
        (
            "privileges markdown",
            vec!["privileges", "-o", "markdown"],
            None,
        ),
        (
            "privileges --explain table",
            vec!["privileges", "--explain", "-o", "table"],
            None,
        ),
        (
            "about RUST_LOG=trace",
            vec!["about", "-o", "json"],
            Some("trace"),
        ),
        (
            "check RUST_LOG=trace",
            vec!["check", "--config", &clean, "-o", "junit"],
            Some("trace"),
        ),
    ];
    for (what, args, rust_log) in &runs {
        let mut c = with_password(&sim, args, SECRET);
        if let Some(level) = rust_log {
            c.env("RUST_LOG", level);
        }
        let r = run_clean(what, c);
        // `privileges` without targets checks every kind on a stand-in:
        // it ends not verified (exit 2) with its report, after the login.
        let finished = r.code == 0
            || r.code == 1
            || (args[0] == "privileges" && r.code == 2 && !r.stdout.is_empty());
        assert!(
            finished,
            "{what}: the run must log in and finish (exit {}):\n{}",
            r.code, r.stderr
        );
        if rust_log.is_some() {
            // Proof that trace logging was on (the libraries' own tracing).
            assert!(
                r.stderr.contains("TRACE"),
                "{what}: no trace output:\n{}",
                r.stderr
            );
        }
        if what.contains("junit") {
            assert!(r.stdout.contains("<testsuite"), "{what}: {}", r.stdout);
        }
        if what.contains("markdown") {
            assert!(
                r.stdout.contains("| Check | Status |"),
                "{what}: {}",
                r.stdout
            );
        }
    }
    let saved = std::fs::read_to_string(&snap).expect("--save wrote the snapshot");
    assert!(saved.len() > 100, "the snapshot holds the inventory");
    assert_clean("the saved snapshot", &saved);

    // The same snapshot read back offline.
    let mut c = vaudit();
    c.args(["templates", "-o", "json", "--from", snap_s]);
    let r = run_clean("templates --from", c);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);

    assert!(assert_files_clean(out.path()) >= 1);
}

#[test]
fn a_wrong_password_is_not_echoed_at_any_log_level() {
    let sim = sim_with_password(&[], SECRET);
    for (what, args, rust_log) in [
        ("about -vv", vec!["about", "-o", "json", "-vv"], None),
        (
            "about RUST_LOG=trace",
            vec!["about", "-o", "json"],
            Some("trace"),
        ),
        ("folders -vv", vec!["folders", "-o", "table", "-vv"], None),
    ] {
        let mut c = with_password(&sim, &args, WRONG_SECRET);
        if let Some(level) = rust_log {
            c.env("RUST_LOG", level);
        }
        let r = run_clean(what, c);
        assert_eq!(r.code, 2, "{what}: a wrong password fails: {}", r.stderr);
        assert!(
            r.stderr.to_lowercase().contains("password")
                || r.stderr.to_lowercase().contains("login"),
            "{what}: the error names the login: {}",
            r.stderr
        );
    }
}

/// An infra file as `az arcappliance createconfig` writes it, with the
/// simulator's address and `password` in its credentials.
fn infra_with_password(dir: &Path, sim: &Sim, password: &str) -> PathBuf {
    let text = std::fs::read_to_string(config("clean-infra.yaml")).unwrap();
    let quoted = serde_json::to_string(password).unwrap(); // a valid YAML scalar
    let text = text
        .replace("address: 127.0.0.1", &format!("address: {}", sim.url))
        .replace(
            "    username: administrator@vsphere.local",
            &format!("    username: {}\n    password: {quoted}", sim.username),
        );
    assert!(text.contains("password: "), "the infra file carries it");
    let p = dir.join("secret-infra.yaml");
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn the_config_file_password_is_used_and_never_shown() {
    let sim = sim_with_password(&["-template", "2", "-template-deploys", "2"], CONFIG_SECRET);
    let dir = tempfile::tempdir().unwrap();
    infra_with_password(dir.path(), &sim, CONFIG_SECRET);
    // The appliance file beside it, so the gate can be complete (an infra
    // file alone leaves the checks of applianceClusterConfig unverified).
    let appliance = dir.path().join("secret-appliance.yaml");
    std::fs::write(
        &appliance,
        std::fs::read_to_string(config("clean-appliance.yaml"))
            .unwrap()
            .replace("clean-infra.yaml", "secret-infra.yaml"),
    )
    .unwrap();
    let app_s = appliance.to_str().unwrap();
    let ca = sim.ca_file.to_str().unwrap();
    for (what, args, rust_log) in [
        (
            "check --config appliance json -vv",
            vec!["check", "--config", app_s, "-o", "json", "-vv"],
            None,
        ),
        (
            "check --config appliance junit",
            vec!["check", "--config", app_s, "-o", "junit"],
            None,
        ),
        (
            "check --config appliance RUST_LOG=trace",
            vec!["check", "--config", app_s, "-o", "json"],
            Some("trace"),
        ),
    ] {
        // No VAUDIT_PASSWORD: the file's password is the only one.
        let mut c = vaudit();
        c.args(&args).arg("--ca-file").arg(ca);
        if let Some(level) = rust_log {
            c.env("RUST_LOG", level);
        }
        let r = run_clean(what, c);
        assert!(
            r.code == 0 || r.code == 1,
            "{what}: logs in with the file's password (exit {}):\n{}",
            r.code,
            r.stderr
        );
        if what.contains("json") {
            let v = r.json();
            assert_clean(&format!("the JSON of {what}"), &v.to_string());
        }
    }
    // A wrong password in the file: refused, and not echoed.
    let wrong = infra_with_password(dir.path(), &sim, WRONG_SECRET);
    let mut c = vaudit();
    c.args([
        "check",
        "--config",
        wrong.to_str().unwrap(),
        "-o",
        "junit",
        "-vv",
    ])
    .arg("--ca-file")
    .arg(ca);
    let r = run_clean("check --config with a wrong password", c);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_files_clean(dir.path());
}

/// Reads `/proc/PID/cmdline` and `/proc/PID/environ` of a running vaudit
/// that is waiting on a server that never answers.
#[cfg(target_os = "linux")]
fn proc_of_blocked_vaudit(mut cmd: Command) -> (String, String, Run) {
    use std::io::Read;
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    crate::common::keep_on_loopback(&mut cmd);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("spawn vaudit");
    let pid = child.id();
    // Wait for the process to be past exec (its cmdline is vaudit's).
    let deadline = Instant::now() + Duration::from_secs(10);
    let (cmdline, environ) = loop {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap_or_default();
        let text = |b: Vec<u8>| String::from_utf8_lossy(&b).replace('\0', " ");
        let (cmdline, environ) = (text(cmdline), text(environ));
        if cmdline.contains("--timeout") || Instant::now() > deadline {
            break (cmdline, environ);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    // Read again once it is surely blocked on the server.
    std::thread::sleep(Duration::from_millis(500));
    let again = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let again = String::from_utf8_lossy(&again).replace('\0', " ");
    assert!(
        child.try_wait().unwrap().is_none(),
        "vaudit should still be waiting on the silent server"
    );
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(cmdline, again, "the command line does not change");
    (
        cmdline,
        environ,
        Run {
            code: status.code().unwrap_or(-1),
            stdout,
            stderr,
        },
    )
}

#[cfg(target_os = "linux")]
#[test]
fn the_password_is_never_on_the_command_line_of_a_running_vaudit() {
    // A server that accepts and never answers: vaudit blocks until --timeout.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Detached: it holds every connection open until the test binary ends.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let url = format!("https://127.0.0.1:{port}");

    // The password from the environment.
    let mut c = vaudit();
    c.args([
        "folders",
        "--url",
        &url,
        "-u",
        "administrator@vsphere.local",
        "--timeout",
        "3",
        "-o",
        "json",
    ])
    .env("VAUDIT_PASSWORD", SECRET);
    let (cmdline, environ, r) = proc_of_blocked_vaudit(c);
    assert!(
        cmdline.contains("folders") && cmdline.contains("--timeout"),
        "{cmdline}"
    );
    assert_clean("/proc/PID/cmdline", &cmdline);
    // The environment holds it by design (that is how it is given); this
    // proves the /proc reads see the real process.
    assert!(environ.contains(&format!("VAUDIT_PASSWORD={SECRET}")));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_clean("stderr of the timed-out run", &r.stderr);
    assert_clean("stdout of the timed-out run", &r.stdout);

    // The password from an infra file: on neither the command line nor in
    // the environment of the process.
    let dir = tempfile::tempdir().unwrap();
    let infra = dir.path().join("secret-infra.yaml");
    let text = std::fs::read_to_string(config("clean-infra.yaml"))
        .unwrap()
        .replace("address: 127.0.0.1", &format!("address: {url}"))
        .replace(
            "    username: administrator@vsphere.local",
            &format!(
                "    username: administrator@vsphere.local\n    password: {}",
                serde_json::to_string(CONFIG_SECRET).unwrap()
            ),
        );
    std::fs::write(&infra, text).unwrap();
    let mut c = vaudit();
    c.args([
        "check",
        "--config",
        infra.to_str().unwrap(),
        "--timeout",
        "3",
        "-o",
        "json",
    ]);
    let (cmdline, environ, r) = proc_of_blocked_vaudit(c);
    assert!(cmdline.contains("secret-infra.yaml"), "{cmdline}");
    assert_clean("/proc/PID/cmdline", &cmdline);
    assert_clean("/proc/PID/environ", &environ);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_clean("stderr of the timed-out run", &r.stderr);
    assert_clean("stdout of the timed-out run", &r.stdout);
}

/// `-v` names where each setting came from (spec §2), the password's source
/// included, and never the password: from the environment and from an
/// infra file, in the table, JSON and JUnit outputs.
#[test]
fn v_prints_each_source_and_never_the_password() {
    let sim = sim_with_password(&["-template", "2", "-folder", "1"], SECRET);
    let ca = sim.ca_file.to_str().unwrap();
    let r = run_clean(
        "about -v",
        with_password(&sim, &["about", "-o", "table", "-v"], SECRET),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    for line in [
        "vCenter URL https://127.0.0.1:",
        "from the --url flag",
        "user name administrator@vsphere.local from the --username flag",
        "password from VAUDIT_PASSWORD",
        "from the --ca-file flag",
        "timeout 30 s from the default",
    ] {
        assert!(r.stderr.contains(line), "-v lacks {line:?}:\n{}", r.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let infra = infra_with_password(dir.path(), &sim, CONFIG_SECRET);
    for format in ["table", "json", "junit"] {
        let mut c = vaudit();
        c.args([
            "check",
            "--config",
            infra.to_str().unwrap(),
            "-v",
            "-o",
            format,
        ])
        .args(["--ca-file", ca]);
        let r = run_clean(&format!("check --config -v -o {format}"), c);
        assert!(
            r.stderr.contains("password from the config file")
                && r.stderr.contains("from the config file"),
            "{}",
            r.stderr
        );
    }
    assert_files_clean(dir.path());
}

#[test]
fn the_leak_detector_finds_every_form() {
    // The detector itself: each form of each secret is caught.
    for secret in [SECRET, CONFIG_SECRET, WRONG_SECRET] {
        for f in forms(secret) {
            let text = format!("log line: password={f} end");
            let caught = std::panic::catch_unwind(|| assert_clean("a test string", &text));
            assert!(caught.is_err(), "{f:?} not detected");
        }
    }
    assert!(forms(SECRET).contains(&"Canary&amp;Adm1n&lt;Pw&gt;&quot;q7".to_string()));
    assert!(forms(SECRET).contains(&"Canary&Adm1n<Pw>\\\"q7".to_string()));
    assert_clean("a clean string", "administrator@vsphere.local logged in");
}
