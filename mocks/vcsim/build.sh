#!/usr/bin/env bash
# Build the vcsim-arc simulator into OUTDIR/vcsim-arc (only when a mocks/vcsim/*.go
# is newer than the binary, or it is missing) and print the binary's absolute
# path as the only stdout line. Build chatter goes to stderr.
# Safe to run concurrently: builds under flock(OUTDIR/.lock) into a temp file
# that is renamed into place atomically.
#
# usage: mocks/vcsim/build.sh OUTDIR
set -euo pipefail

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

src="${BASH_SOURCE[0]}"
if [[ $src == */* ]]; then src_dir=${src%/*}; else src_dir=.; fi
src_dir=$(cd "$src_dir" && pwd)
gopath=/usr/share/gocode
if ! command -v go >/dev/null 2>&1 || [ ! -d "$gopath/src/github.com/vmware/govmomi/simulator" ]; then
  echo "vcsim-arc: Go or the govmomi source is missing: run apt-get install golang-go golang-github-vmware-govmomi-dev" >&2
  exit 3
fi

mkdir -p "$1"
out_dir=$(cd "$1" && pwd)
bin="$out_dir/vcsim-arc"

exec 9>"$out_dir/.lock"
flock 9

stale() {
  [ ! -x "$bin" ] && return 0
  [ -n "$(find "$src_dir" -maxdepth 1 -name '*.go' -newer "$bin" -print -quit)" ]
}

if stale; then
  echo "vcsim-arc: building $bin" >&2
  tmp=$(mktemp "$out_dir/.vcsim-arc.XXXXXX")
  trap 'rm -f "$tmp"' EXIT
  # GOPATH mode: Debian ships govmomi as GOPATH source, not as a module.
  # CGO off: no C toolchain needed.
  (cd "$src_dir" && GO111MODULE=off GOPATH="$gopath" GOCACHE="$out_dir/gocache" \
    GOFLAGS= CGO_ENABLED=0 go build -o "$tmp" . ) >&2
  chmod 755 "$tmp"
  mv -f "$tmp" "$bin"
  trap - EXIT
fi

echo "$bin"
