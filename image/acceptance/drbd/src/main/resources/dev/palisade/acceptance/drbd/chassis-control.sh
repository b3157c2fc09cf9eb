#!/bin/sh
# ipmi_sim's chassis_control program for one appliance: DIR get power | set power 0|1 | set reset 1 | set shutdown 1.
# The machine is the QEMU process that DIR/power-on.sh becomes (it writes its PID to DIR/qemu.pid first). Power off
# is SIGKILL, a power cut: nothing is flushed, the NICs lose their carrier, the serial line goes silent.
D=$1; op=$2; shift 2
PIDF=$D/qemu.pid
alive() { [ -f "$PIDF" ] || return 1; read p < "$PIDF" || return 1; [ -r /proc/$p/stat ] || return 1
          read s < /proc/$p/stat || return 1; s=${s##*") "}; [ "${s%% *}" != Z ]; }
start() { alive && return 0
  setsid "$D/power-on.sh" </dev/null >>"$D/qemu.out" 2>&1 &
  i=0; while ! alive && [ $i -lt 500 ]; do sleep 0.01; i=$((i+1)); done; }
stop() { alive || return 0; kill -"$1" "$p" 2>/dev/null
  i=0; while alive && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done
  alive && return 1
  echo "$(date +%s.%N) power off (SIG$1)" >> "$D/power.log"; return 0; }
case $op in
  get) for parm in "$@"; do case $parm in
         power) if alive; then echo power:1; else echo power:0; fi ;;
         boot) echo boot:default ;;
         *) exit 1 ;; esac; done ;;
  set) while [ $# -ge 2 ]; do parm=$1; val=$2; shift 2; case $parm in
         power) if [ "$val" = 1 ]; then start; else stop KILL || exit 1; fi ;;
         reset) stop KILL || exit 1; start ;;
         shutdown) stop TERM || exit 1 ;;
         boot|identify) ;;
         *) exit 1 ;; esac; done ;;
  *) exit 1 ;;
esac
exit 0
