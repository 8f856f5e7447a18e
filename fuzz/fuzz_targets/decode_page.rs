//! The vim25 PropertyCollector page decoder on arbitrary bytes: Ok or Err,
//! never a panic, a hang or unbounded memory (libFuzzer's -rss_limit_mb).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = vaudit::vsphere::decode_page(data);
});
