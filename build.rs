//! Gives vaudit.exe's main thread the stack Linux gives one (8 MiB).
//! vaudit runs on a current-thread runtime, so every command's futures and
//! the decoder's recursion live on the main thread; Windows reserves 1 MiB
//! (mingw's linker 2 MiB) for it, which a debug `vaudit diagnose`
//! overflowed under Wine.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if target.ends_with("-windows-gnu") {
        println!("cargo:rustc-link-arg-bins=-Wl,--stack,8388608");
    } else if target.ends_with("-windows-msvc") {
        println!("cargo:rustc-link-arg-bins=/STACK:8388608");
    }
}
