//! Tables piped to a file or a CI log: never cut, never wrapped, so `grep`
//! finds an id with the rest of its row (`COLUMNS` only sizes a terminal).

use crate::common::{run, vaudit};

#[test]
fn manifest_show_piped_keeps_each_privilege_on_one_line() {
    for columns in [None, Some("60")] {
        let mut c = vaudit();
        c.args(["manifest", "show", "-o", "table"]);
        if let Some(n) = columns {
            c.env("COLUMNS", n);
        }
        let r = run(c);
        assert_eq!(r.code, 0, "{}", r.stderr);
        for (id, label) in [
            ("VirtualMachine.Config.AddNewDisk", "Add new disk"),
            ("Datastore.AllocateSpace", "Allocate space"),
        ] {
            let rows: Vec<&str> = r.stdout.lines().filter(|l| l.contains(id)).collect();
            assert_eq!(rows.len(), 1, "COLUMNS={columns:?}:\n{}", r.stdout);
            assert!(
                rows[0].contains(label) && rows[0].contains("required"),
                "{}",
                rows[0]
            );
        }
    }
}
