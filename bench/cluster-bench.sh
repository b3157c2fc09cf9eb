#!/usr/bin/env bash
# make bench (cluster part): three nodes on Corosync 3 and MariaDB Galera (the lab of ClusterLabTest: network
# namespaces, each node booted by its own ipmi_sim into its own PID and mount namespaces with its own corosync,
# mariadbd + galera-4 and palisade supervisor), an application writing rows through the VIP the whole time.
# Measures the power cut of the VIP holder and of another node, and full outages (every node at once: Galera's
# pc.recovery; one node first: the election). Appends to bench/RESULTS.md.
#   TRIALS=5 bash bench/cluster-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-5}
[ "$(id -u)" = 0 ] || { echo "bench: needs root for network namespaces" >&2; exit 111; }
W=$(mktemp -d /tmp/palisade-clusterbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$(bench_classpath)
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.ClusterBench "$TRIALS" \
    > "$W/table.md" 2> "$W/err.log" || { tail -40 "$W/err.log" >&2; exit 1; }
{
    echo
    echo "## Cluster: three nodes on Corosync and Galera — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) corosync $(dpkg-query -W -f='${Version}' corosync), galera-4 $(dpkg-query -W -f='${Version}' galera-4),"
    echo "MariaDB $(dpkg-query -W -f='${Version}' mariadb-server)."
    echo "Command: \`make bench\` (bench/cluster-bench.sh, TRIALS=$TRIALS). Corosync knet with aes256, token 400 ms"
    echo "(token_coefficient 0); Galera rsync SST, evs.suspect_timeout 1 s, evs.inactive_timeout 2 s; VRRP advert 0.1 s;"
    echo "fencing by IPMI (each node's own ipmi_sim, whose power off kills the node's PID namespace and takes its NIC"
    echo "down). 'power off' is when the BMC saw the node's last process gone; the client columns come from the"
    echo "application's acknowledgements (one autocommit INSERT at a time through the VIP); 'power on' is the moment the"
    echo "three BMCs were asked to power on (each node then boots corosync and the supervisor, which reads its"
    echo "position, runs --wsrep-recover, and elects or joins)."
    echo
    cat "$W/table.md"
    echo
    echo "Anchors for a full outage: PacketFence's galera-autofix waits 10 minutes after start before it looks at"
    echo "anything, then decides once a minute with a 1-minute sequence-number report window"
    echo "(inverse-inc/packetfence go/cmd/galera-autofix: startWait 10 min, decisionLoopInterval 1 min,"
    echo "seqnoReportingTimeout 1 min): 10 to 20 minutes, as its users report. Pacemaker's galera agent runs in this"
    echo "lab beside Palisade in bench/cluster-pacemaker-bench.sh (its own section). Targets: full outage to writable at"
    echo "most 60 s; a power cut to writable at most 2 s."
} | tee -a "$top/bench/RESULTS.md"
