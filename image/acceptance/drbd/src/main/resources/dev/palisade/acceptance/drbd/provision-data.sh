# Provisioning, on alpha once both disks are connected: both are all zeros, so no initial sync is needed
# (new-current-uuid --clear-bitmap makes both UpToDate); then the file system, MariaDB's data directory and the
# application's tables and user, written through DRBD to both disks. Ends with the resource Secondary.
set -e
drbdadm -- --clear-bitmap new-current-uuid r0
drbdadm primary r0
mkfs.ext4 -q -L mysql /dev/drbd0
mount /dev/drbd0 /var/lib/mysql
chown mysql:mysql /var/lib/mysql
opts="--innodb-buffer-pool-size=32M --innodb-log-file-size=16M"
mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db $opts >/tmp/install-db.log 2>&1 \
    || { cat /tmp/install-db.log; exit 1; }
mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
mariadbd --no-defaults --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock --user=mysql --skip-networking \
    $opts --pid-file=/run/mysqld/provision.pid --log-error=/tmp/mariadbd.err &
n=0
until mariadb --no-defaults --socket=/run/mysqld/mysqld.sock -e 'SELECT 1' >/dev/null 2>&1; do
    n=$((n + 1)); [ $n -lt 240 ] || { cat /tmp/mariadbd.err; exit 1; }; sleep 0.5
done
mariadb --no-defaults --socket=/run/mysqld/mysqld.sock <<'SQL'
CREATE DATABASE app;
CREATE TABLE app.ledger (n BIGINT PRIMARY KEY, at BIGINT NOT NULL) ENGINE=InnoDB;
CREATE TABLE app.probe (n BIGINT PRIMARY KEY, node VARCHAR(16) NOT NULL) ENGINE=InnoDB;
CREATE USER 'app'@'%' IDENTIFIED BY 'apppass';
GRANT SELECT, INSERT ON app.* TO 'app'@'%';
SQL
mariadb-admin --no-defaults --socket=/run/mysqld/mysqld.sock shutdown
wait
umount /var/lib/mysql
drbdadm secondary r0
