package dev.palisade.fence.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.palisade.fence.FenceDaemon;
import dev.palisade.fence.FenceKeygen;
import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.auth.FenceKey;
import dev.palisade.fence.config.FenceDaemonConfig;
import dev.palisade.fence.listener.SerialListener;
import dev.palisade.drivers.testing.Commands;
import dev.palisade.fence.testing.DaemonProcess;
import dev.palisade.fence.testing.Fixtures;
import dev.palisade.fence.testing.LogTail;
import dev.palisade.drivers.testing.TestTime;
import dev.palisade.fence.wire.RequestCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serial and vmchannel listener. A domain of the libvirt test driver declares a serial port and a
 * channel backed by UNIX sockets; this test stands in for qemu on the host side of them (socat joins the
 * serial socket to a pseudo-terminal, the guest's serial port) and runs the stock fence_virt as the guest.
 */
class SerialListenerTest {
    @TempDir
    Path dir;

    private String domainsUri() throws IOException {
        Path xml = dir.resolve("guests.xml");
        Files.writeString(xml, """
                <node>
                  <cpu><mhz>2000</mhz><model>i686</model><active>2</active><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads></cpu>
                  <memory>8388608</memory>
                  <domain type='test'>
                    <name>guest-a</name><uuid>aaaaaaaa-0000-4000-8000-00000000000a</uuid>
                    <memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>
                    <devices>
                      <serial type='unix'><source mode='bind' path='%1$s/guest-a.serial'/><target port='1'/></serial>
                      <channel type='unix'><source mode='bind' path='%1$s/guest-a.vmchannel'/>
                        <target type='guestfwd' address='10.0.2.179' port='1229'/></channel>
                    </devices>
                  </domain>
                  <domain type='test'>
                    <name>appliance-b</name><uuid>22222222-2222-4222-8222-222222222222</uuid>
                    <memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os>
                  </domain>
                  <domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>
                    <name>Build_box</name><uuid>33333333-3333-4333-8333-333333333333</uuid>
                    <memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os><test:runstate>5</test:runstate>
                  </domain>
                </node>
                """.formatted(dir));
        return "test://" + xml;
    }

    private static final List<List<String>> SEQUENCE = List.of(
            List.of("-o", "list"),
            List.of("-o", "status", "-H", "appliance-b"),
            List.of("-o", "off", "-H", "appliance-b"),
            List.of("-o", "status", "-H", "appliance-b"),
            List.of("-o", "on", "-H", "appliance-b"),
            List.of("-o", "reboot", "-H", "Build_box"),
            List.of("-o", "status", "-H", "no-such-vm"),
            List.of("-o", "off", "-H", "no-such-vm"));

    private static void awaitFile(Path p) throws InterruptedException {
        long deadline = System.nanoTime() + TestTime.millis(10_000) * 1_000_000;
        while (!Files.exists(p) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(p), p + " did not appear");
    }

    private List<String> stockOverSerial(boolean ours, Path conf) throws Exception {
        Path tty = dir.resolve("ttyS1");
        Path sock = dir.resolve("guest-a.serial");
        Files.deleteIfExists(sock);
        List<String> results = new ArrayList<>();
        try (DaemonProcess qemu = DaemonProcess.start(List.of(Commands.require("socat"),
                "PTY,link=" + tty + ",raw,echo=0", "UNIX-LISTEN:" + sock), dir.resolve("socat.log"))) {
            awaitFile(sock);
            awaitFile(tty);
            List<String> daemon = ours ? DaemonProcess.ourFenceDaemon(conf)
                    : List.of(Commands.require("fence_virtd"), "-F", "-f", conf.toString(), "-p", dir.resolve("fv.pid").toString());
            try (DaemonProcess d = DaemonProcess.start(daemon, dir.resolve(ours ? "ours.log" : "real.log"))) {
                Thread.sleep(TestTime.millis(1500)); // the gateway connects to the domain's socket
                for (List<String> step : SEQUENCE) {
                    Commands.Result r = Commands.run(30_000, Commands.concat(List.of(Commands.require("fence_virt"),
                            "-D", tty.toString(), "-t", "5"), step.toArray(String[]::new)));
                    results.add(String.join(" ", step) + " -> exit " + r.exit() + "\n" + r.stdout());
                }
                if (ours) {
                    assertTrue(d.log().contains("serial aaaaaaaa-0000-4000-8000-00000000000a: off 'appliance-b' -> SUCCESS"),
                            "the caller is the guest's UUID:\n" + d.log());
                }
            }
        }
        return results;
    }

    @Test
    void stockFenceVirtOverASerialPortSeesTheSameAsWithFenceVirtd() throws Exception {
        Path key = Fixtures.key(dir, "fence_xvm.key");
        Path conf = Fixtures.write(dir.resolve("serial.conf"), """
                fence_virtd { listener = "serial"; backend = "libvirt"; module_path = "/usr/lib/x86_64-linux-gnu/fence-virt"; }
                listeners { serial { key_file = "%s"; uri = "%s"; path = "%s"; mode = "serial"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, domainsUri(), dir, domainsUri()));
        List<String> real = stockOverSerial(false, conf);
        List<String> ours = stockOverSerial(true, conf);
        assertEquals(String.join("\n", real), String.join("\n", ours));
        assertTrue(real.get(0).contains("guest-a"), real.get(0));
    }

    /**
     * qemu's guestfwd in miniature: each guest TCP connection is carried over the channel's UNIX socket,
     * and what the gateway writes goes to the guest connected at the time.
     */
    private static void guestfwd(ServerSocketChannel host, ServerSocket guests) {
        Thread t = new Thread(() -> {
            // The channel's two directions are driven from two threads, so its own read and write are used:
            // the stream adapters of Channels lock the channel for a blocking read.
            try (SocketChannel gateway = host.accept()) {
                java.util.concurrent.atomic.AtomicReference<OutputStream> current =
                        new java.util.concurrent.atomic.AtomicReference<>();
                Thread down = new Thread(() -> {
                    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4096);
                    try {
                        while (gateway.read(buf.clear()) > 0) {
                            OutputStream o = current.get();
                            if (o != null) {
                                o.write(buf.array(), 0, buf.position());
                                o.flush();
                            }
                        }
                    } catch (IOException done) {
                        // gateway gone
                    }
                });
                down.setDaemon(true);
                down.start();
                while (true) {
                    try (Socket guest = guests.accept()) {
                        current.set(guest.getOutputStream());
                        byte[] buf = new byte[4096];
                        InputStream in = guest.getInputStream();
                        for (int n; (n = in.read(buf)) > 0; ) {
                            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, n);
                            while (b.hasRemaining()) {
                                gateway.write(b);
                            }
                        }
                    } catch (IOException guestGone) {
                        // next guest
                    }
                }
            } catch (Exception stop) {
                // test over
            }
        });
        t.setDaemon(true);
        t.start();
    }

    @Test
    void stockFenceVirtOverVmchannelAndHardenedFramesOverSerial() throws Exception {
        Path key = dir.resolve("hardened.key");
        FenceKeygen.write(key, false);
        String uri = domainsUri();
        Path conf = Fixtures.write(dir.resolve("both.conf"), """
                listeners {
                  serial { key_file = "%1$s"; path = "%2$s"; mode = "vmchannel"; auth = "both"; }
                  serial { key_file = "%1$s"; path = "%2$s"; mode = "serial"; auth = "hardened"; }
                }
                backends { libvirt { uri = "%3$s"; } }
                """.formatted(key, dir, uri));
        try (ServerSocketChannel vmchannel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             ServerSocketChannel serial = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             ServerSocket guests = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            vmchannel.bind(UnixDomainSocketAddress.of(dir.resolve("guest-a.vmchannel")));
            serial.bind(UnixDomainSocketAddress.of(dir.resolve("guest-a.serial")));
            guestfwd(vmchannel, guests);
            try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
                d.start(Duration.ofSeconds(10));
                // vmchannel: the stock guest client (its default transport), through the guestfwd stand-in
                List<String> fv = List.of(Commands.require("fence_virt"), "-A", "127.0.0.1", "-p",
                        String.valueOf(guests.getLocalPort()), "-t", "5");
                Commands.Result st = Commands.run(20_000, Commands.concat(fv, "-o", "status", "-H", "appliance-b"));
                assertEquals(0, st.exit(), st.toString());
                assertEquals("Status: ON\n", st.stdout());
                Commands.Result list = Commands.run(20_000, Commands.concat(fv, "-o", "list"));
                assertEquals(0, list.exit(), list.toString());
                assertEquals(3, list.stdout().lines().count(), list.stdout());
                // and the hardened scheme over the same vmchannel, from our agent (keygen key: hardened)
                long mark0 = LogTail.mark();
                Commands.Result hv = run(List.of("-A", "127.0.0.1", "-p", String.valueOf(guests.getLocalPort()), "-k",
                        key.toString(), "-t", "5", "-o", "status", "-H", "Build_box"));
                assertEquals(2, hv.exit(), hv.toString());
                LogTail.await(mark0, Duration.ofSeconds(5), "vmchannel aaaaaaaa-0000-4000-8000-00000000000a: status 'Build_box' -> OFF (hardened");

                // serial, hardened only: the test is the guest, on the host socket the gateway connected to
                try (SocketChannel gatewaySide = serial.accept()) {
                    InputStream in = Channels.newInputStream(gatewaySide);
                    OutputStream out = Channels.newOutputStream(gatewaySide);
                    FenceVirtClient hardened = FenceVirtClient.hardened(FenceKey.load(key),
                            TestTime.scaled(Duration.ofSeconds(5)));
                    assertEquals(0, hardened.serial(in, out, gatewaySide, RequestCode.OFF, "appliance-b").code());
                    assertEquals(2, hardened.serial(in, out, gatewaySide, RequestCode.STATUS, "appliance-b").code());
                    FenceVirtClient.Result l = hardened.serial(in, out, gatewaySide, RequestCode.HOSTLIST, "");
                    assertEquals(3, l.hosts().size());
                    // noise on the line is skipped; the next frame is served
                    out.write(new byte[] {1, 2, 3, 'a', 'b', 'b', 9, 0x61});
                    assertEquals(0, hardened.serial(in, out, gatewaySide, RequestCode.ON, "appliance-b").code());
                    long mark = LogTail.mark();
                    FenceVirtClient stock = new FenceVirtClient(FenceKey.load(key), null, null,
                            TestTime.scaled(Duration.ofMillis(800)));
                    assertThrows(IOException.class, () -> stock.serial(in, out, gatewaySide, RequestCode.OFF, "appliance-b"));
                    LogTail.await(mark, Duration.ofSeconds(5),
                            "stock (unauthenticated) request refused: this listener requires hardened auth");
                }
                assertTrue(d.listeners().stream().anyMatch(l -> l instanceof SerialListener));
            }
        }
    }

    @Test
    void fencePalisadeOverASerialPortHardenedByDefaultAndLegacyOnRequest() throws Exception {
        Path key = dir.resolve("hardened.key");
        FenceKeygen.write(key, false);
        Path conf = Fixtures.write(dir.resolve("agent.conf"), """
                listeners { serial { key_file = "%s"; path = "%s"; mode = "serial"; auth = "both"; } }
                backends { libvirt { uri = "%s"; } }
                """.formatted(key, dir, domainsUri()));
        Path tty = dir.resolve("ttyS1");
        Path sock = dir.resolve("guest-a.serial");
        try (DaemonProcess qemu = DaemonProcess.start(List.of(Commands.require("socat"),
                "PTY,link=" + tty + ",raw,echo=0", "UNIX-LISTEN:" + sock), dir.resolve("socat2.log"))) {
            awaitFile(sock);
            awaitFile(tty);
            try (FenceDaemon d = FenceDaemon.create(FenceDaemonConfig.load(conf))) {
                d.start(Duration.ofSeconds(10));
                long mark = LogTail.mark();
                List<String> base = List.of("-D", tty.toString(), "-k", key.toString(), "-t", "5");
                Commands.Result off = run(Commands.concat(base, "-o", "off", "-H", "appliance-b"));
                assertEquals(0, off.exit(), off.toString());
                LogTail.await(mark, Duration.ofSeconds(5), "off 'appliance-b' -> SUCCESS (hardened");
                Commands.Result st = run(Commands.concat(base, "--legacy", "-o", "status", "-H", "appliance-b"));
                assertEquals(2, st.exit(), st.toString());
                assertEquals("Status: OFF\n", st.stdout());
                LogTail.await(mark, Duration.ofSeconds(5), "status 'appliance-b' -> OFF (stock frame");
            }
        }
    }

    private static Commands.Result run(List<String> args) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int rc = dev.palisade.fence.agent.FencePalisade.run(args.toArray(String[]::new),
                new java.io.ByteArrayInputStream(new byte[0]), new java.io.PrintStream(out, true),
                new java.io.PrintStream(err, true));
        return new Commands.Result(rc, out.toString(), err.toString());
    }
}
