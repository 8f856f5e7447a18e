//! The Arc config reader on arbitrary text. The reader takes a path, so the
//! input is written to a file in a per-process temporary folder; an appliance
//! file may name `infra.yaml`, which holds the same input.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let d = base.join(format!("vaudit-fuzz-config-{}", std::process::id()));
        std::fs::create_dir_all(&d).expect("create the fuzz folder");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let d = dir();
    let app = d.join("appliance.yaml");
    std::fs::write(&app, data).expect("write the input");
    std::fs::write(d.join("infra.yaml"), data).expect("write the input");
    let _ = vaudit::config::load(&app);
});
