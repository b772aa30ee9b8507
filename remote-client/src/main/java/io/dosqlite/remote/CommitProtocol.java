package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.function.LongFunction;

/**
 * Publishes one transaction exactly once (invariants 1 and 3): stage uploads when the frames exceed
 * the request limit, then one {@code /commit} with a fresh Idempotency-Key. When the connection
 * fails after the request may have been sent, the outcome is resolved by asking
 * {@code GET /commits/{key}}: applied → its result; not applied → re-send with the same key.
 */
final class CommitProtocol {

    private static final SecureRandom RANDOM = new SecureRandom();

    private CommitProtocol() {
    }

    static String newKey() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b); // 24 chars [A-Za-z0-9_-]
    }

    /**
     * Commits {@code pages} on top of {@code base}. {@code stageId} names a stage already holding
     * other pages of this transaction (see {@link BackgroundStage}), or is null. {@code baseImage}
     * answers a page's image as of {@code base} when known here, so the commit can send only the
     * bytes that changed ({@link PagePatches}); null sends whole pages.
     */
    static CommitResult commit(PageApi api, ClientStats stats, long base, String incarnation,
                               SortedMap<Long, byte[]> pages, long newPageCount, int pageSize, String stageId,
                               LongFunction<byte[]> baseImage, CommitBasis basis)
            throws PageStoreException {
        return commit(api, stats, base, incarnation, pages, newPageCount, pageSize, stageId, baseImage, basis, newKey());
    }

    /** {@link #commit} under a key chosen by the caller (a chain names it to the commits built on it). */
    static CommitResult commit(PageApi api, ClientStats stats, long base, String incarnation,
                               SortedMap<Long, byte[]> pages, long newPageCount, int pageSize, String stageId,
                               LongFunction<byte[]> baseImage, CommitBasis basis, String commitKey)
            throws PageStoreException {
        RemoteConfig cfg = api.config();
        List<Map.Entry<Long, byte[]>> all = new ArrayList<>(pages.entrySet());
        int frame = PageFrames.frameSize(pageSize);
        int perRequest = (int) Math.max(1, cfg.maxRequestBytes() / frame);
        List<Map.Entry<Long, byte[]>> inline = all;
        if (all.size() > perRequest) {
            // invariant 1: stages are invisible until the commit that names them publishes them
            if (stageId == null) {
                stageId = newKey();
            }
            int lastStart = ((all.size() - 1) / perRequest) * perRequest;
            for (int from = 0; from < lastStart; from += perRequest) {
                byte[] body = PageFrames.encode(all.subList(from, from + perRequest), pageSize);
                Answer a = api.stage(stageId, pageSize, body);
                if (!a.ok()) {
                    throw HttpErrors.fromAnswer(a, "uploading a commit stage", cfg);
                }
            }
            inline = all.subList(lastStart, all.size());
        }
        String stage = stageId;
        // patches apply to the base's images; a chain commit's pages were built on later ones
        if (baseImage != null && !inline.isEmpty() && api.patchesAccepted() && basis.after().isEmpty()) {
            byte[] patched = PagePatches.encode(inline, pageSize, baseImage);
            if (patched.length < (long) inline.size() * frame) {
                String key = commitKey;
                try {
                    Heard heard = new Heard();
                    byte[] ok = exactlyOnce(api, stats, key, "the commit",
                            () -> api.commitOnce(key, base, newPageCount, pageSize, stage, patched, incarnation, true, basis),
                            heard);
                    return heard.result(ok);
                } catch (PageStoreException e) {
                    if (e.kind() != Kind.INVALID && e.kind() != Kind.CORRUPT) {
                        throw e;
                    }
                    // Refused before anything was written: a server without the patch format, or a
                    // base image that was not what the server holds. Whole pages settle both.
                    PageApi.LOG.log(java.util.logging.Level.FINE, "patch commit refused; sending whole pages", e);
                    api.patchRefused(e);
                }
            }
        }
        byte[] body = PageFrames.encode(inline, pageSize);
        String key = commitKey;
        Heard heard = new Heard();
        byte[] ok = exactlyOnce(api, stats, key, "the commit",
                () -> api.commitOnce(key, base, newPageCount, pageSize, stage, body, incarnation, false, basis),
                heard);
        return heard.result(ok);
    }

    /** What a commit's own answer said besides its body (not known when the outcome was found by asking). */
    private static final class Heard implements java.util.function.Consumer<Answer> {
        private final long sent = System.nanoTime();
        private String recorded;
        private int contended;

        @Override
        public void accept(Answer a) {
            recorded = a.header("X-Dosqlite-Recorded");
            String c = a.header("X-Dosqlite-Contended");
            try {
                contended = c == null ? 0 : Math.max(0, Math.min(1_000, Integer.parseInt(c.strip())));
            } catch (NumberFormatException e) {
                contended = 0; // advice only: ignore what cannot be read
            }
        }

        CommitResult result(byte[] ok) throws PageStoreException {
            return CommitResult.parse(ok, "the commit").recordedOn(recorded).turn(contended, System.nanoTime() - sent);
        }
    }

    /** One attempt of a request carrying an Idempotency-Key. */
    interface Attempt {
        Answer send() throws CallFailed;
    }

    /**
     * Sends a request whose server side is deduplicated by {@code key} and returns the body of its
     * successful answer (or of the stored answer found by {@code GET /commits/{key}}). Error answers
     * are thrown; a lost answer is resolved by asking; a request known not applied is re-sent with
     * the same key, at most {@code maxRetries} times.
     */
    static byte[] exactlyOnce(PageApi api, ClientStats stats, String key, String what, Attempt attempt)
            throws PageStoreException {
        return exactlyOnce(api, stats, key, what, attempt, a -> { });
    }

    /** As above; {@code answered} sees the answer when it came to this request (not when resolved by asking). */
    static byte[] exactlyOnce(PageApi api, ClientStats stats, String key, String what, Attempt attempt,
                              java.util.function.Consumer<Answer> answered) throws PageStoreException {
        RemoteConfig cfg = api.config();
        long epoch = api.cancelEpoch();
        for (int n = 0; ; n++) {
            Answer a;
            try {
                a = attempt.send();
            } catch (CallFailed f) {
                if (f.cancelled || api.cancelEpoch() != epoch) {
                    throw new PageStoreException(Kind.UNKNOWN_OUTCOME, what + " was cancelled while in flight; whether it"
                            + " was applied is unknown (idempotency key " + key + ")", f.io);
                }
                if (f.notSent()) {
                    if (n >= cfg.maxRetries()) {
                        throw HttpErrors.fromIOException(f.io, false, what, cfg);
                    }
                    stats.retry();
                    api.backoff(n + 1, what);
                    continue;
                }
                byte[] r = resolve(api, stats, key, f);
                if (r != null) {
                    return r;
                }
                if (n >= cfg.maxRetries()) {
                    // The server had no trace of the key when asked, but the last copy sent may
                    // still be on its way: saying "not applied" here would be a guess.
                    throw new PageStoreException(Kind.UNKNOWN_OUTCOME, what + " was sent " + (n + 1)
                            + " times to the page server at " + cfg.baseUrl() + " without an answer; when asked, the server"
                            + " had no record of it yet, but a delayed copy may still be applied (idempotency key "
                            + key + "). Check whether the transaction took effect before repeating it: " + f.io, f.io);
                }
                stats.retry();
                continue; // not applied: re-send with the SAME key
            }
            if (a.ok()) {
                stats.heldFor(a.header("X-Dosqlite-Held-For"), a.header("X-Dosqlite-Held-Behind") != null);
                answered.accept(a);
                return a.body();
            }
            if (a.code() == 429 && n < cfg.maxRetries()) {
                // rate limited before it was processed: send again later
                stats.retry();
                api.backoff(n + 1, what);
                continue;
            }
            if (a.code() >= 500 && a.code() != 501) {
                // the server may have failed after applying: ask, never guess
                byte[] r = resolve(api, stats, key, null);
                if (r != null) {
                    return r;
                }
                if (n >= cfg.maxRetries()) {
                    throw HttpErrors.fromAnswer(a, what, cfg);
                }
                stats.retry();
                api.backoff(n + 1, what);
                continue;
            }
            if (a.code() == 404 && new String(a.body(), java.nio.charset.StandardCharsets.UTF_8).contains("unknown_stage")) {
                throw new PageStoreException(Kind.IO, what + " failed: its staged pages are gone (the stage expired"
                        + " after 15 minutes); retry the transaction", HttpErrors.fromAnswer(a, what, cfg));
            }
            throw HttpErrors.fromAnswer(a, what, cfg);
        }
    }

    /** The commit's result if the server applied it, null if it did not; throws if it cannot tell. */
    private static byte[] resolve(PageApi api, ClientStats stats, String key, CallFailed cause) throws PageStoreException {
        stats.retry();
        Answer a;
        try {
            a = api.commitStatus(key);
        } catch (PageStoreException e) {
            throw new PageStoreException(Kind.UNKNOWN_OUTCOME, "the connection broke after the commit was sent and the"
                    + " page server could not be asked whether it was applied (idempotency key " + key + "): "
                    + e.getMessage() + "; check the data before retrying", cause != null ? cause.io : e);
        }
        if (a.ok()) {
            PageApi.LOG.fine("commit " + key + " was applied (resolved by look-up)");
            return a.body();
        }
        if (a.code() == 404) {
            PageApi.LOG.fine("commit " + key + " was not applied (resolved by look-up); re-sending");
            return null;
        }
        throw new PageStoreException(Kind.UNKNOWN_OUTCOME, "could not find out whether the commit was applied"
                + " (idempotency key " + key + "): " + HttpErrors.fromAnswer(a, "the commit outcome look-up", api.config()).getMessage());
    }
}
