#!/bin/bash
# Writes the class lists of the two packages' class-data sharing archives (PACKAGE.classlist for the
# daemons, PACKAGE-client.classlist for the client commands, beside this script): the classes each product loads while it starts,
# answers `palisade ctl status`, serves `fence_palisade -o status`, and stops. Everything runs on loopback
# with the libvirt test driver. Run it (`make classlist`) after a change that renames or adds many classes,
# and commit the lists: the package build uses them as they are, so that it gives the same bytes every time.
# Usage: train.sh PALISADE_JAR GATEWAY_JAR   (java from $JAVA_HOME or PATH)
set -euo pipefail
appliance_jar=$(readlink -f "$1")
gateway_jar=$(readlink -f "$2")
here=$(cd "$(dirname "$0")" && pwd)
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
work=$(mktemp -d /tmp/palisade-train.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # wait_for SECONDS COMMAND...: until the command succeeds
    local end=$((SECONDS + $1)); shift
    until "$@" > /dev/null 2>&1; do
        [ $SECONDS -lt $end ] || { echo "train.sh: timed out waiting for: $*" >&2; return 1; }
        sleep 0.1
    done
}
# list OUT JAR ARGS...: one run of a command with its loaded classes written to OUT
list() { local out=$1; shift; "$java" -XX:DumpLoadedClassList="$out" -XX:+UseSerialGC "$@"; }

head -c 64 /dev/urandom > "$work/cluster.key"
chmod 0600 "$work/cluster.key"
cp "$work/cluster.key" "$work/fence.key"
udp=$(free_port)
tcp=$(free_port)
cat > "$work/palisade.conf" <<CONF
supervisor { node = "pf1"; peer = "pf2"; keepalive = "100ms"; deadtime = "1s"; initdead = "2s";
             control_socket = "$work/control.sock"; }
auth { key_file = "$work/cluster.key"; }
links { udp { peer = "127.0.0.1"; port = "$udp"; bind = "127.0.0.1"; } }
fencing { node { name = "pf2"; level { device { type = "fence_virt"; address = "127.0.0.1"; port = "$tcp";
    key_file = "$work/fence.key"; auth = "sha256"; domain = "test"; } } } }
CONF
cat > "$work/fence_virt.conf" <<CONF
fence_virtd { listener = "tcp"; backend = "libvirt"; }
listeners { tcp { address = "127.0.0.1"; port = "$tcp"; family = "ipv4"; key_file = "$work/fence.key"; } }
backends { libvirt { uri = "test:///default"; } }
CONF

# the gateway, from its own jar, and the agent against it
"$java" -XX:DumpLoadedClassList="$work/gw-daemon.list" -XX:+UseSerialGC \
    -jar "$gateway_jar" -F -f "$work/fence_virt.conf" > "$work/gw.log" 2>&1 &
pids+=($!)
wait_for 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$tcp"
for action in status list; do
    list "$work/gw-agent-$action.list" -cp "$gateway_jar" dev.palisade.fence.agent.FencePalisade \
        -T 127.0.0.1 -p "$tcp" -k "$work/fence.key" -o $action -H test > /dev/null || true
done
list "$work/gw-version.list" -jar "$gateway_jar" version > /dev/null

# the supervisor, ctl status, the agent from the appliance's jar, check-config
"$java" -XX:DumpLoadedClassList="$work/sup.list" -XX:+UseSerialGC \
    -jar "$appliance_jar" supervisor -f "$work/palisade.conf" > "$work/sup.log" 2>&1 &
pids+=($!)
# ctl status answers with the monitoring exit codes (0 OK ... 3 UNKNOWN): any of them means it answered
ctl_answers() { "$java" -jar "$appliance_jar" ctl -s "$work/control.sock" status > /dev/null 2>&1; [ $? -le 3 ]; }
wait_for 30 ctl_answers
sleep 3 # past initdead: the node decides, tries its fence device, and settles
list "$work/ctl.list" -jar "$appliance_jar" ctl -s "$work/control.sock" status > /dev/null || true
list "$work/agent.list" -cp "$appliance_jar" dev.palisade.fence.agent.FencePalisade \
    -T 127.0.0.1 -p "$tcp" -k "$work/fence.key" -o status -H test > /dev/null || true
list "$work/check.list" -jar "$appliance_jar" check-config -f "$work/palisade.conf" > /dev/null
for p in "${pids[@]}"; do kill -TERM "$p"; done
for p in "${pids[@]}"; do wait "$p" || true; done
pids=()
grep -q 'FENCING' "$work/sup.log" || { echo "train.sh: the supervisor never decided; its log:" >&2; cat "$work/sup.log" >&2; exit 1; }

merge() { # merge OUT LISTS...: every class once, in the order first loaded
    { echo "# Written by image/src/cds/train.sh: classes archived by share-classes at installation"
      cat "${@:2}" | grep -v '^#' | awk '!seen[$0]++'; } > "$1"
}
# the daemons' archive holds everything; the client commands get a small one of their own (a third of the
# size: less to map and relocate at every start of `palisade ctl` or `fence_palisade`)
merge "$here/palisade.classlist" "$work/sup.list" "$work/ctl.list" "$work/agent.list" "$work/check.list"
merge "$here/palisade-client.classlist" "$work/ctl.list" "$work/agent.list" "$work/check.list"
merge "$here/palisade-fence-gateway.classlist" "$work/gw-daemon.list" "$work/gw-agent-status.list" \
    "$work/gw-agent-list.list" "$work/gw-version.list"
merge "$here/palisade-fence-gateway-client.classlist" "$work/gw-agent-status.list" "$work/gw-agent-list.list" \
    "$work/gw-version.list"
wc -l "$here"/*.classlist
