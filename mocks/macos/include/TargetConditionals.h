/* Check-only scaffolding for `cargo check --target x86_64-apple-darwin` on
 * Debian (.ci/windows): ring's C code includes this Apple SDK header, which
 * Debian's clang does not have. It says what the SDK's says for macOS on
 * x86-64. Nothing is linked with it. */
#ifndef VAUDIT_TARGET_CONDITIONALS_H
#define VAUDIT_TARGET_CONDITIONALS_H
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
#endif
