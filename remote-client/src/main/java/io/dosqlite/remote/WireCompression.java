package io.dosqlite.remote;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * gzip for page frames on the wire (docs/protocol.md, "Compression"). The codec and level were
 * chosen by measuring bytes and CPU per benchmark workload (docs/benchmarks.md): gzip is native on
 * both sides (Workers' CompressionStream, java.util.zip), and level 1 gives nearly all of level 6's
 * saving on SQLite pages, whose free space is runs of zeros, at a fraction of the CPU.
 */
final class WireCompression {

    /** Bodies below this are sent as they are: the gzip header and setup would cost more than they save. */
    static final int MIN_BYTES = 1024;
    /** A compressed body is sent only if it is at most this share of the original. */
    static final double MAX_RATIO = 0.9;
    static final int LEVEL = Deflater.BEST_SPEED;
    /** No answer of the page API inflates past this (16 MiB of page data plus frame headers). */
    static final int MAX_INFLATED = 32 * 1024 * 1024;

    private WireCompression() {
    }

    /** The gzip form of {@code body}, or null when it is too small or would not shrink enough. */
    static byte[] compressIfWorth(byte[] body) {
        if (body.length < MIN_BYTES) {
            return null;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024) {
            {
                def.setLevel(LEVEL);
            }
        }) {
            gz.write(body);
        } catch (IOException e) {
            throw new IllegalStateException(e); // in memory: cannot happen
        }
        return out.size() <= body.length * MAX_RATIO ? out.toByteArray() : null;
    }

    /** Inflates a gzip answer; a malformed one or one past {@link #MAX_INFLATED} is an IOException. */
    static byte[] inflate(byte[] gzip) throws IOException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(gzip), 64 * 1024)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, gzip.length * 4));
            byte[] buf = new byte[64 * 1024];
            for (int n; (n = in.read(buf)) > 0; ) {
                if (out.size() + n > MAX_INFLATED) {
                    throw new IOException("a gzip answer inflates past " + MAX_INFLATED + " bytes");
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** Whether an answer says the server accepts gzip request bodies (RFC 7694 Accept-Encoding). */
    static boolean serverAcceptsGzip(String acceptEncoding) {
        return acceptEncoding != null && acceptEncoding.toLowerCase(java.util.Locale.ROOT).contains("gzip");
    }
}
