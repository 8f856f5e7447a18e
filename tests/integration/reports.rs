//! The reports people and CI read (issue 17): colour decided once from
//! `--color` and the environment, a quiet end on a closed pipe, JUnit CI can
//! follow across runs, every JSON output valid against the schema.

use crate::common::{Sim, run, vaudit};

const ESC: char = '\u{1b}';

/// A gate table with a failing check, piped.
fn gate(sim: &Sim, env: &[(&str, &str)], extra: &[&str]) -> crate::common::Run {
    let mut cmd = sim.vaudit(
        &[
            &[
                "check",
                "--only",
                "folders",
                "--folder",
                "/DC0/datastore",
                "-o",
                "table",
            ][..],
            extra,
        ]
        .concat(),
    );
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(cmd)
}

#[test]
fn a_piped_report_is_plain() {
    let sim = Sim::start(&[]);
    let r = gate(&sim, &[], &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains(ESC), "{:?}", r.stdout);
}

#[test]
fn clicolor_force_colours_a_piped_report_by_severity() {
    let sim = Sim::start(&[]);
    let r = gate(&sim, &[("CLICOLOR_FORCE", "1")], &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("\u{1b}[1;31mERROR\u{1b}[0m"),
        "{:?}",
        r.stdout
    );
    assert!(
        r.stdout.contains("\u{1b}[1;31mVerdict: fail."),
        "{:?}",
        r.stdout
    );
}

#[test]
fn no_color_beats_clicolor_force() {
    let sim = Sim::start(&[]);
    let r = gate(&sim, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains(ESC), "{:?}", r.stdout);
}

#[test]
fn color_never_beats_clicolor_force() {
    let sim = Sim::start(&[]);
    let r = gate(&sim, &[("CLICOLOR_FORCE", "1")], &["--color", "never"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(!r.stdout.contains(ESC), "{:?}", r.stdout);
}

#[test]
fn color_always_beats_no_color() {
    let sim = Sim::start(&[]);
    let r = gate(&sim, &[("NO_COLOR", "1")], &["--color", "always"]);
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.contains(ESC), "{:?}", r.stdout);
}

#[test]
fn json_is_never_coloured() {
    let sim = Sim::start(&[]);
    let mut cmd = sim.vaudit(&["folders", "-o", "json", "--color", "always"]);
    cmd.env("CLICOLOR_FORCE", "1");
    let r = run(cmd);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stdout.contains(ESC), "{:?}", r.stdout);
}

