package dev.palisade.supervisor.resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A FAKE DRBD for tests: DRBD's kernel module cannot load here, so two small scripts stand in for drbdadm and
 * drbdsetup of one resource. drbdsetup events2 --now prints DRBD 9's format from a state file; drbdadm primary
 * and secondary change the role the way DRBD does (primary without --force needs an UpToDate disk; a
 * "held open" file makes secondary fail as DRBD does while the device is mounted) and log every call.
 */
public final class FakeDrbd {
    public final Path dir;
    public final Path drbdadm;
    public final Path drbdsetup;

    public FakeDrbd(Path dir, String resource) throws IOException {
        this.dir = dir;
        drbdsetup = dir.resolve("fake-drbdsetup");
        drbdadm = dir.resolve("fake-drbdadm");
        Files.writeString(drbdsetup, """
                #!/bin/sh
                # FAKE drbdsetup: events2 --now RES from the state file (none: the resource is not up here)
                [ -f "%1$s/state" ] || { echo "'%2$s' not defined in your config (for this host)." >&2; exit 10; }
                if [ -f "%1$s/broken" ]; then
                  n=$(cat "%1$s/broken"); [ "$n" -gt 0 ] && { echo $((n - 1)) > "%1$s/broken"; echo "Could not connect to 'drbd' generic netlink family" >&2; exit 20; }
                fi
                . "%1$s/state"
                [ "$1 $2 $3" = "events2 --now %2$s" ] || { echo "fake drbdsetup: unexpected: $*" >&2; exit 20; }
                echo "exists resource name:%2$s role:$role suspended:no"
                echo "exists connection name:%2$s peer-node-id:1 conn-name:peer connection:$connection role:Unknown"
                echo "exists device name:%2$s volume:0 minor:0 disk:$disk client:no"
                echo "exists peer-device name:%2$s peer-node-id:1 conn-name:peer volume:0 replication:Off peer-disk:$peerdisk"
                echo "exists -"
                """.formatted(dir, resource));
        Files.writeString(drbdadm, """
                #!/bin/sh
                # FAKE drbdadm: primary [--force] RES | secondary RES
                echo "$*" >> "%1$s/calls"
                . "%1$s/state"
                set_role() { sed -i "s/^role=.*/role=$1/" "%1$s/state"; }
                case "$*" in
                  "primary %2$s") [ "$disk" = UpToDate ] || { echo "%2$s: State change failed: (-2) Need access to UpToDate data" >&2; exit 17; }
                                  set_role Primary ;;
                  "primary --force %2$s") set_role Primary ;;
                  "secondary %2$s") [ -e "%1$s/held-open" ] && { echo "%2$s: State change failed: (-12) Device is held open by someone" >&2; exit 11; }
                                    set_role Secondary ;;
                  *) echo "fake drbdadm: unexpected: $*" >&2; exit 20 ;;
                esac
                """.formatted(dir, resource));
        drbdsetup.toFile().setExecutable(true);
        drbdadm.toFile().setExecutable(true);
        state("Secondary", "UpToDate", "Connected", "UpToDate");
    }

    public void state(String role, String disk, String connection, String peerDisk) throws IOException {
        Files.writeString(dir.resolve("state"), "role=" + role + "\ndisk=" + disk + "\nconnection=" + connection
                + "\npeerdisk=" + peerDisk + "\n");
    }

    /** The next {@code calls} state reads fail the way a drbdsetup that cannot reach the kernel fails. */
    public void broken(int calls) throws IOException {
        Files.writeString(dir.resolve("broken"), String.valueOf(calls));
    }

    /** The resource is not configured or not up on this node. */
    public void undefine() throws IOException {
        Files.deleteIfExists(dir.resolve("state"));
    }

    public void heldOpen(boolean held) throws IOException {
        if (held) {
            Files.writeString(dir.resolve("held-open"), "");
        } else {
            Files.deleteIfExists(dir.resolve("held-open"));
        }
    }

    /** Every drbdadm call so far, one per line. */
    public String calls() throws IOException {
        Path c = dir.resolve("calls");
        return Files.exists(c) ? Files.readString(c) : "";
    }
}
