# Provisioning, on both appliances (the supervisor is masked for this boot): DRBD's meta-data on the empty
# 256 MiB disk, then the resource up (it connects to the peer).
set -e
modprobe drbd
drbdadm create-md --force r0 </dev/null >/dev/null 2>&1 || { drbdadm create-md --force r0 </dev/null; exit 1; }
drbdadm adjust r0
