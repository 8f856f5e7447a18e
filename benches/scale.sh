#!/usr/bin/env bash
# vaudit at scale: the bundled simulator with ~10,000 VMs, 300 VM folders,
# 202 resource pools and 20 templates (its files on tmpfs), then, in one run:
#
#   1. `vaudit folders|pools|templates|check --skip privileges`: wall time
#      (median of $RUNS), peak RSS (/usr/bin/time -v), SOAP round trips
#      (`calls=N` from `-v`) and bytes read (the sum of `bytes=N` over the
#      SOAP answers `-v` logs; RetrievePropertiesEx answers in brackets). Beside
#      them, `vaudit folders --save`: a saved snapshot reads the whole
#      inventory, as every command did before each read only what its
#      checks declare (issue 18, 1b), so "before" and "after" come from the
#      same run;
#   2. the wire's limit: the very SOAP (and REST) requests each command sent,
#      captured from `-vv`, replayed with curl. Its time is what the server and
#      the link cost with no client work: the sum of curl's per-request
#      time_total, less each request's TCP+TLS set-up but the first (vaudit
#      keeps one connection);
#      Beside them, govc's request for templates (govc cannot be installed
#      from Debian, which ships govmomi's library without govc): the one
#      RetrievePropertiesEx `govc find / -type m -config.template true`
#      sends (VirtualMachine name + config.template over a ContainerView,
#      no maxObjects), with its login, view and logout, replayed the same way;
#   3. the peer: benches/pyvmomi_inventory.py (pyVmomi from PyPI in a venv
#      under target/), the same ContainerView + RetrievePropertiesEx collection
#      as vaudit's whole-inventory read (`folders --save`).
#
# With BASELINE=/path/to/an/older/vaudit, part 1 also runs that binary's
# folders, pools, templates and check against the same simulator, so
# "before" and "after" come from one run.
#
# Prints a table and the ratios vaudit/wire, vaudit/before and pyVmomi/vaudit.
#
# The size is the first argument (VMs, templates included): the clusters
# are as many as 5,000 VMs each need, with CLUSTER_HOSTS hosts each. The
# simulator caps pages as a real vCenter does (PAGE_DEFAULT objects when a
# request sets no maxObjects; at most PAGE_MAX whatever it asks, 0: no cap);
# the table names the cap beside the round trips.
#
#   bash benches/scale.sh                        # ~10,000 VMs, 3 runs each
#   RUNS=5 bash benches/scale.sh 5000            # 5,000 VMs
#   RUNS=1 PEER=0 bash benches/scale.sh 45000    # vCenter 8's maximum
#   PAGE_MAX=1000 bash benches/scale.sh 10000    # a server that caps pages
#   PEER=0 WIRE=0 bash benches/scale.sh          # vaudit's own figures only
#   BASELINE=target/baseline/vaudit-7a3b626 bash benches/scale.sh
#
# Needs: cargo, Go + govmomi source (mocks/vcsim/build.sh), curl, python3 with
# venv, and /usr/bin/time (installed with apt-get when missing, as root).
# Everything talks to 127.0.0.1; the simulator is stopped on any exit.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-3}
WIRE=${WIRE:-1}
PEER=${PEER:-1}
BASELINE=${BASELINE:-}
# VMs = clusters x VM_PER_CLUSTER + templates (no standalone host).
VMS=${1:-10000}
[[ $VMS =~ ^[0-9]+$ ]] && ((VMS >= 100)) || { echo "scale.sh: the size is a number of VMs, 100 or more" >&2; exit 2; }
TEMPLATES=${TEMPLATES:-20}
CLUSTERS=${CLUSTERS:-$(((VMS + 4999) / 5000))}
VM_PER_CLUSTER=${VM_PER_CLUSTER:-$(((VMS - TEMPLATES) / CLUSTERS))}
CLUSTER_HOSTS=${CLUSTER_HOSTS:-2}
FOLDERS=${FOLDERS:-300}
POOLS_PER_CLUSTER=${POOLS_PER_CLUSTER:-100}
PAGE_DEFAULT=${PAGE_DEFAULT:-100}
PAGE_MAX=${PAGE_MAX:-0}
SIM_START_TIMEOUT=${SIM_START_TIMEOUT:-900}
CMD_TIMEOUT=${CMD_TIMEOUT:-600}
PASSWORD="scale-$$-$RANDOM"
USER_NAME=administrator@vsphere.local

