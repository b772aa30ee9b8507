package io.dosqlite.remote;

import io.dosqlite.vfs.PageStoreException;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Level;

/**
 * Uploads the pages of a large write transaction to a stage while SQLite is still writing, so the
 * commit only has to send what changed since and publish the stage: the page server parses,
 * checks and stores most pages while the client is busy, instead of after COMMIT.
 *
 * <p>Correctness does not depend on which pages were staged when: the commit compares every page
 * with the copy that was uploaded and sends it again unless it is byte for byte the same. Up to
 * {@link #MAX_IN_FLIGHT} uploads run at once (on a long round trip one at a time would leave the
 * line idle), but never two carrying the same page: a later image of a page must land after an
 * earlier one, so a page still in flight waits for a later chunk (or the commit).
 * A stage is invisible until a commit names it; one that is never committed expires on the server.
 * If any upload failed, the commit does not use the stage and sends every page as before.
 */
final class BackgroundStage {

    /** Pages written since the last upload reach this many bytes before an upload starts. */
    static final long CHUNK_BYTES = 1024 * 1024;
    /** Uploads of one transaction running at once; the writer waits beyond that (bounded memory). */
    static final int MAX_IN_FLIGHT = 4;

    private static final ExecutorService UPLOADS = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "dosqlite-stage-upload");
        t.setDaemon(true);
        return t;
    });

    private final PageApi api;
    private final String stageId = CommitProtocol.newKey();
    private final int pageSize;
    /** Live page buffers of the VFS written since the last upload (read on the SQLite thread only). */
    private final Map<Long, byte[]> pending = new LinkedHashMap<>();
    /** Page number → the exact image uploaded last. */
    private final Map<Long, byte[]> staged = new HashMap<>();
    /** Page number → the upload carrying it (SQLite thread only). */
    private final Map<Long, CompletableFuture<Void>> carrying = new HashMap<>();
    private final List<CompletableFuture<Void>> uploads = new ArrayList<>();
    /** Pending pages at which the next upload is tried (pages still in flight stay pending). */
    private long nextTry = CHUNK_BYTES;
    private volatile PageStoreException failure;

    BackgroundStage(PageApi api, int pageSize) {
        this.api = api;
        this.pageSize = pageSize;
    }

    int pageSize() {
        return pageSize;
    }

    /** Page {@code pageNo} of the transaction now holds {@code live}; may start an upload. */
    void written(long pageNo, byte[] live) throws PageStoreException {
        if (failure != null || live.length != pageSize) {
            return;
        }
        pending.put(pageNo, live);
        if ((long) pending.size() * pageSize >= nextTry) {
            upload();
            // pages left pending were in flight: try again after a quarter chunk more, not at every write
            nextTry = Math.max(CHUNK_BYTES, (long) pending.size() * pageSize + CHUNK_BYTES / 4);
        }
    }

    private void upload() throws PageStoreException {
        List<Map.Entry<Long, byte[]>> chunk = new ArrayList<>(pending.size());
        for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, byte[]> e = it.next();
            CompletableFuture<Void> earlier = carrying.get(e.getKey());
            if (earlier != null && !earlier.isDone()) {
                continue; // its previous image is still on the way
            }
            byte[] copy = e.getValue().clone();
            chunk.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), copy));
            staged.put(e.getKey(), copy);
            it.remove();
        }
        if (chunk.isEmpty()) {
            return;
        }
        waitForASlot();
        CompletableFuture<Void> upload = CompletableFuture.runAsync(() -> {
            if (failure != null) {
                return;
            }
            try {
                // encoded here, not on SQLite's thread: checksums and copies of a chunk are the
                // writer's critical path otherwise (the chunk holds private copies already)
                byte[] body = PageFrames.encode(chunk, pageSize);
                Answer a = api.stage(stageId, pageSize, body);
                if (!a.ok()) {
                    throw HttpErrors.fromAnswer(a, "uploading a commit stage", api.config());
                }
            } catch (PageStoreException | RuntimeException e) {
                // whatever went wrong, the commit must not count on these pages being staged
                failure = e instanceof PageStoreException ? (PageStoreException) e
                        : new PageStoreException(PageStoreException.Kind.IO, "stage upload failed", e);
                PageApi.LOG.log(Level.FINE, "background stage upload failed; the commit will send every page", e);
            }
        }, UPLOADS);
        uploads.add(upload);
        for (Map.Entry<Long, byte[]> e : chunk) {
            carrying.put(e.getKey(), upload);
        }
    }

    private void waitForASlot() throws PageStoreException {
        uploads.removeIf(CompletableFuture::isDone);
        while (uploads.size() >= MAX_IN_FLIGHT) {
            await(uploads.get(0));
            uploads.removeIf(CompletableFuture::isDone);
        }
    }

    private void await(CompletableFuture<Void> f) throws PageStoreException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PageStoreException(PageStoreException.Kind.IO, "interrupted while waiting for stage uploads", e);
        } catch (ExecutionException e) {
            // an Error in the upload thread: the commit then does not use the stage
            failure = new PageStoreException(PageStoreException.Kind.IO, "stage upload failed", e.getCause());
        }
    }

    /**
     * Waits for the uploads and says what the commit still has to send: the pages whose uploaded
     * copy differs from their final image, or null if the stage cannot be used (an upload failed,
     * the page size changed, or a staged page lies beyond the new end of the database).
     */
    SortedMap<Long, byte[]> remainder(SortedMap<Long, byte[]> pages, long newPageCount, int newPageSize)
            throws PageStoreException {
        for (CompletableFuture<Void> f : uploads) {
            await(f);
        }
        if (failure != null || newPageSize != pageSize || staged.isEmpty()) {
            return null;
        }
        for (long pageNo : staged.keySet()) {
            if (pageNo > newPageCount || !pages.containsKey(pageNo)) {
                return null; // the stage would publish a page this transaction no longer writes
            }
        }
        SortedMap<Long, byte[]> rest = new TreeMap<>();
        for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
            byte[] up = staged.get(e.getKey());
            if (up == null || !Arrays.equals(up, e.getValue())) {
                rest.put(e.getKey(), e.getValue());
            }
        }
        return rest;
    }

    String stageId() {
        return stageId;
    }

    boolean started() {
        return !staged.isEmpty();
    }
}
