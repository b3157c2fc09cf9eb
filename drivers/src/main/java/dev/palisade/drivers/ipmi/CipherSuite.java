package dev.palisade.drivers.ipmi;

/**
 * The RMCP+ cipher suites Palisade speaks (IPMI v2.0 §22.15.2, table 22-20). Suites 0-2 are refused unless
 * a configuration allows them explicitly: suite 0 authenticates nothing.
 */
public enum CipherSuite {
    /** RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128. */
    SUITE_3(3, "HmacSHA1", 20, 12),
    /** RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128. */
    SUITE_17(17, "HmacSHA256", 32, 16);

    private final int id;
    private final String mac;
    private final int macLength;
    private final int integrityLength;

    CipherSuite(int id, String mac, int macLength, int integrityLength) {
        this.id = id;
        this.mac = mac;
        this.macLength = macLength;
        this.integrityLength = integrityLength;
    }

    public int id() {
        return id;
    }

    /** JCA name of the RAKP / integrity HMAC. */
    public String mac() {
        return mac;
    }

    /** Length of the RAKP HMAC and of SIK, K1, K2. */
    public int macLength() {
        return macLength;
    }

    /** Truncated length of the RAKP 4 ICV and of every packet's integrity AuthCode. */
    public int integrityLength() {
        return integrityLength;
    }
}
