package io.dosqlite.remote;

import io.dosqlite.remote.local.LocalPageServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * One real page server (workerd) with its own data directory for all tests of a class:
 * {@code @RegisterExtension static final SharedPageServer server = new SharedPageServer();}.
 * Stopped after the class, and checked to be gone.
 */
final class SharedPageServer implements BeforeAllCallback, AfterAllCallback {
    private final List<String> extraArgs;
    private Path data;
    private LocalPageServer server;

    SharedPageServer(String... extraArgs) {
        this.extraArgs = List.of(extraArgs);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        data = Files.createTempDirectory("dosqlite-rc-");
        server = TestServer.start(data, extraArgs);
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
            if (server.isAlive()) {
                throw new AssertionError("workerd still runs after the page server was closed");
            }
        }
        if (data != null) {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    String url() {
        return server.url();
    }
}
