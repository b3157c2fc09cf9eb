package dev.palisade.bench;

import dev.palisade.drivers.testing.Commands;
import dev.palisade.drivers.testing.IpmiSim;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

/**
 * What the Pacemaker anchors ({@link PacemakerPairBench}, {@link ClusterPacemakerBench}) share: a node's own
 * Pacemaker state directories, the shell lines that start pacemakerd inside a node's namespaces, stonith by
 * fence_ipmilan against a node's ipmi_sim, loading a configuration into the CIB, and reading crm_mon.
 */
final class Pacemaker {
    private Pacemaker() {
    }

    /** Runs a command inside one node (its network, mount, UTS and PID namespaces). */
    interface Node {
        Commands.Result run(String... cmd) throws Exception;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /**
     * The node's own /var/lib/pacemaker (a copy of the installed one: cib, pengine, blackbox) and log directory,
     * under {@code d}, bound over the machine's by {@link #start(Path)}.
     */
    static void stateDirs(Path d) throws Exception {
        Files.createDirectories(d.resolve("log-pcmk"));
        check(Commands.run(30_000, "cp", "-a", "/var/lib/pacemaker", d.resolve("lib-pacemaker").toString()));
        check(Commands.run(5000, "chown", "hacluster:haclient", d.resolve("log-pcmk").toString()));
        Files.setPosixFilePermissions(d.resolve("log-pcmk"), PosixFilePermissions.fromString("rwxrwx---"));
    }

    /**
     * Shell lines run in a node's private mount namespace with its own /run, after its corosync is up: binds the
     * node's state directories and starts pacemakerd in the background (as systemd's pacemaker.service would).
     */
    static String start(Path d) {
        return """
                mkdir -p /run/lock /run/resource-agents /run/crm
                chmod 1777 /run/lock; chmod 1755 /run/resource-agents
                mount --bind %1$s/lib-pacemaker /var/lib/pacemaker
                mount --bind %1$s/log-pcmk /var/log/pacemaker
                PCMK_logfile=/var/log/pacemaker/pacemaker.log PCMK_logfacility=none pacemakerd &
                """.formatted(d);
    }

    /** A fence_ipmilan stonith device for {@code node} (lanplus, cipher suite 3, static host list). */
    static String fenceIpmilan(String node, String ip, int port) {
        return """
                  <primitive id="fence_%1$s" class="stonith" type="fence_ipmilan">
                    <instance_attributes id="fence_%1$s-ia">
                      <nvpair id="fence_%1$s-ip" name="ip" value="%2$s"/>
                      <nvpair id="fence_%1$s-port" name="ipport" value="%3$d"/>
                      <nvpair id="fence_%1$s-user" name="username" value="%4$s"/>
                      <nvpair id="fence_%1$s-pw" name="password" value="%5$s"/>
                      <nvpair id="fence_%1$s-lanplus" name="lanplus" value="1"/>
                      <nvpair id="fence_%1$s-cipher" name="cipher" value="3"/>
                      <nvpair id="fence_%1$s-hl" name="pcmk_host_list" value="%1$s"/>
                    </instance_attributes>
                    <operations><op id="fence_%1$s-mon" name="monitor" interval="60s" timeout="20s"/></operations>
                  </primitive>
                """.formatted(node, ip, port, IpmiSim.USER, IpmiSim.PASSWORD);
    }

    /**
     * Loads a configuration through {@code node}: stonith on with {@code stonith-action=off} (a fenced node stays
     * off, as it does under Palisade) and a 30 s stonith timeout, {@code rsc_defaults} (the meta attributes'
     * nvpairs), then the resources and constraints sections.
     */
    static void configure(Node node, Path dir, String rscDefaults, String resources, String constraints)
            throws Exception {
        for (String[] o : List.of(new String[] {"stonith-enabled", "true"}, new String[] {"stonith-action", "off"},
                new String[] {"stonith-timeout", "30s"})) {
            check(node.run("crm_attribute", "-t", "crm_config", "-n", o[0], "-v", o[1]));
        }
        Path defaults = dir.resolve("cib-defaults.xml");
        Files.writeString(defaults, "<rsc_defaults><meta_attributes id=\"rsc-options\">\n" + rscDefaults
                + "</meta_attributes></rsc_defaults>\n");
        Path res = dir.resolve("cib-resources.xml");
        Files.writeString(res, "<resources>\n" + resources + "</resources>\n");
        Path con = dir.resolve("cib-constraints.xml");
        Files.writeString(con, "<constraints>\n" + constraints + "</constraints>\n");
        // --create for a section that does not exist yet, --replace for the two that do
        check(node.run("cibadmin", "--create", "--scope", "configuration", "--xml-file", defaults.toString()));
        check(node.run("cibadmin", "--replace", "--scope", "resources", "--xml-file", res.toString()));
        check(node.run("cibadmin", "--replace", "--scope", "constraints", "--xml-file", con.toString()));
    }

    /** {@code crm_mon -1} on {@code node}, or "" when it does not answer (off, or Pacemaker not up). */
    static String crmMon(Node node) throws Exception {
        Commands.Result r = node.run("crm_mon", "-1");
        return r.exit() == 0 ? r.stdout() : "";
    }

    /** Keeps a node's pacemaker.log as /tmp/NAME-NODE.log (the lab's directory is removed at the end). */
    static void keepLog(Path d, String name) throws Exception {
        Path log = d.resolve("log-pcmk/pacemaker.log");
        if (Files.exists(log)) {
            Files.copy(log, Path.of("/tmp/" + name + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void await(String what, int seconds, Check c) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < deadline) {
            if (c.holds()) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(what + ": not within " + seconds + " s");
    }

    static void check(Commands.Result r) {
        if (r.exit() != 0) {
            throw new IllegalStateException(r.toString());
        }
    }
}
