package dev.palisade.fence.wire;

/**
 * What the hardened scheme appends to a result: a MAC computed over the result's bytes as they go out (or
 * come in), so a host list of any length is authenticated without being held whole. The stock protocol has
 * no seal.
 */
public interface ResultSeal {
    /** Takes the next bytes of the result, in order. */
    void update(byte[] bytes, int offset, int length);

    /** The MAC over everything taken ({@link #SIZE} bytes); the seal is spent afterwards. */
    byte[] finish();

    /** Bytes of a seal on the wire. */
    int SIZE = 32;
}
