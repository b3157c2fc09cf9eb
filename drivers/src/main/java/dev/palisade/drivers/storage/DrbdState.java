package dev.palisade.drivers.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One DRBD resource's state as {@code drbdsetup events2 --now RESOURCE} prints it (DRBD 9; one "exists" line
 * per object, {@code key:value} fields, ending with {@code exists -}):
 *
 * <pre>
 * exists resource name:r0 role:Secondary suspended:no
 * exists connection name:r0 peer-node-id:1 conn-name:pf2 connection:Connected role:Secondary
 * exists device name:r0 volume:0 minor:0 disk:UpToDate client:no
 * exists peer-device name:r0 peer-node-id:1 conn-name:pf2 volume:0 replication:Established peer-disk:UpToDate
 * exists -
 * </pre>
 *
 * What promotion decisions need: this node's role, whether I/O is suspended (and why: {@code user},
 * {@code no-data}, {@code fencing} while the fence-peer handler runs), each volume's disk state, each
 * connection's state and the peer's disk states; and, for status and metrics, each volume's number with its
 * disk ({@link #volumes}) and each peer volume with the peer's node id, role and disk ({@link #peerVolumes}).
 */
public record DrbdState(String resource, String role, String suspended, List<String> disks,
                        List<String> connections, List<String> peerDisks, List<Volume> volumes,
                        List<PeerVolume> peerVolumes) {

    /** One local volume: its number and disk state. */
    public record Volume(int volume, String disk) {
    }

    /** One volume as a peer has it: the peer's node id, its role, the volume and the peer's disk state. */
    public record PeerVolume(String peerNodeId, String peerRole, int volume, String peerDisk) {
    }

    /** Without volume numbers (numbered 0, 1, ... in order) or peer details. */
    public DrbdState(String resource, String role, String suspended, List<String> disks, List<String> connections,
                     List<String> peerDisks) {
        this(resource, role, suspended, disks, connections, peerDisks, numbered(disks), List.of());
    }

    private static List<Volume> numbered(List<String> disks) {
        List<Volume> v = new ArrayList<>();
        for (int i = 0; i < disks.size(); i++) {
            v.add(new Volume(i, disks.get(i)));
        }
        return List.copyOf(v);
    }

    /** A line that is not events2 output, or output for another resource. */
    public static final class ParseException extends Exception {
        public ParseException(String message) {
            super(message);
        }
    }

    /** Whether every volume's local disk is UpToDate (and there is at least one). */
    public boolean upToDate() {
        return !disks.isEmpty() && disks.stream().allMatch("UpToDate"::equals);
    }

    /** Whether every local disk is Consistent or better (UpToDate): whole, possibly not the newest. */
    public boolean consistent() {
        return !disks.isEmpty() && disks.stream().allMatch(d -> d.equals("UpToDate") || d.equals("Consistent"));
    }

    /** I/O frozen by {@code fencing resource-and-stonith} until the fence-peer handler succeeds. */
    public boolean frozenForFencing() {
        return suspended != null && java.util.Arrays.asList(suspended.split(",")).contains("fencing");
    }

    public boolean primary() {
        return "Primary".equals(role);
    }

    /** Whether any connection to a peer is up. */
    public boolean connected() {
        return connections.stream().anyMatch("Connected"::equals);
    }

    public static DrbdState parse(String resource, String events2) throws ParseException {
        String role = null;
        String suspended = "no";
        List<String> disks = new ArrayList<>();
        List<String> connections = new ArrayList<>();
        List<String> peerDisks = new ArrayList<>();
        List<Volume> volumes = new ArrayList<>();
        List<PeerVolume> peerVolumes = new ArrayList<>();
        Map<String, String> peerRoles = new LinkedHashMap<>();
        boolean ended = false;
        int n = 0;
        for (String line : events2.split("\n")) {
            n++;
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            if (ended) {
                throw new ParseException("line " + n + ": output after 'exists -'");
            }
            String[] f = line.split("\\s+");
            if (!f[0].equals("exists")) {
                throw new ParseException("line " + n + ": '" + f[0] + "' where 'exists' was expected (only "
                        + "'drbdsetup events2 --now' output is read)");
            }
            if (f.length == 2 && f[1].equals("-")) {
                ended = true;
                continue;
            }
            if (f.length < 3) {
                throw new ParseException("line " + n + ": an object without fields");
            }
            Map<String, String> kv = new LinkedHashMap<>();
            for (int i = 2; i < f.length; i++) {
                int colon = f[i].indexOf(':');
                if (colon <= 0) {
                    throw new ParseException("line " + n + ": field '" + f[i] + "' is not key:value");
                }
                kv.put(f[i].substring(0, colon), f[i].substring(colon + 1));
            }
            if (!resource.equals(kv.get("name"))) {
                throw new ParseException("line " + n + ": resource '" + kv.get("name") + "', not '" + resource + "'");
            }
            switch (f[1]) {
                case "resource" -> {
                    role = require(kv, "role", n);
                    suspended = kv.getOrDefault("suspended", "no");
                }
                case "device" -> {
                    disks.add(require(kv, "disk", n));
                    volumes.add(new Volume(volume(kv, disks.size() - 1, n), disks.get(disks.size() - 1)));
                }
                case "connection" -> {
                    connections.add(require(kv, "connection", n));
                    peerRoles.put(kv.getOrDefault("peer-node-id", ""), kv.getOrDefault("role", "Unknown"));
                }
                case "peer-device" -> {
                    peerDisks.add(require(kv, "peer-disk", n));
                    String id = kv.getOrDefault("peer-node-id", "");
                    peerVolumes.add(new PeerVolume(id, peerRoles.getOrDefault(id, "Unknown"),
                            volume(kv, peerVolumes.size(), n), peerDisks.get(peerDisks.size() - 1)));
                }
                case "path" -> { }
                default -> throw new ParseException("line " + n + ": unknown object '" + f[1] + "'");
            }
        }
        if (role == null) {
            throw new ParseException("no 'resource' line for " + resource + " (is it configured and up?)");
        }
        if (!ended) {
            throw new ParseException("output ends without 'exists -' (cut short)");
        }
        return new DrbdState(resource, role, suspended, List.copyOf(disks), List.copyOf(connections),
                List.copyOf(peerDisks), List.copyOf(volumes), List.copyOf(peerVolumes));
    }

    private static int volume(Map<String, String> kv, int ifAbsent, int line) throws ParseException {
        String v = kv.get("volume");
        if (v == null) {
            return ifAbsent;
        }
        if (!v.matches("[0-9]{1,5}")) {
            throw new ParseException("line " + line + ": volume '" + v + "' is not a volume number");
        }
        return Integer.parseInt(v);
    }

    private static String require(Map<String, String> kv, String key, int line) throws ParseException {
        String v = kv.get(key);
        if (v == null || v.isEmpty()) {
            throw new ParseException("line " + line + ": no '" + key + "'");
        }
        return v;
    }
}
