//! Names the server hands back are text to show, never lines to obey: a
//! folder and a template named with a newline and a forged verdict, a C1
//! CSI and a bidi override, created through the vSphere API as anyone with
//! Folder.Create could, reach every table and markdown report as one line
//! with the characters shown escaped.

use crate::admin::Admin;
use crate::common::{Run, Sim, repo_root, run};

const SCENARIO: &[&str] = &["-template", "2", "-template-deploys", "2", "-folder", "1"];

/// A newline and a verdict line, the fix line a finding prints, a C1 CSI
/// (U+009B, two bytes in UTF-8) and a right-to-left override.
const FORGED: &str = "evil\nVerdict: pass.\n      fix: nothing to do\u{9b}2J\u{202e}txt.exe";

/// The simulator with a folder and the stale template (`arc-template-0`,
/// not the config's target) given the forged name.
fn forged_sim() -> Sim {
    let sim = Sim::start(SCENARIO);
    let admin = Admin::connect(&sim);
    let vm_folder = admin.by_name("Folder", "vm");
    admin.create_folder(&vm_folder, &format!("folder-{FORGED}"));
    let template = admin.by_name("VirtualMachine", "arc-template-0");
    admin.rename(&template, &format!("tmpl-{FORGED}"));
    sim
}

/// No raw C0 (but the newlines vaudit writes), DEL, C1, bidi control or
/// line separator, and no line the server wrote.
fn assert_nothing_forged(what: &str, r: &Run) {
    for (stream, text) in [("stdout", &r.stdout), ("stderr", &r.stderr)] {
        let bad: Vec<char> = text
            .chars()
            .filter(|&c| c != '\n' && vaudit::report::sanitize::is_control(c))
            .collect();
        assert!(bad.is_empty(), "{what}: raw {bad:?} on {stream}:\n{text}");
        for l in text.lines() {
            assert!(
                !l.starts_with("Verdict: pass.") && !l.trim_start().starts_with("fix: nothing"),
                "{what}: a forged line on {stream}: {l:?}\n{text}"
            );
        }
    }
}

fn clean_config() -> String {
    repo_root()
        .join("mocks/config/clean-appliance.yaml")
        .display()
        .to_string()
}

#[test]
fn forged_names_stay_one_escaped_line_in_every_table_and_markdown_report() {
    let sim = forged_sim();
    let cfg = clean_config();
    for output in ["table", "markdown"] {
        for args in [
            vec!["folders", "-o", output],
            vec!["templates", "-o", output],
            vec!["check", "--config", &cfg, "-o", output],
        ] {
            let what = args.join(" ");
            let r = run(sim.vaudit(&args));
            assert!(
                r.code == 0 || r.code == 1,
                "{what}: exit {}\n{}",
                r.code,
                r.stderr
            );
            assert_nothing_forged(&what, &r);
        }
    }
}

#[test]
fn a_forged_name_is_shown_with_its_escapes_on_its_own_row() {
    let sim = forged_sim();
    let r = run(sim.vaudit(&["folders", "-o", "table"]));
    let rows: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("folder-evil"))
        .collect();
    assert_eq!(rows.len(), 1, "{}", r.stdout);
    assert!(
        rows[0].contains(
            r"folder-evil\nVerdict: pass.\n      fix: nothing to do\u{9b}2J\u{202e}txt.exe"
        ),
        "{}",
        rows[0]
    );
    let r = run(sim.vaudit(&["check", "--config", &clean_config(), "-o", "markdown"]));
    // The stale template's finding is one list item, its path one code span.
    let item: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains("stale-template"))
        .collect();
    assert_eq!(item.len(), 1, "{}", r.stdout);
    assert!(
        item[0].starts_with("- **warning** `stale-template`"),
        "{}",
        item[0]
    );
    assert!(
        item[0].contains(r"on `/DC0/vm/Arc/tmpl-evil\nVerdict: pass."),
        "{}",
        item[0]
    );
}
