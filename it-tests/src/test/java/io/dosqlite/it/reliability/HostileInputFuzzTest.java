package io.dosqlite.it.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dosqlite.local.LocalPageServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The page API under hostile input: runs the page server's fuzzer (page-server/test/fuzz.mjs, in
 * Node against its own real workerd) with as many requests as the mode says (quick 2,000, full
 * 100,000; {@code -Ddosqlite.reliability.fuzzRequests=N}). Its verdicts: no crash, no 5xx, no page
 * changed by a refused request, integrity_check ok on every database.
 */
class HostileInputFuzzTest {
    private static final Pattern FIGURES = Pattern.compile("FUZZ seed=(\\d+) (\\{.*\\}) seconds=([0-9.]+)");

    @Test
    void fuzzedRequestsNeverCrashNeverAnswer5xxAndChangeNothingWhenRefused() throws Exception {
        int n = Rel.n("fuzzRequests", 2_000, 100_000);
        Path dir = LocalPageServer.findPageServerDir();
        ProcessBuilder pb = new ProcessBuilder("node", "--experimental-websocket", "--test", "test/fuzz.test.mjs")
                .directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("DOSQLITE_FUZZ_REQUESTS", Integer.toString(n));
        pb.environment().put("DOSQLITE_FUZZ_SEED", Long.toString(Math.floorMod(Rel.SEED, 100_000L)));
        pb.environment().put("DOSQLITE_FUZZ_LANES", "4");
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(3, TimeUnit.HOURS), "the fuzzer did not finish");
        assertEquals(0, p.exitValue(), out);
        Matcher m = FIGURES.matcher(out);
        assertTrue(m.find(), "no FUZZ line in:\n" + out);
        Rel.figure("HostileInputFuzzTest", "requests", n);
        Rel.figure("HostileInputFuzzTest", "seed", m.group(1));
        Rel.figure("HostileInputFuzzTest", "seconds", m.group(3));
        Rel.figure("HostileInputFuzzTest", "figures", m.group(2).replace("\\\"", "\""));
    }
}
