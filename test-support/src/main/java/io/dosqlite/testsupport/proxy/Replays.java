package io.dosqlite.testsupport.proxy;

import io.dosqlite.testsupport.proxy.HttpWire.Response;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Earlier {@code /read} answers by page list and version, for {@link Fault#OLD_VERSION}. */
final class Replays {
    private static final Pattern READ_VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");
    private static final Pattern READ_PAGES = Pattern.compile("\"pages\"\\s*:\\s*\\[([^\\]]*)\\]");

    /** Page list to (version to answer). */
    private final Map<String, Map<Long, Response>> reads = new ConcurrentHashMap<>();

    /** Keeps the first answer of a read of a page list at a version. */
    void remember(Req req, Response up) {
        if (req.is("read") && up.isFrames()) {
            Long v = readVersion(req.body());
            if (v != null) {
                reads.computeIfAbsent(readPages(req.body()), k -> new ConcurrentHashMap<>()).putIfAbsent(v, up);
            }
        }
    }

    /** The answer to the same page list at the newest version older than the one {@code req} asks for, or null. */
    Response older(Req req) {
        Long v = req.is("read") ? readVersion(req.body()) : null;
        if (v == null) {
            return null;
        }
        Response older = null;
        long best = -1;
        for (Map.Entry<Long, Response> e : reads.getOrDefault(readPages(req.body()), Map.of()).entrySet()) {
            if (e.getKey() < v && e.getKey() > best) {
                best = e.getKey();
                older = e.getValue();
            }
        }
        return older;
    }

    private static Long readVersion(byte[] body) {
        Matcher m = READ_VERSION.matcher(new String(body, StandardCharsets.UTF_8));
        return m.find() ? Long.valueOf(m.group(1)) : null;
    }

    private static String readPages(byte[] body) {
        Matcher m = READ_PAGES.matcher(new String(body, StandardCharsets.UTF_8));
        return m.find() ? m.group(1).replace(" ", "") : "";
    }
}
