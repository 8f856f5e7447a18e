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
