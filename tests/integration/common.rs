//! Test harness: builds the bundled simulator once (mocks/vcsim/build.sh),
//! starts one per test on 127.0.0.1 with TLS and real credentials, and runs
//! the `vaudit` binary against it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Distinctive so that a leak is found by grepping for it.
pub const SIM_PASSWORD: &str = "Sim-Pa55-q7Zr!x";
pub const ADMIN: &str = "administrator@vsphere.local";
/// The password of the extra users of privilege scenarios (`-users`).
pub const DEPLOYER_PASSWORD: &str = "Dep-Pa55-w3Kx!m";

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the simulator once per test binary; the build script itself is
/// incremental and safe to run from several test binaries at once.
pub fn sim_binary() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let out_dir = repo_root().join("target").join("vcsim");
        let out = Command::new("bash")
            .arg(repo_root().join("mocks/vcsim/build.sh"))
            .arg(&out_dir)
            .stderr(Stdio::inherit())
            .output()
            .expect("run mocks/vcsim/build.sh");
        assert!(
            out.status.success(),
            "building the simulator failed (is golang-go and golang-github-vmware-govmomi-dev installed? run .ci/test)"
        );
        let path = String::from_utf8(out.stdout).unwrap();
        PathBuf::from(path.lines().last().unwrap().trim())
    })
}

/// A running simulator; stopped when dropped.
pub struct Sim {
    _owner: Owner,
    pub url: String,
    pub ca_file: PathBuf,
    pub username: String,
}

/// What keeps the simulator alive: its process here, or (under Wine) the
/// connection to the broker that started it on the Linux side.
enum Owner {
    Child(Child, tempfile::TempDir),
    Broker(std::net::TcpStream),
}

impl Sim {
    pub fn start(args: &[&str]) -> Sim {
        Self::start_with_env(args, &[])
    }

    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Sim {
        if let Ok(addr) = std::env::var("VAUDIT_TEST_SIM_BROKER") {
            return Self::start_by_broker(&addr, args, env);
        }
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(sim_binary());
        cmd.arg("-state-dir")
            .arg(dir.path())
            .arg("-exit-on-stdin-eof")
            .args(args)
            .env("VCSIM_PASSWORD", SIM_PASSWORD)
            .env("TMPDIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start the simulator");
        let state = dir.path().join("state.json");
        let deadline = Instant::now() + Duration::from_secs(60);
        while !state.exists() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut err = String::new();
                if let Some(e) = child.stderr.take() {
                    for l in BufReader::new(e).lines().map_while(Result::ok) {
                        err.push_str(&l);
                        err.push('\n');
                    }
                }
                panic!("the simulator exited early ({status}): {err}");
            }
            assert!(
                Instant::now() < deadline,
                "the simulator did not start in 60 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
        Self::from_state(&v, Owner::Child(child, dir))
    }

    /// The Windows lane: the simulator is a Linux program, started by
    /// mocks/vcsim/broker.py (run by .ci/windows) at `addr`; it stops when
    /// the connection closes.
    fn start_by_broker(addr: &str, args: &[&str], env: &[(&str, &str)]) -> Sim {
        use std::io::Write;
        let mut conn = std::net::TcpStream::connect(addr).expect("connect to the simulator broker");
        // The test's own variables win, as in `start_with_env`.
        let mut vars = serde_json::Map::new();
        vars.insert("VCSIM_PASSWORD".into(), SIM_PASSWORD.into());
        for (k, v) in env {
            vars.insert(k.to_string(), serde_json::Value::from(*v));
        }
        let req = serde_json::json!({ "args": args, "env": vars });
        writeln!(conn, "{req}").unwrap();
        let mut line = String::new();
        BufReader::new(conn.try_clone().unwrap())
            .read_line(&mut line)
            .unwrap();
        let v: serde_json::Value = serde_json::from_str(&line).expect("the broker's answer");
        if let Some(e) = v["error"].as_str() {
            panic!("{e}");
        }
        Self::from_state(&v, Owner::Broker(conn))
    }

    fn from_state(v: &serde_json::Value, owner: Owner) -> Sim {
        Sim {
            url: v["url"].as_str().unwrap().to_string(),
            ca_file: host_path(v["ca_file"].as_str().unwrap()),
            username: v["username"].as_str().unwrap().to_string(),
            _owner: owner,
        }
    }

    /// `vaudit ARGS` with connection flags for this simulator and the admin
    /// password in the environment; no other VAUDIT_/GOVC_ variable leaks in.
    pub fn vaudit(&self, args: &[&str]) -> Command {
        let mut cmd = vaudit();
        cmd.args(args)
            .arg("--url")
            .arg(&self.url)
            .arg("--username")
            .arg(&self.username)
            .arg("--ca-file")
            .arg(&self.ca_file)
            .env("VAUDIT_PASSWORD", SIM_PASSWORD);
        cmd
    }

    pub fn port(&self) -> u16 {
        self.url
            .rsplit(':')
            .next()
            .unwrap()
            .trim_end_matches("/sdk")
            .parse()
            .unwrap()
    }
}

