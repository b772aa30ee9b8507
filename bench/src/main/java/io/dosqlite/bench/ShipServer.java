package io.dosqlite.bench;

import io.dosqlite.local.LocalPageServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.List;

/**
 * The statement-shipping baseline: bench/shipping-worker/worker.js in its own workerd (the binary
 * from page-server/node_modules), one SQLite-backed Durable Object per database.
 */
final class ShipServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Path dataDir;

    private ShipServer(Process process, int port, Path dataDir) {
        this.process = process;
        this.port = port;
        this.dataDir = dataDir;
    }

    static ShipServer start(Path repo, Path dataDir) throws IOException {
        Path workerd = repo.resolve("page-server/node_modules/@cloudflare/workerd-linux-64/bin/workerd");
        if (!Files.isExecutable(workerd)) {
            throw new IOException("no workerd at " + workerd + ": run `npm ci` in page-server/");
        }
        Files.createDirectories(dataDir.resolve("storage"));
        Files.copy(repo.resolve("bench/shipping-worker/worker.js"), dataDir.resolve("worker.js"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        int port = LocalPageServer.freePort();
        String config = """
                using Workerd = import "/workerd/workerd.capnp";
                const config :Workerd.Config = (
                  services = [
                    (name = "main", worker = .ship),
                    (name = "storage", disk = (path = "%s", writable = true)),
                  ],
                  sockets = [ (name = "http", address = "127.0.0.1:%d", http = (), service = "main") ],
                );
                const ship :Workerd.Worker = (
                  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
                  compatibilityDate = "2025-09-01",
                  durableObjectNamespaces = [ (className = "ShipDO", uniqueKey = "dosqlite-bench-ship", enableSql = true) ],
                  durableObjectStorage = (localDisk = "storage"),
                  bindings = [ (name = "SHIP", durableObjectNamespace = "ShipDO") ],
                );
                """.formatted(dataDir.resolve("storage").toAbsolutePath(), port);
        Path cfg = dataDir.resolve("config.capnp");
        Files.writeString(cfg, config);
        Deque<String> tail = ChildProcess.newTail();
        Process p = ChildProcess.start(new ProcessBuilder(List.of(workerd.toString(), "serve", cfg.toString(), "--experimental"))
                .directory(dataDir.toFile()), tail);
        ShipServer s = new ShipServer(p, port, dataDir);
        try {
            ChildProcess.awaitPort(port, p, tail, "workerd (statement shipping)");
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return s;
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        ChildProcess.stop(process);
    }
}
