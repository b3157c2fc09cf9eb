#!/usr/bin/env bash
# make bench (pair part): unplanned failover and planned switchover of the appliance pair, broken down step by
# step, with MariaDB rows written through the VIP the whole time (the lab of the end-to-end test: two
# supervisors in network namespaces, ipmi_sim power, socat serial + UDP heartbeat links, an ext4 image).
# Appends to bench/RESULTS.md.
#   TRIALS=10 RACE_DELAY=300ms bash bench/pair-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
TRIALS=${TRIALS:-10}
RACE_DELAY=${RACE_DELAY:-300ms}
[ "$(id -u)" = 0 ] || { echo "bench: needs root for network namespaces and loop devices" >&2; exit 111; }
W=$(mktemp -d /tmp/palisade-pairbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$top/image/target/palisade.jar:$top/bench/target/classes
for m in drivers fence-daemon supervisor; do cp=$cp:$(ls "$top"/$m/target/palisade-$m-*-tests.jar); done
for j in "$top"/bench/target/lib/*.jar; do cp=$cp:$j; done
java -Xmx256m -Dtinylog.configuration=tinylog.properties -cp "$cp" dev.palisade.bench.PairBench "$TRIALS" \
    "$RACE_DELAY" > "$W/table.md" 2> "$W/err.log" || { tail -40 "$W/err.log" >&2; exit 1; }
{
    echo
    echo "## Pair: unplanned failover and switchover with MariaDB — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);" \
         "$(java -version 2>&1 | head -1); MariaDB $(dpkg-query -W -f='${Version}' mariadb-server)."
    echo "Command: \`make bench\` (bench/pair-bench.sh, TRIALS=$TRIALS RACE_DELAY=$RACE_DELAY). keepalive 100 ms, deadtime"
    echo "500 ms, serial + UDP links; each node powered by its own ipmi_sim (power off SIGKILLs the node's supervisor"
    echo "and MariaDB); MariaDB's data directory on an ext4 image mounted by the active node; an application writes"
    echo "one autocommit row at a time through the VIP (innodb_flush_log_at_trx_commit=1). Per trial: cut the active"
    echo "node's power, then power it back on and \`palisade ctl switchover\` the group back. Step times come from the"
    echo "survivor's log; 'power off' is when the BMC saw the node's last process gone; the client columns are the"
    echo "largest gap between acknowledged rows. The race delay for fencing the home node is $RACE_DELAY (the end-to-end"
    echo "test uses 1 s)."
    echo
    cat "$W/table.md"
} | tee -a "$top/bench/RESULTS.md"