die() { echo "scale.sh: $*" >&2; exit 2; }
log() { echo "scale.sh: $*" >&2; }

# --- prerequisites ------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
    log "installing GNU time (apt-get install time)"
    if [[ $(id -u) -eq 0 ]]; then SUDO=; else SUDO=sudo; fi
    $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq time >/dev/null \
        || die "cannot install GNU time; install package 'time'"
fi
command -v curl >/dev/null || die "curl is missing"
command -v python3 >/dev/null || die "python3 is missing"

# tmpfs for the simulator's datastore files and our scratch files.
SHM=/dev/shm
[[ -d $SHM && -w $SHM ]] || SHM=${TMPDIR:-/tmp}
WORK=$(mktemp -d "$SHM/vaudit-scale.XXXXXX")
SIM_PID=
cleanup() {
    local rc=$?
    if [[ -n $SIM_PID ]] && kill -0 "$SIM_PID" 2>/dev/null; then
        kill -TERM "$SIM_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$SIM_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cd "$ROOT"
log "building the simulator and vaudit (release)"
SIM_BIN=$(bash mocks/vcsim/build.sh "$ROOT/target/vcsim") || die "cannot build the simulator"
cargo build --release --quiet || die "cargo build --release failed"
VAUDIT=$ROOT/target/release/vaudit
if [[ -n $BASELINE ]]; then
    BASELINE=$(realpath "$BASELINE")
    [[ -x $BASELINE ]] || die "BASELINE=$BASELINE is not an executable"
fi

VENV=$ROOT/target/bench-venv
PYVMOMI_VERSION=-
if ((PEER)) && ! "$VENV/bin/python" -c 'import pyVmomi' 2>/dev/null; then
    log "installing pyVmomi into $VENV"
    python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
    "$VENV/bin/pip" install -q pyvmomi || die "pip install pyvmomi failed"
fi
((PEER)) && PYVMOMI_VERSION=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("pyvmomi"))')

# --- the simulator ------------------------------------------------------------
log "starting the simulator: $CLUSTERS clusters x $VM_PER_CLUSTER VMs, $((CLUSTERS * CLUSTER_HOSTS)) hosts, $FOLDERS folders, $((CLUSTERS * (POOLS_PER_CLUSTER + 1))) pools, $TEMPLATES templates, pages of $PAGE_DEFAULT objects by default and at most ${PAGE_MAX/#0/any number}"
started=$(date +%s)
VCSIM_PASSWORD=$PASSWORD TMPDIR=$WORK "$SIM_BIN" -state-dir "$WORK/sim" \
    -listen 127.0.0.1:0 -datacenter 1 -cluster "$CLUSTERS" -cluster-host "$CLUSTER_HOSTS" -standalone 0 \
    -pool "$POOLS_PER_CLUSTER" -vm "$VM_PER_CLUSTER" -folder "$FOLDERS" -template "$TEMPLATES" \
    -page-default "$PAGE_DEFAULT" -page-max "$PAGE_MAX" \
    >"$WORK/sim.log" 2>&1 &
SIM_PID=$!
until [[ -s $WORK/sim/state.json ]]; do
    kill -0 "$SIM_PID" 2>/dev/null || { tail -5 "$WORK/sim.log" >&2; die "the simulator exited"; }
    (($(date +%s) - started < SIM_START_TIMEOUT)) || die "the simulator was not up after ${SIM_START_TIMEOUT}s"
    sleep 1
done
read -r URL CA < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["url"], s["ca_file"])' "$WORK/sim/state.json")
case $URL in https://127.0.0.1:*) ;; *) die "unexpected simulator URL $URL" ;; esac
SIM_START=$(($(date +%s) - started))
log "simulator up in ${SIM_START}s at $URL"

export VAUDIT_URL=$URL VAUDIT_USERNAME=$USER_NAME VAUDIT_PASSWORD=$PASSWORD VAUDIT_CA_FILE=$CA
unset VAUDIT_INSECURE GOVC_URL GOVC_USERNAME GOVC_PASSWORD GOVC_INSECURE RUST_LOG

