#!/usr/bin/env bash
# make bench (VRRP part): failover of ours and keepalived at the same settings, side by side in one run, in
# network namespaces the benchmark creates and deletes. Appends to bench/RESULTS.md.
#   TRIALS=20 bash bench/vrrp-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-20}
[ "$(id -u)" = 0 ] || { echo "bench: needs root for network namespaces" >&2; exit 111; }
command -v keepalived >/dev/null || { echo "bench: keepalived missing; run make deps" >&2; exit 111; }
W=$(mktemp -d /tmp/palisade-vrrpbench.XXXXXX)
trap 'rm -rf "$W"' EXIT
cp=$(bench_classpath)
java -Xmx256m -cp "$cp" dev.palisade.bench.VrrpBench "$TRIALS" > "$W/table.md"
{
    echo
    echo "## VRRP failover vs keepalived — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) keepalived $(dpkg-query -W -f='${Version}' keepalived)."
    echo "Command: \`make bench\` (bench/vrrp-bench.sh, TRIALS=$TRIALS). Per trial: fresh namespaces (two nodes and an"
    echo "observer on a bridge), master priority 150 on n1 and backup 100 on n2 of the same implementation, elected and"
    echo "settled; at a random point of the advert cycle n1 dies (daemon SIGKILL and link down) or stops gracefully"
    echo "(SIGTERM). Time = from then until n2's MAC answers the observer's ARP probe (sent every 10 ms) for the VIP."
    echo
    cat "$W/table.md"
} | tee -a "$top/bench/RESULTS.md"
