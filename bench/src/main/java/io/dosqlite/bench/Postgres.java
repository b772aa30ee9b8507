package io.dosqlite.bench;

import io.dosqlite.local.LocalPageServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away PostgreSQL: initdb into a temporary directory, postgres on a free port of 127.0.0.1
 * (as the user 'postgres' when the harness runs as root), stopped and deleted on close. Default
 * settings (fsync and synchronous_commit on).
 */
final class Postgres implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final int port;
    private final List<String> asUser;

    private Postgres(Process process, Path dir, int port, List<String> asUser) {
        this.process = process;
        this.dir = dir;
        this.port = port;
        this.asUser = asUser;
    }

    static String findBin(String name) {
        for (String d : new String[] {"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin",
                "/usr/lib/postgresql/14/bin", "/usr/local/bin", "/usr/bin"}) {
            Path p = Path.of(d, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** Starts one, or throws with the reason (caller skips PostgreSQL then). */
    static Postgres start() throws IOException, InterruptedException {
        String initdb = findBin("initdb");
        String postgres = findBin("postgres");
        if (initdb == null || postgres == null) {
            throw new IOException("PostgreSQL is not installed (apt-get install postgresql)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        List<String> asUser = root ? List.of("runuser", "-u", "postgres", "--") : List.of();
        Path dir = Files.createTempDirectory("dosqlite-bench-pg-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (root) {
            run(List.of("chown", "postgres:postgres", dir.toString()), "chown");
        }
        List<String> init = new ArrayList<>(asUser);
        init.addAll(List.of(initdb, "-D", dir.resolve("data").toString(), "-A", "trust", "-U", "bench", "--no-sync", "-E", "UTF8"));
        run(init, "initdb");
        int port = LocalPageServer.freePort();
        List<String> cmd = new ArrayList<>(asUser);
        cmd.addAll(List.of(postgres, "-D", dir.resolve("data").toString(), "-p", Integer.toString(port),
                "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1"));
        Deque<String> tail = ChildProcess.newTail();
        Process p = ChildProcess.start(new ProcessBuilder(cmd), tail);
        Postgres pg = new Postgres(p, dir, port, asUser);
        try {
            ChildProcess.awaitPort(port, p, tail, "postgres");
        } catch (IOException e) {
            pg.close();
            throw e;
        }
        return pg;
    }

    private static void run(List<String> cmd, String what) throws IOException, InterruptedException {
        Deque<String> tail = ChildProcess.newTail();
        Process p = ChildProcess.start(new ProcessBuilder(cmd), tail);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            Thread.sleep(100);
            throw new IOException(what + " failed: " + ChildProcess.tail(tail));
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        String pgctl = findBin("pg_ctl");
        if (pgctl != null && process.isAlive()) {
            List<String> stop = new ArrayList<>(asUser);
            stop.addAll(List.of(pgctl, "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"));
            try {
                run(stop, "pg_ctl stop");
            } catch (Exception e) {
                System.err.println("pg_ctl stop: " + e.getMessage());
            }
        }
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ChildProcess.stop(process);
        ChildProcess.deleteTree(dir);
    }
}
