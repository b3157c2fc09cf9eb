#!/usr/bin/env bash
# make bench (membership part): peer-death detection latency of Palisade's membership and of real
# Heartbeat 3.0.6, side by side in one run at the same timers (ucast over a veth pair + a socat pty
# serial link, in network namespaces this script creates and deletes), then Palisade's heartbeat jitter
# with both cores saturated by a CPU hog. Appends a dated section to bench/RESULTS.md.
#   RUNS=10 HOG_SECONDS=600 bash bench/membership-bench.sh
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
RUNS=${RUNS:-10}
HOG_SECONDS=${HOG_SECONDS:-600}
W=$(mktemp -d /tmp/palisade-hbbench.XXXXXX)
NSA=pbA-$$; NSB=pbB-$$
STARTED=()
cleanup() {
    for ns in $NSA $NSB; do p=$(ip netns pids $ns 2>/dev/null); [ -n "$p" ] && kill -9 $p 2>/dev/null; done
    for p in "${STARTED[@]}"; do kill "$p" 2>/dev/null; done
    sleep 0.3; ip netns del $NSA 2>/dev/null; ip netns del $NSB 2>/dev/null; rm -rf "$W"
}
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 111; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
wait_line() { # file pattern timeout_s -> prints ms when seen
    local end=$(( $(now_ms) + $3 * 1000 ))
    until grep -q "$2" "$1" 2>/dev/null; do [ "$(now_ms)" -gt $end ] && return 1; sleep 0.005; done
    now_ms
}
stats() { sort -n | awk '{a[NR]=$1; s+=$1} END{ if (NR==0) {print "n=0"; exit} printf "n=%d median=%d min=%d max=%d ms", NR, (NR%2? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[1], a[NR] }'; }

ip netns add $NSA; ip netns add $NSB
ip link add pbv0 netns $NSA type veth peer name pbv0 netns $NSB
for ns in $NSA $NSB; do ip -n $ns link set lo up; done
ip -n $NSA addr add 10.98.0.1/24 dev pbv0; ip -n $NSB addr add 10.98.0.2/24 dev pbv0
ip -n $NSA link set pbv0 up; ip -n $NSB link set pbv0 up
socat pty,raw,echo=0,link="$W/ttyA" pty,raw,echo=0,link="$W/ttyB" 2>/dev/null & STARTED+=($!); disown $!
sleep 0.5
head -c 64 /dev/urandom > "$W/cluster.key"; chmod 600 "$W/cluster.key"

ours_conf() { # node peer tty peerip ka dt
    cat > "$W/$1.conf" <<CONF
supervisor { node = "$1"; peer = "$2"; keepalive = "$5"; deadtime = "$6"; initdead = "5s"; state_dir = "$W/state-$1"; }
auth { key_file = "$W/cluster.key"; }
links { serial { device = "$3"; baud = "19200"; } udp { interface = "pbv0"; peer = "$4"; port = "694"; } }
CONF
}
start_ours() { # ns node log
    ip netns exec $1 "$top/bin/palisade" membership -f "$W/$2.conf" >"$3" 2>&1 &
    echo $!
}
ours_trials() { # ka dt -> prints detection ms per trial
    ours_conf pf1 pf2 "$W/ttyA" 10.98.0.2 "$1" "$2"; ours_conf pf2 pf1 "$W/ttyB" 10.98.0.1 "$1" "$2"
    local b a t0 t1 i
    b=$(start_ours $NSB pf2 "$W/b.log")
    for i in $(seq 1 "$RUNS"); do
        : > "$W/b.log.mark"
        a=$(start_ours $NSA pf1 "$W/a.log")
        wait_line "$W/a.log" "peer pf2 alive" 30 >/dev/null || { echo "pf1 never saw pf2" >&2; cat "$W/a.log" >&2; return 1; }
        sleep 1.$((RANDOM % 10))
        cp "$W/b.log" "$W/b.before"
        t0=$(now_ms); kill -9 "$a"
        t1=$(tail -c +$(( $(stat -c %s "$W/b.before") + 1 )) -F "$W/b.log" 2>/dev/null | grep -m1 "peer pf1 dead" >/dev/null; now_ms)
        echo $(( t1 - t0 ))
        wait "$a" 2>/dev/null
    done
    kill "$b"; wait "$b" 2>/dev/null
}