impl Drop for Owner {
    fn drop(&mut self) {
        if let Owner::Child(child, _) = self {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A path the simulator wrote, as this process opens it: under Wine a Unix
/// path is reached through drive Z: (Wine's view of `/`).
pub fn host_path(unix: &str) -> PathBuf {
    if cfg!(windows) && unix.starts_with('/') {
        PathBuf::from(format!("Z:{}", unix.replace('/', "\\")))
    } else {
        PathBuf::from(unix)
    }
}

/// The bare binary with a clean environment: no credentials, no terminal.
pub fn vaudit() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_vaudit"));
    for (k, _) in std::env::vars() {
        let colour = ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "COLUMNS"].contains(&k.as_str());
        if k.starts_with("VAUDIT_") || k.starts_with("GOVC_") || k == "RUST_LOG" || colour {
            cmd.env_remove(k);
        }
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// A finished run, with the checks every run must pass: no password in any
/// output, and never a panic.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Starts `cmd`, again when Wine's CreateProcess fails with
/// ERROR_INTERNAL_ERROR (1359) before the program runs, as it did once in
/// the 624 runs of the fresh-Debian proof's Windows lane (under load):
/// nothing of vaudit ran, so no result of it is hidden. Any other failure,
/// and a third 1359, is the test's.
pub fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    started(|| cmd.spawn())
}

/// `start`, again as `spawn` says.
fn started<T>(mut start: impl FnMut() -> std::io::Result<T>) -> std::io::Result<T> {
    let mut tries = 0;
    loop {
        match start() {
            Err(e) if cfg!(windows) && e.raw_os_error() == Some(1359) && tries < 2 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            other => return other,
        }
    }
}

pub fn run(mut cmd: Command) -> Run {
    keep_on_loopback(&mut cmd);
    let Output {
        status,
        stdout,
        stderr,
    } = started(|| cmd.output()).expect("run vaudit");
    let r = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    for secret in [SIM_PASSWORD, DEPLOYER_PASSWORD] {
        assert!(
            !r.stdout.contains(secret),
            "password in stdout:\n{}",
            r.stdout
        );
        assert!(
            !r.stderr.contains(secret),
            "password in stderr:\n{}",
            r.stderr
        );
    }
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("internal error"),
        "vaudit panicked:\n{}",
        r.stderr
    );
    // Every JSON document vaudit writes follows schema/vaudit-v1.json.
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(&r.stdout)
        && v.get("$schema").is_none()
    {
        assert_schema(&v);
    }
    r
}

/// Fails naming every place `v` breaks the `vaudit/v1` schema.
pub fn assert_schema(v: &serde_json::Value) {
    static VALIDATOR: std::sync::OnceLock<jsonschema::Validator> = std::sync::OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        let text = std::fs::read_to_string(repo_root().join("schema/vaudit-v1.json")).unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("a valid schema")
    });
    let errors: Vec<String> = validator
        .iter_errors(v)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not vaudit/v1:\n{}\n{v:#}",
        errors.join("\n")
    );
}

/// The checks that send packets to the addresses a config names.
pub const NETWORK_CHECKS: &str = "dns,proxy,egress,ip-conflict,upload-path";

/// The NETWORK RULE, kept by the harness so a new test cannot forget it:
/// the sample configs and most tests name private-range addresses, to
/// which no test may send a packet. So every `vaudit check` a test runs
/// leaves the network checks out, unless the test picks its checks with
/// `--only` (the network tests do, with configs naming loopback fakes).
/// `--skip` and `--only` conflict, so nothing is added to an `--only` run.
/// Without `--config` nothing is probed (the probes go only to addresses a
/// config names) and the checks stay in, to be reported not verified.
pub fn keep_on_loopback(cmd: &mut Command) {
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let is_check = args.iter().any(|a| a == "check");
    let picked = args
        .iter()
        .any(|a| a == "--only" || a.starts_with("--only="));
    let config = args
        .iter()
        .any(|a| a == "--config" || a.starts_with("--config="));
    if is_check && config && !picked {
        cmd.arg("--skip").arg(NETWORK_CHECKS);
    }
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{}", self.stdout))
    }
}

/// A fresh pseudo-terminal `columns` wide: (master, slave). Linux only:
/// macOS's `openpty` takes other pointer types, Windows has none.
#[cfg(target_os = "linux")]
pub fn pty(columns: u16) -> (std::os::fd::OwnedFd, std::os::fd::OwnedFd) {
    use std::os::fd::{FromRawFd, OwnedFd};
    let size = libc::winsize {
        ws_row: 50,
        ws_col: columns,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let (mut master, mut slave) = (0, 0);
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &size,
        )
    };
    assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
    unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
}

/// Each check of a JSON report with its status, in the report's order.
pub fn statuses(v: &serde_json::Value) -> Vec<(String, String)> {
    v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].to_string(), c["status"].to_string()))
        .collect()
}
