package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.testsupport.TestPageServer;
import io.dosqlite.testsupport.proxy.Action;
import io.dosqlite.testsupport.proxy.Fault;
import io.dosqlite.testsupport.proxy.Frames;
import io.dosqlite.testsupport.proxy.Phase;
import io.dosqlite.testsupport.proxy.Rule;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The harness itself, against a real page server: each fault the proxy injects has the effect
 * the other tests rely on (so a passing reliability test means the fault really happened).
 */
class FaultProxyTest {
    @RegisterExtension
    static final TestPageServer env = new TestPageServer().withFaultProxy(Rel.SEED);
    private static RawHttp viaProxy;
    private static RawHttp direct;
    private static final String DB = "proxy-selftest";
    private static final int PS = 4096;

    @BeforeAll
    static void start() throws IOException {
        viaProxy = RawHttp.of(env.proxy().url("some/prefix"));
        direct = RawHttp.of(env.url());
        assertEquals(201, direct.create(DB, PS).status());
        assertEquals(200, direct.commit(DB, 0, 3, PS, "k0", Frames.pattern(1, 3, PS, 0)).status());
    }

    @Test
    void passForwardsRequestsAndAnswersUnchangedAndStripsThePrefix() throws IOException {
        env.proxy().pass();
        RawHttp.Resp a = viaProxy.read(DB, 1, 1, 2, 3);
        RawHttp.Resp b = direct.read(DB, 1, 1, 2, 3);
        assertEquals(200, a.status(), a.toString());
        assertArrayEquals(b.body(), a.body());
        assertEquals("1", a.header("X-Dosqlite-Version"));
    }

    @Test
    void lostAckMeansTheServerAppliedButTheClientGotNothing() throws IOException {
        long v = direct.version(DB);
        env.proxy().rule(Rule.nth(Rule.endpoint("commit"), 1, Action.of(Fault.DROP_AFTER)));
        assertThrows(IOException.class,
                () -> viaProxy.commit(DB, v, 3, PS, "lost-1", Frames.pattern(2, 2, PS, 7)));
        assertEquals(v + 1, direct.version(DB), "DROP_AFTER must forward the commit");
        assertEquals(200, direct.get("/v1/databases/" + DB + "/commits/lost-1").status());
        env.proxy().rule(Rule.nth(Rule.endpoint("commit"), 1, Action.of(Fault.DROP_BEFORE)));
        assertThrows(IOException.class,
                () -> viaProxy.commit(DB, v + 1, 3, PS, "lost-2", Frames.pattern(2, 2, PS, 8)));
        assertEquals(v + 1, direct.version(DB), "DROP_BEFORE must not forward");
        env.proxy().pass();
    }

    @Test
    void errorAfterApplyingAndResetAndStall() throws IOException {
        long v = direct.version(DB);
        env.proxy().rule(Rule.nth(Rule.endpoint("commit"), 1, Action.of(Fault.ERROR_500_AFTER)));
        assertEquals(500, viaProxy.commit(DB, v, 3, PS, "e500", Frames.pattern(3, 3, PS, 9)).status());
        assertEquals(v + 1, direct.version(DB));
        env.proxy().rule(r -> Action.of(Fault.RESET_BEFORE));
        assertThrows(IOException.class, () -> viaProxy.info(DB));
        env.proxy().rule(r -> Action.of(Fault.ERROR_500_BEFORE));
        assertEquals(500, viaProxy.info(DB).status());
        env.proxy().rule(r -> Action.of(Fault.STALL_BEFORE, 300));
        long t0 = System.nanoTime();
        assertThrows(IOException.class, () -> viaProxy.info(DB));
        assertTrue(System.nanoTime() - t0 >= 250_000_000L);
        env.proxy().pass();
    }

    @Test
    void bodyFaultsChangeWhatTheClientReceives() throws IOException {
        long v = direct.version(DB);
        byte[] good = direct.read(DB, v, 1, 2, 3).body();
        env.proxy().rule(r -> Action.of(Fault.BITFLIP));
        byte[] flipped = viaProxy.read(DB, v, 1, 2, 3).body();
        assertEquals(good.length, flipped.length);
        int diff = 0;
        for (int i = 0; i < good.length; i++) {
            diff += Integer.bitCount((good[i] ^ flipped[i]) & 0xff);
        }
        assertEquals(1, diff, "exactly one bit flipped");
        env.proxy().rule(r -> Action.of(Fault.SHORT_BODY));
        assertTrue(viaProxy.read(DB, v, 1, 2, 3).body().length < good.length);
        env.proxy().rule(r -> Action.of(Fault.TRUNCATE));
        assertThrows(IOException.class, () -> viaProxy.read(DB, v, 1, 2, 3));
        env.proxy().rule(r -> Action.of(Fault.WRONG_PAGE));
        byte[] wrong = viaProxy.read(DB, v, 1, 2, 3).body();
        assertEquals(good.length, wrong.length);
        assertFalse(java.util.Arrays.equals(good, wrong));
        env.proxy().rule(r -> Action.of(Fault.WRONG_PAGE));
        byte[] one = viaProxy.read(DB, v, 2).body();
        assertEquals(3, Frames.pageNo(one, 0), "a single frame is relabelled as the next page");
        env.proxy().pass();
    }

    @Test
    void oldVersionReplaysAnEarlierAnswer() throws IOException {
        env.proxy().pass();
        long v = direct.version(DB);
        viaProxy.read(DB, v, 2); // recorded
        assertEquals(200, direct.commit(DB, v, 3, PS, "ov-" + v, Frames.pattern(2, 2, PS, 11)).status());
        env.proxy().rule(r -> Action.of(Fault.OLD_VERSION));
        RawHttp.Resp stale = viaProxy.read(DB, v + 1, 2);
        assertEquals(String.valueOf(v), stale.header("X-Dosqlite-Version"));
        assertNotEquals(direct.read(DB, v + 1, 2).text(), stale.text());
        env.proxy().pass();
    }

    @Test
    void hooksRunAtTheirPhase() throws IOException {
        AtomicInteger before = new AtomicInteger(-1);
        AtomicInteger after = new AtomicInteger(-1);
        // the AFTER_REPLY hook runs once the reply is written: the client may have its answer first
        java.util.concurrent.CountDownLatch replied = new java.util.concurrent.CountDownLatch(1);
        env.proxy().rule(Rule.nth(Rule.endpoint("db"), 1, Action.of(Fault.PASS)
                .hook(Phase.BEFORE_FORWARD, () -> before.set(env.proxy().requests()))
                .hook(Phase.AFTER_REPLY, () -> {
                    after.set(env.proxy().requests());
                    replied.countDown();
                })));
        assertEquals(200, viaProxy.info(DB).status());
        assertTrue(awaitQuietly(replied), "the AFTER_REPLY hook ran");
        assertTrue(before.get() > 0 && after.get() > 0);
        env.proxy().pass();
    }

    private static boolean awaitQuietly(java.util.concurrent.CountDownLatch latch) {
        try {
            return latch.await(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
