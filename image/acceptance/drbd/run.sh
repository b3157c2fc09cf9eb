#!/usr/bin/env bash
# make acceptance, the DRBD part: two appliance VMs under QEMU (TCG), built from the palisade .deb, with real DRBD 8.4,
# failing over under faults while a client on the host writes numbered rows through the VIP. Appends the results to
# bench/RESULTS.md; exits non-zero when any check failed (both consoles' tails are printed).
#
#   bash image/acceptance/drbd/run.sh          (after make image and the harness build; make acceptance does both)
#   SEED=N            replay the nemesis's decisions
#   NEMESIS_MINUTES=M length of the nemesis (default 10)
#   SCENARIOS=LIST    which scenarios, in order (default 2,7,1,3,4,5,6,8)
#   ACCEPTANCE_CACHE  where the kernel, initramfs, debootstrap tree and appliance root are kept
#                     (default /var/cache/palisade-acceptance; the root is rebuilt when the .deb changes)
#   KEEP=1            keep the run directory (consoles, journals' history, BMC logs) after the run
#
# Everything it starts (ipmi_sim, QEMU, the harness) runs in a network namespace of its own: the LAN is a bridge
# there, the replication link and the serial cable are UDP on that namespace's loopback. It kills only the PIDs it
# started and removes the namespace and its run directory at the end.
set -euo pipefail
top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/image/acceptance/drbd
cache=${ACCEPTANCE_CACHE:-/var/cache/palisade-acceptance}
seed=${SEED:-$(( (RANDOM << 15) | RANDOM ))}
nemesis=${NEMESIS_MINUTES:-10}
scenarios=${SCENARIOS:-2,7,1,3,4,5,6,8}
results=${RESULTS:-$top/bench/RESULTS.md}
started=$(date +%s)

[ "$(id -u)" = 0 ] || { echo "acceptance: needs root (debootstrap, network namespaces, taps)" >&2; exit 111; }
packages="qemu-system-x86 qemu-utils debootstrap cpio busybox-static openipmi ipmitool iproute2 kmod e2fsprogs"
missing=$(for p in $packages; do dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || echo "$p"; done)
if [ -n "$missing" ]; then
    echo "acceptance: installing" $missing
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends $missing >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
fi
deb=$(ls "$top"/image/target/palisade_*_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "acceptance: no image/target/palisade_*.deb: run make image" >&2; exit 1; }
jar=$(ls "$here"/target/palisade-acceptance-drbd-*.jar 2>/dev/null | head -1)
[ -n "$jar" ] || { echo "acceptance: no harness jar: mvn -f image/acceptance/drbd/pom.xml package" >&2; exit 1; }

echo "acceptance: appliance root from $(basename "$deb") (cached in $cache)"
eval "$(bash "$here/build-root.sh" "$cache" "$deb")"
built=$(date +%s)

run=$(mktemp -d /tmp/palisade-acceptance.XXXXXX)
ns=palisade-acc-$$
harness=
appended=
finished=
append_results() {
    [ -z "$appended" ] && [ -f "$run/results.md" ] || return 0
    appended=1
    finished=${finished:-$(date +%s)}
    {
        echo
        echo "## Acceptance: two QEMU appliances with real DRBD — $(date -u '+%Y-%m-%d %H:%M UTC')"
        echo
        echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr);" \
             "$(qemu-system-x86_64 --version | head -1) (TCG); guest kernel $(basename "$(dirname "$KERNEL")" | sed 's/^kernel-//') with DRBD $(modinfo -F version "$(dirname "$KERNEL")"/modules/lib/modules/*/kernel/drivers/block/drbd/drbd.ko 2>/dev/null);" \
             "$(basename "$deb")."
        echo "Command: \`make acceptance\` (image/acceptance/drbd/run.sh, SEED=$seed NEMESIS_MINUTES=$nemesis SCENARIOS=$scenarios)."
        echo "Wall time $(( finished - started )) s ($(( built - started )) s of it preparing the appliance root)."
        echo "Each appliance: 1 vCPU, 1 GiB, keepalive 500 ms, warntime 2.5 s, deadtime 5 s, initdead 20 s, priority"
        echo "fencing delay 30 s, monitor every 2 s; DRBD protocol C, resource-and-stonith with palisade drbd-fence-peer."
        echo
        cat "$run/results.md"
    } >> "$results"
    echo "acceptance: results appended to $results"
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    [ -n "$harness" ] && kill "$harness" 2>/dev/null && wait "$harness" 2>/dev/null
    # the QEMU processes and BMCs of this run only: each PID is checked against this run's directory
    for f in "$run"/*/qemu.pid "$run"/pids/*; do
        [ -f "$f" ] || continue
        p=$(cat "$f")
        if [ -n "$p" ] && [ -r "/proc/$p/cmdline" ] && tr '\0' ' ' < "/proc/$p/cmdline" | grep -q -- "$run/"; then
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
    ip netns del "$ns" 2>/dev/null || true
    append_results
    if [ "$rc" != 0 ]; then
        for vm in alpha beta; do
            echo "----- $vm console, last 80 lines -----"
            tail -n 80 "$run/$vm/console.log" 2>/dev/null | cut -c1-300 || true
        done
    fi
    if [ "${KEEP:-0}" = 1 ]; then echo "acceptance: run directory kept: $run"; else rm -rf "$run"; fi
    exit "$rc"
}
trap cleanup EXIT INT TERM

# a running lab holds its root image: a build by another checkout does not remove it meanwhile
exec 8<"$ROOT"
flock -s 8

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add br0 type bridge
for a in 10.98.0.1 10.98.0.21 10.98.0.22; do ip -n "$ns" addr add "$a/24" dev br0; done   # host, alpha's BMC, beta's
ip -n "$ns" link set br0 up
for vm in alpha beta; do
    ip -n "$ns" tuntap add dev "lan-$vm" mode tap
    ip -n "$ns" link set "lan-$vm" master br0 up
done

cp=$jar:$(ls "$here"/target/lib/*.jar | tr '\n' ':')
set +e
ip netns exec "$ns" timeout --signal=TERM 45m java -Xmx256m -cp "$cp" dev.palisade.acceptance.drbd.DrbdAcceptance \
    --run-dir "$run" --kernel "$KERNEL" --initrd "$INITRD" --root "$ROOT" --results "$run/results.md" \
    --seed "$seed" --nemesis-minutes "$nemesis" --scenarios "$scenarios" &
harness=$!
wait "$harness"
rc=$?
harness=
set -e
finished=$(date +%s)

append_results
echo "acceptance: $( [ $rc = 0 ] && echo 'every check held' || echo "FAILED (exit $rc)") in $(( finished - started )) s"
exit $rc
