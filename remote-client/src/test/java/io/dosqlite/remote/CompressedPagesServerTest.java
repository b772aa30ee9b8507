package io.dosqlite.remote;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.vfs.Snapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;

import static io.dosqlite.remote.RemoteTests.config;
import static io.dosqlite.remote.RemoteTests.newDbName;
import static io.dosqlite.remote.RemoteTests.read;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Compressed pages on the wire against a real workerd: SQLite-like pages (mostly free space) cost
 * a fraction of their bytes both ways, read back identical, and compress=false sends them as they are.
 */
class CompressedPagesServerTest {
    static final int PS = 4096;
    static final int N = 64;
    @RegisterExtension
    static final TestPageServer server = new TestPageServer();

    /** A leaf like SQLite's: a cell area of text at the end, zeros in between. */
    static SortedMap<Long, byte[]> sqliteLikePages(int seed) {
        SortedMap<Long, byte[]> m = new TreeMap<>();
        for (long p = 1; p <= N; p++) {
            byte[] b = new byte[PS];
            b[p == 1 ? 100 : 0] = 0x0D;
            byte[] row = ("row " + seed + " on page " + p + ": customer name, street, city; ").getBytes();
            for (int at = PS - 1200; at + row.length <= PS; at += row.length) {
                System.arraycopy(row, 0, b, at, row.length);
            }
            m.put(p, b);
        }
        return m;
    }

    /** Commits the pages, then reads them all cold; returns {bytes up, bytes down}. */
    static long[] roundTrip(boolean compress) throws Exception {
        String db = newDbName(compress ? "gz" : "raw");
        SortedMap<Long, byte[]> pages = sqliteLikePages(compress ? 1 : 2);
        long up;
        try (RemotePageStore s = RemotePageStore.open(config(server.url(), db).compress(compress).build());
             Snapshot snap = s.beginRead()) {
            ClientStats before = s.stats().snapshot();
            assertEquals(1, snap.commit(pages, N, PS));
            up = s.stats().minus(before).bytesUp();
        }
        try (RemotePageStore s = RemotePageStore.open(config(server.url(), db).compress(compress).prefetchInterior(false).build());
             Snapshot snap = s.beginRead()) {
            ClientStats before = s.stats().snapshot();
            for (long p = 1; p <= N; p++) {
                assertArrayEquals(pages.get(p), read(snap, p), "page " + p);
            }
            return new long[] {up, s.stats().minus(before).bytesDown()};
        }
    }

    @Test
    void sqliteLikePagesCostAFractionOfTheirBytesAndReadBackIdentical() throws Exception {
        long[] gz = roundTrip(true);
        long[] raw = roundTrip(false);
        assertEquals(N * (8L + PS), raw[0], "uncompressed: whole frames up");
        assertTrue(raw[1] >= N * (8L + PS) - 8L * (8 + PS), "uncompressed: (nearly) whole frames down: " + raw[1]);
        assertTrue(gz[0] * 5 < raw[0], "gzip commit body: " + gz[0] + " vs " + raw[0]);
        assertTrue(gz[1] * 5 < raw[1], "gzip page answers: " + gz[1] + " vs " + raw[1]);
    }

    @Test
    void smallOrIncompressibleBodiesTravelAsTheyAre() throws Exception {
        assertEquals(null, WireCompression.compressIfWorth(new byte[WireCompression.MIN_BYTES - 1]));
        byte[] noise = new byte[64 * 1024];
        new java.util.Random(7).nextBytes(noise);
        assertEquals(null, WireCompression.compressIfWorth(noise), "random bytes do not shrink by a tenth");
        byte[] zeros = new byte[64 * 1024];
        assertArrayEquals(zeros, WireCompression.inflate(WireCompression.compressIfWorth(zeros)));
    }

    @Test
    void aDamagedGzipAnswerIsCorruptNotRetried() throws Exception {
        // The real server never sends damaged gzip; a JDK HTTP server stands in for the wire damaging it.
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(new byte[8 + PS]);
        }
        byte[] damaged = gz.toByteArray();
        damaged[damaged.length - 6] ^= 0x10; // the CRC-32 trailer
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer http = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", ex -> {
            asked.incrementAndGet();
            ex.getResponseHeaders().add("Content-Encoding", "gzip");
            ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
            ex.sendResponseHeaders(200, damaged.length);
            ex.getResponseBody().write(damaged);
            ex.close();
        });
        http.start();
        try {
            String url = "http://127.0.0.1:" + http.getAddress().getPort();
            io.dosqlite.vfs.PageStoreException e = assertThrows(io.dosqlite.vfs.PageStoreException.class,
                    () -> RemotePageStore.open(config(url, "x").build()).close());
            assertEquals(io.dosqlite.vfs.PageStoreException.Kind.CORRUPT, e.kind(), e.toString());
            assertEquals(1, asked.get(), "a damaged answer is reported, not retried");
        } finally {
            http.stop(0);
        }
    }

    @Test
    void aGzipAnswerThatInflatesPastTheLimitIsRefused() throws Exception {
        ByteArrayOutputStream bomb = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(bomb)) {
            byte[] mb = new byte[1 << 20];
            for (int i = 0; i < 40; i++) {
                g.write(mb);
            }
        }
        assertThrows(java.io.IOException.class, () -> WireCompression.inflate(bomb.toByteArray()));
    }
}
