#!/usr/bin/env bash
# make run: the appliance pair on one machine, no hardware needed. Two supervisors in their own network
# namespaces, each powered by its own ipmi_sim (its power control starts and cuts the node), a socat pty pair
# as the serial cable plus a UDP crossover link, an ext4 disk image with MariaDB's data directory that the
# active node mounts, the VIP by VRRP, and an application writing rows through the VIP. It tours a power cut,
# a rejoin and a switchover, then prints a status line every two seconds until Ctrl-C.
#   PALISADE_RUN_DIR=/tmp/palisade-pair  (where the lab lives)   PALISADE_DEMO_TOUR=no  (skip the tour)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/bench/common.sh"
[ "$(id -u)" = 0 ] || { echo "make run: needs root (network namespaces, loop devices, mount)" >&2; exit 111; }
run=${PALISADE_RUN_DIR:-/tmp/palisade-pair}
cp=$(bench_classpath)
tour=()
[ "${PALISADE_DEMO_TOUR:-yes}" = no ] && tour=(--no-tour)
exec java -Xmx128m -XX:+UseSerialGC -Dtinylog.configuration=tinylog.properties -cp "$cp" \
    dev.palisade.bench.PairDemo "$run" "${tour[@]}"
