package io.dosqlite.remote;

import com.fasterxml.jackson.databind.JsonNode;
import io.dosqlite.vfs.PageStoreException;
import io.dosqlite.vfs.PageStoreException.Kind;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Whole-database transfers for the CLI: {@link #info()}, {@link #exportTo} (a consistent version as
 * a SQLite file, streamed to a temporary file that replaces the target only when complete) and
 * {@link #importFrom} (a SQLite file as one atomic commit: one {@code PUT /import} up to the request
 * limit, else stage uploads of CRC-framed pages and one {@code /commit?stage=}); both exactly once
 * through an Idempotency-Key.
 */
public final class Transfer {

    /** Progress callback: pages done so far out of total (total -1 if unknown). */
    public interface Progress {
        void pages(long done, long total);

        Progress NONE = (done, total) -> { };
    }

    /** The server's info about a database; {@code billing} is null when the server does not count (or in a listing). */
    public record DatabaseInfo(String name, int pageSize, long pageCount, long version, long oldestReadableVersion, Billing billing) {
        public DatabaseInfo(String name, int pageSize, long pageCount, long version, long oldestReadableVersion) {
            this(name, pageSize, pageCount, version, oldestReadableVersion, null);
        }
    }

    /** A validated SQLite file. */
    public record FileInfo(int pageSize, long pageCount, long bytes) {
    }

    /** What an import or export did. */
    public record Result(long version, long pageCount, int pageSize, long bytes, boolean staged) {
    }

    private final RemoteConfig config;
    private final ClientStats stats = new ClientStats();
    private final PageApi api;

    public Transfer(RemoteConfig config) {
        this.config = config;
        this.api = new PageApi(config, SharedHttp.forStore(config), stats);
    }

    /** Request and byte counters of this transfer object. */
    public ClientStats stats() {
        return stats;
    }

    /** The database's info; NOT_FOUND if it does not exist (it is never created here). */
    public DatabaseInfo info() throws PageStoreException {
        return info(false);
    }

