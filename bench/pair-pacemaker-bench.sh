#!/usr/bin/env bash
# make bench (the pair's modern anchor): Palisade's pair (PairBench) and Pacemaker 2.1 + Corosync 3 running the same
# group (ocf:heartbeat:Filesystem, ocf:heartbeat:mysql, IPaddr2, fence_ipmilan against the lab's ipmi_sim) on the
# same pair lab, one after the other in one run: power off to writable through the VIP, switchover downtime.
# Appends to bench/RESULTS.md.
#   TRIALS=8 RACE_DELAY=300ms PM_TRIALS=8 TOKEN=500 bash bench/pair-pacemaker-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-8}
RACE_DELAY=${RACE_DELAY:-300ms}
PM_TRIALS=${PM_TRIALS:-8}
TOKEN=${TOKEN:-500}
[ "$(id -u)" = 0 ] || { echo "bench: needs root for network namespaces and loop devices" >&2; exit 111; }
W=$(mktemp -d /tmp/palisade-pmbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$(bench_classpath)
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.PairBench "$TRIALS" \
    "$RACE_DELAY" > "$W/table.md" 2> "$W/err.log" || { tail -40 "$W/err.log" >&2; exit 1; }
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.PacemakerPairBench \
    "$PM_TRIALS" "$TOKEN" > "$W/pm.md" 2> "$W/pm-err.log" || { tail -40 "$W/pm-err.log" >&2; echo "pacemaker anchor failed" > "$W/pm.md"; }
{
    echo
    echo "## Pair: Palisade and Pacemaker 2.1 + Corosync 3 — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) pacemaker $(dpkg-query -W -f='${Version}' pacemaker), corosync $(dpkg-query -W -f='${Version}' corosync),"
    echo "MariaDB $(dpkg-query -W -f='${Version}' mariadb-server)."
    echo "Command: \`make bench\` (bench/pair-pacemaker-bench.sh, TRIALS=$TRIALS RACE_DELAY=$RACE_DELAY PM_TRIALS=$PM_TRIALS"
    echo "TOKEN=$TOKEN). The pair lab of PairBench for both: each node powered by its own ipmi_sim, MariaDB on an ext4"
    echo "image, rows written one autocommit INSERT at a time through the VIP. Palisade: keepalive 100 ms, deadtime"
    echo "500 ms, serial + UDP links, race delay $RACE_DELAY. Pacemaker, tuned for a quick failover: corosync knet over the"
    echo "crossover and the LAN (link_mode passive), two_node, token $TOKEN ms (consensus 1.2 x, token_coefficient 0);"
    echo "Filesystem and mysql monitors every 2 s, IPaddr2 every 1 s; resource-stickiness 100; stonith fence_ipmilan"
    echo "(lanplus, cipher suite 3, static host list), stonith-action off, no fencing delay; the stock mysql agent"
    echo "(it polls with 2 s sleeps while it starts). Switchover: \`palisade ctl switchover\` / \`crm_resource --move\`."
    echo
    cat "$W/table.md"
    echo
    echo "| Pacemaker anchor | median | max | min |"
    echo "|---|---|---|---|"
    grep '^|' "$W/pm.md" || cat "$W/pm.md"
    grep -v '^|' "$W/pm.md" | grep . || true
    ours_t=$(awk -F'|' '/power off -> writable/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/table.md")
    ours_s=$(awk -F'|' '/switchover downtime/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/table.md")
    pm_t=$(awk -F'|' '/power off -> writable/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/pm.md")
    pm_s=$(awk -F'|' '/switchover downtime/ {gsub(/[^0-9]/, "", $3); print $3}' "$W/pm.md")
    if [ -n "$pm_t" ] && [ -n "$pm_s" ]; then
        echo
        echo "Ratios of medians, Palisade / Pacemaker: power off to writable $(awk "BEGIN {printf \"%.3f\", $ours_t / $pm_t}")x;" \
             "switchover downtime $(awk "BEGIN {printf \"%.3f\", $ours_s / $pm_s}")x."
    fi
} | tee -a "$top/bench/RESULTS.md"
