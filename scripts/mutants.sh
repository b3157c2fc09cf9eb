#!/usr/bin/env bash
# make mutants: re-introduces, one at a time, each defect the safety review found (supervisor/src/test/mutants/)
# and checks that the default simulation run (10,000 schedules from the default seed) catches it. The code is
# restored after each mutant, also when the script is interrupted. Exits non-zero when a mutant survives.
# A mutant with a NAME.tests file beside it is run against those tests (a -Dtest value) instead: the
# claims outside the pair's simulation (the fence_virt device, the Galera election) have their own. A NAME.module
# file names the Maven module whose tests run (default supervisor): the gateway's claims are tested in its own.
set -uo pipefail
cd "$(dirname "$0")/.."
MVN=(mvn -B -ntp -q -o)
survived=0
current=
restore() { [ -n "$current" ] && git apply -R "$current"; current=; }
trap restore EXIT INT TERM
for p in ${MUTANTS_DIR:-supervisor/src/test/mutants}/*.patch; do
    name=$(basename "$p" .patch)
    if ! git apply "$p"; then
        echo "STALE    $name: the patch no longer applies to this code; update it"
        survived=1
        continue
    fi
    current=$p
    tests=FailoverSimulationTest
    [ -f "${p%.patch}.tests" ] && tests=$(cat "${p%.patch}.tests")
    module=supervisor
    [ -f "${p%.patch}.module" ] && module=$(cat "${p%.patch}.module")
    out=$("${MVN[@]}" -pl "$module" test -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false 2>&1)
    restore
    caught=$(echo "$out" | grep -m1 -o 'schedule seed=[0-9]* broke a safety rule: .*' | cut -c1-220)
    [ -z "$caught" ] && caught=$(echo "$out" | grep -m1 -E '^\[ERROR\]   [A-Za-z]+Test\.[A-Za-z]+' | cut -c1-220)
    if [ -n "$caught" ]; then
        echo "caught   $name: $caught"
    else
        echo "SURVIVED $name: the default simulation run did not catch it"
        survived=1
    fi
done
exit $survived
