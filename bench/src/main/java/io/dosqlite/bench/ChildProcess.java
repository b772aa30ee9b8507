package io.dosqlite.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Helpers for the server processes the harness starts (and stops) itself. */
final class ChildProcess {
    private ChildProcess() {
    }

    /** Starts a process whose output is kept (last lines) for error messages. */
    static Process start(ProcessBuilder pb, Deque<String> tail) throws IOException {
        pb.redirectErrorStream(true);
        Process p = pb.start();
        p.getOutputStream().close();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 50) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException ignored) {
                // gone
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
        return p;
    }

    static Deque<String> newTail() {
        return new ArrayDeque<>();
    }

    static String tail(Deque<String> tail) {
        synchronized (tail) {
            return String.join("\n", tail);
        }
    }

    /** Waits until something accepts TCP connections on 127.0.0.1:port. */
    static void awaitPort(int port, Process p, Deque<String> tail, String what) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException(what + " exited with code " + p.exitValue() + ":\n" + tail(tail));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return;
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", ie);
                }
            }
        }
        throw new IOException(what + " did not open port " + port + " within 60 s:\n" + tail(tail));
    }

    static void stop(Process p) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }
}
