package dev.palisade.fence.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Finds the next frame start on a byte stream (a serial line): reads until the last four bytes equal one
 * of the given 4-byte magics, counting what it skipped. Shared by every framing that must resynchronise
 * after noise.
 */
public final class MagicScanner {
    private MagicScanner() {
    }

    /** Which magic was found (its index), and how many bytes of noise came before it; index -1: gave up. */
    public record Found(int magic, int skipped) {
    }

    /**
     * Reads up to a magic; gives up (index -1) after {@code maxSkip} bytes of noise. Throws EOFException when
     * the stream ends first.
     */
    public static Found next(InputStream in, int maxSkip, byte[]... magics) throws IOException {
        int skipped = 0;
        byte[] window = new byte[4];
        int filled = 0;
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("stream closed");
            }
            if (filled < 4) {
                window[filled++] = (byte) c;
                if (filled < 4) {
                    continue;
                }
            } else {
                System.arraycopy(window, 1, window, 0, 3);
                window[3] = (byte) c;
                skipped++;
            }
            for (int i = 0; i < magics.length; i++) {
                if (Arrays.equals(window, magics[i])) {
                    return new Found(i, skipped);
                }
            }
            if (skipped >= maxSkip) {
                return new Found(-1, skipped);
            }
        }
    }
}
