#!/usr/bin/env bash
# The fence gateway alone: start it on an embedded default that needs no hardware: libvirt's test
# driver with the demo VMs of scripts/demo/domains.xml, a freshly generated key (mode 0600), and a TCP
# listener on 127.0.0.1. It prints the stock fence_virt commands that drive it, runs two of them, and
# keeps the gateway in the foreground (Ctrl-C stops it).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
run=${PALISADE_RUN_DIR:-$top/run}
port=${PALISADE_DEMO_PORT:-1229}
mkdir -p "$run"
chmod 700 "$run"
key=$run/fence_xvm.key
if [ ! -s "$key" ]; then
    (umask 077; head -c 4096 /dev/urandom > "$key")
fi
chmod 600 "$key"
cat > "$run/fence_virt.conf" <<CONF
# Demo configuration written by scripts/run-gateway-demo.sh (fence_virt.conf grammar).
fence_virtd {
	listener = "tcp";
	backend = "libvirt";
}
listeners {
	tcp {
		key_file = "$key";
		address = "127.0.0.1";
		port = "$port";
		hash = "sha256";
		auth = "sha256";
	}
}
backends {
	libvirt {
		uri = "test://$top/scripts/demo/domains.xml";
	}
}
CONF
chmod 600 "$run/fence_virt.conf"

"$top/bin/palisade" fence-daemon -F -f "$run/fence_virt.conf" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do
    ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && break
    kill -0 $pid 2>/dev/null || { echo "the gateway did not start"; exit 1; }
    sleep 0.1
done
fv="fence_virt -T 127.0.0.1 -p $port -k $key"
cat <<MSG

== Palisade fence gateway is running (pid $pid), TCP 127.0.0.1:$port, libvirt test driver ==
Stock fence_virt commands against it:
  $fv -o list
  $fv -o status -H appliance-b
  $fv -o off    -H appliance-b      # fences one VM
  $fv -o on     -H appliance-b
MSG
if command -v fence_virt >/dev/null; then
    echo; echo "\$ $fv -o list"; $fv -o list || true
    echo "\$ $fv -o status -H appliance-b"; $fv -o status -H appliance-b || true
fi
echo; echo "Ctrl-C stops the gateway."
wait $pid
