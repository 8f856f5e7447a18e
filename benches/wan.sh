#!/usr/bin/env bash
# The whole gate over a WAN: `vaudit check` on the sample clean config
# against the simulator, through a loopback relay (examples/latency_relay.rs)
# that adds 0 ms and then DELAY ms each way. Prints the median wall time of
# each (and of the fastest run) and the round trips of latency the gate pays:
#     extra RTTs = (WAN - LAN) / (2 * DELAY)
# and the same figure for the pyVmomi peer's inventory collection
# (benches/pyvmomi_inventory.py, pyVmomi from PyPI in a venv) over the same
# relay. A benchmark, not a test: it prints figures and never fails on them.
# Every address is on 127.0.0.0/8.
#
# usage: bash benches/wan.sh [RUNS] [DELAY_MS]   (default 5 runs, 25 ms)
#   VAUDIT_BIN=path   measure this vaudit instead of a fresh release build
#   BASELINE=path     also measure another vaudit (e.g. an older commit's)
#                     in the same run, for a before/after ratio
#   TRACE=dir         one more WAN run of each, traced (requests and
#                     connections, timed) into dir/vaudit.log and
#                     dir/baseline.log
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
delay=${2:-25}
bash .ci/setup
export PATH="$HOME/.cargo/bin:$PATH"
if [ -z "${VAUDIT_BIN:-}" ]; then cargo build --release --locked --quiet; fi
cargo build --release --locked --quiet --example latency_relay
vaudit=${VAUDIT_BIN:-target/release/vaudit}
relay=target/release/examples/latency_relay
sim_bin=$(bash mocks/vcsim/build.sh target/vcsim)
state=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$state"
}
trap cleanup EXIT
export VCSIM_PASSWORD="bench-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
TMPDIR="$state" "$sim_bin" -state-dir "$state" -template 2 </dev/null >/dev/null 2>"$state/sim.log" &
pids+=($!)
for _ in $(seq 1 300); do [ -s "$state/state.json" ] && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$state/state.json")
upstream=${url#https://}
upstream=${upstream%/sdk}
export VAUDIT_USERNAME=administrator@vsphere.local VAUDIT_PASSWORD="$VCSIM_PASSWORD" VAUDIT_CA_FILE="$state/ca.pem"

# Starts a relay with DELAY ms each way; sets $relay_addr. Called in this
# shell (not in $(...)), so the relay's stdin stays open until the end.
start_relay() {
  local fifo="$state/relay-$1"
  mkfifo "$fifo.in"
  "$relay" 127.0.0.1:0 "$upstream" "$1" <"$fifo.in" >"$fifo.out" &
  pids+=($!)
  exec {hold}>"$fifo.in"
  for _ in $(seq 1 100); do [ -s "$fifo.out" ] && break; sleep 0.05; done
  relay_addr=$(head -1 "$fifo.out")
}

median_ms() { # command... ; runs it $runs times, prints the median and the fastest wall ms
  local times=()
  for _ in $(seq 1 "$runs"); do
    local start end
    start=$(date +%s%N)
    "$@" >"$state/out" 2>"$state/err" || true
    end=$(date +%s%N)
    times+=($(((end - start) / 1000000)))
  done
  local sorted
  sorted=$(printf '%s\n' "${times[@]}" | sort -n)
  echo "$(sed -n "$((runs / 2 + 1))p" <<<"$sorted") $(head -1 <<<"$sorted")"
}

start_relay 0
lan=$relay_addr
start_relay "$delay"
wan=$relay_addr
rtt=$((2 * delay))
measure() { # label binary
  local bin=$2
  # The network checks probe what the config names (private addresses in
  # the sample): never from a benchmark. Each binary knows its own.
  skip=()
  for c in dns proxy egress ip-conflict upload-path; do
    if "$bin" check --help | grep -q "^  $c "; then skip+=(--skip "$c"); fi
  done
  gate() { "$bin" check --config mocks/config/clean-appliance.yaml --url "https://$1/sdk" -o json -v "${skip[@]}"; }
  local lan_ms lan_min wan_ms wan_min calls
  read -r lan_ms lan_min < <(median_ms gate "$lan")
  calls=$(grep -o "calls=[0-9]*" "$state/err" | tail -1 || true)
  cp "$state/err" "${TMPDIR:-/tmp}/wan-last.err"
  read -r wan_ms wan_min < <(median_ms gate "$wan")
  echo "$1 ($bin): LAN ${lan_ms} ms, WAN ${wan_ms} ms, SOAP calls ${calls#calls=}"
  # TRACE=DIR: one more run over the WAN with every request and connection
  # timed, to read the chains from (DIR/LABEL.log).
  if [ -n "${TRACE:-}" ]; then
    mkdir -p "$TRACE"
    RUST_LOG=vaudit=debug,hyper_util=debug gate "$wan" >/dev/null 2>"$TRACE/$1.log" || true
  fi
  # The fastest runs too: the other jobs on a shared machine only ever add
  # time, and a slow LAN median alone moves the medians' figure by a round
  # trip.
  python3 -c "print(f'  extra round trips of latency: {($wan_ms - $lan_ms) / $rtt:.1f} (medians), {($wan_min - $lan_min) / $rtt:.1f} (fastest runs: LAN $lan_min ms, WAN $wan_min ms)')"
}
echo "vaudit check, median of $runs runs; relay adds ${delay} ms each way (RTT ${rtt} ms):"
measure vaudit "$vaudit"
if [ -n "${BASELINE:-}" ]; then measure baseline "$BASELINE"; fi

venv=target/bench-venv
if ! "$venv/bin/python" -c 'import pyVmomi' 2>/dev/null; then
  { python3 -m venv "$venv" && "$venv/bin/pip" install -q pyvmomi; } >&2 || { echo "  (pyVmomi peer skipped: cannot install pyvmomi)"; exit 0; }
fi
peer() { "$venv/bin/python" benches/pyvmomi_inventory.py --url "https://$1/sdk" --ca-file "$state/ca.pem"; }
read -r plan plan_min < <(median_ms peer "$lan")
read -r pwan pwan_min < <(median_ms peer "$wan")
echo "pyVmomi peer (inventory collection only), same relay:"
echo "  LAN ${plan} ms, WAN ${pwan} ms"
python3 -c "print(f'  extra round trips of latency: {($pwan - $plan) / $rtt:.1f} (medians), {($pwan_min - $plan_min) / $rtt:.1f} (fastest runs)')"
