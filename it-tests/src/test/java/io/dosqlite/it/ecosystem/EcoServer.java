package io.dosqlite.it.ecosystem;

import io.dosqlite.remote.local.LocalPageServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.UUID;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One real page server (workerd) for all ecosystem tests of a test run: started on first use,
 * stopped when JUnit closes its root store. Inject it as a parameter of a test or
 * {@code @BeforeAll} method of a class annotated {@code @ExtendWith(EcoServer.class)}.
 */
public final class EcoServer implements ParameterResolver {
    public static final String TOKEN = "eco-token-" + UUID.randomUUID();

    private LocalPageServer server;
    private Path dataDir;

    /** Needed by JUnit to instantiate the extension; the server lives in the root store. */
    public EcoServer() {
    }

    private static final class Holder implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final EcoServer eco = new EcoServer();

        Holder() {
            try {
                eco.dataDir = Files.createTempDirectory("dosqlite-eco-");
                eco.server = LocalPageServer.start(LocalPageServer.findPageServerDir(), eco.dataDir, TOKEN, 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            eco.server.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == EcoServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return c.getRoot().getStore(ExtensionContext.Namespace.create(EcoServer.class))
                .getOrComputeIfAbsent(Holder.class, k -> new Holder(), Holder.class).eco;
    }

    /** Base URL of the page server, e.g. {@code http://127.0.0.1:40123}. */
    public String url() {
        return server.url();
    }

    /** A {@code jdbc:dosqlite:} URL of a database no other test uses. */
    public String freshJdbcUrl(String prefix) {
        return "jdbc:dosqlite:" + url() + "/" + freshName(prefix);
    }

    public static String freshName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static Properties withToken() {
        Properties p = new Properties();
        p.setProperty("token", TOKEN);
        return p;
    }

    public static Connection connect(String jdbcUrl) throws SQLException {
        return DriverManager.getConnection(jdbcUrl, withToken());
    }

    /** The repository's page-server/ directory. */
    public static Path pageServerDir() throws IOException {
        return LocalPageServer.findPageServerDir();
    }
}
