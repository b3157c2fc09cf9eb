#!/usr/bin/env bash
# make acceptance (cluster part): the scenarios of docs/cluster.md on the three-node lab (network namespaces, each
# node booted by its own ipmi_sim with its own corosync, mariadbd + galera-4 and supervisor; rows written through
# the VIP and every acknowledged one checked) and the two-appliance lab with corosync-qnetd and garbd. Needs root.
# About 5 minutes on 2 cores (2026-12-05: ClusterScenarios 219 s, QuorumDeviceScenarios 54 s, 4 min 36 s in all). A report of every scenario goes to supervisor/target/cluster-scenarios.txt.
#   MVN_ARGS=-Dpalisade.test.timeFactor=2 bash scripts/acceptance-cluster.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ "$(id -u)" = 0 ] || { echo "acceptance: needs root (network namespaces)" >&2; exit 111; }
mvn -B -ntp -pl supervisor -am verify -Pcluster-acceptance -Dstyle.color=never \
    -Dtest='ClusterScenarios,QuorumDeviceScenarios' -Dsurefire.failIfNoSpecifiedTests=false ${MVN_ARGS:-}
cat supervisor/target/cluster-scenarios.txt supervisor/target/quorum-device-scenarios.txt 2>/dev/null || true
