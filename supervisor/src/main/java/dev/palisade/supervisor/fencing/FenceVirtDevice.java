package dev.palisade.supervisor.fencing;

import dev.palisade.fence.agent.FenceVirtClient;
import dev.palisade.fence.wire.RequestCode;
import dev.palisade.fence.wire.ResponseCode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * A VM's power through a fence_virt gateway (Palisade's fence daemon or the stock fence_virtd): TCP
 * ({@code fence_virt -T}) or multicast ({@code fence_xvm}), legacy or hardened authentication.
 */
public final class FenceVirtDevice implements FenceDevice {
    private final FenceVirtClient client;
    private final InetSocketAddress tcp;
    private final InetAddress group;
    private final int port;
    private final String domain;

    /** Over TCP to {@code gateway}. */
    public static FenceVirtDevice tcp(FenceVirtClient client, InetSocketAddress gateway, String domain) {
        return new FenceVirtDevice(client, gateway, null, gateway.getPort(), domain);
    }

    /** Over multicast to {@code group:port}, called back on this host's address {@code port}. */
    public static FenceVirtDevice multicast(FenceVirtClient client, InetAddress group, int port, String domain) {
        return new FenceVirtDevice(client, null, group, port, domain);
    }

    private FenceVirtDevice(FenceVirtClient client, InetSocketAddress tcp, InetAddress group, int port, String domain) {
        this.client = client;
        this.tcp = tcp;
        this.group = group;
        this.port = port;
        this.domain = domain;
    }

    @Override
    public String describe() {
        return "fence_virt " + domain + (tcp != null ? " via tcp " + tcp.getHostString() + ":" + tcp.getPort()
                : " via multicast " + group.getHostAddress() + ":" + port);
    }

    /**
     * The domain is in the gateway's host list (by name or UUID). The stock protocol answers OFF to a status
     * of a domain it does not know, so without this a typo or a renamed VM would read "off" forever.
     */
    @Override
    public void checkTarget() throws IOException {
        java.util.List<dev.palisade.fence.wire.HostState> hosts = hosts();
        for (dev.palisade.fence.wire.HostState h : hosts) {
            if (h.domain().equals(domain) || h.uuid().equalsIgnoreCase(domain)) {
                return;
            }
        }
        throw new IOException("domain '" + domain + "' is not in the gateway's list of " + hosts.size()
                + " domain(s): a typo, or a renamed or re-created VM; fix domain in the fencing block"
                + " (palisade doctor lists what the gateway knows)");
    }

    /** The domains the gateway lists, for the doctor. */
    public java.util.List<String> listDomains() throws IOException {
        return hosts().stream().map(dev.palisade.fence.wire.HostState::domain).toList();
    }

    private java.util.List<dev.palisade.fence.wire.HostState> hosts() throws IOException {
        FenceVirtClient.Result r = tcp != null ? client.tcp(tcp, RequestCode.HOSTLIST, "")
                : client.multicast(group, port, multicastCallbacks(), RequestCode.HOSTLIST, "", Duration.ofSeconds(1));
        if (r.code() != ResponseCode.SUCCESS.code()) {
            throw refused("list", r.code());
        }
        return r.hosts();
    }

    public String domain() {
        return domain;
    }

    /**
     * ON, OFF, or an exception; an unknown domain (the hardened scheme's UNKNOWN_DOMAIN) is "target not found",
     * never OFF (docs/hardened-auth.md).
     */
    @Override
    public Power status() throws IOException {
        int code = request(RequestCode.STATUS);
        if (code == ResponseCode.SUCCESS.code()) {
            return Power.ON;
        }
        if (code == ResponseCode.OFF.code()) {
            return Power.OFF;
        }
        throw refused("status", code);
    }

    /**
     * True for the hardened scheme only: there the gateway answers UNKNOWN_DOMAIN for a domain no hypervisor
     * knows, so OFF means off. The legacy protocol cannot tell: the stock fence_virtd answers OFF to a status of
     * a domain it does not know (and so does our gateway on the legacy wire, byte for byte).
     */
    @Override
    public boolean offIsReliable() {
        return client.isHardened();
    }

    @Override
    public void off() throws IOException {
        int code = request(RequestCode.OFF);
        if (code != ResponseCode.SUCCESS.code()) {
            throw refused("off", code);
        }
    }

    @Override
    public void on() throws IOException {
        int code = request(RequestCode.ON);
        if (code != ResponseCode.SUCCESS.code()) {
            throw refused("on", code);
        }
    }

    private int request(RequestCode op) throws IOException {
        if (tcp != null) {
            return client.tcp(tcp, op, domain).code();
        }
        return client.multicast(group, port, multicastCallbacks(), op, domain, Duration.ofSeconds(1)).code();
    }

    private java.util.List<FenceVirtClient.Callback> multicastCallbacks() throws IOException {
        java.util.List<FenceVirtClient.Callback> out = new java.util.ArrayList<>();
        for (java.net.NetworkInterface nif : java.util.Collections.list(java.net.NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || !nif.supportsMulticast()) {
                continue;
            }
            for (InetAddress a : java.util.Collections.list(nif.getInetAddresses())) {
                if (a.getClass() == group.getClass() && !a.isLinkLocalAddress()) {
                    out.add(new FenceVirtClient.Callback(a, nif));
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException("no interface with an address to send the multicast request from");
        }
        return out;
    }

    private IOException refused(String action, int code) {
        ResponseCode rc = ResponseCode.fromCode(code);
        if (rc == ResponseCode.UNKNOWN_DOMAIN) {
            return new IOException("target not found: no hypervisor behind the gateway knows domain '" + domain
                    + "' (answer to " + action + "); a typo, or a renamed or re-created VM: fix domain in the"
                    + " fencing block (palisade doctor lists what the gateway knows)");
        }
        return new IOException("gateway answered " + (rc != null ? rc : "code " + code) + " to " + action + " "
                + domain + (rc == ResponseCode.PERM ? " (this node is not allowed to fence it: check groups)" : ""));
    }
}
