#!/usr/bin/env bash
# make soak (false deaths): a healthy peer shot because its heartbeat missed a slot is the worst failure there
# is. Two `palisade membership` processes (keepalive 100 ms, deadtime 500 ms, a UDP link over a veth pair and a
# socat pty serial cable, in network namespaces this script creates and deletes) run for SOAK_SECONDS while every
# core is saturated by busy loops and neighbouring processes churn memory (each allocates and touches 256 MiB,
# frees it, again). Counts "peer dead" events (each is false: nobody died) and reports the worst gap between
# frames on each link, and what real-time scheduling and locked memory the processes were granted. Appends to
# bench/RESULTS.md; exits 1 on any false death.
#   SOAK_SECONDS=600 CHURNERS=2 bash bench/false-death-soak.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
SOAK_SECONDS=${SOAK_SECONDS:-600}
CHURNERS=${CHURNERS:-2}
W=$(mktemp -d /tmp/palisade-falsedeath.XXXXXX)
NSA=pfdA-$$; NSB=pfdB-$$
STARTED=()
cleanup() {
    for p in "${STARTED[@]}"; do kill -9 "$p" 2>/dev/null; done
    for ns in $NSA $NSB; do p=$(ip netns pids $ns 2>/dev/null); [ -n "$p" ] && kill -9 $p 2>/dev/null; done
    sleep 0.3; ip netns del $NSA 2>/dev/null; ip netns del $NSB 2>/dev/null; rm -rf "$W"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 111; }
ip netns add $NSA; ip netns add $NSB
ip link add pfd0 netns $NSA type veth peer name pfd0 netns $NSB
for ns in $NSA $NSB; do ip -n $ns link set lo up; done
ip -n $NSA addr add 10.96.0.1/24 dev pfd0; ip -n $NSB addr add 10.96.0.2/24 dev pfd0
ip -n $NSA link set pfd0 up; ip -n $NSB link set pfd0 up
socat pty,raw,echo=0,link="$W/ttyA" pty,raw,echo=0,link="$W/ttyB" 2>/dev/null & STARTED+=($!)
sleep 0.5
head -c 64 /dev/urandom > "$W/cluster.key"; chmod 600 "$W/cluster.key"
conf() { # node peer tty peerip
    cat > "$W/$1.conf" <<CONF
supervisor { node = "$1"; peer = "$2"; keepalive = "100ms"; deadtime = "500ms"; initdead = "5s"; state_dir = "$W/state-$1"; }
auth { key_file = "$W/cluster.key"; }
links { serial { device = "$3"; baud = "115200"; } udp { interface = "pfd0"; peer = "$4"; port = "694"; } }
CONF
    chmod 600 "$W/$1.conf"
}
conf pf1 pf2 "$W/ttyA" 10.96.0.2; conf pf2 pf1 "$W/ttyB" 10.96.0.1
ip netns exec $NSA "$top/bin/palisade" membership -f "$W/pf1.conf" > "$W/a.log" 2>&1 & STARTED+=($!)
ip netns exec $NSB "$top/bin/palisade" membership -f "$W/pf2.conf" > "$W/b.log" 2>&1 & STARTED+=($!)
for i in $(seq 1 300); do grep -q "peer pf1 alive" "$W/b.log" && grep -q "peer pf2 alive" "$W/a.log" && break; sleep 0.1; done
grep -q "peer pf1 alive" "$W/b.log" || { echo "the pair did not form" >&2; cat "$W/a.log" "$W/b.log" >&2; exit 1; }
start=$(date -u '+%Y-%m-%d %H:%M UTC')
for c in $(seq 1 "$(nproc)"); do timeout "$SOAK_SECONDS" sh -c 'while :; do :; done' & STARTED+=($!); done
for c in $(seq 1 "$CHURNERS"); do
    timeout "$SOAK_SECONDS" python3 -c '
import time
while True:
    b = bytearray(256 * 1024 * 1024)
    for i in range(0, len(b), 4096):
        b[i] = 1
    del b
    time.sleep(0.05)
' & STARTED+=($!)
done
echo "false-death soak: $(nproc) busy loops and $CHURNERS memory churners for $SOAK_SECONDS s" >&2
sleep "$SOAK_SECONDS"
sleep 2
for p in "${STARTED[@]:1:2}"; do kill "$p" 2>/dev/null; done   # the two membership processes: orderly, gap summaries
sleep 2
deaths=$(cat "$W/a.log" "$W/b.log" | grep -c "peer pf[12] dead")
stalls=$(cat "$W/a.log" "$W/b.log" | grep -c "membership: stalled")
stalled=$(cat "$W/a.log" "$W/b.log" | grep -o "not scheduled for [0-9]* ms" | sed 's/not scheduled for //' | tr '\n' ' ')
worst=$(cat "$W/a.log" "$W/b.log" | grep "frame gaps on" | sed 's/.*max=\([0-9.]*\) ms.*/\1/' | sort -g | tail -1)
rt=$(grep -ho "heartbeat sender on .*" "$W/a.log" | head -1)
{
    echo
    echo "## False deaths under load — $start"
    echo
    echo "$(machine_line)"
    echo "Command: \`make soak\` (bench/false-death-soak.sh, SOAK_SECONDS=$SOAK_SECONDS CHURNERS=$CHURNERS). Two"
    echo "\`palisade membership\` processes, keepalive 100 ms, deadtime 500 ms, UDP over a veth pair + a socat pty"
    echo "serial cable; $(nproc) busy loops saturate every core and $CHURNERS processes allocate, touch and free"
    echo "256 MiB in a loop for the whole run. The heartbeat threads ran on: ${rt:-unknown}."
    echo
    echo "- false \"peer dead\" events: **$deaths**"
    echo "- stalls detected (the heartbeat thread not scheduled for >= 250 ms; no death declared on those ticks): $stalls ${stalled:+($stalled)}"
    echo "- worst gap between frames on any link: **${worst:-?} ms** (deadtime 500 ms)"
    echo "- frame gaps per link over the whole run (each node's view of the other's frames):"
    for f in a b; do grep "frame gaps on" "$W/$f.log" | tail -2 | sed "s/.*frame gaps on /  - at pf$([ $f = a ] && echo 1 || echo 2): /"; done
} | tee -a "$top/bench/RESULTS.md"
[ "$deaths" = 0 ]