CONFIG=$ROOT/mocks/config/clean-appliance.yaml
declare -A ARGS=(
    [folders]="folders"
    [pools]="pools"
    [templates]="templates"
    # The sample config names private-range and internet addresses: the
    # network checks (which probe them) never run from a benchmark.
    [check]="check --skip privileges,dns,proxy,egress,ip-conflict,upload-path --config $CONFIG --url $URL"
    [whole]="folders --save $WORK/whole.json"
)
ORDER=(folders pools templates check)
# Measured in part 1 only: the whole inventory, what every command read
# before issue 18's 1b.
MEASURED=("${ORDER[@]}" whole)
# The same commands run by BASELINE ("before"), named old-NAME.
declare -A BIN=()
for name in "${MEASURED[@]}"; do BIN[$name]=$VAUDIT; done
if [[ -n $BASELINE ]]; then
    for name in "${ORDER[@]}"; do
        ARGS[old-$name]=${ARGS[$name]}
        BIN[old-$name]=$BASELINE
        MEASURED+=("old-$name")
    done
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR==0) print "nan"; else if (NR%2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# run_timed OUTPREFIX CMD...: one run under /usr/bin/time -v; stdout dropped.
# Exit 0 and 1 (findings) are a completed audit; anything else stops the bench.
run_timed() {
    local pre=$1; shift
    local t0 t1 rc=0
    t0=$(date +%s%N)
    timeout "$CMD_TIMEOUT" /usr/bin/time -v -o "$pre.time" "$@" >"$pre.out" 2>"$pre.err" || rc=$?
    t1=$(date +%s%N)
    if ((rc > 1)); then
        grep -v ' DEBUG \| TRACE ' "$pre.err" | tail -5 >&2
        grep -i '"reason"\|"message"' "$pre.out" | grep -v 'null' | head -5 >&2
        die "'$*' exited $rc"
    fi
    awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b - a) / 1e9}' >"$pre.wall"
    awk -F': ' '/Maximum resident set size/ {printf "%.1f\n", $2 / 1024}' "$pre.time" >"$pre.rss"
}

declare -A WALL RSS TRIPS WIRE WIRE_TRIPS BYTES INV_BYTES

# mb FILE [METHOD_REGEX]: the MB (10^6) of SOAP answers a `-v` trace logs.
mb() {
    sed 's/\x1b\[[0-9;]*m//g' "$1" | awk -v m="${2:-.}" '/SOAP answer/ && $0 ~ m {
        for (i = 1; i <= NF; i++) if ($i ~ /^bytes=/) { sub(/^bytes=/, "", $i); s += $i } }
        END { printf "%.2f\n", s / 1e6 }'
}

