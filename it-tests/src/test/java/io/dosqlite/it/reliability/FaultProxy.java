package io.dosqlite.it.reliability;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fault-injecting HTTP/1.1 proxy between the driver and a real page server. Every request is
 * read whole, numbered (1, 2, ...), shown to the {@link Rule}, and forwarded on a fresh upstream
 * connection; the answer goes back with {@code Connection: close}. The rule's {@link Action} can
 * delay it, drop or reset the connection before or after the server applied the request (lost
 * ack), answer 500 instead of (or after) forwarding, stall past the client's timeout, truncate
 * the body, shorten it consistently, flip a bit, serve a page under the wrong number, or replay
 * an older version's answer; hooks run before forwarding, after the server answered and after
 * the client got the answer (used to kill processes at exact points).
 *
 * <p>A path prefix before {@code /v1/} is stripped, so {@code http://127.0.0.1:P/anything/db}
 * reaches database {@code db}: each prefix is a separate client (its own page cache) in one JVM.
 */
final class FaultProxy implements AutoCloseable {

    enum Fault {
        PASS, DELAY,
        /** Close the client connection without forwarding (the request never reaches the server). */
        DROP_BEFORE,
        /** TCP reset without forwarding. */
        RESET_BEFORE,
        /** Forward (the server applies it), then close without answering: a lost acknowledgement. */
        DROP_AFTER,
        /** Forward, then TCP reset. */
        RESET_AFTER,
        /** Answer 500 without forwarding. */
        ERROR_500_BEFORE,
        /** Forward (applied), answer 500. */
        ERROR_500_AFTER,
        /** Hold the connection silent for {@code millis} without forwarding, then close. */
        STALL_BEFORE,
        /** Forward (applied), hold silent for {@code millis}, then close. */
        STALL_AFTER,
        /** Announce the full Content-Length, send part of the body, close. */
        TRUNCATE,
        /** A consistent but shorter answer (Content-Length matches the cut body). */
        SHORT_BODY,
        /** Flip one random bit of a page-bearing (octet-stream) body. */
        BITFLIP,
        /** Serve a frame under another page number (valid CRC for that number) or swap two frames. */
        WRONG_PAGE,
        /** Replay an earlier answer to the same page list at another version. */
        OLD_VERSION,
        /** Flip one random bit of the request body (a commit or stage upload) before forwarding. */
        BITFLIP_REQUEST
    }

    enum Phase { BEFORE_FORWARD, AFTER_UPSTREAM, AFTER_REPLY }

    /** One request as the client sent it. */
    static final class Req {
        final int seq;
        final String method;
        final String target; // path + query with the prefix stripped
        final String prefix;
        final Map<String, String> headers;
        final byte[] body;

        Req(int seq, String method, String target, String prefix, Map<String, String> headers, byte[] body) {
            this.seq = seq;
            this.method = method;
            this.target = target;
            this.prefix = prefix;
            this.headers = headers;
            this.body = body;
        }

        String path() {
            int q = target.indexOf('?');
            return q < 0 ? target : target.substring(0, q);
        }

        /** The endpoint: commit, read, changes, interior, stage, commits (look-up), export, import, db, list. */
        String endpoint() {
            String[] s = path().split("/");
            if (s.length <= 3) {
                return "list";
            }
            if (s.length == 4) {
                return "db";
            }
            return s[4];
        }

        boolean is(String endpoint) {
            return endpoint().equals(endpoint);
        }

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return "#" + seq + " " + method + " " + (prefix.isEmpty() ? "" : "[" + prefix + "]") + target;
        }
    }

    /** What to do with one request. */
    static final class Action {
        static final Action PASS = new Action(Fault.PASS, 0);
        final Fault fault;
        final long millis;
        final Map<Phase, Runnable> hooks = new EnumMap<>(Phase.class);

        Action(Fault fault, long millis) {
            this.fault = fault;
            this.millis = millis;
        }

        static Action of(Fault f) {
            return new Action(f, f == Fault.STALL_BEFORE || f == Fault.STALL_AFTER ? 2500 : 0);
        }

        static Action of(Fault f, long millis) {
            return new Action(f, millis);
        }

        Action hook(Phase p, Runnable r) {
            if (this == PASS) {
                throw new IllegalStateException("use Action.of(Fault.PASS).hook(...), not the shared PASS");
            }
            hooks.put(p, r);
            return this;
        }
    }

    interface Rule {
        Action decide(Req r);
    }

    // ---- common rules ----

    /** Fault the k-th request (1-based) of those matching {@code which}; everything else passes. */
    static Rule nth(Predicate<Req> which, int k, Action a) {
        AtomicInteger n = new AtomicInteger();
        return r -> which.test(r) && n.incrementAndGet() == k ? a : Action.PASS;
    }

    /** Fault each matching request with probability p, with a fault drawn from {@code kinds}. */
    static Rule random(Predicate<Req> which, double p, long seed, Fault... kinds) {
        Random rnd = new Random(seed);
        return r -> {
            synchronized (rnd) {
                return which.test(r) && rnd.nextDouble() < p ? Action.of(kinds[rnd.nextInt(kinds.length)], 300) : Action.PASS;
            }
        };
    }

    static Predicate<Req> endpoint(String e) {
        return r -> r.is(e);
    }

    // ---- state ----

    private final ServerSocket listener;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fault-proxy");
        t.setDaemon(true);
        return t;
    });
    private final int upstreamPort;
    private volatile Rule rule = r -> Action.PASS;
    private volatile boolean closed;
    private final AtomicInteger seq = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final Map<Fault, AtomicInteger> applied = new ConcurrentHashMap<>();
    private final Map<Fault, AtomicInteger> notApplicable = new ConcurrentHashMap<>();
    private final Deque<String> log = new ArrayDeque<>();
    private final Random random;
    /** Earlier /read answers by page list: version to raw answer. */
    private final Map<String, Map<Long, Upstream>> reads = new ConcurrentHashMap<>();
    private final List<Socket> open = new ArrayList<>();

    FaultProxy(int upstreamPort, long seed) throws IOException {
        this.upstreamPort = upstreamPort;
        this.random = new Random(seed);
        this.listener = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::acceptLoop, "fault-proxy-accept");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return listener.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT} plus an optional prefix that makes a separate client. */
    String url(String prefix) {
        return "http://127.0.0.1:" + port() + (prefix == null || prefix.isEmpty() ? "" : "/" + prefix);
    }

    String jdbc(String prefix, String db) {
        return "jdbc:dosqlite:" + url(prefix) + "/" + db;
    }

    void rule(Rule r) {
        this.rule = r == null ? x -> Action.PASS : r;
    }

    void pass() {
        rule(null);
    }

    /** Requests seen since the start (or {@link #resetCounters()}). */
    int requests() {
        return seq.get();
    }

    int applied(Fault f) {
        return applied.getOrDefault(f, new AtomicInteger()).get();
    }

    int appliedTotal() {
        return applied.entrySet().stream().filter(e -> e.getKey() != Fault.PASS).mapToInt(e -> e.getValue().get()).sum();
    }

    /**
     * Waits until no request is being handled and none arrived for 300 ms (a request a killed client
     * sent just before it died is still forwarded, and must land before anyone looks).
     */
    void awaitIdle() {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            int seen = seq.get();
            while (active.get() > 0 && System.nanoTime() < deadline) {
                sleepQuietly(5);
            }
            sleepQuietly(300);
            if (active.get() == 0 && seq.get() == seen) {
                break;
            }
        }
        if (active.get() > 0) {
            throw new IllegalStateException(active.get() + " request(s) still in the proxy after 30 s:\n" + recentLog());
        }
    }

    void resetCounters() {
        seq.set(0);
        applied.clear();
        notApplicable.clear();
        synchronized (log) {
            log.clear();
        }
    }

    String recentLog() {
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
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        synchronized (open) {
            for (Socket s : open) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
        }
        pool.shutdownNow();
    }

    // ---- machinery ----

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = listener.accept();
                synchronized (open) {
                    open.add(s);
                }
                active.incrementAndGet();
                pool.execute(() -> {
                    try {
                        handle(s);
                    } catch (Throwable ignored) {
                        // the client sees a closed connection
                    } finally {
                        closeQuietly(s);
                        synchronized (open) {
                            open.remove(s);
                        }
                        active.decrementAndGet();
                    }
                });
            } catch (IOException e) {
                if (!closed) {
                    sleepQuietly(10);
                }
            }
        }
    }

    private static final class Upstream {
        final String statusLine;
        final List<String[]> headers;
        final byte[] body;

        Upstream(String statusLine, List<String[]> headers, byte[] body) {
            this.statusLine = statusLine;
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        boolean isFrames() {
            String ct = header("Content-Type");
            return ct != null && ct.contains("octet-stream") && body.length >= 8 && statusLine.contains(" 200");
        }

        Upstream withBody(byte[] b) {
            return new Upstream(statusLine, headers, b);
        }
    }

    private void handle(Socket client) throws IOException {
        client.setSoTimeout(120_000);
        client.setTcpNoDelay(true);
        InputStream in = client.getInputStream();
        String requestLine = readLine(in);
        if (requestLine == null || requestLine.isEmpty()) {
            return;
        }
        String[] parts = requestLine.split(" ");
        if (parts.length < 3) {
            return;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line; (line = readLine(in)) != null && !line.isEmpty(); ) {
            int c = line.indexOf(':');
            if (c > 0) {
                headers.put(line.substring(0, c).trim().toLowerCase(Locale.ROOT), line.substring(c + 1).trim());
            }
        }
        byte[] body = readBody(in, headers.get("content-length"), headers.get("transfer-encoding"), false);
        String target = parts[1];
        String prefix = "";
        int v1 = target.indexOf("/v1/");
        if (v1 > 0) {
            prefix = target.substring(1, v1);
            target = target.substring(v1);
        }
        Req req = new Req(seq.incrementAndGet(), parts[0], target, prefix, headers, body);
        Action a;
        try {
            a = rule.decide(req);
        } catch (RuntimeException e) {
            a = Action.PASS;
        }
        if (a == null) {
            a = Action.PASS;
        }
        note(req + " -> " + a.fault);
        runHook(a, Phase.BEFORE_FORWARD);
        OutputStream out = client.getOutputStream();
        switch (a.fault) {
            case DROP_BEFORE:
                count(a.fault);
                return;
            case RESET_BEFORE:
                count(a.fault);
                reset(client);
                return;
            case ERROR_500_BEFORE:
                count(a.fault);
                writeError(out);
                return;
            case STALL_BEFORE:
                count(a.fault);
                sleepQuietly(a.millis);
                return;
            case DELAY:
                count(a.fault);
                sleepQuietly(a.millis);
                break;
            case BITFLIP_REQUEST:
                if (req.body.length < 8) {
                    skipped(a.fault);
                    break;
                }
                count(a.fault);
                byte[] flipped = req.body.clone();
                int bit = pick(flipped.length * 8);
                flipped[bit / 8] ^= (byte) (1 << (bit % 8));
                req = new Req(req.seq, req.method, req.target, req.prefix, req.headers, flipped);
                break;
            default:
                break;
        }
        Upstream up;
        try {
            up = forward(req);
        } catch (IOException e) {
            note(req + " upstream failed: " + e);
            return; // the client sees the connection close, as if the server died
        }
        if (req.is("read") && up.isFrames()) {
            Long v = readVersion(req.body);
            if (v != null) {
                reads.computeIfAbsent(readPages(req.body), k -> new ConcurrentHashMap<>()).putIfAbsent(v, up);
            }
        }
        runHook(a, Phase.AFTER_UPSTREAM);
        switch (a.fault) {
            case DROP_AFTER:
                count(a.fault);
                return;
            case RESET_AFTER:
                count(a.fault);
                reset(client);
                return;
            case ERROR_500_AFTER:
                count(a.fault);
                writeError(out);
                return;
            case STALL_AFTER:
                count(a.fault);
                sleepQuietly(a.millis);
                return;
            case TRUNCATE: {
                if (up.body.length < 2) {
                    skipped(a.fault);
                    break;
                }
                count(a.fault);
                int cut = 1 + pick(up.body.length - 1);
                writeHead(out, up, up.body.length);
                out.write(up.body, 0, cut);
                out.flush();
                return;
            }
            case SHORT_BODY: {
                if (up.body.length < 1) {
                    skipped(a.fault);
                    break;
                }
                count(a.fault);
                int keep = pick(up.body.length);
                byte[] b = java.util.Arrays.copyOf(up.body, keep);
                up = up.withBody(b);
                break;
            }
            case BITFLIP: {
                if (!up.isFrames()) {
                    skipped(a.fault);
                    break;
                }
                count(a.fault);
                byte[] b = up.body.clone();
                int bit = pick(b.length * 8);
                b[bit / 8] ^= (byte) (1 << (bit % 8));
                up = up.withBody(b);
                break;
            }
            case WRONG_PAGE: {
                int ps = pageSize(up);
                if (!up.isFrames() || ps <= 0 || up.body.length % (8 + ps) != 0) {
                    skipped(a.fault);
                    break;
                }
                count(a.fault);
                byte[] b = up.body.clone();
                int frames = b.length / (8 + ps);
                if (frames >= 2) {
                    int i = pick(frames);
                    int j = (i + 1 + pick(frames - 1)) % frames;
                    byte[] tmp = java.util.Arrays.copyOfRange(b, i * (8 + ps), (i + 1) * (8 + ps));
                    System.arraycopy(b, j * (8 + ps), b, i * (8 + ps), 8 + ps);
                    System.arraycopy(tmp, 0, b, j * (8 + ps), 8 + ps);
                } else {
                    Frames.relabel(b, 0, ps, Frames.pageNo(b, 0) + 1);
                }
                up = up.withBody(b);
                break;
            }
            case OLD_VERSION: {
                Long v = req.is("read") ? readVersion(req.body) : null;
                Upstream older = null;
                if (v != null) {
                    Map<Long, Upstream> byVersion = reads.getOrDefault(readPages(req.body), Map.of());
                    long best = -1;
                    for (Map.Entry<Long, Upstream> e : byVersion.entrySet()) {
                        if (e.getKey() < v && e.getKey() > best) {
                            best = e.getKey();
                            older = e.getValue();
                        }
                    }
                }
                if (older == null) {
                    skipped(a.fault);
                    break;
                }
                count(a.fault);
                up = older;
                break;
            }
            default:
                break;
        }
        writeHead(out, up, up.body.length);
        out.write(up.body);
        out.flush();
        runHook(a, Phase.AFTER_REPLY);
    }

    private int pick(int bound) {
        synchronized (random) {
            return random.nextInt(bound);
        }
    }

    private static int pageSize(Upstream up) {
        String h = up.header("X-Dosqlite-Page-Size");
        try {
            return h == null ? -1 : Integer.parseInt(h.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static final Pattern READ_VERSION = Pattern.compile("\"version\"\\s*:\\s*(\\d+)");
    private static final Pattern READ_PAGES = Pattern.compile("\"pages\"\\s*:\\s*\\[([^\\]]*)\\]");

    private static Long readVersion(byte[] body) {
        Matcher m = READ_VERSION.matcher(new String(body, StandardCharsets.UTF_8));
        return m.find() ? Long.valueOf(m.group(1)) : null;
    }

    private static String readPages(byte[] body) {
        Matcher m = READ_PAGES.matcher(new String(body, StandardCharsets.UTF_8));
        return m.find() ? m.group(1).replace(" ", "") : "";
    }

    private void count(Fault f) {
        applied.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
    }

    private void skipped(Fault f) {
        notApplicable.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
    }

    private static void runHook(Action a, Phase p) {
        Runnable r = a.hooks.get(p);
        if (r != null) {
            r.run();
        }
    }

    private Upstream forward(Req req) throws IOException {
        try (Socket up = new Socket()) {
            up.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5000);
            up.setSoTimeout(300_000);
            up.setTcpNoDelay(true);
            StringBuilder sb = new StringBuilder();
            sb.append(req.method).append(' ').append(req.target).append(" HTTP/1.1\r\n");
            for (Map.Entry<String, String> h : req.headers.entrySet()) {
                String k = h.getKey();
                if (k.equals("host") || k.equals("connection") || k.equals("keep-alive") || k.equals("content-length")
                        || k.equals("transfer-encoding") || k.equals("proxy-connection")) {
                    continue;
                }
                sb.append(k).append(": ").append(h.getValue()).append("\r\n");
            }
            sb.append("host: 127.0.0.1:").append(upstreamPort).append("\r\n");
            sb.append("connection: close\r\n");
            if (req.body.length > 0 || !(req.method.equals("GET") || req.method.equals("HEAD") || req.method.equals("DELETE"))) {
                sb.append("content-length: ").append(req.body.length).append("\r\n");
            }
            sb.append("\r\n");
            OutputStream o = up.getOutputStream();
            o.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
            o.write(req.body);
            o.flush();
            InputStream i = up.getInputStream();
            String status = readLine(i);
            if (status == null) {
                throw new EOFException("upstream closed before answering");
            }
            List<String[]> hs = new ArrayList<>();
            String cl = null;
            String te = null;
            for (String line; (line = readLine(i)) != null && !line.isEmpty(); ) {
                int c = line.indexOf(':');
                if (c <= 0) {
                    continue;
                }
                String k = line.substring(0, c).trim();
                String v = line.substring(c + 1).trim();
                if (k.equalsIgnoreCase("content-length")) {
                    cl = v;
                } else if (k.equalsIgnoreCase("transfer-encoding")) {
                    te = v;
                } else if (!k.equalsIgnoreCase("connection") && !k.equalsIgnoreCase("keep-alive")) {
                    hs.add(new String[] {k, v});
                }
            }
            boolean noBody = req.method.equals("HEAD") || status.contains(" 204 ") || status.contains(" 304 ");
            byte[] body = noBody ? new byte[0] : readBody(i, cl, te, true);
            return new Upstream(status, hs, body);
        }
    }

    private static void writeHead(OutputStream out, Upstream up, long contentLength) throws IOException {
        StringBuilder sb = new StringBuilder(up.statusLine).append("\r\n");
        for (String[] h : up.headers) {
            sb.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        sb.append("Content-Length: ").append(contentLength).append("\r\n");
        sb.append("Connection: close\r\n\r\n");
        out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void writeError(OutputStream out) throws IOException {
        byte[] b = "{\"error\":\"internal\",\"message\":\"injected by the fault proxy\"}".getBytes(StandardCharsets.UTF_8);
        out.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: " + b.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(b);
        out.flush();
    }

    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
            s.close();
        } catch (IOException ignored) {
            // gone
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 65536) {
                throw new IOException("header line too long");
            }
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static byte[] readBody(InputStream in, String contentLength, String transferEncoding, boolean toEof) throws IOException {
        if (transferEncoding != null && transferEncoding.toLowerCase(Locale.ROOT).contains("chunked")) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String sizeLine = readLine(in);
                if (sizeLine == null) {
                    throw new EOFException("chunked body ended early");
                }
                int semi = sizeLine.indexOf(';');
                int size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    for (String t; (t = readLine(in)) != null && !t.isEmpty(); ) {
                        // trailers
                    }
                    return b.toByteArray();
                }
                b.write(in.readNBytes(size));
                readLine(in);
            }
        }
        if (contentLength != null) {
            int n = Integer.parseInt(contentLength.trim());
            byte[] b = in.readNBytes(n);
            if (b.length != n) {
                throw new EOFException("body ended after " + b.length + " of " + n + " bytes");
            }
            return b;
        }
        return toEof ? in.readAllBytes() : new byte[0];
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // gone
        }
    }

    static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
