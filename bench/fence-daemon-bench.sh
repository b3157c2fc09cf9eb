#!/usr/bin/env bash
# make bench (fence gateway part): our gateway and the real fence_virtd, side by side in one run, on the
# same fence_virt.conf, domain XML and key, inside a network namespace this script creates and deletes.
# Appends a dated section to bench/RESULTS.md.
#   SAMPLES=2000 STOCK=200 SECONDS_TPUT=10 bash bench/fence-daemon-bench.sh
# (RESULTS=/dev/null for a trial run that is not recorded; BENCH_JAVA_OPTS=-Dpalisade.bench.warmup=N ... to
# shorten the warm-up and quiet times.)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
SAMPLES=${SAMPLES:-2000}
STOCK=${STOCK:-200}
SECS=${SECONDS_TPUT:-10}
NS=palbench-$$
W=$(mktemp -d /tmp/palisade-bench.XXXXXX)
cleanup() { ip netns del "$NS" 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
[ "$(id -u)" = 0 ] || { echo "bench: needs root for the network namespace" >&2; exit 111; }
command -v fence_virtd >/dev/null || { echo "bench: fence_virtd missing; run make deps" >&2; exit 111; }

head -c 4096 /dev/urandom > "$W/fence_xvm.key"; chmod 600 "$W/fence_xvm.key"
cp "$top/scripts/demo/domains.xml" "$W/domains.xml"
plugins=$(dirname "$(dpkg -L fence-virtd | grep '/virt.so$')")
cat > "$W/fence_virt.conf" <<CONF
fence_virtd {
	listener = "tcp";
	backend = "libvirt";
	module_path = "$plugins";
}
listeners {
	tcp {
		key_file = "$W/fence_xvm.key";
		address = "127.0.0.1";
		port = "1229";
		family = "ipv4";
		hash = "sha256";
	}
}
backends {
	libvirt {
		uri = "test://$W/domains.xml";
	}
}
CONF
chmod 600 "$W/fence_virt.conf"
# the same file for our gateway, on the next port: all daemons run at once and take turns
sed 's/port = "1229"/port = "1230"/' "$W/fence_virt.conf" > "$W/palisade.conf"
chmod 600 "$W/palisade.conf"
# the gateway as the palisade-fence-gateway package installs it: its .deb extracted, share-classes run as postinst
# runs it, its launcher (jlink runtime, AppCDS archive, daemon.jvm)
dpkg-deb -x "$(package_deb palisade-fence-gateway)" "$W/root"
"$W/root/usr/lib/palisade/fence-gateway/share-classes"
sed 's/port = "1229"/port = "1233"/' "$W/fence_virt.conf" > "$W/packaged.conf"
chmod 600 "$W/packaged.conf"
ip netns add "$NS"
ip -n "$NS" link set lo up

cp=$(bench_classpath)
out=$W/table.md
ip netns exec "$NS" java -Xmx256m ${BENCH_JAVA_OPTS:-} -cp "$cp" dev.palisade.bench.FenceDaemonBench "$W/fence_xvm.key" \
    "$SAMPLES" "$STOCK" "$SECS" \
    "fence_virtd@1229=fence_virtd -F -f $W/fence_virt.conf -p $W/fv.pid" \
    "palisade@1230=$top/bin/palisade fence-daemon -F -f $W/palisade.conf" \
    "palisade-deb@1233=$W/root/usr/sbin/palisade-fence-gateway -F -f $W/packaged.conf" \
    "floor@1231=java -Xms32m -Xmx128m -XX:+UseSerialGC -cp $cp dev.palisade.bench.ExchangeFloor $W/fence_xvm.key 127.0.0.1 1231" \
    "floor-nio@1232=java -Xms32m -Xmx128m -XX:+UseSerialGC -Dpalisade.transport=nio -cp $cp dev.palisade.bench.ExchangeFloor $W/fence_xvm.key 127.0.0.1 1232" \
    > "$out"

{
    echo
    echo "## Fence gateway vs fence_virtd — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) fence-virtd $(dpkg-query -W -f='${Version}' fence-virtd)."
    echo "Command: \`make bench\` (bench/fence-daemon-bench.sh, SAMPLES=$SAMPLES STOCK=$STOCK SECONDS_TPUT=$SECS)."
    echo "fence_virtd and palisade read the same fence_virt.conf but for the port (TCP listener on 127.0.0.1:1229"
    echo "and :1230 in a private network namespace, libvirt test driver with scripts/demo/domains.xml, sha256 hash"
    echo "and auth); all run at once and latency samples take turns. The floor (bench/ExchangeFloor, :1231, on the"
    echo "gateway's runtime: Netty with native epoll; floor-nio, :1232, the same on NIO) sends only the protocol's"
    echo "bytes: no checks, no hypervisor, no hand-off to a worker; it shows what this machine's TCP stack allows."
    echo "The gateway runs twice: palisade is bin/palisade fence-daemon with its default JVM options (the jar on"
    echo "the system JDK, -Xms32m -Xmx128m); palisade-deb (:1233) is the palisade-fence-gateway package as installed"
    echo "(its .deb extracted and share-classes run: jlink runtime, AppCDS, daemon.jvm with a fixed 48 MiB heap)."
    echo
    cat "$out"
} | tee -a "${RESULTS:-$top/bench/RESULTS.md}"
