//! `vaudit login` / `logout` through the real OS keyring (on Linux the kernel
//! keyring, which needs no desktop session).

use crate::common::{Sim, run};

#[test]
fn login_stores_then_about_reads_then_logout_deletes() {
    let sim = Sim::start(&[]);

    let login = sim.vaudit(&["login"]);
    let r = run(login);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("stored the password"), "{}", r.stderr);

    // No password in the environment: it must come from the keyring.
    let mut about = sim.vaudit(&["about", "-o", "json"]);
    about.env_remove("VAUDIT_PASSWORD");
    let r = run(about);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.json()["vcenter"]["user"], sim.username);

    let logout = sim.vaudit(&["logout"]);
    let r = run(logout);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Deleted the stored password"),
        "{}",
        r.stderr
    );

    let mut about = sim.vaudit(&["about"]);
    about.env_remove("VAUDIT_PASSWORD");
    let r = run(about);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no password"), "{}", r.stderr);
}

#[test]
fn login_with_a_wrong_password_stores_nothing() {
    let sim = Sim::start(&[]);
    let mut login = sim.vaudit(&["login"]);
    login.env("VAUDIT_PASSWORD", "wrong-one");
    let r = run(login);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("login failed"), "{}", r.stderr);

    let logout = sim.vaudit(&["logout"]);
    let r = run(logout);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("No password was stored"), "{}", r.stderr);
}