# --- 1. vaudit ------------------------------------------------------------------
# One untimed round first (the simulator's first answers warm its caches),
# then the commands take turns run by run, so a slow spell of this shared
# machine falls on all of them, not on whichever ran then.
for i in warm $(seq "$RUNS"); do
    for name in "${MEASURED[@]}"; do
        read -ra argv <<<"${ARGS[$name]}"
        run_timed "$WORK/$name.$i" "${BIN[$name]}" "${argv[@]}" -v
    done
    rm -f "$WORK"/*.warm.wall "$WORK"/*.warm.rss
done
for name in "${MEASURED[@]}"; do
    WALL[$name]=$(cat "$WORK/$name".*.wall | median)
    RSS[$name]=$(cat "$WORK/$name".*.rss | median)
    TRIPS[$name]=$(grep -ho 'calls=[0-9]*' "$WORK/$name.1.err" | tail -1 | cut -d= -f2)
    BYTES[$name]=$(mb "$WORK/$name.1.err")
    INV_BYTES[$name]=$(mb "$WORK/$name.1.err" 'RetrievePropertiesEx"')
    log "$name: ${WALL[$name]}s, ${RSS[$name]} MiB, ${TRIPS[$name]:-?} round trips, ${BYTES[$name]} MB read"
done

ORDER_WIRE=("${ORDER[@]}")

# --- 2. the wire: the same requests with curl ---------------------------------
H_SOAP='<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
T_SOAP='</soapenv:Body></soapenv:Envelope>'
BASE=${URL%/sdk}

# capture NAME: the ordered requests of one `-vv` run, one file each:
# NNN.soap (body, view and token made placeholders), NNN.login, NNN.rest.
capture() {
    local name=$1 dir=$WORK/replay.$name
    read -ra argv <<<"${ARGS[$name]}"
    mkdir -p "$dir"
    local rc=0
    timeout "$CMD_TIMEOUT" "$VAUDIT" "${argv[@]}" -vv >/dev/null 2>"$dir/trace" || rc=$?
    ((rc <= 1)) || die "capture of $name exited $rc"
    python3 - "$dir" <<'PY'
import re, sys
d = sys.argv[1]
n = 0
for line in open(f"{d}/trace", encoding="utf-8", errors="replace"):
    line = re.sub(r"\x1b\[[0-9;]*m", "", line).rstrip("\n")
    if "SOAP request" in line and "body withheld" in line and 'method="Login"' in line:
        kind, text = "login", ""
    elif "SOAP request" in line and " body=" in line:
        kind, text = "soap", line.split(" body=", 1)[1]
        # The view and the result token belong to the captured session.
        text = re.sub(r'(<(?:obj|_this) type="ContainerView">)[^<]*(<)', r"\1@VIEW@\2", text)
        text = re.sub(r"<token>[^<]*</token>", "<token>@TOKEN@</token>", text)
    elif "REST answer" in line:
        m = re.search(r'path="?([^" ]+)"?', line)
        kind, text = "rest", m.group(1)
    else:
        continue
    n += 1
    with open(f"{d}/{n:03d}.{kind}", "w", encoding="utf-8") as f:
        f.write(text)
PY
    ls "$dir"/*.soap >/dev/null 2>&1 || die "no SOAP request bodies in the -vv trace of $name"
}

# replay NAME: sends the captured requests in order with curl, one process
# each, with a cookie jar. Prints the wire seconds and the SOAP call count.
replay() {
    local name=$1 dir=$WORK/replay.$name
    local jar=$dir/jar view="" token="" session="" rest_seen=0 trips=0
    local -a timing=()
    rm -f "$jar" "$dir/times"
    local curl_common=(-sS --cacert "$CA" --max-time "$CMD_TIMEOUT" -b "$jar" -c "$jar"
        -w '%{time_appconnect} %{time_total} %{http_code} %{size_download}\n' -o "$dir/resp")
    for f in "$dir"/[0-9]*.*; do
        case $f in
        *.soap)
            # On stdin: a QueryPerf for 2,500 hosts is longer than one
            # argument may be.
            local body
            body=$(<"$f")
            body=${body//@VIEW@/$view}
            body=${body//@TOKEN@/$token}
            curl "${curl_common[@]}" -H 'Content-Type: text/xml; charset=utf-8' \
                -H 'SOAPAction: urn:vim25/6.7' --data-binary @- "$URL" >>"$dir/times" <<<"$body"
            trips=$((trips + 1))
            ;;
        *.login)
            curl "${curl_common[@]}" -H 'Content-Type: text/xml; charset=utf-8' \
                -H 'SOAPAction: urn:vim25/6.7' --data-binary @- "$URL" >>"$dir/times" <<EOF
$H_SOAP<Login xmlns="urn:vim25"><_this type="SessionManager">SessionManager</_this><userName>$USER_NAME</userName><password>$PASSWORD</password></Login>$T_SOAP
EOF
            trips=$((trips + 1))
            ;;
        *.rest)
            local path
            path=$(<"$f")
            if [[ $path == */session ]]; then
                if [[ -z $session ]]; then
                    curl "${curl_common[@]}" -X POST -u "$USER_NAME:$PASSWORD" "$BASE$path" >>"$dir/times"
                    session=$(python3 -c 'import json,sys
try: v=json.load(open(sys.argv[1]))
except Exception: v=None
print(v.get("value","") if isinstance(v,dict) else (v or ""))' "$dir/resp")
                else
                    curl "${curl_common[@]}" -X DELETE -H "vmware-api-session-id: $session" "$BASE$path" >>"$dir/times"
                fi
            else
                curl "${curl_common[@]}" -H "vmware-api-session-id: $session" "$BASE$path" >>"$dir/times"
            fi
            rest_seen=$((rest_seen + 1))
            trips=$((trips + 1))
            ;;
        esac
        if grep -q '<CreateContainerViewResponse' "$dir/resp" 2>/dev/null; then
            view=$(sed -n 's/.*<returnval type="ContainerView">\([^<]*\)<.*/\1/p' "$dir/resp")
        fi
        if grep -q '<token>' "$dir/resp" 2>/dev/null; then
            token=$(sed -n 's/.*<token>\([^<]*\)<\/token>.*/\1/p' "$dir/resp")
            # govc follows the token the server's page cap hands out (the
            # captured runs list their continuations themselves).
            while [[ -e $dir/follow && -n $token ]]; do
                curl "${curl_common[@]}" -H 'Content-Type: text/xml; charset=utf-8' \
                    -H 'SOAPAction: urn:vim25/6.7' --data-binary \
                    "$H_SOAP<ContinueRetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><token>$token</token></ContinueRetrievePropertiesEx>$T_SOAP" \
                    "$URL" >>"$dir/times"
                trips=$((trips + 1))
                token=$(sed -n 's/.*<token>\([^<]*\)<\/token>.*/\1/p' "$dir/resp")
            done
        fi
    done
    # One TCP+TLS set-up, as on a kept-alive connection.
    awk -v trips="$trips" 'NR == 1 {first = $1} {sum += $2 - $1; bytes += $4}
        END {printf "%.3f %d %.2f\n", sum + first, trips, bytes / 1e6}' "$dir/times"
}

