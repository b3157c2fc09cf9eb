#!/usr/bin/env bash
# make bench (pair part): unplanned failover and planned switchover of the appliance pair, broken down step by
# step, with MariaDB rows written through the VIP the whole time (the lab of the end-to-end test: two
# supervisors in network namespaces, ipmi_sim power, socat serial + UDP heartbeat links, an ext4 image).
# Appends to bench/RESULTS.md.
# The anchor is real Heartbeat 3.0.6 on the same lab (haresources: Filesystem, the stock OCF mysql agent, IPaddr2;
# STONITH by cluster-glue's external/ipmi), at the same timers.
#   TRIALS=10 PRIORITY_DELAY=300ms HB_TRIALS=5 bash bench/pair-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-10}
PRIORITY_DELAY=${PRIORITY_DELAY:-300ms}
HB_TRIALS=${HB_TRIALS:-5}
[ "$(id -u)" = 0 ] || { echo "bench: needs root for network namespaces and loop devices" >&2; exit 111; }
W=$(mktemp -d /tmp/palisade-pairbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$(bench_classpath)
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.PairBench "$TRIALS" \
    "$PRIORITY_DELAY" > "$W/table.md" 2> "$W/err.log" || { tail -40 "$W/err.log" >&2; exit 1; }
if [ -x /usr/libexec/heartbeat/heartbeat ]; then
    java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.HeartbeatPairBench \
        "$HB_TRIALS" 0.1 0.5 > "$W/hb.md" 2> "$W/hb-err.log" || { tail -40 "$W/hb-err.log" >&2; echo "heartbeat anchor failed" > "$W/hb.md"; }
else
    echo "heartbeat not installed: no anchor" > "$W/hb.md"
fi
{
    echo
    echo "## Pair: unplanned failover and switchover with MariaDB — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) MariaDB $(dpkg-query -W -f='${Version}' mariadb-server)."
    echo "Command: \`make bench\` (bench/pair-bench.sh, TRIALS=$TRIALS PRIORITY_DELAY=$PRIORITY_DELAY). keepalive 100 ms, deadtime"
    echo "500 ms, serial + UDP links; each node powered by its own ipmi_sim (power off SIGKILLs the node's supervisor"
    echo "and MariaDB); MariaDB's data directory on an ext4 image mounted by the active node; an application writes"
    echo "one autocommit row at a time through the VIP (innodb_flush_log_at_trx_commit=1). Per trial: cut the active"
    echo "node's power, then power it back on and \`palisade ctl switchover\` the group back. Step times come from the"
    echo "survivor's log; 'power off' is when the BMC saw the node's last process gone; the client columns are the"
    echo "largest gap between acknowledged rows. priority_fencing_delay is $PRIORITY_DELAY (waited only by a node that"
    echo "does not hold the group, and skipped when the BMC already reads the peer off, as after a power cut; the"
    echo "end-to-end test uses 1 s)."
    echo
    cat "$W/table.md"
    echo
    echo "Anchor, same lab and timers, real Heartbeat 3.0.6 ($HB_TRIALS trials; haresources Filesystem (loop), OCF::mysql"
    echo "(the stock agent through Heartbeat's OCF wrapper), IPaddr2; STONITH external/ipmi, which resets; hb_standby on"
    echo "the survivor hands the group back). Each Heartbeat node runs in its own PID/mount/UTS namespace with the /run"
    echo "that systemd-tmpfiles makes at boot; two lab shims, both in the node's own mount namespace: Debian's OCF wrapper"
    echo "looks for agents one directory too deep (an overlay adds it), and ipmitool is pinned to cipher suite 3 because"
    echo "ipmi_sim does not answer Get Channel Cipher Suites (a plain ipmitool waits 10 s for it; a real BMC answers)."
    echo
    echo "| | median | max | min |"
    echo "|---|---|---|---|"
    grep '^|' "$W/hb.md" || cat "$W/hb.md"
    grep -v '^|' "$W/hb.md" | grep . || true
    ours_t=$(awk -F'|' '/power off -> writable/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/table.md")
    ours_s=$(awk -F'|' '/switchover downtime/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/table.md")
    hb_t=$(awk -F'|' '/keepalive/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/hb.md")
    hb_s=$(awk -F'|' '/hb_standby/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/hb.md")
    if [ -n "$hb_t" ] && [ -n "$hb_s" ]; then
        echo
        echo "Ratios of medians, Palisade / Heartbeat: power off to writable $(awk "BEGIN {printf \"%.3f\", $ours_t / $hb_t}")x;" \
             "switchover downtime $(awk "BEGIN {printf \"%.3f\", $ours_s / $hb_s}")x."
    fi
} | tee -a "$top/bench/RESULTS.md"
