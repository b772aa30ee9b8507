package io.dosqlite.it.reliability;

import io.dosqlite.remote.local.LocalPageServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A real page server (workerd via {@code serve.mjs}) on a fixed 127.0.0.1 port with its own data
 * directory; can be killed with SIGKILL and restarted on the same port and data. Always stopped by
 * {@link #close()}, which also deletes the data directory. Started through {@link LocalPageServer},
 * or, when extra {@code serve.mjs} options are given (e.g. {@code --retain-versions 1}), directly.
 */
final class RelServer implements AutoCloseable {
    final Path dataDir;
    final int port;
    private final List<String> serveArgs;
    private LocalPageServer server;
    private Process custom;
    private volatile long customPid = -1;
    private final StringBuilder customOutput = new StringBuilder();
    private int restarts;

    private RelServer(Path dataDir, int port, List<String> serveArgs) throws IOException {
        this.dataDir = dataDir;
        this.port = port;
        this.serveArgs = serveArgs;
        startOn();
    }

    static RelServer start(String name, String... serveArgs) throws IOException {
        Path dir = Rel.tempDir(name);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return new RelServer(dir, LocalPageServer.freePort(), List.of(serveArgs)); // a new port each attempt
            } catch (IOException e) {
                last = e;
            }
        }
        Rel.deleteTree(dir);
        throw last;
    }

    private void startOn() throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < (restarts == 0 && server == null && custom == null ? 1 : 3); attempt++) {
            try {
                if (serveArgs.isEmpty()) {
                    server = LocalPageServer.start(LocalPageServer.findPageServerDir(), dataDir, Rel.TOKEN, port);
                } else {
                    startCustom();
                }
                return;
            } catch (IOException e) {
                last = e;
                sleep(500);
            }
        }
        throw last;
    }

    private void startCustom() throws IOException {
        Path dir = LocalPageServer.findPageServerDir();
        List<String> cmd = new ArrayList<>(List.of("node", dir.resolve("scripts/serve.mjs").toString(), "--port", "" + port,
                "--data", dataDir.toString(), "--token", Rel.TOKEN));
        cmd.addAll(serveArgs);
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        CountDownLatch ready = new CountDownLatch(1);
        customPid = -1;
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (customOutput) {
                        customOutput.append(line).append('\n');
                    }
                    if (line.startsWith("workerd pid ")) {
                        customPid = Long.parseLong(line.substring(12).trim());
                    } else if (line.startsWith("READY ")) {
                        ready.countDown();
                    }
                }
            } catch (IOException | NumberFormatException ignored) {
                // gone
            }
            ready.countDown();
        }, "rel-server-output");
        t.setDaemon(true);
        t.start();
        try {
            if (!ready.await(90, TimeUnit.SECONDS) || !p.isAlive()) {
                p.destroyForcibly();
                throw new IOException("page server did not start: " + output());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        custom = p;
    }

    /** {@code http://127.0.0.1:PORT}. */
    String url() {
        return "http://127.0.0.1:" + port;
    }

    String jdbc(String db) {
        return "jdbc:dosqlite:" + url() + "/" + db;
    }

    RawHttp http() {
        return new RawHttp(url(), Rel.TOKEN);
    }

    long workerdPid() {
        return custom != null ? customPid : server.workerdPid();
    }

    int restarts() {
        return restarts;
    }

    /** SIGKILL to workerd (not a graceful stop), waits until it is gone; the server is down afterwards. */
    void kill9Workerd() {
        long pid = workerdPid();
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

    /** Graceful stop (the data stays); {@link #restart()} starts it again. */
    void stop() {
        if (server != null) {
            server.close();
        }
        if (custom != null) {
            try {
                custom.getOutputStream().close(); // serve.mjs stops workerd at stdin EOF
                if (!custom.waitFor(10, TimeUnit.SECONDS)) {
                    custom.destroy();
                    custom.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (IOException | InterruptedException e) {
                custom.destroyForcibly();
            }
            ProcessHandle.of(customPid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /** Starts workerd again on the same port and data directory. */
    void restart() throws IOException {
        stop();
        startOn();
        restarts++;
    }

    String output() {
        if (server != null) {
            return server.output();
        }
        synchronized (customOutput) {
            return customOutput.toString();
        }
    }

    @Override
    public void close() {
        stop();
        Rel.deleteTree(dataDir);
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
