package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.it.reliability.FaultProxy.Action;
import io.dosqlite.it.reliability.FaultProxy.Fault;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The harness itself, against a real page server: each fault the proxy injects has the effect
 * the other tests rely on (so a passing reliability test means the fault really happened).
 */
class FaultProxyTest {
    private static RelServer server;
    private static FaultProxy proxy;
    private static RawHttp viaProxy;
    private static RawHttp direct;
    private static final String DB = "proxy-selftest";
    private static final int PS = 4096;

    @BeforeAll
    static void start() throws IOException {
        server = RelServer.start("proxy");
        proxy = new FaultProxy(server.port, Rel.SEED);
        viaProxy = new RawHttp(proxy.url("some/prefix"), Rel.TOKEN);
        direct = server.http();
        assertEquals(201, direct.create(DB, PS).status());
        assertEquals(200, direct.commit(DB, 0, 3, PS, "k0", Frames.pattern(1, 3, PS, 0)).status());
    }

    @AfterAll
    static void stop() {
        Rel.closeQuietly(proxy);
        Rel.closeQuietly(server);
    }

    @Test
    void passForwardsRequestsAndAnswersUnchangedAndStripsThePrefix() throws IOException {
        proxy.pass();
        RawHttp.Resp a = viaProxy.read(DB, 1, 1, 2, 3);
        RawHttp.Resp b = direct.read(DB, 1, 1, 2, 3);
        assertEquals(200, a.status(), a.toString());
        assertArrayEquals(b.body(), a.body());
        assertEquals("1", a.header("X-Dosqlite-Version"));
    }

    @Test
    void lostAckMeansTheServerAppliedButTheClientGotNothing() throws IOException {
        long v = direct.version(DB);
        proxy.rule(FaultProxy.nth(FaultProxy.endpoint("commit"), 1, Action.of(Fault.DROP_AFTER)));
        assertThrows(IOException.class,
                () -> viaProxy.commit(DB, v, 3, PS, "lost-1", Frames.pattern(2, 2, PS, 7)));
        assertEquals(v + 1, direct.version(DB), "DROP_AFTER must forward the commit");
        assertEquals(200, direct.get("/v1/databases/" + DB + "/commits/lost-1").status());
        proxy.rule(FaultProxy.nth(FaultProxy.endpoint("commit"), 1, Action.of(Fault.DROP_BEFORE)));
        assertThrows(IOException.class,
                () -> viaProxy.commit(DB, v + 1, 3, PS, "lost-2", Frames.pattern(2, 2, PS, 8)));
        assertEquals(v + 1, direct.version(DB), "DROP_BEFORE must not forward");
        proxy.pass();
    }

    @Test
    void errorAfterApplyingAndResetAndStall() throws IOException {
        long v = direct.version(DB);
        proxy.rule(FaultProxy.nth(FaultProxy.endpoint("commit"), 1, Action.of(Fault.ERROR_500_AFTER)));
        assertEquals(500, viaProxy.commit(DB, v, 3, PS, "e500", Frames.pattern(3, 3, PS, 9)).status());
        assertEquals(v + 1, direct.version(DB));
        proxy.rule(r -> Action.of(Fault.RESET_BEFORE));
        assertThrows(IOException.class, () -> viaProxy.info(DB));
        proxy.rule(r -> Action.of(Fault.ERROR_500_BEFORE));
        assertEquals(500, viaProxy.info(DB).status());
        proxy.rule(r -> Action.of(Fault.STALL_BEFORE, 300));
        long t0 = System.nanoTime();
        assertThrows(IOException.class, () -> viaProxy.info(DB));
        assertTrue(System.nanoTime() - t0 >= 250_000_000L);
        proxy.pass();
    }

    @Test
    void bodyFaultsChangeWhatTheClientReceives() throws IOException {
        long v = direct.version(DB);
        byte[] good = direct.read(DB, v, 1, 2, 3).body();
        proxy.rule(r -> Action.of(Fault.BITFLIP));
        byte[] flipped = viaProxy.read(DB, v, 1, 2, 3).body();
        assertEquals(good.length, flipped.length);
        int diff = 0;
        for (int i = 0; i < good.length; i++) {
            diff += Integer.bitCount((good[i] ^ flipped[i]) & 0xff);
        }
        assertEquals(1, diff, "exactly one bit flipped");
        proxy.rule(r -> Action.of(Fault.SHORT_BODY));
        assertTrue(viaProxy.read(DB, v, 1, 2, 3).body().length < good.length);
        proxy.rule(r -> Action.of(Fault.TRUNCATE));
        assertThrows(IOException.class, () -> viaProxy.read(DB, v, 1, 2, 3));
        proxy.rule(r -> Action.of(Fault.WRONG_PAGE));
        byte[] wrong = viaProxy.read(DB, v, 1, 2, 3).body();
        assertEquals(good.length, wrong.length);
        assertFalse(java.util.Arrays.equals(good, wrong));
        proxy.rule(r -> Action.of(Fault.WRONG_PAGE));
        byte[] one = viaProxy.read(DB, v, 2).body();
        assertEquals(3, Frames.pageNo(one, 0), "a single frame is relabelled as the next page");
        proxy.pass();
    }

    @Test
    void oldVersionReplaysAnEarlierAnswer() throws IOException {
        proxy.pass();
        long v = direct.version(DB);
        viaProxy.read(DB, v, 2); // recorded
        assertEquals(200, direct.commit(DB, v, 3, PS, "ov-" + v, Frames.pattern(2, 2, PS, 11)).status());
        proxy.rule(r -> Action.of(Fault.OLD_VERSION));
        RawHttp.Resp stale = viaProxy.read(DB, v + 1, 2);
        assertEquals(String.valueOf(v), stale.header("X-Dosqlite-Version"));
        assertNotEquals(direct.read(DB, v + 1, 2).text(), stale.text());
        proxy.pass();
    }

    @Test
    void hooksRunAtTheirPhase() throws IOException {
        AtomicInteger before = new AtomicInteger(-1);
        AtomicInteger after = new AtomicInteger(-1);
        proxy.rule(FaultProxy.nth(FaultProxy.endpoint("db"), 1, Action.of(Fault.PASS)
                .hook(FaultProxy.Phase.BEFORE_FORWARD, () -> before.set(proxy.requests()))
                .hook(FaultProxy.Phase.AFTER_REPLY, () -> after.set(proxy.requests()))));
        assertEquals(200, viaProxy.info(DB).status());
        assertTrue(before.get() > 0 && after.get() > 0);
        proxy.pass();
    }
}