#[test]
fn the_color_flag_takes_only_its_three_words() {
    let r = run({
        let mut c = vaudit();
        c.args(["about", "--color", "sometimes"]);
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("auto"), "{}", r.stderr);
}

/// `vaudit … | head` with the reader gone before the report is written.
fn with_stdout_closed(mut cmd: std::process::Command) -> (Option<i32>, String) {
    use std::io::Read;
    cmd.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // Closed before the login, so the first write of the report fails.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (child.wait().unwrap().code(), stderr)
}

#[test]
fn a_closed_stdout_ends_a_table_quietly_with_141() {
    let sim = Sim::start(&[]);
    let (code, stderr) = with_stdout_closed(sim.vaudit(&["folders", "-o", "table"]));
    assert_eq!(code, Some(141), "{stderr}");
    assert_eq!(stderr, "");
}

#[test]
fn a_closed_stdout_ends_json_quietly_with_141() {
    let sim = Sim::start(&[]);
    let (code, stderr) = with_stdout_closed(sim.vaudit(&["check", "-o", "json"]));
    assert_eq!(code, Some(141), "{stderr}");
    assert_eq!(stderr, "");
}

/// A JUnit document, read as CI reads it.
#[derive(Debug, Default)]
struct Junit {
    root: std::collections::BTreeMap<String, String>,
    /// (testcase name, "pass" | "failure" | "error" | "skipped").
    cases: Vec<(String, String)>,
}

fn parse_junit(xml: &str) -> Junit {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut j = Junit::default();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let attrs: std::collections::BTreeMap<String, String> = e
                    .attributes()
                    .flatten()
                    .map(|a| {
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(quick_xml::XmlVersion::default())
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                match e.name().as_ref() {
                    "testsuites" => j.root = attrs,
                    "testcase" => j.cases.push((attrs["name"].clone(), "pass".into())),
                    k @ ("failure" | "error" | "skipped") => {
                        j.cases.last_mut().expect("inside a testcase").1 = k.to_string();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    j
}

impl Junit {
    fn count(&self, kind: &str) -> usize {
        self.cases.iter().filter(|(_, k)| k == kind).count()
    }

    fn names(&self) -> std::collections::BTreeSet<String> {
        self.cases.iter().map(|(n, _)| n.clone()).collect()
    }

    /// Root counts that match the testcases, a time, unique names.
    fn assert_consistent(&self) {
        let n = |k: &str| self.root[k].parse::<usize>().unwrap();
        assert_eq!(n("tests"), self.cases.len(), "{self:?}");
        assert_eq!(n("failures"), self.count("failure"), "{self:?}");
        assert_eq!(n("errors"), self.count("error"), "{self:?}");
        assert!(self.root["time"].parse::<f64>().is_ok(), "{self:?}");
        assert_eq!(
            self.names().len(),
            self.cases.len(),
            "duplicate names: {self:?}"
        );
    }
}

fn clean_config() -> String {
    crate::common::repo_root()
        .join("mocks/config/clean-appliance.yaml")
        .display()
        .to_string()
}

const SCENARIO: &[&str] = &["-template", "2", "-template-deploys", "2", "-folder", "1"];

#[test]
fn junit_names_are_the_same_whether_the_run_passes_or_fails() {
    let sim = Sim::start(SCENARIO);
    let cfg = clean_config();
    let pass = run(sim.vaudit(&["check", "--config", &cfg, "-o", "junit"]));
    assert_eq!(pass.code, 0, "{}\n{}", pass.stdout, pass.stderr);
    // The stale template's warning fails this gate.
    let fail = run(sim.vaudit(&[
        "check",
        "--config",
        &cfg,
        "--fail-on",
        "warning",
        "-o",
        "junit",
    ]));
    assert_eq!(fail.code, 1, "{}\n{}", fail.stdout, fail.stderr);
    let (pass, fail) = (parse_junit(&pass.stdout), parse_junit(&fail.stdout));
    pass.assert_consistent();
    fail.assert_consistent();
    assert_eq!(pass.count("failure"), 0, "{pass:?}");
    assert!(fail.count("failure") >= 1, "{fail:?}");
    assert_eq!(pass.names(), fail.names());
    assert!(
        fail.cases
            .iter()
            .any(|(n, k)| n.starts_with("templates.stale-template[") && k == "failure"),
        "{fail:?}"
    );
}

#[test]
fn junit_on_an_unreachable_vcenter_is_errors_under_the_same_names() {
    let sim = Sim::start(SCENARIO);
    let cfg = clean_config();
    let up = parse_junit(&run(sim.vaudit(&["check", "--config", &cfg, "-o", "junit"])).stdout);
    // Nothing listens on 127.0.0.1:9 (discard is not served here).
    let mut cmd = vaudit();
    cmd.args(["check", "--config", &cfg, "-o", "junit"])
        .args(["--url", "https://127.0.0.1:9/sdk", "--username", "a@b"])
        .env("VAUDIT_PASSWORD", "x");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let down = parse_junit(&r.stdout);
    down.assert_consistent();
    assert_eq!(up.names(), down.names());
    assert!(
        down.cases
            .iter()
            .any(|(n, k)| n == "connection.endpoint-unreachable" && k == "error"),
        "{down:?}"
    );
    assert_eq!(down.count("failure"), 0, "{down:?}");
}

#[test]
fn junit_on_a_config_error_is_one_error_saying_why() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "applianceClusterConfig: [\n").unwrap();
    let r = run({
        let mut c = vaudit();
        c.args(["check", "--config", bad.to_str().unwrap(), "-o", "junit"]);
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    let j = parse_junit(&r.stdout);
    j.assert_consistent();
    assert_eq!(j.cases.len(), 1, "{}", r.stdout);
    assert_eq!(j.count("error"), 1, "{}", r.stdout);
    assert!(r.stdout.contains("bad.yaml"), "{}", r.stdout);
    assert!(r.stderr.contains("bad.yaml"), "{}", r.stderr);
}

#[test]
fn vaudit_schema_prints_the_schema_file() {
    let r = run({
        let mut c = vaudit();
        c.arg("schema");
        c
    });
    assert_eq!(r.code, 0, "{}", r.stderr);
    let file =
        std::fs::read_to_string(crate::common::repo_root().join("schema/vaudit-v1.json")).unwrap();
    assert_eq!(r.stdout, file);
    let v = r.json();
    assert_eq!(v["title"], "vaudit/v1");
}

/// The schema is not a rubber stamp: a document missing its verdict fails.
#[test]
#[should_panic(expected = "not vaudit/v1")]
fn the_schema_rejects_a_report_without_a_verdict() {
    let sim = Sim::start(&[]);
    let mut v = run(sim.vaudit(&["folders", "-o", "json"])).json();
    v["summary"].as_object_mut().unwrap().remove("verdict");
    crate::common::assert_schema(&v);
}

/// Every command's JSON, validated against the schema (in `run`).
#[test]
fn every_command_writes_schema_valid_json() {
    let sim = Sim::start(SCENARIO);
    let cfg = clean_config();
    for args in [
        &["about"][..],
        &["privileges", "--folder", "/DC0/vm/Arc", "--explain"],
        &["folders"],
        &["pools"],
        &["templates"],
        &["check", "--config", &cfg],
        &["check", "--only", "folders", "--folder", "/DC0/nope"],
    ] {
        let r = run(sim.vaudit(&[args, &["-o", "json"]].concat()));
        assert!(r.code <= 2, "{args:?}: {}", r.stderr);
        let v = r.json();
        assert_eq!(v["schema"], "vaudit/v1", "{args:?}");
    }
    for args in [&["manifest", "list"][..], &["manifest", "show"]] {
        let r = run({
            let mut c = vaudit();
            c.args(args).args(["-o", "json"]);
            c
        });
        assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
        assert_eq!(r.json()["schema"], "vaudit/v1", "{args:?}");
    }
}

#[test]
fn fail_on_warning_ends_saying_the_gate_failed_on_warnings() {
    let sim = Sim::start(SCENARIO);
    let cfg = clean_config();
    let r = run(sim.vaudit(&[
        "check",
        "--config",
        &cfg,
        "--fail-on",
        "warning",
        "-o",
        "table",
    ]));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.lines().last(),
        Some("Verdict: fail: the gate failed on warnings (--fail-on warning)."),
        "{}",
        r.stdout
    );
}

#[test]
fn login_failed_names_the_user_and_where_each_credential_came_from() {
    let sim = Sim::start(&[]);
    let mut cmd = sim.vaudit(&[
        "check",
        "--only",
        "connection,folders",
        "--folder",
        "/DC0/vm/Arc",
        "-o",
        "json",
    ]);
    cmd.env("VAUDIT_PASSWORD", "not-the-password");
    let r = run(cmd);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let v = r.json();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "login-failed")
        .unwrap_or_else(|| panic!("{v:#}"));
    let message = f["message"].as_str().unwrap();
    assert!(message.contains(&sim.username), "{message}");
    assert!(message.contains("the --username flag"), "{message}");
    assert!(message.contains("VAUDIT_PASSWORD"), "{message}");
    let folders = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "folders")
        .unwrap();
    assert_eq!(folders["status"], "not-verified");
    assert!(
        folders["reason"].as_str().unwrap().contains("login failed"),
        "{folders}"
    );
}

/// The markdown report parsed as GitHub renders it: a header row, the
/// delimiter row, and one row of four cells per check of the registry, in
/// its order; the verdict line above; a hostile name cannot add a column.
#[test]
fn markdown_renders_as_a_table_with_a_row_per_check() {
    let sim = Sim::start(&["-folder", "1"]);
    let r = run(sim.vaudit(&[
        "check",
        "-o",
        "markdown",
        "--folder",
        "/DC0/datastore/StorageFolder0",
    ]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("**vaudit: INCOMPLETE**")),
        "{}",
        r.stdout
    );
    let table: Vec<&str> = lines
        .iter()
        .copied()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .collect();
    // Cells split on pipes that are not escaped.
    let cells = |l: &str| -> Vec<String> {
        let mut out = vec![String::new()];
        let mut escaped = false;
        for c in l.trim().trim_matches('|').chars() {
            match (c, escaped) {
                ('\\', false) => escaped = true,
                ('|', false) => out.push(String::new()),
                (c, _) => {
                    escaped = false;
                    out.last_mut().unwrap().push(c);
                }
            }
        }
        out.into_iter().map(|c| c.trim().to_string()).collect()
    };
    assert_eq!(cells(table[0]), ["Check", "Status", "Findings", "Reason"]);
    assert!(
        cells(table[1])
            .iter()
            .all(|c| c.chars().all(|x| x == '-' || x == ':') && !c.is_empty()),
        "{}",
        table[1]
    );
    let names: Vec<String> = table[2..].iter().map(|l| cells(l)[0].clone()).collect();
    let registry: Vec<String> = vaudit::checks::registry::names()
        .map(String::from)
        .collect();
    assert_eq!(names, registry);
    for row in &table[2..] {
        assert_eq!(cells(row).len(), 4, "{row}");
    }
    let folders = table[2..]
        .iter()
        .map(|l| cells(l))
        .find(|c| c[0] == "folders")
        .unwrap();
    assert_eq!(folders[1], "fail");
}
