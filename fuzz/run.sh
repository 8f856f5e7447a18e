#!/usr/bin/env bash
# Bounded fuzzing of vaudit's parsers of untrusted input (needs the nightly
# toolchain and `cargo install cargo-fuzz`):
#   decode_page     the vim25 PropertyCollector page decoder (server answers)
#   config_load     the Arc resource bridge config reader (YAML)
#   manifest_parse  the privilege manifest parser (TOML)
# usage: fuzz/run.sh [SECONDS_PER_TARGET]   (default 60; CI: 60, locally: 600)
set -euo pipefail
secs=${1:-60}
cd "$(dirname "$0")"
mkdir -p corpus/decode_page corpus/config_load corpus/manifest_parse
cp -n ../mocks/soap/*.xml corpus/decode_page/ 2>/dev/null || true
cp -n ../mocks/config/*.yaml corpus/config_load/ 2>/dev/null || true
cp -n ../privileges/*.toml corpus/manifest_parse/ 2>/dev/null || true
for target in decode_page config_load manifest_parse; do
  echo "== $target: ${secs}s" >&2
  cargo +nightly fuzz run -O "$target" "corpus/$target" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -print_final_stats=1
done