    /**
     * The database's info; with {@code storageSplit} its billing also splits stored bytes into
     * pages, history and stages (the server reads every history row for it: for stats, not polling).
     */
    public DatabaseInfo info(boolean storageSplit) throws PageStoreException {
        Answer a = storageSplit ? api.infoWithStorage() : api.info(null);
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "the database info request", config);
        }
        JsonNode n = Json.parse(a.body(), "the database info request");
        return new DatabaseInfo(n.path("name").asText(config.database()),
                (int) Json.requireLong(n, "pageSize", "the database info request"),
                Json.requireLong(n, "pageCount", "the database info request"),
                Json.requireLong(n, "version", "the database info request"),
                n.path("oldestReadableVersion").asLong(0),
                Billing.from(n));
    }

    /** Every database of the page server this config names (its database name is ignored). */
    public List<DatabaseInfo> listDatabases() throws PageStoreException {
        Answer a = api.list();
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "listing the databases", config);
        }
        List<DatabaseInfo> out = new ArrayList<>();
        for (JsonNode n : Json.parse(a.body(), "listing the databases").path("databases")) {
            out.add(new DatabaseInfo(n.path("name").asText(), n.path("pageSize").asInt(), n.path("pageCount").asLong(),
                    n.path("version").asLong(), n.path("oldestReadableVersion").asLong(0)));
        }
        return out;
    }

    /** Deletes the database and all its pages; NOT_FOUND if it does not exist. */
    public void delete() throws PageStoreException {
        Answer a = api.delete();
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "deleting the database", config);
        }
    }

    /**
     * Checks that {@code file} is a whole SQLite database in rollback-journal mode, before anything
     * is sent. INVALID with the reason otherwise.
     */
    public static FileInfo inspect(Path file) throws PageStoreException, IOException {
        long size = Files.size(file);
        byte[] h = new byte[100];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(h, 0, 100) < 100) {
                throw notSqlite(file, "only " + size + " bytes");
            }
        }
        byte[] magic = "SQLite format 3\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < 16; i++) {
            if (h[i] != magic[i]) {
                throw notSqlite(file, "the header is not 'SQLite format 3'");
            }
        }
        int raw = ((h[16] & 0xFF) << 8) | (h[17] & 0xFF);
        int pageSize = raw == 1 ? 65536 : raw;
        if (pageSize < 512 || pageSize > 65536 || Integer.bitCount(pageSize) != 1) {
            throw notSqlite(file, "invalid page size " + raw + " in the header");
        }
        if (size % pageSize != 0) {
            throw notSqlite(file, "its length " + size + " is not a multiple of the page size " + pageSize);
        }
        long count = size / pageSize;
        long hdrCount = PageFrames.getInt(h, 28) & 0xFFFF_FFFFL;
        int changeCounter = PageFrames.getInt(h, 24);
        int validFor = PageFrames.getInt(h, 92);
        if (hdrCount != 0 && validFor == changeCounter && hdrCount != count) {
            throw notSqlite(file, "the header says " + hdrCount + " pages but the file has " + count);
        }
        if (h[18] == 2 || h[19] == 2) {
            throw notSqlite(file, "it is in WAL mode; run PRAGMA journal_mode=DELETE on it (or VACUUM INTO a new file) first");
        }
        return new FileInfo(pageSize, count, size);
    }

    private static PageStoreException notSqlite(Path file, String why) {
        return new PageStoreException(Kind.INVALID, file + " is not a SQLite database file (" + why + "); nothing was sent");
    }

    /**
     * Replaces the database's content with {@code file} as one commit (the database is created if
     * missing). Files up to {@link RemoteConfig#maxRequestBytes()} go in one request; larger ones are
     * uploaded in stages and published by one commit based on the version read at the start
     * (CONFLICT if another client commits meanwhile).
     */
    public Result importFrom(Path file, Progress progress) throws PageStoreException, IOException {
        FileInfo fi = inspect(file);
        Progress p = progress == null ? Progress.NONE : progress;
        p.pages(0, fi.pageCount());
        String key = CommitProtocol.newKey();
        if (fi.bytes() <= config.maxRequestBytes()) {
            byte[] ok = CommitProtocol.exactlyOnce(api, stats, key, "the import", () -> api.importOnce(key, file.toFile()));
            JsonNode n = Json.parse(ok, "the import");
            p.pages(fi.pageCount(), fi.pageCount());
            return new Result(Json.requireLong(n, "version", "the import"), Json.requireLong(n, "pageCount", "the import"),
                    fi.pageSize(), fi.bytes(), false);
        }
        Answer a = api.info(null);
        if (a.code() == 404) {
            a = api.create(fi.pageSize());
        }
        if (!a.ok()) {
            throw HttpErrors.fromAnswer(a, "the import", config);
        }
        long base = DbState.parse(a.body(), "the import").version();
        String stageId = CommitProtocol.newKey();
        int perRequest = (int) Math.max(1, config.maxRequestBytes() / PageFrames.frameSize(fi.pageSize()));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long pageNo = 1;
            while (pageNo <= fi.pageCount()) {
                int n = (int) Math.min(perRequest, fi.pageCount() - pageNo + 1);
                List<Map.Entry<Long, byte[]>> chunk = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    byte[] page = new byte[fi.pageSize()];
                    ByteBuffer buf = ByteBuffer.wrap(page);
                    long pos = (pageNo + i - 1) * fi.pageSize();
                    while (buf.hasRemaining()) {
                        if (ch.read(buf, pos + buf.position()) < 0) {
                            throw new IOException(file + " shrank while it was being imported");
                        }
                    }
                    chunk.add(new AbstractMap.SimpleImmutableEntry<>(pageNo + i, page));
                }
                Answer s = api.stage(stageId, fi.pageSize(), PageFrames.encode(chunk, fi.pageSize()));
                if (!s.ok()) {
                    throw HttpErrors.fromAnswer(s, "uploading the import", config);
                }
                pageNo += n;
                p.pages(pageNo - 1, fi.pageCount());
            }
        }
        byte[] ok = CommitProtocol.exactlyOnce(api, stats, key, "the import commit",
                () -> api.commitStagedOnce(key, base, fi.pageCount(), fi.pageSize(), stageId));
        CommitResult r = CommitResult.parse(ok, "the import commit");
        return new Result(r.version(), r.pageCount(), fi.pageSize(), fi.bytes(), true);
    }

    /**
     * Writes version {@code version} (-1: the current one) as a SQLite file. The download goes to a
     * temporary file next to {@code file}, which replaces {@code file} only when complete and of the
     * announced length.
     */
    public Result exportTo(Path file, long version, Progress progress) throws PageStoreException, IOException {
        Progress p = progress == null ? Progress.NONE : progress;
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // not createTempFile, whose file is private whatever the umask: the export gets the
        // permissions any new file of the user gets
        Path tmp = dir.resolve("." + file.getFileName() + "." + java.util.UUID.randomUUID() + ".part");
        Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        try (Response resp = api.stream(api.exportRequest(version), "the export")) {
            ResponseBody body = resp.body();
            long v = parseHeader(resp.header("X-Dosqlite-Version"), "X-Dosqlite-Version");
            int pageSize = (int) parseHeader(resp.header("X-Dosqlite-Page-Size"), "X-Dosqlite-Page-Size");
            long length = body == null ? -1 : body.contentLength();
            long total = length >= 0 && pageSize > 0 ? length / pageSize : -1;
            long written = 0;
            p.pages(0, total);
            try (InputStream in = body.byteStream();
                 OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    written += n;
                    if (pageSize > 0) {
                        p.pages(written / pageSize, total);
                    }
                }
            } catch (IOException e) {
                throw HttpErrors.fromIOException(e, false, "the export", config);
            }
            stats.received(written);
            if ((length >= 0 && written != length) || (pageSize > 0 && written % pageSize != 0)) {
                throw new PageStoreException(Kind.CORRUPT, "the export ended after " + written + " bytes"
                        + (length >= 0 ? " of " + length : "") + "; " + file + " was not written");
            }
            if (written > 0) {
                FileInfo fi = inspect(tmp);
                if (pageSize > 0 && fi.pageSize() != pageSize) {
                    throw new PageStoreException(Kind.CORRUPT, "the exported file's page size " + fi.pageSize()
                            + " differs from the server's " + pageSize);
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (java.nio.file.AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            return new Result(v, pageSize > 0 ? written / pageSize : 0, pageSize, written, false);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static long parseHeader(String value, String name) throws PageStoreException {
        if (value == null) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new PageStoreException(Kind.CORRUPT, "malformed " + name + " header: " + value);
        }
    }
}
