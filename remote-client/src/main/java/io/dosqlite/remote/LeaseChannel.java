package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * The store's read lease and push channel (docs/protocol.md, "Read leases and push invalidation"):
 * one WebSocket to the database's Durable Object. While the lease is trusted a read transaction
 * starts on the newest version known, with no request.
 *
 * <p>Trust (invariant 5): from the moment the lease request was <em>sent</em>, for the granted
 * length minus a margin, by {@link System#nanoTime()}; only while the socket is open (a broken
 * socket may have lost an invalidation). Invalidations are applied on the socket's thread under this
 * object's lock, which is also the lock a transaction start pins its version under: a transaction
 * sees a version entirely before or entirely after an invalidation, and one in progress keeps its
 * pinned snapshot. An invalidation is acknowledged only after it is applied.
 *
 * <p>Cost: renewals ride on the HTTP requests the store makes anyway (each names the open socket;
 * an answer that renewed the lease says so, see {@link #renewed}); otherwise a transaction that
 * starts past half of the lease renews it in the background with one message. An idle store sends
 * nothing, so its lease lapses and the Durable Object may hibernate.
 */
final class LeaseChannel extends WebSocketListener implements AutoCloseable, PageApi.LeaseRider {
    /** Trust ends this much before the granted length (clock rate differences, scheduling). */
    static final long MIN_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final PageApi api;
    private final PageCache cache;
    private final VersionCheck versions;
    private final KnownState known;
    private final ClientStats stats;
    private final OkHttpClient http;
    private final Map<Long, Pending> pending = new HashMap<>();
    private final LeaseFaults faults;

    private WebSocket socket;
    private CompletableFuture<Boolean> opened;
    private boolean open;
    private long trustedUntil;
    private boolean trusted;
    private long nextId;
    private boolean renewing;
    private long lastFailureNanos;
    private boolean fallbackLogged;
    private volatile boolean closed;
    /** The server's id of the lease granted on the open socket (its `grant`), or null. */
    private String grant;
    /**
     * Grants of sockets that broke, no longer trusted: released on the next socket so that a
     * restarted object need not wait them out (it cannot tell a holder that came back from one that
     * is stopped). Bounded: an id that never got through costs the server one lease, never safety.
     */
    private final java.util.ArrayDeque<String> givenUp = new java.util.ArrayDeque<>();
    private static final int GIVEN_UP_KEPT = 8;
    /** Background reopening attempts since the socket broke (bounded: then transactions reopen it). */
    private int comebacks;
    private static final int COMEBACKS_MAX = 12;
    /**
     * Reopens broken sockets of stores that held a lease, without waiting for a transaction: while
     * a restarted object holds every request back for the grants of its earlier life, no
     * transaction starts to do it.
     */
    private static final java.util.concurrent.ScheduledExecutorService COMEBACK =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dosqlite push channel reopen");
                t.setDaemon(true);
                return t;
            });

    private record Pending(long sentAt, long since, java.util.BitSet cached, CompletableFuture<Void> done) {
    }

    /** A lease request lists at most this much of the cache (page ranges); a longer list is not sent. */
    private static final int MAX_LISTED_CHARS = 256 * 1024;

    /** What the server recorded as cached here (see {@link LeasedPages}). */
    private final LeasedPages leased = new LeasedPages();

    LeasedPages leased() {
        return leased;
    }

    /** Pages asked to be recorded ({@code cache} messages) by id, until answered. */
    private final Map<Long, java.util.BitSet> recording = new HashMap<>();

    /**
     * Asks the server to record pages this store started to use (read-ahead guesses, proven): it
     * answers {@code cached} after every invalidation it sent before, so once the answer is
     * handled here the cache reflects every version that changed them, and later ones wait for us.
     */
    private synchronized boolean sendUsed(java.util.BitSet pages) {
        String list = io.dosqlite.vfs.PageRanges.format(pages, MAX_LISTED_CHARS);
        if (!open || closed || list == null) {
            return false;
        }
        long id = ++nextId;
        recording.put(id, pages);
        if (!socket.send("{\"type\":\"cache\",\"id\":" + id + ",\"pages\":\"" + list + "\"}")) {
            recording.remove(id);
            return false;
        }
        return true;
    }

    LeaseChannel(PageApi api, PageCache cache, VersionCheck versions, KnownState known, ClientStats stats) {
        this.api = api;
        this.cache = cache;
        this.versions = versions;
        this.known = known;
        this.stats = stats;
        this.faults = LeaseFaults.fromSystemProperty();
        leased.sendUsedWith(this::sendUsed);
        // A push channel stays open for as long as the store: no read or call timeout on it.
        // Its reader thread lives as long as the socket: a daemon, so it never keeps a JVM from exiting.
        this.http = api.http().newBuilder().readTimeout(0, TimeUnit.MILLISECONDS).callTimeout(0, TimeUnit.MILLISECONDS)
                .pingInterval(20, TimeUnit.SECONDS)
                .dispatcher(new okhttp3.Dispatcher(java.util.concurrent.Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "dosqlite push channel " + api.config().database());
                    t.setDaemon(true);
                    return t;
                })))
                .build();
    }

    /**
     * Starts opening the socket in the background; once open it takes the lease. No transaction
     * waits for it: until then they make the version check, which costs what a lease request does.
     */
    synchronized void connect() {
        if (closed || open || (opened != null && !opened.isDone())) {
            return;
        }
        opened = new CompletableFuture<>();
        openingSince = System.nanoTime();
        leaseOnOpen = true;
        socketNo++;
        leased.opening(socketNo);
        socket = http.newWebSocket(new Request.Builder()
                .url(api.leasesUrl().newBuilder().addQueryParameter("socket", Long.toString(socketNo))
                        .addQueryParameter("own", "1").addQueryParameter("counters", "1")
                        .addQueryParameter("hot", "1").build()).build(), this);
    }

    /** Numbers this store's sockets: HTTP requests name the open one (renewals ride on them). */
    private long socketNo;

    @Override
    public synchronized String socket() {
        return open && !closed ? Long.toString(socketNo) : null;
    }

    /**
     * A renewal riding on an HTTP answer: the server renews only a lease that is live on that socket
     * and whose every invalidation was acknowledged (so applied), counting from when it answered;
     * trusted from when the request was sent. Only extends a lease trusted now on the same socket.
     */
    @Override
    public synchronized void renewed(String socketName, long sentAtNanos, long ms) {
        long now = System.nanoTime();
        if (!socketName.equals(Long.toString(socketNo)) || !open || !trusted || now - trustedUntil >= 0) {
            return;
        }
        long lease = TimeUnit.MILLISECONDS.toNanos(ms);
        long until = sentAtNanos + lease - Math.max(MIN_MARGIN_NANOS, lease / 10);
        if (until - trustedUntil > 0) {
            trustedUntil = until;
            halfLease = lease / 2;
        }
        stats.leaseRenewedByTraffic();
    }

    /**
     * If the lease is trusted: the newest version known, pinned for a new snapshot (no request);
     * else null. Starts a background renewal once half of the lease is used.
     */
    DbState pinIfTrusted() {
        boolean renew;
        DbState k;
        synchronized (this) {
            long now = System.nanoTime();
            if (!trusted || !open || now - trustedUntil >= 0) {
                return null;
            }
            k = known.newest();
            cache.pin(k.version());
            renew = !renewing && trustedUntil - now < halfLease;
        }
        if (renew) {
            renewAsync();
        }
        return k;
    }

    private long halfLease;

    /**
     * Renews (or takes) the lease and waits for it: one round trip on the socket, which is also
     * the version check. Null when there is no usable socket: the caller makes the HTTP check.
     */
    DbState renewAndPin() throws PageStoreException {
        synchronized (this) {
            if (!open) {
                reopenIfDue();
                return null;
            }
        }
        CompletableFuture<Void> done = send(false);
        if (done == null) {
            return null;
        }
        try {
            long ms = api.config().readTimeout().isZero() ? 30_000 : api.config().readTimeout().toMillis();
            done.get(ms, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            PageApi.LOG.log(Level.FINE, "lease request on the push channel failed; making the version check", e);
            return null;
        }
        synchronized (this) {
            if (!trusted || !open) {
                return null;
            }
            DbState k = known.newest();
            cache.pin(k.version());
            return k;
        }
    }

    private void renewAsync() {
        send(true);
    }

    /**
     * Takes the lease again in the background (reopening a broken socket first) when a transaction
     * found it untrusted but did not wait for it: without this, a store whose transactions are all
     * proven by their first read would never hold a lease again after its socket broke.
     */
    void wake() {
        synchronized (this) {
            if (closed || renewing) {
                return;
            }
            if (!open) {
                reopenIfDue();
                return;
            }
        }
        renewAsync();
    }

    private boolean leaseOnOpen;
    private long openingSince;
    private int refusals;
    /** Opening attempts in a row that got no answer at all (the server was down, e.g. restarting). */
    private int unreachable;
    /** The opening socket was cancelled because its upgrade hung: a refusal, not an absent server. */
    private boolean hung;
    /** The socket {@link #lost} was last told about. */
    private WebSocket gone;

    /**
     * Not open: start opening unless a failure is too recent. A refusal (an answer other than 101,
     * e.g. a proxy that strips Upgrade) backs off 5 s, doubling per refusal in a row up to 5 min; an
     * upgrade that hangs past the connect timeout (a proxy that never answers it) is cancelled and
     * counts as refused. A server that did not answer at all (restarting) is tried again after
     * 100 ms, doubling up to 3.2 s: a restarted object holds commits back until its earlier
     * holders come back and release their grants, or those run out.
     */
    private void reopenIfDue() {
        long now = System.nanoTime();
        if (closed) {
            return;
        }
        if (opened != null && !opened.isDone()) {
            if (now - openingSince > api.config().connectTimeout().toNanos()) {
                hung = true;
                socket.cancel(); // onFailure: refused
            }
            return;
        }
        long backoff = refusals > 0
                ? Math.min(TimeUnit.SECONDS.toNanos(5) << Math.min(6, refusals - 1), TimeUnit.MINUTES.toNanos(5))
                : unreachableBackoff();
        if (now - lastFailureNanos > backoff) {
            connect();
        }
    }

    private long unreachableBackoff() {
        return unreachable > 0 ? TimeUnit.MILLISECONDS.toNanos(100) << Math.min(4, unreachable - 1) : 0;
    }

    /**
     * A store whose lease broke with its socket comes back in the background (see
     * {@link #COMEBACK}) to release that grant: an idle store's lease had lapsed before, so this
     * costs nothing to stores that are not in use.
     */
    private void comeBackSoon() {
        long delay;
        synchronized (this) {
            if (closed || open || givenUp.isEmpty() || refusals > 0 || comebacks >= COMEBACKS_MAX) {
                return;
            }
            comebacks++;
            delay = TimeUnit.NANOSECONDS.toMillis(unreachableBackoff()) + 1;
        }
        COMEBACK.schedule(() -> {
            synchronized (this) {
                reopenIfDue();
            }
        }, delay, TimeUnit.MILLISECONDS);
    }

    /** Sends a lease request; the future completes when its answer was applied. */
    private synchronized CompletableFuture<Void> send(boolean background) {
        if (!open || closed) {
            return null;
        }
        long id = ++nextId;
        long sentAt = System.nanoTime();
        CompletableFuture<Void> done = new CompletableFuture<>();
        long since = cache.checkedVersion();
        // what this store may read without asking: the server then knows whom a commit concerns
        java.util.BitSet cached = cache.pageNumbers();
        leased.addRecorded(socketNo, cached); // SQLite may hold some the cache let go (a record lost with the object's memory)
        leased.removeHot(socketNo, cached);
        String list = io.dosqlite.vfs.PageRanges.format(cached, MAX_LISTED_CHARS);
        pending.put(id, new Pending(sentAt, since, list == null ? null : cached, done));
        Map<String, Object> req = new java.util.LinkedHashMap<>();
        req.put("type", "lease");
        req.put("id", id);
        req.put("since", since);
        if (list != null) {
            req.put("cached", list);
        }
        if (!known.incarnation().isEmpty()) {
            req.put("incarnation", known.incarnation());
        }
        String msg = new String(Json.write(req), StandardCharsets.UTF_8);
        if (background) {
            renewing = true;
        }
        stats.leaseRequest();
        if (!socket.send(msg)) {
            pending.remove(id);
            return null;
        }
        return done;
    }

    /** Whether a transaction starting now would start on the lease, with no request. */
    synchronized boolean trustedNow() {
        return trusted && open && System.nanoTime() - trustedUntil < 0;
    }

    /**
     * Waits, at most {@code timeoutNanos}, until the cache applied {@code version} from this
     * channel while the lease is trusted (a refused commit's retry: the version it ran into is on
     * its way here). False if the lease is not trusted or the version did not come in time.
     */
    synchronized boolean awaitApplied(long version, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        for (;;) {
            if (!trustedNow()) {
                return false;
            }
            if (cache.checkedVersion() >= version) {
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Stops trusting the lease (e.g. a commit whose outcome is unknown may have been applied). */
    synchronized void distrust() {
        trusted = false;
    }

    /**
     * Tells the server, on the new socket, that the grants of broken sockets are given up: this
     * store stopped trusting each when its socket broke (see {@link #lost}), before this socket
     * was opened, so no commit need wait for them.
     */
    private void releaseGivenUp(WebSocket ws) {
        if (givenUp.isEmpty()) {
            return;
        }
        Map<String, Object> msg = new java.util.LinkedHashMap<>();
        msg.put("type", "release");
        msg.put("grants", new java.util.ArrayList<>(givenUp));
        if (ws.send(new String(Json.write(msg), StandardCharsets.UTF_8))) {
            givenUp.clear();
        }
    }

    // --- the socket's thread ---

    @Override
    public void onOpen(WebSocket ws, Response response) {
        synchronized (this) {
            if (ws != socket) {
                return;
            }
            open = true;
            refusals = 0;
            unreachable = 0;
            comebacks = 0;
            opened.complete(true);
        }
        boolean take;
        synchronized (this) {
            take = leaseOnOpen;
            leaseOnOpen = false;
            releaseGivenUp(ws);
        }
        if (take) {
            renewAsync();
        }
        PageApi.LOG.fine("push channel of " + api.config().database() + " open");
    }

    @Override
    public void onMessage(WebSocket ws, String text) {
        if (faults == null) {
            handle(ws, text);
        } else {
            for (String t : faults.arrived(text)) {
                handle(ws, t);
            }
        }
    }

    private void handle(WebSocket ws, String text) {
        try {
            JsonNode m = Json.parse(text.getBytes(StandardCharsets.UTF_8), "a push-channel message");
            String type = m.path("type").asText();
            switch (type) {
                case "invalidate" -> {
                    if (m.path("own").asBoolean(false)) {
                        ownCommitted(ws, m, text); // nothing awaits an ack of it
                        return;
                    }
                    long version = invalidated(ws, m, text);
                    // "ack":false: the server waits for no acknowledgement of it (nothing of it is cached here)
                    if (m.path("ack").asBoolean(true) && (faults == null || faults.sendAck())) {
                        ws.send("{\"type\":\"ack\",\"version\":" + version + "}");
                    }
                }
                case "lease" -> granted(ws, m, text);
                case "cached" -> cached(ws, m.path("id").asLong(), m.path("version").asLong(Long.MAX_VALUE));
                case "error" -> failed(m.path("id").asLong(), m.path("message").asText());
                default -> {
                    // pong and future message types
                }
            }
        } catch (Exception e) {
            // Something we cannot apply: stop trusting the lease; the server waits out its length.
            PageApi.LOG.log(Level.WARNING, "unusable push-channel message; reading with version checks until the next lease", e);
            synchronized (this) {
                trusted = false;
            }
        }
    }

    private synchronized long invalidated(WebSocket ws, JsonNode m, String text) throws PageStoreException {
        notifyAll(); // awaitApplied
        if (ws != socket) {
            return m.path("version").asLong();
        }
        stats.invalidation();
        if (m.path("deleted").asBoolean(false)) {
            trusted = false;
            cache.clear();
            return m.path("version").asLong();
        }
        Changes c = Changes.parse(text.getBytes(StandardCharsets.UTF_8), "an invalidation");
        boolean current = cache.checkedVersion() == c.version() - 1;
        // page 1 changed only in its counters: the image before, taken before the change drops it
        JsonNode counters = m.get("counters");
        byte[] pageOne = current && counters != null && counters.isArray() && counters.size() == 2
                ? cache.peek(1, c.version() - 1) : null;
        versions.learn(m.path("base").asLong(), c);
        JsonNode hot = m.get("unrecorded");
        if (hot != null && hot.isArray()) {
            // before its images: they are kept, but no longer trusted without a proof (LeasedPages#unrecorded)
            long[] pages = new long[hot.size()];
            for (int i = 0; i < pages.length; i++) {
                pages[i] = hot.get(i).asLong();
            }
            leased.unrecorded(socketNo, pages);
        }
        JsonNode f = m.get("frames");
        if (current && f != null && f.isTextual()) {
            // the new images of a small commit: the cache stays warm (checked by their CRCs)
            PageFrames.Decoded d = PageFrames.decode(Base64.getDecoder().decode(f.asText()), c.pageSize(), null);
            for (int i = 0; i < d.size(); i++) {
                cache.put(d.pageNos()[i], c.version(), d.pages()[i]);
            }
            leased.pushed(socketNo, d.pageNos()); // the server recorded what it pushed (not hot pages)
        }
        if (pageOne != null && pageOne.length >= 100 && c.pageCount() >= 1) {
            byte[] one = pageOne.clone();
            java.nio.ByteBuffer.wrap(one).putInt(24, (int) counters.get(0).asLong()).putInt(92, (int) counters.get(1).asLong());
            cache.put(1, c.version(), one);
            leased.pushed(socketNo, new long[] {1});
        }
        return c.version();
    }

    /**
     * Our own commit, told on the socket in order with everyone else's versions ({@code own=1}):
     * the cache moves past it and keeps its pages, so the next invalidation follows on without a
     * gap. Without this, another JVM's version arriving before our answer (answers wait for
     * holders, invalidations do not) would find the cache a version behind and drop every open
     * entry. Only the cache learns it here; transactions start on it once its answer came (chain
     * order, {@link CommitChain}), or once a later version that contains it arrives.
     */
    private synchronized void ownCommitted(WebSocket ws, JsonNode m, String text) throws PageStoreException {
        notifyAll(); // awaitApplied
        if (ws != socket) {
            return;
        }
        Changes c = Changes.parse(text.getBytes(StandardCharsets.UTF_8), "a notice of our own commit");
        if (c.complete()) {
            leased.pushed(socketNo, c.changed()); // the server records what a holder writes (not hot pages)
        }
        long base = m.path("base").asLong();
        if (c.incarnation() != null && !c.incarnation().equals(known.incarnation()) || c.version() <= cache.checkedVersion()) {
            return; // its answer came first (or another life of the database: the answer sorts it out)
        }
        boolean placed = c.complete() && base == cache.checkedVersion();
        cache.applyChanges(Math.min(base, cache.checkedVersion()), c.version(), c.pageCount(), c.changed(), placed);
        CommitChain.Link l = placed && own != null ? own.apply(m.path("key").asText("")) : null;
        if (l == null || l.pageCount != c.pageCount() || l.pageSize != c.pageSize()) {
            return; // its pages are fetched again when read, or learned from the answer
        }
        for (Map.Entry<Long, byte[]> e : l.pages.entrySet()) {
            byte[] image = e.getValue();
            if (e.getKey() == 1L && (l.base != base || m.has("counter"))) {
                // it landed on a newer version than it read, or its SQLite read page 1 before the
                // transaction moved to a newer one: page 1 carries the server's change counter
                if (!m.has("counter") || image.length < 96) {
                    continue;
                }
                image = image.clone();
                int counter = (int) m.path("counter").asLong();
                java.nio.ByteBuffer.wrap(image).putInt(24, counter).putInt(92, counter);
            }
            if (e.getKey() <= c.pageCount()) {
                cache.put(e.getKey(), c.version(), image.clone());
            }
        }
    }

    /** Finds a pending commit of this store by its idempotency key (for {@link #ownCommitted}). */
    private java.util.function.Function<String, CommitChain.Link> own;

    void ownCommits(java.util.function.Function<String, CommitChain.Link> byKey) {
        this.own = byKey;
    }

    /**
     * The server recorded pages asked for with a {@code cache} message, at its {@code version}:
     * trusted only if the cache has applied every version up to it (a version it was not told of,
     * e.g. while its lease had lapsed, may have changed them).
     */
    private synchronized void cached(WebSocket ws, long id, long version) {
        java.util.BitSet pages = recording.remove(id);
        if (pages == null) {
            return;
        }
        if (ws == socket && cache.checkedVersion() >= version) {
            leased.recorded(socketNo, pages);
        } else {
            leased.notRecorded(pages);
        }
    }

    private void granted(WebSocket ws, JsonNode m, String text) throws PageStoreException {
        Pending p;
        synchronized (this) {
            p = pending.remove(m.path("id").asLong());
            if (p == null || ws != socket) {
                return;
            }
            Changes c = Changes.parse(text.getBytes(StandardCharsets.UTF_8), "a lease");
            versions.learn(p.since(), c);
            long lease = TimeUnit.MILLISECONDS.toNanos(m.path("ms").asLong());
            long margin = Math.max(MIN_MARGIN_NANOS, lease / 10);
            trustedUntil = p.sentAt() + lease - margin;
            halfLease = lease / 2;
            trusted = lease > margin;
            renewing = false;
            if (m.hasNonNull("grant")) {
                grant = m.get("grant").asText();
            }
            if (m.path("cached").asBoolean(false) && p.cached() != null) {
                leased.recorded(socketNo, p.cached());
            }
            leased.granted(socketNo, "cached".equals(m.path("waitsFor").asText()));
            // pages used before the server said it records them: asked for now, before anyone can
            // see the lease trusted (a transaction on it waits for their answer instead of proving)
            leased.flushUsed();
        }
        p.done().complete(null);
    }

    private void failed(long id, String message) {
        Pending p;
        synchronized (this) {
            p = pending.remove(id);
            trusted = false;
            renewing = false;
        }
        if (p != null) {
            p.done().completeExceptionally(new IllegalStateException(message));
        }
    }

    @Override
    public void onClosing(WebSocket ws, int code, String reason) {
        ws.close(1000, null);
        lost(ws, null, true);
    }

    @Override
    public void onClosed(WebSocket ws, int code, String reason) {
        lost(ws, null, true);
    }

    @Override
    public void onFailure(WebSocket ws, Throwable t, Response response) {
        // no answer at all (connection refused or reset before one): the server is away, not refusing
        boolean answered;
        synchronized (this) {
            answered = response != null || hung || t instanceof java.io.InterruptedIOException;
            hung = false;
        }
        lost(ws, t, answered);
    }

    /** The socket is gone: invalidations may be lost, so the lease is no longer trusted. */
    private void lost(WebSocket ws, Throwable t, boolean answered) {
        Map<Long, Pending> failed;
        boolean neverOpened;
        synchronized (this) {
            if (ws != socket || ws == gone) {
                return; // an earlier socket, or told twice (onClosing, then onClosed)
            }
            gone = ws;
            notifyAll(); // awaitApplied: not trusted any more
            leased.lost();
            recording.clear();
            neverOpened = !open;
            open = false;
            trusted = false;
            // trusted no more from here on: the next socket releases it, unless it lapsed a lease
            // ago (then its row has run out too, and an idle store need not come back)
            if (grant != null && System.nanoTime() - trustedUntil < 2 * halfLease) {
                if (givenUp.size() == GIVEN_UP_KEPT) {
                    givenUp.removeFirst();
                }
                givenUp.addLast(grant);
            }
            grant = null;
            renewing = false;
            if (neverOpened) {
                // refused (e.g. a proxy that strips Upgrade): version checks for a while before trying
                // again; a socket that worked and broke is reopened at once (comeBackSoon)
                lastFailureNanos = System.nanoTime();
                if (answered) {
                    refusals++;
                } else {
                    unreachable++;
                }
            }
            if (opened != null) {
                opened.complete(false);
            }
            failed = new HashMap<>(pending);
            pending.clear();
        }
        for (Pending p : failed.values()) {
            p.done().completeExceptionally(new IllegalStateException("push channel closed"));
        }
        if (closed) {
            return;
        }
        comeBackSoon();
        if (neverOpened && answered && !fallbackLogged) {
            fallbackLogged = true;
            PageApi.LOG.info("dosqlite: no push channel to " + api.config().database() + " ("
                    + (t != null ? t.getMessage() : "refused") + "); every transaction makes a version check instead");
        } else {
            PageApi.LOG.log(Level.FINE, "push channel of " + api.config().database() + " lost; reconnecting on the next transaction", t);
        }
    }

    @Override
    public void close() {
        WebSocket s;
        boolean wasOpen;
        synchronized (this) {
            closed = true;
            trusted = false;
            wasOpen = open;
            s = socket;
        }
        if (s != null) {
            if (wasOpen) {
                // nothing more is read on this lease: other clients' commits need not wait it out
                s.send("{\"type\":\"release\"}");
            }
            s.close(1000, "store closed");
        }
    }
}
