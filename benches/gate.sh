#!/usr/bin/env bash
# Wall time and SOAP calls of the whole gate (`vaudit check` on the sample
# clean config) against the default simulator, after the build. A benchmark,
# not a test: it prints figures and never fails on them.
#
# usage: bash benches/gate.sh [RUNS]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
bash .ci/setup
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release --locked --quiet
sim_bin=$(bash mocks/vcsim/build.sh target/vcsim)
state=$(mktemp -d)
trap 'kill "$sim_pid" 2>/dev/null; wait "$sim_pid" 2>/dev/null; rm -rf "$state"' EXIT
export VCSIM_PASSWORD="bench-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
# The default model plus the two templates the sample config names.
TMPDIR="$state" "$sim_bin" -state-dir "$state" -template 2 </dev/null >/dev/null 2>"$state/sim.log" &
sim_pid=$!
for _ in $(seq 1 300); do [ -s "$state/state.json" ] && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$state/state.json")
export VAUDIT_USERNAME=administrator@vsphere.local VAUDIT_PASSWORD="$VCSIM_PASSWORD" VAUDIT_CA_FILE="$state/ca.pem"

times=()
calls=""
code=0
for _ in $(seq 1 "$runs"); do
  start=$(date +%s%N)
  # The network checks probe the sample config's private-range addresses:
  # never from a benchmark.
  target/release/vaudit check --config mocks/config/clean-appliance.yaml --url "$url" -o json -v \
    --skip dns,proxy,egress,ip-conflict,upload-path \
    >/dev/null 2>"$state/err" || code=$?
  end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
  calls=$(grep -o 'calls=[0-9]*' "$state/err" | tail -1)
done
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
echo "vaudit check on the default simulator, $runs runs after the build:"
echo "  wall ms: min ${sorted[0]}, median ${sorted[$((runs / 2))]}, max ${sorted[$((runs - 1))]}"
echo "  SOAP round trips per run: ${calls#calls=} (REST tagging calls included); last exit code $code"
