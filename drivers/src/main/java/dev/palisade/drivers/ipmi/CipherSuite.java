package dev.palisade.drivers.ipmi;

/**
 * The RMCP+ cipher suites Palisade speaks (IPMI v2.0 §22.15.2, table 22-20). Suites 0-2 are weak and only
 * used when a configuration allows them explicitly: suite 0 authenticates nothing (any password is
 * accepted), suites 1 and 2 do not encrypt, suite 1 does not even protect the commands' integrity.
 */
public enum CipherSuite {
    /** RAKP-none, no integrity, no confidentiality. */
    SUITE_0(0, null, 0, 0, 0, 0, 0, 0),
    /** RAKP-HMAC-SHA1, no integrity, no confidentiality. */
    SUITE_1(1, "HmacSHA1", 20, 12, 0, 1, 0, 0),
    /** RAKP-HMAC-SHA1, HMAC-SHA1-96, no confidentiality. */
    SUITE_2(2, "HmacSHA1", 20, 12, 12, 1, 1, 0),
    /** RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128. */
    SUITE_3(3, "HmacSHA1", 20, 12, 12, 1, 1, 1),
    /** RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128. */
    SUITE_17(17, "HmacSHA256", 32, 16, 16, 3, 4, 1);

    /** Confidentiality algorithm AES-CBC-128 (IPMI v2.0 §13.28.5). */
    public static final int AES_CBC_128 = 1;

    private final int id;
    private final String mac;
    private final int macLength;
    private final int rakp4Length;
    private final int integrityLength;
    private final int authAlgorithm;
    private final int integrityAlgorithm;
    private final int confidentialityAlgorithm;

    CipherSuite(int id, String mac, int macLength, int rakp4Length, int integrityLength, int authAlgorithm,
                int integrityAlgorithm, int confidentialityAlgorithm) {
        this.id = id;
        this.mac = mac;
        this.macLength = macLength;
        this.rakp4Length = rakp4Length;
        this.integrityLength = integrityLength;
        this.authAlgorithm = authAlgorithm;
        this.integrityAlgorithm = integrityAlgorithm;
        this.confidentialityAlgorithm = confidentialityAlgorithm;
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

    public int id() {
        return id;
    }

    /** Suites 0-2: used only when explicitly allowed. */
    public boolean weak() {
        return confidentialityAlgorithm == 0;
    }

    /** Why a weak suite is refused by default, in an operator's words; null for suites 3 and 17. */
    public String weakness() {
        return !weak() ? null : authAlgorithm == 0 ? "it accepts any password" : "it does not encrypt";
    }

    /** JCA name of the RAKP / integrity HMAC; null for RAKP-none. */
    public String mac() {
        return mac;
    }

    /** Length of the RAKP HMAC and of SIK, K1, K2 (0 for RAKP-none). */
    public int macLength() {
        return macLength;
    }

    /** Length of the RAKP 4 integrity check value (§13.31: HMAC-SHA1-96 or HMAC-SHA256-128 of SIK). */
    public int rakp4Length() {
        return rakp4Length;
    }

    /** Truncated length of every session packet's AuthCode; 0 when packets carry none. */
    public int integrityLength() {
        return integrityLength;
    }

    /** Authentication algorithm number in Open Session (§13.28): 0 none, 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256. */
    public int authAlgorithm() {
        return authAlgorithm;
    }

    /** Integrity algorithm number (§13.28.4): 0 none, 1 HMAC-SHA1-96, 4 HMAC-SHA256-128. */
    public int integrityAlgorithm() {
        return integrityAlgorithm;
    }

    /** Confidentiality algorithm number (§13.28.5): 0 none, 1 AES-CBC-128. */
    public int confidentialityAlgorithm() {
        return confidentialityAlgorithm;
    }

    /** Session packets carry an AuthCode. */
    public boolean authenticated() {
        return integrityLength > 0;
    }

    /** Session payloads are encrypted. */
    public boolean encrypted() {
        return confidentialityAlgorithm != 0;
    }
}
