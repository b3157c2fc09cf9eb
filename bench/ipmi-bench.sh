#!/usr/bin/env bash
# make bench (IPMI part): native IPMI power control against ipmitool and fence_ipmilan, all driving one
# ipmi_sim on loopback whose power control kills and starts a real process. Appends to bench/RESULTS.md.
#   SAMPLES=500 STOCK=30 OFFS=10 bash bench/ipmi-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
SAMPLES=${SAMPLES:-500}
STOCK=${STOCK:-30}
OFFS=${OFFS:-10}
for p in ipmi_sim ipmitool fence_ipmilan; do
    command -v $p >/dev/null || { echo "bench: $p missing; run make deps" >&2; exit 111; }
done
W=$(mktemp -d /tmp/palisade-ipmibench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$(bench_classpath)
java -Xmx128m -cp "$cp" dev.palisade.bench.IpmiBench "$SAMPLES" "$STOCK" "$OFFS" > "$W/table.md"
{
    echo
    echo "## IPMI power control vs ipmitool and fence_ipmilan — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) openipmi $(dpkg-query -W -f='${Version}' openipmi)," \
         "ipmitool $(dpkg-query -W -f='${Version}' ipmitool), fence-agents $(dpkg-query -W -f='${Version}' fence-agents)."
    echo "Command: \`make bench\` (bench/ipmi-bench.sh, SAMPLES=$SAMPLES STOCK=$STOCK OFFS=$OFFS)."
    echo "One ipmi_sim on 127.0.0.1 in chassis_control mode (every status and control runs its shell program,"
    echo "about 4 ms, for every client alike); suite 3. \"status\" is a whole session (caps, open, RAKP 1-4,"
    echo "privilege, status, close); \"off + verified off\" is off, then status until it reads off (fence_ipmilan"
    echo "verifies by itself). Ours runs in process after warm-up; the stock tools run as processes, as scripts call them."
    echo
    cat "$W/table.md"
} | tee -a "$top/bench/RESULTS.md"
