# One look at an appliance, cheap enough to repeat every second under TCG (no JVM): the supervisor's one-line
# status (systemd's StatusText, from its STATUS= notifications), DRBD's connection, role and disks, the VIP, MariaDB.
echo "systemd=$(systemctl is-active palisade.service)"
echo "status=$(systemctl show -p StatusText --value palisade.service)"
d=$(sed -n 's/^ *0: cs:\([^ ]*\) ro:\([^ ]*\) ds:\([^ ]*\).*/\1 \2 \3/p' /proc/drbd 2>/dev/null)
echo "drbd=${d:-Unconfigured}"
if ip -4 -o addr show dev eth0 | grep -q ' 10\.98\.0\.100/'; then echo vip=yes; else echo vip=no; fi
if pidof mariadbd >/dev/null; then echo mariadb=yes; else echo mariadb=no; fi
echo "clock=$(date +%s%N)"
