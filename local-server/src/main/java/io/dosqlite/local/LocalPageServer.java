package io.dosqlite.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * A local page server (workerd) as a child process, for the CLI, the shell and tests:
 * {@code node <pageServerDir>/scripts/serve.mjs --port N --data DIR} with the token in {@code DOSQLITE_TOKEN}. The script prints
 * {@code workerd pid <PID>} and {@code READY http://HOST:PORT}; it stops workerd and exits when its
 * stdin reaches EOF (or on SIGTERM). {@link #close()} closes stdin, waits, then terminates.
 */
public final class LocalPageServer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("io.dosqlite.local");
    /** System property naming the page-server directory. */
    public static final String DIR_PROPERTY = "dosqlite.pageServerDir";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final int OUTPUT_LINES_KEPT = 200;

    private final Process process;
    private final Deque<String> output = new ArrayDeque<>();
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile String url;
    private volatile long workerdPid = -1;
    private boolean closed;

    private LocalPageServer(Process process) {
        this.process = process;
    }

    /**
     * Starts a page server and waits until it is ready.
     *
     * @param pageServerDir the {@code page-server/} directory of the repository
     * @param dataDir       where the databases are stored (created if missing)
     * @param token         the bearer token clients must send
     * @param port          TCP port on 127.0.0.1, or 0 for a free one
     * @throws IOException with the child's output if it does not become ready
     */
    public static LocalPageServer start(Path pageServerDir, Path dataDir, String token, int port) throws IOException {
        return start(pageServerDir, dataDir, token, port, List.of());
    }

    /**
     * As {@link #start(Path, Path, String, int)}, with extra arguments for {@code serve.mjs}
     * (e.g. {@code --retain-versions 1 --retain-ms 0}).
     */
    public static LocalPageServer start(Path pageServerDir, Path dataDir, String token, int port, List<String> extraArgs)
            throws IOException {
        Path script = pageServerDir.resolve("scripts").resolve("serve.mjs");
        if (!Files.isRegularFile(script)) {
            throw new IOException("no page server at " + script + ": set -D" + DIR_PROPERTY + "=<repo>/page-server");
        }
        if (!Files.isDirectory(pageServerDir.resolve("node_modules"))) {
            npmCi(pageServerDir);
        }
        Files.createDirectories(dataDir);
        int p = port == 0 ? freePort() : port;
        List<String> cmd = new ArrayList<>(List.of(node(), script.toAbsolutePath().toString(), "--port", Integer.toString(p),
                "--data", dataDir.toAbsolutePath().toString()));
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(pageServerDir.toFile()).redirectErrorStream(true);
        // the token goes through the environment (serve.mjs reads DOSQLITE_TOKEN), not the visible command line
        pb.environment().put("DOSQLITE_TOKEN", token);
        Process proc = pb.start();
        LocalPageServer s = new LocalPageServer(proc);
        Thread drain = new Thread(s::drain, "dosqlite-page-server-output");
        drain.setDaemon(true);
        drain.start();
        boolean ok;
        try {
            ok = s.awaitReady(READY_TIMEOUT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            s.close();
            throw new IOException("interrupted while waiting for the page server to start", e);
        }
        if (!ok) {
            try {
                proc.waitFor(2, TimeUnit.SECONDS); // its output ended: it is exiting
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String why = proc.isAlive() ? "did not print READY within " + READY_TIMEOUT.toSeconds() + " s"
                    : "exited with code " + proc.exitValue();
            s.close();
            throw new IOException("the local page server (" + String.join(" ", cmd) + ") " + why + "; its output:\n" + s.output());
        }
        LOG.fine("page server ready at " + s.url + " (workerd pid " + s.workerdPid + ")");
        return s;
    }

    private boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (ready.await(100, TimeUnit.MILLISECONDS)) {
                return url != null;
            }
            if (!process.isAlive()) {
                // let the drain thread read the last lines
                return ready.await(500, TimeUnit.MILLISECONDS) && url != null;
            }
        }
        return false;
    }

    private void drain() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (output) {
                    output.addLast(line);
                    if (output.size() > OUTPUT_LINES_KEPT) {
                        output.removeFirst();
                    }
                }
                String t = line.trim();
                if (t.startsWith("workerd pid ")) {
                    try {
                        workerdPid = Long.parseLong(t.substring("workerd pid ".length()).trim());
                    } catch (NumberFormatException ignored) {
                        // keep -1
                    }
                } else if (t.startsWith("READY ") && url == null) {
                    url = t.substring("READY ".length()).trim();
                    ready.countDown();
                }
                LOG.fine("page-server: " + line);
            }
        } catch (IOException ignored) {
            // process gone
        } finally {
            ready.countDown();
        }
    }

    /** Base URL of the server, e.g. {@code http://127.0.0.1:8787}. */
    public String url() {
        return url;
    }

    /** Process id of workerd (-1 if the script did not say). */
    public long workerdPid() {
        return workerdPid;
    }

    /** Process id of the node script. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The last lines the server printed. */
    public String output() {
        synchronized (output) {
            return String.join("\n", output);
        }
    }

    /** Stops the server (stdin EOF, then SIGTERM, then SIGKILL) and waits for it; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            OutputStream in = process.getOutputStream();
            in.close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        if (workerdPid > 0) {
            Optional<ProcessHandle> w = ProcessHandle.of(workerdPid);
            if (w.isPresent() && w.get().isAlive()) {
                w.get().destroy();
                try {
                    w.get().onExit().get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    w.get().destroyForcibly();
                }
            }
        }
    }

    /**
     * The repository's {@code page-server/} directory: the system property {@value #DIR_PROPERTY}
     * if set, else the first {@code page-server/scripts/serve.mjs} found walking up from the working directory.
     */
    public static Path findPageServerDir() throws IOException {
        String prop = System.getProperty(DIR_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Paths.get(prop).toAbsolutePath();
        }
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path c = d.resolve("page-server");
            if (Files.isRegularFile(c.resolve("scripts").resolve("serve.mjs")) || Files.isRegularFile(c.resolve("package.json"))) {
                return c;
            }
        }
        throw new IOException("cannot find the page-server directory above " + Paths.get("").toAbsolutePath()
                + ": run from the repository or set -D" + DIR_PROPERTY + "=<repo>/page-server");
    }

    /** A TCP port free on 127.0.0.1 right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static String node() {
        String n = System.getenv("DOSQLITE_NODE");
        return n != null && !n.isBlank() ? n : "node";
    }

    private static void npmCi(Path dir) throws IOException {
        LOG.info("installing the page server's dependencies (npm ci in " + dir + ")");
        Process p = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(dir.toFile())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
                if (lines.size() > 100) {
                    lines.remove(0);
                }
            }
        }
        try {
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("npm ci in " + dir + " failed:\n" + String.join("\n", lines));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted during npm ci", e);
        } catch (IllegalThreadStateException e) {
            throw new UncheckedIOException(new IOException("npm ci did not finish"));
        }
    }
}
