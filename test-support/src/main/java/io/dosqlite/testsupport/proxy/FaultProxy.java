package io.dosqlite.testsupport.proxy;

import io.dosqlite.testsupport.proxy.HttpWire.Response;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fault-injecting HTTP/1.1 proxy between a client and a real page server. Every request is read
 * whole, numbered (1, 2, ...), shown to the {@link Rule}, and forwarded on a fresh upstream
 * connection. The rule's {@link Action} can delay it, drop or reset the connection before or after
 * the server applied the request (lost ack), answer 500 or 503 instead of (or after) forwarding,
 * stall past the client's timeout, truncate the body, shorten it consistently, flip a bit, serve a
 * page under the wrong number, or replay an older version's answer; hooks run at each {@link Phase}.
 *
 * <p>By default every answer carries {@code Connection: close}, so each request has a connection of
 * its own; {@link #keepAlive()} lets clients reuse connections (and {@link #dropConnections()} cut
 * them). A path prefix before {@code /v1/} is stripped, so {@code http://127.0.0.1:P/anything/db}
 * reaches database {@code db}: each prefix is a separate client (its own page cache) in one JVM.
 */
public final class FaultProxy extends TcpProxy {
    private static final Set<Fault> BEFORE_FORWARD = EnumSet.of(Fault.DROP_BEFORE, Fault.RESET_BEFORE,
            Fault.ERROR_500_BEFORE, Fault.ERROR_503_BEFORE, Fault.STALL_BEFORE);

    private final int upstreamPort;
    private final Damage damage;
    private final Replays replays = new Replays();
    private volatile Rule rule = Rule.PASS;
    private volatile boolean keepAlive;
    private final AtomicInteger seq = new AtomicInteger();
    /** Connections reading or answering a request (an idle keep-alive connection does not count). */
    private final AtomicInteger active = new AtomicInteger();
    private final Map<Fault, AtomicInteger> applied = new ConcurrentHashMap<>();
    private final Deque<String> log = new ArrayDeque<>();

    /** A proxy to the page server on 127.0.0.1:{@code upstreamPort}; {@code seed} drives the random damage. */
    public FaultProxy(int upstreamPort, long seed) throws IOException {
        super("fault-proxy");
        this.upstreamPort = upstreamPort;
        this.damage = new Damage(seed);
        listen();
    }

    /** Answers without {@code Connection: close}: clients keep their connections, as with a real server. */
    public FaultProxy keepAlive() {
        keepAlive = true;
        return this;
    }

    /** {@code http://127.0.0.1:PORT} plus an optional prefix that makes a separate client. */
    public String url(String prefix) {
        return url() + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
    }

    public String jdbc(String prefix, String db) {
        return "jdbc:dosqlite:" + url(prefix) + "/" + db;
    }

    public void rule(Rule r) {
        this.rule = r == null ? Rule.PASS : r;
    }

    public void pass() {
        rule(null);
    }

    /** Requests seen since the start (or {@link #resetCounters()}). */
    public int requests() {
        return seq.get();
    }

    public int applied(Fault f) {
        return applied.getOrDefault(f, new AtomicInteger()).get();
    }

    public int appliedTotal() {
        return applied.entrySet().stream().filter(e -> e.getKey() != Fault.PASS).mapToInt(e -> e.getValue().get()).sum();
    }

    /**
     * Waits until no request is being handled and none arrived for 300 ms (a request a killed client
     * sent just before it died is still forwarded, and must land before anyone looks).
     */
    public void awaitIdle() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            int seen = seq.get();
            while (active.get() > 0 && System.nanoTime() < deadline) {
                sleep(5);
            }
            sleep(300);
            if (active.get() == 0 && seq.get() == seen) {
                break;
            }
        }
        if (active.get() > 0) {
            throw new IllegalStateException(active.get() + " request(s) still in the proxy after 30 s:\n" + recentLog());
        }
    }

    public void resetCounters() {
        seq.set(0);
        applied.clear();
        synchronized (log) {
            log.clear();
        }
    }

    /** The last 60 requests and what was done to them. */
    public String recentLog() {
        synchronized (log) {
            return String.join("\n", log);
        }
    }

    private void note(String s) {
        synchronized (log) {
            log.addLast(s);
            while (log.size() > 60) {
                log.removeFirst();
            }
        }
    }

    @Override
    protected void serve(Socket client) throws IOException {
        client.setTcpNoDelay(true);
        InputStream in = new BufferedInputStream(client.getInputStream());
        OutputStream out = client.getOutputStream();
        active.incrementAndGet();
        try {
            while (exchange(client, in, out)) { // true only for a kept connection
                active.decrementAndGet(); // idle until the client sends its next request
                try {
                    client.setSoTimeout(0);
                    if (!HttpWire.awaitData(in)) {
                        return;
                    }
                } finally {
                    active.incrementAndGet();
                }
            }
        } finally {
            active.decrementAndGet();
        }
    }

    /** One request and its answer (or fault); true if the connection may carry another request. */
    private boolean exchange(Socket client, InputStream in, OutputStream out) throws IOException {
        client.setSoTimeout(120_000);
        Req req = HttpWire.readRequest(in, seq::incrementAndGet);
        if (req == null) {
            return false;
        }
        req = plain(req);
        Action a = decide(req);
        note(req + " -> " + a.fault);
        a.run(Phase.BEFORE_FORWARD);
        if (faultBeforeForward(a, client, in, out)) {
            return false;
        }
        if (a.fault == Fault.BITFLIP_REQUEST) {
            if (req.body().length >= 8) { // else it does not apply: forwarded unchanged
                count(a.fault);
                req = req.withBody(damage.flipBit(req.body()));
            }
        }
        Response up;
        Socket s = null;
        try {
            s = connect("127.0.0.1", upstreamPort, 5000);
            up = HttpWire.exchange(s, req, upstreamPort);
        } catch (IOException e) {
            note(req + " upstream failed: " + e);
            return false; // the client sees the connection close, as if the server died
        } finally {
            if (s != null) {
                release(s);
            }
        }
        replays.remember(req, up);
        a.run(Phase.AFTER_UPSTREAM);
        Response answer = faultAfterUpstream(a, req, up, client, in, out);
        if (answer == null) {
            return false;
        }
        boolean close = !keepAlive || "close".equalsIgnoreCase(req.header("connection"));
        HttpWire.writeAnswer(out, answer, close);
        a.run(Phase.AFTER_REPLY);
        return !close;
    }

    /**
     * The faults damage pages, as before pages were gzipped on the wire: a gzip request body is
     * forwarded inflated, and the server is asked for plain answers (no Accept-Encoding). What a
     * damaged gzip stream does is tested where compression is (remote-client's CompressedPages tests).
     */
    static Req plain(Req r) throws IOException {
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>(r.headers());
        h.remove("accept-encoding");
        byte[] body = r.body();
        if ("gzip".equalsIgnoreCase(h.get("content-encoding"))) {
            try (java.io.InputStream gz = new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(body))) {
                body = gz.readAllBytes();
            }
            h.remove("content-encoding");
        }
        return new Req(r.seq(), r.method(), r.target(), r.prefix(), h, body);
    }

    private Action decide(Req req) {
        try {
            Action a = rule.decide(req);
            return a == null ? Action.PASS : a;
        } catch (RuntimeException e) {
            return Action.PASS;
        }
    }

    /** Applies a fault that keeps the request from the server; true if the exchange ends here. */
    private boolean faultBeforeForward(Action a, Socket client, InputStream in, OutputStream out) throws IOException {
        if (a.fault == Fault.DELAY) {
            count(a.fault);
            sleep(a.millis);
            return false;
        }
        if (!BEFORE_FORWARD.contains(a.fault)) {
            return false;
        }
        count(a.fault);
        switch (a.fault) {
            case RESET_BEFORE -> HttpWire.reset(client);
            case ERROR_500_BEFORE -> HttpWire.writeError(out, 500);
            case ERROR_503_BEFORE -> HttpWire.writeError(out, 503);
            case STALL_BEFORE -> HttpWire.holdSilent(client, in, a.millis);
            default -> {
                // DROP_BEFORE: the connection closes
            }
        }
        return true;
    }

    /** The answer the client gets after the server answered {@code up}; null if the fault ended the exchange. */
    private Response faultAfterUpstream(Action a, Req req, Response up, Socket client, InputStream in, OutputStream out)
            throws IOException {
        byte[] body = up.body();
        switch (a.fault) {
            case DROP_AFTER -> count(a.fault);
            case RESET_AFTER -> {
                count(a.fault);
                HttpWire.reset(client);
            }
            case ERROR_500_AFTER, ERROR_503_AFTER -> {
                count(a.fault);
                HttpWire.writeError(out, a.fault == Fault.ERROR_503_AFTER ? 503 : 500);
            }
            case STALL_AFTER -> {
                count(a.fault);
                HttpWire.holdSilent(client, in, a.millis);
            }
            case TRUNCATE -> {
                if (body.length < 2) {
                    return up; // does not apply: unchanged
                }
                count(a.fault);
                int cut = 1 + damage.pick(body.length - 1);
                HttpWire.writeHead(out, up, body.length, true);
                out.write(body, 0, cut);
                out.flush();
            }
            case SHORT_BODY -> {
                if (body.length < 1) {
                    return up; // does not apply: unchanged
                }
                count(a.fault);
                return up.withBody(Arrays.copyOf(body, damage.pick(body.length)));
            }
            case BITFLIP -> {
                if (!up.isFrames()) {
                    return up; // does not apply: unchanged
                }
                count(a.fault);
                return up.withBody(damage.flipBit(body));
            }
            case WRONG_PAGE -> {
                int ps = up.pageSize();
                if (!up.isFrames() || ps <= 0 || body.length % (8 + ps) != 0) {
                    return up; // does not apply: unchanged
                }
                count(a.fault);
                return up.withBody(damage.wrongPage(body, ps));
            }
            case OLD_VERSION -> {
                Response older = replays.older(req);
                if (older == null) {
                    return up; // does not apply: unchanged
                }
                count(a.fault);
                return older;
            }
            default -> {
                return up;
            }
        }
        return null;
    }

    private void count(Fault f) {
        applied.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
