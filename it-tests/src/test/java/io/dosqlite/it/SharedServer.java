package io.dosqlite.it;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One page server for all tests of a class: {@code @RegisterExtension static final SharedServer SERVER}. */
final class SharedServer implements BeforeAllCallback, AfterAllCallback {
    private TestServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = TestServer.start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    TestServer get() {
        return server;
    }

    String freshDatabaseUrl() {
        return server.freshDatabaseUrl();
    }
}
