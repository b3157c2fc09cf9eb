package dev.palisade.drivers.ipmi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The RAKP exchange's keys and codes (IPMI v2.0 §13.28-13.32): the RAKP 2 and RAKP 3 HMACs, the session
 * integrity key SIK, K1 (integrity) and K2 (confidentiality, first 16 bytes for AES-CBC-128), the RAKP 4
 * integrity check value, and the per-packet AuthCode and AES-CBC-128 payload protection.
 */
public final class RakpKeys {
    private final CipherSuite suite;
    private final byte[] kuid;
    private final byte[] sik;
    private final byte[] k1;
    private final byte[] k2;

    /** Kuid: the user's password, zero-padded to 20 bytes (IPMI v2.0 passwords are at most 20). */
    public static byte[] kuid(String password) {
        byte[] p = password.getBytes(StandardCharsets.UTF_8);
        if (p.length > 20) {
            throw new IllegalArgumentException("IPMI v2.0 passwords are at most 20 bytes");
        }
        return Arrays.copyOf(p, 20);
    }

    /**
     * Derives the session keys. {@code kg} is the BMC key (null: Kuid is used, as when no Kg is set);
     * {@code role} is the Rolem byte sent in RAKP 1 (privilege | name-only lookup bit).
     */
    public RakpKeys(CipherSuite suite, byte[] kuid, byte[] kg, byte[] rm, byte[] rc, int role, String user) {
        this.suite = suite;
        this.kuid = kuid.clone();
        this.sik = hmac(kg != null ? kg : kuid, cat(rm, rc, new byte[] {(byte) role}, userField(user)));
        // the constants are 20 bytes whatever the hash (IPMI v2.0 §13.32; SHA-256 suites kept them)
        this.k1 = hmac(sik, fill((byte) 1, 20));
        this.k2 = hmac(sik, fill((byte) 2, 20));
    }

    public byte[] sik() {
        return sik.clone();
    }

    public byte[] k1() {
        return k1.clone();
    }

    public byte[] k2() {
        return k2.clone();
    }

    /** RAKP 2's key exchange authentication code: what the BMC must send if it knows the password. */
    public static byte[] rakp2Hmac(CipherSuite suite, byte[] kuid, byte[] sidm, byte[] sidc, byte[] rm, byte[] rc,
                                   byte[] guid, int role, String user) {
        return hmac(suite, kuid, cat(sidm, sidc, rm, rc, guid, new byte[] {(byte) role}, userField(user)));
    }

    /** RAKP 3's code: what the console sends to prove the password. */
    public byte[] rakp3Hmac(byte[] rc, byte[] sidm, int role, String user) {
        return hmac(kuid, cat(rc, sidm, new byte[] {(byte) role}, userField(user)));
    }

    /** RAKP 4's integrity check value: proves the BMC derived the same SIK. */
    public byte[] rakp4Icv(byte[] rm, byte[] sidc, byte[] guid) {
        return Arrays.copyOf(hmac(sik, cat(rm, sidc, guid)), suite.rakp4Length());
    }

    /** A packet's AuthCode: HMAC-K1 over the bytes from the auth type through the next header, truncated. */
    public byte[] authCode(byte[] packet, int from, int to) {
        return Arrays.copyOf(hmac(k1, Arrays.copyOfRange(packet, from, to)), suite.integrityLength());
    }

    /** Constant-time equality for codes. */
    public static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    /** Decrypts an AES-CBC-128 payload (16-byte IV, then ciphertext) and strips the confidentiality trailer. */
    public byte[] decrypt(byte[] payload) throws GeneralSecurityException {
        if (payload.length < 32 || payload.length % 16 != 0) {
            throw new GeneralSecurityException("encrypted payload of " + payload.length + " bytes");
        }
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(k2, 0, 16, "AES"), new IvParameterSpec(payload, 0, 16));
        byte[] plain = c.doFinal(payload, 16, payload.length - 16);
        int pad = plain[plain.length - 1] & 0xff;
        if (pad >= plain.length || pad > 15) {
            throw new GeneralSecurityException("confidentiality pad length " + pad);
        }
        for (int i = 0; i < pad; i++) {
            if ((plain[plain.length - 1 - pad + i] & 0xff) != i + 1) {
                throw new GeneralSecurityException("confidentiality pad is not 1, 2, 3, ...");
            }
        }
        return Arrays.copyOf(plain, plain.length - 1 - pad);
    }

    /** Encrypts an IPMI message with a fresh IV, padding 1, 2, 3, ... then the pad length. */
    public byte[] encrypt(byte[] message, byte[] iv) throws GeneralSecurityException {
        int pad = (16 - (message.length + 1) % 16) % 16;
        byte[] plain = new byte[message.length + pad + 1];
        System.arraycopy(message, 0, plain, 0, message.length);
        for (int i = 0; i < pad; i++) {
            plain[message.length + i] = (byte) (i + 1);
        }
        plain[plain.length - 1] = (byte) pad;
        Cipher c = Cipher.getInstance("AES/CBC/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(k2, 0, 16, "AES"), new IvParameterSpec(iv));
        return cat(iv, c.doFinal(plain));
    }

    private byte[] hmac(byte[] key, byte[] data) {
        return hmac(suite, key, data);
    }

    static byte[] hmac(CipherSuite suite, byte[] key, byte[] data) {
        if (suite.mac() == null) {
            return new byte[0]; // RAKP-none: no codes at all (§13.28.1)
        }
        try {
            Mac m = Mac.getInstance(suite.mac());
            m.init(new SecretKeySpec(key, suite.mac()));
            return m.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(suite.mac() + " missing from this JVM", e);
        }
    }

    private static byte[] userField(String user) {
        byte[] u = user.getBytes(StandardCharsets.UTF_8);
        return cat(new byte[] {(byte) u.length}, u);
    }

    private static byte[] fill(byte b, int n) {
        byte[] out = new byte[n];
        Arrays.fill(out, b);
        return out;
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
