#!/usr/bin/env bash
# make soak: what is too long for make test.
#   1. the failover simulation with SCHEDULES schedules (default 1,000,000) in chunks of 100,000, printing the
#      seed of any failing schedule;
#   1b. the cluster simulation (three decision machines over a simulated Corosync and Galera) with
#      CLUSTER_SCHEDULES schedules (default 500,000), likewise;
#   2. every Jazzer target in fuzz mode until FUZZ_EXECUTIONS (default 10^7) or FUZZ_DURATION (default 10m),
#      whichever comes first; a crashing input is written into the target's inputs directory, where it stays as
#      a regression seed (commit it once the bug is fixed);
#   3. the false-death soak (bench/false-death-soak.sh): the pair under saturated cores for SOAK_SECONDS
#      (FALSE_DEATH=0 leaves it out).
# Each part reports; the script exits non-zero when any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
MVN=(mvn -B -ntp -q -o)
SCHEDULES=${SCHEDULES:-1000000}
CLUSTER_SCHEDULES=${CLUSTER_SCHEDULES:-500000}
CHUNK=100000
BASE=${BASE:-$(date +%s)}
FUZZ_DURATION=${FUZZ_DURATION:-10m}
FUZZ_EXECUTIONS=${FUZZ_EXECUTIONS:-10000000}
failed=0
log=target/soak
mkdir -p "$log"

# simulate TEST SCHEDULES NAME: the simulation TEST in chunks from seed $BASE, a line per chunk, the seed of a failure
simulate() {
    local test=$1 total=$2 name=$3 done n out
    echo "== $name: $total schedules from seed $BASE"
    for ((done = 0; done < total; done += CHUNK)); do
        n=$(( total - done < CHUNK ? total - done : CHUNK ))
        out="$log/$name-$((BASE + done)).log"
        if "${MVN[@]}" -pl supervisor test -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false \
            -Dpalisade.sim.schedules="$n" -Dpalisade.sim.base=$((BASE + done)) >"$out" 2>&1; then
            grep -o "simulation: .*" "$out" | tail -1 | grep . \
                || echo "$name: $n schedules from seed $((BASE + done)): no rule broken, every one recovered"
        else
            echo "FAILED: $(grep -m1 -o 'schedule seed=[0-9]*[: ].*' "$out" | cut -c1-300)"
            echo "        replay: $(grep -m1 -o 'replay: .*' "$out")   (log: $out)"
            failed=1
        fi
    done
}
simulate FailoverSimulationTest "$SCHEDULES" simulation
simulate ClusterSimulationTest "$CLUSTER_SCHEDULES" cluster-simulation

echo "== Jazzer: every target until $FUZZ_EXECUTIONS executions or $FUZZ_DURATION"
grep -rln "@FuzzTest" --include=*.java . | grep /src/test/java/ | sort | while read -r f; do
    module=${f%%/src/test/java/*}
    module=${module#./}
    class=$(basename "$f" .java)
    grep -A3 "@FuzzTest" "$f" | grep -o "void [a-zA-Z0-9_]*(" | sed 's/void //; s/(//' | while read -r method; do
        out="$log/fuzz-$class-$method.log"
        start=$(date +%s)
        if JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$FUZZ_DURATION" JAZZER_MAX_EXECUTIONS="$FUZZ_EXECUTIONS" \
            "${MVN[@]}" -pl "$module" test -Dtest="$class#$method" -Dsurefire.failIfNoSpecifiedTests=false \
            >"$out" 2>&1; then
            echo "ok      $class#$method ($(( $(date +%s) - start )) s; $(grep -o '#[0-9]*.*DONE.*' "$out" | tail -1 | cut -c1-80))"
        else
            echo "FINDING $class#$method: see $out; the crashing input is in $module/src/test/resources"
            echo 1 > "$log/fuzz-failed"
        fi
    done
done
[ -f "$log/fuzz-failed" ] && { failed=1; rm -f "$log/fuzz-failed"; }

if [ "${FALSE_DEATH:-1}" = 1 ]; then
    echo "== false deaths under load"
    bash bench/false-death-soak.sh || failed=1
fi
exit $failed
