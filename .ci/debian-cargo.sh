# Sourced, from the repository root, by .ci/windows and .ci/release: the
# one place that says how Debian's Rust builds for Windows and macOS.
# Sets debian_rust to Debian's rustc-web/cargo-web unpacked by
# .ci/debian-rust, and defines dcargo, its cargo with what -Zbuild-std and
# the cross linkers need. By absolute path and for the sourcing script
# only: the Rust on the PATH (rustup's, or /usr/bin's) stays the one in use
# for everything else.
debian_rust=$(bash .ci/debian-rust)

dcargo() {
  env LD_LIBRARY_PATH="$debian_rust/usr/lib/x86_64-linux-gnu" RUSTC_BOOTSTRAP=1 \
    RUSTC="$debian_rust/usr/bin/rustc" RUSTDOC="$debian_rust/usr/bin/rustdoc" \
    CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc \
    CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc \
    CC_x86_64_apple_darwin="$PWD/mocks/macos/clang-darwin" \
    "$debian_rust/usr/bin/cargo" "$@"
}
