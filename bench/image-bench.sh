#!/usr/bin/env bash
# make bench (image part): start to READY, RSS, and `palisade ctl status` / `fence_palisade -o status` as whole
# processes, from the packaged runtime (both .debs extracted into a scratch root, their class-data sharing
# archives made there as postinst makes them) side by side with today's jar on the system JDK, in one run.
# Appends to bench/RESULTS.md.   TRIALS=10 bash bench/image-bench.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
TRIALS=${TRIALS:-10}
app=$(package_deb palisade)
gw=$(package_deb palisade-fence-gateway)
W=$(mktemp -d /tmp/palisade-imagebench.XXXXXX)
trap 'rm -rf "$W"' EXIT
dpkg-deb -x "$app" "$W/root"
dpkg-deb -x "$gw" "$W/root"
"$W/root/usr/lib/palisade/share-classes"
"$W/root/usr/lib/palisade/fence-gateway/share-classes"
cp=$(bench_classpath)
java -Xmx128m -cp "$cp" dev.palisade.bench.ImageBench "$W/root" "$top/image/target/palisade.jar" \
    "$top/image/gateway/target/palisade-fence-gateway.jar" "$TRIALS" > "$W/table.md"
size() { du -k "$1" | cut -f1; }
{
    echo
    echo "## Packaged runtime vs today's jar — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "$(machine_line) load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Command: \`make bench\` (bench/image-bench.sh, TRIALS=$TRIALS). Packaged: both .debs extracted into a scratch"
    echo "root and share-classes run there, as postinst does; their launchers as installed. Today: image/target/palisade.jar"
    echo "on the system JDK with bin/palisade's flags (-Xms32m -Xmx128m -XX:+UseSerialGC). Start to READY: from"
    echo "the fork to READY=1 on a test NOTIFY_SOCKET (supervisor: one loopback UDP link, control socket, a fence_virt"
    echo "device on the packaged gateway; no VRRP instance, no resources. Gateway: one TCP listener, libvirt's test"
    echo "driver). RSS: VmRSS 5 s (supervisor: past initdead, peer fenced) or 2 s (gateway) after READY. The supervisor"
    echo "starts twice: with its peer absent (READY after the 2 s initdead and the peer's fence), and with its peer up"
    echo "(a packaged supervisor pf2 on 127.0.0.2 runs throughout: READY after the first heartbeat, the normal boot)."
    echo
    cat "$W/table.md"
    echo
    echo "Sizes: palisade .deb $(size "$app") KiB, palisade-fence-gateway .deb $(size "$gw") KiB; installed"
    echo "$(dpkg-deb -f "$app" Installed-Size) KiB and $(dpkg-deb -f "$gw" Installed-Size) KiB (each with its runtime of"
    echo "$(du -sk "$W/root/usr/lib/palisade/runtime" | cut -f1) KiB); AppCDS archives made at installation:"
    echo "$(size "$W/root/usr/lib/palisade/classes.jsa") KiB and $(size "$W/root/usr/lib/palisade/fence-gateway/classes.jsa") KiB for the"
    echo "daemons, $(size "$W/root/usr/lib/palisade/client.jsa") KiB and $(size "$W/root/usr/lib/palisade/fence-gateway/client.jsa") KiB for the client commands."
} | tee -a "$top/bench/RESULTS.md"
