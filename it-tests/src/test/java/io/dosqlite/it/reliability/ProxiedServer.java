package io.dosqlite.it.reliability;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A page server and the fault proxy in front of it, for all tests of a class:
 * {@code @RegisterExtension static final ProxiedServer env = new ProxiedServer("name");}.
 * Registered before a class's own {@code @BeforeAll}, so that can use them.
 */
final class ProxiedServer implements BeforeAllCallback, AfterAllCallback {
    private final String name;
    RelServer server;
    FaultProxy proxy;

    ProxiedServer(String name) {
        this.name = name;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = RelServer.start(name);
        proxy = new FaultProxy(server.port, Rel.SEED);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Rel.closeQuietly(proxy);
        Rel.closeQuietly(server);
    }
}
