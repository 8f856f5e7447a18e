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

/// A generic credential in Windows Credential Manager, read back with the
/// Win32 API as `cmdkey` and the Control Panel read it.
#[cfg(windows)]
struct StoredCredential {
    target: String,
    user: String,
    secret: String,
}

/// The generic credentials whose target name starts with `prefix`.
#[cfg(windows)]
fn credential_manager(prefix: &str) -> Vec<StoredCredential> {
    use std::ffi::c_void;
    #[repr(C)]
    struct CredentialW {
        flags: u32,
        kind: u32,
        target_name: *const u16,
        comment: *const u16,
        last_written: u64,
        blob_size: u32,
        blob: *const u8,
        persist: u32,
        attribute_count: u32,
        attributes: *const c_void,
        target_alias: *const u16,
        user_name: *const u16,
    }
    #[link(name = "advapi32")]
    unsafe extern "system" {
        fn CredEnumerateW(
            filter: *const u16,
            flags: u32,
            count: *mut u32,
            creds: *mut *const *const CredentialW,
        ) -> i32;
        fn CredFree(buffer: *const c_void);
    }
    const CRED_TYPE_GENERIC: u32 = 1;
    let wide = |p: *const u16| -> String {
        if p.is_null() {
            return String::new();
        }
        // SAFETY: Credential Manager's strings are NUL-terminated UTF-16.
        let units: Vec<u16> = (0..)
            .map(|i| unsafe { p.add(i).read_unaligned() })
            .take_while(|&u| u != 0)
            .collect();
        String::from_utf16_lossy(&units)
    };
    let filter: Vec<u16> = format!("{prefix}*").encode_utf16().chain([0]).collect();
    let (mut count, mut creds) = (0u32, std::ptr::null());
    // SAFETY: the out-pointers are valid; the array is freed with CredFree.
    if unsafe { CredEnumerateW(filter.as_ptr(), 0, &mut count, &mut creds) } == 0 {
        return Vec::new(); // ERROR_NOT_FOUND: no such credential
    }
    // Wine packs the structures on 4-byte boundaries: read them unaligned.
    let found = (0..count as usize)
        .map(|i| unsafe { creds.add(i).read_unaligned().read_unaligned() })
        .filter(|c| c.kind == CRED_TYPE_GENERIC)
        .map(|c| {
            let blob = unsafe { std::slice::from_raw_parts(c.blob, c.blob_size as usize) };
            let units: Vec<u16> = blob
                .chunks_exact(2)
                .map(|b| u16::from_le_bytes([b[0], b[1]]))
                .collect();
            StoredCredential {
                target: wide(c.target_name),
                user: wide(c.user_name),
                secret: String::from_utf16_lossy(&units),
            }
        })
        .collect();
    unsafe { CredFree(creds.cast()) };
    found
}

/// `vaudit login` on Windows writes one generic credential to Credential
/// Manager, named `USER.vaudit:USER@URL` for this vCenter's URL, holding
/// the password; `vaudit logout` deletes it.
#[cfg(windows)]
#[test]
fn login_writes_a_credential_manager_entry_and_logout_deletes_it() {
    let sim = Sim::start(&[]);
    let prefix = format!("{user}.vaudit:{user}@", user = sim.username);
    let ours = || -> Vec<StoredCredential> {
        credential_manager(&prefix)
            .into_iter()
            .filter(|c| c.target.contains(&format!(":{}/", sim.port())))
            .collect()
    };
    assert!(ours().is_empty(), "an entry before login");

    let r = run(sim.vaudit(&["login"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let stored = ours();
    assert_eq!(stored.len(), 1, "one entry per vCenter and user");
    assert_eq!(stored[0].user, sim.username, "{}", stored[0].target);
    assert!(
        stored[0].secret == crate::common::SIM_PASSWORD,
        "the entry {} does not hold the password",
        stored[0].target
    );

    let r = run(sim.vaudit(&["logout"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(ours().is_empty(), "logout left the entry");
}
