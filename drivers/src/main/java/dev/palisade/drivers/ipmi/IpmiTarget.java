package dev.palisade.drivers.ipmi;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

/**
 * Where and how to reach one BMC: address, user, password (Kuid), optional BMC key Kg, cipher suite,
 * privilege level, the per-exchange timeout and number of tries, and whether a weak suite (0-2) may be used.
 */
public record IpmiTarget(InetSocketAddress bmc, String user, byte[] kuid, byte[] kg, CipherSuite suite,
                         Privilege privilege, Duration timeout, int tries, boolean weakSuiteAllowed) {
    public static final int DEFAULT_PORT = 623;

    public IpmiTarget {
        if (user.getBytes(StandardCharsets.UTF_8).length > 16) {
            throw new IllegalArgumentException("IPMI user names are at most 16 bytes");
        }
        if (kuid.length != 20) {
            throw new IllegalArgumentException("Kuid must be the password zero-padded to 20 bytes");
        }
        if (kg != null && kg.length > 20) {
            throw new IllegalArgumentException("the BMC key (Kg) is at most 20 bytes");
        }
        if (tries < 1) {
            throw new IllegalArgumentException("tries must be at least 1");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
    }

    /** A target with the usual defaults: administrator, 1 s per exchange, 4 tries (ipmitool's). */
    public static IpmiTarget of(InetSocketAddress bmc, String user, String password, CipherSuite suite) {
        return new IpmiTarget(bmc, user, RakpKeys.kuid(password), null, suite, Privilege.ADMINISTRATOR,
                Duration.ofSeconds(1), 4, false);
    }

    public IpmiTarget withPrivilege(Privilege p) {
        return new IpmiTarget(bmc, user, kuid, kg, suite, p, timeout, tries, weakSuiteAllowed);
    }

    public IpmiTarget withTimeout(Duration t, int n) {
        return new IpmiTarget(bmc, user, kuid, kg, suite, privilege, t, n, weakSuiteAllowed);
    }

    public IpmiTarget withKg(byte[] key) {
        return new IpmiTarget(bmc, user, kuid, key == null ? null : Arrays.copyOf(key, 20), suite, privilege,
                timeout, tries, weakSuiteAllowed);
    }

    /** Suites 0-2 are refused unless this is called: suite 0 accepts any password, 1 and 2 do not encrypt. */
    public IpmiTarget allowingWeakSuite() {
        return new IpmiTarget(bmc, user, kuid, kg, suite, privilege, timeout, tries, true);
    }

    @Override
    public String toString() {
        return user + "@" + bmc.getHostString() + ":" + bmc.getPort() + " (suite " + suite.id() + ")";
    }
}
