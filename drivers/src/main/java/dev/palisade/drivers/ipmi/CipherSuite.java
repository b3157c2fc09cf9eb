package dev.palisade.drivers.ipmi;

/**
 * The RMCP+ cipher suites Palisade speaks (IPMI v2.0 §22.15.2, table 22-20). Suites 0-2 are refused unless
 * a configuration allows them explicitly: suite 0 authenticates nothing.
 */
public enum CipherSuite {
    /** RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128. */
    SUITE_3(3, "HmacSHA1", 20, 12, 1, 1),
    /** RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128. */
    SUITE_17(17, "HmacSHA256", 32, 16, 3, 4);

    /** Confidentiality algorithm AES-CBC-128 (IPMI v2.0 §13.28.5): both suites use it. */
    public static final int AES_CBC_128 = 1;

    private final int id;
    private final String mac;
    private final int macLength;
    private final int integrityLength;
    private final int authAlgorithm;
    private final int integrityAlgorithm;

    CipherSuite(int id, String mac, int macLength, int integrityLength, int authAlgorithm, int integrityAlgorithm) {
        this.id = id;
        this.mac = mac;
        this.macLength = macLength;
        this.integrityLength = integrityLength;
        this.authAlgorithm = authAlgorithm;
        this.integrityAlgorithm = integrityAlgorithm;
    }

    /** The suite with this number, or null when Palisade does not speak it. */
    public static CipherSuite of(int id) {
        for (CipherSuite s : values()) {
            if (s.id == id) {
                return s;
            }
        }
        return null;
    }

    /** Authentication algorithm number in Open Session (IPMI v2.0 §13.28): 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256. */
    public int authAlgorithm() {
        return authAlgorithm;
    }

    /** Integrity algorithm number (§13.28.4): 1 HMAC-SHA1-96, 4 HMAC-SHA256-128. */
    public int integrityAlgorithm() {
        return integrityAlgorithm;
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
