#!/usr/bin/env bash
# Build the simulator, then for each feature start it with the flags that
# feature needs and run features_smoke.py against it. Loopback only.
#
# usage: mocks/vcsim/features_smoke.sh OUTDIR [FEATURE...]   (default: all)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: $0 OUTDIR [FEATURE...]}
shift
bin=$("$here/build.sh" "$out")
export VCSIM_PASSWORD=${VCSIM_PASSWORD:-smoke-$$}

# feature -> simulator flags (keep in step with features_smoke.py's docstring)
declare -A FLAGS=(
  [guest]=""
  [ha]=""
  [ha-off]="-ha=false"
  [placement]="-datastore 2 -datastore-standalone-only LocalDS_1 -host-names 127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8 -vc-version 7.0.3 -esxi-version 6.7.0,DC0_C0_H1=7.0.3 -host-memory-gib 4 -pool-reservation-mib 6144 -pool-expandable=false"
  [perf]="-datastore 2 -datastore-standalone-only LocalDS_1 -datastore-latency-ms LocalDS_0=15,DC0_C0_H1/LocalDS_0=25"
  [perf-off]="-perf-stats=false"
  [events]="-bad-logins 127.0.0.30=2,arc@vsphere.local@127.0.0.31=1"
  [tags]=""
  [filter-view]="-filter-view -users @USERS@"
)
ORDER=(guest ha ha-off placement perf perf-off events tags filter-view)
export VCSIM_VIEWER_PASSWORD=${VCSIM_VIEWER_PASSWORD:-viewer-$$}
[ $# -gt 0 ] && ORDER=("$@")

for f in "${ORDER[@]}"; do
  [ -n "${FLAGS[$f]+x}" ] || { echo "unknown feature $f (have: ${!FLAGS[*]})" >&2; exit 2; }
  dir=$(mktemp -d "${TMPDIR:-/tmp}/vcsim-feature-$f.XXXXXX")
  printf '{"users":[{"name":"viewer@vsphere.local","password_env":"VCSIM_VIEWER_PASSWORD","groups":[]}]}\n' >"$dir.users.json"
  flags=${FLAGS[$f]//@USERS@/$dir.users.json}
  # shellcheck disable=SC2086
  "$bin" -state-dir "$dir" $flags >"$dir.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do [ -f "$dir/state.json" ] && break; kill -0 $pid 2>/dev/null || break; sleep 0.05; done
  if [ ! -f "$dir/state.json" ]; then cat "$dir.log" >&2; kill $pid 2>/dev/null; exit 1; fi
  rc=0
  python3 "$here/features_smoke.py" "$dir/state.json" "$f" || rc=$?
  kill $pid; wait $pid 2>/dev/null || true
  rm -rf "$dir" "$dir.log" "$dir.users.json"
  [ $rc -eq 0 ] || { echo "feature $f FAILED" >&2; exit $rc; }
done
echo "features_smoke.sh: all passed (${ORDER[*]})"