# govc: what `govc find / -type m -config.template true` sends, written as
# a captured run (the managed object ids are the fixed ones of vCenter's
# ServiceContent): ServiceContent, Login, a view of every VM, the one
# RetrievePropertiesEx of name and config.template, DestroyView, Logout.
govc_templates() {
    local dir=$WORK/replay.govc
    mkdir -p "$dir"
    : >"$dir/follow"
    printf '%s' "$H_SOAP<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this></RetrieveServiceContent>$T_SOAP" >"$dir/001.soap"
    : >"$dir/002.login"
    printf '%s' "$H_SOAP<CreateContainerView xmlns=\"urn:vim25\"><_this type=\"ViewManager\">ViewManager</_this><container type=\"Folder\">group-d1</container><type>VirtualMachine</type><recursive>true</recursive></CreateContainerView>$T_SOAP" >"$dir/003.soap"
    printf '%s' "$H_SOAP<RetrievePropertiesEx xmlns=\"urn:vim25\"><_this type=\"PropertyCollector\">propertyCollector</_this><specSet><propSet><type>VirtualMachine</type><pathSet>name</pathSet><pathSet>config.template</pathSet></propSet><objectSet><obj type=\"ContainerView\">@VIEW@</obj><skip>true</skip><selectSet xsi:type=\"TraversalSpec\"><name>traverseEntities</name><type>ContainerView</type><path>view</path><skip>false</skip></selectSet></objectSet></specSet><options></options></RetrievePropertiesEx>$T_SOAP" >"$dir/004.soap"
    printf '%s' "$H_SOAP<DestroyView xmlns=\"urn:vim25\"><_this type=\"ContainerView\">@VIEW@</_this></DestroyView>$T_SOAP" >"$dir/005.soap"
    printf '%s' "$H_SOAP<Logout xmlns=\"urn:vim25\"><_this type=\"SessionManager\">SessionManager</_this></Logout>$T_SOAP" >"$dir/006.soap"
}

declare -A WIRE_MB
((WIRE)) || ORDER_WIRE=()
((WIRE)) && ORDER_WIRE+=(govc)
for name in "${ORDER_WIRE[@]}"; do
    if [[ $name == govc ]]; then govc_templates; else capture "$name"; fi
done
# Taking turns, as in part 1.
for i in $(seq "$RUNS"); do
    for name in "${ORDER_WIRE[@]}"; do
        replay "$name" >"$WORK/wire.$name.$i"
    done
done
for name in "${ORDER_WIRE[@]}"; do
    WIRE[$name]=$(cat "$WORK/wire.$name".* | awk '{print $1}' | median)
    read -r _ trips mb <"$WORK/wire.$name.1"
    WIRE_TRIPS[$name]=$trips
    WIRE_MB[$name]=$mb
    if [[ $name == govc ]] && awk '$3 != 200 {bad = 1} END {exit !bad}' "$WORK/replay.govc/times"; then
        die "the govc replay had an answer other than 200: $(cat "$WORK/replay.govc/times")"
    fi
    log "$name wire: ${WIRE[$name]}s in $trips requests, $mb MB read"
done

# --- 3. the peer: pyVmomi ------------------------------------------------------
PY_WALL=() PY_RSS=() PY_W=nan PY_R=- PY_T=- PY_OBJ=?
for i in $(seq $((PEER ? RUNS : 0))); do
    pre=$WORK/pyvmomi.$i
    t0=$(date +%s%N)
    timeout "$CMD_TIMEOUT" /usr/bin/time -v -o "$pre.time" "$VENV/bin/python" \
        "$ROOT/benches/pyvmomi_inventory.py" --url "$URL" --ca-file "$CA" \
        --username "$USER_NAME" --page-size 1000 >"$pre.out" 2>"$pre.err" \
        || { tail -5 "$pre.err" >&2; die "the pyVmomi script failed"; }
    t1=$(date +%s%N)
    PY_WALL+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", (b - a) / 1e9}')")
    PY_RSS+=("$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$pre.time")")