hb_prepare() { # ka dt(seconds) ; private /etc/ha.d per node
    for N in A B; do
        D=$W/hb$N; rm -rf "$D"; mkdir -p "$D/lib" "$D/log"
        cp -a /etc/ha.d "$D/etc"; cp -a /var/lib/heartbeat/. "$D/lib/"
        cat > "$D/etc/ha.cf" <<CF
logfile $D/log/ha.log
logfacility none
use_logd no
udpport 694
keepalive $1
deadtime $2
warntime $3
initdead 10
baud 19200
serial $W/tty$N
ucast pbv0 10.98.0.1
ucast pbv0 10.98.0.2
auto_failback off
realtime off
node nodea
node nodeb
CF
        : > "$D/etc/haresources"
        printf 'auth 2\n2 sha1 %s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$D/etc/authkeys"
        chmod 600 "$D/etc/authkeys"
    done
    cp "$W/hbA/etc/authkeys" "$W/hbB/etc/authkeys"
}
hb_start() { # A|B
    local N=$1 D=$W/hb$1 n; n=$(echo "node$1" | tr A-Z a-z)
    ip netns exec pb$N-$$ unshare --uts --mount --propagation private bash -c "
        hostname $n
        mount -t tmpfs tmpfs /run
        mkdir -p /run/heartbeat/ccm /run/heartbeat/crm /run/heartbeat/dopd /run/lock /run/crm
        chown -R hacluster:haclient /run/heartbeat /run/crm; chmod 1777 /run/lock
        mount --bind $D/etc /etc/ha.d
        mount --bind $D/lib /var/lib/heartbeat
        /usr/libexec/heartbeat/heartbeat
        exec sleep 100000" >>"$D/log/start.out" 2>&1 &
    STARTED+=($!); disown $!
}
hb_pids() { for p in $(ip netns pids "$1"); do [ "$(cat /proc/$p/comm 2>/dev/null)" = heartbeat ] && echo $p; done; }
hb_trials() { # ka dt warn
    hb_prepare "$1" "$2" "$3"
    hb_start B
    local i t0 t1 size
    for i in $(seq 1 "$RUNS"); do
        hb_start A
        wait_line "$W/hbB/log/ha.log" "Status update for node nodea: status active" 60 >/dev/null \
            || wait_line "$W/hbB/log/ha.log" "node nodea: status" 60 >/dev/null || { echo "heartbeat pair did not form" >&2; tail "$W/hbB/log/ha.log" >&2; return 1; }
        sleep 6   # heartbeat advertises deadtime+2 s for 5 s after start
        sleep 0.$((RANDOM % 10))
        size=$(stat -c %s "$W/hbB/log/ha.log")
        t0=$(now_ms); kill -9 $(hb_pids $NSA)
        t1=$(tail -c +$((size + 1)) -F "$W/hbB/log/ha.log" 2>/dev/null | grep -m1 "nodea: is dead" >/dev/null; now_ms)
        echo $(( t1 - t0 ))
        for p in $(ip netns pids $NSA); do kill -9 $p 2>/dev/null; done
        sleep 1
    done
    for p in $(ip netns pids $NSB); do kill -9 $p 2>/dev/null; done
}

out=$W/out.md
{
echo "| timers (keepalive / deadtime) | Palisade detection | Heartbeat 3.0.6 detection |"
echo "|---|---|---|"
} > "$out"
for setting in "100ms 500ms 0.1 0.5 0.3" "200ms 1s 0.2 1 0.6"; do
    set -- $setting
    ours=$(ours_trials "$1" "$2" | stats)
    if command -v /usr/libexec/heartbeat/heartbeat >/dev/null 2>&1; then
        hbs=$(hb_trials "${3}" "${4}" "${5}" | stats)
    else
        hbs="heartbeat not installed"
    fi
    echo "| $1 / $2 | $ours | $hbs |" >> "$out"
    echo "$1/$2: palisade $ours; heartbeat $hbs" >&2
done

# jitter with both cores saturated (keepalive 100 ms, deadtime 500 ms)
ours_conf pf1 pf2 "$W/ttyA" 10.98.0.2 100ms 500ms; ours_conf pf2 pf1 "$W/ttyB" 10.98.0.1 100ms 500ms
a=$(start_ours $NSA pf1 "$W/ja.log"); b=$(start_ours $NSB pf2 "$W/jb.log")
wait_line "$W/jb.log" "peer pf1 alive" 30 >/dev/null
hogs=(); for c in $(seq 1 "$(nproc)"); do timeout "$HOG_SECONDS" sh -c 'while :; do :; done' & hogs+=($!); done
wait "${hogs[@]}" 2>/dev/null
sleep 61   # the next periodic gap report covers the whole hog
deaths=$(grep -c "dead:" "$W/ja.log" "$W/jb.log" | awk -F: '{s+=$2} END{print s}')
gaps=$(grep "frame gaps on" "$W/jb.log" | tail -2 | sed 's/.*frame gaps on //')
kill "$a" "$b"; wait "$a" "$b" 2>/dev/null
{
    echo
    echo "Jitter with $(nproc) CPU hogs for ${HOG_SECONDS} s (keepalive 100 ms, deadtime 500 ms): false deaths: ${deaths};"
    echo "frame inter-arrival at pf2:"
    echo "$gaps" | sed 's/^/- /'
} >> "$out"

{
    echo
    echo "## Membership: detection latency vs Heartbeat, and jitter under load — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores, $(uname -sr). Command: \`make bench\` (bench/membership-bench.sh, RUNS=$RUNS HOG_SECONDS=$HOG_SECONDS)."
    echo "Detection = kill -9 of the other node to the 'dead' line appearing in the survivor's log (polled every 5 ms);"
    echo "both nodes linked by ucast over a veth pair and a socat pty serial cable."
    echo
    cat "$out"
} | tee -a "$top/bench/RESULTS.md"
