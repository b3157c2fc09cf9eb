#!/usr/bin/env bash
# make acceptance, the DRBD part: builds the palisade .deb and the lab's host harness, then runs
# image/acceptance/drbd/run.sh (two appliance VMs under QEMU with real DRBD; see docs/acceptance.md).
# Installs what it needs (run.sh does, idempotently), cleans up every process and file it made, exits non-zero
# on any violated check and then prints both consoles' tails. Environment: SEED, NEMESIS_MINUTES, SCENARIOS,
# ACCEPTANCE_CACHE, KEEP, RESULTS (run.sh documents them); SKIP_BUILD=1 uses the .deb and harness already built.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    # the packages and the harness, without installing anything into the local Maven repository
    ${MVN:-mvn -B -q} -DskipTests package -pl image,image/acceptance/drbd -am
fi
exec bash "$top/image/acceptance/drbd/run.sh"
