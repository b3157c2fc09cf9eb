#!/usr/bin/env bash
# make bench (metrics endpoint part): what the http block costs the gateway and the supervisor (RSS and threads
# with it off and on) and how fast /metrics answers, beside Debian's prometheus-node-exporter in one run: once
# with its default collectors (what operators run) and once with a single cheap collector (the floor of a Go
# exporter: client_golang and net/http). Everything on loopback; node_exporter on ports this script picks,
# killed by PID. Appends a dated section to bench/RESULTS.md.
#   TRIALS=3 SCRAPES=1000 bash bench/http-bench.sh      (RESULTS=/dev/null for a trial run)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-3}
SCRAPES=${SCRAPES:-1000}
W=$(mktemp -d /tmp/palisade-httpbench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT
[ -f "$top/image/target/palisade.jar" ] || { echo "bench: no image/target/palisade.jar; run make build" >&2; exit 111; }
# the anchor, installed once (its package's service is not started: this script runs its own copies)
dpkg-query -W -f='${Status}' prometheus-node-exporter 2>/dev/null | grep -q 'install ok installed' \
    || apt-get install -y -q prometheus-node-exporter >/dev/null
exporter=/usr/bin/prometheus-node-exporter
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

ne_default=$(free_port)
"$exporter" --web.listen-address="127.0.0.1:$ne_default" > "$W/ne-default.log" 2>&1 &
pids+=($!); pid_default=$!
ne_min=$(free_port)
"$exporter" --web.listen-address="127.0.0.1:$ne_min" --collector.disable-defaults --collector.loadavg \
    > "$W/ne-min.log" 2>&1 &
pids+=($!); pid_min=$!
for port in "$ne_default" "$ne_min"; do
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/metrics" && break; sleep 0.1; done
done

cp=$(bench_classpath)
java -Xmx128m -cp "$cp" dev.palisade.bench.HttpBench "$top/image/target/palisade.jar" "$TRIALS" "$SCRAPES" \
    "node_exporter=http://127.0.0.1:$ne_default/metrics@$pid_default" \
    "node_exporter loadavg only=http://127.0.0.1:$ne_min/metrics@$pid_min" > "$W/table.md"

{
    echo
    echo "## Metrics endpoint: cost of the http block, and scrape latency vs node_exporter — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) prometheus-node-exporter $(dpkg-query -W -f='${Version}' prometheus-node-exporter);" \
         "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Command: \`bash bench/http-bench.sh\` (TRIALS=$TRIALS SCRAPES=$SCRAPES). Our daemons: image/target/palisade.jar"
    echo "on the system JDK with bin/palisade's flags (-Xms32m -Xmx128m -XX:+UseSerialGC). Gateway: one TCP listener,"
    echo "libvirt's test driver, no request served. Supervisor: one loopback UDP link, its peer absent, no resources,"
    echo "no fencing. \"on\" adds only \`http { listen = \"127.0.0.1:PORT\"; }\`. RSS and threads from /proc/PID/status"
    echo "4 s after READY=1 (and, with http, after the scrapes). Latency: a Java HttpClient (HTTP/1.1, one keep-alive"
    echo "connection per endpoint), request to last body byte; the four endpoints run at once and are scraped in turn."
    echo
    cat "$W/table.md"
} | tee -a "${RESULTS:-$top/bench/RESULTS.md}"