done
if ((PEER)); then
    PY_W=$(printf '%s\n' "${PY_WALL[@]}" | median)
    PY_R=$(printf '%s\n' "${PY_RSS[@]}" | median)
    PY_T=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["soap_calls"])' "$WORK/pyvmomi.1.out")
    PY_OBJ=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"])' "$WORK/pyvmomi.1.out")
fi

# --- the table ------------------------------------------------------------------
VMS=$((CLUSTERS * VM_PER_CLUSTER + TEMPLATES))
echo
echo "vaudit at scale: $VMS VMs, $((CLUSTERS * CLUSTER_HOSTS)) hosts, $PY_OBJ inventory objects (pyVmomi's count), median of $RUNS runs, $(nproc) CPUs, $(date -u +%F) on $(uname -m) $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "simulator: up in ${SIM_START}s; page cap: $PAGE_DEFAULT objects without maxObjects, at most ${PAGE_MAX/#0/what is asked} with it"
printf '%-38s %9s %10s %12s %16s %11s\n' "command" "wall s" "RSS MiB" "round trips" "MB read (props)" "vs wire"
for name in "${MEASURED[@]}"; do
    label="vaudit ${ARGS[$name]%% --config*}"
    [[ $name == whole ]] && label="whole inventory (folders --save)"
    [[ $name == old-* ]] && label="before: ${ARGS[$name]%% --config*}"
    label=${label/ --skip privileges,dns,proxy,egress,ip-conflict,upload-path/ (no net)}
    ratio=-
    [[ -n ${WIRE[$name]:-} ]] && ratio=$(awk -v a="${WALL[$name]}" -v b="${WIRE[$name]}" 'BEGIN {printf "%.2fx", a / b}')
    printf '%-38s %9s %10s %12s %16s %11s\n' "$label" "${WALL[$name]}" \
        "${RSS[$name]}" "${TRIPS[$name]:-?}" "${BYTES[$name]} (${INV_BYTES[$name]})" "$ratio"
done
for name in "${ORDER_WIRE[@]}"; do
    label="curl replay of $name"
    [[ $name == govc ]] && label="curl replay of govc find -type m"
    printf '%-38s %9s %10s %12s %16s\n' "$label" "${WIRE[$name]}" "-" "${WIRE_TRIPS[$name]}" "${WIRE_MB[$name]}"
done
if ((PEER)); then
    printf '%-38s %9s %10s %12s\n' "pyVmomi $PYVMOMI_VERSION inventory" "$PY_W" "$PY_R" "$PY_T"
    echo
    awk -v p="$PY_W" -v f="${WALL[folders]}" -v c="${WALL[check]}" 'BEGIN {
        printf "pyVmomi / vaudit folders: %.2fx   pyVmomi / vaudit check: %.2fx\n", p / f, p / c }'
fi
if [[ -n ${WIRE[govc]:-} ]]; then
    awk -v t="${WALL[templates]}" -v g="${WIRE[govc]}" -v tb="${BYTES[templates]}" -v gb="${WIRE_MB[govc]}" 'BEGIN {
        printf "vaudit templates / govc find replay: time %.2fx, bytes %.2fx\n", t / g, tb / gb }'
fi
if [[ -n $BASELINE ]]; then
    for name in "${ORDER[@]}"; do
        awk -v n="$name" -v a="${WALL[$name]}" -v b="${WALL[old-$name]}" -v ab="${BYTES[$name]}" -v bb="${BYTES[old-$name]}" 'BEGIN {
            printf "%-10s after/before: time %.2fx, bytes %.2fx (%s -> %s MB)\n", n, a / b, ab / bb, bb, ab }'
    done
fi
if ((PEER)); then
    awk -v p="$PY_W" -v w="${WALL[whole]}" 'BEGIN { printf "pyVmomi / vaudit whole inventory: %.2fx\n", p / w }'
fi
awk -v w="${WALL[whole]}" -v f="${WALL[folders]}" -v p="${WALL[pools]}" -v t="${WALL[templates]}" 'BEGIN {
    printf "time vs the whole inventory: folders %.2fx, pools %.2fx, templates %.2fx\n", f / w, p / w, t / w }'
echo "targets: vaudit/wire <= 1.25x, pyVmomi/vaudit >= 3x, peak RSS < 64 MiB, folders and pools < 1.5 MB read"
