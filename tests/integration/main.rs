//! The one integration-test binary: every test that runs the `vaudit`
//! binary or its library against the simulator or wiremock, one module per
//! subject, so the crate and wiremock are linked once and all tests share
//! one parallel run (`cargo test --test integration MODULE::`).

mod admin;
mod common;
mod fakes;
mod wire;

mod about;
mod check;
mod cli_errors;
mod collect;
mod credentials;
mod diagnose;
mod docs;
mod fail_closed;
mod faults_matrix;
mod forged_names;
mod global_permissions;
mod grant;
mod grant_cli;
mod groups;
mod hostile;
mod inventory;
mod keyring;
mod layers;
mod layout;
mod lookup;
mod manifests;
mod network;
mod paging;
mod placement;
mod privileges;
mod products;
mod proxy_env;
mod reports;
mod secrets;
mod security;
// The renderers' output is the same on every platform; the terminal-width
// cases need a Linux pseudo-terminal.
#[cfg(target_os = "linux")]
mod snapshots;
mod templates;
mod visibility;
mod windows_files;
mod wire_faults;
