package dev.palisade.supervisor.resources;

import dev.palisade.supervisor.vrrp.VrrpInstance;
import dev.palisade.supervisor.vrrp.VrrpMachine;
import java.io.IOException;
import java.time.Duration;

/**
 * {@code vip::INSTANCE}: the virtual addresses of a VRRP instance, moved with the group. The instance runs
 * released (it watches and never takes the addresses on its own); start takes mastership at once (the group
 * starts only after the peer is fenced or has stopped its group, VIP included) and is ready when every
 * address is on the interface; stop releases (priority 0: a keepalived or Palisade backup takes over at once)
 * and is done when no address is left.
 */
public final class VipResource implements Resource {
    private final VrrpInstance instance;
    private final Duration timeout;

    public VipResource(VrrpInstance instance, Duration timeout) {
        this.instance = instance;
        this.timeout = timeout;
    }

    @Override
    public String name() {
        return "vip " + instance.name() + " " + instance.config().vips();
    }

    @Override
    public void start() throws IOException {
        instance.takeOver();
        waitFor(Status.RUNNING, "take");
    }

    @Override
    public void stop() throws IOException {
        instance.release();
        waitFor(Status.STOPPED, "release");
    }

    @Override
    public Status monitor() throws IOException {
        boolean master = instance.state() == VrrpMachine.State.MASTER;
        int held = held();
        if (master && held == instance.config().vips().size()) {
            return Status.RUNNING;
        }
        return !master && held == 0 ? Status.STOPPED : Status.FAILED;
    }

    private int held() throws IOException {
        return instance.addressesHeld().size();
    }

    private void waitFor(Status want, String verb) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Status s;
        while ((s = monitor()) != want) {
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("could not " + verb + " " + name() + " within " + timeout.toMillis()
                        + " ms: VRRP state " + instance.state() + ", " + held() + " of "
                        + instance.config().vips().size() + " address(es) on " + instance.config().iface()
                        + " (" + s + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
    }
}
