package io.dosqlite.testsupport;

import io.dosqlite.local.LocalPageServer;
import io.dosqlite.testsupport.proxy.FaultProxy;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real page server (workerd, through {@link LocalPageServer}) on a free 127.0.0.1 port with a
 * data directory of its own, deleted when it is closed; optionally behind a {@link FaultProxy}.
 * It can be stopped, killed with SIGKILL and restarted on the same port and data.
 *
 * <ul>
 *   <li>For one test: {@code try (TestPageServer s = TestPageServer.start()) { ... }}</li>
 *   <li>For all tests of a class: {@code @RegisterExtension static final TestPageServer server = new TestPageServer();}
 *       (started before the class, closed after it)</li>
 *   <li>For the whole test run: see {@link PerRunPageServer}.</li>
 * </ul>
 * Extra arguments go to {@code serve.mjs} (e.g. {@code "--retain-versions", "1"}). Every server of a
 * JVM takes the token {@link #TOKEN}.
 */
public final class TestPageServer implements AutoCloseable, BeforeAllCallback, AfterAllCallback {
    public static final String TOKEN = "test-token-" + UUID.randomUUID();
    private static final int ATTEMPTS = 3;
    private static final long PORT_FREE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(15);

    private final List<String> serveArgs;
    private Long proxySeed;
    private Path dataDir;
    private int port;
    private LocalPageServer server;
    private FaultProxy proxy;
    private int restarts;

    /** Not started yet: registered as an extension it starts before the class; else use {@link #start}. */
    public TestPageServer(String... serveArgs) {
        this.serveArgs = List.of(serveArgs);
    }

    /** A started server; the caller closes it. */
    public static TestPageServer start(String... serveArgs) throws IOException {
        TestPageServer s = new TestPageServer(serveArgs);
        s.open();
        return s;
    }

    /** Puts a {@link FaultProxy} (with this seed) in front, started and closed with the server. */
    public TestPageServer withFaultProxy(long seed) {
        this.proxySeed = seed;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        open();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private synchronized void open() throws IOException {
        dataDir = Files.createTempDirectory("dosqlite-test-");
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS && server == null; attempt++) {
            port = LocalPageServer.freePort(); // a new one each attempt: another process may have taken the last
            try {
                server = launch();
            } catch (IOException e) {
                last = e;
            }
        }
        if (server == null) {
            deleteTree(dataDir);
            throw last;
        }
        if (proxySeed != null) {
            try {
                proxy = new FaultProxy(port, proxySeed);
            } catch (IOException e) {
                close();
                throw e;
            }
        }
    }

    private LocalPageServer launch() throws IOException {
        return LocalPageServer.start(LocalPageServer.findPageServerDir(), dataDir, TOKEN, port, serveArgs);
    }

    /** {@code http://127.0.0.1:PORT}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** {@code jdbc:dosqlite:} URL of database {@code db} on this server (not through the proxy). */
    public String jdbc(String db) {
        return "jdbc:dosqlite:" + url() + "/" + db;
    }

    /** {@code jdbc:dosqlite:} URL of a database no other test uses. */
    public String freshJdbcUrl(String prefix) {
        return jdbc(freshName(prefix));
    }

    /** The fault proxy in front (see {@link #withFaultProxy}). */
    public FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("no fault proxy: use withFaultProxy(seed)");
        }
        return proxy;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** The workerd process itself, for tests that stop, hang or kill it. */
    public synchronized long workerdPid() {
        return server.workerdPid();
    }

    /** What the server printed last. */
    public synchronized String output() {
        return server == null ? "" : server.output();
    }

    /** How often {@link #restart()} started it again. */
    public synchronized int restarts() {
        return restarts;
    }

    /** SIGKILL to workerd (not a graceful stop) and waits until it is gone; the server is down afterwards. */
    public synchronized void kill9Workerd() {
        long pid = server.workerdPid();
        if (pid <= 0) {
            throw new IllegalStateException("the page server did not report its workerd pid:\n" + output());
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent()) {
            h.get().destroyForcibly();
            try {
                h.get().onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("workerd " + pid + " did not die after SIGKILL", e);
            }
        }
        stop(); // the node wrapper exits by itself when workerd dies; this reaps it
    }

    /** Graceful stop; the data stays, {@link #restart()} starts it again. */
    public synchronized void stop() {
        if (server != null) {
            server.close();
            if (server.isAlive()) {
                throw new IllegalStateException("the page server still runs after it was stopped:\n" + server.output());
            }
        }
    }

    /** Starts the server again on the same port and data directory (stopping it first if it runs). */
    public synchronized void restart() throws IOException {
        stop();
        IOException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            awaitPortFree();
            try {
                server = launch();
                restarts++;
                return;
            } catch (IOException e) {
                last = e;
            }
        }
        throw last;
    }

    /** Waits until nothing listens on the port any more (the old workerd is gone). */
    private void awaitPortFree() throws IOException {
        long deadline = System.nanoTime() + PORT_FREE_TIMEOUT_NANOS;
        while (true) {
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return;
            } catch (BindException e) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("port " + port + " is still in use 15 s after the page server stopped", e);
                }
                try {
                    Thread.sleep(10); // poll the condition
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for port " + port, ie);
                }
            }
        }
    }

    /** Stops the proxy and the server and deletes the data directory; idempotent. */
    @Override
    public synchronized void close() {
        if (proxy != null) {
            proxy.close();
        }
        try {
            stop();
        } finally {
            deleteTree(dataDir);
        }
    }

    /** A database name no other test uses: {@code prefix-xxxxxxxx}. */
    public static String freshName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The {@link #TOKEN} and the given name/value pairs as JDBC properties. */
    public static Properties properties(String... nameValue) {
        Properties p = new Properties();
        p.setProperty("token", TOKEN);
        for (int i = 0; i + 1 < nameValue.length; i += 2) {
            p.setProperty(nameValue[i], nameValue[i + 1]);
        }
        return p;
    }

    /** A connection with the {@link #TOKEN} and the given name/value properties. */
    public static Connection connect(String jdbcUrl, String... nameValue) throws SQLException {
        return DriverManager.getConnection(jdbcUrl, properties(nameValue));
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
