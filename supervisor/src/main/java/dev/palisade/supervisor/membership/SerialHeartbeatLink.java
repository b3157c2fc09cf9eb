package dev.palisade.supervisor.membership;

import dev.palisade.drivers.serial.SerialLine;
import dev.palisade.drivers.serial.TtyHolders;
import dev.palisade.supervisor.config.SupervisorConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.tinylog.Logger;

/**
 * A heartbeat link over a null-modem cable (jssc, 8N1 at the configured baud). A reader thread reads
 * frames with resynchronisation on the magic; when the line fails (cable pulled, device gone) it closes
 * the port and reopens it every second until it works again.
 */
public final class SerialHeartbeatLink implements HeartbeatLink {
    private static final long REOPEN_MS = 1000;
    /** A line silent this long is reopened: a re-plugged cable (or a re-created pty) needs a fresh open. */
    private static final long SILENT_REOPEN_NANOS = 3_000_000_000L;
    private static final int MAX_NOISE = 4096;

    private final SupervisorConfig.SerialLink config;
    private final HeartbeatFrame.Key key;
    private volatile SerialLine line;
    private volatile OutputStream out;
    private volatile boolean closed;

    public SerialHeartbeatLink(SupervisorConfig.SerialLink config, HeartbeatFrame.Key key) {
        this.config = config;
        this.key = key;
    }

    @Override
    public String name() {
        return config.name();
    }

    @Override
    public void start(Receiver receiver, dev.palisade.supervisor.node.FatalHandler fatal) throws IOException {
        open();
        warnOfGetty();
        Thread t = new Thread(() -> readLoop(receiver), "hb-serial");
        t.setDaemon(true);
        t.setPriority(Thread.MAX_PRIORITY);
        t.setUncaughtExceptionHandler((th, e) -> fatal.die(th.getName(), e));
        t.start();
    }

    /** A getty on this port eats the peer's frames and answers them with login prompts: say so, loudly, once. */
    private void warnOfGetty() {
        try {
            java.nio.file.Path device = java.nio.file.Path.of(config.device());
            var gettys = TtyHolders.gettys(device);
            if (!gettys.isEmpty()) {
                Logger.error("heartbeat serial port {} is held by {}: its login prompts turn the peer's frames into"
                        + " noise; mask it (systemctl mask --now {})", config.device(), gettys,
                        TtyHolders.gettyUnit(device));
            }
        } catch (IOException e) {
            Logger.debug("heartbeat serial port {}: holders not read ({})", config.device(), e.getMessage());
        }
    }

    private synchronized void open() throws IOException {
        SerialLine l = SerialLine.open(config.device(), config.baud() + ",8N1");
        line = l;
        out = l.output();
    }

    private void readLoop(Receiver receiver) {
        dev.palisade.drivers.platform.Realtime.thisThread(10);
        while (!closed) {
            SerialLine l = line;
            if (l == null) {
                try {
                    Thread.sleep(REOPEN_MS);
                    open();
                    receiver.note(this, "reopened " + config.device());
                } catch (IOException e) {
                    continue;
                } catch (InterruptedException e) {
                    return;
                }
                continue;
            }
            try {
                InputStream in = l.input();
                while (!closed) {
                    l.deadline(System.nanoTime() + SILENT_REOPEN_NANOS);
                    receiver.streamFrame(this, HeartbeatFrame.read(in, key, MAX_NOISE));
                }
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                if (!(e instanceof java.net.SocketTimeoutException)) {
                    receiver.note(this, "line failed (" + e.getMessage() + "); reopening every second");
                }
                synchronized (this) {
                    l.close();
                    line = null;
                    out = null;
                }
            }
        }
    }

    @Override
    public boolean send(byte[] frame) {
        OutputStream o = out;
        if (o == null) {
            return false;
        }
        try {
            o.write(frame);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        closed = true;
        SerialLine l = line;
        if (l != null) {
            l.close();
        }
    }
}
