#!/usr/bin/env bash
# make bench (the cluster's anchor): Palisade's cluster (ClusterBench) and Pacemaker 2.1 with Pacemaker's galera agent
# (ocf:heartbeat:galera promotable clone, IPaddr2 VIP on a Promoted instance, fence_ipmilan against the lab's
# ipmi_sim) on the same three-node lab (ClusterLab), one after the other in one run: the VIP holder's power cut
# (power off -> writable through the VIP), a full outage with every node back (power on -> writable through the VIP),
# and, for Pacemaker, a full outage with one node left off for MISSING seconds (resource-agents #1009).
# Appends to bench/RESULTS.md.
#   TRIALS=2 PM_TRIALS=2 MISSING=120 bash bench/cluster-pacemaker-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-2}
PM_TRIALS=${PM_TRIALS:-2}
MISSING=${MISSING:-120}
[ "$(id -u)" = 0 ] || { echo "bench: needs root for network namespaces" >&2; exit 111; }
pkgs="pacemaker pacemaker-cli-utils resource-agents fence-agents corosync galera-4 mariadb-server rsync ipmitool openipmi libxml2-utils"
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing || { apt-get update -q && apt-get install -y -q --no-install-recommends $missing; }
fi
W=$(mktemp -d /tmp/palisade-clusterpm.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$(bench_classpath)
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.ClusterBench "$TRIALS" \
    > "$W/table.md" 2> "$W/err.log" \
    || { tail -40 "$W/err.log" >&2; echo "Palisade's cluster bench failed: $(grep -m1 Exception "$W/err.log")" > "$W/table.md"; }
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.ClusterPacemakerBench \
    "$PM_TRIALS" "$MISSING" > "$W/pm.md" 2> "$W/pm-err.log" \
    || { tail -40 "$W/pm-err.log" >&2; echo "pacemaker anchor failed: $(grep -m1 Exception "$W/pm-err.log")" > "$W/pm.md"; }
{
    echo
    echo "## Cluster: Palisade and Pacemaker's galera agent on three nodes — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) pacemaker $(dpkg-query -W -f='${Version}' pacemaker), resource-agents"
    echo "$(dpkg-query -W -f='${Version}' resource-agents), corosync $(dpkg-query -W -f='${Version}' corosync), galera-4"
    echo "$(dpkg-query -W -f='${Version}' galera-4), MariaDB $(dpkg-query -W -f='${Version}' mariadb-server)."
    echo "Command: \`make bench\` (bench/cluster-pacemaker-bench.sh, TRIALS=$TRIALS PM_TRIALS=$PM_TRIALS MISSING=$MISSING)."
    echo "The lab of ClusterBench for both (three nodes in network, PID and mount namespaces on one bridge, each powered"
    echo "by its own ipmi_sim; corosync knet with aes256, token 400 ms, token_coefficient 0; Galera rsync SST,"
    echo "evs.suspect_timeout 1 s, evs.inactive_timeout 2 s; rows written one autocommit INSERT at a time through the"
    echo "VIP). Palisade: its cluster mode as in the cluster section (VRRP advert 0.1 s, IPMI fencing). Pacemaker, tuned"
    echo "for a quick recovery: the agent's documented configuration (ocf:heartbeat:galera as a promotable clone,"
    echo "promoted-max 3, wsrep_cluster_address with the Galera addresses and cluster_host_map n1..n3 to them,"
    echo "binary mariadbd), IPaddr2 colocated with a Promoted instance and ordered after promote, resource-stickiness"
    echo "100; galera monitors every 2 s (Promoted) and 3 s (Unpromoted), IPaddr2 every 1 s; dc-deadtime 2 s (20 s by"
    echo "default); stonith fence_ipmilan per node (lanplus, cipher suite 3), stonith-action off, stonith-timeout 30 s."
    echo "'power off' is when the BMC saw the node's last process gone; 'power on' is the moment the BMCs were asked."
    echo
    cat "$W/table.md"
    echo
    echo "| Pacemaker anchor | median | max | min |"
    echo "|---|---|---|---|"
    grep '^|' "$W/pm.md" || true
    grep -v '^|' "$W/pm.md" | grep . || true
    row() { awk -F'|' -v k="$2" 'index($2, k) {gsub(/[^0-9]/, "", $3); print $3; exit}' "$1"; }
    ours_cut=$(row "$W/table.md" "power cut of the VIP holder: power off -> writable")
    ours_out=$(row "$W/table.md" "full outage, all cut at once, all back: power on -> writable")
    pm_cut=$(row "$W/pm.md" "power cut of the VIP holder: power off -> writable")
    pm_out=$(row "$W/pm.md" "full outage, all back: power on -> writable")
    if [ -n "$pm_cut" ] && [ -n "$pm_out" ] && [ -n "$ours_cut" ] && [ -n "$ours_out" ]; then
        echo
        echo "Ratios of medians, Palisade / Pacemaker's galera agent: power cut of the VIP holder to writable" \
             "$(awk "BEGIN {printf \"%.3f\", $ours_cut / $pm_cut}")x; full outage, all back, to writable" \
             "$(awk "BEGIN {printf \"%.3f\", $ours_out / $pm_out}")x."
    fi
} | tee -a "$top/bench/RESULTS.md"
